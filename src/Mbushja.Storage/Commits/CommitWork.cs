using System.Data.Common;
using Mbushja.Storage.Rollups;

namespace Mbushja.Storage.Commits;

/// <summary>
/// A durable write to the platform's own tables, committed by the <see cref="CommitQueue"/> in one database
/// transaction with whatever else is queued (group commit). It runs in a savepoint of its own: when it refuses, or
/// throws, its writes are undone and the rest of the batch commits without it. How to write one:
/// docs/design/write-path.md.
/// </summary>
public interface ICommitWork
{
    /// <summary>Returns null to commit, or the reason to refuse (then nothing it wrote remains).</summary>
    Task<CommitRefusal?> ApplyAsync(CommitContext context, CancellationToken cancellationToken);

    /// <summary>
    /// True when the work sends its statements only through <see cref="CommitContext.ExecuteAsync"/>,
    /// <see cref="CommitContext.QueryAsync"/> and <see cref="CommitContext.Defer"/>: then what the batch deferred before
    /// it (its savepoint, the trail lines of the work before) travels with its first statement, not in a round trip of
    /// its own. Other work finds everything deferred before it sent, and may use the connection as it likes.
    /// </summary>
    bool Pipelined => false;

    /// <summary>
    /// True when the work refuses, if ever, before it writes anything: a single statement that does all its work or
    /// changes no row (a conditional update), or several whose first is that conditional one. There is nothing to undo
    /// when it refuses, so it runs without a savepoint, two statements fewer (two round trips on PostgreSQL). Should it
    /// throw, whatever it wrote is undone with its batch, which is tried again without it.
    /// </summary>
    bool RefusesBeforeWriting => false;
}

/// <summary>Why work was refused: a stable code, a message for people, and what it refused in its caller's words (a field).</summary>
public sealed record CommitRefusal(string Code, string Message, string? Subject = null);

/// <summary>Whether the caller hears of a commit once it is on disk, or at once.</summary>
public enum Durability
{
    /// <summary>The caller is told once the commit is on disk (and, in production, on the synchronous standby).</summary>
    Durable,

    /// <summary>
    /// The caller is told at the commit, without waiting for the disk: for writes the platform can lose in a power cut
    /// without harm (where a USSD session stands, a claim that is taken again). Still atomic and in order; made durable
    /// by the next durable commit. It may commit before a durable commit submitted earlier and not yet told: a caller
    /// that needs an order awaits the first before it submits the second.
    /// </summary>
    Relaxed,
}

