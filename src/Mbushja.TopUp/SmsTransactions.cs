using System.Data.Common;
using System.Text.Json;
using Mbushja.Domain;
using Mbushja.Ledger;
using Mbushja.Storage;
using Mbushja.Storage.Commits;

namespace Mbushja.TopUp;

/// <summary>A message as recorded: where it stands and, once decided, its reply.</summary>
public sealed record SmsTransaction(
    string Id,
    string? MessageId,
    string Sender,
    string? Msisdn,
    string ShortCode,
    string Text,
    string? BankCode,
    Language Language,
    string State,
    string? Code,
    string? AccountRef,
    long? AmountCents,
    TopUpPlan? Plan,
    string? Reply,
    ReplyRoute Route,
    DateTimeOffset ReceivedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset LeaseUntil)
{
    /// <summary>The answer once the message is decided; null while it waits for the bank.</summary>
    public TopUpResult? Result => Reply is not null && TopUpStates.StatusOf(State) is { } status
        ? new TopUpResult(status, Code, Id, Reply)
        : null;
}

/// <summary>One line of a message's trail.</summary>
public sealed record SmsEvent(int Seq, DateTimeOffset At, string Kind, string Detail);

/// <summary>A line to add to a message's trail; its detail is an object serialised as JSON (a string is stored as it is).</summary>
public sealed class TrailEntry(string kind, object detail)
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public string Kind { get; } = kind;

    /// <summary>The detail as stored, made with the line: not on the ledger's writer, which every write waits for.</summary>
    public string Stored { get; } = detail as string ?? JsonSerializer.Serialize(detail, Options);
}

/// <summary>
/// The table of inbound messages, their trails and replies. Every write goes through the commit queue (with the
/// credits' transfers when it moves money); and every change of state is conditional on the state before it, which
/// is what keeps two workers from both acting.
/// </summary>
public sealed class SmsTransactions(Database database, LedgerEngine ledger)
{
    /// <summary>The effect's refusal when the row was not in the state the change expects (another worker moved it).</summary>
    public const string StateChanged = "STATE_CHANGED";

    /// <summary>The effect's refusal when the message id is recorded already.</summary>
    public const string Duplicate = "DUPLICATE_MESSAGE";

    private const string Columns =
        "id, message_id, sender, msisdn, short_code, text, bank_code, language, state, code, account_ref, amount, plan, reply, reply_route, received_at, updated_at, lease_until";

    /// <summary>
    /// Records a new message with its decision: holding (a plan, the bank is asked next) or final (a refusal and its
    /// reply). False when the message id is recorded already, or the <paramref name="redelivery"/> key was seen within
    /// its window: the caller answers with the first result (or, to an SMSC, just acknowledges the repeat).
    /// </summary>
    public async Task<bool> AcceptAsync(SmsTransaction row, IReadOnlyList<TrailEntry> trail, RedeliveryKey? redelivery = null, CancellationToken ct = default)
    {
        CommitRefusal? refused = await ledger.Commits.CommitAsync(new Accept(row, trail, redelivery), Durability.Durable, ct);
        return refused is null || (refused.Code == Duplicate ? false : throw Unexpected(refused));
    }

    /// <summary>Forgets redelivery keys first seen before <paramref name="before"/> (past every window): keeps the table small.</summary>
    public async Task<int> ForgetRedeliveriesAsync(DateTimeOffset before, CancellationToken ct = default)
    {
        var forget = CommitStatement.Any("DELETE FROM sms_redeliveries WHERE first_at < @before", ("before", before.ToUnixTimeMilliseconds()));
        await ledger.Commits.CommitAsync(forget, Durability.Relaxed, ct);
        return forget.Rows;
    }

    /// <summary>
    /// Commits the credits of a held message with its reply (and the paid-until dates it moves), holding → credited.
    /// Rejected with <see cref="StateChanged"/> when another worker decided the message first: nothing moved then.
    /// </summary>
    public Task<LedgerOutcome> CreditAsync(LedgerCommand credits, CancellationToken ct = default) => ledger.SubmitAsync(credits, ct);

