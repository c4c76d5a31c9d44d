namespace Mbushja.Sms.Tests;

/// <summary>NLB Prishtina, short code 50444, top-ups from 5 to 100 €: every form of the seed with its example as printed.</summary>
public sealed class NlbGrammarTests
{
    private const string ShortCode = "50444";

    [Theory]
    [InlineData("0491112225", "mobile: +38349111222 500")] // seed example, number and amount written together
    [InlineData("049111222 5", "mobile: +38349111222 500")] // seed wording: number, space, amount
    [InlineData("04911122250", "mobile: +38349111222 5000")]
    [InlineData("049111222100", "mobile: +38349111222 10000")]
    [InlineData("0431112227,50", "mobile: +38343111222 750")]
    [InlineData("0491112225€", "mobile: +38349111222 500")]
    [InlineData("0491112225 EUR", "mobile: +38349111222 500")]
    [InlineData("tv abcdefghi", "tv: account abcdefghi null")] // seed
    [InlineData("internet abcdefghi", "internet: account abcdefghi null")] // seed
    [InlineData("DUOTV abcdefghi", "duo: account abcdefghi null")] // seed
    [InlineData("5", "mobile: +38349123456 500")] // the platform's common form
    public void Parse_SeedForm_ReadsItsTargets(string text, string expected) =>
        Assert.Equal(expected, Grammars.Render(Grammars.Parse(ShortCode, text)));

    [Theory]
    [InlineData("2", "AMOUNT_OUT_OF_RANGE")] // NLB's minimum is 5
    [InlineData("4.99", "AMOUNT_OUT_OF_RANGE")]
    [InlineData("0491112222", "AMOUNT_OUT_OF_RANGE")]
    [InlineData("049111222 2", "AMOUNT_OUT_OF_RANGE")]
    [InlineData("0", "AMOUNT_OUT_OF_RANGE")]
    [InlineData("-5", "AMOUNT_OUT_OF_RANGE")]
    [InlineData("1e9", "AMOUNT_OUT_OF_RANGE")]
    [InlineData("5.555", "AMOUNT_OUT_OF_RANGE")]
    [InlineData("101", "AMOUNT_OUT_OF_RANGE")]
    [InlineData("049111222101", "AMOUNT_OUT_OF_RANGE")]
    [InlineData("0441112225", "NOT_OPERATOR_NUMBER")]
    [InlineData("04911122 5", "INVALID_NUMBER")]
    [InlineData("049111222", "UNKNOWN_COMMAND")] // missing amount
    [InlineData("FIX abcdefghi", "UNKNOWN_COMMAND")]
    [InlineData("abcdefghi TV", "UNKNOWN_COMMAND")] // Raiffeisen's order, not NLB's
    [InlineData("tvv abcdefghi", "UNKNOWN_COMMAND")]
    [InlineData("049111222 5 # 043111222 2", "AMOUNT_OUT_OF_RANGE")]
    public void Parse_NearMiss_IsRefusedWithItsCode(string text, string code) =>
        Grammars.AssertRefused(Grammars.Parse(ShortCode, text), "NLB", code);
}
