namespace Mbushja.Smpp;

/// <summary>Bits of the esm_class field (SMPP v3.4 §5.2.12).</summary>
public static class EsmClass
{
    /// <summary>Bits 5..2: the message type.</summary>
    public const byte MessageTypeMask = 0b0011_1100;

    /// <summary>Message type: SMSC delivery receipt (deliver_sm).</summary>
    public const byte DeliveryReceipt = 0b0000_0100;

    /// <summary>Message type: SME delivery acknowledgement.</summary>
    public const byte DeliveryAcknowledgement = 0b0000_1000;

    /// <summary>Message type: SME manual/user acknowledgement.</summary>
    public const byte ManualAcknowledgement = 0b0001_0000;

    /// <summary>Message type: intermediate delivery notification.</summary>
    public const byte IntermediateDeliveryNotification = 0b0010_0000;

    /// <summary>GSM network specific feature: UDHI, the short message begins with a user data header.</summary>
    public const byte UdhIndicator = 0b0100_0000;

    /// <summary>GSM network specific feature: reply path.</summary>
    public const byte ReplyPath = 0b1000_0000;

    /// <summary>True when the message starts with a user data header.</summary>
    public static bool HasUdh(byte esmClass) => (esmClass & UdhIndicator) != 0;

    /// <summary>True when a deliver_sm carries an SMSC delivery receipt rather than a message from a subscriber.</summary>
    public static bool IsDeliveryReceipt(byte esmClass) => (esmClass & MessageTypeMask) == DeliveryReceipt;
}
