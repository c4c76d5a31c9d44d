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
    /// Begins a batch's transaction; unless <paramref name="durable"/>, its commit does not wait for the disk (see
    /// <see cref="LedgerCommand.Durable"/>).
    /// </summary>
    public abstract Task<DbTransaction> BeginAsync(bool durable, CancellationToken ct);

    /// <summary>
    /// Loads the transfers a batch names, and loads and locks until the transaction ends the accounts it touches:
    /// those given, and the accounts of the pending transfers it posts or voids (<paramref name="pendingIds"/>).
    /// </summary>
    public abstract Task<(Dictionary<string, Transfer> Transfers, Dictionary<string, AccountRow> Accounts)> LoadAsync(
        DbTransaction tx, IReadOnlyCollection<string> transferIds, IReadOnlySet<string> pendingIds, HashSet<string> accountIds, CancellationToken ct);

    /// <summary>Whether any of these transfers exists.</summary>
    public abstract Task<bool> AnyTransferExistsAsync(DbTransaction tx, IReadOnlyCollection<string> transferIds, CancellationToken ct);

    /// <summary>
    /// Writes what the batch changed and commits. <paramref name="effectsRan"/>: effects ran statements of their own
    /// in the transaction since the load.
    /// </summary>
    public abstract Task WriteAndCommitAsync(DbTransaction tx, BatchState state, DateTimeOffset now, bool effectsRan, CancellationToken ct);

    /// <summary>
    /// Whether a durable commit returns before it is on disk, and <see cref="AfterSync"/> tells when it is. The writer
    /// may then commit the next batch while the disk writes the last one.
    /// </summary>
    public virtual bool SyncsLater => false;

    /// <summary>Runs <paramref name="durable"/> once everything committed so far is on disk, or <paramref name="failed"/>.</summary>
    public virtual void AfterSync(Action durable, Action<Exception> failed) => durable();

    public abstract ValueTask DisposeAsync();

    public static async Task<LedgerWriter> OpenAsync(Database database, CancellationToken ct)
    {
        // SQLite's writer changes a setting of its connection: it must not go back to the pool.
        DbConnection connection = await database.OpenOwnAsync(ct);
        return database.Kind == DatabaseKind.Sqlite ? await SqliteLedgerWriter.OpenAsync(connection, ct) : await PostgresLedgerWriter.SetUpAsync(connection, ct);
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
/// <remarks>
/// The writer's commits do not wait for the disk (<c>synchronous = NORMAL</c>: in WAL mode the log is appended, not
/// synced). A durable batch is told only once the log is synced after its commit (<see cref="WalSync"/>), and the next
/// batch commits meanwhile: the lock is never held through a sync. The log is appended in commit order, so a sync
/// after a commit holds it and every commit before it; a crash before that sync loses that batch and those after it,
/// none of which a caller was told of. Other connections may read a batch between its commit and its sync: after a
/// power cut there, what they read is gone (an outbound reply may have left for a credit that recovery then makes
/// again, and answers alike). Nothing moves at a bank on it: holds, captures and voids follow their own commands'
/// sync. Checkpoints keep NORMAL's own syncs (log before, database after).
/// </remarks>
internal sealed class SqliteLedgerWriter : LedgerWriter
{
    /// <summary>Accounts read per statement: a batch of one transfer reads its two in one.</summary>
    private const int AccountsPerSelect = 8;

    private readonly DbConnection _connection;
    private readonly DbCommand _selectTransfer;
    private readonly DbCommand _selectAccounts;
    private readonly DbCommand _insertAccount;
    private readonly DbCommand _insertTransfer;
    private readonly DbCommand _resolve;
    private readonly DbCommand _applyDelta;

    private readonly WalSync _sync;

    private SqliteLedgerWriter(DbConnection connection)
    {
        _connection = connection;
        _sync = new WalSync(((Microsoft.Data.Sqlite.SqliteConnection)connection).DataSource + "-wal");
        _selectTransfer = Prepare($"SELECT {TransferColumns} FROM ledger_transfers WHERE id = @id", "id");
        string[] slots = [.. Enumerable.Range(0, AccountsPerSelect).Select(i => "a" + i)];
        _selectAccounts = Prepare(
            $"SELECT {AccountColumns} FROM ledger_accounts WHERE id IN ({string.Join(", ", slots.Select(x => "@" + x))})", slots);
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

    public static async Task<LedgerWriter> OpenAsync(DbConnection connection, CancellationToken ct)
    {
        try
        {
            await using DbCommand pragma = connection.Command("PRAGMA synchronous = NORMAL");
            await pragma.ExecuteNonQueryAsync(ct);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }

        return new SqliteLedgerWriter(connection);
    }

    public override DbConnection Connection => _connection;

    public override bool SyncsLater => true;

    public override Task<DbTransaction> BeginAsync(bool durable, CancellationToken ct) => _connection.BeginTransactionAsync(ct).AsTask();

    public override void AfterSync(Action durable, Action<Exception> failed) => _sync.After(durable, failed);

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
        DbTransaction tx, IReadOnlyCollection<string> transferIds, IReadOnlySet<string> pendingIds, HashSet<string> accountIds, CancellationToken ct)
    {
        var transfers = new Dictionary<string, Transfer>(transferIds.Count);
        foreach (string id in transferIds)
        {
            await using DbDataReader r = await Bind(_selectTransfer, tx, id).ExecuteReaderAsync(ct);
            if (await r.ReadAsync(ct))
            {
                Transfer t = ReadTransfer(r);
                transfers[id] = t;
                if (pendingIds.Contains(id))
                {
                    accountIds.Add(t.Debit);
                    accountIds.Add(t.Credit);
                }
            }
        }

        var accounts = new Dictionary<string, AccountRow>(accountIds.Count);
        string[] ids = [.. accountIds];
        _selectAccounts.Transaction = tx;
        for (int start = 0; start < ids.Length; start += AccountsPerSelect)
        {
            // Slots left over are NULL, which IN never matches.
            for (int i = 0; i < AccountsPerSelect; i++)
            {
                _selectAccounts.Parameters[i].Value = start + i < ids.Length ? ids[start + i] : DBNull.Value;
            }

            await using DbDataReader r = await _selectAccounts.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct))
            {
                AccountRow a = ReadAccountRow(r);
                accounts[a.Id] = a;
            }
        }

        return (transfers, accounts);
    }

    public override async Task<bool> AnyTransferExistsAsync(DbTransaction tx, IReadOnlyCollection<string> transferIds, CancellationToken ct)
    {
        foreach (string id in transferIds)
        {
            await using DbDataReader r = await Bind(_selectTransfer, tx, id).ExecuteReaderAsync(ct);
            if (await r.ReadAsync(ct))
            {
                return true;
            }
        }

        return false;
    }

    public override async Task WriteAndCommitAsync(DbTransaction tx, BatchState state, DateTimeOffset now, bool effectsRan, CancellationToken ct)
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

        await tx.CommitAsync(ct);
    }

    public override async ValueTask DisposeAsync()
    {
        foreach (DbCommand c in new[] { _selectTransfer, _selectAccounts, _insertAccount, _insertTransfer, _resolve, _applyDelta })
        {
            await c.DisposeAsync();
        }

        await _sync.DisposeAsync();
        await _connection.DisposeAsync();
    }
}

