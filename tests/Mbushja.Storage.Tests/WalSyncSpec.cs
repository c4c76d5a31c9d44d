using System.Data.Common;
using Mbushja.Storage.Commits;
using Mbushja.Testing;

namespace Mbushja.Storage.Tests;

/// <summary>
/// The SQLite writer's deferred sync: a caller is told its commit is durable only after a sync that began after it,
/// and a sync that fails fails its callers and every later one (the disk's state is unknown).
/// </summary>
public sealed class WalSyncSpec : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("mbushja-walsync-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task After_ManyRequestsAtOnce_EachToldDurableOnce()
    {
        string log = Path.Combine(_folder, "db-wal");
        await File.WriteAllBytesAsync(log, new byte[4096]);
        await using var sync = new WalSync(log);
        var told = new TaskCompletionSource[200];
        for (int i = 0; i < told.Length; i++)
        {
            TaskCompletionSource t = told[i] = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            sync.After(() => t.SetResult(), e => t.SetException(e));
        }

        await Task.WhenAll(told.Select(t => t.Task)).WaitAsync(Timeouts.Hang);
    }

    [Fact]
    public async Task After_SyncFails_ThisAndEveryLaterRequestFail()
    {
        // No log file to sync: what is on disk cannot be known.
        await using var sync = new WalSync(Path.Combine(_folder, "missing-wal"));
        var first = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        sync.After(() => first.SetResult(), e => first.SetException(e));
        IOException failure = await Assert.ThrowsAsync<IOException>(() => first.Task.WaitAsync(Timeouts.Hang));
        Assert.Contains("could not be synced", failure.Message, StringComparison.Ordinal);

        // A file there now changes nothing: the failed sync may have lost commits that were told nothing.
        await File.WriteAllBytesAsync(Path.Combine(_folder, "missing-wal"), new byte[4096]);
        var later = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        sync.After(() => later.SetResult(), e => later.SetException(e));
        await Assert.ThrowsAsync<IOException>(() => later.Task.WaitAsync(Timeouts.Hang));
    }
}

/// <summary>The writer's relaxed sync is its own: every other connection commits with a full sync (money is never lost).</summary>
public sealed class SqliteWriterSettingsSpec
{
    [Fact]
    public async Task AfterTheWriter_EveryPooledConnection_StillSyncsFullyAndChecksForeignKeys()
    {
        await using TestDatabase test = await TestDatabase.CreateAsync(DatabaseKind.Sqlite);
        Database database = test.Database;
        await using (var writer = new CommitQueue(database, TimeProvider.System))
        {
            // Relaxed work last: a writer that set NORMAL for it and gave its connection back would leave it so.
            await writer.CommitAsync(new MarkerWork("relaxed", refuse: false), Durability.Relaxed);
        }

        // Several at once, so the pool hands out every connection it holds, the writer's included had it kept it.
        var open = new List<DbConnection>();
        try
        {
            for (int i = 0; i < 8; i++)
            {
                open.Add(await database.OpenAsync());
            }

            foreach (DbConnection c in open)
            {
                await using DbCommand sync = c.Command("PRAGMA synchronous");
                await using DbCommand keys = c.Command("PRAGMA foreign_keys");
                Assert.Equal((2L, 1L), (Convert.ToInt64(await sync.ExecuteScalarAsync()), Convert.ToInt64(await keys.ExecuteScalarAsync())));
            }
        }
        finally
        {
            foreach (DbConnection c in open)
            {
                await c.DisposeAsync();
            }
        }
    }
}
