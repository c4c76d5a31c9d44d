using System.Text.Json.Serialization;
using Mbushja.Accounts;
using Mbushja.Domain;
using Mbushja.Ledger;

namespace Mbushja.TopUp;

/// <summary>Where the reply to a message goes.</summary>
public enum ReplyRoute
{
    /// <summary>In the HTTP response to the gateway that delivered the message (JSON endpoint, Kannel sms-service).</summary>
    Response,

    /// <summary>Sent by the platform through the outbound gateway (Kannel sendsms, SMPP).</summary>
    Outbound,
}

/// <summary>An SMS as a gateway delivered it: untrusted text, checked by the processor.</summary>
/// <param name="MessageId">The SMSC's id: the same id again is the same message. Null: every delivery is new.</param>
public sealed record InboundSms(string? From, string? To, string? Text, string? MessageId, ReplyRoute Route = ReplyRoute.Response)
{
    /// <summary>Set when the platform sends the message itself, as a renewal's try on its due date (docs/design/renewals.md).</summary>
    public RenewalTry? Renewal { get; init; }
}

/// <summary>Which renewal a message is: the account, the period it pays (paid-until, ms), the round and the try.</summary>
public sealed record RenewalTry(string AccountId, long Period, int Round, int Attempt);

/// <summary>
/// What <see cref="TopUpProcessor.AcceptAsync"/> did: recorded the message (<paramref name="Row"/>, to carry on with
/// <see cref="TopUpProcessor.FinishAsync"/>), or found it recorded already (null: a repeat, nothing more to do).
/// </summary>
public sealed record AcceptedSms(SmsTransaction? Row, string? MessageId)
{
    public bool Duplicate => Row is null;
}

/// <summary>
/// For gateways that give a message no id of its own (an SMSC's deliver_sm): <paramref name="Key"/> names what the
/// message is (its addresses and content), and the same key again within <paramref name="Window"/> of its first
/// arrival is a redelivery of it, not a new message.
/// </summary>
public sealed record RedeliveryKey(string Key, TimeSpan Window);

/// <summary>How a message ended, as the JSON endpoint says it: <c>completed</c>, <c>rejected</c>, <c>failed</c>.</summary>
public enum TopUpStatus
{
    /// <summary>Credited; the reply says what and how much.</summary>
    Completed,

    /// <summary>Refused before any money moved: the text, the sender, a target or the bank's decline.</summary>
    Rejected,

    /// <summary>The bank could not be reached or confirmed; nothing was charged.</summary>
    Failed,
}

/// <summary>The answer for one inbound message; the same message id always gets the same one.</summary>
/// <param name="Reply">The reply's text, whichever way it leaves (<see cref="Delivery"/>).</param>
public sealed record TopUpResult(TopUpStatus Status, string? Code, TransactionId TransactionId, string Reply)
{
    /// <summary>
    /// Whether this answer carries the reply to the subscriber, or the reply leaves (or left) separately, through the
    /// outbound gateway: never both (docs/design/replies-and-leases.md).
    /// </summary>
    public ReplyDelivery Delivery { get; init; }

    /// <summary>
    /// Another worker committed this answer while its caller, which reads replies in its response, was at the bank: the
    /// reply may be bound for the outbox, and the caller settles whether its answer carries it.
    /// </summary>
    internal bool DecidedElsewhere { get; init; }

    /// <summary>This result for a request whose reply goes out through the outbound gateway when <paramref name="outbound"/>.</summary>
    internal TopUpResult Via(bool outbound) => this with { Delivery = outbound ? ReplyDelivery.Separately : ReplyDelivery.InAnswer };
}

/// <summary>How the reply of an answered message reaches the subscriber, from the point of view of one answer.</summary>
public enum ReplyDelivery
{
    /// <summary>In this answer: the gateway sends it back (the JSON endpoint's <c>reply</c>, the sms-service's body).</summary>
    InAnswer,

