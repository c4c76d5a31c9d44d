using System.Buffers.Binary;

namespace Mbushja.Smpp.Wire;

/// <summary>Writes a PDU body field by field into a span sized by the PDU's own <c>BodyLength</c>.</summary>
internal ref struct BodyWriter
{
    private readonly Span<byte> _body;

    public BodyWriter(Span<byte> body)
    {
        _body = body;
        Position = 0;
    }

    public int Position { get; private set; }

    public void Byte(byte value) => _body[Position++] = value;

    public void CString(string? value, int maxOctets, string field) =>
        Position += Wire.CString.Encode(value, _body[Position..], maxOctets, field);

    /// <summary>schedule_delivery_time or validity_period: empty, or the 16 characters of §7.1.</summary>
    public void Time(string? value, string field)
    {
        if (value is { Length: not (0 or 16) })
        {
            throw new ArgumentException($"{field} is empty or 16 characters (SMPP v3.4 §7.1), not {value.Length}.", field);
        }

        CString(value, 17, field);
    }

    public void Address(SmppAddress address, int maxOctets, string field)
    {
        Byte((byte)address.Ton);
        Byte((byte)address.Npi);
        CString(address.Address, maxOctets, field);
    }

    public void ShortMessage(ReadOnlySpan<byte> shortMessage)
    {
        if (shortMessage.Length > 254)
        {
            throw new ArgumentException($"short_message takes at most 254 octets, not {shortMessage.Length}; longer messages travel in message_payload or in parts.", nameof(shortMessage));
        }

        Byte((byte)shortMessage.Length);
        shortMessage.CopyTo(_body[Position..]);
        Position += shortMessage.Length;
    }

    public void Tlvs(TlvList tlvs)
    {
        foreach (Tlv tlv in tlvs)
        {
            BinaryPrimitives.WriteUInt16BigEndian(_body[Position..], (ushort)tlv.Tag);
            BinaryPrimitives.WriteUInt16BigEndian(_body[(Position + 2)..], checked((ushort)tlv.Value.Length));
            tlv.Value.Span.CopyTo(_body[(Position + 4)..]);
            Position += tlv.EncodedLength;
        }
    }
}
