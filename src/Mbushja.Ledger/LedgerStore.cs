using System.Data.Common;
using Mbushja.Storage;

namespace Mbushja.Ledger;

/// <summary>
/// One writer's connection to the ledger tables: loads and locks what a batch touches, then writes what it changed.
/// One implementation per engine, because each engine has its own fastest way to do that.
/// </summary>
internal abstract class LedgerWriter : IAsyncDisposable
{
    public abstract DbConnection Connection { get; }

    /// <summary>
    /// Loads, and locks until the transaction ends, the transfers a batch names and the accounts it touches: those
    /// given, and the accounts of every transfer found.
    /// </summary>
    public abstract Task<(Dictionary<string, Transfer> Transfers, Dictionary<string, AccountRow> Accounts)> LoadAsync(
        DbTransaction tx, IReadOnlyCollection<string> transferIds, HashSet<string> accountIds, CancellationToken ct);

    public abstract Task WriteAsync(DbTransaction tx, BatchState state, DateTimeOffset now, CancellationToken ct);

    public abstract ValueTask DisposeAsync();

    public static async Task<LedgerWriter> OpenAsync(Database database, CancellationToken ct)
    {
        DbConnection connection = await database.OpenAsync(ct);
        return database.Kind == DatabaseKind.Sqlite ? new SqliteLedgerWriter(connection) : new PostgresLedgerWriter(connection);
    }

    internal const string TransferColumns = "id, kind, debit_account, credit_account, amount, pending_id, state, code, linked_id, created_at";

    internal const string AccountColumns = "id, kind, no_negative, balance, pending_debits, pending_credits";

    internal static Transfer ReadTransfer(DbDataReader r) => new(
        r.GetString(0),
        ParseKind(r.GetString(1)),
        r.GetString(2),
        r.GetString(3),
        r.GetInt64(4),
        r.GetNullableString(5),
        ParseState(r.GetString(6)),
        r.GetString(7),
        r.GetNullableString(8),
        DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(9)));

    internal static AccountRow ReadAccountRow(DbDataReader r) =>
        new(r.GetString(0), r.GetString(1), r.GetBoolean(2), r.GetInt64(3), r.GetInt64(4), r.GetInt64(5), isNew: false);

    internal static string Name(TransferKind kind) => kind switch
    {
        TransferKind.Single => "single",
        TransferKind.Pending => "pending",
        TransferKind.Post => "post",
        TransferKind.Void => "void",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    internal static string Name(TransferState state) => state switch
    {
        TransferState.Posted => "posted",
        TransferState.Pending => "pending",
        TransferState.Voided => "voided",
        _ => throw new ArgumentOutOfRangeException(nameof(state)),
    };

    private static TransferKind ParseKind(string value) => value switch
    {
        "single" => TransferKind.Single,
        "pending" => TransferKind.Pending,
        "post" => TransferKind.Post,
        "void" => TransferKind.Void,
        _ => throw new InvalidDataException($"Unknown transfer kind '{value}' in the database."),
    };

    private static TransferState ParseState(string value) => value switch
    {
        "posted" => TransferState.Posted,
        "pending" => TransferState.Pending,
        "voided" => TransferState.Voided,
        _ => throw new InvalidDataException($"Unknown transfer state '{value}' in the database."),
    };
}

/// <summary>
/// SQLite: the whole database is locked by the writer's <c>BEGIN IMMEDIATE</c>, and statements are in-process calls,
/// so prepared single-row statements in a loop are the fastest way.
/// </summary>
internal sealed class SqliteLedgerWriter : LedgerWriter
{
    private readonly DbConnection _connection;
    private readonly DbCommand _selectTransfer;
    private readonly DbCommand _selectAccount;
    private readonly DbCommand _insertAccount;
    private readonly DbCommand _insertTransfer;
    private readonly DbCommand _resolve;
    private readonly DbCommand _applyDelta;

    public SqliteLedgerWriter(DbConnection connection)
    {
        _connection = connection;
        _selectTransfer = Prepare($"SELECT {TransferColumns} FROM ledger_transfers WHERE id = @id", "id");
        _selectAccount = Prepare($"SELECT {AccountColumns} FROM ledger_accounts WHERE id = @id", "id");
        _insertAccount = Prepare(
            "INSERT INTO ledger_accounts (id, kind, no_negative, created_at) VALUES (@id, @kind, @nn, @at)", "id", "kind", "nn", "at");
        _insertTransfer = Prepare(
            $"INSERT INTO ledger_transfers ({TransferColumns}) VALUES (@id, @kind, @d, @c, @amount, @pending, @state, @code, @linked, @at)",
            "id", "kind", "d", "c", "amount", "pending", "state", "code", "linked", "at");
        _resolve = Prepare("UPDATE ledger_transfers SET state = @state WHERE id = @id AND state = 'pending'", "id", "state");
        _applyDelta = Prepare(
            "UPDATE ledger_accounts SET balance = balance + @b, pending_debits = pending_debits + @pd, pending_credits = pending_credits + @pc WHERE id = @id",
            "id", "b", "pd", "pc");
    }