    /// <summary>Not in this answer: it goes (or went) out through the outbound gateway, Kannel's sendsms or SMPP, once.</summary>
    Separately,
}

/// <summary>
/// A repeat of a message that is still being finished, after waiting for it a while: try again after
/// <see cref="RetryAfter"/> (HTTP 503 <c>STILL_PROCESSING</c> with <c>Retry-After</c>).
/// </summary>
public sealed class StillProcessingException : TimeoutException
{
    public StillProcessingException()
    {
    }

    public StillProcessingException(string message)
        : base(message)
    {
    }

    public StillProcessingException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public StillProcessingException(string message, TimeSpan retryAfter)
        : base(message) => RetryAfter = retryAfter;

    /// <summary>When to ask again: once the message's worker, or the server that takes its work over, may have finished it.</summary>
    public TimeSpan RetryAfter { get; } = TimeSpan.FromSeconds(1);
}

/// <summary>What one credit of a message does.</summary>
public enum CreditKind
{
    /// <summary>Adds to a mobile number's prepaid credit.</summary>
    Mobile,

    /// <summary>Adds to a fixed line's balance.</summary>
    Balance,

    /// <summary>Pays one month of a service account's package.</summary>
    Package,
}

/// <summary>One credit of a validated message, with everything needed to make it after a crash (stored as JSON with the message).</summary>
/// <param name="LedgerAccount">The ledger account credited: <c>sub:…</c>, <c>svc:…</c> or package revenue.</param>
/// <param name="Target">How the reply names it: the number or identifier as the subscriber knows it.</param>
/// <param name="ServiceAccountId">For a package: the account whose paid-until moves.</param>
public sealed record PlannedCredit(
    CreditKind Kind,
    string LedgerAccount,
    [property: JsonPropertyName("amountCents"), JsonConverter(typeof(MoneyCentsJsonConverter))] Money Amount,
    string Target,
    string? ServiceAccountId = null,
    string? PackageCode = null,
    string? PackageName = null);

/// <summary>A message found valid as a whole: one hold of <see cref="Total"/> on the account, then these credits.</summary>
public sealed record TopUpPlan(string BankCode, string AccountRef, IReadOnlyList<PlannedCredit> Credits)
{
    /// <summary>
    /// The registration that pays, whose caps the message consumes (docs/design/controls.md); null in a plan made
    /// before the controls, which then consumes none and gives none back.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? RegistrationId { get; init; }

    /// <summary>The sender is one of the registration's authorised persons (not its holder): their own caps apply too.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool ByAuthorized { get; init; }

    /// <summary>
    /// A try of an automatic renewal, made by the sweep and not sent from the phone: the velocity limits neither count
    /// nor refuse it; the caps and the SIM-swap cool-down apply (docs/design/renewals.md, "With the controls").
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool Renewal { get; init; }

    [JsonIgnore]
    public Money Total => Credits.Aggregate(Money.Zero, (sum, c) => sum + c.Amount);
}

/// <summary>
/// The ledger accounts of SMS Top Up. A bank's hold is a pending transfer from the bank's settlement account to its
/// clearing account; the credits leave the clearing account; the capture posts the hold, so that once a message is
/// done the clearing account is back where it was and the bank's account owes what was captured (docs/money.md).
/// </summary>
public static class TopUpAccounts
{
    /// <summary>What the bank owes the operator: negative by every capture, plus in pending debits what it holds now.</summary>
    public static LedgerAccountSpec Bank(string bankCode) => new(new LedgerAccountId("bank:" + bankCode), "bank", NoNegative: false);

    /// <summary>Money on its way from the bank to the targets: pending credits while held, back to zero once captured.</summary>
    public static LedgerAccountSpec Clearing(string bankCode) => new(new LedgerAccountId("clearing:" + bankCode), "clearing", NoNegative: false);

    /// <summary>The operator's revenue for packages paid by SMS (and by USSD).</summary>
    public static LedgerAccountSpec PackageRevenue => SystemAccounts.PackageRevenue;
}

