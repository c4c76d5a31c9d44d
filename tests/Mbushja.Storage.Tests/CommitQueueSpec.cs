using Mbushja.Storage.Commits;
using Mbushja.Testing;

namespace Mbushja.Storage.Tests;

/// <summary>The commit queue's behaviour, the same on every engine: work commits whole or not at all, alone or batched.</summary>
public abstract class CommitQueueSpec : IAsyncLifetime
{
    private TestDatabase _test = null!;
    private CommitQueue _commits = null!;

    protected abstract DatabaseKind Kind { get; }

    protected Database Database => _test.Database;

    protected CommitQueue Commits => _commits;

    public async Task InitializeAsync()
    {
        _test = await TestDatabase.CreateAsync(Kind);
        _commits = new CommitQueue(Database, TimeProvider.System);
        // Made before any burst: two PostgreSQL writers creating it at once would collide in the catalog.
        Assert.False(await MarkerWork.ExistsAsync(Database, "none"));
    }

    public async Task DisposeAsync()
    {
        await _commits.DisposeAsync();
        await _test.DisposeAsync();
    }

    [Fact]
    public async Task Commit_Work_CommitsOrIsUndoneWhenItRefuses()
    {
        CommitRefusal? accepted = await _commits.CommitAsync(new MarkerWork("m1", refuse: false));
        CommitRefusal? refused = await _commits.CommitAsync(new MarkerWork("m2", refuse: true));

        Assert.Null(accepted);
        Assert.True(await MarkerWork.ExistsAsync(Database, "m1"));
        Assert.Equal("REFUSED", refused?.Code);
        Assert.False(await MarkerWork.ExistsAsync(Database, "m2"));
    }

    [Fact]
    public async Task Commit_Throwing_FailsOnlyItsRequest()
    {
        Task<CommitRefusal?> bad = _commits.CommitAsync(new ThrowingWork());
        Task<CommitRefusal?> good = _commits.CommitAsync(new MarkerWork("good", refuse: false));

        await Assert.ThrowsAsync<InvalidOperationException>(() => bad);
        Assert.Null(await good);
        Assert.True(await MarkerWork.ExistsAsync(Database, "good"));
    }

    [Fact]
    public async Task Commit_RefusingBeforeItWrites_CommitsOrRefusesWithoutASavepoint_AndAThrowUndoesItAndFailsOnlyItsRequest()
    {
        // Submitted together, so that they most likely share a batch with the one that throws.
        Task<CommitRefusal?> inserted = _commits.CommitAsync(new RefusesFirstWork("s1", "insert"));
        Task<CommitRefusal?> refused = _commits.CommitAsync(new RefusesFirstWork("s2", "update"));
        Task<CommitRefusal?> thrown = _commits.CommitAsync(new RefusesFirstWork("s3", "throw"));
        Task<CommitRefusal?> thrownLater = _commits.CommitAsync(new RefusesFirstWork("s4", "write, then throw"));
        Task<CommitRefusal?> other = _commits.CommitAsync(new MarkerWork("other", refuse: false));

        Assert.Null(await inserted);
        Assert.Equal("REFUSED", (await refused)?.Code);
        await Assert.ThrowsAsync<InvalidOperationException>(() => thrown);
        await Assert.ThrowsAsync<InvalidOperationException>(() => thrownLater);
        Assert.Null(await other);
        Assert.True(await MarkerWork.ExistsAsync(Database, "s1"));
        Assert.True(await MarkerWork.ExistsAsync(Database, "s1+"));
        Assert.False(await MarkerWork.ExistsAsync(Database, "s2"));
        Assert.False(await MarkerWork.ExistsAsync(Database, "s4"));
        Assert.True(await MarkerWork.ExistsAsync(Database, "other"));
    }

    /// <summary>Work that need not wait for the disk commits like any other, also mixed with durable work in one burst.</summary>
    [Fact]
    public async Task Commit_RelaxedMixedWithDurable_EachCommitsOrRefusesAsItsOwn()
    {
        Task<CommitRefusal?>[] burst =
        [
            .. Enumerable.Range(0, 20).Select(i => _commits.CommitAsync(new MarkerWork($"r{i}", refuse: false), Durability.Relaxed)),
            .. Enumerable.Range(0, 20).Select(i => _commits.CommitAsync(new MarkerWork($"d{i}", refuse: false))),
            _commits.CommitAsync(new MarkerWork("refused", refuse: true), Durability.Relaxed),
        ];
        CommitRefusal?[] outcomes = await Task.WhenAll(burst);

        Assert.All(outcomes[..^1], Assert.Null);
        Assert.NotNull(outcomes[^1]);
        Assert.True(await MarkerWork.ExistsAsync(Database, "r19"));
        Assert.True(await MarkerWork.ExistsAsync(Database, "d19"));
        Assert.False(await MarkerWork.ExistsAsync(Database, "refused"));
    }

