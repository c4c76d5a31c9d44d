using Mbushja.Domain;

namespace Mbushja.Sms.Tests;

/// <summary>
/// Grammars are data, one file per bank in <c>config/ipko/banks</c>: what the loader accepts, and what it refuses
/// before any SMS is read.
/// </summary>
public sealed class GrammarLoadingTests
{
    private static string BankJson(string code, string shortCode, string forms, string help = """{ "sq": "ndihmë", "en": "help", "sr": "pomoć" }""") =>
        $$"""
        {
          // a test bank
          "code": "{{code}}", "name": "Test Bank {{code}}", "shortCode": "{{shortCode}}", "minAmount": "1", "maxAmount": "50",
          "forms": [ {{forms}} ],
          "help": {{help}}
        }
        """;

    private static ConfigurationException Refused(ConfigCopy config) => Assert.Throws<ConfigurationException>(() => config.Load());

    [Fact]
    public void Load_ShippedConfiguration_HasTheSixBanksOfTheSpec()
    {
        BankDirectory banks = BankDirectory.Load(Grammars.Shipped);

        Assert.Equal(
            ["BEK 50005 1.00-100.00", "BPB 50000 1.00-100.00", "NLB 50444 5.00-100.00", "PCB 50333 1.00-100.00", "RBKO 50222 1.00-100.00", "TEB 50001 1.00-100.00"],
            banks.Banks.Select(b => $"{b.Code} {b.ShortCode} {b.MinAmount.ToDecimalString()}-{b.MaxAmount.ToDecimalString()}"));
        Assert.All(banks.Banks, b => Assert.All(Enum.GetValues<Language>(), l => Assert.False(string.IsNullOrWhiteSpace(b.HelpText(l)))));
    }

    [Fact]
    public void Load_SeventhBank_IsAConfigChangeOnly()
    {
        using ConfigCopy config = new ConfigCopy().With("XYZ", BankJson("XYZ", "50999", """
            { "pattern": "{amount}", "kind": "mobile" },
            { "pattern": "NET {account}", "kind": "internet", "examples": ["NET abc"] }
            """));

        SmsInterpreter interpreter = config.Load();

        Assert.Equal("internet: account abc null", Grammars.Render(interpreter.Interpret("50999", Grammars.Sender, "net abc")));
        Assert.Equal("AMOUNT_OUT_OF_RANGE", interpreter.Interpret("50999", Grammars.Sender, "51").Error!.Code);
    }

