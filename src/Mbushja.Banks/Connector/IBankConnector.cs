using Mbushja.Domain;

namespace Mbushja.Banks.Connector;

/// <summary>Where a hold stands at the bank, as the bank says.</summary>
public enum HoldStatus
{
    /// <summary>The money is reserved on the account; nothing has moved yet.</summary>
    Held,

    /// <summary>The bank refused the hold (<see cref="BankReply.Code"/> says why); nothing is reserved.</summary>
    Declined,

    /// <summary>The reserved money moved to the operator. Final.</summary>
    Captured,

    /// <summary>The reservation was released, or the hold id was voided before the bank ever saw it. Final.</summary>
    Voided,

    /// <summary>The bank has no hold with this id (a status query only).</summary>
    NotFound,
}

/// <summary>A well-formed, correctly signed answer of a bank.</summary>
/// <param name="Code">For a decline: the bank's reason, <c>INSUFFICIENT_FUNDS</c>, <c>ACCOUNT_NOT_FOUND</c>, <c>ACCOUNT_BLOCKED</c>, ...</param>
public sealed record BankReply(HoldStatus Status, string? Code = null, string? Message = null)
{
    /// <summary>The hold's amount, when the bank says it (a status query of a hold it saw).</summary>
    public Money? Amount { get; init; }
}

/// <summary>
/// The outcome of one call to a bank, after the connector's own retries: either the bank's answer, or why none
/// could be had (timeout, 5xx, malformed or unsigned answer, connection refused). No answer means "unknown":
/// the caller resolves it with a status query, never by guessing.
/// </summary>
public sealed record BankCall(BankReply? Reply, string? Failure, int Attempts)
{
    public bool Answered => Reply is not null;

    public static BankCall Answer(BankReply reply, int attempts) => new(reply, null, attempts);

    public static BankCall NoAnswer(string failure, int attempts) => new(null, failure, attempts);
}

/// <summary>A hold asked of a bank. <see cref="HoldId"/> is the platform's idempotency id: asking again is safe.</summary>
/// <param name="Reference">A short text the bank may show on the account statement.</param>
public sealed record HoldRequest(string HoldId, string AccountRef, Money Amount, string Reference);

/// <summary>Where a refund stands at the bank, as the bank says.</summary>
public enum RefundStatus
{
    /// <summary>The money is back on the holder's account. Final.</summary>
    Refunded,

    /// <summary>The bank refused the refund (<see cref="RefundReply.Code"/> says why); nothing moved. Final.</summary>
    Rejected,

    /// <summary>The bank has no refund with this id (a status query only).</summary>
    NotFound,
}

/// <summary>A well-formed, correctly signed answer of a bank about a refund.</summary>
/// <param name="Code">For a rejection: <c>HOLD_NOT_CAPTURED</c>, <c>AMOUNT_EXCEEDS_HOLD</c>, <c>ACCOUNT_NOT_FOUND</c>, ...</param>
public sealed record RefundReply(RefundStatus Status, string? Code = null, string? Message = null);

/// <summary>The outcome of one refund call, after the connector's own retries: the bank's answer, or why none came.</summary>
public sealed record RefundCall(RefundReply? Reply, string? Failure, int Attempts)
{
    public bool Answered => Reply is not null;
}

/// <summary>
/// A refund asked of a bank: <see cref="Amount"/> of the captured hold <see cref="HoldId"/> back to the account.
/// <see cref="RefundId"/> is the platform's idempotency id: asking again is safe and never refunds twice.
/// </summary>
public sealed record RefundRequest(string RefundId, string HoldId, string AccountRef, Money Amount, string Reference);

/// <summary>
/// The bank connector (docs/bank-connector.openapi.yaml): hold → capture or void, and a status query; and a refund of a
/// captured hold (a reversal: docs/money.md). Never throws for a bank's fault.
/// </summary>
public interface IBankConnector
{
    Task<BankCall> HoldAsync(string bankCode, HoldRequest request, CancellationToken cancellationToken = default);

    Task<BankCall> CaptureAsync(string bankCode, string holdId, CancellationToken cancellationToken = default);

    Task<BankCall> VoidAsync(string bankCode, string holdId, CancellationToken cancellationToken = default);

    Task<BankCall> StatusAsync(string bankCode, string holdId, CancellationToken cancellationToken = default);

    /// <summary>Gives back money of a captured hold (idempotent by refund id).</summary>
    Task<RefundCall> RefundAsync(string bankCode, RefundRequest request, CancellationToken cancellationToken = default);

    /// <summary>Where a refund stands, for a refund whose answer was lost.</summary>
    Task<RefundCall> RefundStatusAsync(string bankCode, string refundId, CancellationToken cancellationToken = default);
}