    /// <summary>A conditional statement commits when it changes one row, and is refused (changing nothing) otherwise; durable or relaxed.</summary>
    [Theory]
    [InlineData(Durability.Durable)]
    [InlineData(Durability.Relaxed)]
    public async Task Statement_Conditional_CommitsOneRowOrIsRefused(Durability durability)
    {
        var refusal = new CommitRefusal("TAKEN", "Taken already.");
        CommitStatement Claim(string id) =>
            CommitStatement.Conditional("INSERT INTO test_markers (id) VALUES (@id) ON CONFLICT DO NOTHING", refusal, ("id", id));

        Assert.Null(await _commits.CommitAsync(Claim("c1"), durability));
        Assert.Same(refusal, await _commits.CommitAsync(Claim("c1"), durability));
        Assert.True(await MarkerWork.ExistsAsync(Database, "c1"));
    }

    [Fact]
    public async Task Statement_Any_CommitsAndCountsItsRows()
    {
        await _commits.CommitAsync(new MarkerWork("x1", refuse: false));
        await _commits.CommitAsync(new MarkerWork("x2", refuse: false));
        CommitStatement purge = CommitStatement.Any("DELETE FROM test_markers WHERE id LIKE 'x%'");

        Assert.Null(await _commits.CommitAsync(purge, Durability.Relaxed));

        Assert.Equal(2, purge.Rows);
        Assert.False(await MarkerWork.ExistsAsync(Database, "x1"));
    }

