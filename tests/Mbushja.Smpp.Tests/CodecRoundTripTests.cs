using System.Buffers;
using Mbushja.Smpp.Pdus;

using Mbushja.Testing;

namespace Mbushja.Smpp.Tests;

/// <summary>
/// Every ESME PDU against octets assembled by hand from its field table in SMPP v3.4 §4 (header §3.2, TLVs §3.2.4.1):
/// decoding gives the expected object, encoding the object gives the same octets.
/// </summary>
public sealed class CodecRoundTripTests
{
    private static readonly SmppAddress Subscriber = SmppAddress.International("38349123456");
    private static readonly SmppAddress TebShortCode = new(TypeOfNumber.Unknown, NumberingPlan.Isdn, "50001");

    public static TheoryData<string, string, Pdu> Table => new()
    {
        {
            "bind_transceiver §4.1.5",
            """
            00000024 00000009 00000000 00000001
            6D62757368 6A6100      system_id "mbushja"
            73656372657400         password "secret"
            00                     system_type NULL
            34                     interface_version 3.4
            00 00 00               addr_ton, addr_npi, address_range NULL
            """,
            new BindTransceiver { SystemId = "mbushja", Password = "secret", SequenceNumber = 1 }
        },
        {
            "bind_transceiver_resp §4.1.6 with sc_interface_version",
            """
            0000001A 80000009 00000000 00000001
            534D534300             system_id "SMSC"
            0210 0001 34           sc_interface_version 0x34
            """,
            new BindTransceiverResp { SystemId = "SMSC", Tlvs = [Tlv.ScInterfaceVersion(0x34)], SequenceNumber = 1 }
        },
        {
            "bind_transmitter_resp §4.1.2 refused, no body",
            "00000010 80000002 0000000E 00000002",
            new BindTransmitterResp { CommandStatus = CommandStatus.InvalidPassword, SequenceNumber = 2 }
        },
        {
            "bind_receiver §4.1.3 with system_type and address_range",
            """
            00000023 00000001 00000000 00000003
            727800 707700 564D4100  system_id "rx", password "pw", system_type "VMA"
            34 01 01                interface_version, addr_ton international, addr_npi ISDN
            5E3338333400            address_range "^3834"
            """,
            new BindReceiver
            {
                SystemId = "rx", Password = "pw", SystemType = "VMA", SequenceNumber = 3,
                AddressRange = new SmppAddress(TypeOfNumber.International, NumberingPlan.Isdn, "^3834"),
            }
        },
        {
            "bind_receiver_resp §4.1.4",
            "00000015 80000001 00000000 00000003 | 534D534300",
            new BindReceiverResp { SystemId = "SMSC", SequenceNumber = 3 }
        },
        {
            "bind_transmitter §4.1.1",
            "0000001B 00000002 00000000 00000002 | 747800 707700 00 34 00 00 00",
            new BindTransmitter { SystemId = "tx", Password = "pw", SequenceNumber = 2 }
        },
        {
            "outbind §4.1.7",
            "00000018 0000000B 00000000 00000004 | 534D534300 707700",
            new Outbind { SystemId = "SMSC", Password = "pw", SequenceNumber = 4 }
        },
        { "unbind §4.2.1", "00000010 00000006 00000000 00000005", new Unbind { SequenceNumber = 5 } },
        { "unbind_resp §4.2.2", "00000010 80000006 00000000 00000005", new UnbindResp { SequenceNumber = 5 } },
        { "enquire_link §4.11.1", "00000010 00000015 00000000 00000007", new EnquireLink { SequenceNumber = 7 } },
        { "enquire_link_resp §4.11.2", "00000010 80000015 00000000 00000007", new EnquireLinkResp { SequenceNumber = 7 } },
        {
            "generic_nack §4.3.1 ESME_RINVCMDID",
            "00000010 80000000 00000003 00000009",
            new GenericNack { CommandStatus = CommandStatus.InvalidCommandId, SequenceNumber = 9 }
        },
        {
            "submit_sm §4.4.1 GSM text, delivery receipt asked",
            """
            00000035 00000004 00000000 0000000A
            00                                   service_type NULL
            05 00 49504B4F00                     source: alphanumeric "IPKO"
            01 01 3338333439313233343536 00      destination: +38349123456
            00 00 00                             esm_class, protocol_id, priority_flag
            00 00                                schedule_delivery_time, validity_period NULL
            01 00 00 00                          registered_delivery 1, replace_if_present, data_coding 0, sm_default_msg_id
            05 48656C6C6F                        sm_length 5, "Hello"
            """,
            new SubmitSm
            {
                Source = SmppAddress.Alphanumeric("IPKO"), Destination = Subscriber, RegisteredDelivery = 1,
                ShortMessage = "Hello"u8.ToArray(), SequenceNumber = 10,
            }
        },
        {
            "submit_sm §4.4.1 with times, UCS-2 and SAR TLVs §5.3.2.22-24",
            """
            00000065 00000004 00000000 0000000B
            434D5400                             service_type "CMT"
            05 00 49504B4F00                     source "IPKO"
            01 01 3338333439313233343536 00      destination
            00 00 01                             esm_class, protocol_id, priority_flag 1
            3236313130313132303030303030342B00   schedule_delivery_time "261101120000004+"
            3030303030313030303030303030305200   validity_period "000001000000000R"
            01 00 08 00                          registered_delivery, replace_if_present, data_coding UCS2, sm_default_msg_id
            02 00C7                              sm_length 2, "Ç"
            020C 0002 1234                       sar_msg_ref_num 0x1234
            020E 0001 02                         sar_total_segments 2
            020F 0001 01                         sar_segment_seqnum 1
            """,
            new SubmitSm
            {
                ServiceType = "CMT", Source = SmppAddress.Alphanumeric("IPKO"), Destination = Subscriber, PriorityFlag = 1,
                ScheduleDeliveryTime = "261101120000004+", ValidityPeriod = "000001000000000R", RegisteredDelivery = 1,
                DataCoding = DataCoding.Ucs2, ShortMessage = new byte[] { 0x00, 0xC7 }, SequenceNumber = 11,
                Tlvs = [Tlv.SarMsgRefNum(0x1234), Tlv.SarTotalSegments(2), Tlv.SarSegmentSeqnum(1)],
            }
        },
        {
            "submit_sm_resp §4.4.2",
            "00000017 80000004 00000000 0000000A | 35413142324300",
            new SubmitSmResp { MessageId = "5A1B2C", SequenceNumber = 10 }
        },
        {
            "submit_sm_resp §4.4.2 throttled, no body",
            "00000010 80000004 00000058 0000000B",
            new SubmitSmResp { CommandStatus = CommandStatus.Throttled, SequenceNumber = 11 }
        },
        {
            "deliver_sm §4.6.1 Albanian in UCS-2",
            """
            00000039 00000005 00000000 00000100
            00                                   service_type
            01 01 3338333439313233343536 00      source +38349123456
            00 01 353030303100                   destination short code 50001
            00 00 00 00 00                       esm_class, protocol_id, priority_flag, schedule, validity
            00 00 08 00                          registered_delivery, replace_if_present, data_coding UCS2, sm_default_msg_id
            08 0046 0061 006C 00EB               "Falë"
            """,
            new DeliverSm
            {
                Source = Subscriber, Destination = TebShortCode, DataCoding = DataCoding.Ucs2,
                ShortMessage = new byte[] { 0x00, 0x46, 0x00, 0x61, 0x00, 0x6C, 0x00, 0xEB }, SequenceNumber = 0x100,
            }
        },
        {
            "deliver_sm §4.6.1 delivery receipt with receipted_message_id and message_state",
            """
            00000056 00000005 00000000 00000101
            00
            01 01 3338333439313233343536 00
            05 00 49504B4F00
            04 00 00 00 00                       esm_class: SMSC delivery receipt
            00 00 00 00
            16 69643A35413142324320737461743A44454C49565244    "id:5A1B2C stat:DELIVRD"
            001E 0007 35413142324300             receipted_message_id "5A1B2C"
            0427 0001 02                         message_state DELIVERED
            """,
            new DeliverSm
            {
                Source = Subscriber, Destination = SmppAddress.Alphanumeric("IPKO"), EsmClass = EsmClass.DeliveryReceipt,
                ShortMessage = "id:5A1B2C stat:DELIVRD"u8.ToArray(), SequenceNumber = 0x101,
                Tlvs = [Tlv.ReceiptedMessageId("5A1B2C"), Tlv.MessageState(MessageState.Delivered)],
            }
        },
        {
            "deliver_sm §4.6.1 part of a long message (UDH, UDHI) and a vendor TLV carried through",
            """
            00000042 00000005 00000000 00000102
            00
            01 01 3338333439313233343536 00
            00 01 353030303100
            40 00 00 00 00                       esm_class: UDHI
            00 00 00 00
            0B 050003 2A 02 01 506A657361        UDH concat 8-bit ref 0x2A part 1 of 2, "Pjesa"
            1401 0002 ABCD                       vendor-specific TLV 0x1401
            """,
            new DeliverSm
            {
                Source = Subscriber, Destination = TebShortCode, EsmClass = EsmClass.UdhIndicator, SequenceNumber = 0x102,
                ShortMessage = new byte[] { 0x05, 0x00, 0x03, 0x2A, 0x02, 0x01, 0x50, 0x6A, 0x65, 0x73, 0x61 },
                Tlvs = [new Tlv((TlvTag)0x1401, new byte[] { 0xAB, 0xCD })],
            }
        },
        {
            "deliver_sm §4.6.1 USSD: ussd_service_op §5.3.2.44 and its_session_info §5.3.2.43",
            """
            0000003F 00000005 00000000 00000103
            00
            01 01 3338333439313233343536 00
            00 01 31303100                       destination "101"
            00 00 00 00 00
            00 00 00 00
            05 2A31303123                        "*101#"
            0501 0001 01                         ussd_service_op PSSR indication
            1383 0002 05 03                      its_session_info: session 5, sequence 1, end of session
            """,
            new DeliverSm
            {
                Source = Subscriber, Destination = new SmppAddress(TypeOfNumber.Unknown, NumberingPlan.Isdn, "101"),
                ShortMessage = "*101#"u8.ToArray(), SequenceNumber = 0x103,
                Tlvs = [Tlv.UssdServiceOp(UssdServiceOp.PssrIndication), Tlv.ItsSessionInfo(new ItsSessionInfo(5, 1, true))],
            }
        },
        {
            "deliver_sm_resp §4.6.2",
            "00000011 80000005 00000000 00000100 | 00",
            new DeliverSmResp { SequenceNumber = 0x100 }
        },
        {
            "deliver_sm_resp §4.6.2 ESME_RX_T_APPN, message_id NULL kept",
            "00000011 80000005 00000064 00000100 | 00",
            new DeliverSmResp { CommandStatus = CommandStatus.ReceiverTemporaryAppError, SequenceNumber = 0x100 }
        },
        {
            "data_sm §4.7.1 Latin-1 in message_payload §5.3.2.32",
            """
            00000032 00000103 00000000 00000104
            00
            01 01 3338333439313233343536 00
            00 01 353030303100
            00 00 03                             esm_class, registered_delivery, data_coding Latin-1
            0424 0004 46616CEB                   message_payload "Falë"
            """,
            new DataSm
            {
                Source = Subscriber, Destination = TebShortCode, DataCoding = DataCoding.Latin1, SequenceNumber = 0x104,
                Tlvs = [Tlv.MessagePayload(new byte[] { 0x46, 0x61, 0x6C, 0xEB })],
            }
        },
        {
            "data_sm_resp §4.7.2 ESME_RX_P_APPN, message_id NULL kept",
            "00000011 80000103 00000065 00000104 | 00",
            new DataSmResp { CommandStatus = CommandStatus.ReceiverPermanentAppError, SequenceNumber = 0x104 }
        },
        {
            "data_sm_resp §4.7.2 with delivery_failure_reason",
            "00000018 80000103 00000000 00000104 | 373700 | 0425 0001 00",
            new DataSmResp { MessageId = "77", SequenceNumber = 0x104, Tlvs = [new Tlv(TlvTag.DeliveryFailureReason, new byte[] { 0 })] }
        },
    };

