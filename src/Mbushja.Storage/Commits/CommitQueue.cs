using System.Collections.Concurrent;
using System.Data.Common;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Mbushja.Storage.Commits;

/// <summary>How the commit queue batches its work.</summary>
public sealed record CommitQueueOptions
{
    public static CommitQueueOptions Default { get; } = new();

    /// <summary>Most requests committed in one database transaction.</summary>
    public int MaxBatch { get; init; } = 512;

    /// <summary>
    /// Writers, each with its own connection. SQLite has one writer whatever this says; on PostgreSQL a second writer
    /// fills the time the first spends waiting for its commit.
    /// </summary>
    public int PostgresWriters { get; init; } = 2;

    /// <summary>Times a batch is tried again after a deadlock, serialization failure, a dropped connection or a taken id.</summary>
    public int MaxRetries { get; init; } = 8;

    /// <summary>
    /// How long a batch waits for a database that takes no writes (<see cref="DbErrors.IsUnavailable"/>: a failover)
    /// before its requests fail with that error, which callers answer "try again later". Short: a gateway is better
    /// told to resend than kept waiting, and whatever must finish (a held message's credits) retries on its own.
    /// </summary>
    public TimeSpan UnavailableWait { get; init; } = TimeSpan.FromSeconds(3);
}

/// <summary>
/// The one path of every durable write: requests are committed in batches, one transaction per batch (group commit),
/// each decided in order, all or nothing; the ledger takes part in every batch (<see cref="CommitParticipant"/>).
/// </summary>
/// <remarks>
/// No writer thread: a caller that finds a writer's connection free commits the queue itself, its own request among it
/// (flat combining; docs/design/write-path.md, "Why one queue").
/// </remarks>
[SuppressMessage("Naming", "CA1711", Justification = "It is a queue of commits, and the name a reader looks for.")]
public sealed partial class CommitQueue : IAsyncDisposable
{
    private readonly Database _database;
    private readonly TimeProvider _time;
    private readonly CommitQueueOptions _options;
    private readonly CommitEngine _engine;
    private readonly ILogger _logger;
    private readonly ConcurrentQueue<Item> _queue = new();
    private CommitParticipant? _participant;

    /// <summary>The writers' connections (opened on first use), each taken by one caller at a time.</summary>
    private readonly ConcurrentStack<WriterSlot> _slots = new();
    private readonly int _slotCount;
    private int _freeSlots;

    /// <summary>Callers between their check of <see cref="_disposed"/> and their request's place in the queue.</summary>
    private int _submitting;
    private volatile bool _disposed;
    private int _disposing;

    public CommitQueue(Database database, TimeProvider time, CommitQueueOptions? options = null, ILogger<CommitQueue>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(database);
        _database = database;
        _time = time;
        _options = options ?? CommitQueueOptions.Default;
        _engine = CommitEngine.For(database, _options);
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _slotCount = _engine.Writers;
        for (int i = 0; i < _slotCount; i++)
        {
            _slots.Push(new WriterSlot());
        }

        _freeSlots = _slotCount;
    }

    public Database Database => _database;

    /// <summary>The clock the queue stamps commits with.</summary>
    public TimeProvider Time => _time;

    /// <summary>Makes <paramref name="participant"/> take part in every batch (once, before the first request).</summary>
    public void Join(CommitParticipant participant)
    {
        ArgumentNullException.ThrowIfNull(participant);
        if (Interlocked.CompareExchange(ref _participant, participant, null) is not null)
        {
            throw new InvalidOperationException("The commit queue has a participant already.");
        }
    }

    /// <summary>
    /// Commits work; returns null once it is committed (on disk, unless <paramref name="durability"/> is relaxed), or its
    /// refusal (then nothing it wrote remains). Cancelling stops the wait, not the commit.
    /// </summary>
    public async Task<CommitRefusal?> CommitAsync(ICommitWork work, Durability durability = Durability.Durable, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(work);
        if (durability == Durability.Relaxed && work is CommitStatement statement && _engine.RunApart(statement, cancellationToken) is { } apart)
        {
            return await apart;
        }

        return (await SubmitAsync(new CommitRequest(work, durability), cancellationToken)).Refusal;
    }

