using Mbushja.Domain;

namespace Mbushja.Sms;

/// <summary>What a sender proves a confirmation with: a one-time code sent by SMS, or a PIN set at the bank's branch.</summary>
public enum ConfirmationMethod
{
    /// <summary>A random one-time code in the confirmation request.</summary>
    Code,

    /// <summary>The sender's PIN, set at the branch (registration API or console); the request carries no code.</summary>
    Pin,
}

/// <summary>
/// A bank's confirmation of larger top-ups (README "Confirmation above a threshold"; docs/design/confirmation.md): a
/// top-up above <see cref="Threshold"/>, or one that would take the sender past <see cref="MaxPayments"/> payments or
/// <see cref="MaxSum"/> since the last confirmation, waits for a reply "<see cref="Words"/> code" within
/// <see cref="Window"/>. The bank file's <c>"confirmation"</c> object; a bank without one asks for none.
/// </summary>
public sealed record BankConfirmation
{
    /// <summary>PSD2's limits for payments without strong customer authentication: what a bare <c>"confirmation": {}</c> gets.</summary>
    public static BankConfirmation Default { get; } = new();

    /// <summary>A top-up of more than this asks for a confirmation.</summary>
    public Money Threshold { get; init; } = Money.FromCents(3000);

    /// <summary>Payments a sender makes unconfirmed since the last confirmation; the next one asks for one.</summary>
    public int MaxPayments { get; init; } = 5;

    /// <summary>What a sender pays unconfirmed since the last confirmation; a top-up that would pass it asks for one.</summary>
    public Money MaxSum { get; init; } = Money.FromCents(10000);

    /// <summary>How long the confirmation may take.</summary>
    public TimeSpan Window { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Wrong codes that cancel the top-up.</summary>
    public int MaxAttempts { get; init; } = 3;

    public ConfirmationMethod Method { get; init; } = ConfirmationMethod.Code;

    /// <summary>The word that begins a confirmation, per language; any of them is accepted from anyone.</summary>
    public IReadOnlyDictionary<Language, string> Words { get; init; } =
        new Dictionary<Language, string> { [Language.Sq] = "PO", [Language.En] = "YES", [Language.Sr] = "DA" };

    /// <summary>The word the request tells a sender of <paramref name="language"/> to write.</summary>
    public string WordFor(Language language) => Words.TryGetValue(language, out string? word) ? word : Words.Values.First();

    /// <summary>
    /// Whether <paramref name="text"/> is a confirmation: one of the <see cref="Words"/> (any case), then what proves it
    /// (the code or PIN: the rest of the text, spaces removed; empty when there is none).
    /// </summary>
    public bool IsConfirmation(string? text, out string secret)
    {
        secret = "";
        string[] parts = (text ?? "").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0 || !Words.Values.Any(w => string.Equals(w, parts[0], StringComparison.OrdinalIgnoreCase)))
        {
            return false;
        }

        secret = string.Concat(parts.Skip(1));
        return true;
    }

    /// <summary>The bank file's object, checked; every mistake goes to <paramref name="errors"/>.</summary>
    internal static BankConfirmation? Read(ConfirmationFile? file, string where, List<string> errors)
    {
        if (file is null)
        {
            return null;
        }

        int before = errors.Count;
        BankConfirmation c = Default;
        if (file.ThresholdAmount is not null)
        {
            c = Money.ParseAmount(file.ThresholdAmount).TryGetValue(out Money threshold)
                ? c with { Threshold = threshold }
                : Fail(c, "thresholdAmount must be an amount");
        }

        if (file.MaxSumAmount is not null)
        {
            c = Money.ParseAmount(file.MaxSumAmount).TryGetValue(out Money sum) ? c with { MaxSum = sum } : Fail(c, "maxSumAmount must be an amount");
        }

        if (file.MaxPayments is { } payments)
        {
            c = payments is >= 1 and <= 1000 ? c with { MaxPayments = payments } : Fail(c, "maxPayments must be 1 to 1000");
        }

        if (file.WindowSeconds is { } seconds)
        {
            c = seconds is >= 30 and <= 3600 ? c with { Window = TimeSpan.FromSeconds(seconds) } : Fail(c, "windowSeconds must be 30 to 3600");
        }

        if (file.MaxAttempts is { } attempts)
        {
            c = attempts is >= 1 and <= 10 ? c with { MaxAttempts = attempts } : Fail(c, "maxAttempts must be 1 to 10");
        }

        if (file.Method is not null)
        {
            c = file.Method.Trim().ToUpperInvariant() switch
            {
                "CODE" => c with { Method = ConfirmationMethod.Code },
                "PIN" => c with { Method = ConfirmationMethod.Pin },
                _ => Fail(c, $"method '{file.Method}' is not code or pin"),
            };
        }

        if (file.Words is not null)
        {
            var words = new Dictionary<Language, string>();
            var written = new HashSet<Language>();
            foreach (KeyValuePair<string, string?> entry in file.Words)
            {
                if (!DomainNames.ParseLanguage(entry.Key).TryGetValue(out Language language))
                {
                    Fail(c, $"words: '{entry.Key}' is not sq, en or sr");
                }
                else if (!written.Add(language))
                {
                    Fail(c, $"words: '{entry.Key}' is there twice");
                }
                else if (string.IsNullOrWhiteSpace(entry.Value) || !entry.Value.Trim().All(char.IsLetter))
                {
                    Fail(c, $"words.{entry.Key} must be one word of letters");
                }
                else
                {
                    words[language] = entry.Value.Trim();
                }
            }

            foreach (Language missing in Enum.GetValues<Language>().Where(l => !written.Contains(l)))
            {
                Fail(c, $"words: the word in '{missing.ToWire()}' is missing");
            }

            c = c with { Words = words };
        }

        if (c.Threshold > c.MaxSum)
        {
            Fail(c, "thresholdAmount must not be above maxSumAmount");
        }

        return errors.Count > before ? null : c;

        BankConfirmation Fail(BankConfirmation unchanged, string message)
        {
            errors.Add($"{where}: confirmation: {message}.");
            return unchanged;
        }
    }
}

/// <summary>A bank file's <c>"confirmation"</c> object as written; every field optional (<see cref="BankConfirmation.Default"/>).</summary>
internal sealed record ConfirmationFile(
    string? ThresholdAmount,
    int? MaxPayments,
    string? MaxSumAmount,
    int? WindowSeconds,
    int? MaxAttempts,
    string? Method,
    Dictionary<string, string?>? Words);
