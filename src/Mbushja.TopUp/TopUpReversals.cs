using System.Data.Common;
using System.Diagnostics.CodeAnalysis;
using Mbushja.Accounts;
using Mbushja.Banks.Connector;
using Mbushja.Domain;
using Mbushja.Ledger;
using Mbushja.Messaging;
using Mbushja.Storage;
using Mbushja.Storage.Commits;
using Microsoft.Extensions.Logging;

namespace Mbushja.TopUp;

/// <summary>Where a reversal's refund stands (the <c>state</c> column of <c>sms_reversals</c>).</summary>
public static class ReversalStates
{
    /// <summary>The credits are given back on the ledger; the bank's refund is asked, and asked again until it answers.</summary>
    public const string Refunding = "refunding";

    /// <summary>The bank confirmed the refund: the money is back on the holder's account.</summary>
    public const string Refunded = "refunded";

    /// <summary>The bank refused the refund (<see cref="Reversal.RefundCode"/>): finance settles it by hand; never asked again.</summary>
    public const string Rejected = "rejected";
}

/// <summary>A reversal of an SMS top-up as recorded: who asked and why, and where its bank refund stands.</summary>
/// <param name="RefundId">The id the bank knows the refund by (<c>rf-</c> + the transaction id): one id, one refund.</param>
public sealed record Reversal(
    TransactionId TransactionId,
    string RefundId,
    string BankCode,
    string AccountRef,
    Money Amount,
    string Reason,
    string RequestedBy,
    string State,
    string? RefundCode,
    int Attempts,
    DateTimeOffset RequestedAt,
    DateTimeOffset UpdatedAt);

/// <summary>Why a reversal was refused: a stable code, a message for people, and the request field to blame.</summary>
public sealed record ReversalError(string Code, string Message, string? Field = null);

/// <summary>The reversal made (with its refund as far as it got), or why none was made (and then nothing changed).</summary>
public sealed record ReversalOutcome(Reversal? Reversal, ReversalError? Error)
{
    [MemberNotNullWhen(true, nameof(Reversal))]
    [MemberNotNullWhen(false, nameof(Error))]
    public bool Succeeded => Reversal is not null;

    public static ReversalOutcome Refused(string code, string message, string? field = null) => new(null, new ReversalError(code, message, field));
}