    public override DbConnection Connection => _connection;

    private DbCommand Prepare(string sql, params string[] names)
    {
        DbCommand command = _connection.CreateCommand();
        command.CommandText = sql;
        foreach (string name in names)
        {
            command.AddParameter(name, null);
        }

        return command;
    }

    private static DbCommand Bind(DbCommand command, DbTransaction tx, params object?[] values)
    {
        command.Transaction = tx;
        for (int i = 0; i < values.Length; i++)
        {
            command.Parameters[i].Value = values[i] ?? DBNull.Value;
        }

        return command;
    }

    public override async Task<(Dictionary<string, Transfer> Transfers, Dictionary<string, AccountRow> Accounts)> LoadAsync(
        DbTransaction tx, IReadOnlyCollection<string> transferIds, HashSet<string> accountIds, CancellationToken ct)
    {
        var transfers = new Dictionary<string, Transfer>(transferIds.Count);
        foreach (string id in transferIds)
        {
            await using DbDataReader r = await Bind(_selectTransfer, tx, id).ExecuteReaderAsync(ct);
            if (await r.ReadAsync(ct))
            {
                Transfer t = ReadTransfer(r);
                transfers[id] = t;
                accountIds.Add(t.Debit);
                accountIds.Add(t.Credit);
            }
        }

        var accounts = new Dictionary<string, AccountRow>(accountIds.Count);
        foreach (string id in accountIds)
        {
            await using DbDataReader r = await Bind(_selectAccount, tx, id).ExecuteReaderAsync(ct);
            if (await r.ReadAsync(ct))
            {
                accounts[id] = ReadAccountRow(r);
            }
        }

        return (transfers, accounts);
    }

    public override async Task WriteAsync(DbTransaction tx, BatchState state, DateTimeOffset now, CancellationToken ct)
    {
        long at = now.ToUnixTimeMilliseconds();
        foreach (AccountRow a in state.NewAccounts)
        {
            await Bind(_insertAccount, tx, a.Id, a.Kind, a.NoNegative, at).ExecuteNonQueryAsync(ct);
        }

        foreach (Transfer t in state.NewTransfers)
        {
            await Bind(_insertTransfer, tx, t.Id, Name(t.Kind), t.Debit, t.Credit, t.AmountCents, t.PendingId, Name(t.State), t.Code, t.LinkedId, at)
                .ExecuteNonQueryAsync(ct);
        }

        foreach ((string id, TransferState resolved) in state.Resolved)
        {
            int rows = await Bind(_resolve, tx, id, Name(resolved)).ExecuteNonQueryAsync(ct);
            if (rows != 1)
            {
                throw new LedgerRaceException($"Pending transfer {id} was resolved by someone else.");
            }
        }

        foreach (AccountRow a in state.Accounts.Values)
        {
            if (a.Changed)
            {
                await Bind(
                    _applyDelta, tx, a.Id, a.Balance - a.LoadedBalance, a.PendingDebits - a.LoadedPendingDebits, a.PendingCredits - a.LoadedPendingCredits)
                    .ExecuteNonQueryAsync(ct);
            }
        }
    }

    public override async ValueTask DisposeAsync()
    {
        foreach (DbCommand c in new[] { _selectTransfer, _selectAccount, _insertAccount, _insertTransfer, _resolve, _applyDelta })
        {
            await c.DisposeAsync();
        }

        await _connection.DisposeAsync();
    }
}

/// <summary>
/// PostgreSQL: round trips are what costs, so a batch is loaded in two statements (rows locked in id order, which
/// keeps concurrent servers free of deadlocks) and written in one round trip of array-based statements.
/// </summary>
internal sealed class PostgresLedgerWriter(DbConnection connection) : LedgerWriter
{
    public override DbConnection Connection => connection;

    /// <summary>One round trip: transfers first, then accounts, each locked in id order.</summary>
    public override async Task<(Dictionary<string, Transfer> Transfers, Dictionary<string, AccountRow> Accounts)> LoadAsync(
        DbTransaction tx, IReadOnlyCollection<string> transferIds, HashSet<string> accountIds, CancellationToken ct)
    {
        string[] tids = [.. transferIds];
        await using DbBatch batch = connection.CreateBatch();
        batch.Transaction = tx;
        Add(batch, $"SELECT {TransferColumns} FROM ledger_transfers WHERE id = ANY(@t) ORDER BY id FOR UPDATE", ("t", tids));
        Add(batch,
            // One array, so that the primary key's index finds every row (an OR with a subquery scans the table).
            $"SELECT {AccountColumns} FROM ledger_accounts WHERE id = ANY(@a || ARRAY(SELECT debit_account FROM ledger_transfers WHERE id = ANY(@t)) "
            + "|| ARRAY(SELECT credit_account FROM ledger_transfers WHERE id = ANY(@t))) ORDER BY id FOR UPDATE",
            ("a", accountIds.ToArray()),
            ("t", tids));
        var transfers = new Dictionary<string, Transfer>(tids.Length);
        var accounts = new Dictionary<string, AccountRow>(accountIds.Count);
        await using DbDataReader r = await batch.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            Transfer t = ReadTransfer(r);
            transfers[t.Id] = t;
        }

