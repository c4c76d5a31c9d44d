namespace Mbushja.Sms.Tests;

/// <summary>Banka për Biznes, short code 50000: every form of the seed with its example as printed.</summary>
public sealed class BpbGrammarTests
{
    private const string ShortCode = "50000";

    [Theory]
    [InlineData("5", "mobile: +38349123456 500")] // seed: your own account
    [InlineData("Fiks 038111222 5", "fixed: number +38338111222 500")] // seed
    [InlineData("fiks 038111222 5 €", "fixed: number +38338111222 500")]
    [InlineData("Int perdoruesi", "internet: account perdoruesi null")] // seed: Int <username>
    [InlineData("Int Kontrata_01", "internet: account Kontrata_01 null")] // or contract name
    [InlineData("tv perdoruesi", "tv: account perdoruesi null")] // seed
    [InlineData("duotv perdoruesi", "duo: account perdoruesi null")] // seed
    [InlineData("049111222 5", "mobile: +38349111222 500")] // the platform's common form
    public void Parse_SeedForm_ReadsItsTargets(string text, string expected) =>
        Assert.Equal(expected, Grammars.Render(Grammars.Parse(ShortCode, text)));

    [Theory]
    [InlineData("Fiks 038111222", "UNKNOWN_COMMAND")] // missing amount
    [InlineData("FIX perdoruesi", "UNKNOWN_COMMAND")] // BEK's keyword
    [InlineData("internet perdoruesi", "UNKNOWN_COMMAND")] // BPB writes Int
    [InlineData("Intt perdoruesi", "UNKNOWN_COMMAND")]
    [InlineData("Int", "UNKNOWN_COMMAND")]
    [InlineData("Fiks 049111222 5", "INVALID_NUMBER")] // a mobile number where the fixed one goes
    [InlineData("Fiks 038111222 101", "AMOUNT_OUT_OF_RANGE")]
    [InlineData("Fiks 038111222 0", "AMOUNT_OUT_OF_RANGE")]
    [InlineData("Fiks 038111222 5 # Fiks 038333444 5", "UNKNOWN_COMMAND")] // the seed has no several fixed at BPB
    [InlineData("0", "AMOUNT_OUT_OF_RANGE")]
    [InlineData("-5", "AMOUNT_OUT_OF_RANGE")]
    [InlineData("1e9", "AMOUNT_OUT_OF_RANGE")]
    [InlineData("5.555", "AMOUNT_OUT_OF_RANGE")]
    [InlineData("101", "AMOUNT_OUT_OF_RANGE")]
    [InlineData("044123456 5", "NOT_OPERATOR_NUMBER")]
    public void Parse_NearMiss_IsRefusedWithItsCode(string text, string code) =>
        Grammars.AssertRefused(Grammars.Parse(ShortCode, text), "BPB", code);
}
