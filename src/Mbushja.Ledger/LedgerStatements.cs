using System.Data.Common;
using Mbushja.Domain;
using Mbushja.Storage;
using Mbushja.Storage.Commits;

namespace Mbushja.Ledger;

/// <summary>What a batch of the ledger read: the transfers it names, how their pending ones were resolved, and its accounts.</summary>
internal sealed record LedgerLoad(Dictionary<string, Transfer> Transfers, Dictionary<string, TransferState> Resolved, Dictionary<string, AccountRow> Accounts);

/// <summary>
/// The ledger's statements on one engine: load and lock what a batch touches, then write what it changed. The
/// transaction, its savepoints and its commit are the <see cref="CommitQueue"/>'s. One implementation per engine,
/// because each has its own fastest way.
/// </summary>
internal abstract class LedgerStatements
{
    public static LedgerStatements For(DatabaseKind kind) => kind == DatabaseKind.Sqlite ? new SqliteLedgerStatements() : new PostgresLedgerStatements();

    /// <summary>
    /// Loads the transfers a batch names and, for the pending ones it posts or voids (<paramref name="pendingIds"/>), the
    /// transfer that resolved each, if any; and loads and locks, until the transaction ends, the accounts it touches:
    /// those given, and those of its pending transfers. An engine with several writers may leave hot accounts
    /// (<see cref="AccountRow.Hot"/>) unlocked until the write.
    /// </summary>
    /// <param name="locks">Filled with where each account locked at the load is (PostgreSQL), for the write.</param>
    /// <param name="reads">Work's reads, read with the load where that saves a round trip (after the accounts' locks); the others are left unread.</param>
    public abstract Task<LedgerLoad> LoadAsync(
        CommitContext context,
        IReadOnlyCollection<string> transferIds,
        IReadOnlySet<string> pendingIds,
        HashSet<string> accountIds,
        Dictionary<string, string> locks,
        IReadOnlyList<LedgerRead> reads,
        CancellationToken ct);

    /// <summary>Whether any of these transfers exists.</summary>
    public abstract Task<bool> AnyTransferExistsAsync(CommitContext context, IReadOnlyCollection<string> transferIds, CancellationToken ct);

    /// <summary>Writes what the batch changed (and, where the engine can, commits with it). <paramref name="workRan"/>: work ran statements since the load.</summary>
    public abstract Task WriteAsync(CommitContext context, BatchState state, bool workRan, IReadOnlyDictionary<string, string> locks, CancellationToken ct);

    internal const string TransferColumns = "id, kind, debit_account, credit_account, amount, pending_id, state, code, linked_id, created_at";

    internal const string AccountColumns = "id, kind, no_negative, balance, pending_debits, pending_credits";

    internal static Transfer ReadTransfer(DbDataReader r) => new(
        r.GetString(0),
        ParseKind(r.GetString(1)),
        r.GetString(2),
        r.GetString(3),
        Money.FromCents(r.GetInt64(4)),
        r.GetNullableString(5),
        ParseState(r.GetString(6)),
        r.GetString(7),
        r.GetNullableString(8),
        DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(9)));

    internal static AccountRow ReadAccountRow(DbDataReader r) =>
        new(r.GetString(0), r.GetString(1), r.GetBoolean(2), r.GetInt64(3), r.GetInt64(4), r.GetInt64(5), isNew: false);

    /// <summary>How a loaded transfer resolves the pending one it names (a post or a void).</summary>
    internal static void AddResolution(Dictionary<string, TransferState> resolved, Transfer t)
    {
        if (t.PendingId is not null)
        {
            resolved[t.PendingId] = t.Kind == TransferKind.Post ? TransferState.Posted : TransferState.Voided;
        }
    }

    internal static string Name(TransferKind kind) => kind.ToWire();

    internal static string Name(TransferState state) => state.ToWire();

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
/// SQLite: the whole database is locked by the writer's transaction, and statements are in-process calls, so prepared
/// single-row statements in a loop are the fastest way. They are prepared once per writer connection.
/// </summary>
internal sealed class SqliteLedgerStatements : LedgerStatements
{
    /// <summary>Accounts read per statement: a batch of one transfer reads its two in one.</summary>
    private const int AccountsPerSelect = 8;

