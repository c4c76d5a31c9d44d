using System.Text.Json;
using Mbushja.Domain;

namespace Mbushja.Sms;

/// <summary>
/// A partner bank: its stable code, the short code subscribers write to, its per-top-up limits, its SMS grammar (the
/// forms it accepts) and its own syntax help in every language.
/// </summary>
public sealed record Bank(string Code, string Name, string ShortCode, Money MinAmount, Money MaxAmount)
{
    /// <summary>The forms of the bank's grammar, in the order they are declared.</summary>
    public IReadOnlyList<SmsForm> Forms { get; init; } = [];

    /// <summary>
    /// The operator's account at the bank, which captured top-ups are paid into and refunds paid from: the account the
    /// bank's statements (camt.053, camt.054) must be of (docs/bank-statement-camt.md). Null when not configured.
    /// </summary>
    public Iban? SettlementAccount { get; init; }

    /// <summary>The bank's syntax help, by language (sent when a text is not understood).</summary>
    public IReadOnlyDictionary<Language, string> Help { get; init; } = new Dictionary<Language, string>();

    /// <summary>How the bank confirms larger top-ups (the bank file's <c>"confirmation"</c>); null: it asks for none.</summary>
    public BankConfirmation? Confirmation { get; init; }

    /// <summary>Its automatic renewals: the SMS words, the reminder's lead, the tries (<see cref="RenewalSettings"/>).</summary>
    public RenewalSettings Renewal { get; init; } = RenewalSettings.Default;

    /// <summary>The help in a language, falling back to any language declared.</summary>
    public string HelpText(Language language) =>
        Help.TryGetValue(language, out string? text) ? text : Help.Values.FirstOrDefault() ?? "";
}

/// <summary>The configured banks, found by code or short code.</summary>
public sealed class BankDirectory
{
    /// <summary>The folder, inside a configuration folder, that holds one declaration per bank (<c>BEK.json</c>).</summary>
    public const string Folder = "banks";

    private readonly Dictionary<string, Bank> _byShortCode;
    private readonly Dictionary<string, Bank> _byCode;

    public BankDirectory(IEnumerable<Bank> banks)
    {
        Banks = [.. banks];
        _byShortCode = Banks.ToDictionary(b => b.ShortCode, StringComparer.Ordinal);
        _byCode = Banks.ToDictionary(b => b.Code, StringComparer.OrdinalIgnoreCase);
    }

    public IReadOnlyList<Bank> Banks { get; }

    public Bank? ByShortCode(string? shortCode) =>
        shortCode is not null && _byShortCode.TryGetValue(shortCode.Trim(), out Bank? bank) ? bank : null;

    public Bank? ByCode(string? code) => code is not null && _byCode.TryGetValue(code.Trim(), out Bank? bank) ? bank : null;

