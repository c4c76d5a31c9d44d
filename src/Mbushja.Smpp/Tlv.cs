using System.Buffers.Binary;
using System.Text;

namespace Mbushja.Smpp;

/// <summary>
/// One optional parameter (SMPP v3.4 §3.2.4.1): a 2-octet tag, a 2-octet length and the value. A decoded TLV's value
/// is a slice of the one copy its PDU keeps, so reading TLVs allocates no array per parameter. Tags Mbushja does not
/// interpret travel through unchanged (round-trip), in the order they came.
/// </summary>
public readonly struct Tlv : IEquatable<Tlv>
{
    /// <summary>The most a value can hold: the length field is 16 bits.</summary>
    public const int MaxValueLength = ushort.MaxValue;

    /// <summary>Builds a TLV; the value of a tag with a fixed length (<see cref="ExpectedLength"/>) must have it.</summary>
    public Tlv(TlvTag tag, ReadOnlyMemory<byte> value)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(value.Length, MaxValueLength, nameof(value));
        if (ExpectedLength(tag) is { } expected && (value.Length < expected.Min || value.Length > expected.Max))
        {
            throw new ArgumentException($"TLV 0x{(ushort)tag:X4} takes {expected.Min}..{expected.Max} octets, not {value.Length}.", nameof(value));
        }

        Tag = tag;
        Value = value;
    }

    // Trusted: the decoder has already checked the length.
    private Tlv(TlvTag tag, ReadOnlyMemory<byte> value, bool trusted)
    {
        _ = trusted;
        Tag = tag;
        Value = value;
    }

    internal static Tlv Trusted(TlvTag tag, ReadOnlyMemory<byte> value) => new(tag, value, trusted: true);

    public TlvTag Tag { get; }

    public ReadOnlyMemory<byte> Value { get; }

    /// <summary>Octets on the wire: tag, length and value.</summary>
    public int EncodedLength => 4 + Value.Length;

    /// <summary>sar_msg_ref_num (§5.3.2.22).</summary>
    public static Tlv SarMsgRefNum(ushort reference) => UInt16(TlvTag.SarMsgRefNum, reference);

    /// <summary>sar_total_segments (§5.3.2.23), 1–255.</summary>
    public static Tlv SarTotalSegments(byte total) => new(TlvTag.SarTotalSegments, new[] { total });

    /// <summary>sar_segment_seqnum (§5.3.2.24), 1–255.</summary>
    public static Tlv SarSegmentSeqnum(byte sequence) => new(TlvTag.SarSegmentSeqnum, new[] { sequence });

    /// <summary>message_payload (§5.3.2.32).</summary>
    public static Tlv MessagePayload(ReadOnlyMemory<byte> payload) => new(TlvTag.MessagePayload, payload);

    /// <summary>receipted_message_id (§5.3.2.12): a C-octet string of at most 64 characters.</summary>
    public static Tlv ReceiptedMessageId(string messageId)
    {
        ArgumentNullException.ThrowIfNull(messageId);
        byte[] value = new byte[messageId.Length + 1];
        Wire.CString.Encode(messageId, value, 65, nameof(messageId));
        return new Tlv(TlvTag.ReceiptedMessageId, value);
    }

    /// <summary>message_state (§5.3.2.35).</summary>
    public static Tlv MessageState(MessageState state) => new(TlvTag.MessageState, new[] { (byte)state });

    /// <summary>ussd_service_op (§5.3.2.44).</summary>
    public static Tlv UssdServiceOp(UssdServiceOp operation) => new(TlvTag.UssdServiceOp, new[] { (byte)operation });

    /// <summary>its_session_info (§5.3.2.43).</summary>
    public static Tlv ItsSessionInfo(ItsSessionInfo info)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(info.SequenceNumber, Smpp.ItsSessionInfo.MaxSequenceNumber, nameof(info));
        byte[] value = new byte[Smpp.ItsSessionInfo.Length];
        info.Write(value);
        return new Tlv(TlvTag.ItsSessionInfo, value);
    }

    /// <summary>sc_interface_version (§5.3.2.25).</summary>
    public static Tlv ScInterfaceVersion(byte version) => new(TlvTag.ScInterfaceVersion, new[] { version });

    private static Tlv UInt16(TlvTag tag, ushort value)
    {
        byte[] bytes = new byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(bytes, value);
        return new Tlv(tag, bytes);
    }

    /// <summary>
    /// The lengths allowed for the tags Mbushja interprets (§5.3.2); null for the others, which are carried as they
    /// come. A wrong length of one of these is ESME_RINVPARLEN on decoding.
    /// </summary>
    public static (int Min, int Max)? ExpectedLength(TlvTag tag) => tag switch
    {
        TlvTag.SarMsgRefNum => (2, 2),
        TlvTag.SarTotalSegments or TlvTag.SarSegmentSeqnum => (1, 1),
        TlvTag.MessageState or TlvTag.UssdServiceOp or TlvTag.ScInterfaceVersion => (1, 1),
        TlvTag.ItsSessionInfo => (2, 2),
        TlvTag.ReceiptedMessageId => (1, 65),
        _ => null,
    };

    public bool Equals(Tlv other) => Tag == other.Tag && Value.Span.SequenceEqual(other.Value.Span);

    public override bool Equals(object? obj) => obj is Tlv other && Equals(other);

    public override int GetHashCode()
    {
        HashCode hash = default;
        hash.Add(Tag);
        hash.AddBytes(Value.Span);
        return hash.ToHashCode();
    }

    public static bool operator ==(Tlv left, Tlv right) => left.Equals(right);

    public static bool operator !=(Tlv left, Tlv right) => !left.Equals(right);

    public override string ToString()
    {
        var text = new StringBuilder();
        text.Append(Enum.IsDefined(Tag) ? Tag.ToString() : $"0x{(ushort)Tag:X4}").Append('[').Append(Value.Length).Append(']');
        return text.ToString();
    }
}