    /// <summary>Transfer ids, and as many pending ids, read per statement.</summary>
    private const int TransfersPerSelect = 8;

    /// <summary>Work's reads are left to the work's turn: there is no round trip to save, and they then see the work before.</summary>
    public override async Task<LedgerLoad> LoadAsync(
        CommitContext context,
        IReadOnlyCollection<string> transferIds,
        IReadOnlySet<string> pendingIds,
        HashSet<string> accountIds,
        Dictionary<string, string> locks,
        IReadOnlyList<LedgerRead> reads,
        CancellationToken ct)
    {
        Prepared p = context.ConnectionState(c => new Prepared(c));
        var transfers = new Dictionary<string, Transfer>(transferIds.Count);
        var resolved = new Dictionary<string, TransferState>();
        // The transfers named and the resolutions of the pending ones, in one statement per chunk of keys (a batch of
        // one capture: one statement where a lookup per key took three).
        await ForEachTransferAsync(p, context, transferIds, pendingIds, Found, ct);

        void Found(Transfer t)
        {
            if (transferIds.Contains(t.Id))
            {
                transfers[t.Id] = t;
                if (pendingIds.Contains(t.Id))
                {
                    accountIds.Add(t.Debit);
                    accountIds.Add(t.Credit);
                }
            }

            if (t.PendingId is { } pendingId && pendingIds.Contains(pendingId))
            {
                AddResolution(resolved, t);
            }
        }

        var accounts = new Dictionary<string, AccountRow>(accountIds.Count);
        string[] ids = [.. accountIds];
        p.SelectAccounts.Transaction = context.Transaction;
        for (int start = 0; start < ids.Length; start += AccountsPerSelect)
        {
            // Slots left over are NULL, which IN never matches.
            for (int i = 0; i < AccountsPerSelect; i++)
            {
                p.SelectAccounts.Parameters[i].Value = start + i < ids.Length ? ids[start + i] : DBNull.Value;
            }

            await using DbDataReader r = await p.SelectAccounts.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct))
            {
                AccountRow a = ReadAccountRow(r);
                accounts[a.Id] = a;
            }
        }

        return new LedgerLoad(transfers, resolved, accounts);
    }

    public override async Task<bool> AnyTransferExistsAsync(CommitContext context, IReadOnlyCollection<string> transferIds, CancellationToken ct)
    {
        Prepared p = context.ConnectionState(c => new Prepared(c));
        bool any = false;
        await ForEachTransferAsync(p, context, transferIds, new HashSet<string>(), _ => any = true, ct);
        return any;
    }

    /// <summary>
    /// Reads the transfers whose id is in <paramref name="ids"/> or whose pending_id is in <paramref name="pendingIds"/>
    /// (SQLite answers the OR from both indexes, each row once), <see cref="TransfersPerSelect"/> keys of each a statement.
    /// </summary>
    private static async Task ForEachTransferAsync(
        Prepared p, CommitContext context, IReadOnlyCollection<string> ids, IReadOnlyCollection<string> pendingIds, Action<Transfer> found, CancellationToken ct)
    {
        string[] byId = [.. ids];
        string[] byPending = [.. pendingIds];
        p.SelectTransfers.Transaction = context.Transaction;
        for (int start = 0; start < byId.Length || start < byPending.Length; start += TransfersPerSelect)
        {
            // Slots left over are NULL, which IN never matches.
            for (int i = 0; i < TransfersPerSelect; i++)
            {
                p.SelectTransfers.Parameters[i].Value = start + i < byId.Length ? byId[start + i] : DBNull.Value;
                p.SelectTransfers.Parameters[TransfersPerSelect + i].Value = start + i < byPending.Length ? byPending[start + i] : DBNull.Value;
            }

            await using DbDataReader r = await p.SelectTransfers.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct))
            {
                found(ReadTransfer(r));
            }
        }
    }

    public override async Task WriteAsync(CommitContext context, BatchState state, bool workRan, IReadOnlyDictionary<string, string> locks, CancellationToken ct)
    {
        // What the batch's work deferred goes first: a refused work's ROLLBACK TO SAVEPOINT left for the COMMIT would
        // otherwise undo the transfers written here after that savepoint (and the other commands' holds with them).
        await context.FlushAsync(ct);
        Prepared p = context.ConnectionState(c => new Prepared(c));
        long at = context.NowMs;
        foreach (AccountRow a in state.NewAccounts)
        {
            await Prepared.Bind(p.InsertAccount, context, a.Id, a.Kind, a.NoNegative, at).ExecuteNonQueryAsync(ct);
        }

        foreach (Transfer t in state.NewTransfers)
        {
            await Prepared.Bind(p.InsertTransfer, context, t.Id, Name(t.Kind), t.Debit, t.Credit, t.Amount.Cents, t.PendingId, Name(t.State), t.Code, t.LinkedId, at)
                .ExecuteNonQueryAsync(ct);
        }

        foreach (AccountRow a in state.Accounts.Values)
        {
            if (a.Changed)
            {
                await Prepared.Bind(
                    p.ApplyDelta, context, a.Id, a.Balance - a.LoadedBalance, a.PendingDebits - a.LoadedPendingDebits, a.PendingCredits - a.LoadedPendingCredits)
                    .ExecuteNonQueryAsync(ct);
            }
        }
    }

    /// <summary>The ledger's statements, prepared on one writer connection.</summary>
    private sealed class Prepared : IDisposable
    {
        public Prepared(DbConnection connection)
        {
            string[] ids = [.. Enumerable.Range(0, TransfersPerSelect).Select(i => "t" + i)];
            string[] pending = [.. Enumerable.Range(0, TransfersPerSelect).Select(i => "p" + i)];
            SelectTransfers = Prepare(
                connection,
                $"SELECT {TransferColumns} FROM ledger_transfers WHERE id IN ({string.Join(", ", ids.Select(x => "@" + x))}) "
                + $"OR pending_id IN ({string.Join(", ", pending.Select(x => "@" + x))})",
                [.. ids, .. pending]);
            string[] slots = [.. Enumerable.Range(0, AccountsPerSelect).Select(i => "a" + i)];
            SelectAccounts = Prepare(
                connection, $"SELECT {AccountColumns} FROM ledger_accounts WHERE id IN ({string.Join(", ", slots.Select(x => "@" + x))})", slots);
            InsertAccount = Prepare(
                connection, "INSERT INTO ledger_accounts (id, kind, no_negative, created_at) VALUES (@id, @kind, @nn, @at)", "id", "kind", "nn", "at");
            InsertTransfer = Prepare(
                connection,
                $"INSERT INTO ledger_transfers ({TransferColumns}) VALUES (@id, @kind, @d, @c, @amount, @pending, @state, @code, @linked, @at)",
                "id", "kind", "d", "c", "amount", "pending", "state", "code", "linked", "at");
            ApplyDelta = Prepare(
                connection,
                "UPDATE ledger_accounts SET balance = balance + @b, pending_debits = pending_debits + @pd, pending_credits = pending_credits + @pc WHERE id = @id",
                "id", "b", "pd", "pc");
        }

        public DbCommand SelectTransfers { get; }

        public DbCommand SelectAccounts { get; }

        public DbCommand InsertAccount { get; }

        public DbCommand InsertTransfer { get; }

        public DbCommand ApplyDelta { get; }

        public static DbCommand Bind(DbCommand command, CommitContext context, params object?[] values)
        {
            command.Transaction = context.Transaction;
            for (int i = 0; i < values.Length; i++)
            {
                command.Parameters[i].Value = values[i] ?? DBNull.Value;
            }

            return command;
        }

        private static DbCommand Prepare(DbConnection connection, string sql, params string[] names)
        {
            DbCommand command = connection.CreateCommand();
            command.CommandText = sql;
            foreach (string name in names)
            {
                command.AddParameter(name, null);
            }

            return command;
        }

        public void Dispose()
        {
            foreach (DbCommand c in new[] { SelectTransfers, SelectAccounts, InsertAccount, InsertTransfer, ApplyDelta })
            {
                c.Dispose();
            }
        }
    }
}

