using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Reflection;
using System.Runtime.InteropServices;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Mbushja.Bench;

/// <summary>
/// Counts that do not depend on the machine's load, for bench/sms and bench/ussd (bench/README.md, "Counts"): the
/// PostgreSQL round trips of this process, the statements SQLite ran in it, and the bytes it allocated.
/// <see cref="Install"/> once, before the first database is opened, <see cref="Attach"/> the server's database before
/// its load starts; read with <see cref="Take"/> at both ends of a measured window.
/// </summary>
/// <remarks>
/// <para>
/// A round trip is one wait for PostgreSQL's answer (one ReadyForQuery). Npgsql makes them two ways, both counted:
/// <list type="bullet">
/// <item>an <c>NpgsqlCommand</c> or <c>NpgsqlBatch</c> run, however many statements it holds: Npgsql's meter
/// (<c>db.client.operation.npgsql.executing</c> going up by one, once per run);</item>
/// <item>an <c>NpgsqlTransaction</c>'s own <c>COMMIT</c>, <c>ROLLBACK</c>, <c>ROLLBACK TO SAVEPOINT</c> and
/// <c>RELEASE SAVEPOINT</c>, which are no command: Npgsql's log events of category <c>Npgsql.Transaction</c>. The
/// server's data source is built without a logger factory, so <see cref="Attach"/> puts a counting logger into it by
/// reflection (Npgsql's internals: it says so when they are not where it looks). On PostgreSQL the commit queue sends
/// its COMMIT with the ledger's last writes, so these are only the rollbacks of failed batches: 0 in a clean run.</item>
/// </list>
/// Not round trips of their own, so not counted: <c>BEGIN</c> and <c>SAVEPOINT</c> from <c>NpgsqlTransaction</c>, and
/// the pool's reset of a connection, which Npgsql sends ahead of the next command. Not counted although they are round
/// trips: opening a new physical connection (startup, authentication, type loading), rare once the pools are warm.
/// </para>
/// <para>
/// A SQLite statement is one run of a prepared statement, counted by SQLite itself when the run ends (its profile
/// trace, <c>SQLITE_TRACE_PROFILE</c>): <c>BEGIN</c>, <c>COMMIT</c>, <c>SAVEPOINT</c> and <c>PRAGMA</c> included, each
/// statement of a command text that holds several counted apart. The trace is set on every connection this process
/// opens after <see cref="Install"/> (SQLite's auto-extension, run at each open), whichever pool or writer opened it.
/// </para>
/// </remarks>
internal static class DbCounts
{
    private static long s_operations;
    private static long s_transactionEnds;
    private static long s_sqliteStatements;
    private static MeterListener? s_listener;
    private static readonly AsyncLocal<Tally?> Current = new();
    private static volatile bool s_breakingDown;
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, long> Breakdown = new(StringComparer.Ordinal);

    /// <summary>
    /// While true, SQLite's statements are also counted by their text (<see cref="TakeBreakdown"/>): which statements a
    /// window ran, for a profile of the database work (bench/sms <c>--statements</c>). Costs a string per statement.
    /// </summary>
    public static bool BreakingDown
    {
        get => s_breakingDown;
        set => s_breakingDown = value;
    }

    /// <summary>The statements counted by text since the last call, most run first; the counts start again.</summary>
    public static IReadOnlyList<(string Sql, long Runs)> TakeBreakdown()
    {
        var taken = new List<(string, long)>();
        foreach (string sql in Breakdown.Keys)
        {
            if (Breakdown.TryRemove(sql, out long runs))
            {
                taken.Add((sql, runs));
            }
        }

        return [.. taken.OrderByDescending(t => t.Item2)];
    }

    /// <summary>
    /// Round trips (PostgreSQL) or statements (SQLite) made within one request (while <see cref="Track"/>'s tally is
    /// current in its flow; SQLite reports a statement on the thread that ran it, so in that flow too).
    /// </summary>
    internal sealed class Tally
    {
        private long _operations;

        public long Operations => Interlocked.Read(ref _operations);

        public void Add() => Interlocked.Increment(ref _operations);
    }

