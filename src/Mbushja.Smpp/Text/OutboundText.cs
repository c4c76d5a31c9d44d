using System.Text;
using Mbushja.Smpp.Pdus;
using Mbushja.Text;

namespace Mbushja.Smpp.Text;

/// <summary>One submit_sm's worth of a message: its short_message, esm_class (UDHI for a header) and TLVs (SAR, payload).</summary>
public sealed record OutboundPart(ReadOnlyMemory<byte> ShortMessage, byte EsmClass, TlvList Tlvs);

/// <summary>A text made ready to send: the text as it will read (transliterated, if it was), its data_coding, its parts.</summary>
public sealed record OutboundMessage(string Text, byte DataCoding, IReadOnlyList<OutboundPart> Parts)
{
    /// <summary>One submit_sm per part, in order; the session numbers them when it sends them.</summary>
    public IEnumerable<SubmitSm> ToSubmitSms(SmppAddress source, SmppAddress destination, byte registeredDelivery = 0) =>
        Parts.Select(part => new SubmitSm
        {
            Source = source,
            Destination = destination,
            EsmClass = part.EsmClass,
            RegisteredDelivery = registeredDelivery,
            DataCoding = DataCoding,
            ShortMessage = part.ShortMessage,
            Tlvs = part.Tlvs,
        });
}

/// <summary>
/// Turns a reply into what submit_sm carries: GSM-7 when it can carry the text, otherwise UCS-2 (or GSM-7 after
/// transliteration, when configured); one part up to 160 septets or 70 UCS-2 units, otherwise parts marked by a user
/// data header or SAR TLVs (3GPP TS 23.040 §9.2.3.24, SMPP v3.4 §5.3.2.22–24), or the whole text in message_payload.
/// A GSM-7 escape pair and a UTF-16 surrogate pair never straddle two parts.
/// </summary>
public static class OutboundText
{
    private const int MaxUserData = 140;
    private const int SingleSeptets = 160;

    /// <summary>
    /// Encodes <paramref name="text"/>. <paramref name="reference"/> ties the parts of a long message together: the
    /// caller gives each long message its own (an 8-bit header keeps its low octet). Throws when the text needs
    /// more than <see cref="SmppTextOptions.MaxParts"/> parts (a reply that long is a bug, not input).
    /// </summary>
    public static OutboundMessage Encode(string text, ushort reference, SmppTextOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        options ??= SmppTextOptions.Default;
        (string sent, bool gsm) = Alphabet(text, options);
        byte dataCoding = gsm ? DataCoding.SmscDefault : DataCoding.Ucs2;
        bool packed = gsm && options.Gsm7Packed;
        int total = gsm ? Gsm7.Septets(sent)!.Value : sent.Length;
        int single = gsm ? SingleSeptets : MaxUserData / 2;

        if (Cost(sent, gsm, packed, fill: 0, total) <= single)
        {
            return new OutboundMessage(sent, dataCoding, [new OutboundPart(Body(sent, gsm, packed, header: []), 0, TlvList.Empty)]);
        }

        if (options.LongMessages == LongMessageMode.MessagePayload)
        {
            byte[] payload = Body(sent, gsm, packed, header: []);
            if (payload.Length > Tlv.MaxValueLength)
            {
                throw new ArgumentException($"The text takes {payload.Length} octets; message_payload holds at most {Tlv.MaxValueLength}.", nameof(text));
            }

            return new OutboundMessage(sent, dataCoding, [new OutboundPart(ReadOnlyMemory<byte>.Empty, 0, [Tlv.MessagePayload(payload)])]);
        }

        var scheme = options.LongMessages switch
        {
            LongMessageMode.Udh8 => ConcatScheme.Udh8,
            LongMessageMode.Udh16 => ConcatScheme.Udh16,
            _ => ConcatScheme.Sar,
        };

        // SAR parts carry no header here, but the SMSC adds one on the air: leave room for the larger.
        int headerLength = scheme == ConcatScheme.Udh8 ? UserDataHeader.Concat8Length : UserDataHeader.Concat16Length;
        int fill = packed && scheme != ConcatScheme.Sar ? UserDataHeader.FillBits(headerLength) : 0;
        int capacity = gsm ? Gsm7.MaxSeptets(MaxUserData - headerLength, UserDataHeader.FillBits(headerLength)) : (MaxUserData - headerLength) / 2;

        List<string> pieces = Split(sent, gsm, packed, fill, capacity);
        if (pieces.Count > options.MaxParts)
        {
            throw new ArgumentException($"The text needs {pieces.Count} parts; the limit is {options.MaxParts}.", nameof(text));
        }

        var parts = new List<OutboundPart>(pieces.Count);
        for (int i = 0; i < pieces.Count; i++)
        {
            var concat = new ConcatInfo(scheme == ConcatScheme.Udh8 ? (ushort)(reference & 0xFF) : reference, (byte)pieces.Count, (byte)(i + 1), scheme);
            if (scheme == ConcatScheme.Sar)
            {
                parts.Add(new OutboundPart(Body(pieces[i], gsm, packed, header: []), 0,
                    [Tlv.SarMsgRefNum(reference), Tlv.SarTotalSegments(concat.Total), Tlv.SarSegmentSeqnum(concat.Sequence)]));
            }
            else
            {
                byte[] header = new byte[headerLength];
                UserDataHeader.WriteConcat(header, concat);
                parts.Add(new OutboundPart(Body(pieces[i], gsm, packed, header), EsmClass.UdhIndicator, TlvList.Empty));
            }
        }

        return new OutboundMessage(sent, dataCoding, parts);
    }

