using System.Diagnostics.CodeAnalysis;
using Mbushja.Messaging;

namespace Mbushja.TopUp;

/// <summary>
/// The platform's id of an inbound SMS (a UUIDv7 in lower-case hex), and every id and reference made from it: the
/// reference a reply quotes, the hold id a bank knows, the ids of the message's ledger transfers and of a reversal's
/// refund. One id, so a retry anywhere makes the same transfer or asks the bank the same thing, never a second.
/// </summary>
public readonly record struct TransactionId
{
    /// <summary>Longest id a caller may quote (lookups refuse longer text at once).</summary>
    public const int MaxLength = 64;

    private TransactionId(string value) => Value = value;

    public string Value { get; }

    public static TransactionId New() => new(Guid.CreateVersion7().ToString("N"));

    /// <summary>An id as stored (trusted: read back from the database).</summary>
    public static TransactionId FromStored(string value)
    {
        ArgumentException.ThrowIfNullOrEmpty(value);
        return new(value);
    }

    /// <summary>An id as a caller quotes it (an API path, a console link): trimmed and lower-cased; false when it cannot be one.</summary>
    public static bool TryParse([NotNullWhen(true)] string? text, out TransactionId id)
    {
        string trimmed = text?.Trim() ?? "";
        id = default;
        if (trimmed.Length is 0 or > MaxLength || !trimmed.All(char.IsAsciiLetterOrDigit))
        {
            return false;
        }

        id = new(trimmed.ToLowerInvariant());
        return true;
    }

    /// <summary>The reference the reply quotes (the last eight hex digits, upper case): what a subscriber reads out to customer care.</summary>
    public string ShortRef => MessageFormat.Reference(Value);

    /// <summary>The text the bank may show on the holder's statement for the hold: the operator's name and the reference.</summary>
    public string BankReference(string operatorName) => $"{operatorName} {ShortRef}";

    /// <summary>The text the bank may show for a reversal's refund.</summary>
    public string RefundReference(string operatorName) => $"{operatorName} reversal {ShortRef}";

    /// <summary>The pending transfer that stands for the bank's hold: bank → clearing, the message's total.</summary>
    public string HoldTransfer => $"sms:{Value}:hold";

    /// <summary>The post of the hold, once the bank captured it.</summary>
    public string CaptureTransfer => $"sms:{Value}:capture";

    /// <summary>The void of the hold, once the bank declined or released it.</summary>
    public string VoidTransfer => $"sms:{Value}:void";

    /// <summary>The <paramref name="n"/>-th credit of the message's plan (from 1): clearing → the target.</summary>
    public string CreditTransfer(int n) => $"sms:{Value}:{n}";

    /// <summary>The <paramref name="n"/>-th transfer of a reversal, the inverse of the <paramref name="n"/>-th credit.</summary>
    public string ReversalTransfer(int n) => $"reversal:{Value}:{n}";

    /// <summary>The id the bank knows a reversal's refund by.</summary>
    public string RefundId => "rf-" + Value;

    public override string ToString() => Value;
}
