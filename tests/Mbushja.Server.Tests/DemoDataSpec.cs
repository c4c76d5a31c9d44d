using System.Net;
using System.Text.Json;
using Mbushja.Accounts;
using Mbushja.Domain;
using Mbushja.Ledger;
using Mbushja.Storage;
using Mbushja.Storage.Commits;
using Mbushja.Testing;

namespace Mbushja.Server.Tests;

/// <summary>
/// <c>serve --demo</c> (README "Demo data"): the demo data set is loaded once, however often the server starts.
/// </summary>
public abstract class DemoDataSpec
{
    protected abstract DatabaseKind Kind { get; }

    [Fact]
    public async Task Serve_WithDemoTwiceOnOneDatabase_LoadsTheDemoDataOnce()
    {
        await using TestDatabase database = await TestDatabase.CreateAsync(Kind);
        var ledger = new LedgerQueries(database.Database);

        Dictionary<string, string> firstIds;
        await using (RunningServer first = await RunningServer.StartAsync(database.Option, demo: true))
        {
            await AssertDemoSubscribersAsync(first.Http, spent: 0);
            firstIds = await AssertDemoAccountsAsync(first.Http);
        }

        LedgerTotals afterFirst = await ledger.GetTotalsAsync();
        // A subscriber spends between the two starts; a second load must neither refill nor reset the credit.
        await SpendAsync(database.Database, DemoData.Subscribers[0].Msisdn, 300);

        await using (RunningServer second = await RunningServer.StartAsync(database.Option, demo: true))
        {
            await (await second.Http.GetAsync("/health", authorization: null)).ExpectAsync(HttpStatusCode.OK);
            await AssertDemoSubscribersAsync(second.Http, spent: 300);
            Dictionary<string, string> secondIds = await AssertDemoAccountsAsync(second.Http);
            Assert.Equal(firstIds, secondIds);
        }

        LedgerTotals afterSecond = await ledger.GetTotalsAsync();
        Assert.Equal(afterFirst.Accounts, afterSecond.Accounts);
        Assert.Equal(afterFirst.Transfers + 1, afterSecond.Transfers); // the one spend, nothing else
        Assert.Equal(0, afterSecond.BalanceSum);
        Assert.Equal(0, afterSecond.OverdrawnAccounts);
        Assert.Equal(DemoData.Subscribers.Count, await CountAsync(database.Database, "subscribers"));
        Assert.Equal(DemoData.ServiceAccounts.Count, await CountAsync(database.Database, "service_accounts"));
    }

    private static async Task AssertDemoSubscribersAsync(HttpClient http, long spent)
    {
        foreach ((string msisdn, long credit, Language language, int index) in DemoData.Subscribers.Select((s, i) => (s.Msisdn, s.Credit.Cents, s.Language, i)))
        {
            JsonElement found = await (await http.GetAsAdminAsync("/api/v1/subscribers/" + Uri.EscapeDataString(msisdn))).ExpectAsync(HttpStatusCode.OK);
            Assert.Equal(index == 0 ? credit - spent : credit, found.Long("creditCents"));
            Assert.Equal(language.ToWire(), found.String("language"));
        }
    }

    /// <summary>Every demo account is found by each of its identifiers; returns id by username.</summary>
    private static async Task<Dictionary<string, string>> AssertDemoAccountsAsync(HttpClient http)
    {
        var ids = new Dictionary<string, string>();
        foreach (var account in DemoData.ServiceAccounts)
        {
            JsonElement byUsername = await (await http.GetAsAdminAsync("/api/v1/service-accounts/" + account.Username)).ExpectAsync(HttpStatusCode.OK);
            string id = byUsername.String("id");
            Assert.Equal(account.Kind.ToWire(), byUsername.String("kind"));
            Assert.Equal(account.Package, byUsername.String("packageCode"));
            foreach (string? identifier in new[] { account.Contract, account.SmartCard, account.Number })
            {
                if (identifier is not null)
                {
                    JsonElement other = await (await http.GetAsAdminAsync("/api/v1/service-accounts/" + identifier)).ExpectAsync(HttpStatusCode.OK);
                    Assert.Equal(id, other.String("id"));
                }
            }

            ids.Add(account.Username!, id);
        }

        return ids;
    }

    private static async Task SpendAsync(Database database, string msisdn, long cents)
    {
        await using var commits = new CommitQueue(database, TimeProvider.System);
        var engine = new LedgerEngine(commits);
        LedgerOutcome outcome = await engine.SubmitAsync(LedgerCommand.Of(TransferRequest.Single(
            "demo-test-spend", SystemAccounts.Subscriber(msisdn), SystemAccounts.Provisioning.Id, Money.FromCents(cents), "test.spend")));
        Assert.True(outcome.Succeeded, outcome.Error?.ToString());
    }

    private static async Task<long> CountAsync(Database database, string table)
    {
        await using System.Data.Common.DbConnection connection = await database.OpenAsync();
        await using System.Data.Common.DbCommand command = connection.CreateCommand();
        command.CommandText = $"SELECT COUNT(*) FROM {table}";
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }
}

public sealed class SqliteDemoDataTests : DemoDataSpec
{
    protected override DatabaseKind Kind => DatabaseKind.Sqlite;
}

public sealed class PostgresDemoDataTests : DemoDataSpec
{
    protected override DatabaseKind Kind => DatabaseKind.Postgres;
}