    public static void Install()
    {
        if (s_listener is not null)
        {
            return;
        }

        var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == "Npgsql" && instrument.Name == "db.client.operation.npgsql.executing")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<int>((_, value, _, _) => Executing(value));
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => Executing(value));
        listener.Start();
        s_listener = listener;
        SqliteStatements.Install();
    }

    /// <summary>
    /// Counts the round trips of the server's <c>NpgsqlTransaction</c>s: sets the counting logger as the transaction
    /// logger of its data source (<c>Database._postgres</c>), then closes the pool's idle connections, whose
    /// transactions were made with the logger of before. Call before the load starts (a connection a commit writer
    /// opened already and keeps would still be uncounted: <see cref="TransactionEnds"/> says whether any were seen).
    /// No-op on SQLite.
    /// </summary>
    public static void Attach(object database)
    {
        const BindingFlags Instance = BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public;
        if (database.GetType().GetField("_postgres", Instance)?.GetValue(database) is not NpgsqlDataSource source)
        {
            return;
        }

        object? logging = typeof(NpgsqlDataSource).GetProperty("LoggingConfiguration", Instance)?.GetValue(source);
        FieldInfo? logger = logging?.GetType().GetField("<TransactionLogger>k__BackingField", Instance);
        if (logger is null)
        {
            Console.Error.WriteLine("DbCounts: Npgsql's transaction logger is not where it was (Npgsql upgraded?): NpgsqlTransaction's own COMMIT/ROLLBACK go uncounted");
            return;
        }

        logger.SetValue(logging, new TransactionEnds());
        source.Clear();
    }

    /// <summary>Makes a fresh tally current for the rest of this flow (a request): the round trips or statements made in it add to it.</summary>
    public static Tally Track()
    {
        var tally = new Tally();
        Current.Value = tally;
        return tally;
    }

    public static DbSnapshot Take()
    {
        using var process = Process.GetCurrentProcess();
        return new(Interlocked.Read(ref s_operations), Interlocked.Read(ref s_transactionEnds), Interlocked.Read(ref s_sqliteStatements),
            GC.GetTotalAllocatedBytes(precise: true), Stopwatch.GetTimestamp(), process.TotalProcessorTime.Ticks);
    }

    private static void Executing(long value)
    {
        // The counter goes up by one when a command or batch starts and down by one when it ends: count the starts.
        if (value > 0)
        {
            Interlocked.Increment(ref s_operations);
            Current.Value?.Add();
        }
    }

    private static void TransactionEnd()
    {
        Interlocked.Increment(ref s_transactionEnds);
        Current.Value?.Add();
    }

    /// <summary>
    /// SQLite's profile trace on every connection: an auto-extension (which SQLite runs at each open of a connection)
    /// sets it, and it counts one statement each time a statement's run ends. Straight into SQLite's library, the one
    /// Microsoft.Data.Sqlite loads (<c>e_sqlite3</c>): Microsoft.Data.Sqlite has no hook of its own for this.
    /// </summary>
    private static class SqliteStatements
    {
        private const uint TraceProfile = 0x02;

        // Kept for the life of the process: SQLite holds on to their function pointers.
        private static readonly AutoExtension Opened = OnOpen;
        private static readonly Trace Ended = OnEnded;
        private static readonly IntPtr EndedPointer = Marshal.GetFunctionPointerForDelegate(Ended);

        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        private delegate int AutoExtension(IntPtr db, IntPtr errorMessage, IntPtr api);

        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        private delegate int Trace(uint kind, IntPtr context, IntPtr statement, IntPtr nanoseconds);

        public static void Install()
        {
            // SQLitePCLRaw sets SQLite up first (what it configures must come before SQLite's initialisation).
            using (new SqliteConnection())
            {
            }

            int rc = RegisterAutoExtension(Marshal.GetFunctionPointerForDelegate(Opened));
            if (rc != 0)
            {
                throw new InvalidOperationException($"DbCounts: sqlite3_auto_extension failed ({rc}): SQLite's statements cannot be counted");
            }
        }

        private static int OnOpen(IntPtr db, IntPtr errorMessage, IntPtr api) => SetTrace(db, TraceProfile, EndedPointer, IntPtr.Zero);

        private static int OnEnded(uint kind, IntPtr context, IntPtr statement, IntPtr nanoseconds)
        {
            Interlocked.Increment(ref s_sqliteStatements);
            Current.Value?.Add();
            if (s_breakingDown)
            {
                // The statement's text, as prepared (parameters unbound): a diagnostic, so the string per run is fine.
                string sql = Marshal.PtrToStringUTF8(StatementSql(statement)) ?? "?";
                Breakdown.AddOrUpdate(sql, 1, (_, n) => n + 1);
            }

            return 0;
        }

        [DllImport("e_sqlite3", EntryPoint = "sqlite3_sql", CallingConvention = CallingConvention.Cdecl)]
        private static extern IntPtr StatementSql(IntPtr statement);

        [DllImport("e_sqlite3", EntryPoint = "sqlite3_auto_extension", CallingConvention = CallingConvention.Cdecl)]
        private static extern int RegisterAutoExtension(IntPtr entryPoint);

        [DllImport("e_sqlite3", EntryPoint = "sqlite3_trace_v2", CallingConvention = CallingConvention.Cdecl)]
        private static extern int SetTrace(IntPtr db, uint mask, IntPtr callback, IntPtr context);
    }

    /// <summary>Npgsql's transaction logger: counts the events that are a round trip.</summary>
    private sealed class TransactionEnds : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            // CommittedTransaction, RolledBackTransaction, RolledBackToSavepoint, ReleasedSavepoint: each an internal
            // command Npgsql sends and waits for. StartedTransaction and CreatingSavepoint are only prepended.
            if (eventId.Name is "CommittedTransaction" or "RolledBackTransaction" or "RolledBackToSavepoint" or "ReleasedSavepoint")
            {
                TransactionEnd();
            }
        }
    }
}

/// <summary>The process's counts at one moment (and its CPU time, in ticks); subtract two for a window.</summary>
internal readonly record struct DbSnapshot(long Operations, long TransactionEnds, long SqliteStatements, long AllocatedBytes, long Timestamp, long CpuTicks = 0)
{
    public long RoundTrips => Operations + TransactionEnds;

    /// <summary>What is counted of the database work on <paramref name="engine"/>: round trips on PostgreSQL, statements on SQLite.</summary>
    public long DbOperations(string engine) => engine == "postgres" ? RoundTrips : SqliteStatements;

    public static DbSnapshot operator -(DbSnapshot later, DbSnapshot earlier) =>
        new(later.Operations - earlier.Operations, later.TransactionEnds - earlier.TransactionEnds, later.SqliteStatements - earlier.SqliteStatements,
            later.AllocatedBytes - earlier.AllocatedBytes, later.Timestamp - earlier.Timestamp, later.CpuTicks - earlier.CpuTicks);

    public static DbSnapshot operator +(DbSnapshot a, DbSnapshot b) =>
        new(a.Operations + b.Operations, a.TransactionEnds + b.TransactionEnds, a.SqliteStatements + b.SqliteStatements,
            a.AllocatedBytes + b.AllocatedBytes, a.Timestamp + b.Timestamp, a.CpuTicks + b.CpuTicks);
}