/// <summary>Where work runs: the queue's connection and transaction, the engine's dialect, and the commit's time.</summary>
/// <param name="connectionState">What participants keep with the writer's connection (<see cref="ConnectionState{T}"/>).</param>
/// <param name="eager">Statements that expect one row run at once (<see cref="ExpectOneAsync"/>): the batch is tried again after one of them changed none.</param>
public sealed class CommitContext(
    DbConnection connection, DbTransaction transaction, SqlDialect sql, DateTimeOffset now, Dictionary<Type, object> connectionState, bool eager = false)
{
    public DbConnection Connection => connection;

    public DbTransaction Transaction => transaction;

    public SqlDialect Sql => sql;

    /// <summary>The commit's time, in whole milliseconds (as every time is stored): what a replay reads back equals what was told.</summary>
    public DateTimeOffset Now => now;

    /// <summary>The time as stored: milliseconds since 1970.</summary>
    public long NowMs => Now.ToUnixTimeMilliseconds();

    /// <summary>
    /// A statement in this transaction, with named parameters <c>@name</c>; on SQLite prepared once per connection
    /// (see <see cref="DbExtensions.Reused"/>). Do not dispose it. Not while statements are deferred (they would run
    /// after it): <see cref="ExecuteAsync"/> sends them with its statement.
    /// </summary>
    public DbCommand Statement(string sql, params (string Name, object? Value)[] parameters)
    {
        if (_deferred.Count > 0)
        {
            throw new InvalidOperationException("Statements are deferred in this commit: run statements through ExecuteAsync, which sends them first.");
        }

        _workSent = true;
        return Connection.Reused(sql, Transaction, parameters);
    }

    /// <summary>
    /// Runs a statement and returns the rows it changed. What is deferred travels ahead of it, in the same round trip
    /// where the engine batches (PostgreSQL).
    /// </summary>
    public async Task<int> ExecuteAsync(string sql, CancellationToken ct, params (string Name, object? Value)[] parameters)
    {
        if (_deferred.Count > 0)
        {
            return await SendAsync((sql, parameters), ct);
        }

        LastSendCarriedEarlierWork = false;
        return await Statement(sql, parameters).ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// Runs a statement that returns rows (a SELECT, a write with RETURNING) and returns them, each as its columns'
    /// values (null for NULL). What is deferred travels ahead of it, in the same round trip where the engine batches.
    /// </summary>
    public async Task<IReadOnlyList<object?[]>> QueryAsync(string sql, CancellationToken ct, params (string Name, object? Value)[] parameters)
    {
        LastSendCarriedEarlierWork = false;
        await using DbBatch? batch = await TakeDeferredAsync(ct);
        if (batch is null)
        {
            await using DbDataReader alone = await Statement(sql, parameters).ExecuteReaderAsync(ct);
            return await alone.ReadRowsAsync(ct);
        }

        batch.Add(sql, parameters);
        await using DbDataReader reader = await batch.ExecuteReaderAsync(ct);
        // The statement's rows are the last result (a deferred statement returns none, or rows of its own before it).
        IReadOnlyList<object?[]> rows = await reader.ReadRowsAsync(ct);
        while (await reader.NextResultAsync(ct))
        {
            rows = await reader.ReadRowsAsync(ct);
        }

        return rows;
    }

    /// <summary>
    /// Notes that work of this transaction wrote <paramref name="key"/> (rows named the way their writers and readers
    /// agree on, such as <c>service_accounts:{id}</c>): what was read of them before, with the ledger's load, is stale,
    /// and is read again before work that decides on it runs (docs/design/write-path.md, "Round trips").
    /// </summary>
    public void Wrote(string key)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        (_written ??= new HashSet<string>(StringComparer.Ordinal)).Add(key);
    }

    /// <summary>Whether work of this transaction wrote <paramref name="key"/> (<see cref="Wrote"/>).</summary>
    public bool HasWritten(string key) => _written?.Contains(key) == true;

    private HashSet<string>? _written;

    /// <summary>
    /// Adds to the dashboard's daily roll-up <paramref name="key"/> (docs/design/dashboard-rollups.md): work that moves
    /// what a roll-up counts (a message from one state to another, a payment made) says so here, and the commit writes
    /// the batch's changes in one statement, in key order, just before its COMMIT. Undone with the work when it refuses.
    /// </summary>
    public void AddToRollup(RollupKey key, long count, long value) => (_rollups ??= []).Add((key, count, value));

    private List<(RollupKey Key, long Count, long Value)>? _rollups;

    /// <summary>Where the running work's roll-up changes begin in <see cref="_rollups"/>.</summary>
    private int _rollupStart;

    /// <summary>Defers the batch's roll-up changes, added up by row and in key order, as one statement (none when nothing changed).</summary>
    internal void DeferRollups()
    {
        if (_rollups is not { Count: > 0 })
        {
            return;
        }

        var sums = new SortedDictionary<RollupKey, RollupFigure>(RollupKey.Order);
        foreach ((RollupKey key, long count, long value) in _rollups)
        {
            sums[key] = sums.GetValueOrDefault(key).Add(count, value);
        }

        _rollups.Clear();
        KeyValuePair<RollupKey, RollupFigure>[] changed = [.. sums.Where(s => !s.Value.IsZero)];
        if (changed.Length > 0)
        {
            (string sql, (string, object?)[] parameters) = DailyRollups.Upsert(changed);
            Defer(sql, parameters);
        }
    }

    /// <summary>
    /// A statement whose outcome the work does not need (a trail line, a reply's place in the outbox): it is sent
    /// with this commit's next round trip, before the next work's statements and before the COMMIT, so it costs no
    /// round trip of its own. It runs after the work's other statements: never defer what the work reads back. Should
    /// it fail, the batch fails and is tried again (request by request, in the end).
    /// </summary>
    public void Defer(string sql, params (string Name, object? Value)[] parameters)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sql);
        _deferred.Add((sql, parameters));
    }

    /// <summary>
    /// A statement that should change exactly one row (a move from one state to the next, an insert a duplicate would
    /// skip): true when it did. Where the engine batches (PostgreSQL), it is deferred like <see cref="Defer"/> and taken to
    /// have changed its row, so that it costs no round trip; should it change none, the statement fails the batch, which
    /// is tried again with every such statement run at once, and the work then hears the truth and refuses. So: the
    /// work must not read back what this statement writes, and must refuse when it returns false.
    /// </summary>
    public Task<bool> ExpectOneAsync(string sql, CancellationToken ct, params (string Name, object? Value)[] parameters) =>
        ExpectRowsAsync(sql, 1, ct, parameters);

    /// <summary>
    /// <see cref="ExpectOneAsync"/> for a statement that should change exactly <paramref name="rows"/> rows (an upsert of
    /// several rows, each conditional): true when it did; deferred where the engine batches, like that one.
    /// </summary>
    public async Task<bool> ExpectRowsAsync(string sql, int rows, CancellationToken ct, params (string Name, object? Value)[] parameters)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rows);
        if (eager || !Connection.CanCreateBatch)
        {
            return await ExecuteAsync(sql, ct, parameters) == rows;
        }

        Defer(ExpectedPrefix + sql + ExpectedSuffix.Replace("{0}", rows.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal), parameters);
        return true;
    }

    // Unless the statement changed exactly one row, an error of our own words (a text that is no integer, built from the
    // count so that it is not folded at planning): the error that tells the queue to try again eagerly.
    private const string ExpectedPrefix = "WITH expected AS (";
    private const string Unmet = "mbushja: expected rows unmet, changed ";
    private const string ExpectedSuffix = " RETURNING 1) SELECT CASE WHEN n = {0} THEN 1 ELSE ('" + Unmet + "' || n)::int END FROM (SELECT count(*) AS n FROM expected) c";

    /// <summary>Whether <paramref name="e"/> is a deferred <see cref="ExpectOneAsync"/> statement that did not change one row.</summary>
    internal static bool IsUnmetExpectation(Exception e) =>
        e is DbException { SqlState: "22P02" } && e.Message.Contains(Unmet, StringComparison.Ordinal);

    /// <summary>Savepoints are statements like any other here, so that they can travel with the work's own.</summary>
    internal const string SetSavepoint = "SAVEPOINT work";

    private const string ReleaseSavepoint = "RELEASE SAVEPOINT work";

    private const string RollBackSavepoint = "ROLLBACK TO SAVEPOINT work";

    private readonly List<(string Sql, (string Name, object? Value)[] Parameters)> _deferred = [];

    /// <summary>Where the running work's deferred statements begin in <see cref="_deferred"/>.</summary>
    private int _workStart;

    /// <summary>Whether anything of the running work (its savepoint, a statement) has been sent.</summary>
    private bool _workSent;

    internal bool HasDeferred => _deferred.Count > 0;

    /// <summary>Whether the last round trip carried statements an earlier work deferred: an error then is not the running work's alone.</summary>
    internal bool LastSendCarriedEarlierWork { get; private set; }

    /// <summary>A work begins: what is deferred from now on is its own.</summary>
    internal void BeginWork()
    {
        _workStart = _deferred.Count;
        _rollupStart = _rollups?.Count ?? 0;
        _workSent = false;
        LastSendCarriedEarlierWork = false;
    }

    /// <summary>The running work's savepoint was set apart from the queue (the engine's own way).</summary>
    internal void SavepointSent() => _workSent = true;

    /// <summary>
    /// The running work ends. Accepted, its savepoint (if any) is released with the next round trip. Undone: what of it
    /// is still deferred is dropped, and what was sent is rolled back to its savepoint, with the next round trip too.
    /// </summary>
    internal void EndWork(bool undo, bool savepoint)
    {
        if (!undo)
        {
            if (savepoint)
            {
                Defer(ReleaseSavepoint);
            }

            return;
        }

        _deferred.RemoveRange(_workStart, _deferred.Count - _workStart);
        _rollups?.RemoveRange(_rollupStart, _rollups.Count - _rollupStart);
        if (savepoint && _workSent)
        {
            Defer(RollBackSavepoint);
            Defer(ReleaseSavepoint);
        }
    }

    /// <summary>Sends what is deferred, in one round trip where the engine batches.</summary>
    public async Task FlushAsync(CancellationToken ct)
    {
        if (_deferred.Count > 0)
        {
            await SendAsync(null, ct);
        }
    }

    /// <summary>Commits the transaction, with what is deferred in the same round trip where the engine batches.</summary>
    internal async Task CommitAsync(CancellationToken ct)
    {
        if (_deferred.Count > 0 && Connection.CanCreateBatch)
        {
            await using DbBatch batch = Connection.CreateBatch();
            batch.Transaction = Transaction;
            await CommitWithAsync(batch, ct);
            return;
        }

        await FlushAsync(ct);
        await Transaction.CommitAsync(ct);
    }

    /// <summary>The deferred statements, then <paramref name="last"/> (if any), whose row count it returns.</summary>
    private async Task<int> SendAsync((string Sql, (string Name, object? Value)[] Parameters)? last, CancellationToken ct)
    {
        await using DbBatch? batch = await TakeDeferredAsync(ct);
        if (batch is null)
        {
            return last is { } only ? await Connection.Reused(only.Sql, Transaction, only.Parameters).ExecuteNonQueryAsync(ct) : 0;
        }

        DbBatchCommand? lastCommand = last is { } l ? batch.Add(l.Sql, l.Parameters) : null;
        await batch.ExecuteNonQueryAsync(ct);
        return lastCommand?.RecordsAffected ?? 0;
    }

    /// <summary>
    /// Takes what is deferred: where the engine batches, as a batch for the caller to add its statement to and send
    /// (null when nothing is deferred); elsewhere, run now one statement after another (then null).
    /// </summary>
    private async Task<DbBatch?> TakeDeferredAsync(CancellationToken ct)
    {
        if (_deferred.Count == 0)
        {
            return null;
        }

        LastSendCarriedEarlierWork = _workStart > 0;
        _workSent = true;
        (string Sql, (string Name, object? Value)[] Parameters)[] sent = [.. _deferred];
        _deferred.Clear();
        _workStart = 0;
        if (!Connection.CanCreateBatch)
        {
            foreach ((string sql, (string, object?)[] parameters) in sent)
            {
                await Connection.Reused(sql, Transaction, parameters).ExecuteNonQueryAsync(ct);
            }

            return null;
        }

        DbBatch batch = Connection.CreateBatch();
        batch.Transaction = Transaction;
        foreach ((string sql, (string, object?)[] parameters) in sent)
        {
            batch.Add(sql, parameters);
        }

        return batch;
    }

    /// <summary>
    /// State a participant keeps with the writer's connection for as long as it lives (prepared statements): made by
    /// <paramref name="create"/> at the first call on this connection, the same object afterwards.
    /// </summary>
    public T ConnectionState<T>(Func<DbConnection, T> create)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(create);
        if (!connectionState.TryGetValue(typeof(T), out object? state))
        {
            state = create(Connection);
            connectionState[typeof(T)] = state;
        }

        return (T)state;
    }

    /// <summary>Set once the transaction is committed (by a participant that sent the COMMIT with its last writes).</summary>
    internal bool Committed { get; private set; }

    /// <summary>
    /// Runs a participant's last writes and the COMMIT in one round trip. Only for a participant's final step: nothing
    /// of the batch may run after it.
    /// </summary>
    public async Task CommitWithAsync(DbBatch writes, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(writes);
        for (int i = 0; i < _deferred.Count; i++)
        {
            writes.BatchCommands.Insert(i, writes.NewCommand(_deferred[i].Sql, _deferred[i].Parameters));
        }

        _deferred.Clear();
        writes.Add("COMMIT");
        await writes.ExecuteNonQueryAsync(ct);
        Committed = true;
    }
}

