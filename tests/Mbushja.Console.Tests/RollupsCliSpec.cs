using System.Data.Common;
using Mbushja.Cli;
using Mbushja.Domain;
using Mbushja.Storage;
using Mbushja.Storage.Commits;
using Mbushja.Storage.Rollups;

namespace Mbushja.WebConsole.Tests;

/// <summary>
/// <c>mbushja rollups rebuild</c> and the rebuild at a server's start on an upgraded database (docs/design/dashboard-rollups.md),
/// on a SQLite data folder of its own with messages and a payment written as an older version left them (no roll-ups).
/// </summary>
public sealed class RollupsCliSpec : IDisposable
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "mbushja-rollups-cli-" + Guid.NewGuid().ToString("N"));

    /// <summary>23:30 UTC on 9 December 2026: already the 10th in Belgrade (UTC+1).</summary>
    private static readonly DateTimeOffset LateEvening = new(2026, 12, 9, 23, 30, 0, TimeSpan.Zero);

    [Fact]
    public async Task RollupsRebuild_MessagesAndAPaymentWithoutRollups_WritesThemOnTheOperatorsDay_AndReplacesWhatWasThere()
    {
        await using Database database = await SeededAsync();
        await ExecuteAsync(database, "INSERT INTO daily_rollups VALUES ('2026-01-01', 'sms', 'BEK', 'completed', '', 99, 99)");

        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        int exit = await MbushjaCli.RunAsync(["rollups", "rebuild", "--data", _data], stdout, stderr, new StringReader(""));

        Assert.True(exit == 0, stderr.ToString());
        Assert.StartsWith("Roll-ups rebuilt: 3 rows (days in Europe/Belgrade)", stdout.ToString(), StringComparison.Ordinal);
        Assert.Equal(Expected, await new DailyRollups(database).ReadAllAsync());
    }

    [Fact]
    public async Task RebuildIfMissing_AnUpgradedDatabase_RebuildsOnce()
    {
        await using Database database = await SeededAsync();
        await using var commits = new CommitQueue(database, TimeProvider.System);
        var clock = new OperatorClock(TimeProvider.System, OperatorClock.FindZone("Europe/Belgrade"));
        var rollups = new DailyRollups(database);

        Assert.Equal(3, await DashboardRollups.RebuildIfMissingAsync(database, rollups, commits, clock));
        Assert.Null(await DashboardRollups.RebuildIfMissingAsync(database, rollups, commits, clock));
        Assert.Equal(Expected, await rollups.ReadAllAsync());
    }

    private static readonly (RollupKey, RollupFigure)[] Expected =
    [
        (new RollupKey(new DateOnly(2026, 12, 10), "sms", "", "rejected", "UNKNOWN_COMMAND"), new RollupFigure(1, 0)),
        (new RollupKey(new DateOnly(2026, 12, 10), "sms", "TEB", "completed", ""), new RollupFigure(2, 700)),
        (new RollupKey(new DateOnly(2026, 12, 10), "ussd", "", "paid", ""), new RollupFigure(1, 1540)),
    ];

    public void Dispose()
    {
        if (Directory.Exists(_data))
        {
            Directory.Delete(_data, recursive: true);
        }
    }

    /// <summary>The data folder's database, migrated, with two top-ups, a refusal and a payment and no roll-ups.</summary>
    private async Task<Database> SeededAsync()
    {
        Directory.CreateDirectory(_data);
        Database database = Database.Sqlite(Path.Combine(_data, "mbushja.db"));
        await database.MigrateAsync();
        long at = LateEvening.ToUnixTimeMilliseconds();
        foreach ((string id, string? bank, string state, string? code, long? cents) in new[]
        {
            ("a1", (string?)"TEB", "completed", (string?)null, (long?)500), ("a2", "TEB", "completed", null, 200), ("a3", null, "rejected", "UNKNOWN_COMMAND", null),
        })
        {
            await ExecuteAsync(
                database,
                "INSERT INTO sms_transactions (id, message_id, sender, msisdn, short_code, text, bank_code, language, state, code, account_ref, amount, plan, reply, "
                + $"reply_route, received_at, updated_at, lease_until) VALUES ('{id}', NULL, '+38349000001', '+38349000001', '50001', '5', "
                + $"{(bank is null ? "NULL" : $"'{bank}'")}, 'sq', '{state}', {(code is null ? "NULL" : $"'{code}'")}, NULL, {(cents is null ? "NULL" : cents.ToString())}, "
                + $"NULL, NULL, 'response', {at}, {at}, 0)");
        }

        await ExecuteAsync(
            database,
            // Its service account is not what this test is about: the foreign key is not checked for this row.
            "PRAGMA foreign_keys = OFF; INSERT INTO ussd_payments (id, session_id, msisdn, month, package_code, service_account_id, account, amount, fee, paid_until, balance, created_at) "
            + $"VALUES ('p1', 's1', '+38349000002', '2026-12', 'INTERNET_1', 'acc-1', 'drita', 1490, 50, NULL, NULL, {at})");
        return database;
    }

    private static async Task ExecuteAsync(Database database, string sql)
    {
        await using DbConnection connection = await database.OpenOwnAsync();
        await using DbCommand command = connection.Command(sql);
        await command.ExecuteNonQueryAsync();
    }
}
