using System.Data.Common;
using Mbushja.Storage;
using Mbushja.Storage.Commits;

namespace Mbushja.Messaging;

/// <summary>A part of a reply the SMSC accepted, and the SMSC's id for it.</summary>
public sealed record SubmittedPart(int Part, int Parts, string SmscMessageId);

/// <summary>A part of a reply the SMSC accepted, when, and the last delivery receipt for it.</summary>
public sealed record SubmittedPartState(int Part, int Parts, DateTimeOffset SubmittedAt, string? ReceiptState, DateTimeOffset? ReceiptAt);

/// <summary>The reply part a delivery receipt is about.</summary>
public sealed record ReceiptMatch(string TransactionId, int Part, int Parts);

/// <summary>
/// The parts of replies an SMSC accepted (submit_sm_resp 0), each recorded as soon as it is accepted: a reply tried
/// again after a failure in its middle sends only the parts not recorded, so the subscriber gets no part twice; and a
/// delivery receipt finds its reply by the SMSC's id and goes on the message's trail. Ids are stored under a key the
/// caller computes (lower case, no leading zeros) and looked up by the keys a receipt's id may stand for.
/// </summary>
public sealed class SmsSubmits(Database database, CommitQueue commits, IMessageTrail trail)
{
    /// <summary>The parts of a reply accepted so far, by part number.</summary>
    public async Task<List<SubmittedPart>> AcceptedAsync(string transactionId, CancellationToken ct = default)
    {
        await using DbConnection connection = await database.OpenAsync(ct);
        await using DbCommand command = connection.Command(
            "SELECT part, parts, smsc_message_id FROM sms_submits WHERE transaction_id = @id ORDER BY part", null, ("id", transactionId));
        await using DbDataReader r = await command.ExecuteReaderAsync(ct);
        var parts = new List<SubmittedPart>();
        while (await r.ReadAsync(ct))
        {
            parts.Add(new SubmittedPart(r.GetInt32(0), r.GetInt32(1), r.GetString(2)));
        }

        return parts;
    }

