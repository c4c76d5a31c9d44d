namespace Mbushja.Smpp.Text;

/// <summary>How long messages leave: the SMSC's configuration decides (<c>--smpp-long-messages</c>).</summary>
public enum LongMessageMode
{
    /// <summary>Parts with a user data header, concatenation IEI 0x00 (8-bit reference, 3GPP TS 23.040 §9.2.3.24.1).</summary>
    Udh8,

    /// <summary>Parts with a user data header, concatenation IEI 0x08 (16-bit reference, §9.2.3.24.8).</summary>
    Udh16,

    /// <summary>Parts without a header, marked by sar_msg_ref_num, sar_total_segments, sar_segment_seqnum (SMPP §5.3.2.22–24).</summary>
    Sar,

    /// <summary>
    /// A text longer than one part goes whole in one submit_sm's message_payload (SMPP §5.3.2.32) and the SMSC splits
    /// it; a text that fits one part still travels in short_message.
    /// </summary>
    MessagePayload,
}

/// <summary>The text layer's settings (immutable; <see cref="Default"/> unless the SMSC's configuration says otherwise).</summary>
public sealed record SmppTextOptions
{
    public static SmppTextOptions Default { get; } = new();

    /// <summary>
    /// Whether data_coding 0 carries GSM-7 packed, 8 septets in 7 octets, rather than one septet per octet. SMSCs
    /// differ; most take and give unpacked septets over SMPP.
    /// </summary>
    public bool Gsm7Packed { get; init; }

    /// <summary>When a text is not GSM-7: true sends it transliterated as GSM-7 (<see cref="Mbushja.Text.Transliteration"/>), false as UCS-2.</summary>
    public bool Transliterate { get; init; }

    public LongMessageMode LongMessages { get; init; } = LongMessageMode.Udh8;

    /// <summary>The most parts a long message may take (at most 255, the field's range).</summary>
    public int MaxParts
    {
        get;
        init => field = value is >= 1 and <= 255 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "1 to 255 parts.");
    } = 255;
}