    /// <summary>
    /// Reads every <c>banks/*.json</c> of a configuration folder, one bank per file named after its code. Every
    /// mistake is reported at once, with the file and the field. Whether the grammars are unambiguous depends on
    /// the numbering plan: <see cref="SmsInterpreter"/> checks that when it is made.
    /// </summary>
    public static BankDirectory Load(string directory)
    {
        string folder = Path.Combine(directory, Folder);
        var errors = new List<string>();
        string[] files = Directory.Exists(folder) ? Directory.GetFiles(folder, "*.json") : [];
        Array.Sort(files, StringComparer.Ordinal);
        if (files.Length == 0)
        {
            errors.Add($"{Folder}/: no bank is declared (one file per bank, e.g. {Folder}/BEK.json).");
        }

        var banks = new List<Bank>();
        foreach (string path in files)
        {
            string where = $"{Folder}/{Path.GetFileName(path)}";
            BankFile? file = null;
            try
            {
                using FileStream stream = File.OpenRead(path);
                file = JsonSerializer.Deserialize<BankFile>(stream, Options);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
            {
                errors.Add($"{where}: {e.Message}");
            }

            if (file is not null && Read(file, Path.GetFileNameWithoutExtension(path), where, errors) is { } bank)
            {
                banks.Add(bank);
            }
        }

        foreach (IGrouping<string, Bank> twice in banks.GroupBy(b => b.ShortCode).Where(g => g.Count() > 1))
        {
            errors.Add($"{Folder}/: short code {twice.Key} belongs to more than one bank ({string.Join(", ", twice.Select(b => b.Code))}).");
        }

        foreach (IGrouping<string, Bank> twice in banks.GroupBy(b => b.Code, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1))
        {
            errors.Add($"{Folder}/: bank code {twice.Key} appears more than once.");
        }

        return errors.Count > 0 ? throw new ConfigurationException(errors) : new BankDirectory(banks);
    }

    private static Bank? Read(BankFile b, string fileName, string where, List<string> errors)
    {
        int before = errors.Count;
        if (string.IsNullOrWhiteSpace(b.Code) || string.IsNullOrWhiteSpace(b.Name))
        {
            errors.Add($"{where}: code and name are required.");
        }
        else if (!string.Equals(b.Code.Trim(), fileName, StringComparison.OrdinalIgnoreCase))
        {
            errors.Add($"{where}: the file of bank '{b.Code}' must be named {b.Code.Trim()}.json.");
        }

        if (string.IsNullOrWhiteSpace(b.ShortCode) || !b.ShortCode.Trim().All(char.IsAsciiDigit))
        {
            errors.Add($"{where}: shortCode must be digits.");
        }

        ParseResult<Money> min = Money.ParseAmount(b.MinAmount);
        ParseResult<Money> max = Money.ParseAmount(b.MaxAmount);
        if (!min.Success || !max.Success || min.Value > max.Value)
        {
            errors.Add($"{where}: minAmount and maxAmount must be amounts with minAmount <= maxAmount.");
        }

        Iban? settlementAccount = null;
        if (b.SettlementAccount is not null)
        {
            ParseResult<Iban> iban = Iban.Parse(b.SettlementAccount);
            if (iban.Success)
            {
                settlementAccount = iban.Value;
            }
            else
            {
                errors.Add($"{where}: settlementAccount: {iban.Error.Message}");
            }
        }

        var forms = new List<SmsForm>();
        if (b.Forms is null || b.Forms.Length == 0)
        {
            errors.Add($"{where}: forms: at least one form is required.");
        }

        foreach ((FormFile f, int i) in (b.Forms ?? []).Select((f, i) => (f, i)))
        {
            string at = $"{where}: forms[{i}] '{f.Pattern}'";
            ParseResult<TargetKind> kind = ParseKind(f.Kind);
            if (!kind.Success)
            {
                errors.Add($"{at}: {kind.Error.Message}");
                continue;
            }

            ParseResult<SmsForm> form = SmsForm.Create(f.Pattern, kind.Value, f.Multi ?? false, f.Examples);
            if (form.Success)
            {
                forms.Add(form.Value);
            }
            else
            {
                errors.Add($"{at}: {form.Error.Message}");
            }
        }

        var help = new Dictionary<Language, string>();
        foreach (KeyValuePair<string, string?> entry in b.Help ?? [])
        {
            ParseResult<Language> language = DomainNames.ParseLanguage(entry.Key);
            if (!language.Success)
            {
                errors.Add($"{where}: help: {language.Error.Message}");
            }
            else if (!string.IsNullOrWhiteSpace(entry.Value))
            {
                help[language.Value] = entry.Value.Trim();
            }
        }

        foreach (Language missing in Enum.GetValues<Language>().Where(l => !help.ContainsKey(l)))
        {
            errors.Add($"{where}: help: the text in '{missing.ToString().ToLowerInvariant()}' is missing.");
        }

        BankConfirmation? confirmation = BankConfirmation.Read(b.Confirmation, where, errors);
        RenewalSettings renewal = RenewalSettings.Read(b.Renewal, where, errors);
        foreach (SmsForm form in forms.Where(f => f.Words.Count > 0 && f.Words[0].Keyword is not null))
        {
            string[] keywords = [.. form.Words.TakeWhile(w => w.Keyword is not null).Select(w => w.Keyword!)];
            if (renewal.Enabled && (RenewalSettings.StartsWith(keywords, renewal.Start) || RenewalSettings.StartsWith(keywords, renewal.Stop)))
            {
                errors.Add($"{where}: form '{form.Pattern}' begins with the renewal words; its texts would read as renewals.");
            }
        }

        return errors.Count > before
            ? null
            : new Bank(b.Code!.Trim(), b.Name!.Trim(), b.ShortCode!.Trim(), min.Value, max.Value)
            {
                Forms = forms,
                Help = help,
                SettlementAccount = settlementAccount,
                Confirmation = confirmation,
                Renewal = renewal,
            };
    }

    private static ParseResult<TargetKind> ParseKind(string? text) => text?.Trim().ToUpperInvariant() switch
    {
        "MOBILE" => ParseResult<TargetKind>.Ok(TargetKind.Mobile),
        "FIXED" => ParseResult<TargetKind>.Ok(TargetKind.Fixed),
        "INTERNET" => ParseResult<TargetKind>.Ok(TargetKind.Internet),
        "TV" => ParseResult<TargetKind>.Ok(TargetKind.Tv),
        "DUO" => ParseResult<TargetKind>.Ok(TargetKind.Duo),
        _ => ParseResult<TargetKind>.Fail(ErrorCodes.InvalidKind, $"kind '{text}' is not one of mobile, fixed, internet, tv, duo."),
    };

    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    private sealed record BankFile(
        string? Code,
        string? Name,
        string? ShortCode,
        string? MinAmount,
        string? MaxAmount,
        string? SettlementAccount,
        FormFile[]? Forms,
        Dictionary<string, string?>? Help,
        ConfirmationFile? Confirmation = null,
        RenewalSettings.RenewalFile? Renewal = null);

    private sealed record FormFile(string? Pattern, string? Kind, bool? Multi, string[]? Examples);
}
