using Mbushja.Domain;
using Mbushja.Storage.Commits;
using Mbushja.Storage.Rollups;
using Microsoft.Extensions.DependencyInjection;

namespace Mbushja.WebConsole.Tests;

/// <summary>
/// The dashboard's days (<see cref="ConsoleQueries.DaysAsync"/>) come from the daily roll-ups the commits keep
/// (docs/design/dashboard-rollups.md): for top-ups, refusals and a USSD payment made through the product over several
/// days, each day's figures equal those counted from the messages and payments themselves, they add up to the
/// period's, and a rebuild writes the same rows again.
/// </summary>
public sealed class DashboardDaysSpec(SqliteFakeClockConsoleHost host) : IClassFixture<SqliteFakeClockConsoleHost>
{
    private ConsoleQueries Queries => host.Server.App.Services.GetRequiredService<ConsoleQueries>();

    private OperatorClock Clock => host.Server.App.Services.GetRequiredService<OperatorClock>();

    [Fact]
    public async Task DaysAsync_TopUpsRefusalsAndAPaymentOverThreeDays_EqualWhatTheRowsCount_AndARebuild()
    {
        DateOnly first = Clock.Today;
        await TopUpAsync("50005", "5");
        await TopUpAsync("50001", "2");
        Assert.Equal("rejected", (await host.SendSmsAsync("049111111", "50001", "what is this")).Status);
        host.Clock.Advance(TimeSpan.FromDays(1));
        await TopUpAsync("50005", "3");
        host.Clock.Advance(TimeSpan.FromDays(1));
        await TopUpAsync("50001", "1");

        IReadOnlyList<PeriodFigures> days = await Queries.DaysAsync(first, Clock.Today);

        Assert.Equal(3, days.Count);
        foreach (PeriodFigures day in days)
        {
            PeriodFigures counted = await Queries.FiguresAsync(day.From, day.To);
            Assert.Equal((counted.Sms, counted.Ussd, counted.SmsAll, counted.SmsInProgress), (day.Sms, day.Ussd, day.SmsAll, day.SmsInProgress));
            Assert.Equal(counted.ByBank, day.ByBank);
            Assert.Equal(counted.RefusalsByReason, day.RefusalsByReason);
        }

        Assert.Equal((2, Money.FromCents(700)), (days[0].Sms.Count, days[0].Sms.Value));
        Assert.Equal(1, days[0].RefusalsByReason["UNKNOWN_COMMAND"]);
        Assert.Equal(new Tally(1, Money.FromCents(300)), days[1].ByBank["BEK"]);
        Assert.Equal(new Tally(1, Money.FromCents(100)), days[2].ByBank["TEB"]);
        PeriodFigures sum = ConsoleQueries.Sum(days);
        Assert.Equal((4, 5L, 0L), (sum.Sms.Count, sum.SmsAll, sum.SmsInProgress));
        Assert.Equal(80.0, sum.SmsSuccessRate);

        DailyRollups rollups = host.Server.App.Services.GetRequiredService<DailyRollups>();
        IReadOnlyList<(RollupKey, RollupFigure)> kept = await rollups.ReadAllAsync();
        await DashboardRollups.RebuildAsync(host.Server.App.Services.GetRequiredService<CommitQueue>(), Clock);
        Assert.Equal(kept, await rollups.ReadAllAsync());
    }

    private async Task TopUpAsync(string shortCode, string text)
    {
        (string status, string? id, _) = await host.TopUpAsync("049111111", shortCode, text);
        Assert.Equal("completed", status);
        await host.WaitForCaptureAsync(id!);
    }
}
