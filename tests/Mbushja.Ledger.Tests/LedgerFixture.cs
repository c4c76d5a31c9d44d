using Mbushja.Domain;
using Mbushja.Storage;
using Mbushja.Storage.Commits;
using Mbushja.Testing;

namespace Mbushja.Ledger.Tests;

/// <summary>A ledger on a fresh database, with a few accounts to move money between.</summary>
internal sealed class LedgerHarness : IAsyncDisposable
{
    public static readonly LedgerAccountId Issuance = new("sys:issuance");

    private LedgerHarness(TestDatabase database, CommitQueue commits)
    {
        Test = database;
        Commits = commits;
        Engine = new LedgerEngine(commits);
        Queries = new LedgerQueries(database.Database);
    }

    public TestDatabase Test { get; }

    public CommitQueue Commits { get; }

    public LedgerEngine Engine { get; }

    public LedgerQueries Queries { get; }

    public static async Task<LedgerHarness> StartAsync(DatabaseKind kind, CommitQueueOptions? options = null)
    {
        TestDatabase db = await TestDatabase.CreateAsync(kind);
        return new LedgerHarness(db, new CommitQueue(db.Database, TimeProvider.System, options));
    }

    /// <summary>Opens a protected (never negative) account holding <paramref name="cents"/>, issued from the system account.</summary>
    public async Task<LedgerAccountId> OpenProtectedAsync(string name, long cents)
    {
        var id = new LedgerAccountId(name);
        LedgerOutcome outcome = await Engine.SubmitAsync(new LedgerCommand(
            cents == 0 ? [] : [TransferRequest.Single("open:" + name, Issuance, id, Money.FromCents(cents), "test.opening")])
        {
            Accounts = [new LedgerAccountSpec(Issuance, "system", false), new LedgerAccountSpec(id, "subscriber", true)],
        });
        Assert.Equal(LedgerStatus.Committed, outcome.Status);
        return id;
    }

    public async Task<LedgerAccountId> OpenOpenEndedAsync(string name)
    {
        var id = new LedgerAccountId(name);
        LedgerOutcome outcome = await Engine.SubmitAsync(new LedgerCommand(
            [TransferRequest.Single("open:" + name, Issuance, id, Money.FromCents(1), "test.opening")])
        {
            Accounts = [new LedgerAccountSpec(Issuance, "system", false), new LedgerAccountSpec(id, "service", false)],
        });
        Assert.Equal(LedgerStatus.Committed, outcome.Status);
        return id;
    }

    public async Task<long> BalanceAsync(LedgerAccountId id) => (await Queries.GetAccountAsync(id.Value))!.Balance.Cents;

    public async Task<long> AvailableAsync(LedgerAccountId id) => (await Queries.GetAccountAsync(id.Value))!.Available.Cents;

    /// <summary>The ledger's invariants, which hold after every commit.</summary>
    public async Task AssertInvariantsAsync()
    {
        LedgerTotals totals = await Queries.GetTotalsAsync();
        Assert.Equal(0, totals.BalanceSum);
        Assert.Equal(totals.PendingDebitSum, totals.PendingCreditSum);
        Assert.Equal(0, totals.OverdrawnAccounts);
    }

    public async ValueTask DisposeAsync()
    {
        await Commits.DisposeAsync();
        await Test.DisposeAsync();
    }
}
