using System.Data.Common;
using Mbushja.Storage;
using Mbushja.Storage.Commits;

namespace Mbushja.TopUp;

/// <summary>What storing one part of a long message found.</summary>
public enum PartStatus
{
    /// <summary>Stored; other parts are still missing.</summary>
    Pending,

    /// <summary>This part was stored before, or its message is recorded already: nothing new.</summary>
    Duplicate,

    /// <summary>Every part is stored and the message is not recorded yet: join the parts and record it.</summary>
    Complete,
}

/// <summary>One stored part: its number (1-based) and its octets as the gateway gave them (the whole PDU for SMPP).</summary>
public sealed record StoredPart(int Sequence, byte[] Octets);

/// <summary>What <see cref="InboundParts.StoreAsync"/> found; <see cref="Parts"/> are every part, in order, once complete.</summary>
/// <param name="MessageId">The long message's id; it records as <see cref="InboundParts.MessageIdOf"/>.</param>
public sealed record PartOutcome(PartStatus Status, string MessageId, IReadOnlyList<StoredPart> Parts);

/// <summary>A long message still waiting for parts, with those that came.</summary>
public sealed record OpenLongMessage(string MessageId, int Total, DateTimeOffset FirstAt, IReadOnlyList<StoredPart> Parts);

/// <summary>
/// The parts of long inbound messages, stored before each is acknowledged, so a crash loses none and the next part (on
/// any server) finds the others. Parts are opaque octets here: the gateway that stores them reads them back.
/// </summary>
/// <remarks>
/// A message completes in <see cref="StoreAsync"/>, is recorded under <see cref="MessageIdOf"/> and its parts dropped
/// by <see cref="DoneAsync"/> (docs/design/smpp-delivery.md, "Long messages").
/// </remarks>
public sealed class InboundParts(Database database, CommitQueue commits)
{
    /// <summary>The message id (<c>sms_transactions.message_id</c>) a long message is recorded under.</summary>
    public static string MessageIdOf(string longMessageId) => "smpp:long:" + longMessageId;

