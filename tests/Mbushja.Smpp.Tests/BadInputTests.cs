using Mbushja.Smpp.Pdus;

namespace Mbushja.Smpp.Tests;

/// <summary>
/// Input the decoder refuses: each case gives the command_status to answer with, the sequence
/// number when the header could be read, and the PDU that answers (generic_nack for a bad length or command id,
/// otherwise the request's own response).
/// </summary>
public sealed class BadInputTests
{
    private const uint DeliverSm = 0x05;
    private const uint SubmitSmResp = 0x8000_0004;

    public static TheoryData<string, byte[], CommandStatus, Type> Cases => new()
    {
        {
            "unknown command_id",
            new PduBytes(0x0000_0099, sequence: 7).Build(),
            CommandStatus.InvalidCommandId, typeof(GenericNack)
        },
        {
            "query_sm: known, but no ESME handles it",
            new PduBytes(0x0000_0003, sequence: 7).CString("1").Address(0, 0, "").Build(),
            CommandStatus.InvalidCommandId, typeof(GenericNack)
        },
        {
            "enquire_link with a body",
            new PduBytes(0x15, sequence: 7).Byte(0).Build(),
            CommandStatus.InvalidCommandLength, typeof(GenericNack)
        },
        {
            "deliver_sm that ends in the middle of its mandatory fields",
            new PduBytes(DeliverSm, sequence: 7).CString("").Address(1, 1, "38349123456").Byte(0).Build(),
            CommandStatus.InvalidCommandLength, typeof(GenericNack)
        },
        {
            "bind_transceiver with octets after address_range",
            new PduBytes(0x09, sequence: 7).CString("sys").CString("pw").CString("").Byte(0x34).Address(0, 0, "").Byte(0xFF).Build(),
            CommandStatus.InvalidCommandLength, typeof(GenericNack)
        },
        {
            "source_addr without NUL within its 21 octets",
            new PduBytes(DeliverSm, sequence: 7).CString("").Byte(1).Byte(1).Text(new string('4', 21)).Byte(0)
                .Address(0, 1, "50001").Bytes(0, 0, 0, 0, 0, 0, 0, 0, 0).Byte(0).Build(),
            CommandStatus.InvalidSourceAddress, typeof(DeliverSmResp)
        },
        {
            "source_addr running to the end of the body",
            new PduBytes(DeliverSm, sequence: 7).CString("").Byte(1).Byte(1).Text("38349").Build(),
            CommandStatus.InvalidSourceAddress, typeof(DeliverSmResp)
        },
        {
            "destination_addr of 21 characters (20 is the most)",
            new PduBytes(DeliverSm, sequence: 7).CString("").Address(1, 1, "38349123456").Address(0, 1, new string('5', 21))
                .Bytes(0, 0, 0, 0, 0, 0, 0, 0, 0).Byte(0).Build(),
            CommandStatus.InvalidDestinationAddress, typeof(DeliverSmResp)
        },
        {
            "service_type of 6 characters (5 is the most)",
            new PduBytes(DeliverSm, sequence: 7).CString("ABCDEF").Build(),
            CommandStatus.InvalidServiceType, typeof(DeliverSmResp)
        },
        {
            "system_id of 16 characters in a bind",
            new PduBytes(0x09, sequence: 7).CString(new string('s', 16)).CString("pw").CString("").Byte(0x34).Address(0, 0, "").Build(),
            CommandStatus.InvalidSystemId, typeof(BindTransceiverResp)
        },
        {
            "password of 9 characters in a bind",
            new PduBytes(0x02, sequence: 7).CString("sys").CString("123456789").CString("").Byte(0x34).Address(0, 0, "").Build(),
            CommandStatus.InvalidPassword, typeof(BindTransmitterResp)
        },
        {
            "schedule_delivery_time of 5 characters",
            new PduBytes(0x04, sequence: 7).MessageHead(schedule: "12345").Byte(0).Build(),
            CommandStatus.InvalidScheduledDeliveryTime, typeof(SubmitSmResp)
        },
        {
            "validity_period of 17 characters, no NUL within 17 octets",
            new PduBytes(0x04, sequence: 7).CString("").Address(5, 0, "IPKO").Address(1, 1, "38349123456").Bytes(0, 0, 0).CString("")
                .Text("00000100000000000R").Byte(0).Bytes(0, 0, 0, 0).Byte(0).Build(),
            CommandStatus.InvalidValidityPeriod, typeof(SubmitSmResp)
        },
        {
            "sm_length over the octets left",
            new PduBytes(DeliverSm, sequence: 7).MessageHead().Byte(10).Text("Hello").Build(),
            CommandStatus.InvalidMessageLength, typeof(DeliverSmResp)
        },
        {
            "sm_length 255 (254 is the most)",
            new PduBytes(DeliverSm, sequence: 7).MessageHead().Byte(255).Bytes(new byte[255]).Build(),
            CommandStatus.InvalidMessageLength, typeof(DeliverSmResp)
        },
        {
            "data_coding 0x0C, reserved by SMPP",
            new PduBytes(DeliverSm, sequence: 7).MessageHead(dataCoding: 0x0C).Byte(1).Text("x").Build(),
            CommandStatus.ReceiverPermanentAppError, typeof(DeliverSmResp)
        },
        {
            "data_coding 0x9A, a reserved coding group of 23.038",
            new PduBytes(DeliverSm, sequence: 7).MessageHead(dataCoding: 0x9A).Byte(1).Text("x").Build(),
            CommandStatus.ReceiverPermanentAppError, typeof(DeliverSmResp)
        },
        {
            "data_coding 0x1C: general group with the reserved alphabet",
            new PduBytes(DeliverSm, sequence: 7).MessageHead(dataCoding: 0x1C).Byte(1).Text("x").Build(),
            CommandStatus.ReceiverPermanentAppError, typeof(DeliverSmResp)
        },
        {
            "three octets after short_message: too few for a TLV header",
            new PduBytes(DeliverSm, sequence: 7).MessageHead().Byte(1).Text("x").Bytes(0x02, 0x0C, 0x00).Build(),
            CommandStatus.InvalidOptionalParameterStream, typeof(DeliverSmResp)
        },
        {
            "a TLV whose length runs past the body",
            new PduBytes(DeliverSm, sequence: 7).MessageHead().Byte(1).Text("x").UInt16(0x0424).UInt16(50).Text("short").Build(),
            CommandStatus.InvalidOptionalParameterStream, typeof(DeliverSmResp)
        },
        {
            "sar_msg_ref_num of one octet",
            new PduBytes(DeliverSm, sequence: 7).MessageHead().Byte(1).Text("x").Tlv(0x020C, 0x01).Build(),
            CommandStatus.InvalidParameterLength, typeof(DeliverSmResp)
        },
        {
            "its_session_info of three octets",
            new PduBytes(DeliverSm, sequence: 7).MessageHead().Byte(1).Text("x").Tlv(0x1383, 1, 2, 3).Build(),
            CommandStatus.InvalidParameterLength, typeof(DeliverSmResp)
        },
        {
            "receipted_message_id without its NUL",
            new PduBytes(DeliverSm, sequence: 7).MessageHead(esmClass: 0x04).Byte(0).Tlv(0x001E, 0x41, 0x42).Build(),
            CommandStatus.InvalidOptionalParameterValue, typeof(DeliverSmResp)
        },
        {
            "submit_sm_resp with status 0 and no message_id",
            new PduBytes(SubmitSmResp, sequence: 7).Build(),
            CommandStatus.InvalidCommandLength, typeof(GenericNack)
        },
        {
            "submit_sm_resp with a message_id of 65 characters",
            new PduBytes(SubmitSmResp, sequence: 7).CString(new string('9', 65)).Build(),
            CommandStatus.InvalidMessageId, typeof(GenericNack)
        },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Decode_BadInput_GivesTheStatusToAnswerWith(string name, byte[] bytes, CommandStatus status, Type answer)
    {
        DecodeResult result = PduDecoder.Decode(bytes);

        Assert.False(result.Succeeded, name);
        DecodeError error = result.Error!;
        Assert.Equal(status, error.Status);
        Assert.Equal(7u, error.SequenceNumber);
        Assert.False(error.FramingLost);

        Pdu reply = error.Answer();
        Assert.IsType(answer, reply);
        Assert.Equal(status, reply.CommandStatus);
        Assert.Equal(7u, reply.SequenceNumber);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void TryReadFrame_BadInput_SkipsThePduAndReadsTheNextOne(string name, byte[] bytes, CommandStatus status, Type answer)
    {
        _ = answer;
        var buffer = new System.Buffers.ReadOnlySequence<byte>([.. bytes, .. PduEncoder.ToArray(new EnquireLink { SequenceNumber = 8 })]);
        var frames = new SmppFrameReader();

        Assert.True(frames.TryReadFrame(ref buffer, out DecodeResult first), name);
        Assert.Equal(status, first.Error!.Status);
        Assert.True(frames.TryReadFrame(ref buffer, out DecodeResult second));
        Assert.Equal(8u, Assert.IsType<EnquireLink>(second.Pdu).SequenceNumber);
        Assert.True(buffer.IsEmpty);
    }

    [Theory]
    [InlineData(0u)]
    [InlineData(4u)]
    [InlineData(15u)]
    public void Decode_CommandLengthBelowTheHeader_LosesTheFraming(uint length)
    {
        byte[] bytes = new PduBytes(0x15, sequence: 7).Length(length).Build();

        DecodeError error = PduDecoder.Decode(bytes).Error!;

        Assert.Equal(CommandStatus.InvalidCommandLength, error.Status);
        Assert.True(error.FramingLost);
        Assert.Null(error.SequenceNumber);
        GenericNack nack = Assert.IsType<GenericNack>(error.Answer());
        Assert.Equal(0u, nack.SequenceNumber);
    }

    [Fact]
    public void Decode_CommandLengthOtherThanTheFrame_IsInvalidCommandLength()
    {
        byte[] bytes = new PduBytes(0x15, sequence: 7).Length(17).Build();

        DecodeError error = PduDecoder.Decode(bytes).Error!;

        Assert.Equal(CommandStatus.InvalidCommandLength, error.Status);
        Assert.Equal(7u, error.SequenceNumber);
        Assert.IsType<GenericNack>(error.Answer());
    }

    [Fact]
    public void Decode_AReservedDataCodingOfTheGsmGroups_IsAccepted()
    {
        // 0xF1: 23.038 "data coding/message class" group, GSM 7-bit, class 1: SMSCs send it through.
        byte[] bytes = new PduBytes(DeliverSm, sequence: 7).MessageHead(dataCoding: 0xF1).Byte(1).Text("x").Build();

        Assert.True(PduDecoder.Decode(bytes).Succeeded);
    }

    [Fact]
    public void Decode_DeliverSmWithShortMessageAndMessagePayload_IsRefused()
    {
        // §5.3.2.32: message_payload carries the message when short_message does not (sm_length 0). Both at once are
        // two texts; reading one would drop the other (here the MO would be read as "TEB" alone).
        byte[] bytes = new PduBytes(0x05, sequence: 7).MessageHead().Byte(3).Text("TEB")
            .Tlv(0x0424, System.Text.Encoding.ASCII.GetBytes("TEB 5 049123456")).Build();

        DecodeResult result = PduDecoder.Decode(bytes);

        Assert.False(result.Succeeded);
        Pdu answer = result.Error!.Answer();
        Assert.IsType<DeliverSmResp>(answer);
        Assert.Equal(CommandStatus.InvalidMessageLength, answer.CommandStatus);
        Assert.Equal(7u, answer.SequenceNumber);
    }
}
