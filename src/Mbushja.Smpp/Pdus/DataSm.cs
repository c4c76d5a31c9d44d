using Mbushja.Smpp.Wire;

namespace Mbushja.Smpp.Pdus;

/// <summary>
/// data_sm (SMPP v3.4 §4.7.1), either way: service_type (6), source_addr_ton, source_addr_npi, source_addr (65),
/// dest_addr_ton, dest_addr_npi, destination_addr (65), esm_class, registered_delivery, data_coding, then optional
/// parameters; the message itself travels in message_payload. Sizes count the NUL.
/// </summary>
public sealed class DataSm : Pdu
{
    public DataSm()
    {
    }

    internal DataSm(in PduHeader header, ref BodyReader reader)
        : base(header)
    {
        ServiceType = reader.CString(6, CommandStatus.InvalidServiceType, "service_type");
        Source = reader.Address(65, CommandStatus.InvalidSourceAddress, "source_addr_ton", "source_addr_npi", "source_addr");
        Destination = reader.Address(65, CommandStatus.InvalidDestinationAddress, "dest_addr_ton", "dest_addr_npi", "destination_addr");
        EsmClass = reader.Byte("esm_class");
        RegisteredDelivery = reader.Byte("registered_delivery");
        DataCoding = reader.DataCoding();
        Tlvs = reader.Tlvs();
    }

    public override CommandId CommandId => CommandId.DataSm;

    public string ServiceType { get; init; } = string.Empty;

    public SmppAddress Source { get; init; } = SmppAddress.Empty;

    public SmppAddress Destination { get; init; } = SmppAddress.Empty;

    /// <summary>esm_class (§5.2.12); see <see cref="Smpp.EsmClass"/>.</summary>
    public byte EsmClass { get; init; }

    public byte RegisteredDelivery { get; init; }

    /// <summary>data_coding (§5.2.19); see <see cref="Smpp.DataCoding"/>.</summary>
    public byte DataCoding { get; init; }

    /// <summary>message_payload and the rest.</summary>
    public TlvList Tlvs { get; init; } = TlvList.Empty;

    internal override int BodyLength =>
        CString.Size(ServiceType) + 2 + CString.Size(Source.Address) + 2 + CString.Size(Destination.Address) + 3 + Tlvs.EncodedLength;

    internal override void WriteBody(ref BodyWriter writer)
    {
        writer.CString(ServiceType, 6, "service_type");
        writer.Address(Source, 65, "source_addr");
        writer.Address(Destination, 65, "destination_addr");
        writer.Byte(EsmClass);
        writer.Byte(RegisteredDelivery);
        writer.Byte(DataCoding);
        writer.Tlvs(Tlvs);
    }
}