    /// <summary>
    /// Stores part <paramref name="sequence"/> of <paramref name="total"/> of the message <paramref name="key"/>
    /// names (its addresses, reference and number of parts). A message recorded (done) less than
    /// <paramref name="redeliveryWindow"/> ago keeps its key: its parts are duplicates. Older, the key starts a new message.
    /// </summary>
    public async Task<PartOutcome> StoreAsync(string key, int total, int sequence, byte[] octets, TimeSpan redeliveryWindow, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(octets);
        ArgumentOutOfRangeException.ThrowIfLessThan(total, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(sequence, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(sequence, total);
        var store = new Store(key, total, sequence, octets, redeliveryWindow);
        return await commits.CommitAsync(store, Durability.Durable, ct) is { } refused
            ? throw new InvalidOperationException($"The part store refused a write: {refused.Code} {refused.Message}")
            : store.Outcome!;
    }

    /// <summary>The message is recorded: its parts go, its key stays (done) for the redelivery window.</summary>
    public async Task DoneAsync(string messageId, CancellationToken ct = default)
    {
        if (await commits.CommitAsync(new Done(messageId), Durability.Durable, ct) is { } refused)
        {
            throw new InvalidOperationException($"The part store refused a write: {refused.Code} {refused.Message}");
        }
    }

    /// <summary>Messages still waiting for parts whose first part came before <paramref name="before"/>, with their parts.</summary>
    public async Task<List<OpenLongMessage>> OpenBeforeAsync(DateTimeOffset before, int limit, CancellationToken ct = default)
    {
        await using DbConnection connection = await database.OpenAsync(ct);
        var open = new List<(string Id, int Total, long FirstAt)>();
        await using (DbCommand command = connection.Command(
            $"SELECT id, total, first_at FROM smpp_long_messages WHERE done = 0 AND first_at < @before ORDER BY first_at LIMIT {limit}",
            null,
            ("before", before.ToUnixTimeMilliseconds())))
        await using (DbDataReader r = await command.ExecuteReaderAsync(ct))
        {
            while (await r.ReadAsync(ct))
            {
                open.Add((r.GetString(0), r.GetInt32(1), r.GetInt64(2)));
            }
        }

        var messages = new List<OpenLongMessage>(open.Count);
        foreach ((string id, int total, long firstAt) in open)
        {
            messages.Add(new OpenLongMessage(id, total, DateTimeOffset.FromUnixTimeMilliseconds(firstAt), await ReadPartsAsync(connection, null, id, ct)));
        }

        return messages;
    }

    /// <summary>Forgets recorded messages first seen before <paramref name="before"/> (past the redelivery window).</summary>
    public async Task<int> ForgetAsync(DateTimeOffset before, CancellationToken ct = default)
    {
        var forget = CommitStatement.Any("DELETE FROM smpp_long_messages WHERE done = 1 AND first_at < @before", ("before", before.ToUnixTimeMilliseconds()));
        await commits.CommitAsync(forget, Durability.Relaxed, ct);
        return forget.Rows;
    }

    private static async Task<List<StoredPart>> ReadPartsAsync(DbConnection connection, DbTransaction? transaction, string id, CancellationToken ct)
    {
        await using DbCommand command = connection.Command(
            "SELECT seq, pdu FROM smpp_long_parts WHERE message_id = @id ORDER BY seq", transaction, ("id", id));
        await using DbDataReader r = await command.ExecuteReaderAsync(ct);
        var parts = new List<StoredPart>();
        while (await r.ReadAsync(ct))
        {
            parts.Add(new StoredPart(r.GetInt32(0), r.GetFieldValue<byte[]>(1)));
        }

        return parts;
    }

    private sealed class Store(string key, int total, int sequence, byte[] octets, TimeSpan window) : ICommitWork
    {
        public PartOutcome? Outcome { get; private set; }

        public async Task<CommitRefusal?> ApplyAsync(CommitContext context, CancellationToken cancellationToken)
        {
            long now = context.Now.ToUnixTimeMilliseconds();
            // A new message takes the key; so does one whose namesake was recorded longer ago than the window. An
            // open message keeps it whatever its age: its parts were acknowledged and must be recorded first.
            await using (DbCommand upsert = context.Connection.Command(
                "INSERT INTO smpp_long_messages (id, key, total, first_at, done) VALUES (@id, @key, @total, @now, 0) "
                + "ON CONFLICT (key) DO UPDATE SET id = excluded.id, total = excluded.total, first_at = excluded.first_at, done = 0 "
                + "WHERE smpp_long_messages.done = 1 AND smpp_long_messages.first_at < @expired",
                context.Transaction,
                ("id", Guid.CreateVersion7().ToString("N")),
                ("key", key),
                ("total", total),
                ("now", now),
                ("expired", (context.Now - window).ToUnixTimeMilliseconds())))
            {
                await upsert.ExecuteNonQueryAsync(cancellationToken);
            }

            // Locked on PostgreSQL, so that two last parts stored at once on two servers are counted one after the other.
            string id;
            bool done;
            await using (DbCommand read = context.Connection.Command(
                "SELECT id, done FROM smpp_long_messages WHERE key = @key" + context.Sql.ForUpdate,
                context.Transaction,
                ("key", key)))
            await using (DbDataReader r = await read.ExecuteReaderAsync(cancellationToken))
            {
                await r.ReadAsync(cancellationToken);
                (id, done) = (r.GetString(0), r.GetInt32(1) == 1);
            }

            if (done)
            {
                Outcome = new PartOutcome(PartStatus.Duplicate, id, []);
                return null;
            }

            int inserted;
            await using (DbCommand insert = context.Connection.Command(
                "INSERT INTO smpp_long_parts (message_id, seq, pdu, received_at) VALUES (@id, @seq, @pdu, @now) ON CONFLICT DO NOTHING",
                context.Transaction,
                ("id", id),
                ("seq", sequence),
                ("pdu", octets),
                ("now", now)))
            {
                inserted = await insert.ExecuteNonQueryAsync(cancellationToken);
            }

            List<StoredPart> parts = await ReadPartsAsync(context.Connection, context.Transaction, id, cancellationToken);
            Outcome = parts.Count >= total
                ? new PartOutcome(PartStatus.Complete, id, parts)
                : new PartOutcome(inserted == 1 ? PartStatus.Pending : PartStatus.Duplicate, id, []);
            return null;
        }
    }

    private sealed class Done(string id) : ICommitWork
    {
        public async Task<CommitRefusal?> ApplyAsync(CommitContext context, CancellationToken cancellationToken)
        {
            await using (DbCommand mark = context.Connection.Command(
                "UPDATE smpp_long_messages SET done = 1 WHERE id = @id", context.Transaction, ("id", id)))
            {
                await mark.ExecuteNonQueryAsync(cancellationToken);
            }

            await using DbCommand drop = context.Connection.Command(
                "DELETE FROM smpp_long_parts WHERE message_id = @id", context.Transaction, ("id", id));
            await drop.ExecuteNonQueryAsync(cancellationToken);
            return null;
        }
    }
}
