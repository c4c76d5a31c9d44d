namespace Mbushja.Domain.Tests;

/// <summary>The catalog and the USSD service fee, as shipped in <c>config/ipko/catalog.json</c>.</summary>
public sealed class CatalogTests
{
    private static readonly Lazy<OperatorConfig> Shipped = new(() => OperatorConfig.Load(ConfigFolder.Shipped));

    private static Catalog ShippedCatalog => Shipped.Value.Catalog;

    [Fact]
    public void Load_ShippedConfig_HasTheNinePackagesInSpecOrder()
    {
        Assert.Equal(
            ["DTV_FAMILJARE", "DUO_TV", "INTERNET_1", "INTERNET_2", "INTERNET_3", "DUO_MINI", "DUO_MAXI", "PPV", "FIXED_LINE"],
            ShippedCatalog.Packages.Select(p => p.Code));
    }

    [Theory]
    [InlineData(0, "DTV_FAMILJARE", "DTV Familjare", ServiceKind.Tv, 850L, new[] { IdentifierKind.SmartCard }, true)]
    [InlineData(1, "DUO_TV", "DUO TV", ServiceKind.Duo, 1790L, new[] { IdentifierKind.SmartCard }, true)]
    [InlineData(2, "INTERNET_1", "Internet Pako 1", ServiceKind.Internet, 1490L, new[] { IdentifierKind.Username }, true)]
    [InlineData(3, "INTERNET_2", "Internet Pako 2", ServiceKind.Internet, 1990L, new[] { IdentifierKind.Username }, true)]
    [InlineData(4, "INTERNET_3", "Internet Pako 3", ServiceKind.Internet, 2490L, new[] { IdentifierKind.Username }, true)]
    [InlineData(5, "DUO_MINI", "Duo – mini", ServiceKind.Duo, 2190L, new[] { IdentifierKind.Username, IdentifierKind.Contract }, true)]
    [InlineData(6, "DUO_MAXI", "Duo – maxi", ServiceKind.Duo, 2990L, new[] { IdentifierKind.Username, IdentifierKind.Contract }, true)]
    [InlineData(7, "PPV", "PPV kredit", ServiceKind.Tv, null, new[] { IdentifierKind.SmartCard }, true)]
    [InlineData(8, "FIXED_LINE", "Telefonia fikse", ServiceKind.Fixed, 500L, new[] { IdentifierKind.Number }, false)]
    public void Load_ShippedConfig_PackageMatchesSpecTable(
        int index, string code, string name, ServiceKind kind, long? priceCents, IdentifierKind[] asksFor, bool inUssd)
    {
        Package p = ShippedCatalog.Packages[index];

        Assert.Equal(code, p.Code);
        Assert.Equal(name, p.Name);
        Assert.Equal(kind, p.Kind);
        Assert.Equal(priceCents, p.Price?.Cents);
        Assert.Equal(asksFor, p.AsksFor);
        Assert.Equal(inUssd, p.InUssdMenu);
        Assert.Same(p, ShippedCatalog.Find(code));
    }

    [Fact]
    public void Load_ShippedConfig_PpvHasChosenAmountsAndNoPrice()
    {
        Package ppv = ShippedCatalog.Find("PPV")!;

        Assert.Null(ppv.Price);
        Assert.Equal([200L, 500L, 1000L], ppv.Amounts.Select(a => a.Cents));
    }

    [Fact]
    public void Load_ShippedConfig_PricedPackagesHaveNoAmounts()
    {
        Assert.All(ShippedCatalog.Packages.Where(p => p.Code != "PPV"), p => Assert.Empty(p.Amounts));
    }

    [Fact]
    public void UssdPackages_ShippedConfig_AreTheFirstEightInOrder()
    {
        Assert.Equal(
            ["DTV_FAMILJARE", "DUO_TV", "INTERNET_1", "INTERNET_2", "INTERNET_3", "DUO_MINI", "DUO_MAXI", "PPV"],
            ShippedCatalog.UssdPackages.Select(p => p.Code));
    }

