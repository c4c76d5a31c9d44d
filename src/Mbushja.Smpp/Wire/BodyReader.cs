namespace Mbushja.Smpp.Wire;

/// <summary>
/// Reads a PDU body field by field, in spec order. The first problem is recorded (status and detail) and every read
/// after it returns a default, so that a PDU's decoder reads as its field table and checks once at the end.
/// Nothing here throws on input, and nothing reads beyond the body it was given.
/// </summary>
internal ref struct BodyReader
{
    private readonly ReadOnlySpan<byte> _body;
    private int _position;

    public BodyReader(ReadOnlySpan<byte> body)
    {
        _body = body;
        _position = 0;
        Status = CommandStatus.Ok;
        Detail = null;
    }

    public CommandStatus Status { get; private set; }

    public string? Detail { get; private set; }

    public readonly bool Failed => Status != CommandStatus.Ok;

    public readonly int Remaining => _body.Length - _position;

    public void Fail(CommandStatus status, string detail)
    {
        if (!Failed)
        {
            Status = status;
            Detail = detail;
        }
    }

    public byte Byte(string field)
    {
        if (Failed)
        {
            return 0;
        }

        if (_position >= _body.Length)
        {
            // The mandatory fields need more octets than command_length gave them.
            Fail(CommandStatus.InvalidCommandLength, DecodeMessages.Truncated(field));
            return 0;
        }

        return _body[_position++];
    }

    /// <summary>A C-octet string of at most <paramref name="maxOctets"/> octets, NUL included.</summary>
    public string CString(int maxOctets, CommandStatus onError, string field)
    {
        if (Failed)
        {
            return string.Empty;
        }

        ReadOnlySpan<byte> window = _body[_position..];
        if (window.Length > maxOctets)
        {
            window = window[..maxOctets];
        }

        int nul = window.IndexOf((byte)0);
        if (nul < 0)
        {
            Fail(window.IsEmpty ? CommandStatus.InvalidCommandLength : onError,
                window.IsEmpty ? DecodeMessages.Truncated(field) : DecodeMessages.NoTerminator(field, maxOctets));
            return string.Empty;
        }

        _position += nul + 1;
        return Wire.CString.Decode(window[..nul]);
    }

    /// <summary>schedule_delivery_time or validity_period (§7.1): NULL, or 16 characters and NUL.</summary>
    public string Time(CommandStatus onError, string field)
    {
        string value = CString(17, onError, field);
        if (value.Length is not (0 or 16))
        {
            Fail(onError, DecodeMessages.BadTime(field, value.Length));
        }

        return value;
    }

    /// <summary>An address's TON, NPI and digits; the field names are the spec's, for errors (literals: nothing is built per read).</summary>
    public SmppAddress Address(int maxOctets, CommandStatus onError, string tonField, string npiField, string field)
    {
        var ton = (TypeOfNumber)Byte(tonField);
        var npi = (NumberingPlan)Byte(npiField);
        string address = CString(maxOctets, onError, field);
        return new SmppAddress(ton, npi, address);
    }

    public byte DataCoding()
    {
        byte value = Byte("data_coding");
        if (!Failed && !Smpp.DataCoding.IsValid(value))
        {
            // SMPP 3.4 has no "invalid data coding" status (5.0's ESME_RINVDCS is 0x104); a permanent application
            // error tells the SMSC not to retry a message that cannot be read.
            Fail(CommandStatus.ReceiverPermanentAppError, DecodeMessages.InvalidDataCoding(value));
        }

        return value;
    }

    /// <summary>
    /// sm_length, short_message and the optional parameters after them. Both live in one copy of the rest of the
    /// body: the PDU's only array.
    /// </summary>
    public (ReadOnlyMemory<byte> ShortMessage, TlvList Tlvs) ShortMessageAndTlvs()
    {
        byte smLength = Byte("sm_length");
        if (Failed)
        {
            return (ReadOnlyMemory<byte>.Empty, TlvList.Empty);
        }

        if (smLength > Remaining)
        {
            Fail(CommandStatus.InvalidMessageLength, DecodeMessages.ShortMessageOverBody(smLength, Remaining));
            return (ReadOnlyMemory<byte>.Empty, TlvList.Empty);
        }

        if (smLength > 254)
        {
            Fail(CommandStatus.InvalidMessageLength, DecodeMessages.ShortMessageTooLong(smLength));
            return (ReadOnlyMemory<byte>.Empty, TlvList.Empty);
        }

        if (Remaining == 0)
        {
            return (ReadOnlyMemory<byte>.Empty, TlvList.Empty);
        }

        byte[] rest = _body[_position..].ToArray();
        _position = _body.Length;
        ReadOnlyMemory<byte> memory = rest;
        TlvList tlvs = ParseTlvs(memory[smLength..]);
        if (smLength > 0 && tlvs.MessagePayload is not null)
        {
            // §5.3.2.32: with message_payload, sm_length is 0. Both at once are two texts, and neither may be dropped.
            Fail(CommandStatus.InvalidMessageLength, DecodeMessages.ShortMessageWithPayload(smLength));
            return (ReadOnlyMemory<byte>.Empty, TlvList.Empty);
        }

        return (memory[..smLength], tlvs);
    }

    /// <summary>The optional parameters that end the body (none when the body ends here).</summary>
    public TlvList Tlvs()
    {
        if (Failed || Remaining == 0)
        {
            return TlvList.Empty;
        }

        byte[] rest = _body[_position..].ToArray();
        _position = _body.Length;
        return ParseTlvs(rest);
    }

    private TlvList ParseTlvs(ReadOnlyMemory<byte> stream)
    {
        TlvList list = TlvList.Parse(stream, out CommandStatus status, out string? detail);
        if (status != CommandStatus.Ok)
        {
            Fail(status, detail!);
        }

        return list;
    }
}