/// <summary>PostgreSQL: round trips and planning are what cost. Two round trips a batch, each statement on the cached generic plan.</summary>
/// <remarks>
/// Written so that the generic plan finds rows key by key whatever the sizes (docs/design/write-path.md, "The engines'
/// fast paths"). Protected accounts are locked at the load; hot ones only in the last round trip, so the two writers
/// do not queue on the accounts every payment touches (docs/design/hot-accounts.md).
/// </remarks>
internal sealed class PostgresLedgerStatements : LedgerStatements
{
    // OFFSET 0 keeps each LATERAL subquery a lookup per key: flattened into a join, it may become a hash join.
    private const string SelectTransfers =
        $"SELECT t.* FROM unnest(@t) AS k(id) CROSS JOIN LATERAL (SELECT {TransferColumns} FROM ledger_transfers WHERE id = k.id OFFSET 0) t";

    // The post or void of each pending transfer, through the unique index on pending_id.
    private const string SelectResolutions =
        $"SELECT t.* FROM unnest(@p) AS k(id) CROSS JOIN LATERAL (SELECT {TransferColumns} FROM ledger_transfers WHERE pending_id = k.id OFFSET 0) t";

    // Locks the protected accounts in the order of @a, which every writer sorts the same way: concurrent batches never
    // deadlock. A row the condition leaves out is not locked.
    private const string LockAccounts =
        $"SELECT a.* FROM unnest(@a) AS k(id) CROSS JOIN LATERAL (SELECT {AccountColumns}, ctid::text FROM ledger_accounts WHERE id = k.id AND no_negative OFFSET 0 FOR UPDATE) a";

