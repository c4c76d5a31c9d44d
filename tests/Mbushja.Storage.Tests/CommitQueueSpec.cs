using Mbushja.Storage.Commits;
using Mbushja.Testing;

namespace Mbushja.Storage.Tests;

/// <summary>The commit queue's behaviour, the same on every engine: work commits whole or not at all, alone or batched.</summary>
public abstract class CommitQueueSpec : IAsyncLifetime
{
    private TestDatabase _test = null!;
    private CommitQueue _commits = null!;

    protected abstract DatabaseKind Kind { get; }

    private Database Database => _test.Database;

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
        await queue.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Null(await queued);
        Assert.True(await MarkerWork.ExistsAsync(Database, "last"));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => queue.CommitAsync(new MarkerWork("after", refuse: false)));
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
}

public sealed class SqliteCommitQueueTests : CommitQueueSpec
{
    protected override DatabaseKind Kind => DatabaseKind.Sqlite;
}

public sealed class PostgresCommitQueueTests : CommitQueueSpec
{
    protected override DatabaseKind Kind => DatabaseKind.Postgres;
}
