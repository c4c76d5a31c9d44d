using System.Text;
using Mbushja.Smpp.Pdus;
using Mbushja.Smpp.Text;
using Mbushja.Text;

using Mbushja.Testing;

namespace Mbushja.Smpp.Tests;

/// <summary>Replies made ready for submit_sm: the alphabet chosen, and long ones split (3GPP TS 23.040 §9.2.3.24).</summary>
public sealed class OutboundTextTests
{
    private static readonly SmppTextOptions Sar = new() { LongMessages = LongMessageMode.Sar };

    [Fact]
    public void Encode_GsmText_IsOnePartOfUnpackedSeptets()
    {
        OutboundMessage message = OutboundText.Encode("Hello €", 1);

        Assert.Equal(DataCoding.SmscDefault, message.DataCoding);
        OutboundPart part = Assert.Single(message.Parts);
        Assert.Equal("48656C6C6F201B65", Hex.Format(part.ShortMessage.Span));
        Assert.Equal(0, part.EsmClass);
        Assert.Empty(part.Tlvs);
    }

    [Fact]
    public void Encode_GsmTextPacked_IsPacked() =>
        Assert.Equal("E8329BFD4697D9EC37", Hex.Format(OutboundText.Encode("hellohello", 1, new SmppTextOptions { Gsm7Packed = true }).Parts[0].ShortMessage.Span));

    [Fact]
    public void Encode_AlbanianText_IsUcs2()
    {
        OutboundMessage message = OutboundText.Encode("Falë", 1);

        Assert.Equal(DataCoding.Ucs2, message.DataCoding);
        Assert.Equal("00460061006C00EB", Hex.Format(message.Parts[0].ShortMessage.Span));
    }

    [Fact]
    public void Encode_AlbanianTextTransliterated_IsGsm()
    {
        OutboundMessage message = OutboundText.Encode("Falë", 1, new SmppTextOptions { Transliterate = true });

        Assert.Equal(DataCoding.SmscDefault, message.DataCoding);
        Assert.Equal("Fale", message.Text);
        Assert.Equal("46616C65", Hex.Format(message.Parts[0].ShortMessage.Span));
    }

    [Theory]
    [InlineData(160, 1)]
    [InlineData(161, 2)]
    [InlineData(306, 2)]
    [InlineData(307, 3)]
    public void Encode_GsmText_SplitsPast160Into153SeptetParts(int length, int parts) =>
        Assert.Equal(parts, OutboundText.Encode(new string('a', length), 1).Parts.Count);

    [Theory]
    [InlineData(70, 1)]
    [InlineData(71, 2)]
    [InlineData(134, 2)]
    [InlineData(135, 3)]
    public void Encode_Ucs2Text_SplitsPast70Into67UnitParts(int length, int parts) =>
        Assert.Equal(parts, OutboundText.Encode(new string('ë', length), 1).Parts.Count);

    [Fact]
    public void Encode_LongGsmText_CarriesAnEightBitConcatenationHeader()
    {
        OutboundMessage message = OutboundText.Encode(new string('a', 161), 0x1234);

        Assert.Equal(2, message.Parts.Count);
        Assert.All(message.Parts, part => Assert.Equal(EsmClass.UdhIndicator, part.EsmClass));
        Assert.Equal("050003340201", Hex.Format(message.Parts[0].ShortMessage.Span[..6]));
        Assert.Equal("050003340202", Hex.Format(message.Parts[1].ShortMessage.Span[..6]));
        Assert.Equal(6 + 153, message.Parts[0].ShortMessage.Length);
        Assert.Equal(6 + 8, message.Parts[1].ShortMessage.Length);
    }

    [Fact]
    public void Encode_LongGsmTextWithSixteenBitReferences_Carries152SeptetParts()
    {
        OutboundMessage message = OutboundText.Encode(new string('a', 200), 0x1234, new SmppTextOptions { LongMessages = LongMessageMode.Udh16 });

        Assert.Equal("06080412340201", Hex.Format(message.Parts[0].ShortMessage.Span[..7]));
        Assert.Equal(7 + 152, message.Parts[0].ShortMessage.Length);
    }

