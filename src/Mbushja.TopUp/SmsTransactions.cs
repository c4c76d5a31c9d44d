using System.Data.Common;
using Mbushja.Domain;
using Mbushja.Ledger;
using Mbushja.Messaging;
using Mbushja.Storage;
using Mbushja.Storage.Commits;

namespace Mbushja.TopUp;

/// <summary>A message as recorded: where it stands and, once decided, its reply.</summary>
public sealed record SmsTransaction(
    TransactionId Id,
    string? MessageId,
    string Sender,
    string? Msisdn,
    string ShortCode,
    string Text,
    string? BankCode,
    Language Language,
    TopUpState State,
    string? Code,
    string? AccountRef,
    Money? Amount,
    TopUpPlan? Plan,
    string? Reply,
    ReplyRoute Route,
    DateTimeOffset ReceivedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset LeaseUntil)
{
    /// <summary>
    /// Where the message's reversal's refund stands (<see cref="ReversalStates"/>) once a supervisor reversed it; null
    /// when it was never reversed. The message's own <see cref="State"/> stays as its processing left it (completed).
    /// </summary>
    public string? Reversal { get; init; }

    /// <summary>What people and the API are shown as its state: <c>reversed</c> once reversed, else its state.</summary>
    public string ShownState => Reversal is null ? State.ToWire() : TopUpStates.Reversed;

    /// <summary>The answer once the message is decided; null while it waits for the bank.</summary>
    public TopUpResult? Result => Reply is not null && TopUpStates.StatusOf(State, Code) is { } status
        ? new TopUpResult(status, Code, Id, Reply)
        : null;
}

/// <summary>How many messages of a bank ended in a state with a code, and their value.</summary>
public sealed record SmsTally(string? BankCode, TopUpState State, string? Code, long Count, Money Value);

/// <summary>A change of a message's state: the new state, its code and reply when it decides the message, trail lines.</summary>
/// <param name="ReplyOutbound">The reply goes out through the outbound gateway (nobody waits for it in an HTTP response).</param>
public sealed record Transition(TopUpState State, string? Code, string? Reply, bool ReplyOutbound, IReadOnlyList<TrailEntry> Trail);

/// <summary>
/// The table of inbound messages and their replies. Every write goes through the commit queue, with the ledger's
/// transfers when the message's money moves (its hold, credits, capture or void commit with the change of state that
/// they make); and every change of state is conditional on the state before it, which is what keeps two workers from
/// both acting.
/// </summary>
/// <summary>What recording a message did.</summary>
public enum AcceptOutcome
{
    /// <summary>Recorded with its decision (and, for a plan, the ledger's hold and what it consumes of its controls).</summary>
    Accepted,

    /// <summary>Recorded already (the message id, or the redelivery key within its window): nothing written.</summary>
    Duplicate,

    /// <summary>A control refused the plan (<see cref="TopUpControls"/>): nothing written; record the refusal instead.</summary>
    Controlled,
}

public sealed class SmsTransactions(Database database, LedgerEngine ledger, ServerInstance instance, OperatorClock clock, TopUpControls? controls = null)
{
    /// <summary>The controls the messages recorded here consume (null: none, as in a store made without them).</summary>
    public TopUpControls? Controls => controls;

    /// <summary>The refusal when the row was not in the state the change expects (another worker moved it).</summary>
    public const string StateChanged = "STATE_CHANGED";

    /// <summary>The refusal when the message id is recorded already.</summary>
    public const string Duplicate = "DUPLICATE_MESSAGE";

    private const string Columns =
        "id, message_id, sender, msisdn, short_code, text, bank_code, language, state, code, account_ref, amount, plan, reply, reply_route, received_at, updated_at, lease_until";

    /// <summary>A message as read, <c>t</c>, with its reversal's state (an index probe of <c>sms_reversals</c>'s key).</summary>
    private const string Select =
        "SELECT t.id, t.message_id, t.sender, t.msisdn, t.short_code, t.text, t.bank_code, t.language, t.state, t.code, t.account_ref, t.amount, t.plan, "
        + "t.reply, t.reply_route, t.received_at, t.updated_at, t.lease_until, (SELECT r.state FROM sms_reversals r WHERE r.transaction_id = t.id) "
        + "FROM sms_transactions t";

