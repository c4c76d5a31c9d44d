using Microsoft.Win32.SafeHandles;

namespace Mbushja.Storage.Commits;

/// <summary>
/// Syncs SQLite's write-ahead log to disk for the commit queue's writer, whose commits do not wait for it. A sync covers every
/// commit made before it began, so the requests that arrive while one runs share the next (group commit of syncs),
/// and the writer goes on committing meanwhile. A failed sync leaves the disk's state unknown: that request and every
/// later one fail, until the server is restarted (as PostgreSQL does).
/// </summary>
internal sealed class WalSync(string path) : IAsyncDisposable
{
    private readonly Lock _gate = new();
    private List<(Action Durable, Action<Exception> Failed)> _waiting = [];
    private bool _syncing;
    private Task _running = Task.CompletedTask;
    private Exception? _failure;

    /// <summary>The log, opened at the first sync (SQLite creates it); the writer's open connection keeps it from being deleted.</summary>
    private SafeFileHandle? _log;

    /// <summary>Runs <paramref name="durable"/> once what has been committed so far is on disk; <paramref name="failed"/> if that cannot be known.</summary>
    public void After(Action durable, Action<Exception> failed)
    {
        Exception? failure;
        lock (_gate)
        {
            failure = _failure;
            if (failure is null)
            {
                _waiting.Add((durable, failed));
                if (_syncing)
                {
                    return;
                }

                _syncing = true;
                _running = Task.Run(SyncWaiting);
                return;
            }
        }

        failed(failure);
    }

    private void SyncWaiting()
    {
        while (true)
        {
            List<(Action Durable, Action<Exception> Failed)> requests;
            lock (_gate)
            {
                if (_waiting.Count == 0)
                {
                    _syncing = false;
                    return;
                }

                requests = _waiting;
                _waiting = [];
            }

            Exception? failure = null;
            try
            {
                _log ??= File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                RandomAccess.FlushToDisk(_log);
            }
            catch (Exception e)
            {
                failure = new IOException($"The database log could not be synced to disk ({e.Message}); what it holds is unknown until a restart.", e);
                lock (_gate)
                {
                    _failure = failure;
                }
            }

            foreach ((Action durable, Action<Exception> failed) in requests)
            {
                if (failure is null)
                {
                    durable();
                }
                else
                {
                    failed(failure);
                }
            }
        }
    }

    /// <summary>Waits for the sync under way (the writer commits nothing more), then closes the log.</summary>
    public async ValueTask DisposeAsync()
    {
        Task running;
        lock (_gate)
        {
            running = _running;
        }

        await running;
        _log?.Dispose();
    }
}
