using Mbushja.Domain;
using Mbushja.Storage;
using Mbushja.Storage.Commits;
using Mbushja.Testing;

namespace Mbushja.Ledger.Tests;

/// <summary>
/// Hot accounts (those that may go negative: a bank's, its clearing account, revenue, fees) that every payment touches
/// (docs/design/hot-accounts.md): their figures stay exact whatever runs at once, and a command's work is never shown a
/// balance of theirs.
/// </summary>
public abstract class HotAccountTests
{
    private static readonly LedgerAccountSpec Bank = new(new LedgerAccountId("bank:HOT"), "bank", NoNegative: false);
    private static readonly LedgerAccountSpec Clearing = new(new LedgerAccountId("clearing:HOT"), "clearing", NoNegative: false);
    protected static readonly LedgerAccountSpec Revenue = new(new LedgerAccountId("rev:packages"), "system", NoNegative: false);
    private static readonly LedgerAccountSpec Fee = new(new LedgerAccountId("fee:revenue"), "system", NoNegative: false);

    protected abstract DatabaseKind Kind { get; }

    private static Money Cents(long c) => Money.FromCents(c);

    /// <summary>
    /// Top-ups (hold, credit with work, capture or void) and payments (price and fee, linked) from two servers at once,
    /// all through the same bank, clearing, revenue and fee accounts: every balance is what its transfers add up to,
    /// the ledger sums to zero, and each hot account holds exactly what the committed commands put there.
    /// </summary>
    [Fact]
    public async Task Burst_TwoServersThroughTheSameHotAccounts_EveryFigureStaysExact()
    {
        await using LedgerHarness h = await LedgerHarness.StartAsync(Kind);
        await using var otherQueue = new CommitQueue(h.Test.Database, TimeProvider.System);
        LedgerEngine[] servers = [h.Engine, new LedgerEngine(otherQueue)];
        const int subscribers = 8;
        LedgerAccountId[] subs = new LedgerAccountId[subscribers];
        for (int s = 0; s < subscribers; s++)
        {
            subs[s] = await h.OpenProtectedAsync($"sub:{s}", 300);
        }

        // The markers' table, made before the burst (concurrent CREATE TABLE IF NOT EXISTS collide on PostgreSQL).
        Assert.False(await LedgerMarker.ExistsAsync(h.Test.Database, "none"));
        LedgerAccountSpec[] hot = [Bank, Clearing, Revenue, Fee];
        Assert.Equal(LedgerStatus.Committed, (await h.Engine.SubmitAsync(new LedgerCommand([]) { Accounts = hot })).Status);

        const int flows = 120;
        Task<(long Captured, long Voided, long Credited, long Price, long Fee)>[] runs = [.. Enumerable.Range(0, flows).Select(i => Task.Run(async () =>
        {
            LedgerEngine server = servers[i % 2];
            LedgerAccountId sub = subs[i % subscribers];
            if (i % 3 == 2)
            {
                // A payment: price to revenue, fee to the fee account; refused when the subscriber is short.
                long price = 40 + (i % 7);
                LedgerOutcome paid = await server.SubmitAsync(new LedgerCommand(
                    [TransferRequest.Single($"pay:{i}:1", sub, Revenue.Id, Cents(price), "ussd.payment"), TransferRequest.Single($"pay:{i}:2", sub, Fee.Id, Cents(5), "ussd.fee")]));
                return paid.Status == LedgerStatus.Committed ? (0L, 0L, 0L, price, 5L) : (0, 0, 0, 0, 0);
            }

            // A top-up: the bank's hold, the credit (with work, as the real one has), then the capture or the void.
            long amount = 10 + (i % 11);
            Assert.Equal(LedgerStatus.Committed, (await server.SubmitAsync(new LedgerCommand(
                [TransferRequest.Pending($"sms:{i}:hold", Bank.Id, Clearing.Id, Cents(amount), "sms.hold")]) { Accounts = [Bank, Clearing] })).Status);
            Assert.Equal(LedgerStatus.Committed, (await server.SubmitAsync(new LedgerCommand(
                [TransferRequest.Single($"sms:{i}:1", Clearing.Id, sub, Cents(amount), "sms.topup")])
            { Accounts = [Clearing], Work = new LedgerMarker($"credit:{i}", refuse: false) })).Status);
            bool capture = i % 5 != 0;
            // The other server resolves it: a post or void names its pending transfer, not its accounts.
            Assert.Equal(LedgerStatus.Committed, (await servers[(i + 1) % 2].SubmitAsync(LedgerCommand.Of(capture
                ? TransferRequest.Post($"sms:{i}:capture", $"sms:{i}:hold", "sms.capture")
                : TransferRequest.Void($"sms:{i}:void", $"sms:{i}:hold", "sms.void")))).Status);
            return capture ? (amount, 0L, amount, 0L, 0L) : (0L, amount, amount, 0L, 0L);
        }))];
        var results = await Task.WhenAll(runs);

        await h.AssertInvariantsAsync();
        await h.AssertBalancesEqualTheirTransfersAsync();
        long captured = results.Sum(r => r.Captured);
        long credited = results.Sum(r => r.Credited);
        Assert.Equal((-captured, 0L, 0L), await FiguresAsync(h, Bank.Id));
        Assert.Equal((captured - credited, 0L, 0L), await FiguresAsync(h, Clearing.Id));
        Assert.Equal((results.Sum(r => r.Price), 0L, 0L), await FiguresAsync(h, Revenue.Id));
        Assert.Equal((results.Sum(r => r.Fee), 0L, 0L), await FiguresAsync(h, Fee.Id));
        Assert.True(results.Sum(r => r.Price) > 0, "some payments must have committed");
    }

