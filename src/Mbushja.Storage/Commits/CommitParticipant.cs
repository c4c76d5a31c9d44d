namespace Mbushja.Storage.Commits;

/// <summary>
/// What a participant commits besides work: the ledger's transfers. A participant evaluates the parts of a whole batch
/// together (it reads and locks what they touch once, decides each in memory, and writes the difference once).
/// </summary>
public interface ICommitPart
{
    /// <summary>Whether the participant may bring work for it (<see cref="PartStep.Work"/>).</summary>
    bool HasWork { get; }
}

/// <summary>
/// Takes part in every batch of a <see cref="CommitQueue"/> (the ledger): before the batch's work runs, it reads what
/// the batch's parts need; it decides each part in order as the queue reaches it; after the last, it writes what the
/// accepted parts changed. One queue has at most one participant.
/// </summary>
public abstract class CommitParticipant
{
    /// <summary>
    /// Begins a batch: reads (and locks, until the transaction ends) what <paramref name="parts"/> need. With
    /// <paramref name="lookUpAll"/> it may take nothing for granted (an earlier try of this batch found an id taken).
    /// </summary>
    public abstract Task<ParticipantBatch> BeginAsync(
        CommitContext context, IReadOnlyList<ICommitPart> parts, bool lookUpAll, CancellationToken cancellationToken);
}

/// <summary>A participant's view of one batch.</summary>
public abstract class ParticipantBatch
{
    /// <summary>Decides a part in memory, in batch order. Its changes stay unless the work it returns refuses (<see cref="Undo"/>).</summary>
    public abstract PartStep Apply(ICommitPart part, CommitContext context);

    /// <summary>Takes back the last part applied: its work refused.</summary>
    public abstract void Undo();

    /// <summary>
    /// Writes what the batch's accepted parts changed; may commit too (<see cref="CommitContext.CommitWithAsync"/>).
    /// False when nothing was written because an id the batch took for new is taken: the queue tries the batch again
    /// with <c>lookUpAll</c>. <paramref name="workRan"/>: work ran statements of its own since <see cref="CommitParticipant.BeginAsync"/>.
    /// </summary>
    public abstract Task<bool> WriteAsync(CommitContext context, bool workRan, CancellationToken cancellationToken);
}

/// <summary>What a participant decided for a part: go on with its work, replayed (its work does not run), or refused.</summary>
public readonly record struct PartStep(CommitStatus Status, object? Result, CommitRefusal? Refusal, ICommitWork? Work)
{
    /// <summary>Accepted: the queue runs <paramref name="work"/> (if any) in its savepoint; <paramref name="result"/> is the caller's.</summary>
    public static PartStep Run(object? result, ICommitWork? work) => new(CommitStatus.Committed, result, null, work);

    /// <summary>Committed before with the same content: nothing happens now, and no work runs.</summary>
    public static PartStep Replayed(object? result) => new(CommitStatus.Replayed, result, null, null);

    public static PartStep Refused(CommitRefusal refusal, object? result = null) => new(CommitStatus.Refused, result, refusal, null);
}

/// <summary>Whether a commit took effect.</summary>
public enum CommitStatus
{
    /// <summary>Committed now.</summary>
    Committed,

    /// <summary>A participant found it committed earlier with the same ids and content: nothing changed now.</summary>
    Replayed,

    /// <summary>Refused; nothing changed.</summary>
    Refused,
}

/// <summary>What the queue did with a request: its status, the refusal, and what the participant made of its part.</summary>
public sealed record CommitOutcome(CommitStatus Status, CommitRefusal? Refusal, object? PartResult)
{
    public bool Succeeded => Status != CommitStatus.Refused;
}

/// <summary>
/// One unit the queue commits all or nothing: work, or a participant's part (which brings its own work, if any,
/// through <see cref="PartStep.Work"/>: the ledger's transfers with the rows that go with them).
/// </summary>
public sealed record CommitRequest
{
    public CommitRequest(ICommitWork work, Durability durability = Durability.Durable)
    {
        ArgumentNullException.ThrowIfNull(work);
        Work = work;
        Durability = durability;
    }

    public CommitRequest(ICommitPart part, Durability durability = Durability.Durable)
    {
        ArgumentNullException.ThrowIfNull(part);
        Part = part;
        Durability = durability;
    }

    public ICommitPart? Part { get; }

    public ICommitWork? Work { get; }

    public Durability Durability { get; }
}
