using System.Data.Common;
using Mbushja.Domain;
using Mbushja.Storage;
using Mbushja.Storage.Commits;
using Mbushja.Testing;

namespace Mbushja.Ledger.Tests;

/// <summary>The ledger's behaviour (README "Money"; docs/money.md), the same on every engine.</summary>
public abstract class LedgerSpec
{
    protected abstract DatabaseKind Kind { get; }

    private Task<LedgerHarness> StartAsync(CommitQueueOptions? options = null) => LedgerHarness.StartAsync(Kind, options);

    private static Money Cents(long c) => Money.FromCents(c);

    [Fact]
    public async Task Submit_SingleTransfer_MovesMoneyAndKeepsSumZero()
    {
        await using LedgerHarness h = await StartAsync();
        LedgerAccountId a = await h.OpenProtectedAsync("sub:a", 1000);
        LedgerAccountId b = await h.OpenProtectedAsync("sub:b", 0);

        LedgerOutcome outcome = await h.Engine.SubmitAsync(LedgerCommand.Of(TransferRequest.Single("t1", a, b, Cents(250), "test")));

        Assert.Equal(LedgerStatus.Committed, outcome.Status);
        Assert.Equal(750, await h.BalanceAsync(a));
        Assert.Equal(250, await h.BalanceAsync(b));
        Transfer recorded = Assert.Single(outcome.Transfers);
        Assert.Equal(("t1", "sub:a", "sub:b", 250L, TransferState.Posted), (recorded.Id, recorded.Debit, recorded.Credit, recorded.Amount.Cents, recorded.State));
        await h.AssertInvariantsAsync();
    }

    [Fact]
    public async Task Submit_SameIdAgain_ReturnsFirstOutcomeAndChangesNothing()
    {
        await using LedgerHarness h = await StartAsync();
        LedgerAccountId a = await h.OpenProtectedAsync("sub:a", 1000);
        LedgerAccountId b = await h.OpenProtectedAsync("sub:b", 0);
        LedgerCommand command = LedgerCommand.Of(TransferRequest.Single("t1", a, b, Cents(250), "test"));

        LedgerOutcome first = await h.Engine.SubmitAsync(command);
        LedgerOutcome again = await h.Engine.SubmitAsync(command);

        Assert.Equal(LedgerStatus.Committed, first.Status);
        Assert.Equal(LedgerStatus.Replayed, again.Status);
        Assert.Equal(first.Transfers[0].Id, again.Transfers[0].Id);
        Assert.Equal(first.Transfers[0].CreatedAt, again.Transfers[0].CreatedAt);
        Assert.Equal(750, await h.BalanceAsync(a));
    }

    [Fact]
    public async Task Submit_ReplayOfACommandTheBalanceNoLongerAllows_IsReplayedNotRefused()
    {
        await using LedgerHarness h = await StartAsync();
        LedgerAccountId a = await h.OpenProtectedAsync("sub:a", 1000);
        LedgerAccountId b = await h.OpenProtectedAsync("sub:b", 0);
        LedgerCommand command = LedgerCommand.Of(TransferRequest.Single("t1", a, b, Cents(1000), "test"));
        Assert.Equal(LedgerStatus.Committed, (await h.Engine.SubmitAsync(command)).Status);

        LedgerOutcome again = await h.Engine.SubmitAsync(command);

        Assert.Equal(LedgerStatus.Replayed, again.Status);
        Assert.Equal(0, await h.BalanceAsync(a));
        Assert.Equal(1000, await h.BalanceAsync(b));
    }

    [Fact]
    public async Task Submit_ReplayBatchedWithNewCommands_IsReplayedAndTheOthersCommit()
    {
        await using LedgerHarness h = await StartAsync(new CommitQueueOptions { PostgresWriters = 1 });
        LedgerAccountId a = await h.OpenProtectedAsync("sub:a", 1000);
        LedgerAccountId b = await h.OpenProtectedAsync("sub:b", 0);
        LedgerCommand first = LedgerCommand.Of(TransferRequest.Single("t1", a, b, Cents(100), "test"));
        await h.Engine.SubmitAsync(first);

        LedgerOutcome[] outcomes = await Task.WhenAll(
            h.Engine.SubmitAsync(LedgerCommand.Of(TransferRequest.Single("t2", a, b, Cents(10), "test"))),
            h.Engine.SubmitAsync(first),
            h.Engine.SubmitAsync(LedgerCommand.Of(TransferRequest.Single("t3", a, b, Cents(10), "test"))));

        Assert.Equal([LedgerStatus.Committed, LedgerStatus.Replayed, LedgerStatus.Committed], outcomes.Select(o => o.Status));
        Assert.Equal(880, await h.BalanceAsync(a));
        await h.AssertInvariantsAsync();
    }

