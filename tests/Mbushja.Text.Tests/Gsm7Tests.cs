
namespace Mbushja.Text.Tests;

/// <summary>3GPP TS 23.038 §6.2.1: which replies travel as GSM-7 and which need UCS-2.</summary>
public sealed class Gsm7Tests
{
    [Theory]
    [InlineData("", 0)]
    [InlineData("Done: +38349111222 +5.00 €, credit now 5.00 €. Ref 0A1B2C3D", 61)] // € is an extension: two septets
    [InlineData("@£$¥èéùìòÇØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ¤¡ÄÖÑÜ§¿äöñüà", 42)]
    [InlineData("a\nb\rc", 5)]
    [InlineData("{}[]~|^\\\f", 18)]
    public void Septets_GsmText_CountsExtensionsTwice(string text, int septets)
    {
        Assert.True(Gsm7.CanEncode(text));
        Assert.Equal(septets, Gsm7.Septets(text));
    }

    [Theory]
    [InlineData("U krye: +38349111222 +5.00 €. U tërhoqën 5.00 €")] // ë: Albanian replies are UCS-2
    [InlineData("ç")] // only the capital Ç is in the alphabet
    [InlineData("Uspešno")] // š
    [InlineData("plaćeno")] // ć
    [InlineData("💸")]
    [InlineData("\u001B")] // ESC alone is no character
    [InlineData("`")]
    public void CanEncode_CharacterOutsideTheAlphabet_IsFalse(string text)
    {
        Assert.False(Gsm7.CanEncode(text));
        Assert.Null(Gsm7.Septets(text));
    }
}
