using System.Data.Common;
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

    /// <summary>
    /// Recomputes every account whose id starts with <paramref name="prefix"/> (all, by default) from the transfers the
    /// ledger recorded: each balance must be exactly what its transfers add up to (no lost update).
    /// </summary>
    public async Task AssertBalancesEqualTheirTransfersAsync(string prefix = "")
    {
        var sums = new Dictionary<string, (long Balance, long PendingDebits, long PendingCredits)>();
        await using DbConnection c = await Test.Database.OpenAsync();
        await using DbCommand q = c.Command(
            "SELECT kind, debit_account, credit_account, amount FROM ledger_transfers WHERE debit_account LIKE @p OR credit_account LIKE @p",
            null,
            ("p", prefix + "%"));
        await using DbDataReader r = await q.ExecuteReaderAsync();
        while (await r.ReadAsync())
        {
            (string kind, string debit, string credit, long amount) = (r.GetString(0), r.GetString(1), r.GetString(2), r.GetInt64(3));
            // A pending transfer holds its amount; its post or void (a row of its own, with the same accounts and
            // amount) releases it, and a post moves it.
            bool moves = kind is "single" or "post";
            long held = kind switch { "pending" => amount, "post" or "void" => -amount, _ => 0 };
            Add(debit, moves ? -amount : 0, held, 0);
            Add(credit, moves ? amount : 0, 0, held);
        }

        foreach ((string id, (long balance, long pd, long pc)) in sums.Where(s => s.Key.StartsWith(prefix, StringComparison.Ordinal)))
        {
            LedgerAccount stored = (await Queries.GetAccountAsync(id))!;
            Assert.True(
                (balance, pd, pc) == (stored.Balance.Cents, stored.PendingDebits.Cents, stored.PendingCredits.Cents),
                $"{id}: its transfers add up to {(balance, pd, pc)}, the account says {(stored.Balance.Cents, stored.PendingDebits.Cents, stored.PendingCredits.Cents)}");
        }

        void Add(string id, long b, long pd, long pc)
        {
            (long B, long Pd, long Pc) now = sums.GetValueOrDefault(id);
            sums[id] = (now.B + b, now.Pd + pd, now.Pc + pc);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Commits.DisposeAsync();
        await Test.DisposeAsync();
    }
}
