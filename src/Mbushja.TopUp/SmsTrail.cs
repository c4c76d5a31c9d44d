using System.Data.Common;
using System.Text;
using Mbushja.Messaging;
using Mbushja.Storage;
using Mbushja.Storage.Commits;

namespace Mbushja.TopUp;

/// <summary>One line of a message's trail.</summary>
public sealed record SmsEvent(int Seq, DateTimeOffset At, string Kind, string Detail);

/// <summary>
/// A message's trail (<c>sms_events</c>): what arrived, how it was read, the bank's answers, the ledger's transfers,
/// the reply and its delivery, each line written in the commit of the step it tells of.
/// </summary>
public sealed class SmsTrail(Database database) : IMessageTrail
{
    /// <summary>A message's trail, oldest first.</summary>
    public async Task<List<SmsEvent>> ReadAsync(TransactionId id, CancellationToken ct = default)
    {
        await using DbConnection connection = await database.OpenAsync(ct);
        await using DbCommand command = connection.Command(
            "SELECT at, kind, detail FROM sms_events WHERE transaction_id = @id ORDER BY id", null, ("id", id.Value));
        await using DbDataReader r = await command.ExecuteReaderAsync(ct);
        var events = new List<SmsEvent>();
        while (await r.ReadAsync(ct))
        {
            events.Add(new SmsEvent(events.Count + 1, DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(0)), r.GetString(1), r.GetString(2)));
        }

        return events;
    }

    /// <summary>The outbox's lines about a reply (sent, a part accepted, a receipt), for the message it answers; lines for anything else are dropped.</summary>
    async Task IMessageTrail.AppendAsync(CommitContext context, string messageId, IReadOnlyList<TrailEntry> lines, CancellationToken ct)
    {
        if (lines.Count == 0 || !TransactionId.TryParse(messageId, out TransactionId id))
        {
            return;
        }

        object? known = await context.Statement("SELECT 1 FROM sms_transactions WHERE id = @id", ("id", id.Value)).ExecuteScalarAsync(ct);
        if (known is not null)
        {
            await AppendAsync(context, id, lines, ct);
        }
    }

    /// <summary>Adds lines to a message's trail, in a commit.</summary>
    internal static async Task AppendAsync(CommitContext context, TransactionId id, IReadOnlyList<TrailEntry> entries, CancellationToken ct)
    {
        if (entries.Count > 0)
        {
            (string sql, (string, object?)[] parameters) = Insert(context, id, entries);
            await context.ExecuteAsync(sql, ct, parameters);
        }
    }

    /// <summary>Adds lines to a message's trail with the commit's next round trip (<see cref="CommitContext.Defer"/>).</summary>
    internal static void Append(CommitContext context, TransactionId id, IReadOnlyList<TrailEntry> entries)
    {
        if (entries.Count > 0)
        {
            (string sql, (string, object?)[] parameters) = Insert(context, id, entries);
            context.Defer(sql, parameters);
        }
    }

    /// <summary>One statement for all the lines (the SQL for each count of lines is prepared once per connection).</summary>
    private static (string Sql, (string, object?)[] Parameters) Insert(CommitContext context, TransactionId id, IReadOnlyList<TrailEntry> entries)
    {
        var parameters = new (string, object?)[2 + (2 * entries.Count)];
        parameters[0] = ("id", id.Value);
        parameters[1] = ("at", context.NowMs);
        for (int i = 0; i < entries.Count; i++)
        {
            (string kind, string detail) = i < Names.Length ? Names[i] : ("k" + i, "d" + i);
            parameters[2 + (2 * i)] = (kind, entries[i].Kind);
            parameters[3 + (2 * i)] = (detail, entries[i].Stored);
        }

        return (entries.Count < Statements.Length ? Statements[entries.Count] : InsertSql(entries.Count), parameters);
    }

    /// <summary>The statement for each count of lines a step writes (a top-up's steps write 1 to 4), and their parameters' names: built once.</summary>
    private static readonly string[] Statements = [.. Enumerable.Range(0, 9).Select(InsertSql)];

    private static readonly (string Kind, string Detail)[] Names = [.. Enumerable.Range(0, 8).Select(i => ("k" + i, "d" + i))];

    private static string InsertSql(int lines)
    {
        var values = new StringBuilder();
        for (int i = 0; i < lines; i++)
        {
            values.Append(i == 0 ? "" : ", ").Append("(@id, @at, @k").Append(i).Append(", @d").Append(i).Append(')');
        }

        return "INSERT INTO sms_events (transaction_id, at, kind, detail) VALUES " + values;
    }
}
