using System.Data;
using System.Data.Common;
using System.Diagnostics;
using Mbushja.Storage;

namespace Mbushja.Bench;

/// <summary>
/// The ceiling: the same schema and the same rows, written by bare statements with nothing of the ledger around them:
/// per transfer one INSERT and two UPDATEs, one transaction per command, each writer on its own connection. No
/// idempotency check, no balance check, no batching. Statements are prepared once per connection and reused, and run
/// synchronously on a dedicated thread: as fast as plain statements go.
/// </summary>
internal static class CeilingSide
{
    /// <summary>A writer meant for its own thread: it blocks on the database, as synchronous plain ADO.NET does.</summary>
    /// <param name="turns">
    /// When given, writers take turns through it instead of meeting at the database's lock: SQLite answers a second
    /// writer SQLITE_BUSY, and Microsoft.Data.Sqlite then sleeps 150 ms before trying again.
    /// </param>
    public static ClosedLoop.Writer Writer(Database database, AccountPool pool, Workload workload, Lock? turns) => (index, window, stats) =>
    {
        using CeilingConnection connection = CeilingConnection.Open(database);
        var source = new MoveSource(pool, workload, index);
        var moves = new Move[MoveSource.TransfersPer(workload)];
        string code = "bench." + workload.ToString().ToLowerInvariant();
        while (window.Running)
        {
            source.Next(moves);
            long started = Stopwatch.GetTimestamp();
            if (turns is null)
            {
                stats.Errors += connection.Commit(moves, code);
            }
            else
            {
                lock (turns)
                {
                    stats.Errors += connection.Commit(moves, code);
                }
            }

            stats.Record(started, Stopwatch.GetTimestamp(), moves.Length);
        }

        return Task.CompletedTask;
    };
}

/// <summary>One writer's connection with its three prepared statements.</summary>
internal sealed class CeilingConnection : IDisposable
{
    private const string Insert =
        "INSERT INTO ledger_transfers (id, kind, debit_account, credit_account, amount, pending_id, state, code, linked_id, created_at) "
        + "VALUES (@id, 'single', @d, @c, @amount, NULL, 'posted', @code, @linked, @at)";

    private readonly DbConnection _connection;
    private readonly DbCommand _insert;
    private readonly DbCommand _debit;
    private readonly DbCommand _credit;
    private readonly List<(string Account, long Amount, bool Debit)> _updates = new(6);

    private CeilingConnection(DbConnection connection)
    {
        _connection = connection;
        _insert = Prepare(Insert, ("id", DbType.String), ("d", DbType.String), ("c", DbType.String), ("amount", DbType.Int64),
            ("code", DbType.String), ("linked", DbType.String), ("at", DbType.Int64));
        _debit = Prepare("UPDATE ledger_accounts SET balance = balance - @a WHERE id = @id", ("a", DbType.Int64), ("id", DbType.String));
        _credit = Prepare("UPDATE ledger_accounts SET balance = balance + @a WHERE id = @id", ("a", DbType.Int64), ("id", DbType.String));
    }

    /// <summary>
    /// Opens a connection set up like the ledger's (on SQLite: WAL, synchronous=FULL). On PostgreSQL its prepared
    /// single-row statements may use PostgreSQL's cached generic plans: plan_cache_mode is set to PostgreSQL's default
    /// (auto) explicitly, so that no connection-string default can make the ceiling replan every statement for nothing.
    /// </summary>
    public static CeilingConnection Open(Database database)
    {
        DbConnection connection = database.OpenAsync().AsTask().GetAwaiter().GetResult();
        if (database.Kind == DatabaseKind.Postgres)
        {
            using DbCommand auto = connection.Command("SET plan_cache_mode = auto");
            auto.ExecuteNonQuery();
        }

        return new(connection);
    }

    /// <summary>
    /// Makes the moves in one transaction (on SQLite <c>BEGIN IMMEDIATE</c>, the default of BeginTransaction);
    /// returns how many times it had to start over after a deadlock or a busy timeout.
    /// </summary>
    public int Commit(ReadOnlySpan<Move> moves, string code)
    {
        // The UPDATEs go in account order, as any careful hand-written code does: in another order, two writers
        // crossing the same two accounts deadlock on PostgreSQL and both wait deadlock_timeout (1 s).
        _updates.Clear();
        foreach (Move m in moves)
        {
            _updates.Add((m.Debit, m.AmountCents, true));
            _updates.Add((m.Credit, m.AmountCents, false));
        }

        _updates.Sort(static (x, y) => string.CompareOrdinal(x.Account, y.Account));
        string? linked = moves.Length > 1 ? moves[0].Id : null;
        for (int retries = 0; ; retries++)
        {
            try
            {
                using DbTransaction tx = _connection.BeginTransaction();
                long at = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
                foreach (Move m in moves)
                {
                    _insert.Transaction = tx;
                    DbParameterCollection p = _insert.Parameters;
                    p[0].Value = m.Id;
                    p[1].Value = m.Debit;
                    p[2].Value = m.Credit;
                    p[3].Value = m.AmountCents;
                    p[4].Value = code;
                    p[5].Value = (object?)linked ?? DBNull.Value;
                    p[6].Value = at;
                    _insert.ExecuteNonQuery();
                }

                foreach ((string account, long amount, bool debit) in _updates)
                {
                    DbCommand update = debit ? _debit : _credit;
                    update.Transaction = tx;
                    update.Parameters[0].Value = amount;
                    update.Parameters[1].Value = account;
                    update.ExecuteNonQuery();
                }

                tx.Commit();
                return retries;
            }
            catch (DbException e) when (DbErrors.IsTransient(e) && retries < 100)
            {
                // Rolled back by the dispose of the transaction; try again.
            }
        }
    }

    private DbCommand Prepare(string sql, params (string Name, DbType Type)[] parameters)
    {
        DbCommand command = _connection.CreateCommand();
        command.CommandText = sql;
        foreach ((string name, DbType type) in parameters)
        {
            DbParameter p = command.CreateParameter();
            // As written in the SQL: Microsoft.Data.Sqlite then finds it at once (Npgsql takes either).
            p.ParameterName = "@" + name;
            p.DbType = type;
            command.Parameters.Add(p);
        }

        command.Prepare();
        return command;
    }

    public void Dispose()
    {
        _insert.Dispose();
        _debit.Dispose();
        _credit.Dispose();
        _connection.Dispose();
    }
}
