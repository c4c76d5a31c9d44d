using System.Text.Json.Serialization;

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
public sealed record InboundSms(string? From, string? To, string? Text, string? MessageId, ReplyRoute Route = ReplyRoute.Response);

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

/// <summary>How a message ended (SPEC §5: <c>completed</c>, <c>rejected</c>, <c>failed</c>).</summary>
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
public sealed record TopUpResult(TopUpStatus Status, string? Code, string TransactionId, string Reply);

/// <summary>Stable codes of SMS Top Up answers beyond the parse codes (SPEC §5).</summary>
public static class TopUpCodes
{
    public const string NotRegistered = "NOT_REGISTERED";
    public const string UnknownAccount = "UNKNOWN_ACCOUNT";
    public const string BankDeclined = "BANK_DECLINED";
    public const string BankUnavailable = "BANK_UNAVAILABLE";
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

/// <summary>One credit of a validated message, with everything needed to make it after a crash.</summary>
/// <param name="LedgerAccount">The ledger account credited: <c>sub:…</c>, <c>svc:…</c> or package revenue.</param>
/// <param name="Target">How the reply names it: the number or identifier as the subscriber knows it.</param>
/// <param name="ServiceAccountId">For a package: the account whose paid-until moves.</param>
public sealed record PlannedCredit(
    CreditKind Kind,
    string LedgerAccount,
    long AmountCents,
    string Target,
    string? ServiceAccountId = null,
    string? PackageCode = null,
    string? PackageName = null);

/// <summary>A message found valid as a whole: one hold of <see cref="TotalCents"/> on the account, then these credits.</summary>
public sealed record TopUpPlan(string BankCode, string AccountRef, IReadOnlyList<PlannedCredit> Credits)
{
    [JsonIgnore]
    public long TotalCents => Credits.Sum(c => c.AmountCents);
}

/// <summary>Where a message stands (the <c>state</c> column).</summary>
public static class TopUpStates
{
    public const string Holding = "holding";
    public const string Credited = "credited";
    public const string Voiding = "voiding";
    public const string Completed = "completed";
    public const string Rejected = "rejected";
    public const string Declined = "declined";
    public const string Failed = "failed";

    public static bool IsUnfinished(string state) => state is Holding or Credited or Voiding;

    /// <summary>The answer's status for a state: credited counts as completed (the capture is the bank's to finish).</summary>
    public static TopUpStatus? StatusOf(string state) => state switch
    {
        Credited or Completed => TopUpStatus.Completed,
        Rejected or Declined => TopUpStatus.Rejected,
        Voiding or Failed => TopUpStatus.Failed,
        _ => null,
    };
}

/// <summary>Lower-case wire names.</summary>
public static class TopUpNames
{
    public static string ToWire(this TopUpStatus status) => status switch
    {
        TopUpStatus.Completed => "completed",
        TopUpStatus.Rejected => "rejected",
        _ => "failed",
    };

    /// <summary>The ledger account for package payments: the operator's revenue for services paid by SMS.</summary>
    public const string PackageRevenue = Mbushja.Accounts.SystemAccounts.PackageRevenueId;

    public static string BankSettlement(string bankCode) => "bank:" + bankCode;
}
