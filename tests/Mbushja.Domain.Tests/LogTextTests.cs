namespace Mbushja.Domain.Tests;

/// <summary>Text from outside in a log line: nothing in it can end the line, drive a terminal or turn the text around.</summary>
public sealed class LogTextTests
{
    [Theory]
    [InlineData("drita", "drita")]
    [InlineData("Arta Krasniqi ë ç", "Arta Krasniqi ë ç")]
    [InlineData("", "")]
    [InlineData(null, "")]
    [InlineData("a\rb", @"a\rb")]
    [InlineData("a\nb", @"a\nb")]
    [InlineData("a\r\n12:00:00 info: forged", @"a\r\n12:00:00 info: forged")]
    [InlineData("a\tb", @"a\tb")]
    [InlineData("\u001b[31mred", @"\u001b[31mred")]
    [InlineData("nul\0", @"nul\u0000")]
    [InlineData("del\u007f", @"del\u007f")]
    [InlineData("nel\u0085", @"nel\u0085")]
    [InlineData("csi\u009b", @"csi\u009b")]
    [InlineData("line\u2028para\u2029", @"line\u2028para\u2029")]
    [InlineData("\u202etxt.exe", @"\u202etxt.exe")]
    [InlineData("\u202a\u202b\u202c\u202d", @"\u202a\u202b\u202c\u202d")]
    [InlineData("\u2066\u2067\u2068\u2069", @"\u2066\u2067\u2068\u2069")]
    [InlineData("\u200e\u200f\u061c", @"\u200e\u200f\u061c")]
    [InlineData(@"a\nb", @"a\\nb")] // a backslash typed as such: the log shows it cannot be an escape
    [InlineData("😀", "😀")]
    public void Escape_TextFromOutside_ShowsWhatCouldForgeALine(string? text, string expected)
    {
        Assert.Equal(expected, LogText.Escape(text));
        Assert.Equal(expected, new LogText(text).ToString());
    }

    [Fact]
    public void Escape_HalfACharacter_IsShownAsItsCode()
    {
        // Built here: a theory's data passes through UTF-8, which has no half characters.
        Assert.Equal(@"a\ud83d", LogText.Escape("a" + '\ud83d'));
        Assert.Equal(@"x\ude00y", LogText.Escape("x" + '\ude00' + "y"));
        Assert.Equal(@"\ude00\ud83d", LogText.Escape(new string(['\ude00', '\ud83d'])));
    }

    [Fact]
    public void Escape_NothingToEscape_IsTheSameString()
    {
        string text = "049111111 drita.tv K-1002";

        Assert.Same(text, LogText.Escape(text));
    }

    [Theory]
    [InlineData("+38349123456", "+38349****56")]
    [InlineData("\u001b[2J\r\n049123456", @"\u001b[2J\r\n*******56")]
    [InlineData("\r\n\r\n\r\n\u202e12", @"\r\n\r\n\r\n*12")]
    [InlineData("0491\u202e\r\n123456\u2028\n", @"0491\u202e\r*******\u2028\n")]
    public void Mask_StillMasks_AndEscapesWhatItKeeps(string value, string expected) =>
        Assert.Equal(expected, Numbering.Mask(value));
}
