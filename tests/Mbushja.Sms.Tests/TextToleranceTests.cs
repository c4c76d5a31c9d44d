namespace Mbushja.Sms.Tests;

/// <summary>Keywords ignore case; surrounding, repeated and around-'#' blanks do not matter; amounts in every written form.</summary>
public sealed class TextToleranceTests
{
    [Theory]
    [InlineData("50005", "  049111222    5  ", "mobile: +38349111222 500")]
    [InlineData("50005", "049111222 5#049222333 5", "mobile: +38349111222 500 | +38349222333 500")]
    [InlineData("50005", " 049111222 5   #   049222333 5 ", "mobile: +38349111222 500 | +38349222333 500")]
    [InlineData("50005", "049111222\t5\n#\r\n049222333 5", "mobile: +38349111222 500 | +38349222333 500")]
    [InlineData("50005", "049111222\u00A05", "mobile: +38349111222 500")]
    [InlineData("50005", "fix abc", "fixed: account abc null")]
    [InlineData("50005", "Fix ABC", "fixed: account ABC null")]
    [InlineData("50005", "DuOtV abc", "duo: account abc null")]
    [InlineData("50005", "TV abc", "tv: account abc null")]
    [InlineData("50005", "INTERNET abc", "internet: account abc null")]
    [InlineData("50000", "FIKS 038111222 5", "fixed: number +38338111222 500")]
    [InlineData("50000", "int abc", "internet: account abc null")]
    [InlineData("50333", "  tV  ", "tv: account null null")]
    [InlineData("50333", "duotv", "duo: account null null")]
    [InlineData("50001", "Ipko abc Duotv", "duo: account abc null")]
    [InlineData("50005", "5", "mobile: +38349123456 500")]
    [InlineData("50005", "5€", "mobile: +38349123456 500")]
    [InlineData("50005", "5 €", "mobile: +38349123456 500")]
    [InlineData("50005", "5 EUR", "mobile: +38349123456 500")]
    [InlineData("50005", "5 eur", "mobile: +38349123456 500")]
    [InlineData("50005", "2.50", "mobile: +38349123456 250")]
    [InlineData("50005", "2,50", "mobile: +38349123456 250")]
    [InlineData("50005", "049111222 2,50 EUR", "mobile: +38349111222 250")]
    [InlineData("50005", "+38349111222 5", "mobile: +38349111222 500")]
    [InlineData("50005", "38349111222 5", "mobile: +38349111222 500")]
    [InlineData("50005", "0038349111222 5", "mobile: +38349111222 500")]
    [InlineData("50005", "49111222 5", "mobile: +38349111222 500")]
    public void Parse_TolerableVariation_ReadsTheSameTargets(string shortCode, string text, string expected) =>
        Assert.Equal(expected, Grammars.Render(Grammars.Parse(shortCode, text)));

    [Theory]
    [InlineData("50005", "")]
    [InlineData("50005", "   ")]
    [InlineData("50005", "#")]
    [InlineData("50005", "5 # ")]
    [InlineData("50005", "##")]
    [InlineData("50005", "5 5")]
    [InlineData("50005", "5 USD")]
    [InlineData("50005", "€5")]
    public void Parse_NotATopUp_IsUnknownCommand(string shortCode, string text) =>
        Grammars.AssertRefused(Grammars.Parse(shortCode, text), "BEK", "UNKNOWN_COMMAND");

    [Fact]
    public void Parse_UnknownShortCode_NamesNoBank()
    {
        SmsInterpretation result = Grammars.Parse("12345", "5");

        Assert.Null(result.Bank);
        Assert.Equal("UNKNOWN_SHORT_CODE", result.Error!.Code);
    }
}