    // The hot accounts of @a, read without a lock (in the same round trip): their balances only take deltas.
    private const string ReadHotAccounts =
        $"SELECT a.* FROM unnest(@a) AS k(id) CROSS JOIN LATERAL (SELECT {AccountColumns} FROM ledger_accounts WHERE id = k.id AND NOT no_negative OFFSET 0) a";

    // Locks the hot accounts the batch changed, in the order of @h (sorted), at the write: the only locks a batch takes
    // after its first hot one are hot ones in that order, so hot rows never deadlock. NO KEY UPDATE, as an UPDATE
    // takes: the foreign-key checks of concurrent transfer inserts (KEY SHARE) neither wait for it nor hold it up.
    private const string LockHotAccounts =
        "SELECT 1 FROM unnest(@h) AS k(id) CROSS JOIN LATERAL (SELECT 1 FROM ledger_accounts WHERE id = k.id OFFSET 0 FOR NO KEY UPDATE) a";

    // New accounts are written with their balances: only accounts that were loaded, and locked, are updated.
    private const string InsertAccounts =
        "INSERT INTO ledger_accounts (id, kind, no_negative, balance, pending_debits, pending_credits, created_at) "
        + "SELECT * FROM unnest(@id, @kind, @nn, @b, @pd, @pc, @at)";

    private const string InsertTransfers =
        $"INSERT INTO ledger_transfers ({TransferColumns}) SELECT * FROM unnest(@id, @kind, @d, @c, @amount, @pending, @state, @code, @linked, @at)";

    // A row locked by this transaction stays where it is (its ctid) until this transaction changes it: a TID scan
    // finds it whatever the table's size. The id is compared too, so that a stale ctid can only miss, never hit
    // another account. (ctids travel as text: Npgsql does not write tid arrays.)
    private const string UpdateAccounts =
        "UPDATE ledger_accounts a SET balance = a.balance + u.b, pending_debits = a.pending_debits + u.pd, pending_credits = a.pending_credits + u.pc "
        + "FROM unnest(@row::tid[], @id, @b, @pd, @pc) AS u(row, id, b, pd, pc) WHERE a.ctid = ANY(@row::tid[]) AND a.ctid = u.row AND a.id = u.id";

    // After work's statements, by key: work should not touch ledger_accounts, but if it did, a ctid would be stale and
    // its row missed, where a key always finds it (locked by this transaction, it cannot have gone). Hot accounts are
    // always updated by key: they were not locked at the load, so the ctid read then may be stale.
    private const string UpdateAccountsByKey =
        "UPDATE ledger_accounts a SET balance = a.balance + u.b, pending_debits = a.pending_debits + u.pd, pending_credits = a.pending_credits + u.pc "
        + "FROM unnest(@id, @b, @pd, @pc) AS u(id, b, pd, pc) WHERE a.id = ANY(@id) AND a.id = u.id";

