namespace Mbushja.Sms.Tests;

/// <summary>ProCredit Bank, short code 50333: every form of the seed with its example as printed.</summary>
public sealed class PcbGrammarTests
{
    private const string ShortCode = "50333";

    [Theory]
    [InlineData("0491112225", "mobile: +38349111222 500")] // seed example, number and amount written together
    [InlineData("049111222 5", "mobile: +38349111222 500")] // seed wording
    [InlineData("038111222 5", "fixed: number +38338111222 500")] // seed
    [InlineData("tv", "tv: account null null")] // seed: the registered account
    [InlineData("internet", "internet: account null null")] // seed
    [InlineData("DuoTV", "duo: account null null")] // seed example
    [InlineData("DUOTV", "duo: account null null")]
    [InlineData("shfrytëzuesi1 DuoTV", "duo: account shfrytëzuesi1 null")] // seed example, non-ASCII kept as written
    [InlineData("shfrytëzuesi1 TV", "tv: account shfrytëzuesi1 null")] // seed wording
    [InlineData("shfrytëzuesi1 INTERNET", "internet: account shfrytëzuesi1 null")] // seed wording
    [InlineData("Shfrytëzuesi1 tv", "tv: account Shfrytëzuesi1 null")]
    [InlineData("5", "mobile: +38349123456 500")] // the platform's common form
    public void Parse_SeedForm_ReadsItsTargets(string text, string expected) =>
        Assert.Equal(expected, Grammars.Render(Grammars.Parse(ShortCode, text)));

    [Theory]
    [InlineData("038111222", "UNKNOWN_COMMAND")] // missing amount
    [InlineData("038111222 101", "AMOUNT_OUT_OF_RANGE")]
    [InlineData("038111222 5 # 038333444 5", "UNKNOWN_COMMAND")] // the seed has no several fixed at ProCredit
    [InlineData("tvv", "UNKNOWN_COMMAND")]
    [InlineData("tv abc", "UNKNOWN_COMMAND")] // BEK's order
    [InlineData("tv # tv", "UNKNOWN_COMMAND")]
    [InlineData("0441112225", "NOT_OPERATOR_NUMBER")]
    [InlineData("0", "AMOUNT_OUT_OF_RANGE")]
    [InlineData("-5", "AMOUNT_OUT_OF_RANGE")]
    [InlineData("1e9", "AMOUNT_OUT_OF_RANGE")]
    [InlineData("5.555", "AMOUNT_OUT_OF_RANGE")]
    [InlineData("101", "AMOUNT_OUT_OF_RANGE")]
    public void Parse_NearMiss_IsRefusedWithItsCode(string text, string code) =>
        Grammars.AssertRefused(Grammars.Parse(ShortCode, text), "PCB", code);

    [Fact]
    public void Parse_BareDuoTv_PrintsANullAccountInTheContractJson() =>
        Assert.Equal(
            """{"ok":true,"bank":"PCB","command":{"kind":"duo","targets":[{"account":null,"amountCents":null}]}}""",
            Grammars.Parse(ShortCode, "DuoTV").ToJson());

    [Fact]
    public void Parse_NonAsciiUsername_IsPrintedAsWritten() =>
        Assert.Equal(
            """{"ok":true,"bank":"PCB","command":{"kind":"duo","targets":[{"account":"shfrytëzuesi1","amountCents":null}]}}""",
            Grammars.Parse(ShortCode, "shfrytëzuesi1 DuoTV").ToJson());
}