    [Fact]
    public async Task Submit_SameIdWithOtherContent_IsRefusedAsConflict()
    {
        await using LedgerHarness h = await StartAsync();
        LedgerAccountId a = await h.OpenProtectedAsync("sub:a", 1000);
        LedgerAccountId b = await h.OpenProtectedAsync("sub:b", 0);
        await h.Engine.SubmitAsync(LedgerCommand.Of(TransferRequest.Single("t1", a, b, Cents(250), "test")));

        LedgerOutcome other = await h.Engine.SubmitAsync(LedgerCommand.Of(TransferRequest.Single("t1", a, b, Cents(300), "test")));

        Assert.Equal(LedgerStatus.Rejected, other.Status);
        Assert.Equal(LedgerErrorCodes.IdConflict, other.Error!.Code);
        Assert.Equal(750, await h.BalanceAsync(a));
    }

    [Fact]
    public async Task Submit_OverdraftOfProtectedAccount_IsRefusedAndChangesNothing()
    {
        await using LedgerHarness h = await StartAsync();
        LedgerAccountId a = await h.OpenProtectedAsync("sub:a", 100);
        LedgerAccountId b = await h.OpenProtectedAsync("sub:b", 0);

        LedgerOutcome outcome = await h.Engine.SubmitAsync(LedgerCommand.Of(TransferRequest.Single("t1", a, b, Cents(101), "test")));

        Assert.Equal(LedgerStatus.Rejected, outcome.Status);
        Assert.Equal(LedgerErrorCodes.InsufficientFunds, outcome.Error!.Code);
        Assert.Equal(100, await h.BalanceAsync(a));
        Assert.Null(await h.Queries.GetTransferAsync("t1"));
        // The refused id is free: the same transfer with money behind it goes through later.
        Assert.Equal(LedgerStatus.Committed, (await h.Engine.SubmitAsync(LedgerCommand.Of(TransferRequest.Single("t1", a, b, Cents(100), "test")))).Status);
    }

    [Fact]
    public async Task Submit_ExactBalance_EmptiesProtectedAccount()
    {
        await using LedgerHarness h = await StartAsync();
        LedgerAccountId a = await h.OpenProtectedAsync("sub:a", 100);
        LedgerAccountId b = await h.OpenProtectedAsync("sub:b", 0);

        LedgerOutcome outcome = await h.Engine.SubmitAsync(LedgerCommand.Of(TransferRequest.Single("t1", a, b, Cents(100), "test")));

        Assert.Equal(LedgerStatus.Committed, outcome.Status);
        Assert.Equal(0, await h.BalanceAsync(a));
    }

