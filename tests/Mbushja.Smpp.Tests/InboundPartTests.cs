using Mbushja.Smpp.Pdus;
using Mbushja.Smpp.Text;
using Mbushja.Text;

using Mbushja.Testing;

namespace Mbushja.Smpp.Tests;

/// <summary>The text side of a deliver_sm or data_sm: content, coding, and place in a long message.</summary>
public sealed class InboundPartTests
{
    private static readonly SmppAddress Subscriber = SmppAddress.International("38349123456");
    private static readonly SmppAddress ShortCode = SmppAddress.ShortCode("50001");

    private static DeliverSm Deliver(byte dataCoding, string shortMessage, byte esmClass = 0, TlvList? tlvs = null) => new()
    {
        Source = Subscriber,
        Destination = ShortCode,
        DataCoding = dataCoding,
        EsmClass = esmClass,
        ShortMessage = Hex.Parse(shortMessage),
        Tlvs = tlvs ?? TlvList.Empty,
    };

    [Theory]
    [InlineData(0x00, "34393132333435362035", "49123456 5")]
    [InlineData(0x03, "46616CEB", "Falë")]
    [InlineData(0x08, "00460061006C00EB", "Falë")]
    [InlineData(0x01, "7476", "tv")]
    public void From_DeliverSm_ReadsTheText(byte dataCoding, string shortMessage, string text)
    {
        InboundPart part = InboundPart.From(Deliver(dataCoding, shortMessage));

        Assert.Equal(text, part.Text);
        Assert.Null(part.Concat);
        Assert.Equal(Subscriber, part.Source);
        Assert.Equal(ShortCode, part.Destination);
    }

    [Fact]
    public void From_PackedGsmWithAnEightBitHeader_SkipsTheFillBit()
    {
        byte[] septets = new byte[10];
        Gsm7.Encode("hellohello", septets);
        string packed = Hex.Format(Gsm7Oracle.Pack(septets, 1));

        InboundPart part = InboundPart.From(Deliver(0, "0500032A0201" + packed, EsmClass.UdhIndicator), new SmppTextOptions { Gsm7Packed = true });

        Assert.Equal("hellohello", part.Text);
        Assert.Equal(new ConcatInfo(0x2A, 2, 1, ConcatScheme.Udh8), part.Concat);
    }

    [Fact]
    public void From_UnpackedGsmWithASixteenBitHeader_ReadsIt()
    {
        InboundPart part = InboundPart.From(Deliver(0, "060804BEEF0302 506A657361", EsmClass.UdhIndicator));

        Assert.Equal("Pjesa", part.Text);
        Assert.Equal(new ConcatInfo(0xBEEF, 3, 2, ConcatScheme.Udh16), part.Concat);
    }

    [Fact]
    public void From_AHeaderWithOtherElements_FindsTheConcatenationAmongThem()
    {
        // Port addressing (IEI 0x05, 4 octets) before the concatenation element: UDHL 11.
        InboundPart part = InboundPart.From(Deliver(8, "0B 0504 1581 1581 0003 01 03 02 | 0041", EsmClass.UdhIndicator));

        Assert.Equal("A", part.Text);
        Assert.Equal(new ConcatInfo(0x01, 3, 2, ConcatScheme.Udh8), part.Concat);
    }

    [Fact]
    public void From_SarTlvs_GivesThePlace()
    {
        DeliverSm pdu = Deliver(0, "41", tlvs: [Tlv.SarMsgRefNum(0x0102), Tlv.SarTotalSegments(2), Tlv.SarSegmentSeqnum(2)]);

        Assert.Equal(new ConcatInfo(0x0102, 2, 2, ConcatScheme.Sar), InboundPart.From(pdu).Concat);
    }

    [Theory]
    [InlineData("050003 2A 00 01 41")] // total 0
    [InlineData("050003 2A 02 00 41")] // sequence 0
    [InlineData("050003 2A 02 03 41")] // sequence past the total
    public void From_AConcatenationElementOutOfRange_IsIgnored(string shortMessage)
    {
        InboundPart part = InboundPart.From(Deliver(0, shortMessage, EsmClass.UdhIndicator));

        Assert.Null(part.Concat);
        Assert.Equal("A", part.Text);
    }

    [Fact]
    public void From_AHeaderThatRunsPastTheData_IsReadAsText()
    {
        InboundPart part = InboundPart.From(Deliver(0, "0A 41 42", EsmClass.UdhIndicator));

        Assert.True(part.HeaderInvalid);
        Assert.Null(part.Concat);
        Assert.Equal("\nAB", part.Text);
    }

    [Fact]
    public void From_DataSm_ReadsMessagePayload()
    {
        var pdu = new DataSm { Source = Subscriber, Destination = ShortCode, DataCoding = 3, Tlvs = [Tlv.MessagePayload(Hex.Parse("46616CEB"))] };

        Assert.Equal("Falë", InboundPart.From(pdu).Text);
    }
}