    /// <summary>Moves a message from one state to another, with its reply when this decides it. False: it was not in <paramref name="from"/>.</summary>
    public async Task<bool> MoveAsync(string id, string from, Transition to, CancellationToken ct = default)
    {
        CommitRefusal? refused = await ledger.Commits.CommitAsync(new Move(id, from, to), Durability.Durable, ct);
        return refused is null || (refused.Code == StateChanged ? false : throw Unexpected(refused));
    }

    /// <summary>
    /// credited → completed once the bank confirmed the capture. Many messages finish at once under load, so their
    /// marks are written together, one command for all of them: the ledger's writer is the busiest part of SQLite.
    /// </summary>
    public Task CompleteAsync(string id, TrailEntry capture)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (Interlocked.CompareExchange(ref _completerStarted, 1, 0) == 0)
        {
            _ = Task.Run(CompleteLoopAsync);
        }

        return _completions.Writer.TryWrite((id, capture, done)) ? done.Task : Task.FromException(new ObjectDisposedException(nameof(SmsTransactions)));
    }

    private readonly System.Threading.Channels.Channel<(string Id, TrailEntry Capture, TaskCompletionSource Done)> _completions =
        System.Threading.Channels.Channel.CreateUnbounded<(string, TrailEntry, TaskCompletionSource)>(new() { SingleReader = true });

    private int _completerStarted;

    private async Task CompleteLoopAsync()
    {
        var batch = new List<(string Id, TrailEntry Capture, TaskCompletionSource Done)>(256);
        while (await _completions.Reader.WaitToReadAsync())
        {
            batch.Clear();
            while (batch.Count < 256 && _completions.Reader.TryRead(out var item))
            {
                batch.Add(item);
            }

            try
            {
                CommitRefusal? refused = await ledger.Commits.CommitAsync(new CompleteMany([.. batch.Select(b => (b.Id, b.Capture))]));
                foreach (var item in batch)
                {
                    if (refused is null)
                    {
                        item.Done.TrySetResult();
                    }
                    else
                    {
                        item.Done.TrySetException(Unexpected(refused));
                    }
                }
            }
            catch (Exception e)
            {
                // A message left credited is finished by the recovery sweep; nothing is lost.
                foreach (var item in batch)
                {
                    item.Done.TrySetException(e);
                }
            }
        }
    }

    /// <summary>
    /// A reply recorded for an HTTP response that nobody will read (the caller gave up) goes out through the outbound
    /// gateway instead: inline → pending. A reply already pending, or none yet, is left as it is.
    /// </summary>
    public async Task SendInlineReplyAsync(string id, CancellationToken ct = default)
    {
        if (await ledger.Commits.CommitAsync(new SendInline(id), Durability.Durable, ct) is { } refused)
        {
            throw Unexpected(refused);
        }
    }

    /// <summary>Takes an unfinished message whose lease ran out, for this worker, until <paramref name="until"/>.</summary>
    public async Task<bool> ClaimAsync(SmsTransaction row, DateTimeOffset until, CancellationToken ct = default)
    {
        var claim = CommitStatement.Conditional(
            "UPDATE sms_transactions SET lease_until = @until WHERE id = @id AND state = @state AND lease_until = @was",
            new CommitRefusal(StateChanged, $"Message {row.Id} was taken by another worker."),
            ("until", until.ToUnixTimeMilliseconds()),
            ("id", row.Id),
            ("state", row.State),
            ("was", row.LeaseUntil.ToUnixTimeMilliseconds()));
        return await ledger.Commits.CommitAsync(claim, Durability.Durable, ct) is null;
    }

    public async Task<SmsTransaction?> GetAsync(string id, CancellationToken ct = default) =>
        (await QueryAsync($"SELECT {Columns} FROM sms_transactions WHERE id = @p", id, ct)).FirstOrDefault();

    public async Task<SmsTransaction?> FindByMessageIdAsync(string messageId, CancellationToken ct = default) =>
        (await QueryAsync($"SELECT {Columns} FROM sms_transactions WHERE message_id = @p", messageId, ct)).FirstOrDefault();

    /// <summary>Unfinished messages whose lease has run out: a worker died with them, or the bank never answered.</summary>
    public Task<List<SmsTransaction>> ExpiredAsync(DateTimeOffset now, int limit, CancellationToken ct = default) =>
        QueryAsync(
            $"SELECT {Columns} FROM sms_transactions WHERE state IN ('holding', 'credited', 'voiding') AND lease_until < @p ORDER BY lease_until LIMIT {limit}",
            now.ToUnixTimeMilliseconds(),
            ct);

    /// <summary>Messages of a sender, newest first, within an optional time range.</summary>
    public async Task<List<SmsTransaction>> ListAsync(string? msisdn, DateTimeOffset? from, DateTimeOffset? to, int limit, CancellationToken ct = default)
    {
        await using DbConnection connection = await database.OpenAsync(ct);
        // No "@m IS NULL" trick: PostgreSQL cannot type a parameter that is only ever null.
        string bySender = msisdn is null ? "" : "msisdn = @m AND ";
        await using DbCommand command = connection.Command(
            $"SELECT {Columns} FROM sms_transactions WHERE {bySender}received_at >= @from AND received_at < @to "
            + $"ORDER BY received_at DESC, id DESC LIMIT {limit}",
            null,
            ("m", msisdn ?? ""),
            ("from", (from ?? DateTimeOffset.UnixEpoch).ToUnixTimeMilliseconds()),
            ("to", (to ?? DateTimeOffset.MaxValue).ToUnixTimeMilliseconds()));
        return await ReadAllAsync(command, ct);
    }

    /// <summary>A message's trail, oldest first.</summary>
    public async Task<List<SmsEvent>> TrailAsync(string id, CancellationToken ct = default)
    {
        await using DbConnection connection = await database.OpenAsync(ct);
        await using DbCommand command = connection.Command(
            "SELECT at, kind, detail FROM sms_events WHERE transaction_id = @id ORDER BY id", null, ("id", id));
        await using DbDataReader r = await command.ExecuteReaderAsync(ct);
        var events = new List<SmsEvent>();
        while (await r.ReadAsync(ct))
        {
            events.Add(new SmsEvent(events.Count + 1, DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(0)), r.GetString(1), r.GetString(2)));
        }

        return events;
    }

    /// <summary>Adds lines to a message's trail, in a commit.</summary>
    internal static async Task AppendTrailAsync(CommitContext context, string id, IReadOnlyList<TrailEntry> entries, CancellationToken ct)
    {
        if (entries.Count == 0)
        {
            return;
        }

        // One statement for all the lines (the SQL for each count of lines is prepared once per connection).
        var values = new System.Text.StringBuilder();
        var parameters = new List<(string, object?)>(2 + (2 * entries.Count)) { ("id", id), ("at", context.NowMs) };
        for (int i = 0; i < entries.Count; i++)
        {
            values.Append(i == 0 ? "" : ", ").Append("(@id, @at, @k").Append(i).Append(", @d").Append(i).Append(')');
            parameters.Add(("k" + i, entries[i].Kind));
            parameters.Add(("d" + i, entries[i].Stored));
        }

        await context.Statement("INSERT INTO sms_events (transaction_id, at, kind, detail) VALUES " + values, [.. parameters]).ExecuteNonQueryAsync(ct);
    }

    /// <summary>Sets the state (conditionally) and, when the change decides the message, records the reply once.</summary>
    internal static async Task<CommitRefusal?> ApplyTransitionAsync(CommitContext context, string id, string from, Transition to, CancellationToken ct)
    {
        DbCommand update = context.Statement(
            "UPDATE sms_transactions SET state = @to, code = COALESCE(@code, code), reply = COALESCE(@reply, reply), updated_at = @now, "
            + "lease_until = CASE WHEN @to IN ('holding', 'credited', 'voiding') THEN lease_until ELSE 0 END "
            + "WHERE id = @id AND state = @from",
            ("to", to.State),
            ("code", to.Code),
            ("reply", to.Reply),
            ("now", context.NowMs),
            ("id", id),
            ("from", from));
        if (await update.ExecuteNonQueryAsync(ct) != 1)
        {
            return new CommitRefusal(StateChanged, $"Message {id} is no longer {from}.");
        }

        if (to.Reply is not null)
        {
            await InsertReplyAsync(context, id, to.Reply, to.ReplyOutbound, [.. to.Trail], ct);
        }
        else
        {
            await AppendTrailAsync(context, id, to.Trail, ct);
        }

        return null;
    }

    /// <summary>Records the reply in the outbox, and the trail lines that led to it with a last one for the reply.</summary>
    private static async Task InsertReplyAsync(CommitContext context, string id, string reply, bool outbound, List<TrailEntry> trail, CancellationToken ct)
    {
        // The primary key makes a second reply for one message impossible.
        DbCommand insert = context.Statement(
            "INSERT INTO sms_outbox (transaction_id, recipient, sender, text, state, attempts, next_at, created_at) "
            + "SELECT id, COALESCE(msisdn, sender), short_code, @text, @state, 0, @now, @now FROM sms_transactions WHERE id = @id",
            ("text", reply),
            ("state", outbound ? "pending" : "inline"),
            ("now", context.NowMs),
            ("id", id));
        await insert.ExecuteNonQueryAsync(ct);
        trail.Add(new TrailEntry("reply", new { text = reply, route = outbound ? "outbound" : "response" }));
        await AppendTrailAsync(context, id, trail, ct);
    }

    private async Task<List<SmsTransaction>> QueryAsync(string sql, object parameter, CancellationToken ct)
    {
        await using DbConnection connection = await database.OpenReaderAsync(ct);
        return await ReadAllAsync(connection.Reused(sql, null, ("p", parameter)), ct);
    }

    private static async Task<List<SmsTransaction>> ReadAllAsync(DbCommand command, CancellationToken ct)
    {
        await using DbDataReader r = await command.ExecuteReaderAsync(ct);
        var rows = new List<SmsTransaction>();
        while (await r.ReadAsync(ct))
        {
            string? plan = r.GetNullableString(12);
            rows.Add(new SmsTransaction(
                r.GetString(0),
                r.GetNullableString(1),
                r.GetString(2),
                r.GetNullableString(3),
                r.GetString(4),
                r.GetString(5),
                r.GetNullableString(6),
                DomainNames.ParseLanguage(r.GetString(7)).Value,
                r.GetString(8),
                r.GetNullableString(9),
                r.GetNullableString(10),
                r.GetNullableInt64(11),
                plan is null ? null : TopUpPlanner.Deserialize(plan),
                r.GetNullableString(13),
                r.GetString(14) == "outbound" ? ReplyRoute.Outbound : ReplyRoute.Response,
                DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(15)),
                DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(16)),
                DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(17))));
        }

        return rows;
    }

    private static InvalidOperationException Unexpected(CommitRefusal refusal) =>
        new($"The message store refused a write: {refusal.Code} {refusal.Message}");

    private sealed class Accept(SmsTransaction row, IReadOnlyList<TrailEntry> trail, RedeliveryKey? redelivery) : ICommitWork
    {
        private readonly string? _plan = row.Plan is null ? null : TopUpPlanner.Serialize(row.Plan);

        // A redelivery key is written before the insert that may still refuse; without one, the insert is first.
        public bool RefusesBeforeWriting => redelivery is null;

        public async Task<CommitRefusal?> ApplyAsync(CommitContext context, CancellationToken cancellationToken)
        {
            if (redelivery is not null)
            {
                // The key is taken, or taken over once its window has passed, in one statement: its primary key decides
                // between two deliveries at once, on any number of servers (no "look, then insert").
                DbCommand claim = context.Statement(
                    "INSERT INTO sms_redeliveries (key, transaction_id, first_at) VALUES (@key, @id, @now) "
                    + "ON CONFLICT (key) DO UPDATE SET transaction_id = excluded.transaction_id, first_at = excluded.first_at "
                    + "WHERE sms_redeliveries.first_at < @expired",
                    ("key", redelivery.Key),
                    ("id", row.Id),
                    ("now", context.NowMs),
                    ("expired", (context.Now - redelivery.Window).ToUnixTimeMilliseconds()));
                if (await claim.ExecuteNonQueryAsync(cancellationToken) != 1)
                {
                    return new CommitRefusal(Duplicate, "The message was delivered before, within its redelivery window.");
                }
            }

            // ON CONFLICT keeps the transaction usable on PostgreSQL; the unique message id decides a duplicate.
            DbCommand insert = context.Statement(
                $"INSERT INTO sms_transactions ({Columns}) VALUES (@id, @mid, @sender, @msisdn, @to, @text, @bank, @lang, @state, @code, @ref, "
                + "@amount, @plan, @reply, @route, @now, @now, @lease) ON CONFLICT DO NOTHING",
                ("id", row.Id),
                ("mid", row.MessageId),
                ("sender", row.Sender),
                ("msisdn", row.Msisdn),
                ("to", row.ShortCode),
                ("text", row.Text),
                ("bank", row.BankCode),
                ("lang", row.Language.ToWire()),
                ("state", row.State),
                ("code", row.Code),
                ("ref", row.AccountRef),
                ("amount", row.AmountCents),
                ("plan", _plan),
                ("route", row.Route == ReplyRoute.Outbound ? "outbound" : "response"),
                ("now", context.NowMs),
                ("reply", row.Reply),
                ("lease", row.LeaseUntil.ToUnixTimeMilliseconds()));
            if (await insert.ExecuteNonQueryAsync(cancellationToken) != 1)
            {
                return new CommitRefusal(Duplicate, $"Message {row.MessageId} is recorded already.");
            }

            if (row.Reply is not null)
            {
                await InsertReplyAsync(context, row.Id, row.Reply, row.Route == ReplyRoute.Outbound, [.. trail], cancellationToken);
            }
            else
            {
                await AppendTrailAsync(context, row.Id, trail, cancellationToken);
            }

            return null;
        }
    }

    private sealed class Move(string id, string from, Transition to) : ICommitWork
    {
        public bool RefusesBeforeWriting => true;

        public Task<CommitRefusal?> ApplyAsync(CommitContext context, CancellationToken cancellationToken) =>
            ApplyTransitionAsync(context, id, from, to, cancellationToken);
    }

    private sealed class CompleteMany(IReadOnlyList<(string Id, TrailEntry Capture)> messages) : ICommitWork
    {
        public bool RefusesBeforeWriting => true;

        public async Task<CommitRefusal?> ApplyAsync(CommitContext context, CancellationToken cancellationToken)
        {
            foreach ((string id, TrailEntry capture) in messages)
            {
                DbCommand update = context.Statement(
                    "UPDATE sms_transactions SET state = 'completed', updated_at = @now, lease_until = 0 WHERE id = @id AND state = 'credited'",
                    ("now", context.NowMs),
                    ("id", id));
                // Another worker may have finished it first: then there is nothing to add.
                if (await update.ExecuteNonQueryAsync(cancellationToken) == 1)
                {
                    await AppendTrailAsync(context, id, [capture], cancellationToken);
                }
            }

            return null;
        }
    }

    private sealed class SendInline(string id) : ICommitWork
    {
        public bool RefusesBeforeWriting => true;

        public async Task<CommitRefusal?> ApplyAsync(CommitContext context, CancellationToken cancellationToken)
        {
            DbCommand reroute = context.Statement(
                "UPDATE sms_outbox SET state = 'pending', next_at = @now WHERE transaction_id = @id AND state = 'inline'",
                ("now", context.NowMs),
                ("id", id));
            if (await reroute.ExecuteNonQueryAsync(cancellationToken) == 1)
            {
                await AppendTrailAsync(context, id, [new TrailEntry("reply", new { route = "outbound", why = "the caller stopped waiting for the response" })], cancellationToken);
            }

            return null;
        }
    }
}

/// <summary>A change of a message's state: the new state, its code and reply when it decides the message, trail lines.</summary>
/// <param name="ReplyOutbound">The reply goes out through the outbound gateway (nobody waits for it in an HTTP response).</param>
public sealed record Transition(string State, string? Code, string? Reply, bool ReplyOutbound, IReadOnlyList<TrailEntry> Trail);
