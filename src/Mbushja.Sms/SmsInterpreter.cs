using Mbushja.Domain;

namespace Mbushja.Sms;

/// <summary>
/// Reads an SMS sent to a bank's short code. This first cut knows the forms every bank shares — a bare amount (the
/// sender's own number) and <c>&lt;mobile&gt; &lt;amount&gt;</c>, several joined by <c>#</c>; the bank grammars
/// of SPEC §4 come next, as data. Never throws on any text.
/// </summary>
public sealed class SmsInterpreter(BankDirectory banks, NumberingPlan numbering)
{
    /// <summary>Longest text read; a longer one is refused, not parsed.</summary>
    public const int MaxTextLength = 480;

    public SmsInterpretation Interpret(string? shortCode, string? from, string? text)
    {
        Bank? bank = banks.ByShortCode(shortCode);
        if (bank is null)
        {
            return Fail(null, ErrorCodes.UnknownShortCode, $"No bank has the short code '{shortCode}'.");
        }

        ParseResult<Msisdn> senderNumber = numbering.ParseMsisdn(from);
        if (!senderNumber.Success)
        {
            return Fail(bank, senderNumber.Error.Code, $"The sender: {senderNumber.Error.Message}");
        }

        Msisdn sender = senderNumber.Value;

        string body = (text ?? "").Trim();
        if (body.Length is 0 or > MaxTextLength)
        {
            return Fail(bank, ErrorCodes.UnknownCommand, body.Length == 0 ? "The message is empty." : "The message is too long.");
        }

        string[] parts = body.Split('#', StringSplitOptions.TrimEntries);
        var targets = new List<TopUpTarget>(parts.Length);
        foreach (string part in parts)
        {
            string[] words = part.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            ParseResult<TopUpTarget> target = (words.Length, parts.Length) switch
            {
                // "5", and "5 EUR" / "5 €" with the currency as a word of its own (SPEC §4).
                (1, 1) or (2, 1) when words.Length == 1 || IsCurrency(words[1]) => Amount(bank, string.Concat(words)) is var a && a.Success
                    ? ParseResult<TopUpTarget>.Ok(TopUpTarget.Mobile(sender, a.Value))
                    : ParseResult<TopUpTarget>.Fail(a.Error!),
                (2, _) or (3, _) => MobileAndAmount(bank, words),
                _ => ParseResult<TopUpTarget>.Fail(ErrorCodes.UnknownCommand, $"'{part}' is not a top-up: write the amount, or the number and the amount."),
            };
            if (!target.Success)
            {
                return Fail(bank, target.Error.Code, target.Error.Message);
            }

            targets.Add(target.Value);
        }

        return new SmsInterpretation(bank, new SmsCommand(TargetKind.Mobile, targets), null);
    }

    private ParseResult<TopUpTarget> MobileAndAmount(Bank bank, string[] words)
    {
        // "049123456 5", "049123456 5 EUR", "049123456 5 €"
        string amountText = words.Length == 3 ? words[1] + words[2] : words[1];
        ParseResult<Msisdn> msisdn = numbering.ParseMsisdn(words[0]);
        if (!msisdn.Success)
        {
            return words[0].Any(char.IsAsciiDigit)
                ? ParseResult<TopUpTarget>.Fail(msisdn.Error)
                : ParseResult<TopUpTarget>.Fail(ErrorCodes.UnknownCommand, $"'{string.Join(' ', words)}' is not a top-up.");
        }

        ParseResult<Money> amount = Amount(bank, amountText);
        return amount.Success ? ParseResult<TopUpTarget>.Ok(TopUpTarget.Mobile(msisdn.Value, amount.Value)) : ParseResult<TopUpTarget>.Fail(amount.Error);
    }

    /// <summary>An amount as subscribers write it (<c>5</c>, <c>5€</c>, <c>5 EUR</c>, <c>2,50</c>) within the bank's limits.</summary>
    public static ParseResult<Money> Amount(Bank bank, string text)
    {
        ReadOnlySpan<char> s = text.AsSpan().Trim();
        if (s.EndsWith("€"))
        {
            s = s[..^1];
        }
        else if (s.EndsWith("EUR", StringComparison.OrdinalIgnoreCase))
        {
            s = s[..^3];
        }

        ParseResult<Money> amount = Money.ParseAmount(s);
        if (!amount.Success)
        {
            // "0", "-5", "5.555", "1e9" are amounts a bank cannot take; "abc" is no amount at all.
            ReadOnlySpan<char> trimmed = s.Trim();
            bool looksNumeric = trimmed.Length > 0 && trimmed.IndexOfAnyExcept(AmountLike) < 0 && trimmed.IndexOfAny(Digits) >= 0;
            return looksNumeric
                ? ParseResult<Money>.Fail(ErrorCodes.AmountOutOfRange, $"'{text}' is not an amount between {bank.MinAmount} and {bank.MaxAmount}.")
                : ParseResult<Money>.Fail(ErrorCodes.UnknownCommand, $"'{text}' is not an amount.");
        }

        return amount.Value < bank.MinAmount || amount.Value > bank.MaxAmount
            ? ParseResult<Money>.Fail(ErrorCodes.AmountOutOfRange, $"{amount.Value} is outside {bank.Name}'s limits of {bank.MinAmount} to {bank.MaxAmount}.")
            : amount;
    }

    private static bool IsCurrency(string word) => word == "€" || word.Equals("EUR", StringComparison.OrdinalIgnoreCase);

    private static readonly System.Buffers.SearchValues<char> AmountLike = System.Buffers.SearchValues.Create("0123456789.,-+eE");
    private static readonly System.Buffers.SearchValues<char> Digits = System.Buffers.SearchValues.Create("0123456789");

    private static SmsInterpretation Fail(Bank? bank, string code, string message) => new(bank, null, new ParseError(code, message));
}