    /// <summary>The most messages one reference is looked up to (eight hex digits of a random tail: one almost always).</summary>
    public const int MaxByReference = 20;

    /// <summary>The messages of one reference (the expression is the one ix_sms_transactions_ref indexes), or of a whole id.</summary>
    internal const string ByReferenceSql =
        Select + " WHERE t.id = @id OR substr(t.id, length(t.id) - 7) = @ref ORDER BY t.received_at DESC, t.id DESC LIMIT @limit";

    /// <summary>A sender's messages, newest first, a page at a time (ix_sms_transactions_sender).</summary>
    internal static string BySenderSql(bool before) =>
        Select + " WHERE t.msisdn = @m" + (before ? " AND " + PageCursor.Condition("t.received_at", "t.id") : "")
        + " ORDER BY t.received_at DESC, t.id DESC LIMIT @limit";

    /// <summary>The messages that pay a target (a number or a service account), newest first, a page at a time (sms_targets' key).</summary>
    internal static string ToTargetSql(bool before) =>
        Select + " JOIN sms_targets g ON g.transaction_id = t.id WHERE g.target = @target"
        + (before ? " AND " + PageCursor.Condition("g.received_at", "g.transaction_id") : "")
        + " ORDER BY g.received_at DESC, g.transaction_id DESC LIMIT @limit";

    /// <summary>
    /// Records a new message with its decision: holding (a plan: the ledger holds its total pending, bank → clearing,
    /// and the bank is asked next) or final (a refusal and its reply). False when the message id is recorded already,
    /// or the <paramref name="redelivery"/> key was seen within its window: the caller answers with the first result
    /// (or, to an SMSC, just acknowledges the repeat).
    /// </summary>
    public async Task<bool> AcceptAsync(SmsTransaction row, IReadOnlyList<TrailEntry> trail, RedeliveryKey? redelivery = null, CancellationToken ct = default) =>
        await RecordAsync(row, trail, redelivery, ct) switch
        {
            AcceptOutcome.Accepted => true,
            AcceptOutcome.Duplicate => false,
            _ => throw new InvalidOperationException($"Message {row.Id} was refused by a control; record it with RecordAsync."),
        };

    /// <summary>
    /// <see cref="AcceptAsync"/>, and for a plan its controls (caps, velocity, SIM-swap cool-down) consumed in the same
    /// commit as the hold: <see cref="AcceptOutcome.Controlled"/> when one refused it, and then nothing was written.
    /// </summary>
    public async Task<AcceptOutcome> RecordAsync(SmsTransaction row, IReadOnlyList<TrailEntry> trail, RedeliveryKey? redelivery = null, CancellationToken ct = default)
    {
        CommitRefusal? refused = await AcceptWithAsync(row, trail, redelivery, with: null, ct);
        return refused?.Code switch
        {
            null => AcceptOutcome.Accepted,
            Duplicate => AcceptOutcome.Duplicate,
            TopUpControls.Refused => AcceptOutcome.Controlled,
            _ => throw Unexpected(refused),
        };
    }

