using Mbushja.Smpp.Pdus;
using Mbushja.Text;

namespace Mbushja.Smpp.Text;

/// <summary>
/// The text side of one deliver_sm or data_sm: who sent it to whom, its coding, its place in a long message if it is
/// a part, and its content with any user data header taken off (GSM-7 as unpacked septets, so that parts can be
/// joined before decoding and an ESC or a surrogate pair split across parts still reads right).
/// </summary>
public sealed class InboundPart
{
    private string? _text;

    private InboundPart(SmppAddress source, SmppAddress destination, byte dataCoding, TextCoding coding, ConcatInfo? concat, ReadOnlyMemory<byte> units, bool headerInvalid)
    {
        Source = source;
        Destination = destination;
        DataCoding = dataCoding;
        Coding = coding;
        Concat = concat;
        Units = units;
        HeaderInvalid = headerInvalid;
    }

    public SmppAddress Source { get; }

    public SmppAddress Destination { get; }

    public byte DataCoding { get; }

    public TextCoding Coding { get; }

    /// <summary>Its place in a long message; null for a message on its own.</summary>
    public ConcatInfo? Concat { get; }

    /// <summary>True when UDHI was set but the header ran past the data: the octets are read as text, header and all.</summary>
    public bool HeaderInvalid { get; }

    /// <summary>This part's text alone.</summary>
    public string Text => _text ??= SmsText.Decode(Coding, Units.Span);

    /// <summary>Septets (GSM-7) or octets (the other codings), without the header.</summary>
    internal ReadOnlyMemory<byte> Units { get; }

    /// <summary>
    /// The text of <paramref name="parts"/>, in the order given. Parts of one coding are joined before decoding, so
    /// that an ESC or a surrogate pair split between two parts still reads as one character.
    /// </summary>
    public static string Join(IEnumerable<InboundPart> parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        InboundPart[] list = [.. parts];
        if (list.Length == 0)
        {
            return string.Empty;
        }

        if (list.Any(p => p.Coding != list[0].Coding))
        {
            return string.Concat(list.Select(p => p.Text));
        }

        byte[] units = new byte[list.Sum(p => p.Units.Length)];
        int offset = 0;
        foreach (InboundPart part in list)
        {
            part.Units.Span.CopyTo(units.AsSpan(offset));
            offset += part.Units.Length;
        }

        return SmsText.Decode(list[0].Coding, units);
    }

    public static InboundPart From(DeliverSm pdu, SmppTextOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(pdu);
        return From(pdu.Source, pdu.Destination, pdu.EsmClass, pdu.DataCoding, pdu.ShortMessage, pdu.Tlvs, options);
    }

    public static InboundPart From(DataSm pdu, SmppTextOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(pdu);
        return From(pdu.Source, pdu.Destination, pdu.EsmClass, pdu.DataCoding, ReadOnlyMemory<byte>.Empty, pdu.Tlvs, options);
    }

    /// <summary>
    /// Reads the fields of a message PDU. The content is message_payload when short_message is empty (§5.3.2.32);
    /// the place in a long message comes from the user data header when esm_class has UDHI, else from the SAR TLVs.
    /// </summary>
    public static InboundPart From(SmppAddress source, SmppAddress destination, byte esmClass, byte dataCoding,
        ReadOnlyMemory<byte> shortMessage, TlvList tlvs, SmppTextOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(tlvs);
        options ??= SmppTextOptions.Default;
        ReadOnlyMemory<byte> userData = shortMessage.IsEmpty && tlvs.MessagePayload is { } payload ? payload : shortMessage;
        TextCoding coding = SmsText.Classify(dataCoding);

        int headerLength = 0;
        ConcatInfo? concat = null;
        bool headerInvalid = false;
        if (EsmClass.HasUdh(esmClass))
        {
            if (!UserDataHeader.TryRead(userData.Span, out headerLength, out concat))
            {
                headerInvalid = true;
                headerLength = 0;
            }
        }
        else if (tlvs.SarMsgRefNum is { } reference && tlvs.SarTotalSegments is { } total && tlvs.SarSegmentSeqnum is { } sequence)
        {
            var sar = new ConcatInfo(reference, total, sequence, ConcatScheme.Sar);
            concat = sar.IsValid ? sar : null;
        }

        ReadOnlyMemory<byte> units = userData[headerLength..];
        if (coding == TextCoding.Gsm7 && options.Gsm7Packed)
        {
            // The septets start at the first septet boundary after the header, counted from the start of the user data.
            int fill = headerLength == 0 ? 0 : UserDataHeader.FillBits(headerLength);
            byte[] septets = new byte[Gsm7.MaxSeptets(units.Length, fill)];
            int count = Gsm7.Unpack(units.Span, septets, fill);
            units = septets.AsMemory(0, count);
        }

        return new InboundPart(source, destination, dataCoding, coding, concat, units, headerInvalid);
    }
}