/// <summary>
/// PostgreSQL: round trips and planning are what cost. A batch takes two round trips, one that loads and locks
/// what it touches and one that writes and commits (posts and voids take more, and effects their own statements), and each
/// statement is prepared once per connection and runs on PostgreSQL's cached generic plan. The statements are
/// written so that this plan is the good one whatever the batch's size and the tables' sizes (a generic plan guesses
/// an array's length, and on a small table would rather scan all of it): rows are found key by key through the
/// primary key, and locked accounts are updated by ctid (by key when effects ran statements of their own).
/// </summary>
internal sealed class PostgresLedgerWriter(DbConnection connection) : LedgerWriter
{
    // OFFSET 0 keeps each LATERAL subquery a lookup per key: flattened into a join, it may become a hash join.
    private const string SelectTransfers =
        $"SELECT t.* FROM unnest(@t) AS k(id) CROSS JOIN LATERAL (SELECT {TransferColumns} FROM ledger_transfers WHERE id = k.id OFFSET 0) t";

    // Locks in the order of @a, which every writer sorts the same way: concurrent batches never deadlock.
    private const string LockAccounts =
        $"SELECT a.* FROM unnest(@a) AS k(id) CROSS JOIN LATERAL (SELECT {AccountColumns}, ctid::text FROM ledger_accounts WHERE id = k.id OFFSET 0 FOR UPDATE) a";

    // New accounts are written with their balances: only accounts that were loaded, and locked, are updated.
    private const string InsertAccounts =
        "INSERT INTO ledger_accounts (id, kind, no_negative, balance, pending_debits, pending_credits, created_at) "
        + "SELECT * FROM unnest(@id, @kind, @nn, @b, @pd, @pc, @at)";

    private const string InsertTransfers =
        $"INSERT INTO ledger_transfers ({TransferColumns}) SELECT * FROM unnest(@id, @kind, @d, @c, @amount, @pending, @state, @code, @linked, @at)";

