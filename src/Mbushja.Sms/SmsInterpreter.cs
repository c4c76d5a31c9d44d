using Mbushja.Domain;

namespace Mbushja.Sms;

/// <summary>
/// Reads an SMS sent to a bank's short code with that bank's grammar: the forms declared in its file, one or several
/// parts joined by <c>#</c>, validated whole. Never throws on any text.
/// </summary>
public sealed class SmsInterpreter
{
    /// <summary>Longest text read; a longer one is refused, not parsed.</summary>
    public const int MaxTextLength = 480;

    private readonly BankDirectory _banks;
    private readonly NumberingPlan _numbering;

    /// <summary>
    /// Throws <see cref="ConfigurationException"/> when a bank's grammar could read one text two ways, or a form's
    /// example is not read by that form: a grammar is checked once, when the configuration is loaded.
    /// </summary>
    public SmsInterpreter(BankDirectory banks, NumberingPlan numbering)
    {
        _banks = banks;
        _numbering = numbering;
        GrammarCheck.Verify(this, banks.Banks, numbering);
    }

    public SmsInterpretation Interpret(string? shortCode, string? from, string? text)
    {
        Bank? bank = _banks.ByShortCode(shortCode);
        if (bank is null)
        {
            return Fail(null, ErrorCodes.UnknownShortCode, $"No bank has the short code '{Quote(shortCode ?? "")}'.");
        }

        ParseResult<Msisdn> senderNumber = _numbering.ParseMsisdn(from);
        if (!senderNumber.Success)
        {
            return Fail(bank, senderNumber.Error.Code, $"The sender: {senderNumber.Error.Message}");
        }

        Reading reading = Read(bank, senderNumber.Value, text);
        return reading.Error is null
            ? new SmsInterpretation(bank, reading.Command, null)
            : new SmsInterpretation(bank, null, reading.Error) { Part = reading.Part };
    }

    /// <summary>
    /// A text that begins with its bank's renewal words (<see cref="RenewalSettings"/>: <c>AUTO internet drita</c>,
    /// <c>STOP AUTO</c>), with what follows them read by the bank's grammar; null for any other text, which
    /// <see cref="Interpret"/> reads. The stop words are tried first (they may begin with the start words' letters).
    /// </summary>
    public RenewalReading? ReadRenewal(string? shortCode, string? from, string? text)
    {
        Bank? bank = _banks.ByShortCode(shortCode);
        string body = (text ?? "").Trim();
        if (bank is not { Renewal.Enabled: true } || body.Length is 0 or > MaxTextLength || body.Contains('#', StringComparison.Ordinal))
        {
            return null;
        }

        string[] tokens = Tokens(body);
        (RenewalAction action, int skip) = RenewalSettings.StartsWith(tokens, bank.Renewal.Stop)
            ? (RenewalAction.Stop, bank.Renewal.Stop.Count)
            : RenewalSettings.StartsWith(tokens, bank.Renewal.Start) ? (RenewalAction.Start, bank.Renewal.Start.Count) : (default, -1);
        if (skip < 0)
        {
            return null;
        }

        string rest = string.Join(' ', tokens.Skip(skip));
        return new RenewalReading(bank, action, rest, rest.Length == 0 ? null : Interpret(shortCode, from, rest));
    }

    /// <summary>How a whole text was read: the command and the form of each part, or why it was refused.</summary>
    internal sealed record Reading(SmsCommand? Command, IReadOnlyList<SmsForm> Forms, ParseError? Error)
    {
        public RefusedPart? Part { get; init; }
    }

    /// <summary>How one part was read; <see cref="Depth"/> ranks errors (a number of the wrong kind is the shallowest).</summary>
    internal sealed record PartReading(SmsForm? Form, TopUpTarget? Target, ParseError? Error, int Depth);

    internal Reading Read(Bank bank, Msisdn sender, string? text)
    {
        string body = (text ?? "").Trim();
        if (body.Length is 0 or > MaxTextLength)
        {
            string why = body.Length == 0 ? "The message is empty." : $"The message is longer than {MaxTextLength} characters.";
            return Refused(ErrorCodes.UnknownCommand, $"{why} {bank.HelpText(Language.En)}");
        }

        string[] parts = body.Split('#');
        var readings = parts.Select(p => ReadPart(bank, sender, Tokens(p))).ToList();
        if (parts.Length == 1)
        {
            PartReading only = readings[0];
            return only.Error is null
                ? new Reading(new SmsCommand(only.Form!.Kind, [only.Target!]), [only.Form], null)
                : Refused(only.Error.Code, only.Error.Code == ErrorCodes.UnknownCommand
                    ? $"'{Quote(body)}' is not a {bank.Name} top-up. {bank.HelpText(Language.En)}"
                    : only.Error.Message);
        }

        // A multi-part message is validated whole: every bad part is named, and nothing is topped up.
        var problems = new List<(int Part, ParseError Error)>();
        TargetKind? kind = readings.FirstOrDefault(r => r.Error is null)?.Form!.Kind;
        for (int i = 0; i < readings.Count; i++)
        {
            PartReading r = readings[i];
            ParseError? error = r.Error switch
            {
                null when !r.Form!.Multi => new ParseError(ErrorCodes.UnknownCommand, $"'{r.Form.Pattern}' cannot be joined with other parts by '#'"),
                null when r.Form.Kind != kind => new ParseError(ErrorCodes.UnknownCommand, $"a {Name(r.Form.Kind)} top-up cannot be joined with a {Name(kind!.Value)} one"),
                null => null,
                { Code: ErrorCodes.UnknownCommand } when parts[i].Trim().Length == 0 => new ParseError(ErrorCodes.UnknownCommand, "the part is empty"),
                { Code: ErrorCodes.UnknownCommand } => new ParseError(ErrorCodes.UnknownCommand, "not a top-up"),
                _ => r.Error,
            };
            if (error is not null)
            {
                problems.Add((i, error));
            }
        }

        if (problems.Count == 0)
        {
            return new Reading(new SmsCommand(kind!.Value, [.. readings.Select(r => r.Target!)]), [.. readings.Select(r => r.Form!)], null);
        }

        string list = string.Join("; ", problems.Select(p => $"part {p.Part + 1} of {parts.Length} ('{Quote(parts[p.Part].Trim())}'): {p.Error.Message.TrimEnd('.')}"));
        bool unknown = problems[0].Error.Code == ErrorCodes.UnknownCommand;
        return Refused(problems[0].Error.Code, $"Nothing was topped up: {list}.{(unknown ? " " + bank.HelpText(Language.En) : "")}") with
        {
            Part = new RefusedPart(problems[0].Part + 1, parts.Length, parts[problems[0].Part].Trim()),
        };
    }