    [Fact]
    public async Task Submit_UnknownAccount_IsRefused()
    {
        await using LedgerHarness h = await StartAsync();
        LedgerAccountId a = await h.OpenProtectedAsync("sub:a", 100);

        LedgerOutcome outcome = await h.Engine.SubmitAsync(LedgerCommand.Of(TransferRequest.Single("t1", a, new LedgerAccountId("nobody"), Cents(1), "test")));

        Assert.Equal(LedgerErrorCodes.AccountNotFound, outcome.Error!.Code);
        Assert.Equal(100, await h.BalanceAsync(a));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    public async Task Submit_NonPositiveAmount_IsInvalid(long cents)
    {
        await using LedgerHarness h = await StartAsync();
        LedgerAccountId a = await h.OpenProtectedAsync("sub:a", 100);
        LedgerAccountId b = await h.OpenProtectedAsync("sub:b", 0);

        LedgerOutcome outcome = await h.Engine.SubmitAsync(LedgerCommand.Of(TransferRequest.Single("t1", a, b, Cents(cents), "test")));

        Assert.Equal(LedgerErrorCodes.InvalidCommand, outcome.Error!.Code);
    }

    [Fact]
    public async Task Submit_LinkedTransfersWithOneFailing_CommitsNone()
    {
        await using LedgerHarness h = await StartAsync();
        LedgerAccountId payer = await h.OpenProtectedAsync("sub:payer", 1000);
        LedgerAccountId x = await h.OpenOpenEndedAsync("svc:x");
        LedgerAccountId y = await h.OpenOpenEndedAsync("svc:y");

        LedgerOutcome outcome = await h.Engine.SubmitAsync(LedgerCommand.Of(
            TransferRequest.Single("l1", payer, x, Cents(400), "test"),
            TransferRequest.Single("l2", payer, y, Cents(400), "test"),
            TransferRequest.Single("l3", payer, x, Cents(400), "test")));

        Assert.Equal(LedgerStatus.Rejected, outcome.Status);
        Assert.Equal(2, outcome.Error!.TransferIndex);
        Assert.Equal(1000, await h.BalanceAsync(payer));
        Assert.Null(await h.Queries.GetTransferAsync("l1"));
        await h.AssertInvariantsAsync();
    }

    [Fact]
    public async Task Submit_LinkedTransfers_CommitTogetherUnderOneLink()
    {
        await using LedgerHarness h = await StartAsync();
        LedgerAccountId payer = await h.OpenProtectedAsync("sub:payer", 1000);
        LedgerAccountId x = await h.OpenOpenEndedAsync("svc:x");
        LedgerAccountId y = await h.OpenOpenEndedAsync("svc:y");

        LedgerOutcome outcome = await h.Engine.SubmitAsync(LedgerCommand.Of(
            TransferRequest.Single("l1", payer, x, Cents(850), "ussd.package"),
            TransferRequest.Single("l2", payer, y, Cents(50), "ussd.fee")));

        Assert.Equal(LedgerStatus.Committed, outcome.Status);
        Assert.All(outcome.Transfers, t => Assert.Equal("l1", t.LinkedId));
        Assert.Equal(100, await h.BalanceAsync(payer));
        Assert.Equal(851, await h.BalanceAsync(x));
    }

    [Fact]
    public async Task Pending_ReservesThenPost_MovesTheReservedMoney()
    {
        await using LedgerHarness h = await StartAsync();
        LedgerAccountId a = await h.OpenProtectedAsync("sub:a", 1000);
        LedgerAccountId b = await h.OpenProtectedAsync("sub:b", 0);

        await h.Engine.SubmitAsync(LedgerCommand.Of(TransferRequest.Pending("p1", a, b, Cents(600), "hold")));
        Assert.Equal(1000, await h.BalanceAsync(a));
        Assert.Equal(400, await h.AvailableAsync(a));
        LedgerOutcome overdraw = await h.Engine.SubmitAsync(LedgerCommand.Of(TransferRequest.Single("t2", a, b, Cents(401), "test")));
        Assert.Equal(LedgerErrorCodes.InsufficientFunds, overdraw.Error!.Code);

        LedgerOutcome posted = await h.Engine.SubmitAsync(LedgerCommand.Of(TransferRequest.Post("p1:post", "p1", "capture")));

        Assert.Equal(LedgerStatus.Committed, posted.Status);
        Assert.Equal(400, await h.BalanceAsync(a));
        Assert.Equal(400, await h.AvailableAsync(a));
        Assert.Equal(600, await h.BalanceAsync(b));
        Assert.Equal(TransferState.Posted, (await h.Queries.GetTransferAsync("p1"))!.State);
        await h.AssertInvariantsAsync();
    }

    [Fact]
    public async Task Pending_Void_ReleasesWithoutMoving()
    {
        await using LedgerHarness h = await StartAsync();
        LedgerAccountId a = await h.OpenProtectedAsync("sub:a", 1000);
        LedgerAccountId b = await h.OpenProtectedAsync("sub:b", 0);
        await h.Engine.SubmitAsync(LedgerCommand.Of(TransferRequest.Pending("p1", a, b, Cents(600), "hold")));

        LedgerOutcome voided = await h.Engine.SubmitAsync(LedgerCommand.Of(TransferRequest.Void("p1:void", "p1", "void")));

        Assert.Equal(LedgerStatus.Committed, voided.Status);
        Assert.Equal(1000, await h.AvailableAsync(a));
        Assert.Equal(0, await h.BalanceAsync(b));
        Assert.Equal(TransferState.Voided, (await h.Queries.GetTransferAsync("p1"))!.State);
        await h.AssertInvariantsAsync();
    }

    [Fact]
    public async Task Pending_ResolvedTwice_SecondIsRefusedAndReplayIsReplayed()
    {
        await using LedgerHarness h = await StartAsync();
        LedgerAccountId a = await h.OpenProtectedAsync("sub:a", 1000);
        LedgerAccountId b = await h.OpenProtectedAsync("sub:b", 0);
        await h.Engine.SubmitAsync(LedgerCommand.Of(TransferRequest.Pending("p1", a, b, Cents(600), "hold")));
        await h.Engine.SubmitAsync(LedgerCommand.Of(TransferRequest.Post("p1:post", "p1", "capture")));

        LedgerOutcome voidAfterPost = await h.Engine.SubmitAsync(LedgerCommand.Of(TransferRequest.Void("p1:void", "p1", "void")));
        LedgerOutcome postAgain = await h.Engine.SubmitAsync(LedgerCommand.Of(TransferRequest.Post("p1:post2", "p1", "capture")));
        LedgerOutcome replay = await h.Engine.SubmitAsync(LedgerCommand.Of(TransferRequest.Post("p1:post", "p1", "capture")));

        Assert.Equal(LedgerErrorCodes.PendingAlreadyResolved, voidAfterPost.Error!.Code);
        Assert.Equal(LedgerErrorCodes.PendingAlreadyResolved, postAgain.Error!.Code);
        Assert.Equal(LedgerStatus.Replayed, replay.Status);
        Assert.Equal(400, await h.BalanceAsync(a));
        Assert.Equal(600, await h.BalanceAsync(b));
    }

    /// <summary>TigerBeetle's two-phase transfers: a pending transfer's row is never changed; its post or void is a row of its own.</summary>
    [Fact]
    public async Task Pending_PostedOrVoided_ItsRowStaysAsWritten_AndTheResolutionIsARowOfItsOwn()
    {
        await using LedgerHarness h = await StartAsync();
        LedgerAccountId a = await h.OpenProtectedAsync("sub:a", 1000);
        LedgerAccountId b = await h.OpenProtectedAsync("sub:b", 0);
        await h.Engine.SubmitAsync(LedgerCommand.Of(TransferRequest.Pending("p1", a, b, Cents(600), "hold")));
        await h.Engine.SubmitAsync(LedgerCommand.Of(TransferRequest.Pending("p2", a, b, Cents(100), "hold")));

        await h.Engine.SubmitAsync(LedgerCommand.Of(TransferRequest.Post("p1:post", "p1", "capture")));
        await h.Engine.SubmitAsync(LedgerCommand.Of(TransferRequest.Void("p2:void", "p2", "void")));

        await using DbConnection c = await h.Test.Database.OpenAsync();
        await using DbCommand rows = c.Command("SELECT id, kind, state, pending_id FROM ledger_transfers WHERE id LIKE 'p%' ORDER BY id");
        await using DbDataReader r = await rows.ExecuteReaderAsync();
        var stored = new List<string>();
        while (await r.ReadAsync())
        {
            stored.Add($"{r.GetString(0)} {r.GetString(1)} {r.GetString(2)} {(r.IsDBNull(3) ? "-" : r.GetString(3))}");
        }

        Assert.Equal(["p1 pending pending -", "p1:post post posted p1", "p2 pending pending -", "p2:void void voided p2"], stored);
        Assert.Equal(TransferState.Posted, (await h.Queries.GetTransferAsync("p1"))!.State);
        Assert.Equal(TransferState.Voided, (await h.Queries.GetTransferAsync("p2"))!.State);
    }

    /// <summary>Two servers resolving one pending transfer at once: the unique index on its resolution lets exactly one through.</summary>
    [Fact]
    public async Task Pending_PostedAndVoidedByTwoServersAtOnce_ExactlyOneResolvesIt()
    {
        await using LedgerHarness h = await StartAsync();
        LedgerAccountId a = await h.OpenProtectedAsync("sub:a", 10_000);
        LedgerAccountId b = await h.OpenOpenEndedAsync("svc:b");
        await using var commits = new CommitQueue(h.Test.Database, TimeProvider.System);
        var second = new LedgerEngine(commits);
        for (int i = 0; i < 20; i++)
        {
            await h.Engine.SubmitAsync(LedgerCommand.Of(TransferRequest.Pending($"h{i}", a, b, Cents(100), "hold")));
        }

        LedgerOutcome[][] outcomes = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => Task.WhenAll(
            Task.Run(() => h.Engine.SubmitAsync(LedgerCommand.Of(TransferRequest.Post($"h{i}:post", $"h{i}", "capture")))),
            Task.Run(() => second.SubmitAsync(LedgerCommand.Of(TransferRequest.Void($"h{i}:void", $"h{i}", "void")))))));

