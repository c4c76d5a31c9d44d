using System.Diagnostics;
using Mbushja.Accounts;
using Mbushja.Banks.Connector;
using Mbushja.Domain;
using Mbushja.Ledger;
using Mbushja.Messaging;
using Mbushja.Sms;
using Mbushja.Storage;
using Mbushja.Storage.Commits;
using Microsoft.Extensions.Logging;

namespace Mbushja.TopUp;

/// <summary>
/// A held message's way through its bank (docs/money.md): hold → credit → capture, or void. Each step is the bank's
/// answer recorded with the ledger transfer it makes, in one commit with the change of state; so after a crash the
/// recovery sweep finds where the message stands and goes on from there, and every hold ends captured with its
/// credits or voided without. A silent bank is asked for the hold's status, never guessed.
/// </summary>
public sealed partial class BankHoldFlow(
    SmsTransactions store,
    IBankConnector bank,
    BankDirectory banks,
    ReplyTexts texts,
    OperatorConfig config,
    OperatorClock clock,
    TopUpWork work,
    WorkLeases leases,
    TopUpOptions options,
    ILogger<BankHoldFlow> logger)
{
    /// <summary>
    /// Asks the bank for the hold (again, when recovering: the hold id makes that safe), and acts on what the bank says.
    /// No answer is resolved by a status query; still nothing → the hold is voided and nothing is charged.
    /// </summary>
    public async Task<TopUpResult> HoldAndCreditAsync(SmsTransaction row, bool outbound, CancellationToken ct)
    {
        // The message's lease is renewed while this runs: no other server takes it over from a live worker.
        using WorkLeases.Hold lease = leases.Message(row.Id);
        TopUpPlan plan = row.Plan!;
        var trail = new List<TrailEntry>();
        long started = Stopwatch.GetTimestamp();
        BankCall hold = await bank.HoldAsync(plan.BankCode, new HoldRequest(row.Id.Value, plan.AccountRef, plan.Total, row.Id.BankReference(config.Name)), ct);
        TopUpMetrics.Phase("hold", started);
        trail.Add(BankTrail(TrailKind.BankHold, hold, plan.Total));
        BankReply? answer = hold.Reply;
        if (answer is null)
        {
            BankCall status = await bank.StatusAsync(plan.BankCode, row.Id.Value, ct);
            trail.Add(BankTrail(TrailKind.BankStatus, status, null));
            answer = status.Reply;
        }

        switch (answer?.Status)
        {
            case HoldStatus.Held or HoldStatus.Captured:
                return await CreditAsync(row, trail, outbound, ct);
            case HoldStatus.Declined:
                string reply = texts.Format(
                    ErrorCodes.BankDeclined, row.Language, ("bank", BankName(row)), ("reason", texts.Reason(answer.Code, row.Language)));
                // The bank holds nothing: the ledger's hold is voided with the decision.
                return await DecideAsync(
                    row, new Transition(TopUpState.Declined, ErrorCodes.BankDeclined, reply, outbound, trail), Void(row.Id), ct);
            default:
                return await AbandonAsync(row, trail, outbound, ct);
        }
    }

    /// <summary>
    /// credited → completed once the bank confirms the capture, with the post of the hold; without an answer the sweep
    /// tries again after <see cref="TopUpOptions.BankRetry"/>.
    /// </summary>
    public async Task CaptureAsync(SmsTransaction row, CancellationToken ct)
    {
        if (!await CapturedAsync(row, ct))
        {
            await store.PostponeAsync(row.Id, TopUpState.Credited, clock.UtcNow + options.BankRetry, CancellationToken.None);
        }
    }

    /// <summary>
    /// voiding → failed once the bank confirms the void, with the void of the hold; without an answer the sweep tries
    /// again after <see cref="TopUpOptions.BankRetry"/>.
    /// </summary>
    public async Task VoidAsync(SmsTransaction row, CancellationToken ct)
    {
        if (!await VoidedAsync(row, ct))
        {
            await store.PostponeAsync(row.Id, TopUpState.Voiding, clock.UtcNow + options.BankRetry, CancellationToken.None);
        }
    }

    /// <summary>
    /// Goes on with an unfinished message from where it stands (the recovery sweep, once it holds its lease): the bank's
    /// hold and the credits, the capture, or the void. A reply it makes goes out through the outbound gateway.
    /// </summary>
    public async Task ContinueAsync(SmsTransaction row, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(row);
        switch (row.State)
        {
            case TopUpState.Holding:
                // Nobody waits for this answer in an HTTP response any more: the reply goes out through the gateway (a
                // repeat of the message may yet take it back for its answer, before any attempt: SmsTransactions.AnswerAsync).
                await HoldAndCreditAsync(row, outbound: true, ct);
                break;
            case TopUpState.Credited:
                await CaptureAsync(row, ct);
                break;
            case TopUpState.Voiding:
                await VoidAsync(row, ct);
                break;
        }
    }

    /// <summary>The capture, under the message's renewed lease; false when the bank did not answer.</summary>
    private async Task<bool> CapturedAsync(SmsTransaction row, CancellationToken ct)
    {
        using WorkLeases.Hold lease = leases.Message(row.Id);
        long started = Stopwatch.GetTimestamp();
        BankCall capture = await bank.CaptureAsync(row.Plan!.BankCode, row.Id.Value, ct);
        TopUpMetrics.Phase("capture", started);
        if (capture.Reply is not { } answer)
        {
            LogBankSilent(logger, row.Id.Value, "capture", new LogText(capture.Failure));
            return false;
        }

        if (answer.Status != HoldStatus.Captured)
        {
            // Credited without the money: only a bank that broke the contract (voided a hold it was told to keep) does
            // this. The ledger posts what was credited; the reconciliation shows the bank's side.
            LogCaptureRefused(logger, row.Id.Value, answer.Status, new LogText(answer.Code));
        }

        started = Stopwatch.GetTimestamp();
        // Moved by another worker first (the post replayed): it is done either way.
        await Patiently(() => store.MoveAsync(
            row,
            TopUpState.Credited,
            new Transition(TopUpState.Completed, null, null, false, [BankTrail(TrailKind.BankCapture, capture, null)]),
            TransferRequest.Post(row.Id.CaptureTransfer, row.Id.HoldTransfer, "sms.capture"),
            CancellationToken.None));
        TopUpMetrics.Phase("complete", started);
        return true;
    }

    /// <summary>The void, under the message's renewed lease; false when the bank did not answer.</summary>
    private async Task<bool> VoidedAsync(SmsTransaction row, CancellationToken ct)
    {
        using WorkLeases.Hold lease = leases.Message(row.Id);
        BankCall call = await bank.VoidAsync(row.Plan!.BankCode, row.Id.Value, ct);
        if (call.Reply is not { } answer)
        {
            LogBankSilent(logger, row.Id.Value, "void", new LogText(call.Failure));
            return false;
        }

        if (answer.Status == HoldStatus.Captured)
        {
            LogCaptureRefused(logger, row.Id.Value, answer.Status, new LogText(answer.Code));
        }

        await Patiently(() => store.MoveAsync(
            row, TopUpState.Voiding, new Transition(TopUpState.Failed, null, null, false, [BankTrail(TrailKind.BankVoid, call, null)]), Void(row.Id), CancellationToken.None));
        return true;
    }

    /// <summary>
    /// The credits (clearing → each target), the paid-until dates and the reply commit together, only if the message
    /// is still holding. The answer does not wait for the capture, which follows in the background.
    /// </summary>
    private async Task<TopUpResult> CreditAsync(SmsTransaction row, List<TrailEntry> trail, bool outbound, CancellationToken ct)
    {
        TopUpPlan plan = row.Plan!;
        LedgerAccountSpec clearing = TopUpAccounts.Clearing(plan.BankCode);
        var transfers = new TransferRequest[plan.Credits.Count];
        for (int i = 0; i < plan.Credits.Count; i++)
        {
            PlannedCredit credit = plan.Credits[i];
            transfers[i] = TransferRequest.Single(
                row.Id.CreditTransfer(i + 1),
                clearing.Id,
                new LedgerAccountId(credit.LedgerAccount),
                credit.Amount,
                credit.Kind == CreditKind.Package ? "sms.package" : "sms.topup");
        }

        trail.Add(SmsTransactions.LedgerLine(TrailKind.Ledger, transfers));
        var credits = new Credit(this, row, trail, outbound);
        var command = new LedgerCommand(transfers) { Accounts = [clearing, TopUpAccounts.PackageRevenue], Work = credits };
        long started = Stopwatch.GetTimestamp();
        // Not the caller's token: the command commits whether or not its caller waits, and the caller must know what did.
        LedgerOutcome outcome = await Patiently(() => store.CreditAsync(command, CancellationToken.None));
        TopUpMetrics.Phase("credit", started);
        if (!outcome.Succeeded)
        {
            if (outcome.Error?.Code != SmsTransactions.StateChanged)
            {
                // Nothing was credited: the hold must not stay.
                LogCreditRefused(logger, row.Id.Value, outcome.Error?.Code, outcome.Error?.Message);
                return await AbandonAsync(row, trail, outbound, ct);
            }

            return await CurrentAnswerAsync(row.Id, outbound, ct);
        }

        // Committed now: the work wrote the reply. Replayed (an earlier try committed): it is in the row.
        TopUpResult result;
        if (outcome.Status == LedgerStatus.Committed && credits.Reply is { } reply)
        {
            MessageMetrics.Message("sms", plan.BankCode, MessageOutcome.Completed, null);
            result = new TopUpResult(TopUpStatus.Completed, null, row.Id, reply).Via(outbound);
        }
        else
        {
            // Committed by another worker (the sweep took the message over), or by an earlier try of this one.
            result = await CurrentAnswerAsync(row.Id, outbound, ct);
        }

        // The message stays credited under its lease (renewed while the capture runs) until the bank confirms; a
        // capture that does not finish here (no answer, a shutdown, a crash) is the recovery sweep's.
        work.Start(row.Id.Value + ":capture", row.Id, () => CaptureAsync(row with { State = TopUpState.Credited }, CancellationToken.None));
        return result;
    }

    /// <summary>holding → voiding with the "bank unavailable" reply, then the void. Once voiding, the message is never credited.</summary>
    private async Task<TopUpResult> AbandonAsync(SmsTransaction row, List<TrailEntry> trail, bool outbound, CancellationToken ct)
    {
        string reply = texts.Format(ErrorCodes.BankUnavailable, row.Language, ("bank", BankName(row)));
        TopUpResult result = await DecideAsync(row, new Transition(TopUpState.Voiding, ErrorCodes.BankUnavailable, reply, outbound, trail), null, ct);
        if (result.Code == ErrorCodes.BankUnavailable)
        {
            await VoidAsync(row with { State = TopUpState.Voiding, Code = ErrorCodes.BankUnavailable }, ct);
        }

        return result;
    }

    /// <summary>Decides a holding message (declined, or voiding), with the reply; the answer of whoever decided it first otherwise.</summary>
    private async Task<TopUpResult> DecideAsync(SmsTransaction row, Transition transition, TransferRequest? transfer, CancellationToken ct)
    {
        // Not the caller's token: the move commits whether or not its caller waits (see TopUpProcessor.FinishAsync).
        if (await Patiently(() => store.MoveAsync(row, TopUpState.Holding, transition, transfer, CancellationToken.None)))
        {
            LogDecided(logger, row.Id.Value, transition.State, transition.Code);
            TopUpStatus status = TopUpStates.StatusOf(transition.State)!.Value;
            MessageMetrics.Message("sms", row.BankCode, status.ToOutcome(), transition.Code);
            return new TopUpResult(status, transition.Code, row.Id, transition.Reply!).Via(transition.ReplyOutbound);
        }

        return await CurrentAnswerAsync(row.Id, transition.ReplyOutbound, ct);
    }

    /// <summary>
    /// The answer another worker (or an earlier try) committed. Its reply may be bound for the outbox: whether a caller
    /// that reads replies in its response gets it is settled by that caller, who knows whether it still waits
    /// (<see cref="TopUpProcessor.FinishAsync"/>); until then, not in the answer.
    /// </summary>
    private async Task<TopUpResult> CurrentAnswerAsync(TransactionId id, bool outbound, CancellationToken ct)
    {
        SmsTransaction? row = await store.GetAsync(id, ct);
        TopUpResult result = row?.Result ?? throw new InvalidOperationException($"Message {id} has no answer yet.");
        return result.Via(outbound: true) with { DecidedElsewhere = !outbound };
    }

    /// <summary>
    /// A step after the bank's answer, run again while no database takes writes (a failover): the bank holds money the
    /// ledger must follow, and the step's ids make a second run recognise the first. Leases cannot be renewed meanwhile,
    /// so another server may take the message over once a primary takes writes again: every step is conditional on the
    /// state before it, and the one that finds the message moved answers with what the other committed.
    /// </summary>
    private Task<T> Patiently<T>(Func<Task<T>> step) => Failover.PatientlyAsync(_patience, step);

    private readonly Polly.ResiliencePipeline _patience = Failover.Patience(clock.Time, TimeSpan.FromSeconds(45));

    private ReplyTexts Texts => texts;

    private OperatorClock Clock => clock;

    private static TransferRequest Void(TransactionId id) => TransferRequest.Void(id.VoidTransfer, id.HoldTransfer, "sms.void");

    private string BankName(SmsTransaction row) => banks.ByCode(row.BankCode)?.Name ?? row.BankCode ?? "";

    private static TrailEntry BankTrail(TrailKind kind, BankCall call, Money? amount) => new(kind, new
    {
        amountCents = amount?.Cents,
        status = call.Reply?.Status.ToString().ToLowerInvariant(),
        code = call.Reply?.Code,
        failure = call.Failure,
        attempts = call.Attempts,
    });

    [LoggerMessage(EventId = 3002, Level = LogLevel.Information, Message = "SMS {Id} {State} {Code}")]
    private static partial void LogDecided(ILogger logger, string id, TopUpState state, string? code);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Warning, Message = "SMS {Id}: the bank did not answer the {Operation} ({Failure}); the recovery sweep tries again")]
    private static partial void LogBankSilent(ILogger logger, string id, string operation, LogText failure);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Critical, Message = "SMS {Id}: the bank's {Status} {Code} contradicts what the platform did with the hold; finance must reconcile")]
    private static partial void LogCaptureRefused(ILogger logger, string id, HoldStatus status, LogText code);

    [LoggerMessage(EventId = 3005, Level = LogLevel.Error, Message = "SMS {Id}: the ledger refused the credits ({Code}: {Message}); voiding the hold")]
    private static partial void LogCreditRefused(ILogger logger, string id, string? code, string? message);

    /// <summary>In the credit command's commit: moves paid-until dates, writes the reply, holding → credited.</summary>
    private sealed class Credit(BankHoldFlow flow, SmsTransaction row, List<TrailEntry> trail, bool outbound) : ILedgerWork
    {
        /// <summary>The reply, once the work committed it (a batch retried runs the work again and rewrites it).</summary>
        public string? Reply { get; private set; }

        // A package's paid-until date is moved before the change of state that may still refuse.
        public bool RefusesBeforeWriting => row.Plan!.Credits.All(c => c.Kind != CreditKind.Package);

        // Without a package, its only statement is the change of state (the reply and trail are deferred).
        public bool Pipelined => RefusesBeforeWriting;

        public async Task<CommitRefusal?> ApplyAsync(LedgerContext context, CancellationToken cancellationToken)
        {
            ReplyTexts texts = flow.Texts;
            var parts = new List<string>(row.Plan!.Credits.Count);
            foreach (PlannedCredit credit in row.Plan.Credits)
            {
                string amount = credit.Amount.ToDecimalString();
                if (credit.Kind == CreditKind.Package)
                {
                    DateTimeOffset paidUntil = await ServiceAccounts.PayMonthAsync(
                        context.Commit, credit.ServiceAccountId!, credit.PackageCode!, flow.Clock, cancellationToken);
                    parts.Add(texts.Format(
                        "credit.package",
                        row.Language,
                        ("target", credit.Target),
                        ("package", credit.PackageName ?? credit.PackageCode ?? ""),
                        ("amount", amount),
                        ("paidUntil", MessageFormat.Date(flow.Clock.LocalDate(paidUntil)))));
                }
                else
                {
                    Money balance = context.Available(new LedgerAccountId(credit.LedgerAccount)) ?? Money.Zero;
                    parts.Add(texts.Format(
                        credit.Kind == CreditKind.Mobile ? "credit.mobile" : "credit.balance",
                        row.Language,
                        ("target", credit.Target),
                        ("amount", amount),
                        ("balance", balance.ToDecimalString())));
                }
            }

            string reply = texts.Format(
                "done",
                row.Language,
                ("parts", string.Join("; ", parts)),
                ("total", row.Plan.Total.ToDecimalString()),
                ("bank", flow.BankName(row)),
                ("ref", row.Id.ShortRef));
            CommitRefusal? refused = await SmsTransactions.ApplyTransitionAsync(
                context.Commit, flow.Clock, row, TopUpState.Holding, new Transition(TopUpState.Credited, null, reply, outbound, trail), cancellationToken);
            Reply = refused is null ? reply : null;
            return refused;
        }
    }
}
