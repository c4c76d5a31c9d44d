using System.Collections.Concurrent;
using System.Diagnostics;
using Mbushja.Accounts;
using Mbushja.Banks.Connector;
using Mbushja.Domain;
using Mbushja.Ledger;
using Mbushja.Sms;
using Mbushja.Storage.Commits;
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
/// SMS Top Up end to end (SPEC §4): inbound message → durable record → whole-message validation → one bank hold for
/// the total → the credits, all in one ledger command with the reply → capture. Each step is recorded before the
/// next begins, so after a crash <see cref="RecoverAsync"/> finishes or undoes whatever was left: every hold ends
/// captured with its credits or voided without, and every message gets exactly one reply.
/// </summary>
public sealed partial class TopUpProcessor(
    TopUpPlanner planner,
    SmsTransactions store,
    IBankConnector bank,
    BankDirectory banks,
    ReplyTexts texts,
    OperatorClock clock,
    TopUpOptions options,
    ILogger<TopUpProcessor> logger,
    OutboxSignal? outbox = null)
{
    private ReplyTexts Texts => texts;

    private OperatorClock Clock => clock;

    private readonly ConcurrentDictionary<string, Task> _background = new(StringComparer.Ordinal);

    /// <summary>Handles one inbound message and returns its answer; the same message id always gets the first answer.</summary>
    public async Task<TopUpResult> ProcessAsync(InboundSms sms, CancellationToken ct = default)
    {
        AcceptedSms accepted = await AcceptAsync(sms, redelivery: null, ct);
        return accepted.Row is { } row ? await FinishAsync(row, ct) : await FirstAnswerAsync(accepted.MessageId!, ct);
    }

    /// <summary>
    /// The first half of <see cref="ProcessAsync"/>: judges the message (reads only) and records it durably with that
    /// decision, a refusal's reply included. Once this returns, the message is the platform's: a gateway that waits for
    /// nothing more (an SMSC's deliver_sm) may be answered, and <see cref="FinishAsync"/> carries it on; should that not
    /// happen (a crash), the recovery sweep does once the lease runs out. With a <paramref name="redelivery"/> key,
    /// the same key again within its window is the same message (for gateways that give no stable message id).
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
            Guid.CreateVersion7().ToString("N"),
            sms.MessageId,
            sms.From ?? "",
            decision.Msisdn,
            sms.To ?? "",
            sms.Text ?? "",
            decision.Bank?.Code,
            decision.Language,
            decision.Plan is null ? TopUpStates.Rejected : TopUpStates.Holding,
            decision.Code,
            decision.Plan?.AccountRef,
            decision.Plan?.TotalCents,
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
                LogRefused(logger, row.Id, masked, row.Code);
            }

            TopUpMetrics.Message("sms", row.BankCode, TopUpStatus.Rejected, row.Code);
            return row.Result!;
        }

        bool outbound = row.Route == ReplyRoute.Outbound;
        TopUpResult result;
        try
        {
            result = await HoldAndCreditAsync(row, outbound, ct);
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
    /// Finishes the unfinished messages whose worker is gone (their lease ran out): at start-up after a crash, and
    /// periodically for bank calls that had no answer. Returns how many it took on.
    /// </summary>
    public async Task<int> RecoverAsync(CancellationToken ct = default)
    {
        int taken = 0;
        foreach (SmsTransaction expired in await store.ExpiredAsync(clock.UtcNow, options.SweepBatch, ct))
        {
            DateTimeOffset until = clock.UtcNow + options.Lease;
            if (!await store.ClaimAsync(expired, until, ct))
            {
                continue;
            }

            taken++;
            SmsTransaction row = expired with { LeaseUntil = until };
            LogRecovering(logger, row.Id, row.State);
            switch (row.State)
            {
                case TopUpStates.Holding:
                    // Nobody waits for this answer in an HTTP response any more: the reply goes out through the gateway.
                    await HoldAndCreditAsync(row, outbound: true, ct);
                    break;
                case TopUpStates.Credited:
                    await CaptureAsync(row, ct);
                    break;
                case TopUpStates.Voiding:
                    await VoidAsync(row, ct);
                    break;
            }
        }

        if (taken > 0)
        {
            outbox?.Notify();
        }

        return taken;
    }

    /// <summary>
    /// Asks the bank for the hold (again, when recovering: the hold id makes that safe), and acts on what the bank says.
    /// No answer is resolved by a status query; still nothing → the hold is voided and nothing is charged.
    /// </summary>
    private async Task<TopUpResult> HoldAndCreditAsync(SmsTransaction row, bool outbound, CancellationToken ct)
    {
        TopUpPlan plan = row.Plan!;
        var trail = new List<TrailEntry>();
        long started = Stopwatch.GetTimestamp();
        BankCall hold = await bank.HoldAsync(plan.BankCode, new HoldRequest(row.Id, plan.AccountRef, plan.TotalCents, "IPKO " + ShortRef(row.Id)), ct);
        TopUpMetrics.Phase("hold", started);
        trail.Add(BankTrail("bank.hold", hold, plan.TotalCents));
        BankReply? answer = hold.Reply;
        if (answer is null)
        {
            BankCall status = await bank.StatusAsync(plan.BankCode, row.Id, ct);
            trail.Add(BankTrail("bank.status", status, null));
            answer = status.Reply;
        }

        switch (answer?.Status)
        {
            case HoldStatus.Held or HoldStatus.Captured:
                return await CreditAsync(row, trail, outbound, ct);
            case HoldStatus.Declined:
                string reply = texts.Format(
                    TopUpCodes.BankDeclined, row.Language, ("bank", BankName(row)), ("reason", texts.Reason(answer.Code, row.Language)));
                return await DecideAsync(row, TopUpStates.Declined, new Transition(TopUpStates.Declined, TopUpCodes.BankDeclined, reply, outbound, trail), ct);
            default:
                return await AbandonAsync(row, trail, outbound, ct);
        }
    }

    /// <summary>The credits, the paid-until dates and the reply commit together, only if the message is still holding.</summary>
    private async Task<TopUpResult> CreditAsync(SmsTransaction row, List<TrailEntry> trail, bool outbound, CancellationToken ct)
    {
        TopUpPlan plan = row.Plan!;
        var settlement = new LedgerAccountSpec(new LedgerAccountId(TopUpNames.BankSettlement(plan.BankCode)), "bank", NoNegative: false);
        var transfers = new List<TransferRequest>(plan.Credits.Count);
        for (int i = 0; i < plan.Credits.Count; i++)
        {
            PlannedCredit credit = plan.Credits[i];
            transfers.Add(TransferRequest.Single(
                CreditTransferId(row.Id, i + 1),
                settlement.Id,
                new LedgerAccountId(credit.LedgerAccount),
                Money.FromCents(credit.AmountCents),
                credit.Kind == CreditKind.Package ? "sms.package" : "sms.topup"));
        }

        trail.Add(new TrailEntry("ledger", new { transfers = transfers.Select(t => new { id = t.Id, debit = t.Debit.Value, credit = t.Credit.Value, amountCents = t.Amount.Cents }) }));
        var effect = new Credit(this, row, trail, outbound);
        var command = new LedgerCommand(transfers)
        {
            Accounts = [settlement, SystemAccounts.PackageRevenue],
            Work = effect,
        };
        long started = Stopwatch.GetTimestamp();
        // Not the caller's token: the command commits whether or not its caller waits, and the caller must know what did.
        LedgerOutcome outcome = await store.CreditAsync(command, CancellationToken.None);
        TopUpMetrics.Phase("credit", started);
        if (!outcome.Succeeded)
        {
            if (outcome.Error?.Code != SmsTransactions.StateChanged)
            {
                // Nothing was credited: the hold must not stay.
                LogCreditRefused(logger, row.Id, outcome.Error?.Code, outcome.Error?.Message);
                return await AbandonAsync(row, trail, outbound, ct);
            }

            return await CurrentAnswerAsync(row.Id, ct);
        }

        // Committed now: the effect wrote the reply. Replayed (an earlier try committed): it is in the row.
        TopUpResult result;
        if (outcome.Status == LedgerStatus.Committed && effect.Reply is { } reply)
        {
            TopUpMetrics.Message("sms", plan.BankCode, TopUpStatus.Completed, null);
            result = new TopUpResult(TopUpStatus.Completed, null, row.Id, reply);
        }
        else
        {
            result = await CurrentAnswerAsync(row.Id, ct);
        }

        StartCapture(row);
        return result;
    }

    /// <summary>
    /// The answer does not wait for the capture: the credits and the reply are committed, and the bank holds the money
    /// for this capture. The message stays <c>credited</c> under its lease until the bank confirms; a capture that
    /// does not finish here (no answer, a shutdown, a crash) is the recovery sweep's once the lease runs out.
    /// </summary>
    private void StartCapture(SmsTransaction row) => InBackground(row.Id + ":capture", row.Id, () => CaptureAsync(row, CancellationToken.None));

    /// <summary>
    /// <see cref="FinishAsync"/> in the background, for a gateway that was answered at the accept (an SMSC): the reply
    /// goes out through the outbox. <see cref="DrainAsync"/> waits for it at shutdown; after a crash the recovery sweep
    /// takes the message over once its lease runs out.
    /// </summary>
    public void FinishInBackground(SmsTransaction row)
    {
        ArgumentNullException.ThrowIfNull(row);
        InBackground(row.Id + ":finish", row.Id, () => FinishAsync(row, CancellationToken.None));
    }

    private void InBackground(string key, string id, Func<Task> work)
    {
        Task task = Task.Run(async () =>
        {
            try
            {
                await work();
            }
            catch (Exception e)
            {
                LogBackgroundFailed(logger, id, e);
            }
        });
        _background[key] = task;
        task.ContinueWith(t => _background.TryRemove(KeyValuePair.Create(key, t)), TaskScheduler.Default);
    }

    /// <summary>Waits, up to <paramref name="timeout"/>, for the work answered messages left running (captures, finishing).</summary>
    public async Task DrainAsync(TimeSpan timeout)
    {
        Task all = Task.WhenAll(_background.Values);
        await Task.WhenAny(all, Task.Delay(timeout, clock.Time));
    }

    /// <summary>holding → voiding with the "bank unavailable" reply, then the void. Once voiding, the message is never credited.</summary>
    private async Task<TopUpResult> AbandonAsync(SmsTransaction row, List<TrailEntry> trail, bool outbound, CancellationToken ct)
    {
        string reply = texts.Format(TopUpCodes.BankUnavailable, row.Language, ("bank", BankName(row)));
        TopUpResult result = await DecideAsync(row, TopUpStates.Voiding, new Transition(TopUpStates.Voiding, TopUpCodes.BankUnavailable, reply, outbound, trail), ct);
        if (result.Code == TopUpCodes.BankUnavailable)
        {
            await VoidAsync(row, ct);
        }

        return result;
    }

    private async Task<TopUpResult> DecideAsync(SmsTransaction row, string state, Transition transition, CancellationToken ct)
    {
        // Not the caller's token: the move commits whether or not its caller waits (see FinishAsync).
        if (await store.MoveAsync(row.Id, row.State, transition, CancellationToken.None))
        {
            LogDecided(logger, row.Id, state, transition.Code);
            TopUpStatus status = TopUpStates.StatusOf(state)!.Value;
            TopUpMetrics.Message("sms", row.BankCode, status, transition.Code);
            return new TopUpResult(status, transition.Code, row.Id, transition.Reply!);
        }

        return await CurrentAnswerAsync(row.Id, ct);
    }

    /// <summary>credited → completed once the bank confirms the capture; without an answer the sweep tries again later.</summary>
    private async Task CaptureAsync(SmsTransaction row, CancellationToken ct)
    {
        long started = Stopwatch.GetTimestamp();
        BankCall capture = await bank.CaptureAsync(row.Plan!.BankCode, row.Id, ct);
        TopUpMetrics.Phase("capture", started);
        if (capture.Reply is not { } answer)
        {
            LogBankSilent(logger, row.Id, "capture", capture.Failure);
            return;
        }

        if (answer.Status != HoldStatus.Captured)
        {
            // Credited without the money: only a bank that broke the contract (voided a hold it was told to keep) does this.
            LogCaptureRefused(logger, row.Id, answer.Status, answer.Code);
        }

        started = Stopwatch.GetTimestamp();
        await store.CompleteAsync(row.Id, BankTrail("bank.capture", capture, null));
        TopUpMetrics.Phase("complete", started);
    }

    /// <summary>voiding → failed once the bank confirms the void; without an answer the sweep tries again later.</summary>
    private async Task VoidAsync(SmsTransaction row, CancellationToken ct)
    {
        BankCall call = await bank.VoidAsync(row.Plan!.BankCode, row.Id, ct);
        if (call.Reply is not { } answer)
        {
            LogBankSilent(logger, row.Id, "void", call.Failure);
            return;
        }

        if (answer.Status == HoldStatus.Captured)
        {
            LogCaptureRefused(logger, row.Id, answer.Status, answer.Code);
        }

        await store.MoveAsync(row.Id, TopUpStates.Voiding, new Transition(TopUpStates.Failed, null, null, false, [BankTrail("bank.void", call, null)]), ct);
    }

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

    private async Task<TopUpResult> CurrentAnswerAsync(string id, CancellationToken ct)
    {
        SmsTransaction? row = await store.GetAsync(id, ct);
        return row?.Result ?? throw new InvalidOperationException($"Message {id} has no answer yet.");
    }

    private string BankName(SmsTransaction row) => banks.ByCode(row.BankCode)?.Name ?? row.BankCode ?? "";

    private static string? Storable(string? text) => text is not null && text.Contains('\0', StringComparison.Ordinal) ? text.Replace('\0', '\uFFFD') : text;

    /// <summary>The reference a reply shows: the random tail of the transaction id, enough to find it in the console.</summary>
    public static string ShortRef(string transactionId) => transactionId[^8..].ToUpperInvariant();

    /// <summary>The ledger id of a message's <paramref name="n"/>-th credit (from 1): a retry makes the same transfer, never a second.</summary>
    public static string CreditTransferId(string transactionId, int n) => $"sms:{transactionId}:{n}";

    /// <summary>The ledger transfers a message made, one per credit of its plan, in the plan's order (none before it is credited).</summary>
    public static async Task<IReadOnlyList<Transfer>> CreditTransfersAsync(LedgerQueries ledger, SmsTransaction row, CancellationToken ct = default)
    {
        var transfers = new List<Transfer>();
        for (int i = 1; i <= (row.Plan?.Credits.Count ?? 0); i++)
        {
            if (await ledger.GetTransferAsync(CreditTransferId(row.Id, i), ct) is { } transfer)
            {
                transfers.Add(transfer);
            }
        }

        return transfers;
    }

    private static TrailEntry BankTrail(string kind, BankCall call, long? amountCents) => new(kind, new
    {
        amountCents,
        status = call.Reply?.Status.ToString().ToLowerInvariant(),
        code = call.Reply?.Code,
        failure = call.Failure,
        attempts = call.Attempts,
    });

    [LoggerMessage(EventId = 3009, Level = LogLevel.Error, Message = "SMS {Id}: work after the answer failed; the recovery sweep takes it over")]
    private static partial void LogBackgroundFailed(ILogger logger, string id, Exception exception);

    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "SMS {Id} from {Sender} refused: {Code}")]
    private static partial void LogRefused(ILogger logger, string id, string sender, string? code);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Information, Message = "SMS {Id} {State} {Code}")]
    private static partial void LogDecided(ILogger logger, string id, string state, string? code);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Warning, Message = "SMS {Id}: the bank did not answer the {Operation} ({Failure}); the recovery sweep tries again")]
    private static partial void LogBankSilent(ILogger logger, string id, string operation, string? failure);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Critical, Message = "SMS {Id}: the bank's {Status} {Code} contradicts what the platform did with the hold; finance must reconcile")]
    private static partial void LogCaptureRefused(ILogger logger, string id, HoldStatus status, string? code);

    [LoggerMessage(EventId = 3005, Level = LogLevel.Error, Message = "SMS {Id}: the ledger refused the credits ({Code}: {Message}); voiding the hold")]
    private static partial void LogCreditRefused(ILogger logger, string id, string? code, string? message);

    [LoggerMessage(EventId = 3006, Level = LogLevel.Information, Message = "Recovering SMS {Id} ({State})")]
    private static partial void LogRecovering(ILogger logger, string id, string state);

    /// <summary>In the credit command's transaction: moves paid-until dates, writes the reply, holding → credited.</summary>
    private sealed class Credit(TopUpProcessor processor, SmsTransaction row, List<TrailEntry> trail, bool outbound) : ILedgerWork
    {
        /// <summary>The reply, once the effect committed it (a batch retried runs the effect again and rewrites it).</summary>
        public string? Reply { get; private set; }

        // A package's paid-until date is moved before the change of state that may still refuse.
        public bool RefusesBeforeWriting => row.Plan!.Credits.All(c => c.Kind != CreditKind.Package);

        public async Task<CommitRefusal?> ApplyAsync(LedgerContext context, CancellationToken cancellationToken)
        {
            ReplyTexts texts = processor.Texts;
            var parts = new List<string>(row.Plan!.Credits.Count);
            foreach (PlannedCredit credit in row.Plan.Credits)
            {
                string amount = ReplyTexts.Amount(credit.AmountCents);
                if (credit.Kind == CreditKind.Package)
                {
                    DateTimeOffset paidUntil = await ServiceAccounts.PayMonthAsync(
                        context.Commit, credit.ServiceAccountId!, credit.PackageCode!, processor.Clock, cancellationToken);
                    parts.Add(texts.Format(
                        "credit.package",
                        row.Language,
                        ("target", credit.Target),
                        ("package", credit.PackageName ?? credit.PackageCode ?? ""),
                        ("amount", amount),
                        ("paidUntil", ReplyTexts.Date(processor.Clock.LocalDate(paidUntil)))));
                }
                else
                {
                    long balance = (context.Available(new LedgerAccountId(credit.LedgerAccount)) ?? Money.Zero).Cents;
                    parts.Add(texts.Format(
                        credit.Kind == CreditKind.Mobile ? "credit.mobile" : "credit.balance",
                        row.Language,
                        ("target", credit.Target),
                        ("amount", amount),
                        ("balance", ReplyTexts.Amount(balance))));
                }
            }

            string reply = texts.Format(
                "done",
                row.Language,
                ("parts", string.Join("; ", parts)),
                ("total", ReplyTexts.Amount(row.Plan.TotalCents)),
                ("bank", processor.BankName(row)),
                ("ref", ShortRef(row.Id)));
            CommitRefusal? refused = await SmsTransactions.ApplyTransitionAsync(
                context.Commit, row.Id, TopUpStates.Holding, new Transition(TopUpStates.Credited, null, reply, outbound, trail), cancellationToken);
            Reply = refused is null ? reply : null;
            return refused;
        }
    }
}
