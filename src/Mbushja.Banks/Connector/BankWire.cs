using System.Text.Json;
using System.Text.Json.Serialization;

namespace Mbushja.Banks.Connector;

/// <summary>
/// The bank connector API on the wire (docs/bank-connector.openapi.yaml): paths, status words, decline and error
/// codes, in one place. The HTTP connector and the sandbox bank both speak it from here.
/// </summary>
public static class BankWire
{
    public const string Currency = "EUR";

    /// <summary>The longest hold id: 1–64 characters of <c>A–Z a–z 0–9 - _</c>, safe in a path segment as is.</summary>
    public const int MaxHoldIdLength = 64;

    /// <summary>The longest statement reference a bank must accept.</summary>
    public const int MaxReferenceLength = 140;

    /// <summary>The longest account reference a bank must accept (an IBAN is at most 34 characters, spaces aside).</summary>
    public const int MaxAccountRefLength = 64;

    // Status words (schema HoldStatus).
    public const string Held = "held";
    public const string Declined = "declined";
    public const string Captured = "captured";
    public const string Voided = "voided";
    public const string NotFound = "notFound";

    // Decline codes (schema DeclineCode): why a bank refused a hold.
    public const string InsufficientFunds = "INSUFFICIENT_FUNDS";
    public const string AccountNotFound = "ACCOUNT_NOT_FOUND";
    public const string AccountBlocked = "ACCOUNT_BLOCKED";
    public const string LimitExceeded = "LIMIT_EXCEEDED";

    /// <summary>A hold id asked again with other content (409).</summary>
    public const string HoldIdConflict = "HOLD_ID_CONFLICT";

    // Refund status words (schema RefundStatus); notFound is shared with holds.
    public const string Refunded = "refunded";
    public const string Rejected = "rejected";

    // Rejection codes (schema RefundRejectCode): why a bank refused a refund.
    public const string HoldNotCaptured = "HOLD_NOT_CAPTURED";
    public const string AmountExceedsHold = "AMOUNT_EXCEEDS_HOLD";
    public const string AccountMismatch = "ACCOUNT_MISMATCH";

    /// <summary>A refund id asked again with other content (409).</summary>
    public const string RefundIdConflict = "REFUND_ID_CONFLICT";

    // Problem codes of refused requests (400, 401).
    public const string SignatureMissing = "SIGNATURE_MISSING";
    public const string SignatureInvalid = "SIGNATURE_INVALID";
    public const string TimestampOutOfWindow = "TIMESTAMP_OUT_OF_WINDOW";
    public const string InvalidHoldId = "INVALID_HOLD_ID";
    public const string InvalidAmount = "INVALID_AMOUNT";
    public const string UnsupportedCurrency = "UNSUPPORTED_CURRENCY";
    public const string InvalidField = "INVALID_FIELD";
    public const string MissingField = "MISSING_FIELD";
    public const string MalformedBody = "MALFORMED_BODY";

    public static IReadOnlyList<string> DeclineCodes { get; } = [InsufficientFunds, AccountNotFound, AccountBlocked, LimitExceeded];

    public static IReadOnlyList<string> Statuses { get; } = [Held, Declined, Captured, Voided, NotFound];

    public static IReadOnlyList<string> RefundStatuses { get; } = [Refunded, Rejected, NotFound];

    public static IReadOnlyList<string> RefundRejectCodes { get; } = [HoldNotCaptured, AccountMismatch, AmountExceedsHold, AccountNotFound];

    // Paths relative to a bank's base URL (which ends with '/').
    public const string HoldsPath = "holds";

    public static string HoldPath(string holdId) => "holds/" + holdId;

    public static string CapturePath(string holdId) => "holds/" + holdId + "/capture";

    public static string VoidPath(string holdId) => "holds/" + holdId + "/void";

    public const string RefundsPath = "refunds";

    public static string RefundPath(string refundId) => "refunds/" + refundId;

    /// <summary>Whether a hold id is well formed: 1–64 of <c>A–Z a–z 0–9 - _</c> (no escaping, no dot segments).</summary>
    public static bool IsValidHoldId(string? holdId)
    {
        if (holdId is not { Length: > 0 and <= MaxHoldIdLength })
        {
            return false;
        }

        foreach (char c in holdId)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not '-' and not '_')
            {
                return false;
            }
        }

        return true;
    }

    public static string ToWire(this RefundStatus status) => status switch
    {
        RefundStatus.Refunded => Refunded,
        RefundStatus.Rejected => Rejected,
        RefundStatus.NotFound => NotFound,
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, null),
    };

    /// <summary>A refund status word as the wire writes it, exactly.</summary>
    public static RefundStatus? ParseRefundStatus(string? status) => status switch
    {
        Refunded => RefundStatus.Refunded,
        Rejected => RefundStatus.Rejected,
        NotFound => RefundStatus.NotFound,
        _ => null,
    };

    public static string ToWire(this HoldStatus status) => status switch
    {
        HoldStatus.Held => Held,
        HoldStatus.Declined => Declined,
        HoldStatus.Captured => Captured,
        HoldStatus.Voided => Voided,
        HoldStatus.NotFound => NotFound,
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, null),
    };

    /// <summary>A status word as the wire writes it (exactly; a bank that writes it otherwise sent a malformed answer).</summary>
    public static HoldStatus? ParseStatus(string? status) => status switch
    {
        Held => HoldStatus.Held,
        Declined => HoldStatus.Declined,
        Captured => HoldStatus.Captured,
        Voided => HoldStatus.Voided,
        NotFound => HoldStatus.NotFound,
        _ => null,
    };
}

/// <summary>The six calls of the bank API (its paths in <see cref="BankWire"/>), as logs name them.</summary>
public enum BankOperation
{
    Hold,
    Capture,
    Void,
    Status,
    Refund,
    RefundStatus,
}

/// <summary>The body of <c>POST holds</c>.</summary>
public sealed record HoldRequestBody(string? HoldId, string? AccountRef, long? AmountCents, string? Currency, string? Reference);

/// <summary>The body of every answer about a hold (200, 404, 409).</summary>
public sealed record HoldAnswerBody(string HoldId, string Status, string? Code = null, string? Message = null, long? AmountCents = null);

/// <summary>The body of <c>POST refunds</c>.</summary>
public sealed record RefundRequestBody(string? RefundId, string? HoldId, string? AccountRef, long? AmountCents, string? Currency, string? Reference);

/// <summary>The body of every answer about a refund (200, 404, 409).</summary>
public sealed record RefundAnswerBody(string RefundId, string Status, string? Code = null, string? Message = null, long? AmountCents = null);

/// <summary>An RFC 9457 problem as the bank API writes it (400, 401, 5xx).</summary>
public sealed record BankProblemBody(string Type, string Title, int Status, string Detail, string Code, string? Field = null);

/// <summary>Source-generated JSON for the wire types: camelCase, nulls left out, numbers as numbers only.</summary>
[JsonSourceGenerationOptions(
    JsonSerializerDefaults.Web,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.Strict)]
[JsonSerializable(typeof(HoldRequestBody))]
[JsonSerializable(typeof(HoldAnswerBody))]
[JsonSerializable(typeof(BankProblemBody))]
[JsonSerializable(typeof(RefundRequestBody))]
[JsonSerializable(typeof(RefundAnswerBody))]
public sealed partial class BankWireJson : JsonSerializerContext;