    private const string Resolve =
        "UPDATE ledger_transfers t SET state = u.state FROM unnest(@id, @state) AS u(id, state) "
        + "WHERE t.id = ANY(@id) AND t.id = u.id AND t.state = 'pending'";

    // A row locked by this transaction stays where it is (its ctid) until this transaction changes it: a TID scan
    // finds it whatever the table's size. The id is compared too, so that a stale ctid can only miss, never hit
    // another account. (ctids travel as text: Npgsql does not write tid arrays.)
    private const string UpdateAccounts =
        "UPDATE ledger_accounts a SET balance = a.balance + u.b, pending_debits = a.pending_debits + u.pd, pending_credits = a.pending_credits + u.pc "
        + "FROM unnest(@row::tid[], @id, @b, @pd, @pc) AS u(row, id, b, pd, pc) WHERE a.ctid = ANY(@row::tid[]) AND a.ctid = u.row AND a.id = u.id";

    // After an effect's statements, by key: an effect should not touch ledger_accounts, but if one did, a ctid would
    // be stale and its row missed, where a key always finds it (locked by this transaction, it cannot have gone).
    private const string UpdateAccountsByKey =
        "UPDATE ledger_accounts a SET balance = a.balance + u.b, pending_debits = a.pending_debits + u.pd, pending_credits = a.pending_credits + u.pc "
        + "FROM unnest(@id, @b, @pd, @pc) AS u(id, b, pd, pc) WHERE a.id = ANY(@id) AND a.id = u.id";