    /// <summary>
    /// <see cref="RecordAsync"/> with work that commits beside the record, after the message's row and its controls (a
    /// confirmation's: <see cref="ConfirmationGate"/>); it must send its statements only through the pipeline. Null when
    /// recorded, <see cref="Duplicate"/> for a repeat, <see cref="TopUpControls.Refused"/> when a control refused the plan,
    /// or the work's refusal: in each of those nothing was recorded.
    /// </summary>
    public async Task<CommitRefusal?> AcceptWithAsync(
        SmsTransaction row, IReadOnlyList<TrailEntry> trail, RedeliveryKey? redelivery, ICommitWork? with, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(row);
        CommitRefusal? refused;
        if (row.Plan is { } plan)
        {
            TransferRequest hold = Hold(row.Id, plan);
            var accept = new Accept(row, [.. trail, LedgerLine(TrailKind.LedgerHold, hold)], redelivery, instance.Id, clock, controls, with);
            LedgerOutcome outcome = await ledger.SubmitAsync(
                new LedgerCommand([hold]) { Accounts = [TopUpAccounts.Bank(plan.BankCode), TopUpAccounts.Clearing(plan.BankCode)], Work = LedgerWork.Of(accept) },
                ct);
            refused = outcome.Succeeded ? null : new CommitRefusal(outcome.Error!.Code, outcome.Error.Message);
        }
        else
        {
            refused = await ledger.Commits.CommitAsync(new Accept(row, trail, redelivery, instance.Id, clock, null, with), Durability.Durable, ct);
        }

        return refused;
    }

    /// <summary>The bank's hold as the ledger keeps it: pending, bank → clearing, the message's total.</summary>
    public static TransferRequest Hold(TransactionId id, TopUpPlan plan) =>
        TransferRequest.Pending(id.HoldTransfer, TopUpAccounts.Bank(plan.BankCode).Id, TopUpAccounts.Clearing(plan.BankCode).Id, plan.Total, "sms.hold");

    /// <summary>A trail line naming the ledger transfers a step made.</summary>
    public static TrailEntry LedgerLine(TrailKind kind, params TransferRequest[] transfers) => new(kind, new
    {
        transfers = transfers.Select(t => new { id = t.Id, debit = t.Debit.Value, credit = t.Credit.Value, amountCents = t.Amount.Cents, pendingId = t.PendingId }),
    });

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

    /// <summary>
    /// Moves a message from one state to another, with its reply when this decides it and the transfer that goes with
    /// the move (the post or void of its hold). False: it was not in <paramref name="from"/>.
    /// </summary>
    public async Task<bool> MoveAsync(SmsTransaction row, TopUpState from, Transition to, TransferRequest? transfer = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(row);
        // A hold voided (declined, or released after no answer) gives its amount back to the caps it consumed.
        TopUpControls? giveBack = transfer?.Kind == TransferKind.Void ? controls : null;
        var move = new Move(row, from, clock, transfer is null ? to : to with { Trail = [.. to.Trail, LedgerLine(LedgerKind(transfer), transfer)] }, giveBack);
        CommitRefusal? refused;
        if (transfer is null)
        {
            refused = await ledger.Commits.CommitAsync(move, Durability.Durable, ct);
        }
        else
        {
            // The hold's accounts, named: the ledger locks them as it reads the hold (one round trip less).
            LedgerAccountSpec[] accounts = row.BankCode is { } bank ? [TopUpAccounts.Bank(bank), TopUpAccounts.Clearing(bank)] : [];
            LedgerOutcome outcome = await ledger.SubmitAsync(new LedgerCommand([transfer]) { Accounts = accounts, Work = LedgerWork.Of(move) }, ct);
            refused = outcome.Status switch
            {
                LedgerStatus.Rejected => new CommitRefusal(outcome.Error!.Code, outcome.Error.Message),
                // The transfer was made by an earlier try that committed: so was the move.
                LedgerStatus.Replayed => new CommitRefusal(StateChanged, $"Message {row.Id} was moved by an earlier try."),
                _ => null,
            };
        }

        return refused is null || (refused.Code == StateChanged ? false : throw Unexpected(refused));
    }

    private static TrailKind LedgerKind(TransferRequest transfer) => transfer.Kind switch
    {
        TransferKind.Post => TrailKind.LedgerCapture,
        TransferKind.Void => TrailKind.LedgerVoid,
        _ => TrailKind.Ledger,
    };

    /// <summary>
    /// A reply recorded for an HTTP response that nobody will read (the caller gave up) goes out through the outbound
    /// gateway instead: inline → pending. A reply already pending, or none yet, is left as it is.
    /// </summary>
    public async Task SendInlineReplyAsync(TransactionId id, CancellationToken ct = default)
    {
        if (await ledger.Commits.CommitAsync(new SendInline(id), Durability.Durable, ct) is { } refused)
        {
            throw Unexpected(refused);
        }
    }