        foreach (LedgerOutcome[] pair in outcomes)
        {
            Assert.Single(pair, o => o.Status == LedgerStatus.Committed);
            Assert.Single(pair, o => o.Error?.Code == LedgerErrorCodes.PendingAlreadyResolved);
        }

        int posted = outcomes.Count(p => p[0].Status == LedgerStatus.Committed);
        Assert.Equal(10_000 - (100 * posted), await h.BalanceAsync(a));
        Assert.Equal(10_000 - (100 * posted), await h.AvailableAsync(a));
        await h.AssertInvariantsAsync();
    }

    [Fact]
    public async Task Pending_PostOfUnknownOrNonPending_IsRefused()
    {
        await using LedgerHarness h = await StartAsync();
        LedgerAccountId a = await h.OpenProtectedAsync("sub:a", 1000);
        LedgerAccountId b = await h.OpenProtectedAsync("sub:b", 0);
        await h.Engine.SubmitAsync(LedgerCommand.Of(TransferRequest.Single("t1", a, b, Cents(1), "x")));

        Assert.Equal(LedgerErrorCodes.PendingNotFound, (await h.Engine.SubmitAsync(LedgerCommand.Of(TransferRequest.Post("x1", "nope", "c")))).Error!.Code);
        Assert.Equal(LedgerErrorCodes.NotPending, (await h.Engine.SubmitAsync(LedgerCommand.Of(TransferRequest.Post("x2", "t1", "c")))).Error!.Code);
    }

    [Fact]
    public async Task Work_Refusing_UndoesTheWholeCommand()
    {
        await using LedgerHarness h = await StartAsync();
        LedgerAccountId a = await h.OpenProtectedAsync("sub:a", 1000);
        LedgerAccountId b = await h.OpenProtectedAsync("sub:b", 0);
        var effect = new LedgerMarker("m1", refuse: true);

        LedgerOutcome outcome = await h.Engine.SubmitAsync(new LedgerCommand([TransferRequest.Single("t1", a, b, Cents(5), "x")]) { Work = effect });

        Assert.Equal(LedgerStatus.Rejected, outcome.Status);
        Assert.Equal("REFUSED", outcome.Error!.Code);
        Assert.Equal(1000, await h.BalanceAsync(a));
        Assert.False(await LedgerMarker.ExistsAsync(h.Test.Database, "m1"));
    }

    [Fact]
    public async Task Work_Accepting_CommitsWithTheTransfers()
    {
        await using LedgerHarness h = await StartAsync();
        LedgerAccountId a = await h.OpenProtectedAsync("sub:a", 1000);
        LedgerAccountId b = await h.OpenProtectedAsync("sub:b", 0);

        LedgerOutcome outcome = await h.Engine.SubmitAsync(
            new LedgerCommand([TransferRequest.Single("t1", a, b, Cents(5), "x")]) { Work = new LedgerMarker("m1", refuse: false) });

        Assert.Equal(LedgerStatus.Committed, outcome.Status);
        Assert.True(await LedgerMarker.ExistsAsync(h.Test.Database, "m1"));
    }

    [Fact]
    public async Task Work_OfAReplayedCommand_DoesNotRunAgain()
    {
        await using LedgerHarness h = await StartAsync();
        LedgerAccountId a = await h.OpenProtectedAsync("sub:a", 1000);
        LedgerAccountId b = await h.OpenProtectedAsync("sub:b", 0);
        await h.Engine.SubmitAsync(new LedgerCommand([TransferRequest.Single("t1", a, b, Cents(5), "x")]) { Work = new LedgerMarker("m1", refuse: false) });

        LedgerOutcome again = await h.Engine.SubmitAsync(
            new LedgerCommand([TransferRequest.Single("t1", a, b, Cents(5), "x")]) { Work = new LedgerMarker("m2", refuse: false) });

        Assert.Equal(LedgerStatus.Replayed, again.Status);
        Assert.False(await LedgerMarker.ExistsAsync(h.Test.Database, "m2"));
        Assert.Equal(995, await h.BalanceAsync(a));
    }

    [Fact]
    public async Task Work_Throwing_FailsOnlyItsCommand()
    {
        await using LedgerHarness h = await StartAsync();
        LedgerAccountId a = await h.OpenProtectedAsync("sub:a", 1000);
        LedgerAccountId b = await h.OpenProtectedAsync("sub:b", 0);

        Task<LedgerOutcome> bad = h.Engine.SubmitAsync(
            new LedgerCommand([TransferRequest.Single("bad", a, b, Cents(5), "x")]) { Work = new LedgerMarker("bad", refuse: false, throws: true) });
        Task<LedgerOutcome> good = h.Engine.SubmitAsync(LedgerCommand.Of(TransferRequest.Single("good", a, b, Cents(7), "x")));

        await Assert.ThrowsAsync<InvalidOperationException>(() => bad);
        Assert.Equal(LedgerStatus.Committed, (await good).Status);
        Assert.Equal(993, await h.BalanceAsync(a));
        Assert.Null(await h.Queries.GetTransferAsync("bad"));
    }

    /// <summary>
    /// Work's reads are read for it (with the load, where that saves a round trip), and a read of rows that work before
    /// it in the batch wrote is made again: two read-modify-writes of one row in one batch add up.
    /// </summary>
    [Fact]
    public async Task Work_Reads_SeeWhatWorkBeforeItInTheBatchWrote()
    {
        await using LedgerHarness h = await StartAsync(new CommitQueueOptions { PostgresWriters = 1 });
        LedgerAccountId a = await h.OpenProtectedAsync("sub:a", 1000);
        LedgerAccountId b = await h.OpenProtectedAsync("sub:b", 0);
        await CountingWork.CreateAsync(h.Test.Database, "c");

        // The writer is held, so that the two commands, queued meanwhile, are committed in one batch.
        var holding = new HoldingWork();
        Task<CommitRefusal?> held = h.Commits.CommitAsync(holding);
        await holding.Entered;
        var first = new CountingWork("c");
        var second = new CountingWork("c");
        Task<LedgerOutcome> one = h.Engine.SubmitAsync(new LedgerCommand([TransferRequest.Single("t1", a, b, Cents(5), "x")]) { Work = first });
        Task<LedgerOutcome> two = h.Engine.SubmitAsync(new LedgerCommand([TransferRequest.Single("t2", a, b, Cents(5), "x")]) { Work = second });
        holding.Release();

        Assert.Null(await held);
        Assert.Equal(LedgerStatus.Committed, (await one).Status);
        Assert.Equal(LedgerStatus.Committed, (await two).Status);
        Assert.Equal([0L, 1L], new[] { first.Seen, second.Seen }.Order());
        Assert.Equal(2, await CountingWork.CountAsync(h.Test.Database, "c"));
        Assert.Equal(990, await h.BalanceAsync(a));
    }

    [Fact]
    public async Task Database_RefusesOverdraftEvenWithoutTheEngine()
    {
        await using LedgerHarness h = await StartAsync();
        LedgerAccountId a = await h.OpenProtectedAsync("sub:a", 100);
        await using DbConnection c = await h.Test.Database.OpenAsync();
        await using DbCommand cmd = c.Command("UPDATE ledger_accounts SET balance = balance - 101 WHERE id = 'sub:a'");

        DbException e = await Assert.ThrowsAnyAsync<DbException>(() => cmd.ExecuteNonQueryAsync());

        Assert.True(DbErrors.IsCheckViolation(e), e.Message);
        Assert.Equal(100, await h.BalanceAsync(a));
    }

    [Fact]
    public async Task Concurrent_ManyDebitsOfOneAccount_NeverOverdrawAndNeverLoseAnUpdate()
    {
        await using LedgerHarness h = await StartAsync();
        LedgerAccountId a = await h.OpenProtectedAsync("sub:a", 100);
        LedgerAccountId b = await h.OpenOpenEndedAsync("svc:b");

        LedgerOutcome[] outcomes = await Task.WhenAll(Enumerable.Range(0, 300).Select(i =>
            Task.Run(() => h.Engine.SubmitAsync(LedgerCommand.Of(TransferRequest.Single($"c{i}", a, b, Cents(1), "x"))))));

        Assert.Equal(100, outcomes.Count(o => o.Status == LedgerStatus.Committed));
        Assert.Equal(200, outcomes.Count(o => o.Error?.Code == LedgerErrorCodes.InsufficientFunds));
        Assert.Equal(0, await h.BalanceAsync(a));
        Assert.Equal(101, await h.BalanceAsync(b));
        await h.AssertInvariantsAsync();
    }

    [Fact]
    public async Task Concurrent_TwoServersOnOneDatabase_NeverOverdrawAndReplayOnce()
    {
        await using LedgerHarness h = await StartAsync();
        LedgerAccountId a = await h.OpenProtectedAsync("sub:a", 150);
        LedgerAccountId b = await h.OpenOpenEndedAsync("svc:b");
        await using var commits = new CommitQueue(h.Test.Database, TimeProvider.System);
        var second = new LedgerEngine(commits);

        // Each id is sent to both servers at once: one commits it, the other sees it replayed.
        Task<LedgerOutcome>[] tasks = [.. Enumerable.Range(0, 200).SelectMany(i =>
        {
            LedgerCommand command = LedgerCommand.Of(TransferRequest.Single($"c{i}", a, b, Cents(1), "x"));
            return new[] { Task.Run(() => h.Engine.SubmitAsync(command)), Task.Run(() => second.SubmitAsync(command)) };
        })];
        LedgerOutcome[] outcomes = await Task.WhenAll(tasks);

        Assert.Equal(150, outcomes.Count(o => o.Status == LedgerStatus.Committed));
        Assert.Equal(0, await h.BalanceAsync(a));
        Assert.Equal(151, await h.BalanceAsync(b));
        LedgerTotals totals = await h.Queries.GetTotalsAsync();
        Assert.Equal(0, totals.BalanceSum);
        Assert.Equal(0, totals.OverdrawnAccounts);
    }
}