    public override async Task<LedgerLoad> LoadAsync(
        CommitContext context,
        IReadOnlyCollection<string> transferIds,
        IReadOnlySet<string> pendingIds,
        HashSet<string> accountIds,
        Dictionary<string, string> locks,
        IReadOnlyList<LedgerRead> reads,
        CancellationToken ct)
    {
        var transfers = new Dictionary<string, Transfer>(transferIds.Count);
        var resolved = new Dictionary<string, TransferState>();
        var accounts = new Dictionary<string, AccountRow>(accountIds.Count);

        // Which accounts a post or void moves is known once its pending transfer is read. The accounts the commands
        // name (a capture names its hold's) are locked with that read; any other a pending transfer moves takes a round
        // trip more.
        bool transfersFirst = pendingIds.Count > 0;
        if (transfersFirst)
        {
            await using DbBatch first = NewBatch(context);
            first.Add(SelectTransfers, ("t", transferIds.ToArray()));
            first.Add(SelectResolutions, ("p", pendingIds.ToArray()));
            string[] named = Sorted(accountIds);
            if (named.Length > 0)
            {
                AddAccounts(first, named);
            }

            await using (DbDataReader r = await first.ExecuteReaderAsync(ct))
            {
                await ReadTransfersAsync(r, transfers, ct);
                await r.NextResultAsync(ct);
                while (await r.ReadAsync(ct))
                {
                    AddResolution(resolved, ReadTransfer(r));
                }

                if (named.Length > 0)
                {
                    await r.NextResultAsync(ct);
                    await ReadAccountsAsync(r, accounts, locks, ct);
                }
            }

            accountIds.Clear();
            foreach (string id in pendingIds)
            {
                if (transfers.TryGetValue(id, out Transfer? pending))
                {
                    foreach (string account in (string[])[pending.Debit, pending.Credit])
                    {
                        if (!accounts.ContainsKey(account))
                        {
                            accountIds.Add(account);
                        }
                    }
                }
            }
        }

        await using DbBatch batch = NewBatch(context);
        bool transfersHere = !transfersFirst && transferIds.Count > 0;
        if (transfersHere)
        {
            batch.Add(SelectTransfers, ("t", transferIds.ToArray()));
        }

        string[] rest = Sorted(accountIds);
        if (rest.Length > 0)
        {
            AddAccounts(batch, rest);
        }

        // Without a round trip to ride, work's reads are left to the work's turn.
        if (batch.BatchCommands.Count == 0)
        {
            return new LedgerLoad(transfers, resolved, accounts);
        }

        // Work's reads come after the locks: what the locked accounts keep still (a number's payments) is then as the
        // last transaction that held them left it.
        bool accountsHere = accountIds.Count > 0;
        foreach (LedgerRead read in reads)
        {
            batch.Add(read.Sql, [.. read.Parameters]);
        }

        await using DbDataReader reader = await batch.ExecuteReaderAsync(ct);
        if (transfersHere)
        {
            await ReadTransfersAsync(reader, transfers, ct);
            await reader.NextResultAsync(ct);
        }

        if (accountsHere)
        {
            await ReadAccountsAsync(reader, accounts, locks, ct);
            await reader.NextResultAsync(ct);
        }

        foreach (LedgerRead read in reads)
        {
            read.Loaded = await reader.ReadRowsAsync(ct);
            await reader.NextResultAsync(ct);
        }

        return new LedgerLoad(transfers, resolved, accounts);
    }

    /// <summary>In one order for every batch, so that two writers locking accounts cannot deadlock.</summary>
    private static string[] Sorted(HashSet<string> ids)
    {
        string[] sorted = [.. ids];
        Array.Sort(sorted, StringComparer.Ordinal);
        return sorted;
    }

    /// <summary>Locks the protected accounts of <paramref name="ids"/> and reads the hot ones: two statements, read by <see cref="ReadAccountsAsync"/>.</summary>
    private static void AddAccounts(DbBatch batch, string[] ids)
    {
        batch.Add(LockAccounts, ("a", ids));
        batch.Add(ReadHotAccounts, ("a", ids));
    }

