using Mbushja.Domain;
using Mbushja.Storage.Commits;

namespace Mbushja.Ledger;

/// <summary>
/// The double-entry ledger: balanced, idempotent, linked and two-phase transfers. It takes part in every batch of the
/// <see cref="CommitQueue"/>: the commands of a batch are decided in order in memory, against the accounts the batch
/// read and locked once, and what they changed is written once, with the batch's other work, in one transaction.
/// </summary>
public sealed class LedgerEngine
{
    private readonly CommitQueue _commits;

    public LedgerEngine(CommitQueue commits)
    {
        ArgumentNullException.ThrowIfNull(commits);
        _commits = commits;
        commits.Join(new Participant(LedgerStatements.For(commits.Database.Kind)));
    }

    /// <summary>The commit queue the ledger takes part in.</summary>
    public CommitQueue Commits => _commits;

    /// <summary>
    /// Commits a command: all its transfers and its work, or nothing. Returns once the outcome is durable. A refused
    /// command (<see cref="LedgerStatus.Rejected"/>) changed nothing. Cancelling stops the wait, not the command.
    /// </summary>
    public async Task<LedgerOutcome> SubmitAsync(LedgerCommand command, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (Validate(command) is { } invalid)
        {
            return new LedgerOutcome(LedgerStatus.Rejected, [], invalid);
        }

        CommitOutcome outcome = await _commits.SubmitAsync(new CommitRequest(command), cancellationToken);
        return outcome switch
        {
            // Refused by the ledger, or committed and then refused by its work: nothing of it remains.
            { Status: CommitStatus.Refused, PartResult: LedgerOutcome { Status: LedgerStatus.Rejected } refused } => refused,
            { Status: CommitStatus.Refused, Refusal: { } work } => new LedgerOutcome(LedgerStatus.Rejected, [], new LedgerError(work.Code, work.Message, null, work.Subject)),
            { PartResult: LedgerOutcome done } => done,
            _ => throw new InvalidOperationException("The commit queue returned no ledger outcome."),
        };
    }

    private static LedgerError? Validate(LedgerCommand command)
    {
        if (command.Transfers.Count == 0 && command.Accounts.Count == 0)
        {
            return new LedgerError(
                LedgerErrorCodes.InvalidCommand, "A command needs a transfer or an account to open; work alone goes to the commit queue.");
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
                if (t.Amount <= Money.Zero)
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

    /// <summary>The ledger's part in the commit queue's batches.</summary>
    private sealed class Participant(LedgerStatements statements) : CommitParticipant
    {
        /// <summary>
        /// Reads what the batch's commands touch. Unless <paramref name="lookUpAll"/>, the ids of new transfers are not
        /// looked up: the primary key refuses one that is taken (a unique violation), and the batch is tried again with
        /// lookups. Commands with work are the exception: work must not run for what turns out to be a replay.
        /// </summary>
        public override async Task<ParticipantBatch> BeginAsync(
            CommitContext context, IReadOnlyList<ICommitPart> parts, bool lookUpAll, CancellationToken cancellationToken)
        {
            var transferIds = new HashSet<string>(StringComparer.Ordinal);
            var pendingIds = new HashSet<string>(StringComparer.Ordinal);
            var accountIds = new HashSet<string>(StringComparer.Ordinal);
            var reads = new Dictionary<LedgerCommand, IReadOnlyList<LedgerRead>>(ReferenceEqualityComparer.Instance);
            foreach (LedgerCommand command in parts.Cast<LedgerCommand>())
            {
                if (command.Work?.Reads(context) is { Count: > 0 } read)
                {
                    reads[command] = read;
                }

                foreach (LedgerAccountSpec a in command.Accounts)
                {
                    accountIds.Add(a.Id.Value);
                }

                bool lookUp = lookUpAll || command.Work is not null;
                foreach (TransferRequest t in command.Transfers)
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

            var locks = new Dictionary<string, string>(StringComparer.Ordinal);
            LedgerLoad load = await statements.LoadAsync(
                context, transferIds, pendingIds, accountIds, locks, [.. reads.Values.SelectMany(r => r)], cancellationToken);
            return new Batch(statements, new BatchState(load.Accounts, load.Transfers, load.Resolved, context.Now), locks, reads, lookUpAll);
        }
    }

    private sealed class Batch(
        LedgerStatements statements,
        BatchState state,
        Dictionary<string, string> locks,
        Dictionary<LedgerCommand, IReadOnlyList<LedgerRead>> reads,
        bool lookedUpAll) : ParticipantBatch
    {
        /// <summary>Commands with no work that were not committed, whose ids were not looked up: checked before the write.</summary>
        private readonly List<LedgerCommand> _unchecked = [];

        public override PartStep Apply(ICommitPart part, CommitContext context)
        {
            var command = (LedgerCommand)part;
            LedgerOutcome outcome = state.Apply(command);
            if (outcome.Status != LedgerStatus.Committed && command.Work is null && !lookedUpAll)
            {
                _unchecked.Add(command);
            }

            return outcome.Status switch
            {
                LedgerStatus.Committed => PartStep.Run(
                    outcome, command.Work is { } work ? new BoundWork(work, new LedgerContext(context, Available, reads.GetValueOrDefault(command))) : null),
                LedgerStatus.Replayed => PartStep.Replayed(outcome),
                _ => PartStep.Refused(new CommitRefusal(outcome.Error!.Code, outcome.Error.Message), outcome),
            };
        }

        public override void Undo() => state.Undo();

        public override async Task<bool> WriteAsync(CommitContext context, bool workRan, CancellationToken cancellationToken)
        {
            // A refused or replayed command writes nothing, so no primary key checks its ids; had one been taken, the
            // command would have been a replay or a conflict. Those ids the batch does not know yet are looked up now.
            List<string> unknown = [.. _unchecked.SelectMany(c => c.Transfers).Select(t => t.Id).Where(id => !state.Transfers.ContainsKey(id))];
            if (unknown.Count > 0 && await statements.AnyTransferExistsAsync(context, unknown, cancellationToken))
            {
                return false;
            }

            await statements.WriteAsync(context, state, workRan, locks, cancellationToken);
            return true;
        }

        private Money? Available(LedgerAccountId id) => !state.Accounts.TryGetValue(id.Value, out AccountRow? row) ? null
            : row.Hot ? throw new InvalidOperationException($"Account {id} is hot: its balance is not known inside a batch (docs/design/hot-accounts.md).")
            : Money.FromCents(row.Balance - row.PendingDebits);
    }

    /// <summary>A command's work, bound to the batch that runs it.</summary>
    private sealed class BoundWork(ILedgerWork work, LedgerContext context) : ICommitWork
    {
        public bool RefusesBeforeWriting => work.RefusesBeforeWriting;

        public bool Pipelined => work.Pipelined;

        /// <summary>The work's reads that did not travel with the load, or that work of the transaction wrote since, are read first.</summary>
        public async Task<CommitRefusal?> ApplyAsync(CommitContext commit, CancellationToken cancellationToken)
        {
            foreach (LedgerRead read in context.Reads)
            {
                if (read.Loaded is null || commit.HasWritten(read.Key))
                {
                    read.Loaded = await commit.QueryAsync(read.Sql, cancellationToken, [.. read.Parameters]);
                }
            }

            return await work.ApplyAsync(context, cancellationToken);
        }
    }
}
