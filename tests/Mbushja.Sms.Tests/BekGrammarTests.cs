using Mbushja.Domain;

namespace Mbushja.Sms.Tests;

/// <summary>Banka Ekonomike, short code 50005: every form of the seed with its example as printed (x → digits/letters).</summary>
public sealed class BekGrammarTests
{
    private const string ShortCode = "50005";

    [Theory]
    [InlineData("5", "mobile: +38349123456 500")] // seed: your own account
    [InlineData("049111222 5", "mobile: +38349111222 500")] // seed: another person's account
    [InlineData("049111222 5 # 049222333 5 # 049333444 5", "mobile: +38349111222 500 | +38349222333 500 | +38349333444 500")] // seed: several
    [InlineData("FIX abcdefghi", "fixed: account abcdefghi null")] // seed: fixed line by username, pays the package
    [InlineData("FIX Kontrata-2016/7", "fixed: account Kontrata-2016/7 null")] // by contract name, kept as written
    [InlineData("038111222 5#038333444 5", "fixed: number +38338111222 500 | number +38338333444 500")] // seed: several fixed
    [InlineData("038111222 5", "fixed: number +38338111222 500")]
    [InlineData("internet abcdefghi", "internet: account abcdefghi null")] // seed
    [InlineData("tv abcdefghi", "tv: account abcdefghi null")] // seed
    [InlineData("DUOTV abcdefghi", "duo: account abcdefghi null")] // seed
    [InlineData("043111222 2,50", "mobile: +38343111222 250")]
    [InlineData("5 EUR", "mobile: +38349123456 500")]
    public void Parse_SeedForm_ReadsItsTargets(string text, string expected) =>
        Assert.Equal(expected, Grammars.Render(Grammars.Parse(ShortCode, text)));

    [Theory]
    [InlineData("FIXX abcdefghi", "UNKNOWN_COMMAND")] // wrong keyword
    [InlineData("Fiks 038111222 5", "UNKNOWN_COMMAND")] // BPB's keyword, not BEK's
    [InlineData("FIX", "UNKNOWN_COMMAND")] // missing account
    [InlineData("internet", "UNKNOWN_COMMAND")] // ProCredit's bare form, not BEK's
    [InlineData("049111222", "UNKNOWN_COMMAND")] // missing amount
    [InlineData("0491112225", "UNKNOWN_COMMAND")] // the number and amount written together is not a BEK form
    [InlineData("0", "AMOUNT_OUT_OF_RANGE")]
    [InlineData("-5", "AMOUNT_OUT_OF_RANGE")]
    [InlineData("1e9", "AMOUNT_OUT_OF_RANGE")]
    [InlineData("5.555", "AMOUNT_OUT_OF_RANGE")]
    [InlineData("101", "AMOUNT_OUT_OF_RANGE")]
    [InlineData("0.99", "AMOUNT_OUT_OF_RANGE")]
    [InlineData("049111222 101", "AMOUNT_OUT_OF_RANGE")]
    [InlineData("038111222 101", "AMOUNT_OUT_OF_RANGE")]
    [InlineData("044123456 5", "NOT_OPERATOR_NUMBER")] // another operator's number
    [InlineData("04912345 5", "INVALID_NUMBER")] // 8 digits with a zero
    [InlineData("049111222 5 # 049222333 500", "AMOUNT_OUT_OF_RANGE")] // one bad part refuses the whole message
    [InlineData("049111222 5 # 044123456 5", "NOT_OPERATOR_NUMBER")]
    [InlineData("049111222 5 # 038111222 5", "UNKNOWN_COMMAND")] // mobile and fixed in one message
    [InlineData("tv abc # tv def", "UNKNOWN_COMMAND")] // tv parts cannot be joined
    [InlineData("FIX abc # FIX def", "UNKNOWN_COMMAND")]
    [InlineData("049111222 5 #", "UNKNOWN_COMMAND")]
    public void Parse_NearMiss_IsRefusedWithItsCode(string text, string code) =>
        Grammars.AssertRefused(Grammars.Parse(ShortCode, text), "BEK", code);

    [Fact]
    public void Parse_MultiPartWithOneBadPart_NamesThePartAndItsReason()
    {
        ParseError error = Grammars.AssertRefused(Grammars.Parse(ShortCode, "049111222 5 # 049222333 5 # 044123456 5"), "BEK", "NOT_OPERATOR_NUMBER");

        Assert.Contains("part 3 of 3 ('044123456 5')", error.Message, StringComparison.Ordinal);
        Assert.Contains("not a number of this operator", error.Message, StringComparison.Ordinal);
        Assert.Contains("Nothing was topped up", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_UnknownText_RepliesWithTheBanksOwnSyntax()
    {
        ParseError error = Grammars.AssertRefused(Grammars.Parse(ShortCode, "hello"), "BEK", "UNKNOWN_COMMAND");

        Assert.Contains("FIX", error.Message, StringComparison.Ordinal);
        Assert.Contains("50005", error.Message, StringComparison.Ordinal);
    }
}
