namespace Mbushja.Smpp;

/// <summary>Limits of the codec (immutable; <see cref="Default"/> unless configured).</summary>
public sealed record SmppCodecOptions
{
    public static SmppCodecOptions Default { get; } = new();

    /// <summary>
    /// The largest command_length accepted (default 64 KiB: a submit_sm or deliver_sm is a few hundred octets; a
    /// message_payload of a long message a few thousand). A longer PDU is answered ESME_RINVCMDLEN and skipped.
    /// </summary>
    public int MaxCommandLength
    {
        get;
        init => field = value >= Pdus.Pdu.HeaderLength
            ? value
            : throw new ArgumentOutOfRangeException(nameof(value), value, "A PDU is at least its 16-octet header.");
    } = 64 * 1024;
}