public sealed class SqliteLedgerTests : LedgerSpec
{
    protected override DatabaseKind Kind => DatabaseKind.Sqlite;
}

public sealed class PostgresLedgerTests : LedgerSpec
{
    protected override DatabaseKind Kind => DatabaseKind.Postgres;

    /// <summary>
    /// Round trips are what cost on PostgreSQL: a lone command whose work reads and defers takes two, the load with the
    /// work's read, and the writes with the COMMIT (counted as Npgsql's commands and batches run within this test's
    /// activity).
    /// </summary>
    [Fact]
    public async Task Work_ThatReadsAndDefers_Alone_TakesTwoRoundTrips()
    {
        await using LedgerHarness h = await LedgerHarness.StartAsync(Kind);
        LedgerAccountId a = await h.OpenProtectedAsync("sub:a", 1000);
        LedgerAccountId b = await h.OpenProtectedAsync("sub:b", 0);
        await CountingWork.CreateAsync(h.Test.Database, "c");

        // Both writers' connections are opened before the count.
        await Task.WhenAll(
            h.Engine.SubmitAsync(LedgerCommand.Of(TransferRequest.Single("w1", a, b, Money.FromCents(1), "x"))),
            h.Engine.SubmitAsync(LedgerCommand.Of(TransferRequest.Single("w2", a, b, Money.FromCents(1), "x"))));
        using var counted = new RoundTrips();
        var work = new CountingWork("c");

        LedgerOutcome outcome = await h.Engine.SubmitAsync(new LedgerCommand([TransferRequest.Single("t1", a, b, Money.FromCents(5), "x")]) { Work = work });

        Assert.Equal(LedgerStatus.Committed, outcome.Status);
        string[] trips = counted.SentByWork();
        string said = string.Join(" | ", trips);
        Assert.True(trips.Length == 2, said);
        Assert.Contains("FROM test_counters", trips[0], StringComparison.Ordinal);
        Assert.True(trips[1].EndsWith("COMMIT", StringComparison.Ordinal), said);
        Assert.Equal(1, await CountingWork.CountAsync(h.Test.Database, "c"));
    }
}
