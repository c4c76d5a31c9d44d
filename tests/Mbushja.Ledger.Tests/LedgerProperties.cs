using FsCheck;
using FsCheck.Xunit;
using Mbushja.Domain;
using Mbushja.Storage;

namespace Mbushja.Ledger.Tests;

/// <summary>
/// Property tests over random sequences of transfers, pending transfers, posts, voids, linked groups and replays.
/// Sequentially, the ledger must agree with a plain in-memory model, outcome by outcome and cent by
/// cent. Concurrently, every invariant must hold: the sum is zero, protected accounts are never below zero, each
/// balance equals what its recorded transfers add up to (no lost update), and a replayed id changed nothing.
/// </summary>
public abstract class LedgerProperties : IAsyncLifetime
{
    private LedgerHarness _harness = null!;

    protected abstract DatabaseKind Kind { get; }

    public async Task InitializeAsync() => _harness = await LedgerHarness.StartAsync(Kind);

    public async Task DisposeAsync() => await _harness.DisposeAsync();

    [Property(MaxTest = 30)]
    public async Task<bool> Sequential_RandomCommands_AgreeWithModel(int seed)
    {
        Scenario scenario = Scenario.Create(seed, operations: 40);
        Model model = await scenario.OpenAccountsAsync(_harness);
        foreach (Op op in scenario.Ops)
        {
            LedgerOutcome actual = await _harness.Engine.SubmitAsync(op.Command);
            LedgerStatus expected = model.Apply(op);
            Assert.True(expected == actual.Status, $"seed {seed}, {op}: model says {expected}, ledger says {actual.Status} {actual.Error}");
        }

        foreach ((string id, Model.Account account) in model.Accounts)
        {
            LedgerAccount stored = (await _harness.Queries.GetAccountAsync(id))!;
            Assert.Equal((account.Balance, account.PendingDebits, account.PendingCredits), (stored.Balance.Cents, stored.PendingDebits.Cents, stored.PendingCredits.Cents));
        }

        await _harness.AssertInvariantsAsync();
        return true;
    }

    [Property(MaxTest = 15)]
    public async Task<bool> Concurrent_RandomCommandsAndReplays_KeepEveryInvariant(int seed)
    {
        Scenario scenario = Scenario.Create(seed, operations: 60);
        await scenario.OpenAccountsAsync(_harness);

        // Every command is sent twice, from different tasks, in a shuffled order: at most one of each commits.
        var rng = new Random(seed);
        Op[] sends = [.. scenario.Ops.Concat(scenario.Ops).OrderBy(_ => rng.Next())];
        LedgerOutcome[] outcomes = await Task.WhenAll(sends.Select(op => Task.Run(() => _harness.Engine.SubmitAsync(op.Command))));

        foreach (IGrouping<Op, LedgerOutcome> pair in sends.Zip(outcomes).GroupBy(x => x.First, x => x.Second))
        {
            Assert.True(pair.Count(o => o.Status == LedgerStatus.Committed) <= 1, $"seed {seed}: {pair.Key} committed twice");
            if (pair.Any(o => o.Status == LedgerStatus.Committed))
            {
                Assert.DoesNotContain(pair, o => o.Error?.Code == LedgerErrorCodes.IdConflict);
            }
        }

        await _harness.AssertInvariantsAsync();
        await _harness.AssertBalancesEqualTheirTransfersAsync(scenario.Prefix);
        return true;
    }

    /// <summary>One generated command, with what the model needs to know about it.</summary>
    internal sealed record Op(string Name, LedgerCommand Command)
    {
        public override string ToString() => Name;
    }

    /// <summary>A random scenario: accounts with opening balances and a sequence of commands over them.</summary>
    internal sealed class Scenario
    {
        private Scenario(string prefix, List<(string Id, bool Protected, long Opening)> accounts, List<Op> ops)
        {
            Prefix = prefix;
            Accounts = accounts;
            Ops = ops;
        }

        public string Prefix { get; }

        public List<(string Id, bool Protected, long Opening)> Accounts { get; }

        public List<Op> Ops { get; }