    [Theory]
    [MemberData(nameof(Table))]
    public void Decode_SpecOctets_GiveTheExpectedPdu(string name, string hex, Pdu expected)
    {
        _ = name;
        DecodeResult result = PduDecoder.Decode(Hex.Parse(hex));

        Assert.True(result.Succeeded, result.Error?.ToString());
        PduAssert.Equal(expected, result.Pdu!);
    }

    [Theory]
    [MemberData(nameof(Table))]
    public void Encode_ExpectedPdu_GivesTheSpecOctets(string name, string hex, Pdu expected)
    {
        _ = name;
        var output = new ArrayBufferWriter<byte>();

        int written = PduEncoder.Write(output, expected);

        Assert.Equal(Hex.Format(Hex.Parse(hex)), Hex.Format(output.WrittenSpan));
        Assert.Equal(output.WrittenCount, written);
    }

    [Fact]
    public void TypedTlvs_OfADeliveryReceipt_ReadTheirValues()
    {
        var pdu = (DeliverSm)PduDecoder.Decode(Hex.Parse(Table.Single(row => ((string)row[0]).Contains("receipted_message_id", StringComparison.Ordinal))[1].ToString()!)).Pdu!;

        Assert.True(EsmClass.IsDeliveryReceipt(pdu.EsmClass));
        Assert.Equal("5A1B2C", pdu.Tlvs.ReceiptedMessageId);
        Assert.Equal(MessageState.Delivered, pdu.Tlvs.MessageState);
        Assert.Null(pdu.Tlvs.SarMsgRefNum);
    }