    /// <summary>
    /// For the HTTP answer to a repeat of a decided message (the gateway sent it again): whether that answer carries the
    /// reply. It does when the reply is the responses' (inline), or is taken back from the outbox before any attempt to
    /// send it; not when the outbound gateway has it (an attempt was made, it was sent, or given up). Decided durably
    /// before the answer leaves, by conditional writes that the outbox's claim excludes: exactly one route, on any
    /// number of servers (docs/design/replies-and-leases.md).
    /// </summary>
    public async Task<ReplyDelivery> AnswerAsync(TransactionId id, CancellationToken ct = default)
    {
        var answer = new AnswerInResponse(id);
        if (await ledger.Commits.CommitAsync(answer, Durability.Durable, ct) is { } refused)
        {
            throw Unexpected(refused);
        }

        return answer.Delivery;
    }

    /// <summary>Takes an unfinished message whose lease ran out, for this server, until <paramref name="until"/>.</summary>
    public async Task<bool> ClaimAsync(SmsTransaction row, DateTimeOffset until, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(row);
        var claim = CommitStatement.Conditional(
            "UPDATE sms_transactions SET lease_until = @until, lease_holder = @holder WHERE id = @id AND state = @state AND lease_until = @was",
            new CommitRefusal(StateChanged, $"Message {row.Id} was taken by another worker."),
            ("until", until.ToUnixTimeMilliseconds()),
            ("holder", instance.Id),
            ("id", row.Id.Value),
            ("state", row.State.ToWire()),
            ("was", row.LeaseUntil.ToUnixTimeMilliseconds()));
        return await ledger.Commits.CommitAsync(claim, Durability.Durable, ct) is null;
    }

    /// <summary>
    /// The bank did not answer this server's capture or void: the message waits until <paramref name="until"/> before
    /// the bank is asked again (by whichever server sweeps then), if it is still <paramref name="state"/> and this
    /// server's. Relaxed: lost in a power cut, the bank is only asked sooner.
    /// </summary>
    public async Task PostponeAsync(TransactionId id, TopUpState state, DateTimeOffset until, CancellationToken ct = default) =>
        await ledger.Commits.CommitAsync(
            CommitStatement.Any(
                "UPDATE sms_transactions SET lease_until = @until WHERE id = @id AND state = @state AND lease_holder = @holder",
                ("until", until.ToUnixTimeMilliseconds()),
                ("id", id.Value),
                ("state", state.ToWire()),
                ("holder", instance.Id)),
            Durability.Relaxed,
            ct);

    public async Task<SmsTransaction?> GetAsync(TransactionId id, CancellationToken ct = default) =>
        (await QueryAsync($"{Select} WHERE t.id = @p", id.Value, ct)).FirstOrDefault();

    public async Task<SmsTransaction?> FindByMessageIdAsync(string messageId, CancellationToken ct = default) =>
        (await QueryAsync($"{Select} WHERE t.message_id = @p", messageId, ct)).FirstOrDefault();

    /// <summary>
    /// The messages a reference names, newest first: the eight characters a reply quotes (<c>F73BB564</c>, as
    /// <see cref="TransactionId.ShortRef"/> writes it), or a whole id. Empty for text that cannot be either.
    /// </summary>
    public async Task<List<SmsTransaction>> ByReferenceAsync(string reference, CancellationToken ct = default)
    {
        if (!TransactionId.TryParse(reference, out TransactionId id) || id.Value.Length < 8)
        {
            return [];
        }

        await using DbConnection connection = await database.OpenReaderAsync(ct);
        return await ReadAllAsync(
            connection.Reused(ByReferenceSql, null, ("id", id.Value), ("ref", id.Value.Length == 8 ? id.Value : "-"), ("limit", MaxByReference)), ct);
    }