        public static Scenario Create(int seed, int operations)
        {
            var rng = new Random(seed);
            string prefix = $"p{Guid.NewGuid():N}:";
            int count = rng.Next(2, 6);
            var accounts = Enumerable.Range(0, count)
                .Select(i => (Id: $"{prefix}{i}", Protected: i == 0 || rng.Next(3) > 0, Opening: (long)rng.Next(0, 500)))
                .ToList();
            var ops = new List<Op>();
            var pendings = new List<string>();
            for (int n = 0; n < operations; n++)
            {
                string id = $"{prefix}t{n}";
                LedgerAccountId From() => new(accounts[rng.Next(count)].Id);
                LedgerAccountId To(LedgerAccountId not)
                {
                    LedgerAccountId to;
                    do
                    {
                        to = new LedgerAccountId(accounts[rng.Next(count)].Id);
                    }
                    while (to == not);
                    return to;
                }

                Money Amount() => Money.FromCents(rng.Next(1, 200));
                int choice = rng.Next(100);
                TransferRequest[] transfers;
                if (choice < 35)
                {
                    LedgerAccountId from = From();
                    transfers = [TransferRequest.Single(id, from, To(from), Amount(), "single")];
                }
                else if (choice < 50)
                {
                    LedgerAccountId from = From();
                    transfers = [TransferRequest.Pending(id, from, To(from), Amount(), "pending")];
                    pendings.Add(id);
                }
                else if (choice < 65 && pendings.Count > 0)
                {
                    string pending = pendings[rng.Next(pendings.Count)];
                    transfers = [rng.Next(2) == 0 ? TransferRequest.Post(id, pending, "post") : TransferRequest.Void(id, pending, "void")];
                }
                else if (choice < 80)
                {
                    transfers = [.. Enumerable.Range(0, rng.Next(2, 4)).Select(k =>
                    {
                        LedgerAccountId from = From();
                        return TransferRequest.Single($"{id}.{k}", from, To(from), Amount(), "linked");
                    })];
                }
                else if (ops.Count > 0)
                {
                    // A replay of an earlier command, exactly as it was sent.
                    ops.Add(ops[rng.Next(ops.Count)]);
                    continue;
                }
                else
                {
                    LedgerAccountId from = From();
                    transfers = [TransferRequest.Single(id, from, To(from), Amount(), "single")];
                }

                ops.Add(new Op($"op{n}[{string.Join(",", transfers.Select(t => $"{t.Kind}:{t.Id}"))}]", new LedgerCommand(transfers)));
            }

            return new Scenario(prefix, accounts, ops);
        }

        public async Task<Model> OpenAccountsAsync(LedgerHarness harness)
        {
            var model = new Model();
            foreach ((string id, bool isProtected, long opening) in Accounts)
            {
                if (isProtected)
                {
                    await harness.OpenProtectedAsync(id, opening);
                    model.Accounts[id] = new Model.Account(true) { Balance = opening };
                }
                else
                {
                    await harness.OpenOpenEndedAsync(id);
                    model.Accounts[id] = new Model.Account(false) { Balance = 1 };
                }
            }

            return model;
        }
    }

    /// <summary>The ledger's rules in their plainest form: the oracle for the sequential property.</summary>
    internal sealed class Model
    {
        public Dictionary<string, Account> Accounts { get; } = [];

        private readonly Dictionary<string, (TransferRequest Request, TransferState State)> _transfers = [];
        private readonly HashSet<LedgerCommand> _committed = [];

        public LedgerStatus Apply(Op op)
        {
            if (_committed.Contains(op.Command))
            {
                return LedgerStatus.Replayed;
            }

            var before = Accounts.ToDictionary(a => a.Key, a => a.Value with { });
            var resolved = new List<string>();
            foreach (TransferRequest t in op.Command.Transfers)
            {
                if (!ApplyOne(t, resolved))
                {
                    foreach ((string id, Account a) in before)
                    {
                        Accounts[id] = a;
                    }

                    foreach (string id in resolved)
                    {
                        _transfers[id] = (_transfers[id].Request, TransferState.Pending);
                    }

                    return LedgerStatus.Rejected;
                }
            }

            foreach (TransferRequest t in op.Command.Transfers)
            {
                _transfers.TryAdd(t.Id, (t, t.Kind == TransferKind.Pending ? TransferState.Pending : TransferState.Posted));
            }

            _committed.Add(op.Command);
            return LedgerStatus.Committed;
        }

        private bool ApplyOne(TransferRequest t, List<string> resolved)
        {
            if (t.Kind is TransferKind.Post or TransferKind.Void)
            {
                if (!_transfers.TryGetValue(t.PendingId!, out var p) || p.State != TransferState.Pending)
                {
                    return false;
                }

                Account d = Accounts[p.Request.Debit.Value], c = Accounts[p.Request.Credit.Value];
                d.PendingDebits -= p.Request.Amount.Cents;
                c.PendingCredits -= p.Request.Amount.Cents;
                if (t.Kind == TransferKind.Post)
                {
                    d.Balance -= p.Request.Amount.Cents;
                    c.Balance += p.Request.Amount.Cents;
                }

                _transfers[t.PendingId!] = (p.Request, t.Kind == TransferKind.Post ? TransferState.Posted : TransferState.Voided);
                resolved.Add(t.PendingId!);
                return true;
            }

            Account debit = Accounts[t.Debit.Value], credit = Accounts[t.Credit.Value];
            if (t.Kind == TransferKind.Pending)
            {
                debit.PendingDebits += t.Amount.Cents;
                credit.PendingCredits += t.Amount.Cents;
            }
            else
            {
                debit.Balance -= t.Amount.Cents;
                credit.Balance += t.Amount.Cents;
            }

            return !debit.Protected || debit.Balance - debit.PendingDebits >= 0;
        }

        internal sealed record Account(bool Protected)
        {
            public long Balance { get; set; }

            public long PendingDebits { get; set; }

            public long PendingCredits { get; set; }
        }
    }
}

public sealed class SqliteLedgerProperties : LedgerProperties
{
    protected override DatabaseKind Kind => DatabaseKind.Sqlite;
}

public sealed class PostgresLedgerProperties : LedgerProperties
{
    protected override DatabaseKind Kind => DatabaseKind.Postgres;
}
