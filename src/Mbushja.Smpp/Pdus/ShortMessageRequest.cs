using Mbushja.Smpp.Wire;

namespace Mbushja.Smpp.Pdus;

/// <summary>
/// The layout submit_sm (SMPP v3.4 §4.4.1) and deliver_sm (§4.6.1) share: service_type (6), source_addr_ton,
/// source_addr_npi, source_addr (21), dest_addr_ton, dest_addr_npi, destination_addr (21), esm_class, protocol_id,
/// priority_flag, schedule_delivery_time (1 or 17), validity_period (1 or 17), registered_delivery,
/// replace_if_present_flag, data_coding, sm_default_msg_id, sm_length, short_message (0–254), then optional
/// parameters. Sizes count the NUL.
/// </summary>
public abstract class ShortMessageRequest : Pdu
{
    private protected ShortMessageRequest()
    {
    }

    private protected ShortMessageRequest(in PduHeader header, ref BodyReader reader)
        : base(header)
    {
        ServiceType = reader.CString(6, CommandStatus.InvalidServiceType, "service_type");
        Source = reader.Address(21, CommandStatus.InvalidSourceAddress, "source_addr_ton", "source_addr_npi", "source_addr");
        Destination = reader.Address(21, CommandStatus.InvalidDestinationAddress, "dest_addr_ton", "dest_addr_npi", "destination_addr");
        EsmClass = reader.Byte("esm_class");
        ProtocolId = reader.Byte("protocol_id");
        PriorityFlag = reader.Byte("priority_flag");
        ScheduleDeliveryTime = reader.Time(CommandStatus.InvalidScheduledDeliveryTime, "schedule_delivery_time");
        ValidityPeriod = reader.Time(CommandStatus.InvalidValidityPeriod, "validity_period");
        RegisteredDelivery = reader.Byte("registered_delivery");
        ReplaceIfPresentFlag = reader.Byte("replace_if_present_flag");
        DataCoding = reader.DataCoding();
        SmDefaultMsgId = reader.Byte("sm_default_msg_id");
        (ShortMessage, Tlvs) = reader.ShortMessageAndTlvs();
    }

    /// <summary>service_type (§5.2.11): empty for the SMSC default.</summary>
    public string ServiceType { get; init; } = string.Empty;

    /// <summary>source_addr_ton, source_addr_npi, source_addr.</summary>
    public SmppAddress Source { get; init; } = SmppAddress.Empty;

    /// <summary>dest_addr_ton, dest_addr_npi, destination_addr.</summary>
    public SmppAddress Destination { get; init; } = SmppAddress.Empty;

    /// <summary>esm_class (§5.2.12); see <see cref="Smpp.EsmClass"/>.</summary>
    public byte EsmClass { get; init; }

    /// <summary>protocol_id (§5.2.13): GSM TP-PID.</summary>
    public byte ProtocolId { get; init; }

    /// <summary>priority_flag (§5.2.14).</summary>
    public byte PriorityFlag { get; init; }

    /// <summary>schedule_delivery_time (§5.2.15, format §7.1): empty for immediate delivery.</summary>
    public string ScheduleDeliveryTime { get; init; } = string.Empty;

    /// <summary>validity_period (§5.2.16, format §7.1): empty for the SMSC default.</summary>
    public string ValidityPeriod { get; init; } = string.Empty;

    /// <summary>registered_delivery (§5.2.17): bit 0 asks for a delivery receipt.</summary>
    public byte RegisteredDelivery { get; init; }

    /// <summary>replace_if_present_flag (§5.2.18).</summary>
    public byte ReplaceIfPresentFlag { get; init; }

    /// <summary>data_coding (§5.2.19); see <see cref="Smpp.DataCoding"/>.</summary>
    public byte DataCoding { get; init; }

    /// <summary>sm_default_msg_id (§5.2.20).</summary>
    public byte SmDefaultMsgId { get; init; }

    /// <summary>short_message (§5.2.22), sm_length octets; empty when the message travels in message_payload.</summary>
    public ReadOnlyMemory<byte> ShortMessage { get; init; }

    public TlvList Tlvs { get; init; } = TlvList.Empty;

    internal sealed override int BodyLength =>
        CString.Size(ServiceType) + 2 + CString.Size(Source.Address) + 2 + CString.Size(Destination.Address) + 3
        + CString.Size(ScheduleDeliveryTime) + CString.Size(ValidityPeriod) + 5 + ShortMessage.Length + Tlvs.EncodedLength;

    internal sealed override void WriteBody(ref BodyWriter writer)
    {
        writer.CString(ServiceType, 6, "service_type");
        writer.Address(Source, 21, "source_addr");
        writer.Address(Destination, 21, "destination_addr");
        writer.Byte(EsmClass);
        writer.Byte(ProtocolId);
        writer.Byte(PriorityFlag);
        writer.Time(ScheduleDeliveryTime, "schedule_delivery_time");
        writer.Time(ValidityPeriod, "validity_period");
        writer.Byte(RegisteredDelivery);
        writer.Byte(ReplaceIfPresentFlag);
        writer.Byte(DataCoding);
        writer.Byte(SmDefaultMsgId);
        writer.ShortMessage(ShortMessage.Span);
        writer.Tlvs(Tlvs);
    }
}
