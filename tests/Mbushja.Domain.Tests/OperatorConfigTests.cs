namespace Mbushja.Domain.Tests;

/// <summary>
/// A broken configuration is refused with a <see cref="ConfigurationException"/> naming every mistake, so an
/// operator fixes it in one go.
/// </summary>
public sealed class OperatorConfigTests
{
    private const string PpvAmounts = "\"amounts\": [\"2\", \"5\", \"10\"]";

    private const string DtvKind = "\"DTV Familjare\",   \"kind\": \"tv\"";

    /// <summary>One broken configuration per row: which file, what to replace with what, and what the error names.</summary>
    public static TheoryData<string, string, string, string[]> BrokenConfigs => new()
    {
        // A second DUO_TV instead of INTERNET_1.
        { "catalog", "\"code\": \"INTERNET_1\"", "\"code\": \"DUO_TV\"", ["catalog.json", "DUO_TV"] },
        { "catalog", DtvKind, "\"DTV Familjare\", \"kind\": \"radio\"", ["catalog.json", "DTV_FAMILJARE", "radio"] },
        { "catalog", "\"price\": \"8.50\"", "\"price\": \"8.505\"", ["catalog.json", "DTV_FAMILJARE", "price", "8.505"] },
        { "catalog", "\"price\": \"8.50\"", "\"price\": \"8,50 EUR\"", ["catalog.json", "DTV_FAMILJARE", "price"] },
        { "catalog", "\"price\": \"8.50\"", "\"price\": \"0\"", ["catalog.json", "DTV_FAMILJARE", "price"] },
        { "catalog", PpvAmounts, "\"price\": \"3.00\", " + PpvAmounts, ["catalog.json", "PPV", "price", "amounts"] },
        { "catalog", PpvAmounts, "\"ussd\": true", ["catalog.json", "PPV", "price", "amounts"] },
        { "catalog", PpvAmounts, "\"amounts\": [\"2\", \"-5\"]", ["catalog.json", "PPV", "amounts", "-5"] },
        { "catalog", "\"asksFor\": [\"username\"],             \"price\": \"14.90\"", "\"asksFor\": [\"email\"], \"price\": \"14.90\"", ["catalog.json", "INTERNET_1", "email"] },
        { "catalog", "\"asksFor\": [\"username\"],             \"price\": \"14.90\"", "\"asksFor\": [], \"price\": \"14.90\"", ["catalog.json", "INTERNET_1", "asksFor"] },
        { "catalog", "\"asksFor\": [\"username\"],             \"price\": \"14.90\"", "\"asksFor\": [\"1\"], \"price\": \"14.90\"", ["catalog.json", "INTERNET_1", "asksFor", "'1'"] },
        { "catalog", "\"asksFor\": [\"username\"],             \"price\": \"14.90\"", "\"asksFor\": [\"username,contract\"], \"price\": \"14.90\"", ["catalog.json", "INTERNET_1", "username,contract"] },
        { "catalog", "\"code\": \"PPV\"", "\"code\": \"ppv-1\"", ["catalog.json", "ppv-1", "code"] },
        { "catalog", "\"name\": \"DUO TV\"", "\"name\": \" \"", ["catalog.json", "DUO_TV", "name"] },
        { "catalog", "\"from\": \"2016-04-01\"", "\"from\": \"2016-13-01\"", ["catalog.json", "serviceFee", "2016-13-01"] },
        { "catalog", "\"from\": \"2016-04-01\"", "\"from\": \"1 April 2016\"", ["catalog.json", "serviceFee", "1 April 2016"] },
        { "catalog", "\"fee\": \"0.50\"", "\"fee\": \"0.505\"", ["catalog.json", "serviceFee", "fee"] },
        { "catalog", "\"from\": \"2016-04-01\", \"fee\": \"0.50\" }", "\"from\": \"2016-04-01\", \"fee\": \"0.50\" }, { \"from\": \"2016-04-01\", \"fee\": \"0.70\" }", ["catalog.json", "2016-04-01"] },
        { "catalog", "\"ussd\": false }", "\"ussd\": false ", ["catalog.json"] }, // malformed JSON
        { "catalog", "\"ussd\": false", "\"ussd\": false, \"colour\": \"red\"", ["catalog.json", "colour"] }, // unknown field
        { "catalog", "\"serviceFee\"", "\"serviceFees\"", ["catalog.json", "serviceFees"] },
        { "operator", "\"timeZone\": \"Europe/Belgrade\"", "\"timeZone\": \"Europe/Atlantis\"", ["operator.json", "timeZone", "Europe/Atlantis"] },
        { "operator", "\"defaultLanguage\": \"sq\"", "\"defaultLanguage\": \"de\"", ["operator.json", "defaultLanguage", "de"] },
        { "operator", "\"operatorPrefixes\": [\"049\", \"043\"]", "\"operatorPrefixes\": [\"049\", \"038\"]", ["operator.json", "numbering", "038"] },
        { "operator", "\"countryCode\": \"383\"", "\"countryCode\": \"38x\"", ["operator.json", "numbering", "38x"] },
        { "operator", "\"name\": \"IPKO\",", "\"name\": \"IPKO\"", ["operator.json"] }, // malformed JSON
        { "operator", "\"name\": \"IPKO\",", "\"name\": \"IPKO\", \"currency\": \"USD\",", ["operator.json", "currency"] }, // unknown field
    };

