using System.Data.Common;

namespace Mbushja.Storage.Commits;

/// <summary>
/// How one engine commits: how many writers, and what each writer's connection does to begin, to set savepoints and
/// to know when a commit is on disk. The engines' fast paths live here, not in the work.
/// </summary>
internal abstract class CommitEngine
{
    public static CommitEngine For(Database database, CommitQueueOptions options) =>
        database.Kind == DatabaseKind.Sqlite ? new SqliteCommitEngine(database) : new PostgresCommitEngine(database, options.PostgresWriters);

    /// <summary>Writers (connections) committing at once.</summary>
    public abstract int Writers { get; }

    /// <summary>Whether relaxed requests queued with durable ones commit in a transaction of their own, ahead of them.</summary>
    public abstract bool SplitsRelaxed { get; }

    /// <summary>
    /// Whether the last work of a batch may leave its savepoint to the commit (which ends it without a round trip of
    /// its own).
    /// </summary>
    public abstract bool KeepsLastSavepoint { get; }

    public abstract Task<CommitWriter> OpenWriterAsync(CancellationToken ct);

    /// <summary>A writer's own connection (never handed to another through the pool), set up by <paramref name="setUp"/>.</summary>
    protected static async Task<DbConnection> OpenOwnAsync(Database database, string setUp, CancellationToken ct)
    {
        DbConnection connection = await database.OpenOwnAsync(ct);
        try
        {
            await using DbCommand command = connection.Command(setUp);
            await command.ExecuteNonQueryAsync(ct);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Commits a relaxed statement outside the queue when the engine does that better (in one round trip, beside the
    /// queue's writers); null when it goes through the queue.
    /// </summary>
    public virtual Task<CommitRefusal?>? RunApart(CommitStatement statement, CancellationToken ct) => null;
}

/// <summary>One writer's connection: its transactions, savepoints and syncs.</summary>
internal abstract class CommitWriter(DbConnection connection) : IAsyncDisposable
{
    public DbConnection Connection { get; } = connection;

    /// <summary>What participants keep with this connection (<see cref="CommitContext.ConnectionState{T}"/>).</summary>
    public Dictionary<Type, object> State { get; } = [];

    /// <summary>Begins a batch's transaction; unless <paramref name="durable"/>, its commit does not wait for the disk.</summary>
    public abstract Task<DbTransaction> BeginAsync(bool durable, CancellationToken ct);

    /// <summary>Sets the savepoint work runs in (<see cref="CommitContext.SetSavepoint"/>), as the engine does it cheapest.</summary>
    public abstract Task SetSavepointAsync(DbTransaction tx);

    /// <summary>
    /// Whether a durable commit returns before it is on disk, and <see cref="AfterSync"/> tells when it is. The writer
    /// then commits the next batch while the disk writes the last one.
    /// </summary>
    public virtual bool SyncsLater => false;

    /// <summary>Runs <paramref name="durable"/> once everything committed so far is on disk, or <paramref name="failed"/>.</summary>
    public virtual void AfterSync(Action durable, Action<Exception> failed) => durable();

    public virtual async ValueTask DisposeAsync()
    {
        foreach (object state in State.Values)
        {
            switch (state)
            {
                case IAsyncDisposable a:
                    await a.DisposeAsync();
                    break;
                case IDisposable d:
                    d.Dispose();
                    break;
            }
        }

        await Connection.DisposeAsync();
    }
}

/// <summary>SQLite: one writer (the file has one), whose commits do not wait for the disk (<c>synchronous = NORMAL</c>).</summary>
/// <remarks>
/// A durable batch's callers are told once <see cref="WalSync"/> has synced the log after its commit, while the next
/// batch commits (docs/design/sqlite-writer.md).
/// </remarks>
internal sealed class SqliteCommitEngine(Database database) : CommitEngine
{
    public override int Writers => 1;

    public override bool SplitsRelaxed => false;

    public override bool KeepsLastSavepoint => false;

    public override async Task<CommitWriter> OpenWriterAsync(CancellationToken ct) =>
        new Writer(await OpenOwnAsync(database, "PRAGMA synchronous = NORMAL", ct));

    private sealed class Writer(DbConnection connection) : CommitWriter(connection)
    {
        private readonly WalSync _sync = new(((Microsoft.Data.Sqlite.SqliteConnection)connection).DataSource + "-wal");

        public override bool SyncsLater => true;

        public override void AfterSync(Action durable, Action<Exception> failed) => _sync.After(durable, failed);

        public override Task<DbTransaction> BeginAsync(bool durable, CancellationToken ct) => Connection.BeginTransactionAsync(ct).AsTask();

        /// <summary>Prepared once per connection (<see cref="DbTransaction.SaveAsync"/> prepares its statement anew each time).</summary>
        public override Task SetSavepointAsync(DbTransaction tx) =>
            Connection.Reused(CommitContext.SetSavepoint, tx).ExecuteNonQueryAsync(CancellationToken.None);

        public override async ValueTask DisposeAsync()
        {
            await _sync.DisposeAsync();
            await base.DisposeAsync();
        }
    }
}

/// <summary>
/// PostgreSQL: round trips are what cost. Several writers commit side by side (a second fills the time the first
/// waits for its commit); a relaxed transaction says so with <c>SET LOCAL synchronous_commit = off</c>; the last
/// work's savepoint is ended by the commit; a relaxed single statement commits beside the queue in one round trip.
/// </summary>
internal sealed class PostgresCommitEngine(Database database, int writers) : CommitEngine
{
    public override int Writers => Math.Max(1, writers);

    public override bool SplitsRelaxed => true;

    public override bool KeepsLastSavepoint => true;

    // The statements on a writer's connection suit PostgreSQL's generic plan whatever a batch's size (the ledger's are
    // written for it; work's are single-row writes, for which the generic plan is the custom one). Left to choose,
    // PostgreSQL would plan the ledger's anew for every batch.
    public override async Task<CommitWriter> OpenWriterAsync(CancellationToken ct) =>
        new Writer(await OpenOwnAsync(database, "SET plan_cache_mode = force_generic_plan", ct));

    /// <summary>
    /// The transaction, its relaxed commit and the statement travel together, on a pooled connection: steps of many
    /// USSD sessions are written side by side, none queued behind a payment. A statement that changes nothing commits
    /// an empty transaction.
    /// </summary>
    public override Task<CommitRefusal?>? RunApart(CommitStatement statement, CancellationToken ct) => RunAsync(statement, ct);

    private async Task<CommitRefusal?> RunAsync(CommitStatement statement, CancellationToken ct)
    {
        await using DbConnection connection = await database.OpenAsync(ct);
        await using DbBatch batch = connection.CreateBatch();
        batch.Add("BEGIN");
        batch.Add(SqlDialect.Postgres.RelaxedCommit!);
        DbBatchCommand written = batch.Add(statement.Sql, [.. statement.Parameters]);
        batch.Add("COMMIT");
        if (!statement.Returns)
        {
            await batch.ExecuteNonQueryAsync(ct);
            return statement.Judge(written.RecordsAffected);
        }

        // The statement's rows are the only ones: BEGIN, SET and COMMIT return none.
        await using DbDataReader reader = await batch.ExecuteReaderAsync(ct);
        IReadOnlyList<object?[]> rows = await reader.ReadRowsAsync(ct);
        while (await reader.NextResultAsync(ct))
        {
            rows = rows.Count > 0 ? rows : await reader.ReadRowsAsync(ct);
        }

        return statement.Judge(rows);
    }

    private sealed class Writer(DbConnection connection) : CommitWriter(connection)
    {
        public override async Task<DbTransaction> BeginAsync(bool durable, CancellationToken ct)
        {
            DbTransaction tx = await Connection.BeginTransactionAsync(ct);
            if (!durable)
            {
                // For this transaction only: a later synchronous commit flushes the WAL up to its own position, this one included.
                await using DbCommand relaxed = Connection.Command(SqlDialect.Postgres.RelaxedCommit!, tx);
                await relaxed.ExecuteNonQueryAsync(ct);
            }

            return tx;
        }

        /// <summary>
        /// Npgsql's own savepoint costs no round trip: it is sent with the next statement. (Release and rollback are
        /// statements of the commit's, deferred to its next round trip: Npgsql's were seen to read their answer
        /// synchronously and, under load, to starve the thread pool; docs/design/write-path.md.)
        /// </summary>
        public override Task SetSavepointAsync(DbTransaction tx) => tx.SaveAsync("work");
    }
}