    /// <summary>
    /// Left to choose (plan_cache_mode=auto), PostgreSQL would plan these statements anew for every batch: the generic
    /// plan's guess of 10 keys per array costs more than a custom plan for the 2 of a single transfer. Every statement
    /// here has a generic plan that suits any batch, so this connection always takes it. (Effects run on this
    /// connection too; their statements are single-row writes, for which the generic plan is the custom one.)
    /// Returned to the pool, the connection forgets the setting (Npgsql resets it with DISCARD ALL).
    /// </summary>
    public static async Task<LedgerWriter> SetUpAsync(DbConnection connection, CancellationToken ct)
    {
        try
        {
            await using DbCommand generic = connection.Command("SET plan_cache_mode = force_generic_plan");
            await generic.ExecuteNonQueryAsync(ct);
            return new PostgresLedgerWriter(connection);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>Where each account this batch locked is, for <see cref="UpdateAccounts"/>.</summary>
    private readonly Dictionary<string, string> _locked = new(StringComparer.Ordinal);

    public override DbConnection Connection => connection;

    public override async Task<DbTransaction> BeginAsync(bool durable, CancellationToken ct)
    {
        DbTransaction tx = await connection.BeginTransactionAsync(ct);
        if (!durable)
        {
            // For this transaction only: the commit returns before the WAL is flushed; a later synchronous commit
            // flushes it up to its own position, this one included.
            await using DbCommand relaxed = connection.Command("SET LOCAL synchronous_commit = off", tx);
            await relaxed.ExecuteNonQueryAsync(ct);
        }

        return tx;
    }

    public override async Task<(Dictionary<string, Transfer> Transfers, Dictionary<string, AccountRow> Accounts)> LoadAsync(
        DbTransaction tx, IReadOnlyCollection<string> transferIds, IReadOnlySet<string> pendingIds, HashSet<string> accountIds, CancellationToken ct)
    {
        _locked.Clear();
        var transfers = new Dictionary<string, Transfer>(transferIds.Count);
        var accounts = new Dictionary<string, AccountRow>(accountIds.Count);

        // Which accounts a post or void moves is known once its pending transfer is read: then it takes a round trip more.
        bool transfersFirst = pendingIds.Count > 0;
        if (transfersFirst)
        {
            await using DbBatch first = NewBatch(tx);
            first.Add(SelectTransfers, ("t", transferIds.ToArray()));
            await using DbDataReader r = await first.ExecuteReaderAsync(ct);
            await ReadTransfersAsync(r, transfers, ct);
            foreach (string id in pendingIds)
            {
                if (transfers.TryGetValue(id, out Transfer? pending))
                {
                    accountIds.Add(pending.Debit);
                    accountIds.Add(pending.Credit);
                }
            }
        }

        await using DbBatch batch = NewBatch(tx);
        bool transfersHere = !transfersFirst && transferIds.Count > 0;
        if (transfersHere)
        {
            batch.Add(SelectTransfers, ("t", transferIds.ToArray()));
        }

        if (accountIds.Count > 0)
        {
            string[] ids = [.. accountIds];
            Array.Sort(ids, StringComparer.Ordinal);
            batch.Add(LockAccounts, ("a", ids));
        }

        // A command with only an effect reads nothing here.
        if (batch.BatchCommands.Count == 0)
        {
            return (transfers, accounts);
        }

        await using DbDataReader reader = await batch.ExecuteReaderAsync(ct);
        if (transfersHere)
        {
            await ReadTransfersAsync(reader, transfers, ct);
            await reader.NextResultAsync(ct);
        }

        while (await reader.ReadAsync(ct))
        {
            AccountRow a = ReadAccountRow(reader);
            accounts[a.Id] = a;
            _locked[a.Id] = reader.GetString(6);
        }

        return (transfers, accounts);
    }

    private static async Task ReadTransfersAsync(DbDataReader reader, Dictionary<string, Transfer> transfers, CancellationToken ct)
    {
        while (await reader.ReadAsync(ct))
        {
            Transfer t = ReadTransfer(reader);
            transfers[t.Id] = t;
        }
    }

    public override async Task<bool> AnyTransferExistsAsync(DbTransaction tx, IReadOnlyCollection<string> transferIds, CancellationToken ct)
    {
        await using DbBatch batch = NewBatch(tx);
        batch.Add(SelectTransfers, ("t", transferIds.ToArray()));
        await using DbDataReader reader = await batch.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct);
    }

    public override async Task WriteAndCommitAsync(DbTransaction tx, BatchState state, DateTimeOffset now, bool effectsRan, CancellationToken ct)
    {
        long at = now.ToUnixTimeMilliseconds();
        await using DbBatch batch = NewBatch(tx);
        if (state.NewAccounts.Count > 0)
        {
            List<AccountRow> a = state.NewAccounts;
            batch.Add(InsertAccounts,
                ("id", a.Select(x => x.Id).ToArray()),
                ("kind", a.Select(x => x.Kind).ToArray()),
                ("nn", a.Select(x => x.NoNegative).ToArray()),
                ("b", a.Select(x => x.Balance).ToArray()),
                ("pd", a.Select(x => x.PendingDebits).ToArray()),
                ("pc", a.Select(x => x.PendingCredits).ToArray()),
                ("at", a.Select(_ => at).ToArray()));
        }

        List<Transfer> t = state.NewTransfers;
        if (t.Count > 0)
        {
            batch.Add(InsertTransfers,
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
            batch.Add(Resolve,
                ("id", state.Resolved.Keys.ToArray()),
                ("state", state.Resolved.Values.Select(Name).ToArray()));
        }

        int updateIndex = -1;
        AccountRow[] changed = [.. state.Accounts.Values.Where(x => x.Changed && !x.IsNew)];
        if (changed.Length > 0)
        {
            updateIndex = batch.BatchCommands.Count;
            (string Name, object? Value)[] deltas =
            [
                ("id", changed.Select(x => x.Id).ToArray()),
                ("b", changed.Select(x => x.Balance - x.LoadedBalance).ToArray()),
                ("pd", changed.Select(x => x.PendingDebits - x.LoadedPendingDebits).ToArray()),
                ("pc", changed.Select(x => x.PendingCredits - x.LoadedPendingCredits).ToArray()),
            ];
            batch.Add(effectsRan ? UpdateAccountsByKey : UpdateAccounts, effectsRan ? deltas : [("row", changed.Select(x => _locked[x.Id]).ToArray()), .. deltas]);
        }

        // The COMMIT rides with the writes, unless a row count must be checked before it: a pending transfer's state
        // (read unlocked, so another server may have resolved it since).
        bool check = resolveIndex >= 0;
        if (!check)
        {
            batch.Add("COMMIT");
        }

        if (batch.BatchCommands.Count > 0)
        {
            await batch.ExecuteNonQueryAsync(ct);
        }

        if (!check)
        {
            return;
        }

        if (resolveIndex >= 0 && batch.BatchCommands[resolveIndex].RecordsAffected != state.Resolved.Count)
        {
            throw new LedgerRaceException("A pending transfer was resolved by someone else.");
        }

        if (updateIndex >= 0 && batch.BatchCommands[updateIndex].RecordsAffected != changed.Length)
        {
            throw new InvalidOperationException("An account row moved after the ledger locked it: something besides the ledger updated ledger_accounts.");
        }

        await tx.CommitAsync(ct);
    }

    private DbBatch NewBatch(DbTransaction tx)
    {
        DbBatch batch = connection.CreateBatch();
        batch.Transaction = tx;
        return batch;
    }

    public override ValueTask DisposeAsync() => connection.DisposeAsync();
}

/// <summary>Another writer changed what this batch had read: the batch is tried again from the start.</summary>
internal sealed class LedgerRaceException(string message) : Exception(message);