    [Theory]
    [MemberData(nameof(BrokenConfigs))]
    public void Load_BrokenConfig_ThrowsNamingTheProblem(string file, string find, string replace, string[] errorMentions)
    {
        string op = ConfigFolder.ShippedOperator;
        string cat = ConfigFolder.ShippedCatalog;
        if (file == "operator")
        {
            op = ConfigFolder.Edit(op, find, replace);
        }
        else
        {
            cat = ConfigFolder.Edit(cat, find, replace);
        }

        using ConfigFolder folder = ConfigFolder.With(op, cat);

        ConfigurationException e = Assert.Throws<ConfigurationException>(() => OperatorConfig.Load(folder.Path));

        string error = Assert.Single(e.Errors);
        Assert.All(errorMentions, m => Assert.Contains(m, error, StringComparison.Ordinal));
        Assert.Contains(error, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_UnchangedCopyOfShippedConfig_Loads()
    {
        using ConfigFolder folder = ConfigFolder.With(ConfigFolder.ShippedOperator, ConfigFolder.ShippedCatalog);

        OperatorConfig config = OperatorConfig.Load(folder.Path);

        Assert.Equal(9, config.Catalog.Packages.Count);
    }

    [Theory]
    [InlineData(true, false, "catalog.json")]
    [InlineData(false, true, "operator.json")]
    public void Load_MissingFile_ThrowsNamingTheFile(bool writeOperator, bool writeCatalog, string missing)
    {
        using ConfigFolder folder = ConfigFolder.With(
            writeOperator ? ConfigFolder.ShippedOperator : null,
            writeCatalog ? ConfigFolder.ShippedCatalog : null);

        ConfigurationException e = Assert.Throws<ConfigurationException>(() => OperatorConfig.Load(folder.Path));

        Assert.Contains(missing, Assert.Single(e.Errors), StringComparison.Ordinal);
    }

    [Fact]
    public void Load_MissingFolder_ReportsBothFiles()
    {
        string nowhere = Path.Combine(Path.GetTempPath(), "mbushja-no-such-" + Guid.NewGuid().ToString("N"));

        ConfigurationException e = Assert.Throws<ConfigurationException>(() => OperatorConfig.Load(nowhere));

        Assert.Equal(2, e.Errors.Count);
        Assert.Contains("operator.json", e.Errors[0], StringComparison.Ordinal);
        Assert.Contains("catalog.json", e.Errors[1], StringComparison.Ordinal);
    }

    [Fact]
    public void Load_SeveralMistakes_ReportsAllOfThemAtOnce()
    {
        string op = ConfigFolder.ShippedOperator;
        op = ConfigFolder.Edit(op, "\"timeZone\": \"Europe/Belgrade\"", "\"timeZone\": \"Europe/Atlantis\"");
        op = ConfigFolder.Edit(op, "\"defaultLanguage\": \"sq\"", "\"defaultLanguage\": \"fr\"");
        string cat = ConfigFolder.ShippedCatalog;
        cat = ConfigFolder.Edit(cat, DtvKind, "\"DTV Familjare\", \"kind\": \"radio\"");
        cat = ConfigFolder.Edit(cat, "\"price\": \"17.90\"", "\"price\": \"17.905\"");
        cat = ConfigFolder.Edit(cat, "\"code\": \"INTERNET_2\"", "\"code\": \"INTERNET_1\"");
        cat = ConfigFolder.Edit(cat, "\"asksFor\": [\"username\", \"contract\"], \"price\": \"29.90\"", "\"asksFor\": [\"iban\"], \"price\": \"29.90\"");
        cat = ConfigFolder.Edit(cat, PpvAmounts, "\"price\": \"3.00\", " + PpvAmounts);
        cat = ConfigFolder.Edit(cat, "\"from\": \"2016-04-01\"", "\"from\": \"2016-04-31\"");
        using ConfigFolder folder = ConfigFolder.With(op, cat);

        ConfigurationException e = Assert.Throws<ConfigurationException>(() => OperatorConfig.Load(folder.Path));

        string[] expected = ["Europe/Atlantis", "'fr'", "radio", "17.905", "INTERNET_1", "iban", "PPV", "2016-04-31"];
        Assert.Equal(expected.Length, e.Errors.Count);
        Assert.All(expected, m => Assert.Single(e.Errors, error => error.Contains(m, StringComparison.Ordinal)));
    }

    [Fact]
    public void Load_BothFilesMalformed_ReportsBoth()
    {
        using ConfigFolder folder = ConfigFolder.With("{ \"name\": ", "[ }");

        ConfigurationException e = Assert.Throws<ConfigurationException>(() => OperatorConfig.Load(folder.Path));

        Assert.Equal(2, e.Errors.Count);
        Assert.StartsWith("operator.json", e.Errors[0], StringComparison.Ordinal);
        Assert.StartsWith("catalog.json", e.Errors[1], StringComparison.Ordinal);
    }

    [Fact]
    public void Load_MalformedOperatorAndBrokenCatalog_ReportsBoth()
    {
        string cat = ConfigFolder.Edit(ConfigFolder.ShippedCatalog, DtvKind, "\"DTV Familjare\", \"kind\": \"radio\"");
        using ConfigFolder folder = ConfigFolder.With("{ \"name\": ", cat);

        ConfigurationException e = Assert.Throws<ConfigurationException>(() => OperatorConfig.Load(folder.Path));

        Assert.Equal(2, e.Errors.Count);
        Assert.Single(e.Errors, error => error.StartsWith("operator.json", StringComparison.Ordinal));
        Assert.Single(e.Errors, error => error.Contains("radio", StringComparison.Ordinal));
    }

    [Fact]
    public void Load_NoPackages_ThrowsNamingTheCatalog()
    {
        using ConfigFolder folder = ConfigFolder.With(
            ConfigFolder.ShippedOperator,
            "{ \"packages\": [], \"serviceFee\": [{ \"from\": \"2016-04-01\", \"fee\": \"0.50\" }] }");

        ConfigurationException e = Assert.Throws<ConfigurationException>(() => OperatorConfig.Load(folder.Path));

        Assert.Contains("packages", Assert.Single(e.Errors), StringComparison.Ordinal);
    }

    [Fact]
    public void Load_DefaultLanguageLeftOut_IsAlbanian()
    {
        string op = ConfigFolder.Edit(ConfigFolder.ShippedOperator, "\"defaultLanguage\": \"sq\",", "");
        using ConfigFolder folder = ConfigFolder.With(op, ConfigFolder.ShippedCatalog);

        Assert.Equal(Language.Sq, OperatorConfig.Load(folder.Path).DefaultLanguage);
    }

    [Fact]
    public void Load_ZeroFee_IsAccepted()
    {
        string cat = ConfigFolder.Edit(
            ConfigFolder.ShippedCatalog,
            "{ \"from\": \"2016-04-01\", \"fee\": \"0.50\" }",
            "{ \"from\": \"2016-04-01\", \"fee\": \"0.50\" }, { \"from\": \"2030-01-01\", \"fee\": \"0\" }");
        using ConfigFolder folder = ConfigFolder.With(ConfigFolder.ShippedOperator, cat);

        FeeSchedule fees = OperatorConfig.Load(folder.Path).Catalog.Fees;

        Assert.Equal(50, fees.FeeOn(new DateOnly(2029, 12, 31)).Cents);
        Assert.Equal(0, fees.FeeOn(new DateOnly(2030, 1, 1)).Cents);
    }
}
