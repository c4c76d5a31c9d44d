using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using System.Reflection;
using Npgsql;

namespace Mbushja.Bench;

/// <summary>
/// Counts that do not depend on the machine's load, for bench/sms and bench/ussd (bench/README.md, "Counts"): the
/// PostgreSQL round trips of this process and the bytes it allocated. <see cref="Install"/> once, <see cref="Attach"/>
/// the server's database before its load starts; read with <see cref="Take"/> at both ends of a measured window.
/// </summary>
/// <remarks>
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
/// </remarks>
internal static class DbCounts
{
    private static long s_operations;
    private static long s_transactionEnds;
    private static MeterListener? s_listener;
    private static readonly AsyncLocal<Tally?> Current = new();

    /// <summary>Round trips made within one request (while <see cref="Track"/>'s tally is current in its flow).</summary>
    internal sealed class Tally
    {
        private long _roundTrips;

        public long RoundTrips => Interlocked.Read(ref _roundTrips);

        public void Add() => Interlocked.Increment(ref _roundTrips);
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

    /// <summary>Makes a fresh tally current for the rest of this flow (a request): the round trips made in it add to it.</summary>
    public static Tally Track()
    {
        var tally = new Tally();
        Current.Value = tally;
        return tally;
    }

    public static DbSnapshot Take() =>
        new(Interlocked.Read(ref s_operations), Interlocked.Read(ref s_transactionEnds), GC.GetTotalAllocatedBytes(precise: true), Stopwatch.GetTimestamp());

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

/// <summary>The process's counts at one moment; subtract two for a window.</summary>
internal readonly record struct DbSnapshot(long Operations, long TransactionEnds, long AllocatedBytes, long Timestamp)
{
    public long RoundTrips => Operations + TransactionEnds;

    public static DbSnapshot operator -(DbSnapshot later, DbSnapshot earlier) =>
        new(later.Operations - earlier.Operations, later.TransactionEnds - earlier.TransactionEnds, later.AllocatedBytes - earlier.AllocatedBytes, later.Timestamp - earlier.Timestamp);

    public static DbSnapshot operator +(DbSnapshot a, DbSnapshot b) =>
        new(a.Operations + b.Operations, a.TransactionEnds + b.TransactionEnds, a.AllocatedBytes + b.AllocatedBytes, a.Timestamp + b.Timestamp);
}