    /// <summary>A container disposes what it holds, after its owner may have: the second time does nothing, and nothing hangs.</summary>
    [Fact]
    public async Task Dispose_Twice_CommitsWhatWasQueuedOnce_AndReturns()
    {
        var queue = new CommitQueue(Database, TimeProvider.System);
        Task<CommitRefusal?> queued = queue.CommitAsync(new MarkerWork("last", refuse: false));

        await queue.DisposeAsync();
        await queue.DisposeAsync().AsTask().WaitAsync(Timeouts.Hang);

        Assert.Null(await queued);
        Assert.True(await MarkerWork.ExistsAsync(Database, "last"));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => queue.CommitAsync(new MarkerWork("after", refuse: false)));
    }

    /// <summary>
    /// Deferred statements commit with their work and go with its refusal; a refusal after another work's deferred
    /// statements leaves them; work that is not pipelined runs after what was deferred before it.
    /// </summary>
    [Fact]
    public async Task Commit_DeferredStatements_CommitWithTheirWork_AndGoWithItsRefusal()
    {
        // Submitted together, so that they most likely share a batch; the outcome must not depend on it.
        Task<CommitRefusal?>[] burst =
        [
            _commits.CommitAsync(new DeferringWork("p1", "accept")),
            _commits.CommitAsync(new DeferringWork("p2", "refuse")),
            _commits.CommitAsync(new RefusesFirstWork("p3", "update")),
            _commits.CommitAsync(new DeferringWork("p4", "accept")),
            _commits.CommitAsync(new MarkerWork("p5", refuse: true)),
            _commits.CommitAsync(new MarkerWork("p6", refuse: false)),
            _commits.CommitAsync(new DeferringWork("p7", "accept")),
        ];
        CommitRefusal?[] outcomes = await Task.WhenAll(burst);

        Assert.Equal([null, "REFUSED", "REFUSED", null, "REFUSED", null, null], outcomes.Select(o => o?.Code));
        await AssertMarkersAsync(there: ["p1", "p1+", "p4", "p4+", "p6", "p7", "p7+"], gone: ["p2", "p2+", "p3", "p5"]);
    }

    /// <summary>
    /// A statement expected to change one row commits with its work when it does, and the work is refused when it does
    /// not (a PostgreSQL batch finding that out is tried again, the statement run at once); the rest commits either way.
    /// </summary>
    [Fact]
    public async Task Commit_AnExpectedRowMissing_RefusesOnlyItsWork()
    {
        Assert.Null(await _commits.CommitAsync(new MarkerWork("e1", refuse: false)));

        Task<CommitRefusal?>[] burst =
        [
            _commits.CommitAsync(new DeferringWork("e0", "accept")),
            _commits.CommitAsync(new ExpectingWork("e1", "e1-renamed")),
            _commits.CommitAsync(new ExpectingWork("nobody", "nobody-renamed")),
            _commits.CommitAsync(new DeferringWork("e2", "accept")),
        ];
        CommitRefusal?[] outcomes = await Task.WhenAll(burst);

        Assert.Equal([null, null, "REFUSED", null], outcomes.Select(o => o?.Code));
        await AssertMarkersAsync(there: ["e0+", "e1-renamed", "e1-renamed+", "e2+"], gone: ["e1", "nobody-renamed+"]);
    }

    /// <summary>A deferred statement that fails fails its own request; what was batched with it commits.</summary>
    [Fact]
    public async Task Commit_ADeferredStatementFails_OnlyItsRequestFails()
    {
        Task<CommitRefusal?> before = _commits.CommitAsync(new DeferringWork("f1", "accept"));
        Task<CommitRefusal?> failing = _commits.CommitAsync(new DeferringWork("f2", "fail"));
        Task<CommitRefusal?> after = _commits.CommitAsync(new DeferringWork("f3", "accept"));

        await Assert.ThrowsAnyAsync<System.Data.Common.DbException>(() => failing);
        Assert.Null(await before);
        Assert.Null(await after);
        await AssertMarkersAsync(there: ["f1+", "f3+"], gone: ["f2", "f2+"]);
    }

    /// <summary>A statement asked for while others are deferred would run before them: a bug, refused loudly.</summary>
    [Fact]
    public async Task Commit_AStatementWhileStatementsAreDeferred_FailsItsRequest_AndNothingOfItRemains()
    {
        Task<CommitRefusal?> bad = _commits.CommitAsync(new DeferringWork("b1", "statement"));
        Task<CommitRefusal?> good = _commits.CommitAsync(new DeferringWork("b2", "accept"));

        await Assert.ThrowsAsync<InvalidOperationException>(() => bad);
        Assert.Null(await good);
        await AssertMarkersAsync(there: ["b2+"], gone: ["b1"]);
    }

    /// <summary>A read through the commit finds what the work deferred (it travels ahead of the read), and what is committed.</summary>
    [Fact]
    public async Task Query_AfterDeferredStatements_FindsWhatWasDeferred()
    {
        Assert.Null(await _commits.CommitAsync(new MarkerWork("q1", refuse: false)));
        var work = new DeferThenQueryWork("q2", "q1", "q2", "q3");

        Assert.Null(await _commits.CommitAsync(work));
        Assert.Equal(["q1", "q2"], work.Found);
        Assert.True(await MarkerWork.ExistsAsync(Database, "q2"));
    }

    /// <summary>
    /// A write that returns its row commits when it returns one, which the caller then has, and is refused otherwise;
    /// relaxed (which the engine may commit apart from the queue) or durable.
    /// </summary>
    [Theory]
    [InlineData(Durability.Relaxed)]
    [InlineData(Durability.Durable)]
    public async Task Returning_CommitsWhenItReturnsARow_AndIsRefusedWhenItReturnsNone(Durability durability)
    {
        string marker = "r-" + durability;
        CommitStatement Insert() => CommitStatement.Returning(
            "INSERT INTO test_markers (id) VALUES (@id) ON CONFLICT (id) DO NOTHING RETURNING id, 7",
            new CommitRefusal("TAKEN", "The marker is there already."),
            ("id", marker));
        CommitStatement first = Insert(), second = Insert();

        CommitRefusal? written = await _commits.CommitAsync(first, durability);
        CommitRefusal? refused = await _commits.CommitAsync(second, durability);

        Assert.Null(written);
        Assert.Equal(marker, first.Returned?[0]);
        Assert.Equal(7L, Convert.ToInt64(first.Returned?[1], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("TAKEN", refused?.Code);
        Assert.Null(second.Returned);
        Assert.True(await MarkerWork.ExistsAsync(Database, marker));
    }

    [Fact]
    public async Task Commit_TwoQueuesOnOneDatabase_BothCommit()
    {
        await using var second = new CommitQueue(Database, TimeProvider.System);

        CommitRefusal?[] outcomes = await Task.WhenAll(Enumerable.Range(0, 50).Select(i =>
            (i % 2 == 0 ? _commits : second).CommitAsync(new MarkerWork($"q{i}", refuse: false))));

        Assert.All(outcomes, Assert.Null);
        Assert.True(await MarkerWork.ExistsAsync(Database, "q49"));
    }

    /// <summary>Each marker of <paramref name="there"/> was committed, and none of <paramref name="gone"/> remains.</summary>
    private async Task AssertMarkersAsync(string[] there, string[] gone)
    {
        foreach (string marker in there)
        {
            Assert.True(await MarkerWork.ExistsAsync(Database, marker), marker);
        }

        foreach (string marker in gone)
        {
            Assert.False(await MarkerWork.ExistsAsync(Database, marker), marker);
        }
    }
}

public sealed class SqliteCommitQueueTests : CommitQueueSpec
{
    protected override DatabaseKind Kind => DatabaseKind.Sqlite;
}

public sealed class PostgresCommitQueueTests : CommitQueueSpec
{
    protected override DatabaseKind Kind => DatabaseKind.Postgres;

    /// <summary>
    /// Round trips are what cost on PostgreSQL: a lone pipelined work's savepoint travels with its first statement, and
    /// what it deferred with the COMMIT. Two round trips in all (counted as Npgsql's commands and batches run within
    /// this test's activity).
    /// </summary>
    [Fact]
    public async Task Commit_APipelinedWorkAlone_TakesTwoRoundTrips()
    {
        await Commits.CommitAsync(new DeferringWork("warm", "accept"));
        using var counted = new RoundTrips();

        Assert.Null(await Commits.CommitAsync(new DeferringWork("alone", "accept")));

        // A writer opens its connection once (the queue has two on PostgreSQL, and this may be the second's first use).
        string[] trips = counted.SentByWork();
        string said = string.Join(" | ", trips);
        Assert.True(trips.Length == 2, said);
        Assert.True(trips[0].StartsWith("SAVEPOINT work", StringComparison.Ordinal), said);
        Assert.True(trips[1].EndsWith("COMMIT", StringComparison.Ordinal), said);
        Assert.True(await MarkerWork.ExistsAsync(Database, "alone+"));
    }
}
