using System.Text;
using Mbushja.Smpp.Text;

using Mbushja.Testing;

namespace Mbushja.Smpp.Tests;

/// <summary>data_coding to text (SMPP v3.4 §5.2.19, 3GPP TS 23.038 §4), with the Albanian letters that matter here.</summary>
public sealed class SmsTextTests
{
    [Theory]
    [InlineData(0x00, TextCoding.Gsm7)]
    [InlineData(0x01, TextCoding.Ia5)]
    [InlineData(0x02, TextCoding.Binary)]
    [InlineData(0x03, TextCoding.Latin1)]
    [InlineData(0x04, TextCoding.Binary)]
    [InlineData(0x06, TextCoding.Unsupported)]
    [InlineData(0x08, TextCoding.Ucs2)]
    [InlineData(0x10, TextCoding.Gsm7)]        // general group, class 0
    [InlineData(0x18, TextCoding.Ucs2)]        // general group, UCS2, class 0 (flash)
    [InlineData(0x15, TextCoding.Binary)]
    [InlineData(0x30, TextCoding.Unsupported)] // compressed
    [InlineData(0x48, TextCoding.Ucs2)]        // automatic deletion group
    [InlineData(0xC0, TextCoding.Gsm7)]
    [InlineData(0xE0, TextCoding.Ucs2)]
    [InlineData(0xF0, TextCoding.Gsm7)]
    [InlineData(0xF6, TextCoding.Binary)]
    public void Classify_DataCoding_GivesItsAlphabet(byte dataCoding, TextCoding coding) =>
        Assert.Equal(coding, SmsText.Classify(dataCoding));

    [Theory]
    [InlineData(TextCoding.Ucs2, "00EB 00E7 00CB 00C7", "ëçËÇ")]
    [InlineData(TextCoding.Latin1, "EB E7 CB C7", "ëçËÇ")]
    [InlineData(TextCoding.Ucs2, "0046 0061 006C 00EB 0020 20AC", "Falë €")]
    [InlineData(TextCoding.Ucs2, "D83D DCB8 0020 0035", "💸 5")]      // a surrogate pair
    [InlineData(TextCoding.Ucs2, "0041 D83D", "A\uFFFD")]             // a lone high surrogate
    [InlineData(TextCoding.Ucs2, "0041 00", "A\uFFFD")]               // an odd octet
    [InlineData(TextCoding.Ia5, "74 76 20 35", "tv 5")]
    [InlineData(TextCoding.Ia5, "41 EB", "A?")]
    [InlineData(TextCoding.Binary, "0102", "")]
    public void Decode_Octets_GiveText(TextCoding coding, string octets, string text) =>
        Assert.Equal(text, SmsText.Decode(coding, Hex.Parse(octets)));

    [Fact]
    public void Ucs2_OfAlbanian_IsBigEndian() =>
        Assert.Equal("00EB00E700CB00C7", Hex.Format(Encoding.BigEndianUnicode.GetBytes("ëçËÇ")));
}
