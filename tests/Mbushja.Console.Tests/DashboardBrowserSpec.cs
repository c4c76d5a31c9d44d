using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Mbushja.WebConsole.Tests;

/// <summary>
/// The dashboard in a browser (README "Console"): on a database of its own, known top-ups, a refusal and a USSD payment
/// over three days, then the page's charts carry exactly those totals per channel, per bank, per day and per reason,
/// the success rate and the money in flight; photographed wide and on a phone's width.
/// </summary>
public sealed class DashboardBrowserSpec(SqliteFakeClockConsoleHost host, Browser browser) : IClassFixture<SqliteFakeClockConsoleHost>, IClassFixture<Browser>
{
    [Fact]
    public async Task Dashboard_KnownTopUpsRefusalAndPaymentOverThreeDays_ChartsTheirTotals()
    {
        var clock = host.Server.App.Services.GetRequiredService<Mbushja.Domain.OperatorClock>();
        string day0 = Day(clock.Today);
        await TopUpAsync("50005", "5");
        await TopUpAsync("50005", "2");
        Assert.Equal("rejected", (await host.SendSmsAsync("049111111", "50001", "what is this")).Status);
        host.Clock.Advance(TimeSpan.FromDays(1));
        string day1 = Day(clock.Today);
        await TopUpAsync("50001", "3");
        await host.PayByUssdAsync("049600003", "1", "3", "drita", "1");
        host.Clock.Advance(TimeSpan.FromDays(1));
        string today = Day(clock.Today);
        await TopUpAsync("50001", "1");
        // The USSD payment's value, as the payments themselves count it (price and fee from the catalog).
        PeriodFigures counted = await host.Server.App.Services.GetRequiredService<ConsoleQueries>()
            .FiguresAsync(clock.DayBounds(clock.Today.AddDays(-29)).From, clock.DayBounds(clock.Today).To);
        Assert.Equal((4, 1), (counted.Sms.Count, counted.Ussd.Count));

        await using ConsoleTab tab = await ConsoleTab.OpenAsync(browser, host.BaseAddress, "dashboard-charts");
        await tab.Page.SetViewportSizeAsync(1440, 900);
        await tab.SignInAsync("agent");
        await tab.GoAsync("/console/dashboard");

        await Expect(tab.Page.Locator("h1")).ToContainTextAsync("Dashboard");
        await Expect(tab.Page.Locator("figure.chart svg")).ToHaveCountAsync(7);
        await ExpectTotalAsync(tab, "volume-channel", "SMS", "4");
        await ExpectTotalAsync(tab, "volume-channel", "USSD", "1");
        await ExpectTotalAsync(tab, "value-channel", "SMS", "11.00 EUR");
        await ExpectTotalAsync(tab, "value-channel", "USSD", counted.Ussd.Value.ToString());
        await ExpectTotalAsync(tab, "volume-bank", "BEK", "2");
        await ExpectTotalAsync(tab, "volume-bank", "TEB", "2");
        await ExpectTotalAsync(tab, "volume-bank", "NLB", "0");
        await ExpectTotalAsync(tab, "value-bank", "BEK", "7.00 EUR");
        await ExpectTotalAsync(tab, "value-bank", "TEB", "4.00 EUR");
        await ExpectTotalAsync(tab, "success-rate", null, "80.0%");
        // Day by day: 30 points a line, each on its day.
        await Expect(tab.Page.Locator("#volume-channel g.series[data-series='SMS'] circle")).ToHaveCountAsync(30);
        await ExpectPointAsync(tab, "volume-channel", "SMS", day0, "2");
        await ExpectPointAsync(tab, "volume-channel", "SMS", day1, "1");
        await ExpectPointAsync(tab, "volume-channel", "USSD", day1, "1");
        await ExpectPointAsync(tab, "volume-channel", "SMS", today, "1");
        await ExpectPointAsync(tab, "value-bank", "BEK", day0, "7");
        await ExpectPointAsync(tab, "success-rate", null, day0, "66.7");
        await ExpectPointAsync(tab, "success-rate", null, today, "100");
        await Expect(tab.Page.Locator("#refusals g.row[data-label='UNKNOWN_COMMAND']")).ToHaveAttributeAsync("data-value", "1");
        await Expect(tab.Page.Locator("#refusals g.row")).ToHaveCountAsync(1);
        // Every bank, each with nothing in flight: every hold was captured.
        await Expect(tab.Page.Locator("#inflight g.row")).ToHaveCountAsync(6);
        await Expect(tab.Page.Locator("#inflight g.row[data-value='0']")).ToHaveCountAsync(6);
        await Expect(tab.Page.Locator("#tile-sms .figure")).ToHaveTextAsync("1");
        await Expect(tab.Page.Locator("#tile-sms .detail")).ToHaveTextAsync("1.00 EUR");
        await Expect(tab.Page.Locator("#tile-month .detail")).ToHaveTextAsync("5 transactions");
        // The screen's width is used: charts side by side on a wide screen.
        LocatorBoundingBoxResult first = (await tab.Page.Locator("#volume-channel").BoundingBoxAsync())!;
        LocatorBoundingBoxResult second = (await tab.Page.Locator("#value-channel").BoundingBoxAsync())!;
        Assert.Equal(first.Y, second.Y, 1);
        Assert.True(second.X > first.X + first.Width - 1);
        await tab.ShotAsync("wide");

        // A phone: one column, nothing wider than the screen.
        await tab.Page.SetViewportSizeAsync(400, 800);
        await tab.GoAsync("/console/dashboard");
        first = (await tab.Page.Locator("#volume-channel").BoundingBoxAsync())!;
        second = (await tab.Page.Locator("#value-channel").BoundingBoxAsync())!;
        Assert.True(second.Y > first.Y + first.Height - 1);
        Assert.True(await tab.Page.EvaluateAsync<bool>("document.documentElement.scrollWidth <= window.innerWidth"));
        await tab.ShotAsync("phone");

        // In Albanian, the labels whole, a refusal's reason in words.
        await tab.Page.SetViewportSizeAsync(1440, 900);
        await tab.Page.ClickAsync("#lang-sq");
        await Expect(tab.Page.Locator("h1")).ToContainTextAsync("Paneli");
        await Expect(tab.Page.Locator("#refusals g.row text.label")).ToHaveTextAsync("mesazhi nuk u kuptua");
        await tab.ShotAsync("sq");
    }

    private static string Day(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static ILocator Series(ConsoleTab tab, string chart, string? series) =>
        tab.Page.Locator(series is null ? $"#{chart} g.series" : $"#{chart} g.series[data-series='{series}']");

    private static Task ExpectTotalAsync(ConsoleTab tab, string chart, string? series, string total) =>
        Expect(Series(tab, chart, series)).ToHaveAttributeAsync("data-total", total);

    private static Task ExpectPointAsync(ConsoleTab tab, string chart, string? series, string day, string value) =>
        Expect(Series(tab, chart, series).Locator($"circle[data-day='{day}']")).ToHaveAttributeAsync("data-value", value);

    private async Task TopUpAsync(string shortCode, string text)
    {
        (string status, string? id, _) = await host.TopUpAsync("049111111", shortCode, text);
        Assert.Equal("completed", status);
        await host.WaitForCaptureAsync(id!);
    }
}
