using Mbushja.Domain;

namespace Mbushja.Sms.Tests;

/// <summary>
/// The renewal words of every shipped bank (its file's <c>"renewal"</c>): a text that begins with them is a renewal,
/// and what follows is read by the bank's own grammar. One row per text.
/// </summary>
public sealed class RenewalWordsTests
{
    [Theory]
    [InlineData("50005", "AUTO internet drita", "start", "internet drita", "internet: account drita null")]
    [InlineData("50005", "auto   TV  arta.tv", "start", "TV arta.tv", "tv: account arta.tv null")]
    [InlineData("50005", "STOP AUTO internet drita", "stop", "internet drita", "internet: account drita null")]
    [InlineData("50005", "stop auto", "stop", "", null)]
    [InlineData("50001", "AUTO ipko drita int", "start", "ipko drita int", "internet: account drita null")]
    [InlineData("50333", "AUTO tv", "start", "tv", "tv: account null null")]
    [InlineData("50000", "AUTO Int drita", "start", "Int drita", "internet: account drita null")]
    [InlineData("50444", "STOP AUTO internet drita", "stop", "internet drita", "internet: account drita null")]
    [InlineData("50222", "AUTO drita INTERNET", "start", "drita INTERNET", "internet: account drita null")]
    public void ReadRenewal_TheBanksWordsThenAPackagePayment_ReadAsTheGrammarReadsIt(string shortCode, string text, string action, string rest, string? payment)
    {
        RenewalReading reading = Grammars.Interpreter.ReadRenewal(shortCode, Grammars.Sender, text)!;

        Assert.Equal((action, rest), (reading.Action.ToString().ToLowerInvariant(), reading.Text));
        if (payment is null)
        {
            Assert.Null(reading.Payment);
        }
        else
        {
            Assert.Equal(payment, Grammars.Render(reading.Payment!));
            Assert.NotNull(reading.Package);
        }
    }

    [Theory]
    [InlineData("50005", "AUTO 5")]
    [InlineData("50005", "AUTO 049123456 5")]
    [InlineData("50005", "AUTO something else")]
    public void ReadRenewal_WordsThenNoPackagePayment_IsARenewalWithoutPackage(string shortCode, string text) =>
        Assert.Null(Grammars.Interpreter.ReadRenewal(shortCode, Grammars.Sender, text)!.Package);

    [Theory]
    [InlineData("50005", "internet drita")]
    [InlineData("50005", "AUTOMATIK internet drita")]
    [InlineData("50005", "AUTO internet drita # 5")]
    [InlineData("50005", "")]
    [InlineData("59999", "AUTO internet drita")]
    public void ReadRenewal_AnyOtherText_IsNone(string shortCode, string text) =>
        Assert.Null(Grammars.Interpreter.ReadRenewal(shortCode, Grammars.Sender, text));

    [Fact]
    public void Load_ShippedBanks_OfferRenewalsWithThreeDaysAndThreeTries()
    {
        Assert.All(BankDirectory.Load(Grammars.Shipped).Banks, b =>
            Assert.Equal((true, "AUTO", "STOP AUTO", 3, 3, TimeSpan.FromHours(6)), (b.Renewal.Enabled, b.Renewal.StartText, b.Renewal.StopText, b.Renewal.ReminderDays, b.Renewal.Attempts, b.Renewal.RetryAfter)));
    }

    [Theory]
    [InlineData("\"renewal\": { \"start\": \"STOP AUTO NOW\", \"stop\": \"STOP AUTO\" },", "renewal.start must not begin with the words of renewal.stop")]
    [InlineData("\"renewal\": { \"reminderDays\": 0 },", "renewal.reminderDays must be 1 to 28")]
    [InlineData("\"renewal\": { \"attempts\": 11 },", "renewal.attempts must be 1 to 10")]
    [InlineData("\"renewal\": { \"start\": \"AUTO 1\" },", "renewal.start must be one or more words of letters")]
    public void Load_BadRenewalSettings_AreRefusedWithTheFileAndTheReason(string renewal, string reason)
    {
        using ConfigCopy config = new ConfigCopy().With("XYZ", Bank(renewal, """{ "pattern": "NET {account}", "kind": "internet" }"""));

        ConfigurationException e = Assert.Throws<ConfigurationException>(() => config.Load());

        Assert.Contains(e.Errors, m => m.StartsWith("banks/XYZ.json", StringComparison.Ordinal) && m.Contains(reason, StringComparison.Ordinal));
    }

    [Fact]
    public void Load_AFormBeginningWithTheRenewalWords_IsRefused()
    {
        using ConfigCopy config = new ConfigCopy().With("XYZ", Bank("", """{ "pattern": "AUTO {account}", "kind": "internet" }"""));

        ConfigurationException e = Assert.Throws<ConfigurationException>(() => config.Load());

        Assert.Contains(e.Errors, m => m.Contains("begins with the renewal words", StringComparison.Ordinal));
    }

    private static string Bank(string renewal, string forms) =>
        $$"""
        {
          "code": "XYZ", "name": "Test Bank", "shortCode": "50999", "minAmount": "1", "maxAmount": "50",
          {{renewal}}
          "forms": [ {{forms}} ],
          "help": { "sq": "ndihmë", "en": "help", "sr": "pomoć" }
        }
        """;
}
