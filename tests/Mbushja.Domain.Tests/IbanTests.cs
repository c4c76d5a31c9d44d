
namespace Mbushja.Domain.Tests;

/// <summary>ISO 13616 IBANs as bank staff type them: one row per input and its normalised value or the refusal.</summary>
public sealed class IbanTests
{
    public static TheoryData<string, string> Valid => new()
    {
        { "XK051212012345678906", "XK051212012345678906" },
        { "xk051212012345678906", "XK051212012345678906" },
        { "XK05 1212 0123 4567 8906", "XK051212012345678906" },
        { "  xk05 1212 0123 4567 8906  ", "XK051212012345678906" },
        { "XK051301001002074155", "XK051301001002074155" },
        { "XK021212000000000080", "XK021212000000000080" }, // the smallest computed check digits
        { "DE89370400440532013000", "DE89370400440532013000" },
        { "GB82 WEST 1234 5698 7654 32", "GB82WEST12345698765432" }, // letters in the BBAN
        { "gb82west12345698765432", "GB82WEST12345698765432" },
        { "NO9386011117947", "NO9386011117947" }, // the shortest in the registry
    };

    [Theory]
    [MemberData(nameof(Valid))]
    public void Parse_ValidIban_ReturnsItNormalised(string input, string expected)
    {
        ParseResult<Iban> result = Iban.Parse(input);

        Assert.True(result.Success, result.ToString());
        Assert.Equal(expected, result.Value.Value);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("XK061212012345678906")] // check digits wrong
    [InlineData("XK051212012345678907")] // one digit mistyped
    [InlineData("XK051212012345678960")] // two digits swapped
    [InlineData("XK991212000000000080")] // 99 passes mod 97 (it equals 02) but is never computed
    [InlineData("XK0512120123456789")] // Kosovo: too short
    [InlineData("XK05121201234567890600")] // Kosovo: too long
    [InlineData("XK05121201234567890A")] // Kosovo: letters in the BBAN
    [InlineData("DE8937040044053201300")] // digit missing
    [InlineData("NO938601111794")] // shorter than any IBAN
    [InlineData("DE89370400440532013000123456789012345")] // longer than 34
    [InlineData("1289370400440532013000")] // no country code
    [InlineData("DEXX370400440532013000")] // no check digits
    [InlineData("XK05-1212-0123-4567-8906")] // dashes are not spaces
    [InlineData("XK05121201234567890€")]
    [InlineData("not an iban at all")]
    [InlineData("XK051212012345678906XK051212012345678906XK051212012345678906XK051212012345678906XK051212012345678906XK051212012345678906XK051212012345678906")]
    public void Parse_InvalidIban_FailsWithInvalidAccountRef(string? input)
    {
        ParseResult<Iban> result = Iban.Parse(input);

        Assert.False(result.Success);
        Assert.Equal(ErrorCodes.InvalidAccountRef, result.Error.Code);
        Assert.False(string.IsNullOrWhiteSpace(result.Error.Message));
    }

    [Fact]
    public void Masked_HidesAllButCountryCheckDigitsAndLastFour()
    {
        Iban iban = Iban.Parse("XK051212012345678906").Value;

        Assert.Equal("XK05************8906", iban.Masked);
        Assert.Equal("XK", iban.CountryCode);
    }

    [Fact]
    public void Parse_AnyValidIbanWithOneCharacterChanged_IsRefused()
    {
        const string iban = "XK051212012345678906";
        for (int i = 4; i < iban.Length; i++)
        {
            char changed = iban[i] == '9' ? '0' : (char)(iban[i] + 1);
            string typo = string.Concat(iban.AsSpan(0, i), changed.ToString(), iban.AsSpan(i + 1));

            Assert.False(Iban.Parse(typo).Success, typo);
        }
    }
}
