using System.Data.Common;
using Mbushja.Domain;
using Mbushja.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Mbushja.WebConsole.Tests;

/// <summary>
/// The dashboard's days (<see cref="ConsoleQueries.DaysAsync"/>): they add up to the period's figures; a past day that
/// can no longer change is read once, and a day with a message in progress is read again until it finishes. Rows are
/// written straight into the database, dated on days of their own in the past (each test its own days).
/// </summary>
public sealed class DashboardDaysSpec(SqliteFakeClockConsoleHost host) : IClassFixture<SqliteFakeClockConsoleHost>
{
    private ConsoleQueries Queries => host.Server.App.Services.GetRequiredService<ConsoleQueries>();

    private OperatorClock Clock => host.Server.App.Services.GetRequiredService<OperatorClock>();

    [Fact]
    public async Task DaysAsync_EachDayOfAPeriod_AddUpToThePeriodsFigures()
    {
        DateOnly today = Clock.Today;
        DateOnly first = today.AddDays(-12);
        await AddTopUpAsync(first, "completed", "BEK", 500);
        await AddTopUpAsync(first.AddDays(1), "completed", "TEB", 1_000);
        await AddTopUpAsync(first.AddDays(1), "rejected", null, null, "UNKNOWN_COMMAND");
        await AddTopUpAsync(first.AddDays(2), "declined", "BEK", 700, "BANK_DECLINED");

        IReadOnlyList<PeriodFigures> days = await Queries.DaysAsync(first, today);
        PeriodFigures period = await Queries.FiguresAsync(Clock.DayBounds(first).From, Clock.DayBounds(today).To);
        PeriodFigures sum = ConsoleQueries.Sum(days);

        Assert.Equal(13, days.Count);
        Assert.Equal((period.From, period.To), (sum.From, sum.To));
        Assert.Equal((period.Sms, period.Ussd, period.SmsAll, period.SmsInProgress), (sum.Sms, sum.Ussd, sum.SmsAll, sum.SmsInProgress));
        Assert.Equal(period.ByBank, sum.ByBank);
        Assert.Equal(period.RefusalsByReason, sum.RefusalsByReason);
        Assert.Equal(new Tally(1, Money.FromCents(1_000)), days[1].ByBank["TEB"]);
        Assert.Equal(1, days[2].RefusalsByReason["BANK_DECLINED"]);
    }

    [Fact]
    public async Task DaysAsync_APastDayThatCanNoLongerChange_IsReadOnce()
    {
        DateOnly day = Clock.Today.AddDays(-20);
        await AddTopUpAsync(day, "completed", "BEK", 500);
        Assert.Equal(1, (await Queries.DaysAsync(day, day))[0].Sms.Count);

        // Nothing the platform does dates a message in a day over an hour after it ended: this row is only here to
        // show that the day is not read again.
        await AddTopUpAsync(day, "completed", "BEK", 500);

        Assert.Equal(1, (await Queries.DaysAsync(day, day))[0].Sms.Count);
    }

    [Fact]
    public async Task DaysAsync_ADayWithAMessageInProgress_IsReadAgainUntilItFinishes()
    {
        DateOnly day = Clock.Today.AddDays(-30);
        string id = await AddTopUpAsync(day, "holding", "BEK", 500);
        PeriodFigures before = (await Queries.DaysAsync(day, day))[0];
        Assert.Equal((0, 1), (before.Sms.Count, before.SmsInProgress));

        await ExecuteAsync("UPDATE sms_transactions SET state = 'completed' WHERE id = @id", ("id", id));

        PeriodFigures after = (await Queries.DaysAsync(day, day))[0];
        Assert.Equal((1, 0), (after.Sms.Count, after.SmsInProgress));
    }

    [Fact]
    public async Task DaysAsync_Today_IsReadEveryTime()
    {
        DateOnly today = Clock.Today;
        long before = (await Queries.DaysAsync(today, today))[0].SmsAll;

        await AddTopUpAsync(today, "completed", "BEK", 500, at: Clock.UtcNow);

        Assert.Equal(before + 1, (await Queries.DaysAsync(today, today))[0].SmsAll);
    }

    /// <summary>A top-up row at noon of a local day (or at <paramref name="at"/>), as SMS Top Up records one.</summary>
    private async Task<string> AddTopUpAsync(DateOnly day, string state, string? bank, long? cents, string? code = null, DateTimeOffset? at = null)
    {
        string id = Guid.CreateVersion7().ToString("N");
        long when = (at ?? Clock.DayBounds(day).From.AddHours(12)).ToUnixTimeMilliseconds();
        await ExecuteAsync(
            "INSERT INTO sms_transactions (id, message_id, sender, msisdn, short_code, text, bank_code, language, state, code, account_ref, amount, plan, reply, reply_route, received_at, updated_at, lease_until) "
            + "VALUES (@id, NULL, '+38349000001', '+38349000001', '50005', '5', @bank, 'sq', @state, @code, NULL, @amount, NULL, NULL, 'response', @at, @at, 0)",
            ("id", id),
            ("bank", bank),
            ("state", state),
            ("code", code),
            ("amount", cents),
            ("at", when));
        return id;
    }

    private async Task ExecuteAsync(string sql, params (string, object?)[] parameters)
    {
        await using DbConnection connection = await host.Server.App.Services.GetRequiredService<Database>().OpenOwnAsync();
        await using DbCommand command = connection.Command(sql, null, parameters);
        await command.ExecuteNonQueryAsync();
    }
}