    [Fact]
    public void Encode_LongTextWithSar_CarriesTheTlvsAndNoHeader()
    {
        OutboundMessage message = OutboundText.Encode(new string('a', 200), 0x1234, Sar);

        Assert.Equal(2, message.Parts.Count);
        OutboundPart second = message.Parts[1];
        Assert.Equal(0, second.EsmClass);
        Assert.Equal((ushort)0x1234, second.Tlvs.SarMsgRefNum);
        Assert.Equal((byte)2, second.Tlvs.SarTotalSegments);
        Assert.Equal((byte)2, second.Tlvs.SarSegmentSeqnum);
        Assert.Equal(152, message.Parts[0].ShortMessage.Length);
    }

    [Fact]
    public void Encode_LongTextAsPayload_IsOnePduWithMessagePayload()
    {
        OutboundMessage message = OutboundText.Encode(new string('ë', 100), 1, new SmppTextOptions { LongMessages = LongMessageMode.MessagePayload });

        OutboundPart part = Assert.Single(message.Parts);
        Assert.True(part.ShortMessage.IsEmpty);
        Assert.Equal(200, part.Tlvs.MessagePayload!.Value.Length);
    }

    [Fact]
    public void Encode_AnEscapePairAtTheCut_MovesWholeToTheNextPart()
    {
        string text = new string('a', 152) + "€" + new string('b', 10);

        OutboundMessage message = OutboundText.Encode(text, 1);

        Assert.Equal(6 + 152, message.Parts[0].ShortMessage.Length);
        Assert.NotEqual(Gsm7.Escape, message.Parts[0].ShortMessage.Span[^1]);
        Assert.Equal("1B65", Hex.Format(message.Parts[1].ShortMessage.Span.Slice(6, 2)));
    }

    [Fact]
    public void Encode_ASurrogatePairAtTheCut_MovesWholeToTheNextPart()
    {
        string text = new string('ë', 66) + "😀" + new string('ë', 5);

        OutboundMessage message = OutboundText.Encode(text, 1);

        Assert.Equal(2, message.Parts.Count);
        Assert.Equal(6 + 132, message.Parts[0].ShortMessage.Length);
        string second = Encoding.BigEndianUnicode.GetString(message.Parts[1].ShortMessage.Span[6..]);
        Assert.Equal("😀ëëëëë", second);
    }

    [Fact]
    public void Encode_PackedLongText_AlignsTheSeptetsAfterTheHeader()
    {
        // 161 septets: 153 in the first part (151 'a' and "he"), "llohello" in the second, one fill bit after each header.
        OutboundMessage message = OutboundText.Encode(new string('a', 151) + "hellohello", 7, new SmppTextOptions { Gsm7Packed = true });

        ReadOnlySpan<byte> second = message.Parts[1].ShortMessage.Span;
        byte[] septets = new byte[8];
        Gsm7.Encode("llohello", septets);
        Assert.Equal(Hex.Format(Gsm7Oracle.Pack(septets, 1)), Hex.Format(second[6..]));
        Assert.Equal(140, message.Parts[0].ShortMessage.Length);
    }

    [Fact]
    public void Encode_MoreThanTheMaximumOfParts_Throws() =>
        Assert.Throws<ArgumentException>(() => OutboundText.Encode(new string('a', 500), 1, new SmppTextOptions { MaxParts = 3 }));

    [Fact]
    public void ToSubmitSms_MakesOneSubmitSmPerPart()
    {
        OutboundMessage message = OutboundText.Encode(new string('ë', 100), 9);

        SubmitSm[] pdus = [.. message.ToSubmitSms(SmppAddress.ShortCode("50001"), SmppAddress.International("38349123456"), registeredDelivery: 1)];

        Assert.Equal(2, pdus.Length);
        Assert.All(pdus, pdu => Assert.Equal(DataCoding.Ucs2, pdu.DataCoding));
        Assert.All(pdus, pdu => Assert.Equal(1, pdu.RegisteredDelivery));
        Assert.All(pdus, pdu => Assert.True(PduDecoder.Decode(PduEncoder.ToArray(pdu)).Succeeded));
    }
}