    /// <summary>A hot account's balance is not known inside a batch (another writer may be moving it): work never sees one.</summary>
    [Fact]
    public async Task Work_AskingTheAvailableBalanceOfAHotAccount_FailsItsCommand()
    {
        await using LedgerHarness h = await LedgerHarness.StartAsync(Kind);
        LedgerAccountId sub = await h.OpenProtectedAsync("sub:a", 100);
        var asks = new AskAvailable(sub, Revenue.Id);

        TransferRequest[] pay = [TransferRequest.Single("p1", sub, Revenue.Id, Cents(10), "x")];

        await Assert.ThrowsAsync<InvalidOperationException>(() => h.Engine.SubmitAsync(new LedgerCommand(pay) { Accounts = [Revenue], Work = asks }));

        Assert.Equal(Cents(90), asks.Protected);
        Assert.Equal(100, await h.BalanceAsync(sub));
        await h.AssertInvariantsAsync();
    }

    private static async Task<(long Balance, long PendingDebits, long PendingCredits)> FiguresAsync(LedgerHarness h, LedgerAccountId id)
    {
        LedgerAccount account = (await h.Queries.GetAccountAsync(id.Value))!;
        return (account.Balance.Cents, account.PendingDebits.Cents, account.PendingCredits.Cents);
    }

    /// <summary>Reads a protected account's available balance (allowed), then a hot one's.</summary>
    private sealed class AskAvailable(LedgerAccountId protectedAccount, LedgerAccountId hotAccount) : ILedgerWork
    {
        public Money? Protected { get; private set; }

        public Task<CommitRefusal?> ApplyAsync(LedgerContext context, CancellationToken cancellationToken)
        {
            Protected = context.Available(protectedAccount);
            _ = context.Available(hotAccount);
            return Task.FromResult<CommitRefusal?>(null);
        }
    }
}

public sealed class SqliteHotAccountTests : HotAccountTests
{
    protected override DatabaseKind Kind => DatabaseKind.Sqlite;
}

public sealed class PostgresHotAccountTests : HotAccountTests
{
    protected override DatabaseKind Kind => DatabaseKind.Postgres;

    /// <summary>
    /// PostgreSQL's two writers: a batch held open in its work, having moved money into a hot account, does not keep the
    /// other writer's batch on the same hot account from committing.
    /// </summary>
    [Fact]
    public async Task TwoWriters_ABatchHeldInItsWork_DoesNotHoldUpTheOtherOnTheSameHotAccount()
    {
        await using LedgerHarness h = await LedgerHarness.StartAsync(Kind);
        LedgerAccountId first = await h.OpenProtectedAsync("sub:first", 100);
        LedgerAccountId second = await h.OpenProtectedAsync("sub:second", 100);
        Assert.Equal(LedgerStatus.Committed, (await h.Engine.SubmitAsync(new LedgerCommand([]) { Accounts = [Revenue] })).Status);
        var holding = new HoldingWork();

        TransferRequest[] heldTransfers = [TransferRequest.Single("held", first, Revenue.Id, Money.FromCents(10), "x")];
        TransferRequest[] otherTransfers = [TransferRequest.Single("other", second, Revenue.Id, Money.FromCents(7), "x")];

        Task<LedgerOutcome> held = h.Engine.SubmitAsync(new LedgerCommand(heldTransfers) { Accounts = [Revenue], Work = holding });
        try
        {
            await holding.Entered.WaitAsync(Timeouts.Hang);

            // The first writer is busy with the held batch: this one goes to the second writer. Were the revenue row
            // locked at the held batch's load, this would wait for its release.
            LedgerOutcome other = await h.Engine.SubmitAsync(new LedgerCommand(otherTransfers) { Accounts = [Revenue] }).WaitAsync(Timeouts.Hang);

            Assert.Equal(LedgerStatus.Committed, other.Status);
            Assert.False(held.IsCompleted);
            Assert.Equal(7, await h.BalanceAsync(Revenue.Id));
        }
        finally
        {
            holding.Release();
        }

        Assert.Equal(LedgerStatus.Committed, (await held).Status);
        Assert.Equal(17, await h.BalanceAsync(Revenue.Id));
        Assert.Equal(90, await h.BalanceAsync(first));
        await h.AssertInvariantsAsync();
        await h.AssertBalancesEqualTheirTransfersAsync();
    }
}