    /// <summary>A page of the messages a number sent (E.164), newest first.</summary>
    public async Task<Paged<SmsTransaction>> BySenderAsync(string msisdn, PageCursor? before, int size, CancellationToken ct = default) =>
        await PageAsync(BySenderSql(before is not null), ("m", msisdn), before, size, ct);

    /// <summary>
    /// A page of the messages that pay a target, newest first: a number's top-ups received (its E.164), or a service
    /// account's payments by SMS (its id); a message that names it twice is listed once.
    /// </summary>
    public async Task<Paged<SmsTransaction>> ToTargetAsync(string target, PageCursor? before, int size, CancellationToken ct = default) =>
        await PageAsync(ToTargetSql(before is not null), ("target", target), before, size, ct);

    private async Task<Paged<SmsTransaction>> PageAsync(string sql, (string, object?) key, PageCursor? before, int size, CancellationToken ct)
    {
        size = Math.Clamp(size, 1, 500);
        await using DbConnection connection = await database.OpenReaderAsync(ct);
        (string, object?)[] parameters = [key, ("limit", size + 1), .. before?.Parameters ?? []];
        List<SmsTransaction> rows = await ReadAllAsync(connection.Reused(sql, null, parameters), ct);
        return Paged<SmsTransaction>.Of(rows, size, t => new PageCursor(t.ReceivedAt.ToUnixTimeMilliseconds(), t.Id.Value));
    }

    /// <summary>Unfinished messages whose lease has run out: a worker died with them, or the bank never answered.</summary>
    public Task<List<SmsTransaction>> ExpiredAsync(DateTimeOffset now, int limit, CancellationToken ct = default) =>
        QueryAsync(
            $"{Select} WHERE t.state IN ({TopUpStates.UnfinishedSql}) AND t.lease_until < @p ORDER BY t.lease_until LIMIT {limit}",
            now.ToUnixTimeMilliseconds(),
            ct);

