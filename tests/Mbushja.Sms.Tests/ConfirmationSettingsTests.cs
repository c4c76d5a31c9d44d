using Mbushja.Domain;

namespace Mbushja.Sms.Tests;

/// <summary>
/// A bank file's <c>"confirmation"</c> (README "Confirmation above a threshold"): absent, the bank asks for none; every
/// field may be left out (PSD2's defaults); each mistake is refused when the configuration loads, naming the field.
/// </summary>
public sealed class ConfirmationSettingsTests
{
    private static string Bank(string? confirmation) =>
        $$"""
        {
          "code": "XYZ", "name": "Test Bank", "shortCode": "50999", "minAmount": "1", "maxAmount": "100",
          "forms": [ { "pattern": "{amount}", "kind": "mobile" } ],
          {{(confirmation is null ? "" : "\"confirmation\": " + confirmation + ",")}}
          "help": { "sq": "ndihmë", "en": "help", "sr": "pomoć" }
        }
        """;

    private static Bank? Load(string? confirmation)
    {
        using ConfigCopy config = new ConfigCopy().With("XYZ", Bank(confirmation));
        return BankDirectory.Load(config.Path).ByCode("XYZ");
    }

    [Fact]
    public void Load_Shipped_TebConfirmsWithTheDefaults_TheOthersDoNot()
    {
        BankDirectory banks = BankDirectory.Load(Grammars.Shipped);

        Assert.Equal(["TEB"], banks.Banks.Where(b => b.Confirmation is not null).Select(b => b.Code));
        Assert.Equal(BankConfirmation.Default with { Words = banks.ByCode("TEB")!.Confirmation!.Words }, banks.ByCode("TEB")!.Confirmation);
    }

    [Theory]
    [InlineData(null, "none")]
    [InlineData("{}", "30.00 5 100.00 300 3 Code PO/YES/DA")]
    [InlineData("""{ "thresholdAmount": "50", "maxPayments": 3, "maxSumAmount": "150,50", "windowSeconds": 120, "maxAttempts": 5, "method": "PIN" }""", "50.00 3 150.50 120 5 Pin PO/YES/DA")]
    [InlineData("""{ "words": { "sq": "Konfirmo", "en": "OK", "sr": "Potvrdi" } }""", "30.00 5 100.00 300 3 Code Konfirmo/OK/Potvrdi")]
    public void Load_Written_ReadAsTheBanksSettings(string? confirmation, string expected)
    {
        BankConfirmation? c = Load(confirmation)!.Confirmation;

        Assert.Equal(
            expected,
            c is null
                ? "none"
                : $"{c.Threshold.ToDecimalString()} {c.MaxPayments} {c.MaxSum.ToDecimalString()} {c.Window.TotalSeconds} {c.MaxAttempts} {c.Method} "
                  + string.Join('/', Enum.GetValues<Language>().Select(c.WordFor)));
    }

    [Theory]
    [InlineData("""{ "thresholdAmount": "lots" }""", "thresholdAmount must be an amount")]
    [InlineData("""{ "maxPayments": 0 }""", "maxPayments must be 1 to 1000")]
    [InlineData("""{ "windowSeconds": 5 }""", "windowSeconds must be 30 to 3600")]
    [InlineData("""{ "maxAttempts": 11 }""", "maxAttempts must be 1 to 10")]
    [InlineData("""{ "method": "sms" }""", "method 'sms' is not code or pin")]
    [InlineData("""{ "words": { "sq": "PO", "en": "YES 1" , "sr": "DA" } }""", "words.en must be one word of letters")]
    [InlineData("""{ "words": { "sq": "PO", "en": "YES" } }""", "words: the word in 'sr' is missing")]
    [InlineData("""{ "thresholdAmount": "60", "maxSumAmount": "50" }""", "thresholdAmount must not be above maxSumAmount")]
    public void Load_AMistake_IsRefusedNamingTheField(string confirmation, string message)
    {
        using ConfigCopy config = new ConfigCopy().With("XYZ", Bank(confirmation));

        ConfigurationException e = Assert.Throws<ConfigurationException>(() => BankDirectory.Load(config.Path));

        Assert.Equal($"banks/XYZ.json: confirmation: {message}.", Assert.Single(e.Errors));
    }

    [Theory]
    [InlineData("YES 123456", true, "123456")]
    [InlineData("  po 123 456 ", true, "123456")]
    [InlineData("Da", true, "")]
    [InlineData("YESS 123456", false, "")]
    [InlineData("5", false, "")]
    [InlineData("", false, "")]
    public void IsConfirmation_AnyBanksWordThenTheCode(string text, bool confirms, string secret)
    {
        bool confirmed = BankConfirmation.Default.IsConfirmation(text, out string found);

        Assert.Equal((confirms, secret), (confirmed, found));
    }
}
