using System.Data.Common;
using System.Diagnostics;
using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using Mbushja.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Mbushja.Ledger;

/// <summary>
/// The double-entry ledger. Commands queue up and are committed in batches, one database transaction per batch (group
/// commit): the cost of a durable commit is shared by every command in it, and each caller hears of its command only
/// once the batch is on disk. Within a batch, commands are evaluated in order, each all or nothing.
/// </summary>
/// <remarks>
/// There is no writer thread. A caller that finds a writer's connection free commits the queue itself, its own command
/// among it (flat combining); callers that arrive meanwhile queue up and are committed with the next batch, by the
/// same caller or by the next one to find a connection free. A lone caller thus commits on its own thread, without
/// waking another one and being woken in turn. SQLite has one connection for writing; PostgreSQL has
/// <see cref="LedgerOptions.PostgresWriters"/>.
/// </remarks>
public sealed partial class LedgerEngine : IAsyncDisposable
{
    private readonly Database _database;
    private readonly TimeProvider _time;
    private readonly LedgerOptions _options;
    private readonly ILogger _logger;
    private readonly ConcurrentQueue<Work> _queue = new();

    /// <summary>The writers' connections (opened on first use), each taken by one caller at a time.</summary>
    private readonly ConcurrentStack<WriterSlot> _slots = new();
    private readonly int _slotCount;
    private int _freeSlots;

    /// <summary>Callers between their check of <see cref="_disposed"/> and their command's place in the queue.</summary>
    private int _submitting;
    private volatile bool _disposed;

    public LedgerEngine(Database database, TimeProvider time, LedgerOptions? options = null, ILogger<LedgerEngine>? logger = null)
    {
        _database = database;
        _time = time;
        _options = options ?? LedgerOptions.Default;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _slotCount = database.Kind == DatabaseKind.Sqlite ? 1 : Math.Max(1, _options.PostgresWriters);
        for (int i = 0; i < _slotCount; i++)
        {
            _slots.Push(new WriterSlot());
        }

        _freeSlots = _slotCount;
    }

    public Database Database => _database;

    /// <summary>
    /// Commits a command: all its transfers and its effect, or nothing. Returns once the outcome is durable.
    /// A refused command (<see cref="LedgerStatus.Rejected"/>) changed nothing. Cancelling stops the wait, not the command.
    /// </summary>
    public Task<LedgerOutcome> SubmitAsync(LedgerCommand command, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(command);
        LedgerError? invalid = Validate(command);
        if (invalid is not null)
        {
            return Task.FromResult(new LedgerOutcome(LedgerStatus.Rejected, [], invalid));
        }

        var work = new Work(command);
        Interlocked.Increment(ref _submitting);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _queue.Enqueue(work);
        }
        finally
        {
            Interlocked.Decrement(ref _submitting);
        }

        // The commit's continuations must not be posted to the caller's synchronization context, if it has one
        // (as Npgsql does it): the caller may be blocking that context's thread on the task returned below.
        SynchronizationContext? context = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(null);
        try
        {
            _ = CommitQueuedAsync(work);
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(context);
        }