    /// <summary>How many messages wait for a bank (the inbox's depth, for /metrics).</summary>
    public async Task<long> CountUnfinishedAsync(CancellationToken ct = default)
    {
        await using DbConnection connection = await database.OpenAsync(ct);
        await using DbCommand count = connection.Command($"SELECT COUNT(*) FROM sms_transactions WHERE state IN ({TopUpStates.UnfinishedSql})");
        return Convert.ToInt64(await count.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Messages received in [<paramref name="from"/>, <paramref name="to"/>), counted and summed by bank, state and code.</summary>
    public async Task<IReadOnlyList<SmsTally>> TallyAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken ct = default)
    {
        await using DbConnection connection = await database.OpenAsync(ct);
        await using DbCommand command = connection.Command(
            "SELECT bank_code, state, code, COUNT(*), COALESCE(SUM(amount), 0) FROM sms_transactions "
            + "WHERE received_at >= @from AND received_at < @to GROUP BY bank_code, state, code",
            null,
            ("from", from.ToUnixTimeMilliseconds()),
            ("to", to.ToUnixTimeMilliseconds()));
        await using DbDataReader r = await command.ExecuteReaderAsync(ct);
        var tallies = new List<SmsTally>();
        while (await r.ReadAsync(ct))
        {
            tallies.Add(new SmsTally(r.GetNullableString(0), TopUpStates.Parse(r.GetString(1)), r.GetNullableString(2), r.GetInt64(3), Money.FromCents(r.GetInt64(4))));
        }

        return tallies;
    }

    /// <summary>Messages of a sender, newest first, within an optional time range.</summary>
    public async Task<List<SmsTransaction>> ListAsync(string? msisdn, DateTimeOffset? from, DateTimeOffset? to, int limit, CancellationToken ct = default)
    {
        await using DbConnection connection = await database.OpenAsync(ct);
        // No "@m IS NULL" trick: PostgreSQL cannot type a parameter that is only ever null.
        string bySender = msisdn is null ? "" : "t.msisdn = @m AND ";
        await using DbCommand command = connection.Command(
            $"{Select} WHERE {bySender}t.received_at >= @from AND t.received_at < @to "
            + $"ORDER BY t.received_at DESC, t.id DESC LIMIT {limit}",
            null,
            ("m", msisdn ?? ""),
            ("from", (from ?? DateTimeOffset.UnixEpoch).ToUnixTimeMilliseconds()),
            ("to", (to ?? DateTimeOffset.MaxValue).ToUnixTimeMilliseconds()));
        return await ReadAllAsync(command, ct);
    }

    /// <summary>Sets the state (conditionally) and, when the change decides the message, records the reply once.</summary>
    internal static async Task<CommitRefusal?> ApplyTransitionAsync(
        CommitContext context, OperatorClock clock, SmsTransaction row, TopUpState from, Transition to, CancellationToken ct)
    {
        TransactionId id = row.Id;
        if (!TopUpStates.CanMove(from, to.State))
        {
            throw new InvalidOperationException($"A message never moves from {from.ToWire()} to {to.State.ToWire()}.");
        }

        bool moved = await context.ExpectOneAsync(
            "UPDATE sms_transactions SET state = @to, code = COALESCE(@code, code), reply = COALESCE(@reply, reply), updated_at = @now, "
            + $"lease_until = CASE WHEN @to IN ({TopUpStates.UnfinishedSql}) THEN lease_until ELSE 0 END "
            + "WHERE id = @id AND state = @from",
            ct,
            ("to", to.State.ToWire()),
            ("code", to.Code),
            ("reply", to.Reply),
            ("now", context.NowMs),
            ("id", id.Value),
            ("from", from.ToWire()));
        if (!moved)
        {
            return new CommitRefusal(StateChanged, $"Message {id} is no longer {from.ToWire()}.");
        }

        SmsRollups.Moved(context, clock, row, from, to);

        if (to.Reply is not null)
        {
            InsertReply(context, row, to.Reply, to.ReplyOutbound, [.. to.Trail]);
        }
        else
        {
            SmsTrail.Append(context, id, to.Trail);
        }

        return null;
    }

    /// <summary>
    /// Records the reply in the outbox, and the trail lines that led to it with a last one for the reply: deferred to the
    /// commit's next round trip (nothing reads them back in this work).
    /// </summary>
    private static void InsertReply(CommitContext context, SmsTransaction row, string reply, bool outbound, List<TrailEntry> trail)
    {
        // The outbox's primary key makes a second reply for one message impossible.
        SmsOutbox.Enqueue(
            context, row.Id.Value, OutboxSources.Sms, row.Msisdn ?? row.Sender, row.ShortCode, reply, outbound ? OutboxStates.Pending : OutboxStates.Inline);
        trail.Add(new TrailEntry(TrailKind.Reply, new { text = reply, route = outbound ? "outbound" : "response" }));
        SmsTrail.Append(context, row.Id, trail);
    }

    /// <summary>
    /// Whom a plan pays, for <c>sms_targets</c>: each mobile credit's number (E.164) and each other credit's service
    /// account, once each.
    /// </summary>
    public static IReadOnlyList<string> TargetsOf(TopUpPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        const string subscriber = "sub:";
        return
        [
            .. plan.Credits
                .Select(c => c.Kind == CreditKind.Mobile && c.LedgerAccount.StartsWith(subscriber, StringComparison.Ordinal)
                    ? c.LedgerAccount[subscriber.Length..]
                    : c.ServiceAccountId)
                .OfType<string>()
                .Distinct(StringComparer.Ordinal),
        ];
    }

    /// <summary>The message's targets, with the commit's next round trip (after the message's own row, which they name).</summary>
    private static void InsertTargets(CommitContext context, SmsTransaction row, TopUpPlan plan)
    {
        IReadOnlyList<string> targets = TargetsOf(plan);
        if (targets.Count == 0)
        {
            return;
        }

        var values = new System.Text.StringBuilder();
        var parameters = new List<(string, object?)>(2 + targets.Count) { ("id", row.Id.Value), ("at", row.ReceivedAt.ToUnixTimeMilliseconds()) };
        for (int i = 0; i < targets.Count; i++)
        {
            values.Append(i == 0 ? "" : ", ").Append("(@g").Append(i).Append(", @at, @id)");
            parameters.Add(("g" + i, targets[i]));
        }

        context.Defer("INSERT INTO sms_targets (target, received_at, transaction_id) VALUES " + values, [.. parameters]);
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
            long? amount = r.GetNullableInt64(11);
            rows.Add(new SmsTransaction(
                TransactionId.FromStored(r.GetString(0)),
                r.GetNullableString(1),
                r.GetString(2),
                r.GetNullableString(3),
                r.GetString(4),
                r.GetString(5),
                r.GetNullableString(6),
                DomainNames.ParseLanguage(r.GetString(7)).Value,
                TopUpStates.Parse(r.GetString(8)),
                r.GetNullableString(9),
                r.GetNullableString(10),
                amount is null ? null : Money.FromCents(amount.Value),
                plan is null ? null : TopUpPlanner.Deserialize(plan),
                r.GetNullableString(13),
                r.GetString(14) == "outbound" ? ReplyRoute.Outbound : ReplyRoute.Response,
                DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(15)),
                DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(16)),
                DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(17)))
            {
                Reversal = r.FieldCount > 18 ? r.GetNullableString(18) : null,
            });
        }

        return rows;
    }

    private static InvalidOperationException Unexpected(CommitRefusal refusal) =>
        new($"The message store refused a write: {refusal.Code} {refusal.Message}");

    private sealed class Accept(
        SmsTransaction row, IReadOnlyList<TrailEntry> trail, RedeliveryKey? redelivery, string holder, OperatorClock clock, TopUpControls? controls, ICommitWork? with) : ICommitWork
    {
        private readonly string? _plan = row.Plan is null ? null : TopUpPlanner.Serialize(row.Plan);

        private readonly bool _controlled = controls is not null && row.Plan?.RegistrationId is not null;

        // A redelivery key is written before the insert that may still refuse; without one, the insert is first. The
        // controls, and work beside the record, refuse after the insert.
        public bool RefusesBeforeWriting => redelivery is null && !_controlled && with is null;

        public bool Pipelined => with is not { Pipelined: false };

        public async Task<CommitRefusal?> ApplyAsync(CommitContext context, CancellationToken cancellationToken)
        {
            if (!TopUpStates.Initial.Contains(row.State))
            {
                throw new InvalidOperationException($"A message is never recorded {row.State.ToWire()}.");
            }

            if (redelivery is not null)
            {
                // The key is taken, or taken over once its window has passed, in one statement: its primary key decides
                // between two deliveries at once, on any number of servers (no "look, then insert").
                bool claimed = await context.ExpectOneAsync(
                    "INSERT INTO sms_redeliveries (key, transaction_id, first_at) VALUES (@key, @id, @now) "
                    + "ON CONFLICT (key) DO UPDATE SET transaction_id = excluded.transaction_id, first_at = excluded.first_at "
                    + "WHERE sms_redeliveries.first_at < @expired",
                    cancellationToken,
                    ("key", redelivery.Key),
                    ("id", row.Id.Value),
                    ("now", context.NowMs),
                    ("expired", (context.Now - redelivery.Window).ToUnixTimeMilliseconds()));
                if (!claimed)
                {
                    return new CommitRefusal(Duplicate, "The message was delivered before, within its redelivery window.");
                }
            }

            // ON CONFLICT keeps the transaction usable on PostgreSQL; the unique message id decides a duplicate.
            bool inserted = await context.ExpectOneAsync(
                $"INSERT INTO sms_transactions ({Columns}, lease_holder) VALUES (@id, @mid, @sender, @msisdn, @to, @text, @bank, @lang, @state, @code, @ref, "
                + "@amount, @plan, @reply, @route, @received, @now, @lease, @holder) ON CONFLICT DO NOTHING",
                cancellationToken,
                ("id", row.Id.Value),
                ("mid", row.MessageId),
                ("sender", row.Sender),
                ("msisdn", row.Msisdn),
                ("to", row.ShortCode),
                ("text", row.Text),
                ("bank", row.BankCode),
                ("lang", row.Language.ToWire()),
                ("state", row.State.ToWire()),
                ("code", row.Code),
                ("ref", row.AccountRef),
                ("amount", row.Amount?.Cents),
                ("plan", _plan),
                ("route", row.Route == ReplyRoute.Outbound ? "outbound" : "response"),
                // As the message was taken (its lease is counted from then too), so that its day is the one the caller
                // knows it by (the dashboard's roll-ups: SmsRollups).
                ("received", row.ReceivedAt.ToUnixTimeMilliseconds()),
                ("now", context.NowMs),
                ("reply", row.Reply),
                ("lease", row.LeaseUntil.ToUnixTimeMilliseconds()),
                ("holder", TopUpStates.IsUnfinished(row.State) ? holder : null));
            if (!inserted)
            {
                return new CommitRefusal(Duplicate, $"Message {row.MessageId} is recorded already.");
            }

            // The controls first: a message past a cap is refused as such, not asked for a confirmation it could not use.
            if (_controlled && !await controls!.ChargeAsync(context, row, cancellationToken))
            {
                return new CommitRefusal(TopUpControls.Refused, $"Message {row.Id} was refused by a control.");
            }

            if (with is not null && await with.ApplyAsync(context, cancellationToken) is { } refused)
            {
                return refused;
            }

            SmsRollups.Accepted(context, clock, row);

            if (row.Plan is { } plan)
            {
                InsertTargets(context, row, plan);
            }

            if (row.Reply is not null)
            {
                InsertReply(context, row, row.Reply, row.Route == ReplyRoute.Outbound, [.. trail]);
            }
            else
            {
                SmsTrail.Append(context, row.Id, trail);
            }

            return null;
        }
    }

    private sealed class Move(SmsTransaction row, TopUpState from, OperatorClock clock, Transition to, TopUpControls? giveBack) : ICommitWork
    {
        public bool RefusesBeforeWriting => true;

        public bool Pipelined => true;

        public async Task<CommitRefusal?> ApplyAsync(CommitContext context, CancellationToken cancellationToken)
        {
            CommitRefusal? refused = await ApplyTransitionAsync(context, clock, row, from, to, cancellationToken);
            if (refused is null && giveBack is not null && row.Plan is { } plan)
            {
                giveBack.GiveBack(context, plan, row.Msisdn, row.ReceivedAt);
            }

            return refused;
        }
    }

    private sealed class AnswerInResponse(TransactionId id) : ICommitWork
    {
        public ReplyDelivery Delivery { get; private set; }

        public bool RefusesBeforeWriting => true;

        public bool Pipelined => true;

        public async Task<CommitRefusal?> ApplyAsync(CommitContext context, CancellationToken cancellationToken)
        {
            if (await SmsOutbox.KeepForResponseAsync(context, id.Value, cancellationToken))
            {
                Delivery = ReplyDelivery.InAnswer;
            }
            else if (await SmsOutbox.TakeBackAsync(context, id.Value, cancellationToken))
            {
                Delivery = ReplyDelivery.InAnswer;
                SmsTrail.Append(context, id, [new TrailEntry(TrailKind.Reply, new { route = "response", why = "the message came again before the reply was sent" })]);
            }
            else
            {
                Delivery = ReplyDelivery.Separately;
            }

            return null;
        }
    }

    private sealed class SendInline(TransactionId id) : ICommitWork
    {
        public bool RefusesBeforeWriting => true;

        public bool Pipelined => true;

        public async Task<CommitRefusal?> ApplyAsync(CommitContext context, CancellationToken cancellationToken)
        {
            if (await SmsOutbox.SendInlineAsync(context, id.Value, cancellationToken))
            {
                SmsTrail.Append(context, id, [new TrailEntry(TrailKind.Reply, new { route = "outbound", why = "the caller stopped waiting for the response" })]);
            }

            return null;
        }
    }
}
