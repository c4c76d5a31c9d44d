using System.Buffers.Binary;
using Mbushja.Smpp.Pdus;
using Mbushja.Smpp.Wire;

namespace Mbushja.Smpp;

/// <summary>
/// Reads one whole PDU from its octets. Knows nothing of sockets: <see cref="SmppFrameReader"/> finds the frames in
/// a stream. Never throws on input; what is wrong comes back as a <see cref="DecodeError"/>.
/// </summary>
public static class PduDecoder
{
    /// <summary>Decodes <paramref name="frame"/>, which must be exactly one PDU (command_length octets).</summary>
    public static DecodeResult Decode(ReadOnlySpan<byte> frame)
    {
        if (frame.Length < Pdu.HeaderLength)
        {
            uint declared = frame.Length >= 4 ? BinaryPrimitives.ReadUInt32BigEndian(frame) : (uint)frame.Length;
            return DecodeResult.Fail(new DecodeError(CommandStatus.InvalidCommandLength, DecodeMessages.LengthBelowHeader(declared), framingLost: true));
        }

        var header = new PduHeader(
            BinaryPrimitives.ReadUInt32BigEndian(frame),
            (CommandId)BinaryPrimitives.ReadUInt32BigEndian(frame[4..]),
            (CommandStatus)BinaryPrimitives.ReadUInt32BigEndian(frame[8..]),
            BinaryPrimitives.ReadUInt32BigEndian(frame[12..]));

        if (header.CommandLength < Pdu.HeaderLength)
        {
            return DecodeResult.Fail(new DecodeError(CommandStatus.InvalidCommandLength, DecodeMessages.LengthBelowHeader(header.CommandLength), framingLost: true));
        }

        if (header.CommandLength != (uint)frame.Length)
        {
            return Fail(header, CommandStatus.InvalidCommandLength, DecodeMessages.LengthNotFrame(header.CommandLength, frame.Length));
        }

        var reader = new BodyReader(frame[Pdu.HeaderLength..]);
        Pdu? pdu = Read(header, ref reader);
        if (pdu is null)
        {
            return Fail(header, CommandStatus.InvalidCommandId, DecodeMessages.UnknownCommand((uint)header.CommandId));
        }

        if (!reader.Failed && reader.Remaining != 0)
        {
            // Fields done, octets left, and this PDU has no optional part to put them in.
            reader.Fail(CommandStatus.InvalidCommandLength,
                pdu is HeaderOnlyPdu ? DecodeMessages.HeaderOnlyWithBody(header.CommandId, reader.Remaining) : DecodeMessages.LengthNotFrame(header.CommandLength, frame.Length - reader.Remaining));
        }

        return reader.Failed ? Fail(header, reader.Status, reader.Detail!) : DecodeResult.Of(pdu);
    }

    /// <summary>The header alone, from at least 16 octets.</summary>
    public static PduHeader ReadHeader(ReadOnlySpan<byte> header) => new(
        BinaryPrimitives.ReadUInt32BigEndian(header),
        (CommandId)BinaryPrimitives.ReadUInt32BigEndian(header[4..]),
        (CommandStatus)BinaryPrimitives.ReadUInt32BigEndian(header[8..]),
        BinaryPrimitives.ReadUInt32BigEndian(header[12..]));

    private static Pdu? Read(in PduHeader header, ref BodyReader reader) => header.CommandId switch
    {
        CommandId.GenericNack => new GenericNack(header),
        CommandId.BindReceiver => new BindReceiver(header, ref reader),
        CommandId.BindReceiverResp => new BindReceiverResp(header, ref reader),
        CommandId.BindTransmitter => new BindTransmitter(header, ref reader),
        CommandId.BindTransmitterResp => new BindTransmitterResp(header, ref reader),
        CommandId.BindTransceiver => new BindTransceiver(header, ref reader),
        CommandId.BindTransceiverResp => new BindTransceiverResp(header, ref reader),
        CommandId.Outbind => new Outbind(header, ref reader),
        CommandId.Unbind => new Unbind(header),
        CommandId.UnbindResp => new UnbindResp(header),
        CommandId.EnquireLink => new EnquireLink(header),
        CommandId.EnquireLinkResp => new EnquireLinkResp(header),
        CommandId.SubmitSm => new SubmitSm(header, ref reader),
        CommandId.SubmitSmResp => new SubmitSmResp(header, ref reader),
        CommandId.DeliverSm => new DeliverSm(header, ref reader),
        CommandId.DeliverSmResp => new DeliverSmResp(header, ref reader),
        CommandId.DataSm => new DataSm(header, ref reader),
        CommandId.DataSmResp => new DataSmResp(header, ref reader),
        _ => null,
    };

    private static DecodeResult Fail(in PduHeader header, CommandStatus status, string detail) =>
        DecodeResult.Fail(new DecodeError(status, detail, header.CommandId, header.SequenceNumber));
}
