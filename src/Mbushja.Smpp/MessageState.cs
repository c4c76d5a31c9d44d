namespace Mbushja.Smpp;

/// <summary>message_state values (SMPP v3.4 §5.2.28), as carried by the message_state TLV of a delivery receipt.</summary>
public enum MessageState : byte
{
    Enroute = 1,
    Delivered = 2,
    Expired = 3,
    Deleted = 4,
    Undeliverable = 5,
    Accepted = 6,
    Unknown = 7,
    Rejected = 8,
}

/// <summary>ussd_service_op values (SMPP v3.4 §5.3.2.44). 32–255 are reserved for vendor-specific operations.</summary>
public enum UssdServiceOp : byte
{
    PssdIndication = 0,
    PssrIndication = 1,
    UssrRequest = 2,
    UssnRequest = 3,
    PssdResponse = 16,
    PssrResponse = 17,
    UssrConfirm = 18,
    UssnConfirm = 19,
}

/// <summary>
/// its_session_info (SMPP v3.4 §5.3.2.43): octet 1 is the session number; octet 2 carries the sequence number in
/// bits 7..1 and the end-of-session indicator in bit 0. Some USSD gateways reuse it for USSD dialogues.
/// </summary>
public readonly record struct ItsSessionInfo(byte SessionNumber, byte SequenceNumber, bool EndOfSession)
{
    internal const int Length = 2;

    /// <summary>The sequence number travels in 7 bits.</summary>
    public const byte MaxSequenceNumber = 0x7F;

    internal static ItsSessionInfo Read(ReadOnlySpan<byte> value) => new(value[0], (byte)(value[1] >> 1), (value[1] & 1) != 0);

    internal void Write(Span<byte> value)
    {
        value[0] = SessionNumber;
        value[1] = (byte)((SequenceNumber << 1) | (EndOfSession ? 1 : 0));
    }
}
