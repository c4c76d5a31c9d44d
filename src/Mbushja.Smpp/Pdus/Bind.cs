using Mbushja.Smpp.Wire;

namespace Mbushja.Smpp.Pdus;

/// <summary>
/// The body the three binds share (SMPP v3.4 §4.1.1, §4.1.3, §4.1.5): system_id (16), password (9), system_type (13),
/// interface_version, addr_ton, addr_npi, address_range (41). Sizes count the NUL.
/// </summary>
public abstract class Bind : Pdu
{
    /// <summary>interface_version for SMPP 3.4 (§5.2.4).</summary>
    public const byte Smpp34 = 0x34;

    private protected Bind()
    {
    }

    private protected Bind(in PduHeader header, ref BodyReader reader)
        : base(header)
    {
        SystemId = reader.CString(16, CommandStatus.InvalidSystemId, "system_id");
        Password = reader.CString(9, CommandStatus.InvalidPassword, "password");
        SystemType = reader.CString(13, CommandStatus.InvalidSystemType, "system_type");
        InterfaceVersion = reader.Byte("interface_version");
        AddressRange = reader.Address(41, CommandStatus.BindFailed, "addr_ton", "addr_npi", "address_range");
    }

    public string SystemId { get; init; } = string.Empty;

    public string Password { get; init; } = string.Empty;

    public string SystemType { get; init; } = string.Empty;

    public byte InterfaceVersion { get; init; } = Smpp34;

    /// <summary>addr_ton, addr_npi and address_range: the addresses this ESME serves (empty for all).</summary>
    public SmppAddress AddressRange { get; init; } = SmppAddress.Empty;

    internal sealed override int BodyLength =>
        CString.Size(SystemId) + CString.Size(Password) + CString.Size(SystemType) + 3 + CString.Size(AddressRange.Address);

    internal sealed override void WriteBody(ref BodyWriter writer)
    {
        writer.CString(SystemId, 16, "system_id");
        writer.CString(Password, 9, "password");
        writer.CString(SystemType, 13, "system_type");
        writer.Byte(InterfaceVersion);
        writer.Address(AddressRange, 41, "address_range");
    }
}

/// <summary>
/// The body the three bind responses share (SMPP v3.4 §4.1.2, §4.1.4, §4.1.6): system_id (16) of the SMSC and the
/// optional sc_interface_version. A failed bind may come back with no body at all.
/// </summary>
public abstract class BindResp : Pdu
{
    // As decoded, so that a PDU encodes to the octets it came from; when built: no body on an error with nothing to say.
    private readonly bool? _bodyPresent;

    private protected BindResp()
    {
    }

    private protected BindResp(in PduHeader header, ref BodyReader reader)
        : base(header)
    {
        _bodyPresent = reader.Remaining != 0;
        if (!_bodyPresent.Value && header.CommandStatus != CommandStatus.Ok)
        {
            return;
        }

        SystemId = reader.CString(16, CommandStatus.InvalidSystemId, "system_id");
        Tlvs = reader.Tlvs();
    }

    public string SystemId { get; init; } = string.Empty;

    /// <summary>sc_interface_version, and anything else the SMSC adds.</summary>
    public TlvList Tlvs { get; init; } = TlvList.Empty;

    private bool OmitsBody => _bodyPresent is { } present ? !present : CommandStatus != CommandStatus.Ok && SystemId.Length == 0 && Tlvs.Count == 0;

    internal sealed override int BodyLength => OmitsBody ? 0 : CString.Size(SystemId) + Tlvs.EncodedLength;

    internal sealed override void WriteBody(ref BodyWriter writer)
    {
        if (OmitsBody)
        {
            return;
        }

        writer.CString(SystemId, 16, "system_id");
        writer.Tlvs(Tlvs);
    }
}
