using System.Diagnostics;
using Mbushja.Domain;
using Mbushja.Messaging;
using Microsoft.Extensions.Logging;

namespace Mbushja.TopUp;

/// <summary>Timings of SMS Top Up.</summary>
public sealed record TopUpOptions
{
    public static TopUpOptions Default { get; } = new();

    /// <summary>How long a worker owns an unfinished message before the recovery sweep may take it over.</summary>
    public TimeSpan Lease { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How long a repeated message id waits for the first delivery's answer.</summary>
    public TimeSpan DuplicateWait { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Unfinished messages taken per recovery sweep.</summary>
    public int SweepBatch { get; init; } = 200;
}

/// <summary>
/// SMS Top Up end to end (README "SMS Top Up"): inbound message → durable record (with the ledger's hold) →
/// whole-message validation → one bank hold for the total → the credits, in one commit with the reply → capture. This
/// class takes a message in and answers it; <see cref="BankHoldFlow"/> talks to the bank; <see cref="TopUpRecovery"/>
/// finishes what a crash left.
/// </summary>
public sealed partial class TopUpProcessor(
    TopUpPlanner planner,
    SmsTransactions store,
    BankHoldFlow holds,
    TopUpWork work,
    OperatorClock clock,
    TopUpOptions options,
    ILogger<TopUpProcessor> logger,
    OutboxSignal? outbox = null)
{
    /// <summary>Handles one inbound message and returns its answer; the same message id always gets the first answer.</summary>
    public async Task<TopUpResult> ProcessAsync(InboundSms sms, CancellationToken ct = default)
    {
        AcceptedSms accepted = await AcceptAsync(sms, redelivery: null, ct);
        return accepted.Row is { } row ? await FinishAsync(row, ct) : await FirstAnswerAsync(accepted.MessageId!, ct);
    }

    /// <summary>
    /// The first half of <see cref="ProcessAsync"/>: judges the message (reads only) and records it durably with that
    /// decision, a refusal's reply included, and for a valid one the ledger's hold of its total. Once this returns, the
    /// message is the platform's: a gateway that waits for nothing more (an SMSC's deliver_sm) may be answered, and
    /// <see cref="FinishAsync"/> carries it on; should that not happen (a crash), the recovery sweep does once the lease
    /// runs out. With a <paramref name="redelivery"/> key, the same key again within its window is the same message
    /// (for gateways that give no stable message id).
    /// </summary>
    public async Task<AcceptedSms> AcceptAsync(InboundSms sms, RedeliveryKey? redelivery = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(sms);
        // PostgreSQL text cannot hold NUL; a phone can send one. What is stored shows it as U+FFFD.
        sms = sms with { From = Storable(sms.From), To = Storable(sms.To), Text = Storable(sms.Text), MessageId = Storable(sms.MessageId) };
        long started = Stopwatch.GetTimestamp();
        TopUpDecision decision = await planner.DecideAsync(sms, ct);
        TopUpMetrics.Phase("decide", started);
        DateTimeOffset now = clock.UtcNow;
        var row = new SmsTransaction(
            TransactionId.New(),
            sms.MessageId,
            sms.From ?? "",
            decision.Msisdn,
            sms.To ?? "",
            sms.Text ?? "",
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
        TrailEntry[] trail =
        [
            new("received", new { from = sms.From, to = sms.To, text = sms.Text, messageId = sms.MessageId }),
            new("interpreted", decision.Interpretation),
        ];
        started = Stopwatch.GetTimestamp();
        bool accepted = await store.AcceptAsync(row, trail, redelivery, ct);
        TopUpMetrics.Phase("accept", started);
        return accepted ? new AcceptedSms(row, sms.MessageId) : new AcceptedSms(null, sms.MessageId);
    }

    /// <summary>
    /// The second half of <see cref="ProcessAsync"/> for a message <see cref="AcceptAsync"/> recorded: a refusal is
    /// answered already; a plan goes to the bank, then the credits and the reply.
    /// </summary>
    public async Task<TopUpResult> FinishAsync(SmsTransaction row, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(row);
        if (row.Plan is null)
        {
            if (logger.IsEnabled(LogLevel.Information))
            {
                string masked = Numbering.Mask(row.Msisdn ?? row.Sender);
                LogRefused(logger, row.Id.Value, masked, row.Code);
            }

            MessageMetrics.Message("sms", row.BankCode, MessageOutcome.Rejected, row.Code);
            return row.Result!;
        }

        bool outbound = row.Route == ReplyRoute.Outbound;
        TopUpResult result;
        try
        {
            result = await holds.HoldAndCreditAsync(row, outbound, ct);
        }
        finally
        {
            if (!outbound && ct.IsCancellationRequested)
            {
                // The caller that was to read the reply in its response gave up (a gateway's timeout): a reply it
                // committed for that response goes out through the gateway instead. The writes that commit a reply do
                // not stop for the caller, so whatever this message committed is in by now; if it committed none
                // (the caller left during the bank's answer), the recovery sweep sends it, outbound.
                await store.SendInlineReplyAsync(row.Id, CancellationToken.None);
                outbox?.Notify();
            }
        }

        if (outbound)
        {
            outbox?.Notify();
        }

        ct.ThrowIfCancellationRequested();
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

    /// <summary>The answer of a message some other path decided (or is deciding): waits for its reply.</summary>
    private async Task<TopUpResult> FirstAnswerAsync(string messageId, CancellationToken ct)
    {
        DateTimeOffset deadline = clock.UtcNow + options.DuplicateWait;
        while (true)
        {
            if (await store.FindByMessageIdAsync(messageId, ct) is { Result: { } result })
            {
                return result;
            }

            if (clock.UtcNow > deadline)
            {
                throw new TimeoutException($"Message {messageId} is still being processed.");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(20), clock.Time, ct);
        }
    }

    private static string? Storable(string? text) => text is not null && text.Contains('\0', StringComparison.Ordinal) ? text.Replace('\0', '\uFFFD') : text;

    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "SMS {Id} from {Sender} refused: {Code}")]
    private static partial void LogRefused(ILogger logger, string id, string sender, string? code);
}
