namespace Mbushja.Sms.Tests;

/// <summary>TEB Bank, short code 50001: every form of the seed with its example as printed.</summary>
public sealed class TebGrammarTests
{
    private const string ShortCode = "50001";

    [Theory]
    [InlineData("491112225", "mobile: +38349111222 500")] // seed: 8 digits without the zero, then the amount
    [InlineData("4911122250", "mobile: +38349111222 5000")]
    [InlineData("49111222 5", "mobile: +38349111222 500")] // seed wording: number "space" amount
    [InlineData("0491112225", "mobile: +38349111222 500")] // the number with its zero, accepted too
    [InlineData("049111222 5", "mobile: +38349111222 500")]
    [InlineData("49111222 5 # 43111222 2,50", "mobile: +38349111222 500 | +38343111222 250")]
    [InlineData("ipko perdoruesi int", "internet: account perdoruesi null")] // seed
    [InlineData("ipko perdoruesi tv", "tv: account perdoruesi null")] // seed
    [InlineData("ipko perdoruesi duotv", "duo: account perdoruesi null")] // seed
    [InlineData("IPKO Perdoruesi INT", "internet: account Perdoruesi null")]
    [InlineData("5", "mobile: +38349123456 500")] // the platform's common form
    public void Parse_SeedForm_ReadsItsTargets(string text, string expected) =>
        Assert.Equal(expected, Grammars.Render(Grammars.Parse(ShortCode, text)));

    [Theory]
    [InlineData("49111222", "UNKNOWN_COMMAND")] // missing amount
    [InlineData("ipko perdoruesi", "UNKNOWN_COMMAND")]
    [InlineData("perdoruesi int", "UNKNOWN_COMMAND")] // missing ipko
    [InlineData("ipko perdoruesi internet", "UNKNOWN_COMMAND")] // TEB writes int
    [InlineData("ipkoo perdoruesi tv", "UNKNOWN_COMMAND")]
    [InlineData("441112225", "NOT_OPERATOR_NUMBER")] // 8 digits of another operator
    [InlineData("44111222 5", "NOT_OPERATOR_NUMBER")]
    [InlineData("04911122 5", "INVALID_NUMBER")] // 8 digits with a zero
    [InlineData("491112221000", "AMOUNT_OUT_OF_RANGE")]
    [InlineData("491112220", "AMOUNT_OUT_OF_RANGE")]
    [InlineData("0", "AMOUNT_OUT_OF_RANGE")]
    [InlineData("-5", "AMOUNT_OUT_OF_RANGE")]
    [InlineData("1e9", "AMOUNT_OUT_OF_RANGE")]
    [InlineData("5.555", "AMOUNT_OUT_OF_RANGE")]
    [InlineData("101", "AMOUNT_OUT_OF_RANGE")]
    [InlineData("491112225 # 441112225", "NOT_OPERATOR_NUMBER")]
    public void Parse_NearMiss_IsRefusedWithItsCode(string text, string code) =>
        Grammars.AssertRefused(Grammars.Parse(ShortCode, text), "TEB", code);

    [Fact]
    public void Parse_SeedExample_PrintsExactlyTheSpecJson() =>
        Assert.Equal(
            """{"ok":true,"bank":"TEB","command":{"kind":"mobile","targets":[{"msisdn":"+38349123456","amountCents":500}]}}""",
            Grammars.Parse(ShortCode, "491234565").ToJson());
}
