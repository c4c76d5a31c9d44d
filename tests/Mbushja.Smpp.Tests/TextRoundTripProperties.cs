using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Mbushja.Smpp.Pdus;
using Mbushja.Smpp.Text;

namespace Mbushja.Smpp.Tests;

/// <summary>
/// Any reply, in every configuration, goes out and comes back whole: encoded into parts, each part through
/// submit_sm's octets and back as a deliver_sm, delivered shuffled with a part repeated, and reassembled.
/// </summary>
public sealed class TextRoundTripProperties
{
    private static readonly string[] Pieces =
    [
        "a", "Z", "5", " ", "@", "\r", "\n", "€", "[", "]", "{", "}", "^", "~", "\\", "|", "ë", "Ë", "ç", "Ç", "š", "😀", "💸", "Ж", "é",
        "Pagesa u krye. ", "049123456 5", "#",
    ];

    private static readonly SmppTextOptions[] Configurations =
    [
        .. from packed in new[] { false, true }
           from mode in Enum.GetValues<LongMessageMode>()
           select new SmppTextOptions { Gsm7Packed = packed, LongMessages = mode },
    ];

    [Property(MaxTest = 400)]
    public Property Encode_ThenReassemble_GivesTheTextBack() =>
        Prop.ForAll(
            Gen.Choose(0, 200).SelectMany(n => Gen.ArrayOf(Gen.Elements(Pieces), n)).ToArbitrary(),
            Gen.Elements(Configurations).ToArbitrary(),
            Gen.Choose(0, int.MaxValue).ToArbitrary(),
            (pieces, options, seed) => RoundTrips(string.Concat(pieces), options, seed));

    [Property(MaxTest = 200)]
    public Property Encode_AllGsmTextOfAnyLength_GivesTheTextBack() =>
        Prop.ForAll(
            Gen.Choose(0, 700).SelectMany(n => Gen.ArrayOf(Gen.Elements("a", "€", "b", "[", "\r", "@"), n)).ToArbitrary(),
            Gen.Elements(Configurations).ToArbitrary(),
            (pieces, options) => RoundTrips(string.Concat(pieces), options, seed: pieces.Length));

    private static bool RoundTrips(string text, SmppTextOptions options, int seed)
    {
        var random = new Random(seed);
        OutboundMessage message = OutboundText.Encode(text, (ushort)random.Next(0x10000), options);

        // Every part is a valid submit_sm; its octets come back as a deliver_sm from the subscriber.
        var delivered = new List<DeliverSm>();
        foreach (SubmitSm submit in message.ToSubmitSms(SmppAddress.ShortCode("50001"), SmppAddress.International("38349123456")))
        {
            byte[] octets = PduEncoder.ToArray(submit);
            octets[7] = (byte)CommandId.DeliverSm;
            var deliver = (DeliverSm)PduDecoder.Decode(octets).Pdu!;
            if (deliver.ShortMessage.Length > 254 || (deliver.ShortMessage.Length > 140 && options.Gsm7Packed))
            {
                return false;
            }

            delivered.Add(deliver);
        }

        // Shuffled, and one part of a long message repeated. (A message on its own sent twice is two messages here;
        // the inbox tells them apart by the SMSC's message id.)
        List<DeliverSm> order = [.. delivered.OrderBy(_ => random.Next())];
        if (order.Count > 1)
        {
            order.Insert(random.Next(order.Count + 1), order[random.Next(order.Count)]);
        }

        var assembler = new LongMessageAssembler();
        ReassembledMessage? whole = null;
        foreach (DeliverSm pdu in order)
        {
            ReassemblyResult result = assembler.Add(InboundPart.From(pdu, options));
            if (result.Status == ReassemblyStatus.Complete)
            {
                if (whole is not null)
                {
                    return false; // completed twice
                }

                whole = result.Message;
            }
        }

        // Packing adds a second CR when a final CR lands on an octet boundary (3GPP TS 23.038 §6.1.2.3.1).
        return whole is not null
            && (whole.Text == message.Text || (options.Gsm7Packed && message.Text.EndsWith('\r') && whole.Text == message.Text + "\r"));
    }
}