    /// <summary>
    /// The two results of <see cref="AddAccounts"/>, from the reader's current one: the protected accounts with where each
    /// is locked (for the write), then the hot ones. The reader is left on the second.
    /// </summary>
    private static async Task ReadAccountsAsync(DbDataReader reader, Dictionary<string, AccountRow> accounts, Dictionary<string, string> locks, CancellationToken ct)
    {
        while (await reader.ReadAsync(ct))
        {
            AccountRow a = ReadAccountRow(reader);
            accounts[a.Id] = a;
            locks[a.Id] = reader.GetString(6);
        }

        await reader.NextResultAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            AccountRow a = ReadAccountRow(reader);
            accounts[a.Id] = a;
        }
    }

    private static async Task ReadTransfersAsync(DbDataReader reader, Dictionary<string, Transfer> transfers, CancellationToken ct)
    {
        while (await reader.ReadAsync(ct))
        {
            Transfer t = ReadTransfer(reader);
            transfers[t.Id] = t;
        }
    }

    public override async Task<bool> AnyTransferExistsAsync(CommitContext context, IReadOnlyCollection<string> transferIds, CancellationToken ct)
    {
        await using DbBatch batch = NewBatch(context);
        batch.Add(SelectTransfers, ("t", transferIds.ToArray()));
        await using DbDataReader reader = await batch.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct);
    }

    /// <summary>
    /// The writes ride with the COMMIT in one round trip. A second post or void of one pending transfer, by another
    /// server since the load, is refused there by the unique index on <c>pending_id</c>, and the queue tries the batch
    /// again (which then finds it resolved).
    /// </summary>
    public override async Task WriteAsync(CommitContext context, BatchState state, bool workRan, IReadOnlyDictionary<string, string> locks, CancellationToken ct)
    {
        long at = context.NowMs;
        await using DbBatch batch = NewBatch(context);
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
                ("amount", t.Select(x => x.Amount.Cents).ToArray()),
                ("pending", t.Select(x => x.PendingId).ToArray()),
                ("state", t.Select(x => Name(x.State)).ToArray()),
                ("code", t.Select(x => x.Code).ToArray()),
                ("linked", t.Select(x => x.LinkedId).ToArray()),
                ("at", t.Select(_ => at).ToArray()));
        }

        AccountRow[] changed = [.. state.Accounts.Values.Where(x => x.Changed && !x.IsNew && locks.ContainsKey(x.Id))];
        if (changed.Length > 0)
        {
            (string Name, object? Value)[] deltas = Deltas(changed);
            batch.Add(workRan ? UpdateAccountsByKey : UpdateAccounts, workRan ? deltas : [("row", changed.Select(x => locks[x.Id]).ToArray()), .. deltas]);
        }

        // Last before the COMMIT: nothing after the first hot lock waits for anything but the next hot lock.
        AccountRow[] hot = [.. state.Accounts.Values.Where(x => x.Changed && !x.IsNew && !locks.ContainsKey(x.Id))];
        if (hot.Length > 0)
        {
            Array.Sort(hot, (x, y) => string.CompareOrdinal(x.Id, y.Id));
            batch.Add(LockHotAccounts, ("h", hot.Select(x => x.Id).ToArray()));
            batch.Add(UpdateAccountsByKey, Deltas(hot));
        }

        await context.CommitWithAsync(batch, ct);
    }

    private static (string Name, object? Value)[] Deltas(AccountRow[] rows) =>
    [
        ("id", rows.Select(x => x.Id).ToArray()),
        ("b", rows.Select(x => x.Balance - x.LoadedBalance).ToArray()),
        ("pd", rows.Select(x => x.PendingDebits - x.LoadedPendingDebits).ToArray()),
        ("pc", rows.Select(x => x.PendingCredits - x.LoadedPendingCredits).ToArray()),
    ];

    private static DbBatch NewBatch(CommitContext context)
    {
        DbBatch batch = context.Connection.CreateBatch();
        batch.Transaction = context.Transaction;
        return batch;
    }
}