/// <summary>
/// Reversal of a completed SMS top-up by a supervisor: one linked ledger command gives the credits back, then the bank is
/// asked to refund under <c>rf-&lt;id&gt;</c>, and asked again by <see cref="RetryRefundsAsync"/> until it answers.
/// </summary>
/// <remarks>The transfers, the refusals and a refund that fails: docs/money.md, "Reversal of an SMS top-up".</remarks>
public sealed partial class TopUpReversals(
    Database database,
    LedgerEngine ledger,
    SmsTransactions transactions,
    IBankConnector bank,
    OperatorConfig config,
    OperatorClock clock,
    TopUpOptions options,
    WorkLeases leases,
    ILogger<TopUpReversals> logger)
{
    public const int MaxReasonLength = 500;
    public const int MaxActorLength = 100;

    /// <summary>A reversal asked in the console by the signed-in user.</summary>
    public const string ViaConsole = "console";

    /// <summary>A reversal asked through the admin API, with its key, by the name the caller gives.</summary>
    public const string ViaApi = "api";

    /// <summary>The ledger's code for the transfers of a reversal.</summary>
    public const string TransferCode = "sms.reversal";

    private const string Columns =
        "transaction_id, refund_id, bank_code, account_ref, amount, reason, requested_by, state, refund_code, attempts, requested_at, updated_at, lease_until";

    /// <summary>
    /// Reverses a completed SMS top-up: the credits come back on the ledger at once, then the bank is asked for the
    /// refund (its answer, or the lack of one, is in the returned reversal's state). Refused, with nothing changed,
    /// when the transaction is unknown, not completed, reversed already, or a credit of it was spent.
    /// </summary>
    /// <param name="requestedBy">Who asks (the signed-in supervisor, or the name an API caller gives): on the trail.</param>
    /// <param name="via">Where it was asked, <see cref="ViaConsole"/> or <see cref="ViaApi"/>: on the trail, so its story says who did it.</param>
    public async Task<ReversalOutcome> ReverseAsync(string transactionId, string reason, string requestedBy, string via = ViaApi, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(transactionId);
        if ((Check(reason, "reason", MaxReasonLength) ?? Check(requestedBy, "by", MaxActorLength)) is { } invalid)
        {
            return new ReversalOutcome(null, invalid);
        }

        reason = reason.Trim();
        requestedBy = requestedBy.Trim();
        if (!TransactionId.TryParse(transactionId, out TransactionId id) || await transactions.GetAsync(id, ct) is not { } row)
        {
            return ReversalOutcome.Refused(ErrorCodes.NotFound, $"Transaction '{transactionId}' was not found.");
        }

        if (await GetAsync(row.Id, ct) is { } earlier)
        {
            return Refused(row, ErrorCodes.AlreadyReversed, $"Transaction {row.Id.ShortRef} was reversed on {earlier.RequestedAt:yyyy-MM-dd HH:mm} UTC by {earlier.RequestedBy}.");
        }

        if (row.State != TopUpState.Completed || row.Plan is null)
        {
            string why = row.State == TopUpState.Credited
                ? "its bank capture is not confirmed yet; try again shortly"
                : $"it is {row.State.ToWire()}: no money moved";
            return Refused(row, ErrorCodes.NotCaptured, $"Only a completed top-up can be reversed; {why}.");
        }

        TopUpPlan plan = row.Plan;
        LedgerAccountId settlement = TopUpAccounts.Bank(plan.BankCode).Id;
        var transfers = new TransferRequest[plan.Credits.Count];
        for (int i = 0; i < plan.Credits.Count; i++)
        {
            PlannedCredit credit = plan.Credits[i];
            transfers[i] = TransferRequest.Single(row.Id.ReversalTransfer(i + 1), new LedgerAccountId(credit.LedgerAccount), settlement, credit.Amount, TransferCode);
        }

        DateTimeOffset now = clock.UtcNow;
        var reversal = new Reversal(
            row.Id, row.Id.RefundId, plan.BankCode, plan.AccountRef, plan.Total, reason, requestedBy, ReversalStates.Refunding, null, 0, now, now);
        TrailEntry[] trail =
        [
            new(TrailKind.ReversalRequested, new { by = requestedBy, via, reason, refundId = reversal.RefundId, amountCents = reversal.Amount.Cents }),
            SmsTransactions.LedgerLine(TrailKind.ReversalLedger, transfers),
        ];
        var command = new LedgerCommand(transfers) { Work = new Record(reversal, plan, trail, now + options.Lease, leases.Holder, clock, row, transactions.Controls) };
        LedgerOutcome outcome = await ledger.SubmitAsync(command, ct);
        switch (outcome.Status)
        {
            case LedgerStatus.Replayed:
                return Refused(row, ErrorCodes.AlreadyReversed, $"Transaction {row.Id.ShortRef} is reversed already.");
            case LedgerStatus.Rejected when outcome.Error!.Code == LedgerErrorCodes.InsufficientFunds:
                string target = outcome.Error.TransferIndex is { } index ? plan.Credits[index].Target : "a target";
                return Refused(row, ErrorCodes.CreditSpent, $"The money credited to {target} was spent already: it cannot be taken back.");
            case LedgerStatus.Rejected:
                return Refused(row, outcome.Error!.Code, outcome.Error.Message);
        }

        LogReversed(logger, row.Id.Value, plan.BankCode, reversal.Amount.Cents);
        TopUpMetrics.Reversal(plan.BankCode, "reversed");
        return new ReversalOutcome(await RefundAsync(reversal, ct), null);
    }

    /// <summary>How many refunds wait for the bank's answer (for /metrics).</summary>
    public async Task<long> CountRefundingAsync(CancellationToken ct = default)
    {
        await using DbConnection connection = await database.OpenAsync(ct);
        await using DbCommand count = connection.Command("SELECT COUNT(*) FROM sms_reversals WHERE state = @s", null, ("s", ReversalStates.Refunding));
        return Convert.ToInt64(await count.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The reversal of a transaction, if it has one.</summary>
    public async Task<Reversal?> GetAsync(TransactionId transactionId, CancellationToken ct = default) =>
        (await QueryAsync($"SELECT {Columns} FROM sms_reversals WHERE transaction_id = @p", [("p", transactionId.Value)], ct)).FirstOrDefault();

    /// <summary>Reversals asked on <paramref name="from"/> ≤ requested &lt; <paramref name="to"/>, of one bank, oldest first.</summary>
    public Task<List<Reversal>> ListAsync(string bankCode, DateTimeOffset from, DateTimeOffset to, CancellationToken ct = default) =>
        QueryAsync(
            $"SELECT {Columns} FROM sms_reversals WHERE bank_code = @b AND requested_at >= @from AND requested_at < @to ORDER BY requested_at, transaction_id",
            [("b", bankCode), ("from", from.ToUnixTimeMilliseconds()), ("to", to.ToUnixTimeMilliseconds())],
            ct);

    /// <summary>
    /// Asks the bank again for the refunds that have no answer yet and whose lease ran out (their worker died, or the
    /// bank did not answer <see cref="TopUpOptions.BankRetry"/> ago): at start-up and with every recovery sweep. Returns
    /// how many it asked.
    /// </summary>
    public async Task<int> RetryRefundsAsync(CancellationToken ct = default)
    {
        List<(Reversal Reversal, long Lease)> expired = await QueryWithLeaseAsync(
            $"SELECT {Columns} FROM sms_reversals WHERE state = '{ReversalStates.Refunding}' AND lease_until < @now ORDER BY lease_until LIMIT {options.SweepBatch}",
            [("now", clock.UtcNow.ToUnixTimeMilliseconds())],
            ct);
        int asked = 0;
        foreach ((Reversal reversal, long lease) in expired)
        {
            long until = (clock.UtcNow + options.Lease).ToUnixTimeMilliseconds();
            var claim = CommitStatement.Conditional(
                $"UPDATE sms_reversals SET lease_until = @until, lease_holder = @holder WHERE transaction_id = @id AND state = '{ReversalStates.Refunding}' "
                + "AND lease_until = @was",
                new CommitRefusal(SmsTransactions.StateChanged, "The refund was taken by another worker."),
                ("until", until),
                ("holder", leases.Holder),
                ("id", reversal.TransactionId.Value),
                ("was", lease));
            if (await ledger.Commits.CommitAsync(claim, Durability.Durable, ct) is null)
            {
                asked++;
                await RefundAsync(reversal, ct);
            }
        }

        return asked;
    }

    /// <summary>
    /// Asks the bank for the refund once (the connector retries within the call), under the refund's renewed lease, and
    /// records what it said; without an answer, the bank is asked again after <see cref="TopUpOptions.BankRetry"/>.
    /// </summary>
    private async Task<Reversal> RefundAsync(Reversal reversal, CancellationToken ct)
    {
        var request = new RefundRequest(
            reversal.RefundId, reversal.TransactionId.Value, reversal.AccountRef, reversal.Amount, reversal.TransactionId.RefundReference(config.Name));
        RefundCall call;
        using (leases.Refund(reversal.TransactionId))
        {
            call = await bank.RefundAsync(reversal.BankCode, request, ct);
        }

        string? state = call.Reply?.Status switch
        {
            RefundStatus.Refunded => ReversalStates.Refunded,
            RefundStatus.Rejected => ReversalStates.Rejected,
            // A refund answered "not found" is one the bank never took: asked again, like no answer.
            _ => null,
        };
        var entry = new TrailEntry(TrailKind.BankRefund, new
        {
            refundId = reversal.RefundId,
            amountCents = reversal.Amount.Cents,
            status = call.Reply?.Status.ToWire(),
            code = call.Reply?.Code,
            failure = call.Failure,
            attempts = call.Attempts,
        });
        var record = new RecordRefund(reversal, state, call.Reply?.Code, entry, clock.UtcNow + options.BankRetry, clock);
        if (await ledger.Commits.CommitAsync(record, Durability.Durable, ct) is not null)
        {
            // Another worker recorded the answer first (the same answer: the bank knows the refund by its id).
            return await GetAsync(reversal.TransactionId, ct) ?? reversal;
        }

        TopUpMetrics.Refund(reversal.BankCode, state ?? BankMetrics.NoAnswer);
        if (state is null)
        {
            LogRefundPending(logger, reversal.TransactionId.Value, reversal.BankCode, new LogText(call.Failure ?? "not found"));
        }
        else if (state == ReversalStates.Rejected)
        {
            LogRefundRejected(logger, reversal.TransactionId.Value, reversal.BankCode, new LogText(call.Reply?.Code));
        }

        return await GetAsync(reversal.TransactionId, ct) ?? reversal;
    }

    private static ReversalError? Check(string? value, string field, int maxLength) =>
        string.IsNullOrWhiteSpace(value)
            ? new ReversalError(ErrorCodes.MissingField, $"The field '{field}' is required.", field)
            : value.Trim().Length > maxLength
                ? new ReversalError(ErrorCodes.TooLong, $"'{field}' has at most {maxLength} characters.", field)
                : null;

    private static ReversalOutcome Refused(SmsTransaction row, string code, string message)
    {
        TopUpMetrics.Reversal(row.BankCode ?? "", code);
        return ReversalOutcome.Refused(code, message);
    }

    private async Task<List<Reversal>> QueryAsync(string sql, (string, object?)[] parameters, CancellationToken ct) =>
        [.. (await QueryWithLeaseAsync(sql, parameters, ct)).Select(r => r.Reversal)];

    private async Task<List<(Reversal Reversal, long Lease)>> QueryWithLeaseAsync(string sql, (string, object?)[] parameters, CancellationToken ct)
    {
        await using DbConnection connection = await database.OpenAsync(ct);
        await using DbCommand command = connection.Command(sql, null, parameters);
        await using DbDataReader r = await command.ExecuteReaderAsync(ct);
        var rows = new List<(Reversal, long)>();
        while (await r.ReadAsync(ct))
        {
            rows.Add((new Reversal(
                TransactionId.FromStored(r.GetString(0)),
                r.GetString(1),
                r.GetString(2),
                r.GetString(3),
                Money.FromCents(r.GetInt64(4)),
                r.GetString(5),
                r.GetString(6),
                r.GetString(7),
                r.GetNullableString(8),
                Convert.ToInt32(r.GetValue(9), System.Globalization.CultureInfo.InvariantCulture),
                DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(10)),
                DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(11))), r.GetInt64(12)));
        }

        return rows;
    }

    [LoggerMessage(EventId = 3301, Level = LogLevel.Information, Message = "SMS {Id} reversed on the ledger ({Bank}, {AmountCents} cents); asking the bank's refund")]
    private static partial void LogReversed(ILogger logger, string id, string bank, long amountCents);

    [LoggerMessage(EventId = 3302, Level = LogLevel.Warning, Message = "SMS {Id}: bank {Bank} gave no answer to the refund ({Failure}); the recovery sweep asks again")]
    private static partial void LogRefundPending(ILogger logger, string id, string bank, LogText failure);

    [LoggerMessage(EventId = 3303, Level = LogLevel.Error, Message = "SMS {Id}: bank {Bank} rejected the refund ({Code}); finance must settle it by hand")]
    private static partial void LogRefundRejected(ILogger logger, string id, string bank, LogText code);

    /// <summary>
    /// In the reversal's ledger transaction: the transaction must still be completed; the row (its primary key refuses a
    /// second reversal), the paid-until dates taken back, the trail.
    /// </summary>
    private sealed class Record(
        Reversal reversal, TopUpPlan plan, IReadOnlyList<TrailEntry> trail, DateTimeOffset leaseUntil, string holder, OperatorClock clock, SmsTransaction row, TopUpControls? controls)
        : ILedgerWork
    {
        public async Task<CommitRefusal?> ApplyAsync(LedgerContext context, CancellationToken cancellationToken)
        {
            // A completed transaction stays completed, so this read needs no lock.
            object? state = await context.Statement("SELECT state FROM sms_transactions WHERE id = @id", ("id", reversal.TransactionId.Value))
                .ExecuteScalarAsync(cancellationToken);
            if (state is not string stored || TopUpStates.Parse(stored) != TopUpState.Completed)
            {
                return new CommitRefusal(ErrorCodes.NotCaptured, "Only a completed top-up can be reversed.");
            }

            long now = context.Now.ToUnixTimeMilliseconds();
            DbCommand insert = context.Statement(
                $"INSERT INTO sms_reversals ({Columns}, lease_holder) VALUES (@id, @refund, @bank, @ref, @amount, @reason, @by, @state, NULL, 0, @requested, @now, "
                + "@lease, @holder) ON CONFLICT DO NOTHING",
                ("id", reversal.TransactionId.Value),
                ("refund", reversal.RefundId),
                ("bank", reversal.BankCode),
                ("ref", reversal.AccountRef),
                ("amount", reversal.Amount.Cents),
                ("reason", reversal.Reason),
                ("by", reversal.RequestedBy),
                ("state", ReversalStates.Refunding),
                // As the caller knows it, so that its roll-up's day is the one a refund's answer moves it from.
                ("requested", reversal.RequestedAt.ToUnixTimeMilliseconds()),
                ("now", now),
                ("lease", leaseUntil.ToUnixTimeMilliseconds()),
                ("holder", holder));
            if (await insert.ExecuteNonQueryAsync(cancellationToken) != 1)
            {
                return new CommitRefusal(ErrorCodes.AlreadyReversed, "The transaction is reversed already.");
            }

            context.Commit.AddToRollup(SmsRollups.Reversal(clock, reversal.RequestedAt, reversal.BankCode, ReversalStates.Refunding), 1, reversal.Amount.Cents);

            // The month a package payment added is taken back (one calendar month in the operator's zone).
            foreach (PlannedCredit credit in plan.Credits.Where(c => c.Kind == CreditKind.Package && c.ServiceAccountId is not null))
            {
                await ServiceAccounts.TakeBackMonthAsync(context.Commit, credit.ServiceAccountId!, clock, cancellationToken);
            }

            await SmsTrail.AppendAsync(context.Commit, reversal.TransactionId, trail, cancellationToken);

            // The amount goes back to the caps the top-up consumed (docs/design/controls.md).
            controls?.GiveBack(context.Commit, plan, row.Msisdn, row.ReceivedAt);
            return null;
        }
    }

    /// <summary>
    /// Records a refund attempt: its answer (final: refunded or rejected), or none (still refunding, asked again from
    /// <paramref name="retryAt"/>), and its trail line.
    /// </summary>
    private sealed class RecordRefund(Reversal reversal, string? state, string? code, TrailEntry entry, DateTimeOffset retryAt, OperatorClock clock) : ICommitWork
    {
        public async Task<CommitRefusal?> ApplyAsync(CommitContext context, CancellationToken cancellationToken)
        {
            DbCommand update = context.Statement(
                "UPDATE sms_reversals SET state = COALESCE(@state, state), refund_code = COALESCE(@code, refund_code), attempts = attempts + 1, "
                + $"updated_at = @now, lease_until = @retry WHERE transaction_id = @id AND state = '{ReversalStates.Refunding}'",
                ("state", state),
                ("code", code),
                ("now", context.NowMs),
                ("retry", retryAt.ToUnixTimeMilliseconds()),
                ("id", reversal.TransactionId.Value));
            if (await update.ExecuteNonQueryAsync(cancellationToken) != 1)
            {
                return new CommitRefusal(SmsTransactions.StateChanged, "The refund's answer was recorded by another worker.");
            }

            if (state is not null)
            {
                context.AddToRollup(SmsRollups.Reversal(clock, reversal.RequestedAt, reversal.BankCode, ReversalStates.Refunding), -1, -reversal.Amount.Cents);
                context.AddToRollup(SmsRollups.Reversal(clock, reversal.RequestedAt, reversal.BankCode, state), 1, reversal.Amount.Cents);
            }

            await SmsTrail.AppendAsync(context, reversal.TransactionId, [entry], cancellationToken);
            return null;
        }
    }
}
