namespace Mbushja.Sms.Tests;

/// <summary>Raiffeisen Bank, short code 50222: every form of the seed with its example as printed.</summary>
public sealed class RbkoGrammarTests
{
    private const string ShortCode = "50222";

    [Theory]
    [InlineData("0491112225", "mobile: +38349111222 500")] // seed example, number and amount written together
    [InlineData("049111222 5", "mobile: +38349111222 500")] // seed wording: number "space" amount
    [InlineData("abcdefghi INTERNET", "internet: account abcdefghi null")] // seed
    [InlineData("abcdefghi TV", "tv: account abcdefghi null")] // seed: username
    [InlineData("1234567890123456 TV", "tv: account 1234567890123456 null")] // or the SMART card number
    [InlineData("abcdefghi DUOTV", "duo: account abcdefghi null")] // seed
    [InlineData("abcdefghi internet", "internet: account abcdefghi null")]
    [InlineData("5", "mobile: +38349123456 500")] // the platform's common form
    public void Parse_SeedForm_ReadsItsTargets(string text, string expected) =>
        Assert.Equal(expected, Grammars.Render(Grammars.Parse(ShortCode, text)));

    [Theory]
    [InlineData("TV abcdefghi", "UNKNOWN_COMMAND")] // BEK's order, not Raiffeisen's
    [InlineData("abcdefghi", "UNKNOWN_COMMAND")]
    [InlineData("abcdefghi TV extra", "UNKNOWN_COMMAND")]
    [InlineData("abcdefghi INT", "UNKNOWN_COMMAND")]
    [InlineData("0441112225", "NOT_OPERATOR_NUMBER")]
    [InlineData("0491112220", "AMOUNT_OUT_OF_RANGE")]
    [InlineData("049111222 101", "AMOUNT_OUT_OF_RANGE")]
    [InlineData("0", "AMOUNT_OUT_OF_RANGE")]
    [InlineData("-5", "AMOUNT_OUT_OF_RANGE")]
    [InlineData("1e9", "AMOUNT_OUT_OF_RANGE")]
    [InlineData("5.555", "AMOUNT_OUT_OF_RANGE")]
    [InlineData("101", "AMOUNT_OUT_OF_RANGE")]
    public void Parse_NearMiss_IsRefusedWithItsCode(string text, string code) =>
        Grammars.AssertRefused(Grammars.Parse(ShortCode, text), "RBKO", code);
}
