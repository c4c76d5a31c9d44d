using FsCheck.Xunit;

namespace Mbushja.Text.Tests;

public sealed class TransliterationTests
{
    [Theory]
    [InlineData("Pagesa u krye me sukses", "Pagesa u krye me sukses")]
    [InlineData("U tërhoqën 5.00 € për DTV Familjare", "U terhoqen 5.00 € per DTV Familjare")]
    [InlineData("Ç ç Ë ë", "Ç c E e")]                     // Ç is GSM-7, ç is not
    [InlineData("Uspešno plaćeno, đak, Džep", "Uspesno placeno, djak, Dzep")]
    [InlineData("Плаћено", "Placeno")]
    [InlineData("Љубав Њива Џеп", "Ljubav Njiva Dzep")]
    [InlineData("“Faleminderit” – OK…", "\"Faleminderit\" - OK...")]
    [InlineData("Done 💸!", "Done ?!")]                     // a surrogate pair becomes one '?'
    [InlineData("é è à Ä", "é è à Ä")]                     // GSM-7 has these
    [InlineData("Zgjidhni paketën", "Zgjidhni paketen")]
    [InlineData("Plaćanja, Uspešno, čžđ Đ", "Placanja, Uspesno, czdj Dj")]
    [InlineData("Duo – mini", "Duo - mini")]
    [InlineData("8.50 € é à ñ Ø", "8.50 € é à ñ Ø")]
    [InlineData("a\u0007b", "a?b")]                        // nothing in GSM-7 stands for BEL
    [InlineData("a\u200Bb", "ab")]                         // a zero-width space is nothing to show
    public void ToGsm7_Text_GivesTheExpected(string text, string expected)
    {
        string result = Transliteration.ToGsm7(text);

        Assert.Equal(expected, result);
        Assert.True(Gsm7.CanEncode(result));
    }

    [Property(MaxTest = 500)]
    public bool ToGsm7_AnyText_IsGsm7(string? text) => text is null || Gsm7.CanEncode(Transliteration.ToGsm7(text));
}