    /// <summary>
    /// Reads one part with every form whose shape fits it. The first form that reads it wholly wins (the grammar
    /// check makes sure there is at most one); else the deepest reason is given, so that <c>044123456 5</c> is "not
    /// an operator number" rather than "not a fixed-line number".
    /// </summary>
    internal PartReading ReadPart(Bank bank, Msisdn sender, IReadOnlyList<string> tokens)
    {
        PartReading? best = null;
        foreach (SmsForm form in bank.Forms)
        {
            if (tokens.Count == 0 || form.Match(tokens, _numbering.NationalLength) is not { } captures)
            {
                continue;
            }

            PartReading reading = Resolve(bank, sender, form, captures);
            if (reading.Error is null)
            {
                return reading;
            }

            if (best is null || reading.Depth > best.Depth)
            {
                best = reading;
            }
        }

        return best ?? new PartReading(null, null, new ParseError(ErrorCodes.UnknownCommand, "not a top-up"), 0);
    }

    /// <summary>The forms that read one part wholly: more than one means the grammar is ambiguous.</summary>
    internal IEnumerable<SmsForm> FormsReading(Bank bank, Msisdn sender, IReadOnlyList<string> tokens) =>
        bank.Forms.Where(f => f.Match(tokens, _numbering.NationalLength) is { } c && Resolve(bank, sender, f, c).Error is null);

    private PartReading Resolve(Bank bank, Msisdn sender, SmsForm form, Captures captures)
    {
        Money? amount = null;
        Msisdn? msisdn = null;
        FixedNumber? number = null;
        if (form.Has(Slot.Mobile))
        {
            ParseResult<Msisdn> read = _numbering.ParseMsisdn(captures.Number);
            if (!read.Success)
            {
                return Refuse(read.Error, _numbering.ParseFixed(captures.Number).Success ? 1 : 2);
            }

            msisdn = read.Value;
        }
        else if (form.Kind == TargetKind.Mobile)
        {
            msisdn = sender;
        }

        if (form.Has(Slot.Fixed))
        {
            ParseResult<FixedNumber> read = _numbering.ParseFixed(captures.Number);
            if (!read.Success)
            {
                ParseResult<Msisdn> mobile = _numbering.ParseMsisdn(captures.Number);
                bool isMobile = mobile.Success || mobile.Error.Code == ErrorCodes.NotOperatorNumber;
                return Refuse(read.Error, isMobile ? 1 : 2);
            }

            number = read.Value;
        }

        if (form.Has(Slot.Amount))
        {
            ParseResult<Money> read = Amount(bank, captures.Amount ?? "");
            if (!read.Success)
            {
                return Refuse(read.Error, 2);
            }

            amount = read.Value;
        }

        TopUpTarget target = (msisdn, number) switch
        {
            ({ } m, _) => TopUpTarget.Mobile(m, amount!.Value),
            (_, { } n) => TopUpTarget.Fixed(n, amount!.Value),
            _ when form.Has(Slot.Account) => TopUpTarget.ForAccount(captures.Account!, amount),
            _ => TopUpTarget.RegisteredAccount(),
        };
        return new PartReading(form, target, null, 3);

        PartReading Refuse(ParseError error, int depth) => new(form, null, error, depth);
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
                ? ParseResult<Money>.Fail(ErrorCodes.AmountOutOfRange, $"'{Quote(text)}' is not an amount between {bank.MinAmount} and {bank.MaxAmount}.")
                : ParseResult<Money>.Fail(ErrorCodes.UnknownCommand, $"'{Quote(text)}' is not an amount.");
        }

        return amount.Value < bank.MinAmount || amount.Value > bank.MaxAmount
            ? ParseResult<Money>.Fail(ErrorCodes.AmountOutOfRange, $"{amount.Value} is outside {bank.Name}'s limits of {bank.MinAmount} to {bank.MaxAmount}.")
            : amount;
    }

    /// <summary>The words of a part: any run of blanks separates them, so repeated and surrounding spaces do not matter.</summary>
    internal static string[] Tokens(string part) => part.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);

    private static string Name(TargetKind kind) => kind.ToString().ToLowerInvariant();

    /// <summary>Customer text inside a reply: at most 40 characters of it.</summary>
    private static string Quote(string text) => text.Length <= 40 ? text : string.Concat(text.AsSpan(0, 40), "…");

    private static readonly System.Buffers.SearchValues<char> AmountLike = System.Buffers.SearchValues.Create("0123456789.,-+eE");
    private static readonly System.Buffers.SearchValues<char> Digits = System.Buffers.SearchValues.Create("0123456789");

    private static Reading Refused(string code, string message) => new(null, [], new ParseError(code, message));

    private static SmsInterpretation Fail(Bank? bank, string code, string message) => new(bank, null, new ParseError(code, message));
}
