using System.Text.RegularExpressions;
using Mbushja.Domain;

namespace Mbushja.Sms;

/// <summary>What a placeholder of a form's pattern stands for.</summary>
public enum Slot
{
    /// <summary><c>{amount}</c>: 5, 5€, 5 EUR, 2.50, 2,50.</summary>
    Amount,

    /// <summary><c>{mobile}</c>: an operator mobile number in any form <see cref="NumberingPlan"/> accepts.</summary>
    Mobile,

    /// <summary><c>{fixed}</c>: a fixed-line number.</summary>
    Fixed,

    /// <summary><c>{account}</c>: a username, contract name or SMART card, kept exactly as written.</summary>
    Account,
}

/// <summary>
/// One word of a pattern: a keyword (matched ignoring case), one placeholder, or a number placeholder with the
/// amount written right after it (<c>{mobile}{amount}</c>: <c>0491234565</c>).
/// </summary>
public sealed record FormWord(string? Keyword, Slot? Slot, bool AmountGlued)
{
    public override string ToString() => Keyword ?? ("{" + Slot.ToString()!.ToLowerInvariant() + "}" + (AmountGlued ? "{amount}" : ""));
}

/// <summary>
/// One form of a bank's SMS grammar, declared in the bank's file: a pattern such as <c>{mobile} {amount}</c> or <c>ipko
/// {account} tv</c>, the kind of service it tops up, and whether several parts may be joined by <c>#</c>.
/// </summary>
public sealed partial class SmsForm
{
    /// <summary>The code of a pattern that the pattern language cannot read (a configuration mistake, never customer input).</summary>
    public const string InvalidPattern = "INVALID_PATTERN";

    private SmsForm(string pattern, TargetKind kind, bool multi, IReadOnlyList<FormWord> words, IReadOnlyList<string> examples)
    {
        Pattern = pattern;
        Kind = kind;
        Multi = multi;
        Words = words;
        Examples = examples;
    }

    public string Pattern { get; }

    public TargetKind Kind { get; }

    /// <summary>True when a part of this form may be joined with others by <c>#</c>.</summary>
    public bool Multi { get; }

    public IReadOnlyList<FormWord> Words { get; }

    /// <summary>Texts this form must read (checked when the configuration loads).</summary>
    public IReadOnlyList<string> Examples { get; }

    public bool Has(Slot slot) => Words.Any(w => w.Slot == slot || (slot == Slot.Amount && w.AmountGlued));

    public override string ToString() => Pattern;

