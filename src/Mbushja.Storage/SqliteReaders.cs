using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;
using static SQLitePCL.raw;

namespace Mbushja.Storage;

/// <summary>
/// The SQLite connections of <see cref="Database.OpenReaderAsync"/> that are open and idle, each with its prepared
/// statements. At most <see cref="MaxIdle"/> are kept: one more comes back only in a burst, and is closed.
/// </summary>
internal sealed class SqliteReaders : IDisposable
{
    /// <summary>Idle readers kept: more than the requests that read at once on a small machine, since a read never waits on another.</summary>
    internal const int MaxIdle = 32;

    private readonly ConcurrentBag<ReaderConnection> _idle = [];
    private int _count;
    private volatile bool _disposed;

    public ReaderConnection? TryTake()
    {
        if (!_idle.TryTake(out ReaderConnection? reader))
        {
            return null;
        }

        Interlocked.Decrement(ref _count);
        return reader;
    }

    /// <summary>Takes a reader back; false when it must be closed instead (see <see cref="ReaderConnection"/>).</summary>
    public bool TryReturn(ReaderConnection reader)
    {
        if (_disposed || !reader.IsIdle)
        {
            return false;
        }

        if (Interlocked.Increment(ref _count) > MaxIdle)
        {
            Interlocked.Decrement(ref _count);
            return false;
        }

        _idle.Add(reader);
        if (_disposed && _idle.TryTake(out ReaderConnection? late))
        {
            // Disposed meanwhile: nothing would close it later.
            late.Close();
        }

        return true;
    }

    public void Dispose()
    {
        _disposed = true;
        while (_idle.TryTake(out ReaderConnection? reader))
        {
            reader.Close();
        }
    }
}

/// <summary>
/// A connection of <see cref="SqliteReaders"/>: disposing it gives it back, open with its statements, unless it is
/// inside a transaction or a statement of it has not finished (a reader not disposed would hold a snapshot, and stop
/// checkpoints behind it): such a one is closed, as any connection is when disposed.
/// </summary>
internal sealed class ReaderConnection(string connectionString, SqliteReaders readers) : SqliteConnection(connectionString)
{
    internal bool IsIdle
    {
        get
        {
            if (State != System.Data.ConnectionState.Open || Transaction is not null || sqlite3_get_autocommit(Handle) == 0)
            {
                return false;
            }

            for (SQLitePCL.sqlite3_stmt? statement = sqlite3_next_stmt(Handle, null); statement is not null; statement = sqlite3_next_stmt(Handle, statement))
            {
                if (sqlite3_stmt_busy(statement) != 0)
                {
                    return false;
                }
            }

            return true;
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && readers.TryReturn(this))
        {
            return;
        }

        base.Dispose(disposing);
    }
}