/// <summary>
/// Work that is one statement: a conditional one (<see cref="Conditional"/>) commits when it changes exactly one row and
/// is refused otherwise (a claim, a move from one state to the next); any other (<see cref="Any"/>) always commits, and
/// says how many rows it changed (a purge); one that returns a row (<see cref="Returning"/>) is conditional on the row it
/// returns. The engine may run it apart from the queue in a single round trip (PostgreSQL, relaxed), since it needs no
/// savepoint and reads back nothing but its own row.
/// </summary>
public sealed class CommitStatement : ICommitWork
{
    private CommitStatement(string sql, CommitRefusal? refusal, bool returns, (string Name, object? Value)[] parameters)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sql);
        Sql = sql;
        Refusal = refusal;
        Returns = returns;
        Parameters = parameters;
    }

    /// <summary>A statement that commits when it changes exactly one row, and is refused with <paramref name="refusal"/> otherwise.</summary>
    public static CommitStatement Conditional(string sql, CommitRefusal refusal, params (string Name, object? Value)[] parameters)
    {
        ArgumentNullException.ThrowIfNull(refusal);
        return new(sql, refusal, returns: false, parameters);
    }

    /// <summary>A statement that commits whatever it changes (<see cref="Rows"/> tells how much).</summary>
    public static CommitStatement Any(string sql, params (string Name, object? Value)[] parameters) => new(sql, null, returns: false, parameters);

    /// <summary>
    /// A write that returns the row it wrote (<c>INSERT … ON CONFLICT DO NOTHING RETURNING …</c>): commits when it returns
    /// exactly one, which <see cref="Returned"/> then holds, and is refused with <paramref name="refusal"/> otherwise.
    /// </summary>
    public static CommitStatement Returning(string sql, CommitRefusal refusal, params (string Name, object? Value)[] parameters)
    {
        ArgumentNullException.ThrowIfNull(refusal);
        return new(sql, refusal, returns: true, parameters);
    }

    public string Sql { get; }

    public IReadOnlyList<(string Name, object? Value)> Parameters { get; }

    /// <summary>Null for a statement that commits whatever it changes.</summary>
    public CommitRefusal? Refusal { get; }

    /// <summary>Whether the statement returns rows (<see cref="Returning"/>).</summary>
    public bool Returns { get; }

    /// <summary>The rows the statement changed (or returned), once it ran.</summary>
    public int Rows { get; private set; }

    /// <summary>The row a <see cref="Returning"/> statement returned, once it committed: its columns' values (null for NULL).</summary>
    public IReadOnlyList<object?>? Returned { get; private set; }

    public bool RefusesBeforeWriting => true;

    public bool Pipelined => true;

    public async Task<CommitRefusal?> ApplyAsync(CommitContext context, CancellationToken cancellationToken) =>
        Returns
            ? Judge(await context.QueryAsync(Sql, cancellationToken, [.. Parameters]))
            : Judge(await context.ExecuteAsync(Sql, cancellationToken, [.. Parameters]));

    internal CommitRefusal? Judge(IReadOnlyList<object?[]> rows)
    {
        Returned = rows.Count == 1 ? rows[0] : null;
        return Judge(rows.Count);
    }

    internal CommitRefusal? Judge(int rows)
    {
        Rows = rows;
        return Refusal is null || rows == 1 ? null : Refusal;
    }
}