    /// <summary>Reads a pattern; the error says what is wrong with it in the words of the pattern language.</summary>
    public static ParseResult<SmsForm> Create(string? pattern, TargetKind kind, bool multi, IReadOnlyList<string>? examples = null)
    {
        string[] texts = (pattern ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (texts.Length == 0)
        {
            return Invalid("the pattern is empty.");
        }

        var words = new List<FormWord>(texts.Length);
        foreach (string text in texts)
        {
            FormWord? word = ReadWord(text);
            if (word is null)
            {
                return Invalid($"'{text}' is neither a keyword nor one of {{amount}}, {{mobile}}, {{fixed}}, {{account}}, {{mobile}}{{amount}}, {{fixed}}{{amount}}.");
            }

            words.Add(word);
        }

        var form = new SmsForm(string.Join(' ', texts), kind, multi, words, examples ?? []);
        foreach (Slot slot in Enum.GetValues<Slot>())
        {
            int count = words.Count(w => w.Slot == slot) + (slot == Slot.Amount ? words.Count(w => w.AmountGlued) : 0);
            if (count > 1)
            {
                return Invalid($"{{{slot.ToString().ToLowerInvariant()}}} appears more than once.");
            }
        }

        bool mobile = form.Has(Slot.Mobile), fixedNumber = form.Has(Slot.Fixed), account = form.Has(Slot.Account), amount = form.Has(Slot.Amount);
        string? wrong = kind switch
        {
            TargetKind.Mobile when !amount || fixedNumber || account => "a mobile form has {amount}, optionally {mobile} (else the sender's number), and nothing else.",
            TargetKind.Fixed when mobile || (fixedNumber == account) || (fixedNumber && !amount) =>
                "a fixed form has {fixed} and {amount}, or {account} with an optional {amount}.",
            TargetKind.Internet or TargetKind.Tv or TargetKind.Duo when mobile || fixedNumber || amount =>
                "an internet, tv or duo form has an optional {account} (else the registered account) and no number or amount.",
            _ => null,
        };
        return wrong is null ? ParseResult<SmsForm>.Ok(form) : Invalid(wrong);

        static ParseResult<SmsForm> Invalid(string why) => ParseResult<SmsForm>.Fail(InvalidPattern, why);
    }

    private static FormWord? ReadWord(string text)
    {
        if (!text.Contains('{', StringComparison.Ordinal) && !text.Contains('}', StringComparison.Ordinal))
        {
            return text.Contains('#', StringComparison.Ordinal) ? null : new FormWord(text, null, false);
        }

        return text.ToLowerInvariant() switch
        {
            "{amount}" => new FormWord(null, Slot.Amount, false),
            "{mobile}" => new FormWord(null, Slot.Mobile, false),
            "{fixed}" => new FormWord(null, Slot.Fixed, false),
            "{account}" => new FormWord(null, Slot.Account, false),
            "{mobile}{amount}" => new FormWord(null, Slot.Mobile, true),
            "{fixed}{amount}" => new FormWord(null, Slot.Fixed, true),
            _ => null,
        };
    }

    /// <summary>
    /// Matches the words of one part (already split on blanks) by their shape alone; the values (is the number an
    /// operator's, is the amount within limits) are judged by the caller. Null when the shape does not fit.
    /// </summary>
    internal Captures? Match(IReadOnlyList<string> tokens, int nationalLength)
    {
        var captures = new Captures();
        return Match(0, 0, tokens, nationalLength, captures) ? captures : null;
    }

    private bool Match(int w, int t, IReadOnlyList<string> tokens, int nationalLength, Captures captures)
    {
        if (w == Words.Count)
        {
            return t == tokens.Count;
        }

        if (t >= tokens.Count)
        {
            return false;
        }

        FormWord word = Words[w];
        string token = tokens[t];
        if (word.Keyword is not null)
        {
            return string.Equals(token, word.Keyword, StringComparison.OrdinalIgnoreCase) && Match(w + 1, t + 1, tokens, nationalLength, captures);
        }

        string? number = null, amount = null;
        switch (word.Slot)
        {
            case Slot.Account:
                captures.Account = token;
                return Match(w + 1, t + 1, tokens, nationalLength, captures);
            case Slot.Amount:
                amount = token;
                break;
            case Slot.Mobile or Slot.Fixed when word.AmountGlued:
                // 049xxxxxx5: a national number is exactly nationalLength + 1 digits with its 0, nationalLength without.
                int length = token.StartsWith('0') ? nationalLength + 1 : nationalLength;
                if (token.Length <= length || token.AsSpan(0, length).ContainsAnyExceptInRange('0', '9'))
                {
                    return false;
                }

                number = token[..length];
                amount = token[length..];
                break;
            default:
                if (!IsNumberShaped(token))
                {
                    return false;
                }

                number = token;
                break;
        }

        if (number is not null)
        {
            captures.Number = number;
        }

        if (amount is null)
        {
            return Match(w + 1, t + 1, tokens, nationalLength, captures);
        }

        if (!IsAmountShaped(amount))
        {
            return false;
        }

        // "5 EUR" and "5 €": the currency may stand as a word of its own after the amount.
        if (t + 1 < tokens.Count && IsCurrency(tokens[t + 1]))
        {
            captures.Amount = amount + tokens[t + 1];
            if (Match(w + 1, t + 2, tokens, nationalLength, captures))
            {
                return true;
            }
        }

        captures.Amount = amount;
        return Match(w + 1, t + 1, tokens, nationalLength, captures);
    }

    /// <summary>Digits with an optional leading <c>+</c>: anything else is not a number a subscriber wrote.</summary>
    public static bool IsNumberShaped(string token) => NumberShape().IsMatch(token);

    /// <summary>
    /// Looks like an amount, valid or not (<c>5</c>, <c>2,50</c>, <c>-5</c>, <c>1e9</c>, <c>5.555</c>), so that a bad
    /// amount is refused as one rather than as an unknown command. At most 7 whole digits: longer is a number.
    /// </summary>
    public static bool IsAmountShaped(string token) => AmountShape().IsMatch(token);

    public static bool IsCurrency(string token) => token == "€" || token.Equals("EUR", StringComparison.OrdinalIgnoreCase);

    [GeneratedRegex(@"^\+?[0-9]{4,15}$", RegexOptions.CultureInvariant)]
    private static partial Regex NumberShape();

    [GeneratedRegex(@"^[+-]?[0-9]{1,7}([.,][0-9]+)?([eE][+-]?[0-9]+)?(€|[eE][uU][rR])?$", RegexOptions.CultureInvariant)]
    private static partial Regex AmountShape();
}

/// <summary>What the placeholders of a form captured from a part, exactly as written.</summary>
internal sealed class Captures
{
    public string? Number { get; set; }

    public string? Amount { get; set; }

    public string? Account { get; set; }
}
