using Mbushja.Domain;

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

/// <summary>Where a transfer stands. Only a pending transfer ever changes state, once.</summary>
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
    private TransferRequest(string id, TransferKind kind, LedgerAccountId debit, LedgerAccountId credit, long amountCents, string? pendingId, string code)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(id.Length, 128, nameof(id));
        Id = id;
        Kind = kind;
        Debit = debit;
        Credit = credit;
        AmountCents = amountCents;
        PendingId = pendingId;
        Code = code ?? "";
    }

    public string Id { get; }

    public TransferKind Kind { get; }

    /// <summary>The account the money leaves; for post and void it is taken from the pending transfer.</summary>
    public LedgerAccountId Debit { get; }

    public LedgerAccountId Credit { get; }

    public long AmountCents { get; }

    /// <summary>For post and void: the pending transfer they resolve.</summary>
    public string? PendingId { get; }

    /// <summary>Why the money moves, for people and reports: <c>subscriber.opening</c>, <c>ussd.payment</c>.</summary>
    public string Code { get; }

    public static TransferRequest Single(string id, LedgerAccountId debit, LedgerAccountId credit, Money amount, string code) =>
        new(id, TransferKind.Single, debit, credit, amount.Cents, null, code);

    public static TransferRequest Pending(string id, LedgerAccountId debit, LedgerAccountId credit, Money amount, string code) =>
        new(id, TransferKind.Pending, debit, credit, amount.Cents, null, code);

    public static TransferRequest Post(string id, string pendingId, string code) =>
        new(id, TransferKind.Post, default, default, 0, pendingId, code);

    public static TransferRequest Void(string id, string pendingId, string code) =>
        new(id, TransferKind.Void, default, default, 0, pendingId, code);
}

/// <summary>An account that a command opens if it is not there yet.</summary>
/// <param name="Kind">What the account is for: <c>subscriber</c>, <c>service</c>, <c>system</c>, <c>bank</c>.</param>
/// <param name="NoNegative">Its available balance may never go below zero (subscriber credit).</param>
public sealed record LedgerAccountSpec(LedgerAccountId Id, string Kind, bool NoNegative);

/// <summary>
/// One unit of work: its transfers commit all together or not at all (linked), with the accounts it opens and an
/// optional effect on the platform's own tables in the same database transaction.
/// </summary>
public sealed record LedgerCommand(IReadOnlyList<TransferRequest> Transfers)
{
    public IReadOnlyList<LedgerAccountSpec> Accounts { get; init; } = [];

    /// <summary>Runs in the same transaction, after the transfers were found valid; may refuse the command.</summary>
    public ILedgerEffect? Effect { get; init; }

    /// <summary>
    /// False for an effect-only command whose writes the platform can lose in a power cut without harm (where a USSD
    /// session stands): its caller is told at the commit, without waiting for the disk (on PostgreSQL such commands
    /// commit apart, with <c>synchronous_commit = off</c>). It is still atomic, in order, and
    /// made durable by the next durable commit. A command that moves money is durable whatever this says. Such a
    /// command may commit before a durable one submitted earlier and not yet committed (it does not wait for its
    /// flush): a caller that needs an order awaits the first command before it submits the second.
    /// </summary>
    public bool Durable { get; init; } = true;

    public static LedgerCommand Of(params TransferRequest[] transfers) => new(transfers);
}

/// <summary>A transfer as the ledger recorded it.</summary>
public sealed record Transfer(
    string Id,
    TransferKind Kind,
    string Debit,
    string Credit,
    long AmountCents,
    string? PendingId,
    TransferState State,
    string Code,
    string? LinkedId,
    DateTimeOffset CreatedAt);

/// <summary>A ledger account's balances. Balance is credits minus debits; available subtracts pending debits.</summary>
public sealed record LedgerAccount(string Id, string Kind, bool NoNegative, long BalanceCents, long PendingDebitsCents, long PendingCreditsCents)
{
    public long AvailableCents => checked(BalanceCents - PendingDebitsCents);
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