        return work.Completion.Task.WaitAsync(cancellationToken);
    }

    private static LedgerError? Validate(LedgerCommand command)
    {
        if (command.Transfers.Count == 0 && command.Accounts.Count == 0 && command.Effect is null)
        {
            return new LedgerError(LedgerErrorCodes.InvalidCommand, "A command needs a transfer, an account to open or an effect.");
        }

        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < command.Transfers.Count; i++)
        {
            TransferRequest t = command.Transfers[i];
            if (!ids.Add(t.Id))
            {
                return new LedgerError(LedgerErrorCodes.InvalidCommand, $"Transfer id {t.Id} appears twice in one command.", i);
            }

            if (t.Kind is TransferKind.Single or TransferKind.Pending)
            {
                if (t.AmountCents <= 0)
                {
                    return new LedgerError(LedgerErrorCodes.InvalidCommand, "A transfer moves a positive amount.", i);
                }

                if (t.Debit.Value is null || t.Credit.Value is null || t.Debit == t.Credit)
                {
                    return new LedgerError(LedgerErrorCodes.InvalidCommand, "A transfer needs two different accounts.", i);
                }
            }
        }

        return null;
    }

    /// <summary>
    /// Commits what is queued if a writer's connection is free; otherwise whoever holds one commits it. Runs on the
    /// caller's thread until the caller's own command is done, then hands what is left to the thread pool.
    /// </summary>
    private async Task CommitQueuedAsync(Work? own)
    {
        // Whoever releases a connection looks at the queue again afterwards, and whoever queues looks for a free
        // connection afterwards (both behind full fences): a queued command is never left without a committer.
        Interlocked.MemoryBarrier();
        while (!_queue.IsEmpty && TryTakeSlot(out WriterSlot? slot))
        {
            try
            {
                while (own is null || !own.Completion.Task.IsCompleted)
                {
                    if (!await CommitBatchAsync(slot))
                    {
                        break;
                    }
                }
            }
            finally
            {
                ReleaseSlot(slot);
            }

            if (own is not null && !_queue.IsEmpty)
            {
                // The caller's command is done: the rest is for the thread pool, not for this caller's latency.
                _ = Task.Run(() => CommitQueuedAsync(null), CancellationToken.None);
                return;
            }
        }
    }

    private bool TryTakeSlot([NotNullWhen(true)] out WriterSlot? slot)
    {
        int free = Volatile.Read(ref _freeSlots);
        while (free > 0)
        {
            int seen = Interlocked.CompareExchange(ref _freeSlots, free - 1, free);
            if (seen == free)
            {
                return _slots.TryPop(out slot) ? true : throw new InvalidOperationException("A free ledger writer has no connection.");
            }

            free = seen;
        }

        slot = null;
        return false;
    }

    private void ReleaseSlot(WriterSlot slot)
    {
        _slots.Push(slot);
        Interlocked.Increment(ref _freeSlots);
    }

    /// <summary>Commits the next batch from the queue.</summary>
    /// <returns>False when the queue was empty.</returns>
    private async Task<bool> CommitBatchAsync(WriterSlot slot)
    {
        List<Work> batch = slot.Batch;
        batch.Clear();
        while (batch.Count < _options.MaxBatch && _queue.TryDequeue(out Work? work))
        {
            batch.Add(work);
        }

        if (batch.Count == 0)
        {
            return false;
        }

        try
        {
            await CommitSplitAsync(slot, batch);
        }
        catch (Exception e)
        {
            // CommitAsync answers every failure; this is for a bug in it: no caller is left waiting for ever.
            LogFailed(_logger, e);
            foreach (Work work in batch)
            {
                work.Completion.TrySetException(e);
            }
        }

        return true;
    }

    private async Task CommitSplitAsync(WriterSlot slot, List<Work> batch)
    {
        // Commands that need not wait for the disk go first, in a transaction of their own: they must not wait for
        // the flush of a durable command that happened to arrive with them.
        // (A SQLite writer tells them at its commit, before the sync: no need.)
        int relaxed = batch.Count(w => !IsDurable(w.Command));
        if (relaxed > 0 && relaxed < batch.Count && _database.Kind != DatabaseKind.Sqlite)
        {
            slot.Writer = await CommitMeasuredAsync(slot.Writer, [.. batch.Where(w => !IsDurable(w.Command))]);
            slot.Writer = await CommitMeasuredAsync(slot.Writer, [.. batch.Where(w => IsDurable(w.Command))]);
        }
        else
        {
            slot.Writer = await CommitMeasuredAsync(slot.Writer, batch);
        }
    }

    private async Task<LedgerWriter?> CommitMeasuredAsync(LedgerWriter? writer, List<Work> batch)
    {
        long started = Stopwatch.GetTimestamp();
        writer = await CommitAsync(writer, batch);
        LedgerMetrics.Batch(batch.Count, started);
        return writer;
    }

    /// <summary>Commits a batch, retrying transient failures; a batch that fails for good is split so one bad command fails alone.</summary>
    private async Task<LedgerWriter?> CommitAsync(LedgerWriter? writer, List<Work> batch)
    {
        int attempt = 0;
        bool lookUpIds = false;
        while (true)
        {
            attempt++;
            try
            {
                writer ??= await LedgerWriter.OpenAsync(_database, CancellationToken.None);
                if (await CommitOnceAsync(writer, batch, lookUpIds))
                {
                    return writer;
                }

                lookUpIds = true;
            }
            catch (Exception e) when (!lookUpIds && DbErrors.IsUniqueViolation(e))
            {
                // Most likely a replay, whose ids the first try left to the primary key. The transaction is rolled
                // back and the connection fine: try again at once, looking every id up.
                lookUpIds = true;
            }
            catch (Exception e)
            {
                // The connection may be broken or mid-transaction: start the next try on a fresh one.
                if (writer is not null)
                {
                    await writer.DisposeAsync();
                    writer = null;
                }

                bool retry = e is LedgerRaceException || DbErrors.IsTransient(e) || DbErrors.IsUniqueViolation(e);
                if (retry && attempt < _options.MaxRetries)
                {
                    LogRetry(_logger, e, attempt, batch.Count);
                    await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(1, 5 * attempt)), _time);
                    continue;
                }

                if (batch.Count > 1)
                {
                    foreach (Work work in batch)
                    {
                        writer = await CommitAsync(writer, [work]);
                    }

                    return writer;
                }

                LogFailed(_logger, e);
                batch[0].Completion.TrySetException(e);
                return writer;
            }
        }
    }

    /// <summary>
    /// Commits a batch in one transaction. Unless <paramref name="lookUpIds"/>, the ids of new transfers are not looked
    /// up first: the primary key refuses one that is taken (a unique violation), and the batch is tried again with
    /// lookups. Commands with an effect are the exception: an effect must not run for what turns out to be a replay.
    /// </summary>
    /// <returns>False when nothing was committed because an id not looked up was taken: try again with lookups.</returns>
    private async Task<bool> CommitOnceAsync(LedgerWriter writer, List<Work> batch, bool lookUpIds)
    {
        // Stored in milliseconds: the outcome told now must equal the one a replay reads back.
        DateTimeOffset now = DateTimeOffset.FromUnixTimeMilliseconds(_time.GetUtcNow().ToUnixTimeMilliseconds());
        bool durable = batch.Exists(w => IsDurable(w.Command));
        await using DbTransaction tx = await writer.BeginAsync(durable, CancellationToken.None);

        var transferIds = new HashSet<string>(StringComparer.Ordinal);
        var pendingIds = new HashSet<string>(StringComparer.Ordinal);
        var accountIds = new HashSet<string>(StringComparer.Ordinal);
        foreach (Work work in batch)
        {
            foreach (LedgerAccountSpec a in work.Command.Accounts)
            {
                accountIds.Add(a.Id.Value);
            }

            bool lookUp = lookUpIds || work.Command.Effect is not null;
            foreach (TransferRequest t in work.Command.Transfers)
            {
                if (lookUp)
                {
                    transferIds.Add(t.Id);
                }

                if (t.PendingId is not null)
                {
                    transferIds.Add(t.PendingId);
                    pendingIds.Add(t.PendingId);
                }
                else
                {
                    accountIds.Add(t.Debit.Value);
                    accountIds.Add(t.Credit.Value);
                }
            }
        }

        // The writer also loads the accounts of the pending transfers it finds (a post or void moves their accounts).
        (Dictionary<string, Transfer> transfers, Dictionary<string, AccountRow> accounts) =
            await writer.LoadAsync(tx, transferIds, pendingIds, accountIds, CancellationToken.None);
        var state = new BatchState(accounts, transfers, now);
        var outcomes = new (LedgerOutcome? Outcome, Exception? Error)[batch.Count];
        bool effectsRan = false;
        int lastEffect = batch.FindLastIndex(w => w.Command.Effect is not null);
        for (int i = 0; i < batch.Count; i++)
        {
            LedgerCommand command = batch[i].Command;
            LedgerOutcome outcome = state.Apply(command);
            if (outcome.Status == LedgerStatus.Committed && command.Effect is not null)
            {
                effectsRan = true;
                var context = new EffectContext(writer.Connection, tx, _database.Kind, now)
                {
                    AvailableCents = id => state.Accounts.TryGetValue(id.Value, out AccountRow? row) ? row.Balance - row.PendingDebits : null,
                };
                // On PostgreSQL the last effect's savepoint is left to the commit, which ends it without a round trip.
                bool keep = i == lastEffect && _database.Kind == DatabaseKind.Postgres;
                (LedgerError? refused, Exception? error) = await RunEffectAsync(command.Effect, context, tx, keep);
                if (refused is not null || error is not null)
                {
                    state.Undo();
                    outcomes[i] = (refused is null ? null : new LedgerOutcome(LedgerStatus.Rejected, [], refused), error);
                    continue;
                }
            }

            outcomes[i] = (outcome, null);
        }

        // A refused or replayed command writes nothing, so no primary key checks its ids; had one been taken, the
        // command would have been a replay or a conflict. Those ids the batch does not know yet are looked up now.
        if (!lookUpIds)
        {
            var unknown = new List<string>();
            for (int i = 0; i < batch.Count; i++)
            {
                LedgerCommand command = batch[i].Command;
                if (command.Effect is null && outcomes[i].Outcome!.Status != LedgerStatus.Committed)
                {
                    unknown.AddRange(command.Transfers.Select(t => t.Id).Where(id => !state.Transfers.ContainsKey(id)));
                }
            }

            if (unknown.Count > 0 && await writer.AnyTransferExistsAsync(tx, unknown, CancellationToken.None))
            {
                return false;
            }
        }

        await writer.WriteAndCommitAsync(tx, state, now, effectsRan, CancellationToken.None);

        // Only now is anything committed: tell the callers, those of durable commands once it is on disk too (a
        // writer that syncs later goes on to the next batch meanwhile). A refused or replayed command waits as well:
        // what it was told rests on what is committed.
        List<(Work Work, LedgerOutcome? Outcome, Exception? Error)>? afterSync = null;
        for (int i = 0; i < batch.Count; i++)
        {
            if (writer.SyncsLater && IsDurable(batch[i].Command))
            {
                (afterSync ??= []).Add((batch[i], outcomes[i].Outcome, outcomes[i].Error));
            }
            else
            {
                Tell(batch[i], outcomes[i].Outcome, outcomes[i].Error);
            }
        }

        if (afterSync is not null)
        {
            writer.AfterSync(
                () =>
                {
                    foreach ((Work work, LedgerOutcome? outcome, Exception? error) in afterSync)
                    {
                        Tell(work, outcome, error);
                    }
                },
                failure =>
                {
                    LogSyncFailed(_logger, failure);
                    foreach ((Work work, _, _) in afterSync)
                    {
                        Tell(work, null, failure);
                    }
                });
        }

        return true;
    }

    private static void Tell(Work work, LedgerOutcome? outcome, Exception? error)
    {
        if (error is not null)
        {
            work.Completion.TrySetException(error);
        }
        else
        {
            work.Completion.TrySetResult(outcome!);
        }
    }

    /// <summary>A command that moves money is durable whatever it says.</summary>
    private static bool IsDurable(LedgerCommand command) => command.Durable || command.Transfers.Count > 0;

    /// <summary>
    /// Runs an effect in a savepoint. Transient errors abort the whole batch (it is retried); others fail only this
    /// command. An effect that refuses before writing needs no savepoint: any error of its aborts the batch, which is
    /// then tried again command by command. With <paramref name="keep"/>, an accepted effect's savepoint is not
    /// released: no statement of another effect follows it, and the batch's commit (or rollback) ends it.
    /// </summary>
    private static async Task<(LedgerError? Refused, Exception? Error)> RunEffectAsync(ILedgerEffect effect, EffectContext context, DbTransaction tx, bool keep)
    {
        if (effect.RefusesBeforeWriting)
        {
            return (await effect.ApplyAsync(context, CancellationToken.None), null);
        }

        await SavepointAsync(tx, Savepoint.Set);
        try
        {
            LedgerError? refused = await effect.ApplyAsync(context, CancellationToken.None);
            if (refused is not null || !keep)
            {
                await SavepointAsync(tx, refused is not null ? Savepoint.RollBack : Savepoint.Release);
            }

            return (refused, null);
        }
        catch (Exception e) when (!DbErrors.IsTransient(e))
        {
            await SavepointAsync(tx, Savepoint.RollBack);
            return (null, e);
        }
    }

    /// <summary>
    /// Sets, releases or rolls back to (and releases) the effect's savepoint, through statements of its own: on SQLite
    /// prepared once per connection (<see cref="DbTransaction.SaveAsync"/> and its kin prepare theirs anew each time);
    /// on PostgreSQL sent asynchronously, as Npgsql's release and rollback to a savepoint were seen to read their answer
    /// synchronously, blocking a pool thread for the round trip (under load, the thread pool starved and a batch held
    /// its accounts' locks for most of a second). Npgsql's own savepoint is kept: it costs no round trip, as it is sent
    /// with the next statement.
    /// </summary>
    private static Task SavepointAsync(DbTransaction tx, Savepoint step)
    {
        string sql = step switch
        {
            Savepoint.Set => "SAVEPOINT effect",
            Savepoint.Release => "RELEASE SAVEPOINT effect",
            _ => "ROLLBACK TO SAVEPOINT effect; RELEASE SAVEPOINT effect",
        };
        if (tx.Connection is Microsoft.Data.Sqlite.SqliteConnection connection)
        {
            return connection.Reused(sql, tx).ExecuteNonQueryAsync(CancellationToken.None);
        }

        return step == Savepoint.Set ? tx.SaveAsync("effect") : RunAsync(tx, sql);

        static async Task RunAsync(DbTransaction tx, string sql)
        {
            await using DbCommand command = tx.Connection!.Command(sql, tx);
            await command.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }

    /// <summary>Commits what is queued, then closes the writers' connections.</summary>
    public async ValueTask DisposeAsync()
    {
        _disposed = true;
        Interlocked.MemoryBarrier();
        while (Volatile.Read(ref _submitting) > 0)
        {
            await Task.Yield();
        }

        var slots = new List<WriterSlot>(_slotCount);
        while (slots.Count < _slotCount)
        {
            if (TryTakeSlot(out WriterSlot? slot))
            {
                slots.Add(slot);
            }
            else
            {
                await Task.Delay(1);
            }
        }

        // A command queued just before the flag was set may have found every connection taken by this method.
        while (await CommitBatchAsync(slots[0]))
        {
        }

        foreach (WriterSlot slot in slots)
        {
            if (slot.Writer is not null)
            {
                await slot.Writer.DisposeAsync();
            }
        }
    }

    [LoggerMessage(EventId = 2001, Level = LogLevel.Debug, Message = "Ledger batch of {Count} commands retried (attempt {Attempt})")]
    private static partial void LogRetry(ILogger logger, Exception exception, int attempt, int count);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Error, Message = "Ledger command failed")]
    private static partial void LogFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Critical, Message = "The ledger's log could not be synced to disk: the commands waiting for it fail, and so does every durable one until a restart")]
    private static partial void LogSyncFailed(ILogger logger, Exception exception);

    private sealed class WriterSlot
    {
        public LedgerWriter? Writer { get; set; }

        public List<Work> Batch { get; } = [];
    }

    private enum Savepoint
    {
        Set,
        Release,
        RollBack,
    }

    private sealed class Work(LedgerCommand command)
    {
        public LedgerCommand Command { get; } = command;

        public TaskCompletionSource<LedgerOutcome> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