    [Theory]
    [InlineData("2000-01-01", 0)]
    [InlineData("2016-03-31", 0)]
    [InlineData("2016-04-01", 50)]
    [InlineData("2016-04-02", 50)]
    [InlineData("2026-02-01", 50)]
    public void FeeOn_ShippedConfig_HalfEuroFromFirstApril2016(string date, long expectedCents)
    {
        Assert.Equal(expectedCents, ShippedCatalog.Fees.FeeOn(DateOnly.Parse(date)).Cents);
    }

    [Theory]
    [InlineData("2019-12-31", 0)]
    [InlineData("2020-01-01", 50)]
    [InlineData("2023-06-30", 50)]
    [InlineData("2023-07-01", 70)]
    [InlineData("2024-12-31", 70)]
    [InlineData("2025-01-01", 0)]
    [InlineData("2030-01-01", 0)]
    public void FeeOn_SeveralChanges_LatestChangeOnOrBeforeTheDate(string date, long expectedCents)
    {
        // Given out of order on purpose: the schedule orders by date.
        var fees = new FeeSchedule(
        [
            new FeeChange(new DateOnly(2023, 7, 1), Money.FromCents(70)),
            new FeeChange(new DateOnly(2025, 1, 1), Money.Zero),
            new FeeChange(new DateOnly(2020, 1, 1), Money.FromCents(50)),
        ]);

        Assert.Equal(expectedCents, fees.FeeOn(DateOnly.Parse(date)).Cents);
    }

    [Fact]
    public void FeeSchedule_TwoChangesOnOneDate_ThrowsArgumentException()
    {
        Assert.Throws<ArgumentException>(() => new FeeSchedule(
        [
            new FeeChange(new DateOnly(2016, 4, 1), Money.FromCents(50)),
            new FeeChange(new DateOnly(2016, 4, 1), Money.FromCents(70)),
        ]));
    }

    [Theory]
    [InlineData("DUO_TV", "DUO_TV")]
    [InlineData("duo_tv", "DUO_TV")]
    [InlineData(" PPV ", "PPV")]
    [InlineData("NOPE", null)]
    [InlineData("", null)]
    [InlineData(null, null)]
    public void Find_Code_IgnoresCaseAndSpaces(string? code, string? expected)
    {
        Assert.Equal(expected, ShippedCatalog.Find(code)?.Code);
    }

    [Fact]
    public void Catalog_DuplicateCode_ThrowsArgumentException()
    {
        Package p = ShippedCatalog.Packages[0];

        Assert.Throws<ArgumentException>(() => new Catalog([p, p with { Name = "Other" }], new FeeSchedule([])));
    }

    [Fact]
    public void Load_ShippedConfig_OperatorSettingsFromSpec()
    {
        OperatorConfig config = Shipped.Value;

        Assert.Equal("IPKO", config.Name);
        Assert.Equal("Europe/Belgrade", config.TimeZone.Id);
        Assert.Equal(Language.Sq, config.DefaultLanguage);
        Assert.Equal(NumberingPlan.Kosovo.CountryCode, config.Numbering.CountryCode);
        Assert.Equal(NumberingPlan.Kosovo.NationalLength, config.Numbering.NationalLength);
        Assert.Equal(NumberingPlan.Kosovo.MobilePrefixes, config.Numbering.MobilePrefixes);
        Assert.Equal(NumberingPlan.Kosovo.FixedPrefixes, config.Numbering.FixedPrefixes);
        Assert.Equal(["049", "043"], config.Numbering.OperatorPrefixes);
        Assert.Equal("+38343123456", config.Numbering.ParseMsisdn("043123456").Value.E164);
    }

    [Fact]
    public void Load_ShippedConfig_UsesCalendarTimeInBelgrade()
    {
        TimeZoneInfo zone = Shipped.Value.TimeZone;

        Assert.Equal(TimeSpan.FromHours(1), zone.GetUtcOffset(new DateTimeOffset(2026, 1, 15, 12, 0, 0, TimeSpan.Zero)));
        Assert.Equal(TimeSpan.FromHours(2), zone.GetUtcOffset(new DateTimeOffset(2026, 7, 15, 12, 0, 0, TimeSpan.Zero)));
    }
}
