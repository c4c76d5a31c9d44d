using Mbushja.Domain;
using Mbushja.Storage;
using Mbushja.Storage.Commits;

namespace Mbushja.TopUp;

/// <summary>
/// The leases on the unfinished work this server runs: messages on their way through their bank, refunds being asked.
/// Each lease names this server's instance as its holder and is short (<see cref="TopUpOptions.Lease"/>); while the work
/// runs, the heartbeat (<see cref="RenewAsync"/>) renews all of them in one commit, one statement per table, with the
/// instance's own heartbeat. So another server takes over a dead server's work within seconds, never a live worker's,
/// and a restarted server takes back its own at once (<see cref="EndOwnAsync"/>). docs/design/replies-and-leases.md.
/// </summary>
public sealed class WorkLeases(CommitQueue commits, ServerInstances instances, OperatorClock clock, TopUpOptions options)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, int> _messages = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _refunds = new(StringComparer.Ordinal);

    /// <summary>The holder this server writes on the leases it takes: its instance id.</summary>
    public string Holder => instances.Me.Id;

    /// <summary>The work whose leases the heartbeat renews now: (messages, refunds).</summary>
    public (int Messages, int Refunds) Running
    {
        get
        {
            lock (_lock)
            {
                return (_messages.Count, _refunds.Count);
            }
        }
    }

    /// <summary>The message's lease is renewed until the returned hold is disposed (holds of one message nest).</summary>
    public Hold Message(TransactionId id) => new(this, _messages, id.Value);

    /// <summary>The refund's lease (<c>sms_reversals</c>) is renewed until the returned hold is disposed.</summary>
    public Hold Refund(TransactionId id) => new(this, _refunds, id.Value);

    /// <summary>
    /// The heartbeat: renews the leases of the work running here, and the instance's own row, in one commit (one round
    /// trip on PostgreSQL, whatever the number of leases). Only leases this server still holds are renewed: work another
    /// server took over stays that server's. Throws <see cref="InstanceTakenException"/> when another start took this
    /// instance id over.
    /// </summary>
    public async Task RenewAsync(CancellationToken ct = default)
    {
        string[] messages;
        string[] refunds;
        lock (_lock)
        {
            messages = [.. _messages.Keys];
            refunds = [.. _refunds.Keys];
        }

        var renewal = new Renewal(instances, Holder, messages, refunds, (clock.UtcNow + options.Lease).ToUnixTimeMilliseconds());
        if (await commits.CommitAsync(renewal, Durability.Durable, ct) is { } refused)
        {
            throw new InstanceTakenException(refused.Message);
        }
    }

    /// <summary>
    /// At start, before any work: the leases this instance held in its last run (a crash, a kill) end now, so that its
    /// unfinished messages and refunds are taken back at once by the first sweep, not after their leases run out.
    /// Returns how many.
    /// </summary>
    public async Task<int> EndOwnAsync(CancellationToken ct = default)
    {
        var end = new EndOwn(Holder);
        await commits.CommitAsync(end, Durability.Durable, ct);
        return end.Ended;
    }

    private void Release(Dictionary<string, int> held, string id)
    {
        lock (_lock)
        {
            if (held.TryGetValue(id, out int count) && count > 1)
            {
                held[id] = count - 1;
            }
            else
            {
                held.Remove(id);
            }
        }
    }

    /// <summary>One work's hold on a lease: disposing it lets the lease run out (unless another hold of the same work remains).</summary>
    public sealed class Hold : IDisposable
    {
        private readonly WorkLeases _leases;
        private readonly Dictionary<string, int> _held;
        private readonly string _id;
        private int _disposed;

        internal Hold(WorkLeases leases, Dictionary<string, int> held, string id)
        {
            _leases = leases;
            _held = held;
            _id = id;
            lock (leases._lock)
            {
                held[id] = held.GetValueOrDefault(id) + 1;
            }
        }

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                _leases.Release(_held, _id);
            }
        }
    }

    private sealed class Renewal(ServerInstances instances, string holder, string[] messages, string[] refunds, long until) : ICommitWork
    {
        public bool RefusesBeforeWriting => true;

        public bool Pipelined => true;

        public async Task<CommitRefusal?> ApplyAsync(CommitContext context, CancellationToken cancellationToken)
        {
            if (!await instances.BeatAsync(context, cancellationToken))
            {
                return new CommitRefusal(ServerInstances.Taken, $"Another server started with this server's instance id '{holder}'.");
            }

            if (messages.Length > 0)
            {
                context.Defer(
                    $"UPDATE sms_transactions SET lease_until = @until WHERE {context.Sql.InTextList("id", "ids")} AND lease_holder = @holder "
                    + $"AND state IN ({TopUpStates.UnfinishedSql})",
                    ("until", until),
                    ("ids", context.Sql.TextList(messages)),
                    ("holder", holder));
            }

            if (refunds.Length > 0)
            {
                context.Defer(
                    $"UPDATE sms_reversals SET lease_until = @until WHERE {context.Sql.InTextList("transaction_id", "ids")} AND lease_holder = @holder "
                    + $"AND state = '{ReversalStates.Refunding}'",
                    ("until", until),
                    ("ids", context.Sql.TextList(refunds)),
                    ("holder", holder));
            }

            return null;
        }
    }

    private sealed class EndOwn(string holder) : ICommitWork
    {
        public int Ended { get; private set; }

        public async Task<CommitRefusal?> ApplyAsync(CommitContext context, CancellationToken cancellationToken)
        {
            Ended = await context.ExecuteAsync(
                $"UPDATE sms_transactions SET lease_until = 0 WHERE lease_holder = @holder AND state IN ({TopUpStates.UnfinishedSql})",
                cancellationToken,
                ("holder", holder));
            Ended += await context.ExecuteAsync(
                $"UPDATE sms_reversals SET lease_until = 0 WHERE lease_holder = @holder AND state = '{ReversalStates.Refunding}'",
                cancellationToken,
                ("holder", holder));
            return null;
        }
    }
}

/// <summary>Another start took this server's instance id over: this server must stop taking and renewing work.</summary>
public sealed class InstanceTakenException : InvalidOperationException
{
    public InstanceTakenException()
    {
    }

    public InstanceTakenException(string message)
        : base(message)
    {
    }

    public InstanceTakenException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
