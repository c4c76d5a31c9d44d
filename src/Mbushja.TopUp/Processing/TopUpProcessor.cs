using System.Diagnostics;
using Mbushja.Domain;
using Mbushja.Messaging;
using Mbushja.Storage.Commits;
using Microsoft.Extensions.Logging;

namespace Mbushja.TopUp;

/// <summary>Timings of SMS Top Up (README "Several servers and crashes"; docs/design/replies-and-leases.md).</summary>
public sealed record TopUpOptions
{
    public static TopUpOptions Default { get; } = new();

    /// <summary>
    /// How long a server holds unfinished work (a message on its way through its bank, a refund being asked) without
    /// renewing its lease: once it runs out, another server takes the work over. Renewed while the work runs.
    /// </summary>
    public TimeSpan Lease { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How often the leases of the work under way are renewed, all in one commit: well within <see cref="Lease"/>.</summary>
    public TimeSpan LeaseRenewal { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>How long a repeated message id waits for the first delivery's answer before it is told to try again (503).</summary>
    public TimeSpan DuplicateWait { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long work the bank did not answer (a capture, a void, a refund) waits before the bank is asked again.</summary>
    public TimeSpan BankRetry { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Unfinished messages taken per recovery sweep.</summary>
    public int SweepBatch { get; init; } = 200;

    /// <summary>Messages a recovery sweep finishes at once (after a crash: the dead server's whole work in flight).</summary>
    public int RecoveryParallelism { get; init; } = 16;
}

/// <summary>
/// SMS Top Up end to end (README "SMS Top Up"): inbound message → durable record (with the ledger's hold) →
/// whole-message validation → one bank hold for the total → the credits, in one commit with the reply → capture. This
/// class takes a message in and answers it; <see cref="BankHoldFlow"/> talks to the bank; <see cref="TopUpRecovery"/>
/// finishes what a crash left.
/// </summary>
public sealed partial class TopUpProcessor(
    ConfirmationGate gate,
    SmsTransactions store,
    BankHoldFlow holds,
    TopUpWork work,
    OperatorClock clock,
    TopUpOptions options,
    ILogger<TopUpProcessor> logger,
    OutboxSignal? outbox = null)
{
    /// <summary>
    /// Handles one inbound message and returns its answer; the same message id always gets the first answer, with the
    /// reply in it only if it is not on its way out by another route (<see cref="TopUpResult.Delivery"/>).
    /// </summary>
    public async Task<TopUpResult> ProcessAsync(InboundSms sms, CancellationToken ct = default)
    {
        AcceptedSms accepted = await AcceptAsync(sms, redelivery: null, ct);
        return accepted.Row is { } row ? await FinishAsync(row, ct) : await FirstAnswerAsync(accepted.MessageId!, sms.Route, ct);
    }

    /// <summary>
    /// The first half of <see cref="ProcessAsync"/>: judges the message (reads only) and records it durably with that
    /// decision, a refusal's reply included, and for a valid one the ledger's hold of its total. Once this returns, the
    /// message is the platform's: a gateway that waits for nothing more (an SMSC's deliver_sm) may be answered, and
    /// <see cref="FinishAsync"/> carries it on; should that not happen (a crash), the recovery sweep does: at once when
    /// this server restarts, or once the lease runs out on another. With a <paramref name="redelivery"/> key, the same
    /// key again within its window is the same message (for gateways that give no stable message id).
    /// </summary>
    public async Task<AcceptedSms> AcceptAsync(InboundSms sms, RedeliveryKey? redelivery = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(sms);
        // PostgreSQL text cannot hold NUL; a phone can send one. What is stored shows it as U+FFFD.
        sms = sms with { From = Storable(sms.From), To = Storable(sms.To), Text = Storable(sms.Text), MessageId = Storable(sms.MessageId) };
        CommitRefusal? refused = null;
        while (true)
        {
            long started = Stopwatch.GetTimestamp();
            // The decision, and a confirmation's part in it (docs/design/confirmation.md).
            GatedDecision gated = await gate.DecideAsync(sms, refused, ct);
            TopUpDecision decision = gated.Decision;
            TopUpMetrics.Phase("decide", started);
            DateTimeOffset now = clock.UtcNow;
            var row = new SmsTransaction(
                TransactionId.New(),
                sms.MessageId,
                sms.From ?? "",
                decision.Msisdn,
                sms.To ?? "",
                gated.StoredText ?? sms.Text ?? "",
                decision.Bank?.Code,
                decision.Language,
                decision.Plan is null ? TopUpState.Rejected : TopUpState.Holding,
                decision.Code,
                decision.Plan?.AccountRef,
                decision.Plan?.Total,
                decision.Plan,
                decision.Reply,
                sms.Route,
                now,
                now,
                decision.Plan is null ? DateTimeOffset.UnixEpoch : now + options.Lease);
            TrailEntry[] heard = sms.Renewal is { } renewal
                ?
                [
                    new(TrailKind.Received, new { from = sms.From, to = sms.To, text = row.Text, messageId = sms.MessageId }),
                    new(TrailKind.Renewal, new { account = renewal.AccountId, period = renewal.Period, round = renewal.Round, attempt = renewal.Attempt }),
                    new(TrailKind.Interpreted, decision.Interpretation),
                ]
                :
                [
                    new(TrailKind.Received, new { from = sms.From, to = sms.To, text = row.Text, messageId = sms.MessageId }),
                    new(TrailKind.Interpreted, decision.Interpretation),
                ];
            TrailEntry[] trail = [.. heard, .. gated.Trail ?? []];
            started = Stopwatch.GetTimestamp();
            // What commits beside the record: the confirmation's work, and what the text changes (a renewal set or stopped).
            CommitRefusal? refusal = await store.AcceptWithAsync(row, trail, redelivery, RecordWork.Both(gated.Work?.Invoke(row), decision.Also), ct);
            for (int attempt = 1; refusal?.Code == TopUpControls.Refused; attempt++)
            {
                // A control refused the plan (a confirmed one too: the controls are consumed where the money is held) and
                // nothing was written, the confirmation's work neither: say which control, and record the refusal in its
                // place. A confirmation it carried stays pending, for its window (docs/design/confirmation.md).
                (row, trail) = await ControlledAsync(row, heard, trail, gated, decision, attempt, ct);
                refusal = await store.AcceptWithAsync(row, trail, redelivery, RecordWork.Both(row.Plan is null ? null : gated.Work?.Invoke(row), decision.Also), ct);
            }

            TopUpMetrics.Phase("accept", started);
            if (refusal is null)
            {
                return new AcceptedSms(row, sms.MessageId);
            }

            if (refusal.Code == SmsTransactions.Duplicate)
            {
                return new AcceptedSms(null, sms.MessageId);
            }

            // What the decision read changed before its record (a confirmation used meanwhile, the unconfirmed payments'
            // limits reached): decided again, once; the second decision sees what changed.
            if (refused is not null || !ConfirmationCodes.DecideAgain(refusal.Code))
            {
                throw new InvalidOperationException($"The message store refused a write: {refusal.Code} {refusal.Message}");
            }

            refused = refusal;
        }
    }

    /// <summary>
    /// The message a control refused, as a refusal: its code, its reply and a <c>control</c> line on its trail naming the
    /// control and what is left (after the received and interpreted lines, <paramref name="heard"/>; a confirmation it
    /// carried is named as not used). Should none refuse any more when asked (an amount given back meanwhile), the plan
    /// is recorded again as it was, with its <paramref name="trail"/>, a few times at most.
    /// </summary>
    private async Task<(SmsTransaction Row, TrailEntry[] Trail)> ControlledAsync(
        SmsTransaction row, TrailEntry[] heard, TrailEntry[] trail, GatedDecision gated, TopUpDecision decision, int attempt, CancellationToken ct)
    {
        TopUpControls controls = store.Controls ?? throw new InvalidOperationException("A message was refused by a control, yet the store has none.");
        ControlRefusal? refusal = await controls.ExplainAsync(row, decision.Bank!.Name, decision.Language, ct);
        if (refusal is null)
        {
            return attempt < 5
                ? (row, trail)
                : throw new InvalidOperationException($"Message {row.Id} was refused by a control {attempt} times, and none refuses it when asked.");
        }

        SmsTransaction refused = row with
        {
            State = TopUpState.Rejected,
            Code = refusal.Code,
            AccountRef = null,
            Amount = null,
            Plan = null,
            Reply = refusal.Reply,
            LeaseUntil = DateTimeOffset.UnixEpoch,
        };
        TrailEntry[] confirmation = gated.Confirms is { } of ? [new TrailEntry(TrailKind.Confirmation, new { of = of.Value, outcome = refusal.Code })] : [];
        return (refused, [.. heard, .. confirmation, new TrailEntry(TrailKind.Control, refusal.Details)]);
    }

    /// <summary>
    /// The second half of <see cref="ProcessAsync"/> for a message <see cref="AcceptAsync"/> recorded: a refusal is
    /// answered already; a plan goes to the bank, then the credits and the reply.
    /// </summary>
    public async Task<TopUpResult> FinishAsync(SmsTransaction row, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(row);
        bool outbound = row.Route == ReplyRoute.Outbound;
        if (row.Plan is null)
        {
            if (logger.IsEnabled(LogLevel.Information))
            {
                string masked = Numbering.Mask(row.Msisdn ?? row.Sender);
                LogRefused(logger, row.Id.Value, masked, row.Code);
            }

            MessageMetrics.Message("sms", row.BankCode, MessageOutcome.Rejected, row.Code);
            return row.Result!.Via(outbound);
        }

        TopUpResult result;
        try
        {
            // Not the caller's token: a gateway that stops waiting does not stop the bank's hold half-way; the reply it
            // will not read goes out through the outbound gateway instead (below).
            result = await holds.HoldAndCreditAsync(row, outbound, CancellationToken.None);
        }
        finally
        {
            if (!outbound && ct.IsCancellationRequested)
            {
                // The caller that was to read the reply in its response gave up (a gateway's timeout): the reply it
                // committed for that response goes out through the gateway instead, unless the answer to a repeat of the
                // message carried it meanwhile (SmsOutbox.SendInlineAsync). If it committed none (an exception), the
                // recovery sweep finishes the message once its lease runs out, outbound.
                await store.SendInlineReplyAsync(row.Id, CancellationToken.None);
                outbox?.Notify();
            }
        }

        if (outbound)
        {
            outbox?.Notify();
        }

        ct.ThrowIfCancellationRequested();
        if (result.DecidedElsewhere)
        {
            // Another worker took the message over and decided it (a lease that could not be renewed in time): its reply
            // may be bound for the outbox, and this answer carries it only if taken back before any attempt.
            result = result with { Delivery = await store.AnswerAsync(row.Id, CancellationToken.None), DecidedElsewhere = false };
        }

        return result;
    }

    /// <summary>
    /// <see cref="FinishAsync"/> in the background, for a gateway that was answered at the accept (an SMSC): the reply
    /// goes out through the outbox. <see cref="DrainAsync"/> waits for it at shutdown; after a crash the recovery sweep
    /// takes the message over once its lease runs out.
    /// </summary>
    public void FinishInBackground(SmsTransaction row)
    {
        ArgumentNullException.ThrowIfNull(row);
        work.Start(row.Id.Value + ":finish", row.Id, () => FinishAsync(row, CancellationToken.None));
    }

    /// <summary>Waits, up to <paramref name="timeout"/>, for the work answered messages left running (captures, finishing).</summary>
    public Task DrainAsync(TimeSpan timeout) => work.DrainAsync(timeout);

    /// <summary>
    /// The answer of a message some other path decided (or is deciding): waits for its reply, up to
    /// <see cref="TopUpOptions.DuplicateWait"/>, then throws <see cref="StillProcessingException"/>. For a gateway that
    /// reads replies in responses, this answer carries the reply only if no other route has it
    /// (<see cref="SmsTransactions.AnswerAsync"/>): exactly one reply, however often the message comes.
    /// </summary>
    private async Task<TopUpResult> FirstAnswerAsync(string messageId, ReplyRoute route, CancellationToken ct)
    {
        DateTimeOffset deadline = clock.UtcNow + options.DuplicateWait;
        while (true)
        {
            SmsTransaction? row = await store.FindByMessageIdAsync(messageId, ct);
            if (row is { Result: { } result })
            {
                return route == ReplyRoute.Outbound
                    ? result.Via(outbound: true)
                    : result with { Delivery = await store.AnswerAsync(row.Id, ct) };
            }

            if (clock.UtcNow >= deadline)
            {
                // Its worker is alive and renews the lease, or is dead and the lease runs out (then a sweep takes it over).
                TimeSpan left = (row?.LeaseUntil ?? clock.UtcNow) - clock.UtcNow;
                TimeSpan retryAfter = left < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : left > options.Lease ? options.Lease : left;
                throw new StillProcessingException($"Message {messageId} is still being processed; send it again in {Math.Ceiling(retryAfter.TotalSeconds):0} s.", retryAfter);
            }

            await Task.Delay(TimeSpan.FromMilliseconds(20), clock.Time, ct);
        }
    }

    private static string? Storable(string? text) => text is not null && text.Contains('\0', StringComparison.Ordinal) ? text.Replace('\0', '\uFFFD') : text;

    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "SMS {Id} from {Sender} refused: {Code}")]
    private static partial void LogRefused(ILogger logger, string id, string sender, string? code);
}