    [Fact]
    public void TypedTlvs_Absent_AreNull()
    {
        // A message_payload absent is not an empty one: a short_message beside a payload is refused, beside nothing it is the text.
        Assert.Null(TlvList.Empty.MessagePayload);
        Assert.NotNull(TlvList.Empty.Add(Tlv.MessagePayload(ReadOnlyMemory<byte>.Empty)).MessagePayload);
    }

    [Fact]
    public void TypedTlvs_OfUssd_ReadTheirValues()
    {
        var pdu = (DeliverSm)PduDecoder.Decode(Hex.Parse(Table.Single(row => ((string)row[0]).Contains("USSD", StringComparison.Ordinal))[1].ToString()!)).Pdu!;

        Assert.Equal(UssdServiceOp.PssrIndication, pdu.Tlvs.UssdServiceOp);
        Assert.Equal(new ItsSessionInfo(5, 1, true), pdu.Tlvs.ItsSessionInfo);
    }

    [Fact]
    public void CreateResponse_OfADeliverSm_IsADeliverSmRespWithTheSameSequence()
    {
        var request = new DeliverSm { SequenceNumber = 42 };

        Pdu? response = request.CreateResponse(CommandStatus.ReceiverTemporaryAppError);

        Assert.Equal("0000001180000005000000640000002A00", Hex.Format(PduEncoder.ToArray(response!)));
    }

    [Theory]
    [InlineData("system_id over 15 characters")]
    [InlineData("short_message over 254 octets")]
    [InlineData("a character outside Latin-1")]
    [InlineData("a time of 5 characters")]
    public void Encode_AFieldThatCannotBeEncoded_ThrowsAndWritesNothing(string what)
    {
        Pdu pdu = what switch
        {
            "system_id over 15 characters" => new BindTransceiver { SystemId = new string('x', 16) },
            "short_message over 254 octets" => new SubmitSm { ShortMessage = new byte[255] },
            "a character outside Latin-1" => new SubmitSm { Destination = SmppAddress.International("3834912345€") },
            _ => new SubmitSm { ValidityPeriod = "1day0" },
        };
        var output = new ArrayBufferWriter<byte>();

        Assert.Throws<ArgumentException>(() => PduEncoder.Write(output, pdu));
        Assert.Equal(0, output.WrittenCount);
    }
}