    [Theory]
    [InlineData("""{ "pattern": "tv {account}", "kind": "tv" }, { "pattern": "{account} tv", "kind": "tv" }""", "'tv tv'")]
    [InlineData("""{ "pattern": "{mobile} {amount}", "kind": "mobile" }, { "pattern": "{account} {amount}", "kind": "fixed" }""", "'049123456 1'")]
    [InlineData("""{ "pattern": "FIX {account}", "kind": "fixed" }, { "pattern": "{account} {amount}", "kind": "fixed" }""", "'FIX 1'")]
    [InlineData("""{ "pattern": "tv", "kind": "tv" }, { "pattern": "{account}", "kind": "internet" }""", "'tv'")]
    public void Load_AmbiguousGrammar_IsRefusedWithATextThatShowsIt(string forms, string example)
    {
        using ConfigCopy config = new ConfigCopy().With("XYZ", BankJson("XYZ", "50999", forms));

        ConfigurationException e = Refused(config);

        string error = Assert.Single(e.Errors);
        Assert.StartsWith("banks/XYZ.json: ", error, StringComparison.Ordinal);
        Assert.Contains(example, error, StringComparison.Ordinal);
        Assert.Contains("can be read by both", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{ "pattern": "tv {acount}", "kind": "tv" }""", "'{acount}' is neither a keyword")]
    [InlineData("""{ "pattern": "", "kind": "tv" }""", "the pattern is empty")]
    [InlineData("""{ "pattern": "tv {account}", "kind": "radio" }""", "kind 'radio'")]
    [InlineData("""{ "pattern": "{mobile}", "kind": "mobile" }""", "a mobile form has {amount}")]
    [InlineData("""{ "pattern": "tv {account} {amount}", "kind": "tv" }""", "an internet, tv or duo form")]
    [InlineData("""{ "pattern": "{amount} {amount}", "kind": "mobile" }""", "{amount} appears more than once")]
    [InlineData("""{ "pattern": "tv {account}", "kind": "tv", "examples": ["tv"] }""", "the example 'tv' of 'tv {account}' is refused")]
    public void Load_BadForm_IsRefusedWithTheFileAndTheReason(string forms, string reason)
    {
        using ConfigCopy config = new ConfigCopy().With("XYZ", BankJson("XYZ", "50999", forms));

        ConfigurationException e = Refused(config);

        Assert.Contains(e.Errors, m => m.StartsWith("banks/XYZ.json", StringComparison.Ordinal) && m.Contains(reason, StringComparison.Ordinal));
    }

    [Fact]
    public void Load_ExampleReadByAnotherForm_IsRefused()
    {
        using ConfigCopy config = new ConfigCopy().With("XYZ", BankJson("XYZ", "50999", """
            { "pattern": "{amount}", "kind": "mobile" },
            { "pattern": "{mobile} {amount}", "kind": "mobile", "examples": ["5"] }
            """));

        Assert.Contains(Refused(config).Errors, m => m.Contains("the example '5' of '{mobile} {amount}' is read by '{amount}'", StringComparison.Ordinal));
    }

    [Fact]
    public void Load_MissingHelpLanguage_IsRefused()
    {
        using ConfigCopy config = new ConfigCopy().With("XYZ", BankJson("XYZ", "50999", """{ "pattern": "{amount}", "kind": "mobile" }""", """{ "sq": "ndihmë", "en": "help" }"""));

        Assert.Contains(Refused(config).Errors, m => m.Contains("help: the text in 'sr' is missing", StringComparison.Ordinal));
    }

    [Fact]
    public void Load_SettlementAccount_IsAnIbanWhenGiven_AndOptional()
    {
        using ConfigCopy config = new ConfigCopy()
            .With("XYZ", BankJson("XYZ", "50999", """{ "pattern": "{amount}", "kind": "mobile" }""").Replace("\"forms\"", "\"settlementAccount\": \"xk05 1212 0123 4567 8906\", \"forms\"", StringComparison.Ordinal))
            .With("ABC", BankJson("ABC", "50998", """{ "pattern": "{amount}", "kind": "mobile" }"""));

        BankDirectory banks = BankDirectory.Load(config.Path);

        Assert.Equal("XK051212012345678906", banks.ByCode("XYZ")!.SettlementAccount?.Value);
        Assert.Null(banks.ByCode("ABC")!.SettlementAccount);
        Assert.Equal("XK372001990000000157", BankDirectory.Load(Grammars.Shipped).ByCode("TEB")!.SettlementAccount?.Value);
    }

    [Fact]
    public void Load_SettlementAccountThatIsNoIban_IsRefused()
    {
        using ConfigCopy config = new ConfigCopy().With(
            "XYZ", BankJson("XYZ", "50999", """{ "pattern": "{amount}", "kind": "mobile" }""").Replace("\"forms\"", "\"settlementAccount\": \"XK05 1212 0123 4567 8907\", \"forms\"", StringComparison.Ordinal));

        Assert.Contains(Refused(config).Errors, m => m.StartsWith("banks/XYZ.json: settlementAccount: ", StringComparison.Ordinal));
    }

    [Fact]
    public void Load_ShortCodeOfAnotherBank_IsRefused()
    {
        using ConfigCopy config = new ConfigCopy().With("XYZ", BankJson("XYZ", "50005", """{ "pattern": "{amount}", "kind": "mobile" }"""));

        Assert.Contains(Refused(config).Errors, m => m.Contains("short code 50005 belongs to more than one bank", StringComparison.Ordinal));
    }

    [Fact]
    public void Load_FileNotNamedAfterItsBank_IsRefused()
    {
        using ConfigCopy config = new ConfigCopy().With("XYZ", BankJson("ABC", "50999", """{ "pattern": "{amount}", "kind": "mobile" }"""));

        Assert.Contains(Refused(config).Errors, m => m.Contains("must be named ABC.json", StringComparison.Ordinal));
    }

    [Fact]
    public void Load_BrokenJson_NamesTheFile()
    {
        using ConfigCopy config = new ConfigCopy().With("XYZ", "{ \"code\": ");

        Assert.Contains(Refused(config).Errors, m => m.StartsWith("banks/XYZ.json: ", StringComparison.Ordinal));
    }

    [Fact]
    public void Load_EveryMistake_IsReportedAtOnce()
    {
        using ConfigCopy config = new ConfigCopy()
            .With("XYZ", BankJson("XYZ", "50999", """{ "pattern": "tv {acount}", "kind": "tv" }"""))
            .With("ABC", BankJson("ABC", "5o", """{ "pattern": "{amount}", "kind": "mobil" }"""));

        ConfigurationException e = Refused(config);

        Assert.Contains(e.Errors, m => m.StartsWith("banks/XYZ.json", StringComparison.Ordinal));
        Assert.Contains(e.Errors, m => m.StartsWith("banks/ABC.json", StringComparison.Ordinal) && m.Contains("shortCode", StringComparison.Ordinal));
        Assert.Contains(e.Errors, m => m.StartsWith("banks/ABC.json", StringComparison.Ordinal) && m.Contains("kind 'mobil'", StringComparison.Ordinal));
    }

    [Fact]
    public void Load_NoBankFiles_IsRefused()
    {
        using var config = new ConfigCopy();
        foreach (string code in new[] { "BEK", "BPB", "NLB", "PCB", "RBKO", "TEB" })
        {
            config.With(code, null);
        }

        Assert.Contains(Refused(config).Errors, m => m.Contains("no bank is declared", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("BEK")]
    [InlineData("BPB")]
    [InlineData("NLB")]
    [InlineData("PCB")]
    [InlineData("RBKO")]
    [InlineData("TEB")]
    public void Load_ShippedBankWithAnAmbiguousFormAdded_IsRefused(string code)
    {
        using var config = new ConfigCopy();
        string shipped = config.ShippedBank(code);
        const string ambiguous = """ "forms": [ { "pattern": "{account} {amount}", "kind": "fixed" },""";
        config.With(code, shipped.Replace(" \"forms\": [", ambiguous, StringComparison.Ordinal));

        Assert.Contains(Refused(config).Errors, m => m.StartsWith($"banks/{code}.json", StringComparison.Ordinal) && m.Contains("can be read by both", StringComparison.Ordinal));
    }
}
