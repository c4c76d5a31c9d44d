using System.Buffers.Binary;
using System.Text;

namespace Mbushja.Smpp.Tests;

/// <summary>
/// Assembles a PDU's octets field by field from the spec's tables, independently of the encoder under test, for the
/// bad-input cases. command_length is filled in unless <see cref="Length"/> overrides it.
/// </summary>
internal sealed class PduBytes
{
    private readonly List<byte> _bytes = [];
    private uint? _length;

    public PduBytes(uint commandId, uint sequence = 1, uint status = 0)
    {
        UInt32(0).UInt32(commandId).UInt32(status).UInt32(sequence);
    }

    public PduBytes Length(uint length)
    {
        _length = length;
        return this;
    }

    public PduBytes Byte(byte value)
    {
        _bytes.Add(value);
        return this;
    }

    public PduBytes Bytes(params byte[] values)
    {
        _bytes.AddRange(values);
        return this;
    }

    public PduBytes UInt16(ushort value)
    {
        Span<byte> b = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(b, value);
        return Bytes(b.ToArray());
    }

    public PduBytes UInt32(uint value)
    {
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(b, value);
        return Bytes(b.ToArray());
    }

    /// <summary>The characters with a NUL after them.</summary>
    public PduBytes CString(string value) => Bytes(Encoding.Latin1.GetBytes(value)).Byte(0);

    /// <summary>The characters and no NUL.</summary>
    public PduBytes Text(string value) => Bytes(Encoding.Latin1.GetBytes(value));

    public PduBytes Tlv(ushort tag, params byte[] value) => UInt16(tag).UInt16((ushort)value.Length).Bytes(value);

    /// <summary>An SME address: TON, NPI and the digits as a C-octet string.</summary>
    public PduBytes Address(byte ton, byte npi, string digits) => Byte(ton).Byte(npi).CString(digits);

    /// <summary>
    /// submit_sm / deliver_sm fields from service_type to sm_default_msg_id (§4.4.1), with the usual values; the caller
    /// writes sm_length, short_message and any TLVs.
    /// </summary>
    public PduBytes MessageHead(string source = "38349123456", string destination = "50001", byte dataCoding = 0, byte esmClass = 0,
        string schedule = "", string validity = "", string serviceType = "") =>
        CString(serviceType).Address(1, 1, source).Address(0, 1, destination)
            .Byte(esmClass).Byte(0).Byte(0).CString(schedule).CString(validity).Byte(0).Byte(0).Byte(dataCoding).Byte(0);

    public byte[] Build()
    {
        byte[] bytes = [.. _bytes];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, _length ?? (uint)bytes.Length);
        return bytes;
    }
}