    /// <summary>Commits a request (a participant's part, or work) and returns what came of it once it is on disk.</summary>
    public Task<CommitOutcome> SubmitAsync(CommitRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Part is not null && _participant is null)
        {
            throw new InvalidOperationException("A part needs a participant: no participant joined this commit queue.");
        }

        var item = new Item(request);
        Interlocked.Increment(ref _submitting);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _queue.Enqueue(item);
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
            _ = CommitQueuedAsync(item);
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(context);
        }

        return item.Completion.Task.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Commits what is queued if a writer's connection is free; otherwise whoever holds one commits it. Runs on the
    /// caller's thread until the caller's own request is done, then hands what is left to the thread pool.
    /// </summary>
    private async Task CommitQueuedAsync(Item? own)
    {
        // Whoever releases a connection looks at the queue again afterwards, and whoever queues looks for a free
        // connection afterwards (both behind full fences): a queued request is never left without a committer.
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
                // The caller's request is done: the rest is for the thread pool, not for this caller's latency.
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
                return _slots.TryPop(out slot) ? true : throw new InvalidOperationException("A free writer has no connection.");
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

    /// <summary>Commits the next batch from the queue. False when the queue was empty.</summary>
    private async Task<bool> CommitBatchAsync(WriterSlot slot)
    {
        List<Item> batch = slot.Batch;
        batch.Clear();
        while (batch.Count < _options.MaxBatch && _queue.TryDequeue(out Item? item))
        {
            batch.Add(item);
        }

        if (batch.Count == 0)
        {
            return false;
        }

        try
        {
            // Relaxed requests go first, in a transaction of their own where the engine splits them: they must not
            // wait for the flush of a durable request that happened to arrive with them.
            int relaxed = batch.Count(i => !i.Durable);
            if (_engine.SplitsRelaxed && relaxed > 0 && relaxed < batch.Count)
            {
                slot.Writer = await CommitMeasuredAsync(slot.Writer, [.. batch.Where(i => !i.Durable)]);
                slot.Writer = await CommitMeasuredAsync(slot.Writer, [.. batch.Where(i => i.Durable)]);
            }
            else
            {
                slot.Writer = await CommitMeasuredAsync(slot.Writer, batch);
            }
        }
        catch (Exception e)
        {
            // CommitAsync answers every failure; this is for a bug in it: no caller is left waiting for ever.
            LogFailed(_logger, e);
            foreach (Item item in batch)
            {
                item.Completion.TrySetException(e);
            }
        }

        return true;
    }

    private async Task<CommitWriter?> CommitMeasuredAsync(CommitWriter? writer, List<Item> batch)
    {
        long started = Stopwatch.GetTimestamp();
        writer = await CommitAsync(writer, batch);
        CommitMetrics.Batch(batch.Count, started);
        return writer;
    }

    /// <summary>Commits a batch, retrying transient failures; a batch that fails for good is split so one bad request fails alone.</summary>
    private async Task<CommitWriter?> CommitAsync(CommitWriter? writer, List<Item> batch)
    {
        int attempt = 0;
        bool lookUpAll = false;
        bool eager = false;
        long? unavailableSince = null;
        while (true)
        {
            attempt++;
            try
            {
                writer ??= await _engine.OpenWriterAsync(CancellationToken.None);
                if (await CommitOnceAsync(writer, batch, lookUpAll, eager))
                {
                    return writer;
                }

                lookUpAll = true;
            }
            catch (Exception e) when (!eager && CommitContext.IsUnmetExpectation(e))
            {
                // A deferred statement that expected one row changed none (a duplicate, a state moved by another
                // worker): the transaction is rolled back and the connection fine. Once more, each such statement run
                // at once, so that its work refuses as it should.
                eager = true;
            }
            catch (Exception e) when (!lookUpAll && DbErrors.IsUniqueViolation(e))
            {
                // Most likely a replay, whose ids the participant left to the primary key. The transaction is rolled
                // back and the connection fine: try again at once, looking everything up.
                lookUpAll = true;
            }
            catch (Exception e)
            {
                // The connection may be broken or mid-transaction: start the next try on a fresh one.
                if (writer is not null)
                {
                    await writer.DisposeAsync();
                    writer = null;
                }

                if (DbErrors.IsUnavailable(e))
                {
                    // A failover: no host takes writes, or the connection broke with the commit's outcome unknown.
                    // The batch is tried again whole on a fresh connection; what did commit is recognised by its ids
                    // (a participant's replay, work that finds its state moved). Given up after a while: all at once,
                    // not split, since every request would wait the same.
                    _database.ForgetConnections();
                    unavailableSince ??= _time.GetTimestamp();
                    if (_time.GetElapsedTime(unavailableSince.Value) < _options.UnavailableWait)
                    {
                        LogUnavailable(_logger, e.Message, batch.Count);
                        await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(500, 25 << Math.Min(attempt, 5))), _time);
                        continue;
                    }

                    foreach (Item item in batch)
                    {
                        item.Completion.TrySetException(e);
                    }

                    return writer;
                }

                bool retry = DbErrors.IsTransient(e) || DbErrors.IsUniqueViolation(e);
                if (retry && attempt < _options.MaxRetries)
                {
                    LogRetry(_logger, e, attempt, batch.Count);
                    await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(1, 5 * attempt)), _time);
                    continue;
                }

                if (batch.Count > 1)
                {
                    foreach (Item item in batch)
                    {
                        writer = await CommitAsync(writer, [item]);
                    }

                    return writer;
                }

                LogFailed(_logger, e);
                batch[0].Completion.TrySetException(e);
                return writer;
            }
        }
    }

    /// <summary>Commits a batch in one transaction.</summary>
    /// <returns>False when nothing was committed because an id the participant took for new was taken: try again with lookups.</returns>
    private async Task<bool> CommitOnceAsync(CommitWriter writer, List<Item> batch, bool lookUpAll, bool eager)
    {
        // Stored in milliseconds: the outcome told now must equal the one a replay reads back.
        DateTimeOffset now = DateTimeOffset.FromUnixTimeMilliseconds(_time.GetUtcNow().ToUnixTimeMilliseconds());
        bool durable = batch.Exists(i => i.Durable);
        await using DbTransaction tx = await writer.BeginAsync(durable, CancellationToken.None);
        var context = new CommitContext(writer.Connection, tx, _database.Sql, now, writer.State, eager);

        ParticipantBatch? participant = null;
        List<ICommitPart> parts = [.. batch.Select(i => i.Request.Part).OfType<ICommitPart>()];
        if (parts.Count > 0)
        {
            participant = await _participant!.BeginAsync(context, parts, lookUpAll, CancellationToken.None);
        }

        var outcomes = new (CommitOutcome? Outcome, Exception? Error)[batch.Count];
        bool workRan = false;
        int lastWork = _engine.KeepsLastSavepoint ? batch.FindLastIndex(i => i.MayRunWork) : -1;
        for (int i = 0; i < batch.Count; i++)
        {
            CommitRequest request = batch[i].Request;
            PartStep step = request.Part is { } part ? participant!.Apply(part, context) : PartStep.Run(null, request.Work);
            if (step.Status == CommitStatus.Committed && step.Work is { } work)
            {
                workRan = true;
                (CommitRefusal? refused, Exception? error) = await RunWorkAsync(work, context, tx, writer, keep: i == lastWork);
                if (refused is not null || error is not null)
                {
                    if (request.Part is not null)
                    {
                        participant!.Undo();
                    }

                    outcomes[i] = (refused is null ? null : new CommitOutcome(CommitStatus.Refused, refused, step.Result), error);
                    continue;
                }
            }

            outcomes[i] = (new CommitOutcome(step.Status, step.Refusal, step.Result), null);
        }

        // The roll-ups' rows are locked after the work's, and before the ledger's hot accounts: one order for every batch.
        context.DeferRollups();
        if (participant is not null && !await participant.WriteAsync(context, workRan, CancellationToken.None))
        {
            return false;
        }

        if (!context.Committed)
        {
            await context.CommitAsync(CancellationToken.None);
        }

        // Only now is anything committed: tell the callers, those of durable requests once it is on disk too (a writer
        // that syncs later goes on to the next batch meanwhile). A refused or replayed request waits as well: what it
        // was told rests on what is committed.
        List<(Item Item, CommitOutcome? Outcome, Exception? Error)>? afterSync = null;
        for (int i = 0; i < batch.Count; i++)
        {
            if (writer.SyncsLater && batch[i].Durable)
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
                    foreach ((Item item, CommitOutcome? outcome, Exception? error) in afterSync)
                    {
                        Tell(item, outcome, error);
                    }
                },
                failure =>
                {
                    LogSyncFailed(_logger, failure);
                    foreach ((Item item, _, _) in afterSync)
                    {
                        Tell(item, null, failure);
                    }
                });
        }

        return true;
    }

    private static void Tell(Item item, CommitOutcome? outcome, Exception? error)
    {
        if (error is not null)
        {
            item.Completion.TrySetException(error);
        }
        else
        {
            item.Completion.TrySetResult(outcome!);
        }
    }

    /// <summary>
    /// Runs work in a savepoint. Transient errors abort the whole batch (it is retried); others fail only this request.
    /// Work that refuses before writing needs no savepoint: any error of its aborts the batch, which is then tried
    /// again request by request. With <paramref name="keep"/>, an accepted work's savepoint is not released: no
    /// statement of other work follows it, and the batch's commit (or rollback) ends it. Savepoints, their release and
    /// their rollback travel with the next round trip where they can (<see cref="CommitContext.Defer"/>).
    /// </summary>
    private static async Task<(CommitRefusal? Refused, Exception? Error)> RunWorkAsync(
        ICommitWork work, CommitContext context, DbTransaction tx, CommitWriter writer, bool keep)
    {
        context.BeginWork();
        if (work.RefusesBeforeWriting)
        {
            if (!work.Pipelined)
            {
                await context.FlushAsync(CancellationToken.None);
            }

            CommitRefusal? refusal = await work.ApplyAsync(context, CancellationToken.None);
            if (refusal is not null)
            {
                context.EndWork(undo: true, savepoint: false);
            }

            return (refusal, null);
        }

        try
        {
            if (work.Pipelined || context.HasDeferred)
            {
                context.Defer(CommitContext.SetSavepoint);
                if (!work.Pipelined)
                {
                    await context.FlushAsync(CancellationToken.None);
                }
            }
            else
            {
                await writer.SetSavepointAsync(tx);
                context.SavepointSent();
            }

            CommitRefusal? refused = await work.ApplyAsync(context, CancellationToken.None);
            if (refused is not null || !keep)
            {
                context.EndWork(undo: refused is not null, savepoint: true);
            }

            return (refused, null);
        }
        catch (Exception e) when (!DbErrors.IsTransient(e) && !context.LastSendCarriedEarlierWork && !CommitContext.IsUnmetExpectation(e))
        {
            context.EndWork(undo: true, savepoint: true);
            return (null, e);
        }
    }

    /// <summary>Commits what is queued, then closes the writers' connections. Once: a second call (a container's) does nothing.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposing, 1) == 1)
        {
            return;
        }

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

        // A request queued just before the flag was set may have found every connection taken by this method.
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

    [LoggerMessage(EventId = 2001, Level = LogLevel.Debug, Message = "Commit batch of {Count} requests retried (attempt {Attempt})")]
    private static partial void LogRetry(ILogger logger, Exception exception, int attempt, int count);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Warning, Message = "No database takes writes ({Reason}); a batch of {Count} requests waits")]
    private static partial void LogUnavailable(ILogger logger, string reason, int count);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Error, Message = "Commit failed")]
    private static partial void LogFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Critical, Message = "The database's log could not be synced to disk: the commits waiting for it fail, and so does every durable one until a restart")]
    private static partial void LogSyncFailed(ILogger logger, Exception exception);

    private sealed class WriterSlot
    {
        public CommitWriter? Writer { get; set; }

        public List<Item> Batch { get; } = [];
    }

    private sealed class Item(CommitRequest request)
    {
        public CommitRequest Request { get; } = request;

        public bool Durable { get; } = request.Durability == Durability.Durable;

        /// <summary>Whether work may run for it (a part's participant may bring some).</summary>
        public bool MayRunWork => Request.Work is not null || Request.Part?.HasWork == true;

        public TaskCompletionSource<CommitOutcome> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