    /// <summary>The parts of a reply accepted so far, with their last delivery receipt (for the console's story of a USSD receipt, which keeps no trail).</summary>
    public async Task<List<SubmittedPartState>> StatesAsync(string transactionId, CancellationToken ct = default)
    {
        await using DbConnection connection = await database.OpenAsync(ct);
        await using DbCommand command = connection.Command(
            "SELECT part, parts, submitted_at, receipt_state, receipt_at FROM sms_submits WHERE transaction_id = @id ORDER BY part", null, ("id", transactionId));
        await using DbDataReader r = await command.ExecuteReaderAsync(ct);
        var parts = new List<SubmittedPartState>();
        while (await r.ReadAsync(ct))
        {
            parts.Add(new SubmittedPartState(
                r.GetInt32(0),
                r.GetInt32(1),
                DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(2)),
                r.IsDBNull(3) ? null : r.GetString(3),
                r.IsDBNull(4) ? null : DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(4))));
        }

        return parts;
    }

    /// <summary>Records an accepted part, with a trail line on the SMS it answers (once, however often it is recorded).</summary>
    public async Task RecordAsync(string transactionId, SubmittedPart part, string messageKey, string bind, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(part);
        if (await commits.CommitAsync(new Record(transactionId, part, messageKey, bind, trail), Durability.Durable, ct) is { } refused)
        {
            throw new InvalidOperationException($"The submit store refused a write: {refused.Code} {refused.Message}");
        }
    }

    /// <summary>
    /// Records a delivery receipt on the reply part whose id it quotes (<paramref name="keys"/>: the forms the id may
    /// have been stored under, the exact one first) and on the SMS's trail. Null when no reply has that id.
    /// </summary>
    public async Task<ReceiptMatch?> RecordReceiptAsync(
        IReadOnlyList<string> keys, string smscMessageId, string? state, string? status, string? error, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var receipt = new Receipt(keys, smscMessageId, state, status, error, trail);
        return await commits.CommitAsync(receipt, Durability.Durable, ct) is { } refused
            ? throw new InvalidOperationException($"The submit store refused a write: {refused.Code} {refused.Message}")
            : receipt.Match;
    }

    private sealed class Record(string transactionId, SubmittedPart part, string messageKey, string bind, IMessageTrail trail) : ICommitWork
    {
        public async Task<CommitRefusal?> ApplyAsync(CommitContext context, CancellationToken cancellationToken)
        {
            int inserted;
            await using (DbCommand insert = context.Connection.Command(
                "INSERT INTO sms_submits (transaction_id, part, parts, smsc_message_id, message_key, bind, submitted_at) "
                + "VALUES (@id, @part, @parts, @smscId, @key, @bind, @now) ON CONFLICT DO NOTHING",
                context.Transaction,
                ("id", transactionId),
                ("part", part.Part),
                ("parts", part.Parts),
                ("smscId", part.SmscMessageId),
                ("key", messageKey),
                ("bind", bind),
                ("now", context.Now.ToUnixTimeMilliseconds())))
            {
                inserted = await insert.ExecuteNonQueryAsync(cancellationToken);
            }

            if (inserted == 1)
            {
                await trail.AppendAsync(
                    context, transactionId, [new TrailEntry(TrailKind.ReplyPart, new { part = part.Part, parts = part.Parts, messageId = part.SmscMessageId, bind })], cancellationToken);
            }

            return null;
        }
    }

    private sealed class Receipt(IReadOnlyList<string> keys, string smscMessageId, string? state, string? status, string? error, IMessageTrail trail)
        : ICommitWork
    {
        public ReceiptMatch? Match { get; private set; }

        public async Task<CommitRefusal?> ApplyAsync(CommitContext context, CancellationToken cancellationToken)
        {
            Match = null;
            var parameters = keys.Select((k, i) => ("k" + i, (object?)k)).ToArray();
            var found = new List<(string Id, int Part, int Parts, string Key)>();
            await using (DbCommand find = context.Connection.Command(
                $"SELECT transaction_id, part, parts, message_key FROM sms_submits WHERE message_key IN ({string.Join(", ", parameters.Select(p => "@" + p.Item1))}) "
                + "ORDER BY submitted_at DESC",
                context.Transaction,
                parameters))
            await using (DbDataReader r = await find.ExecuteReaderAsync(cancellationToken))
            {
                while (await r.ReadAsync(cancellationToken))
                {
                    found.Add((r.GetString(0), r.GetInt32(1), r.GetInt32(2), r.GetString(3)));
                }
            }

            if (found.Count == 0)
            {
                return null;
            }

            // The id exactly as stored wins over the same number read in the other base.
            (string id, int part, int parts, _) = found.FirstOrDefault(f => f.Key == keys[0]) is { Id: not null } exact ? exact : found[0];
            Match = new ReceiptMatch(id, part, parts);
            int changed;
            await using (DbCommand update = context.Connection.Command(
                "UPDATE sms_submits SET receipt_state = @state, receipt_at = @now "
                + "WHERE transaction_id = @id AND part = @part AND (receipt_state IS NULL OR receipt_state <> @state)",
                context.Transaction,
                ("state", state ?? status ?? "unknown"),
                ("now", context.Now.ToUnixTimeMilliseconds()),
                ("id", id),
                ("part", part)))
            {
                changed = await update.ExecuteNonQueryAsync(cancellationToken);
            }

            // The same receipt delivered again says nothing new: one trail line per state reached.
            if (changed == 0)
            {
                return null;
            }

            await trail.AppendAsync(
                context, id, [new TrailEntry(TrailKind.ReplyReceipt, new { part, parts, messageId = smscMessageId, state, stat = status, err = error })], cancellationToken);
            return null;
        }
    }
}
