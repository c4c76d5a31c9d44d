namespace Mbushja.Ledger.Tests;

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

        await Task.WhenAll(told.Select(t => t.Task)).WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task After_SyncFails_ThisAndEveryLaterRequestFail()
    {
        // No log file to sync: what is on disk cannot be known.
        await using var sync = new WalSync(Path.Combine(_folder, "missing-wal"));
        var first = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        sync.After(() => first.SetResult(), e => first.SetException(e));
        IOException failure = await Assert.ThrowsAsync<IOException>(() => first.Task.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Contains("could not be synced", failure.Message, StringComparison.Ordinal);

        // A file there now changes nothing: the failed sync may have lost commits that were told nothing.
        await File.WriteAllBytesAsync(Path.Combine(_folder, "missing-wal"), new byte[4096]);
        var later = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        sync.After(() => later.SetResult(), e => later.SetException(e));
        await Assert.ThrowsAsync<IOException>(() => later.Task.WaitAsync(TimeSpan.FromSeconds(10)));
    }
}
