using System.Data.Common;
using Mbushja.Storage;
using Mbushja.Storage.Commits;

namespace Mbushja.Messaging;

/// <summary>Where a reply stands (the <c>sms_outbox.state</c> column).</summary>
public static class OutboxStates
{
    /// <summary>
    /// Goes back in the HTTP response of the gateway that delivered the message (and in the answer to a repeat of it):
    /// never through the outbound gateway once a repeat's answer carried it (<c>answered_at</c>).
    /// </summary>
    public const string Inline = "inline";

    /// <summary>Waits for the outbound gateway; <c>next_at</c> says when it may be tried (or until when it is leased).</summary>
    public const string Pending = "pending";

    /// <summary>The outbound gateway accepted it.</summary>
    public const string Sent = "sent";

    /// <summary>Given up after the last attempt.</summary>
    public const string Failed = "failed";
}

/// <summary>What an outbox message belongs to (the <c>sms_outbox.source</c> column).</summary>
public static class OutboxSources
{
    /// <summary>The reply to an inbound SMS: its id is the SMS transaction's, and its sending is on that message's trail.</summary>
    public const string Sms = "sms";

    /// <summary>The receipt of a USSD payment: its id is the payment's.</summary>
    public const string Ussd = "ussd";

    /// <summary>A notice that answers nothing (a holder told of an authorised person's SIM change): its id is its own, no trail.</summary>
    public const string Notice = "notice";
}

/// <summary>A reply in the outbox.</summary>
/// <param name="TransactionId">What the message belongs to: an SMS transaction, or a USSD payment (see <paramref name="Source"/>).</param>
/// <param name="Recipient">E.164, or the sender exactly as the gateway gave it when it was no number of the operator.</param>
/// <param name="Sender">The short code the message was sent to, or the operator's sender name for a receipt.</param>
/// <param name="NextAt">When a pending reply may be tried next; while one worker sends it, the end of that worker's lease.</param>
public sealed record OutboxMessage(
    string TransactionId,
    string Recipient,
    string Sender,
    string Text,
    string State,
    int Attempts,
    DateTimeOffset NextAt,
    DateTimeOffset CreatedAt,
    string Source = OutboxSources.Sms);

/// <summary>
/// The replies waiting for the outbound gateway. Every write goes through the commit queue, and every change is
/// conditional on what the worker read: a reply is claimed by moving its <c>next_at</c> to the end of a lease, so two
/// workers (or two servers) never send it both.
/// </summary>
public sealed class SmsOutbox(Database database, CommitQueue commits, IMessageTrail trail)
{
    /// <summary>The refusal when another worker took a reply first, or holds it now.</summary>
    public const string Taken = "OUTBOX_TAKEN";

    private const string Columns = "transaction_id, recipient, sender, text, state, attempts, next_at, created_at, source";

    /// <summary>
    /// In another module's commit: queues a message for the outbound gateway, in the same transaction as
    /// what it tells of (a USSD payment and its receipt commit together or not at all). The primary key makes a second
    /// message for the same <paramref name="id"/> impossible; false when one is there already.
    /// </summary>
    public static async Task<bool> EnqueueAsync(
        CommitContext context, string id, string source, string recipient, string sender, string text, CancellationToken ct, string state = OutboxStates.Pending)
    {
        ArgumentNullException.ThrowIfNull(context);
        return await context.ExecuteAsync(EnqueueSql, ct, EnqueueParameters(context, id, source, recipient, sender, text, state)) == 1;
    }