    /// <summary>
    /// <paramref name="text"/> in one piece, never split (a USSD screen, which the network carries whole): GSM-7 when
    /// it can carry the text (or after transliteration, when configured), otherwise UCS-2. The caller puts the octets
    /// in short_message, or in message_payload when they are more than short_message holds.
    /// </summary>
    public static (string Text, byte DataCoding, byte[] Octets) Whole(string text, SmppTextOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        options ??= SmppTextOptions.Default;
        (string sent, bool gsm) = Alphabet(text, options);
        return (sent, gsm ? DataCoding.SmscDefault : DataCoding.Ucs2, Body(sent, gsm, gsm && options.Gsm7Packed, header: []));
    }

    /// <summary>The text as it goes out and whether in GSM-7: as written when GSM-7 carries it, else transliterated when configured, else UCS-2.</summary>
    private static (string Sent, bool Gsm) Alphabet(string text, SmppTextOptions options) =>
        Gsm7.CanEncode(text) ? (text, true)
        : options.Transliterate ? (Transliteration.ToGsm7(text), true)
        : (text, false);

    // Fills each part with whole characters: a GSM-7 extension character (two septets) or a surrogate pair (two
    // UTF-16 units) goes whole into the part it starts in, or whole into the next.
    private static List<string> Split(string text, bool gsm, bool packed, int fill, int capacity)
    {
        var pieces = new List<string>();
        int start = 0;
        int cost = 0;
        int i = 0;
        while (i < text.Length)
        {
            int width = !gsm && char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]) ? 2 : 1;
            int charCost = gsm ? Gsm7.SeptetsOf(text[i]) : width;
            if (cost + charCost > capacity || Cost(text.AsSpan(start, i + width - start), gsm, packed, fill, cost + charCost) > capacity)
            {
                pieces.Add(text[start..i]);
                start = i;
                cost = 0;
                continue;
            }

            cost += charCost;
            i += width;
        }

        pieces.Add(text[start..]);
        return pieces;
    }

    // The septets (or units) a piece takes, counting the extra CR that packing adds when the text ends with a CR
    // on an octet boundary (3GPP TS 23.038 §6.1.2.3.1).
    private static int Cost(ReadOnlySpan<char> piece, bool gsm, bool packed, int fill, int cost) =>
        NeedsExtraCarriageReturn(piece, gsm, packed, fill, cost) ? cost + 1 : cost;

    private static bool NeedsExtraCarriageReturn(ReadOnlySpan<char> piece, bool gsm, bool packed, int fill, int septets) =>
        gsm && packed && !piece.IsEmpty && piece[^1] == '\r' && (fill + (septets * 7)) % 8 == 0;

    private static byte[] Body(string piece, bool gsm, bool packed, byte[] header)
    {
        if (!gsm)
        {
            return [.. header, .. Encoding.BigEndianUnicode.GetBytes(piece)];
        }

        byte[] septets = new byte[(Gsm7.Septets(piece)!.Value) + 1];
        int count = Gsm7.Encode(piece, septets);
        if (!packed)
        {
            return [.. header, .. septets.AsSpan(0, count)];
        }

        int fill = header.Length == 0 ? 0 : UserDataHeader.FillBits(header.Length);
        if (NeedsExtraCarriageReturn(piece, gsm, packed, fill, count))
        {
            septets[count++] = (byte)'\r';
        }

        byte[] body = new byte[header.Length + Gsm7.PackedLength(count, fill)];
        header.CopyTo(body, 0);
        Gsm7.Pack(septets.AsSpan(0, count), body.AsSpan(header.Length), fill);
        return body;
    }
}
