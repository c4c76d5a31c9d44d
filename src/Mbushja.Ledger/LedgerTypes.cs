using Mbushja.Domain;
using Mbushja.Storage.Commits;

namespace Mbushja.Ledger;

/// <summary>
/// The name of a ledger account: <c>sub:+38349123456</c>, <c>svc:…</c>, <c>bank:BEK</c>, <c>fee:revenue</c>.
/// </summary>
public readonly record struct LedgerAccountId
{
    public const int MaxLength = 128;

    public LedgerAccountId(string value)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(value);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(value.Length, MaxLength, nameof(value));
        Value = value;
    }

    public string Value { get; }

    public override string ToString() => Value;
}

/// <summary>What a transfer does (after TigerBeetle's flags).</summary>
public enum TransferKind
{
    /// <summary>Moves money at once.</summary>
    Single,

    /// <summary>Reserves money: the debit account's available balance goes down, nothing moves yet.</summary>
    Pending,

    /// <summary>Makes a pending transfer final: the reserved money moves.</summary>
    Post,

    /// <summary>Cancels a pending transfer: the reservation is released, nothing moves.</summary>
    Void,
}

/// <summary>
/// Where a transfer stands. A pending transfer is never changed: it is posted or voided by a transfer of its own, and
/// stands as that one says (TigerBeetle's two-phase transfers).
/// </summary>
public enum TransferState
{
    Posted,
    Pending,
    Voided,
}

/// <summary>
/// A transfer asked of the ledger. The id is the caller's idempotency key: the same id again returns the first
/// outcome; the same id with other content is refused (<see cref="LedgerErrorCodes.IdConflict"/>).
/// </summary>
public sealed record TransferRequest
{
    private TransferRequest(string id, TransferKind kind, LedgerAccountId debit, LedgerAccountId credit, Money amount, string? pendingId, string code)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(id.Length, 128, nameof(id));
        Id = id;
        Kind = kind;
        Debit = debit;
        Credit = credit;
        Amount = amount;
        PendingId = pendingId;
        Code = code ?? "";
    }

    public string Id { get; }

    public TransferKind Kind { get; }

    /// <summary>The account the money leaves; for post and void it is taken from the pending transfer.</summary>
    public LedgerAccountId Debit { get; }

    public LedgerAccountId Credit { get; }

    public Money Amount { get; }

    /// <summary>For post and void: the pending transfer they resolve.</summary>
    public string? PendingId { get; }

    /// <summary>Why the money moves, for people and reports: <c>subscriber.opening</c>, <c>ussd.payment</c>.</summary>
    public string Code { get; }

    public static TransferRequest Single(string id, LedgerAccountId debit, LedgerAccountId credit, Money amount, string code) =>
        new(id, TransferKind.Single, debit, credit, amount, null, code);

    public static TransferRequest Pending(string id, LedgerAccountId debit, LedgerAccountId credit, Money amount, string code) =>
        new(id, TransferKind.Pending, debit, credit, amount, null, code);

    public static TransferRequest Post(string id, string pendingId, string code) =>
        new(id, TransferKind.Post, default, default, Money.Zero, pendingId, code);

    public static TransferRequest Void(string id, string pendingId, string code) =>
        new(id, TransferKind.Void, default, default, Money.Zero, pendingId, code);
}

/// <summary>An account that a command opens if it is not there yet.</summary>
/// <param name="Kind">What the account is for: <c>subscriber</c>, <c>service</c>, <c>system</c>, <c>bank</c>.</param>
/// <param name="NoNegative">Its available balance may never go below zero (subscriber credit).</param>
public sealed record LedgerAccountSpec(LedgerAccountId Id, string Kind, bool NoNegative);

/// <summary>
/// One unit of the ledger: its transfers commit all together or not at all (linked), with the accounts it opens and
/// the <see cref="Work"/> that goes with them, in the same database transaction. Always durable: it moves money.
/// </summary>
public sealed record LedgerCommand(IReadOnlyList<TransferRequest> Transfers) : ICommitPart
{
    public IReadOnlyList<LedgerAccountSpec> Accounts { get; init; } = [];

    /// <summary>Runs in the same transaction, once the transfers were found valid; may refuse the whole command.</summary>
    public ILedgerWork? Work { get; init; }

    bool ICommitPart.HasWork => Work is not null;

    public static LedgerCommand Of(params TransferRequest[] transfers) => new(transfers);
}

/// <summary>A transfer as the ledger recorded it.</summary>
public sealed record Transfer(
    string Id,
    TransferKind Kind,
    string Debit,
    string Credit,
    Money Amount,
    string? PendingId,
    TransferState State,
    string Code,
    string? LinkedId,
    DateTimeOffset CreatedAt);

/// <summary>A ledger account's balances. Balance is credits minus debits; available subtracts pending debits.</summary>
public sealed record LedgerAccount(string Id, string Kind, bool NoNegative, Money Balance, Money PendingDebits, Money PendingCredits)
{
    public Money Available => Balance - PendingDebits;
}

/// <summary>Whether a command took effect.</summary>
public enum LedgerStatus
{
    /// <summary>Committed now.</summary>
    Committed,

    /// <summary>Committed earlier with the same ids and content: nothing changed now.</summary>
    Replayed,

    /// <summary>Refused; nothing changed.</summary>
    Rejected,
}

/// <summary>Why a command was refused.</summary>
/// <param name="TransferIndex">The transfer of the command that was refused, when one was.</param>
/// <param name="Subject">What an effect refused, in its caller's words (an API field name), when it says.</param>
public sealed record LedgerError(string Code, string Message, int? TransferIndex = null, string? Subject = null);

/// <summary>The result of a command.</summary>
public sealed record LedgerOutcome(LedgerStatus Status, IReadOnlyList<Transfer> Transfers, LedgerError? Error)
{
    public bool Succeeded => Status != LedgerStatus.Rejected;

    internal static LedgerOutcome Reject(string code, string message, int? index = null) =>
        new(LedgerStatus.Rejected, [], new LedgerError(code, message, index));
}

/// <summary>Stable codes for refused commands.</summary>
public static class LedgerErrorCodes
{
    public const string InvalidCommand = "INVALID_COMMAND";
    public const string IdConflict = "ID_CONFLICT";
    public const string AccountNotFound = "ACCOUNT_NOT_FOUND";
    public const string AccountConflict = "ACCOUNT_CONFLICT";
    public const string InsufficientFunds = "INSUFFICIENT_FUNDS";
    public const string PendingNotFound = "PENDING_NOT_FOUND";
    public const string NotPending = "NOT_PENDING";
    public const string PendingAlreadyResolved = "PENDING_ALREADY_RESOLVED";
}

/// <summary>The names transfers' kinds and states have in the database and on the wire.</summary>
public static class TransferNames
{
    public static string ToWire(this TransferKind kind) => kind switch
    {
        TransferKind.Single => "single",
        TransferKind.Pending => "pending",
        TransferKind.Post => "post",
        TransferKind.Void => "void",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    public static string ToWire(this TransferState state) => state switch
    {
        TransferState.Posted => "posted",
        TransferState.Pending => "pending",
        TransferState.Voided => "voided",
        _ => throw new ArgumentOutOfRangeException(nameof(state)),
    };
}
