using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Mbushja.Ledger;
using Mbushja.Storage;
using Mbushja.Testing;

namespace Mbushja.Server.Tests;

/// <summary>
/// The demo's settled day (README "Demo data", docs/design/demo-day.md): on a fresh <c>serve --demo</c>, the day's
/// settlement of every bank reconciles all matched from the sandbox bank's own statements of that day, in CSV and in
/// camt.053, as the README's examples run them; a second start changes nothing.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // file modes are Unix's
public abstract class DemoDaySpec
{
    private const string Date = "2026-03-02";

    protected abstract DatabaseKind Kind { get; }

    [Fact]
    public async Task Demo_SettledDay_ReconcilesAllMatchedFromItsOwnStatements_InBothFormats()
    {
        await using TestDatabase database = await TestDatabase.CreateAsync(Kind);
        await using RunningServer server = await RunningServer.StartAsync(database.Option, demo: true);

        // TEB: a package and a batch of two numbers, reversed (its own negative line); BEK: two packages, the third
        // declined for want of funds (no line); PCB: one package; the other banks: nothing that day.
        Assert.Equal((2, 2240L, 1, -750L, 1490L), await TotalsAsync(server, "TEB"));
        Assert.Equal((2, 2640L, 0, 0L, 2640L), await TotalsAsync(server, "BEK"));
        Assert.Equal((1, 2490L, 0, 0L, 2490L), await TotalsAsync(server, "PCB"));
        JsonElement reversal = Assert.Single(
            (await SettlementAsync(server, "TEB")).GetProperty("lines").EnumerateArray(), l => l.String("kind") == "reversal");
        Assert.Equal("refunded", reversal.String("state"));
        DateTimeOffset asked = reversal.GetProperty("time").GetDateTimeOffset();
        Assert.InRange(asked, DateTimeOffset.Parse($"{Date}T12:40:00+01:00", CultureInfo.InvariantCulture), DateTimeOffset.Parse($"{Date}T12:41:00+01:00", CultureInfo.InvariantCulture));

        foreach (string bank in new[] { "BEK", "BPB", "NLB", "RBKO", "PCB", "TEB" })
        {
            int lines = (await SettlementAsync(server, bank)).GetProperty("lines").GetArrayLength();
            foreach ((bool camt, string format) in new[] { (false, "csv"), (true, "camt.053.001.08") })
            {
                string file = DemoDay.StatementFile(server.DataDirectory, bank, camt);
                Assert.Equal(DataFolder.OwnerOnlyFile, File.GetUnixFileMode(file));
                JsonElement report = await ReconcileAsync(server, bank, await File.ReadAllBytesAsync(file), camt ? "application/xml" : "text/csv");
                Assert.Equal(format, report.String("format"));
                Assert.Equal(lines, report.GetProperty("matched").GetArrayLength());
                Assert.Empty(report.GetProperty("missingAtBank").EnumerateArray());
                Assert.Empty(report.GetProperty("missingHere").EnumerateArray());
                Assert.Empty(report.GetProperty("mismatched").EnumerateArray());
            }
        }

        Assert.Equal(DataFolder.OwnerOnlyFolder, File.GetUnixFileMode(Path.Combine(server.DataDirectory, DemoDay.StatementsFolder)));
    }

    [Fact]
    public async Task Demo_StartedAgain_LeavesTheSettledDayAsItWas()
    {
        await using TestDatabase database = await TestDatabase.CreateAsync(Kind);
        var ledger = new LedgerQueries(database.Database);
        string firstSettlement;
        await using (RunningServer first = await RunningServer.StartAsync(database.Option, demo: true))
        {
            firstSettlement = (await SettlementAsync(first, "TEB")).GetRawText();
        }

        LedgerTotals afterFirst = await ledger.GetTotalsAsync();
        await using (RunningServer second = await RunningServer.StartAsync(database.Option, demo: true))
        {
            Assert.Equal(firstSettlement, (await SettlementAsync(second, "TEB")).GetRawText());
            // Nothing was made again, so the bank has nothing of that day to write: its statements are the first start's.
            Assert.False(Directory.Exists(Path.Combine(second.DataDirectory, DemoDay.StatementsFolder)));
        }

        LedgerTotals afterSecond = await ledger.GetTotalsAsync();
        Assert.Equal((afterFirst.Accounts, afterFirst.Transfers), (afterSecond.Accounts, afterSecond.Transfers));
        Assert.Equal(0, afterSecond.BalanceSum);
        Assert.Equal(afterSecond.PendingDebitSum, afterSecond.PendingCreditSum);
    }

    private static async Task<JsonElement> SettlementAsync(RunningServer server, string bank) =>
        await (await server.Http.GetAsAdminAsync($"/api/v1/banks/{bank}/settlement?date={Date}")).ExpectAsync(HttpStatusCode.OK);

    private static async Task<(int, long, int, long, long)> TotalsAsync(RunningServer server, string bank)
    {
        JsonElement totals = (await SettlementAsync(server, bank)).GetProperty("totals");
        return (totals.GetProperty("topUpCount").GetInt32(), totals.Long("topUpCents"), totals.GetProperty("reversalCount").GetInt32(), totals.Long("reversalCents"), totals.Long("netCents"));
    }

    private static async Task<JsonElement> ReconcileAsync(RunningServer server, string bank, byte[] statement, string contentType)
    {
        var content = new ByteArrayContent(statement);
        content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        return await (await server.Http.SendAsync(HttpMethod.Post, $"/api/v1/banks/{bank}/reconciliation?date={Date}", content, Api.Admin)).ExpectAsync(HttpStatusCode.OK);
    }
}

[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class SqliteDemoDayTests : DemoDaySpec
{
    protected override DatabaseKind Kind => DatabaseKind.Sqlite;
}

[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class PostgresDemoDayTests : DemoDaySpec
{
    protected override DatabaseKind Kind => DatabaseKind.Postgres;
}
