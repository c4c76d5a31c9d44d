namespace Mbushja.Domain.Tests;

/// <summary>Recorded price and fee changes laid over the catalog file: each from its local date on.</summary>
public sealed class CatalogScheduleTests
{
    private static readonly Package Internet = new("INTERNET_1", "Internet Pako 1", ServiceKind.Internet, [IdentifierKind.Username], Money.FromCents(1_490), [], true);
    private static readonly Package Ppv = new("PPV", "PPV kredit", ServiceKind.Tv, [IdentifierKind.SmartCard], null, [Money.FromCents(200)], true);

    private static readonly Catalog File = new(
        [Internet, Ppv],
        new FeeSchedule([new FeeChange(new DateOnly(2016, 4, 1), Money.FromCents(50)), new FeeChange(new DateOnly(2026, 9, 1), Money.FromCents(70))]));

    private static readonly CatalogSchedule Schedule = new(File,
    [
        Change(CatalogChangeKind.Price, "internet_1", 1_590, "2026-06-01"),
        Change(CatalogChangeKind.Price, "INTERNET_1", 1_690, "2026-08-01"),
        Change(CatalogChangeKind.Fee, null, 60, "2026-06-01"),
        Change(CatalogChangeKind.Fee, null, 65, "2026-09-01"),
    ]);

    [Theory]
    [InlineData("2026-05-31", 1_490L, 50L)] // before every change: the file
    [InlineData("2026-06-01", 1_590L, 60L)] // from its date on
    [InlineData("2026-07-31", 1_590L, 60L)]
    [InlineData("2026-08-01", 1_690L, 60L)] // the latest change on or before the date
    [InlineData("2026-09-01", 1_690L, 65L)] // the file and a recorded change on one date: the recorded one
    public void PriceAndFeeOn_ADate_AreTheLatestInForce(string date, long price, long fee)
    {
        DateOnly day = DateOnly.Parse(date, System.Globalization.CultureInfo.InvariantCulture);

        Assert.Equal(price, Schedule.PriceOn(Internet, day)?.Cents);
        Assert.Equal(fee, Schedule.FeeOn(day).Cents);
        Assert.Null(Schedule.PriceOn(Ppv, day));
    }

    [Fact]
    public void FeeOn_FileChangeAfterARecordedOne_TheFileWinsFromItsDate()
    {
        var schedule = new CatalogSchedule(File, [Change(CatalogChangeKind.Fee, null, 60, "2026-06-01")]);

        Assert.Equal(60, schedule.FeeOn(new DateOnly(2026, 8, 31)).Cents);
        Assert.Equal(70, schedule.FeeOn(new DateOnly(2026, 9, 1)).Cents);
    }

    private static CatalogChange Change(CatalogChangeKind kind, string? package, long cents, string from) =>
        new(Guid.NewGuid().ToString("N"), kind, package, Money.FromCents(cents), DateOnly.Parse(from, System.Globalization.CultureInfo.InvariantCulture), "admin", DateTimeOffset.UnixEpoch, "test");
}