        await r.NextResultAsync(ct);
        while (await r.ReadAsync(ct))
        {
            AccountRow a = ReadAccountRow(r);
            accounts[a.Id] = a;
        }

        return (transfers, accounts);
    }

    public override async Task WriteAsync(DbTransaction tx, BatchState state, DateTimeOffset now, CancellationToken ct)
    {
        long at = now.ToUnixTimeMilliseconds();
        await using DbBatch batch = connection.CreateBatch();
        batch.Transaction = tx;
        if (state.NewAccounts.Count > 0)
        {
            List<AccountRow> a = state.NewAccounts;
            Add(batch,
                "INSERT INTO ledger_accounts (id, kind, no_negative, created_at) SELECT * FROM unnest(@id, @kind, @nn, @at)",
                ("id", a.Select(x => x.Id).ToArray()),
                ("kind", a.Select(x => x.Kind).ToArray()),
                ("nn", a.Select(x => x.NoNegative).ToArray()),
                ("at", a.Select(_ => at).ToArray()));
        }

        List<Transfer> t = state.NewTransfers;
        if (t.Count > 0)
        {
            Add(batch,
                $"INSERT INTO ledger_transfers ({TransferColumns}) SELECT * FROM unnest(@id, @kind, @d, @c, @amount, @pending, @state, @code, @linked, @at)",
                ("id", t.Select(x => x.Id).ToArray()),
                ("kind", t.Select(x => Name(x.Kind)).ToArray()),
                ("d", t.Select(x => x.Debit).ToArray()),
                ("c", t.Select(x => x.Credit).ToArray()),
                ("amount", t.Select(x => x.AmountCents).ToArray()),
                ("pending", t.Select(x => x.PendingId).ToArray()),
                ("state", t.Select(x => Name(x.State)).ToArray()),
                ("code", t.Select(x => x.Code).ToArray()),
                ("linked", t.Select(x => x.LinkedId).ToArray()),
                ("at", t.Select(_ => at).ToArray()));
        }

        int resolveIndex = -1;
        if (state.Resolved.Count > 0)
        {
            resolveIndex = batch.BatchCommands.Count;
            Add(batch,
                "UPDATE ledger_transfers t SET state = u.state FROM unnest(@id, @state) AS u(id, state) WHERE t.id = u.id AND t.state = 'pending'",
                ("id", state.Resolved.Keys.ToArray()),
                ("state", state.Resolved.Values.Select(Name).ToArray()));
        }

        AccountRow[] changed = [.. state.Accounts.Values.Where(x => x.Changed)];
        if (changed.Length > 0)
        {
            Add(batch,
                "UPDATE ledger_accounts a SET balance = a.balance + u.b, pending_debits = a.pending_debits + u.pd, pending_credits = a.pending_credits + u.pc "
                + "FROM unnest(@id, @b, @pd, @pc) AS u(id, b, pd, pc) WHERE a.id = u.id",
                ("id", changed.Select(x => x.Id).ToArray()),
                ("b", changed.Select(x => x.Balance - x.LoadedBalance).ToArray()),
                ("pd", changed.Select(x => x.PendingDebits - x.LoadedPendingDebits).ToArray()),
                ("pc", changed.Select(x => x.PendingCredits - x.LoadedPendingCredits).ToArray()));
        }

        if (batch.BatchCommands.Count == 0)
        {
            return;
        }

        await batch.ExecuteNonQueryAsync(ct);
        if (resolveIndex >= 0 && batch.BatchCommands[resolveIndex].RecordsAffected != state.Resolved.Count)
        {
            throw new LedgerRaceException("A pending transfer was resolved by someone else.");
        }
    }

    private static void Add(DbBatch batch, string sql, params (string Name, object? Value)[] parameters)
    {
        DbBatchCommand command = batch.CreateBatchCommand();
        command.CommandText = sql;
        foreach ((string name, object? value) in parameters)
        {
            DbParameter p = command.CreateParameter();
            p.ParameterName = name;
            p.Value = value;
            command.Parameters.Add(p);
        }

        batch.BatchCommands.Add(command);
    }

    public override ValueTask DisposeAsync() => connection.DisposeAsync();
}

/// <summary>Another writer changed what this batch had read: the batch is tried again from the start.</summary>
internal sealed class LedgerRaceException(string message) : Exception(message);