    /// <summary>
    /// <see cref="EnqueueAsync"/> with the commit's next round trip (<see cref="CommitContext.Defer"/>), for work that
    /// does not need to know whether the message was queued before.
    /// </summary>
    public static void Enqueue(CommitContext context, string id, string source, string recipient, string sender, string text, string state = OutboxStates.Pending)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Defer(EnqueueSql, EnqueueParameters(context, id, source, recipient, sender, text, state));
    }

    private const string EnqueueSql =
        "INSERT INTO sms_outbox (transaction_id, recipient, sender, text, state, attempts, next_at, created_at, source) "
        + "VALUES (@id, @to, @from, @text, @state, 0, @now, @now, @source) ON CONFLICT (transaction_id) DO NOTHING";

    private static (string, object?)[] EnqueueParameters(CommitContext context, string id, string source, string recipient, string sender, string text, string state) =>
        [("id", id), ("to", recipient), ("from", sender), ("text", text), ("state", state), ("now", context.NowMs), ("source", source)];

    /// <summary>
    /// In a commit: a reply recorded for an HTTP response that nobody will read goes out through the outbound gateway
    /// instead (inline → pending). False when it was not inline (already pending, or none yet), or when an answer to a
    /// repeat of the message carried it (<see cref="KeepForResponseAsync"/>): then it is the responses' for good.
    /// </summary>
    public static async Task<bool> SendInlineAsync(CommitContext context, string id, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(context);
        return await context.ExecuteAsync(
            "UPDATE sms_outbox SET state = @pending, next_at = @now WHERE transaction_id = @id AND state = @inline AND answered_at IS NULL",
            ct,
            ("pending", OutboxStates.Pending),
            ("inline", OutboxStates.Inline),
            ("now", context.NowMs),
            ("id", id)) == 1;
    }

    /// <summary>
    /// In a commit, for the HTTP answer to a repeat of a message (its gateway sent it again): an inline reply is marked
    /// as carried by a response, so that the first request's caller, should it have gone, does not hand it to the
    /// outbound gateway after all (<see cref="SendInlineAsync"/>). False when the reply is not inline.
    /// </summary>
    public static async Task<bool> KeepForResponseAsync(CommitContext context, string id, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(context);
        return await context.ExecuteAsync(
            "UPDATE sms_outbox SET answered_at = COALESCE(answered_at, @now) WHERE transaction_id = @id AND state = @inline",
            ct,
            ("inline", OutboxStates.Inline),
            ("now", context.NowMs),
            ("id", id)) == 1;
    }

    /// <summary>
    /// In a commit, for the HTTP answer to a repeat of a message: a reply waiting for the outbound gateway that no
    /// worker has tried yet is taken back for that answer (pending → inline, marked as carried by a response). The
    /// dispatcher's claim is conditional on the row being pending, and this on no claim having been made: of the two,
    /// one wins, on any number of servers. False when an attempt was made (or the reply was sent, or given up): the
    /// outbound gateway has it.
    /// </summary>
    public static async Task<bool> TakeBackAsync(CommitContext context, string id, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(context);
        return await context.ExecuteAsync(
            "UPDATE sms_outbox SET state = @inline, answered_at = @now WHERE transaction_id = @id AND state = @pending AND attempts = 0",
            ct,
            ("inline", OutboxStates.Inline),
            ("pending", OutboxStates.Pending),
            ("now", context.NowMs),
            ("id", id)) == 1;
    }

    /// <summary>How many replies wait for the outbound gateway (the outbox's depth, for /metrics).</summary>
    public async Task<long> CountPendingAsync(CancellationToken ct = default)
    {
        await using DbConnection connection = await database.OpenAsync(ct);
        await using DbCommand count = connection.Command("SELECT COUNT(*) FROM sms_outbox WHERE state = @pending", null, ("pending", OutboxStates.Pending));
        return Convert.ToInt64(await count.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Pending replies due at <paramref name="now"/>, oldest due first.</summary>
    public async Task<List<OutboxMessage>> DueAsync(DateTimeOffset now, int limit, CancellationToken ct = default)
    {
        await using DbConnection connection = await database.OpenAsync(ct);
        await using DbCommand command = connection.Command(
            $"SELECT {Columns} FROM sms_outbox WHERE state = '{OutboxStates.Pending}' AND next_at <= @now ORDER BY next_at LIMIT {limit}",
            null,
            ("now", now.ToUnixTimeMilliseconds()));
        return await ReadAllAsync(command, ct);
    }

    public async Task<OutboxMessage?> GetAsync(string transactionId, CancellationToken ct = default)
    {
        await using DbConnection connection = await database.OpenAsync(ct);
        await using DbCommand command = connection.Command($"SELECT {Columns} FROM sms_outbox WHERE transaction_id = @id", null, ("id", transactionId));
        return (await ReadAllAsync(command, ct)).FirstOrDefault();
    }

    /// <summary>
    /// The newest SMS the platform sent (or holds to send) to a number, for the console's phone emulator, a sandbox demo's
    /// page: the outbox has no index by recipient, and a demo's is small.
    /// </summary>
    public async Task<List<OutboxMessage>> ToRecipientAsync(string recipient, int limit, CancellationToken ct = default)
    {
        await using DbConnection connection = await database.OpenAsync(ct);
        await using DbCommand command = connection.Command(
            $"SELECT {Columns} FROM sms_outbox WHERE recipient = @to ORDER BY created_at DESC, transaction_id DESC LIMIT @limit", null, ("to", recipient), ("limit", limit));
        return await ReadAllAsync(command, ct);
    }

    /// <summary>
    /// Takes a due reply for one attempt, until <paramref name="leaseUntil"/>: counts the attempt and moves
    /// <c>next_at</c> to the lease's end. Null when another worker took it first; else the reply as claimed.
    /// </summary>
    /// <remarks>
    /// The claim does not wait for the disk. Commits reach the disk in their order, so a claim lost in a crash takes
    /// with it everything after it, the reply's "sent" among them: the reply is then due again, exactly as when a
    /// worker dies between the gateway's acceptance and the mark (the one case of a second copy, see
    /// <see cref="OutboxDispatcher"/>). Other workers see the claim at once either way.
    /// </remarks>
    public async Task<OutboxMessage?> ClaimAsync(OutboxMessage due, DateTimeOffset leaseUntil, CancellationToken ct = default)
    {
        var claim = CommitStatement.Conditional(
            $"UPDATE sms_outbox SET next_at = @until, attempts = attempts + 1 WHERE transaction_id = @id AND state = '{OutboxStates.Pending}' AND next_at = @was",
            new CommitRefusal(Taken, $"The reply to {due.TransactionId} was taken by another worker."),
            ("until", leaseUntil.ToUnixTimeMilliseconds()),
            ("id", due.TransactionId),
            ("was", due.NextAt.ToUnixTimeMilliseconds()));
        return await commits.CommitAsync(claim, Durability.Relaxed, ct) is null ? due with { Attempts = due.Attempts + 1, NextAt = leaseUntil } : null;
    }

    /// <summary>
    /// The gateway accepted the reply: pending → sent, whoever holds the lease now (the message is out; a worker that
    /// took it over after a lease ran out must not send it again).
    /// </summary>
    public Task<bool> SentAsync(OutboxMessage claimed, IReadOnlyList<TrailEntry> lines, CancellationToken ct = default) =>
        ChangeAsync(claimed, OutboxStates.Sent, claimed.NextAt, requireLease: false, lines, ct);

    /// <summary>The attempt failed: pending again from <paramref name="nextAt"/>, if this worker still holds the lease.</summary>
    public Task<bool> RetryAsync(OutboxMessage claimed, DateTimeOffset nextAt, IReadOnlyList<TrailEntry> lines, CancellationToken ct = default) =>
        ChangeAsync(claimed, OutboxStates.Pending, nextAt, requireLease: true, lines, ct);

    /// <summary>Given up: pending → failed, if <paramref name="claimed"/>'s <c>next_at</c> is still the row's.</summary>
    public Task<bool> FailAsync(OutboxMessage claimed, IReadOnlyList<TrailEntry> lines, CancellationToken ct = default) =>
        ChangeAsync(claimed, OutboxStates.Failed, claimed.NextAt, requireLease: true, lines, ct);

    private async Task<bool> ChangeAsync(
        OutboxMessage claimed, string state, DateTimeOffset nextAt, bool requireLease, IReadOnlyList<TrailEntry> lines, CancellationToken ct)
    {
        CommitRefusal? refused = await commits.CommitAsync(new Change(claimed, state, nextAt, requireLease, lines, trail), Durability.Durable, ct);
        return refused is null || (refused.Code == Taken
            ? false
            : throw new InvalidOperationException($"The outbox refused a write: {refused.Code} {refused.Message}"));
    }

    private static async Task<List<OutboxMessage>> ReadAllAsync(DbCommand command, CancellationToken ct)
    {
        await using DbDataReader r = await command.ExecuteReaderAsync(ct);
        var rows = new List<OutboxMessage>();
        while (await r.ReadAsync(ct))
        {
            rows.Add(new OutboxMessage(
                r.GetString(0),
                r.GetString(1),
                r.GetString(2),
                r.GetString(3),
                r.GetString(4),
                r.GetInt32(5),
                DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(6)),
                DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(7)),
                r.GetString(8)));
        }

        return rows;
    }

    private sealed class Change(
        OutboxMessage claimed, string state, DateTimeOffset nextAt, bool requireLease, IReadOnlyList<TrailEntry> lines, IMessageTrail trail)
        : ICommitWork
    {
        public async Task<CommitRefusal?> ApplyAsync(CommitContext context, CancellationToken cancellationToken)
        {
            await using (DbCommand update = context.Connection.Command(
                $"UPDATE sms_outbox SET state = @state, next_at = @next WHERE transaction_id = @id AND state = '{OutboxStates.Pending}'"
                + (requireLease ? " AND next_at = @lease" : ""),
                context.Transaction,
                ("state", state),
                ("next", nextAt.ToUnixTimeMilliseconds()),
                ("id", claimed.TransactionId),
                ("lease", claimed.NextAt.ToUnixTimeMilliseconds())))
            {
                if (await update.ExecuteNonQueryAsync(cancellationToken) != 1)
                {
                    return new CommitRefusal(Taken, $"The reply to {claimed.TransactionId} is no longer this worker's.");
                }
            }

            // A USSD receipt has no SMS trail; its row in the outbox is its record.
            if (claimed.Source == OutboxSources.Sms)
            {
                await trail.AppendAsync(context, claimed.TransactionId, lines, cancellationToken);
            }

            return null;
        }
    }
}
