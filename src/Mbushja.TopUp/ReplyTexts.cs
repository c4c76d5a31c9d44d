using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Mbushja.Domain;

namespace Mbushja.TopUp;

/// <summary>
/// The reply texts of SMS Top Up, per language (<c>sms-replies.json</c> of the operator's configuration). Every text
/// exists in every language and names only placeholders the platform fills in: checked when the file loads.
/// </summary>
public sealed partial class ReplyTexts
{
    public const string FileName = "sms-replies.json";

    private static readonly string[] Required =
    [
        "done", "credit.mobile", "credit.balance", "credit.package",
        ErrorCodes.UnknownCommand, ErrorCodes.UnknownShortCode, ErrorCodes.InvalidNumber, ErrorCodes.NotOperatorNumber,
        ErrorCodes.AmountOutOfRange, ErrorCodes.NotRegistered, ErrorCodes.UnknownAccount, ErrorCodes.BankDeclined,
        ErrorCodes.BankUnavailable, "reason.other", "part",
        .. ControlCodes.All.Select(code => "controls." + code),
        "controls.SIM_CHANGED.holder", "controls.whose.registration", "controls.whose.person", "controls.per.minute", "controls.per.hour",
        .. ConfirmationTexts.Keys,
        RenewalCodes.On, RenewalCodes.Off, RenewalCodes.None, RenewalCodes.NotPackage, "renewal.reminder", "renewal.reminder.price",
        "renewal.failed", "renewal.failed.refused", "renewal.ended.account", "renewal.ended.registration",
    ];

    private static readonly HashSet<string> Placeholders =
        ["parts", "total", "bank", "ref", "target", "amount", "balance", "package", "paidUntil", "help", "min", "max", "reason", "n", "of", "part",
            "cap", "left", "whose", "limit", "per", "until", "number", "word", "code", "minutes", "due", "days", "stop", "start", "old", "shortCode"];

    private readonly Dictionary<string, Dictionary<Language, string>> _texts;

    private ReplyTexts(Dictionary<string, Dictionary<Language, string>> texts) => _texts = texts;

    /// <summary>Reads the texts from a configuration folder; every mistake is reported at once.</summary>
    public static ReplyTexts Load(string directory)
    {
        string path = Path.Combine(directory, FileName);
        var errors = new List<string>();
        var texts = new Dictionary<string, Dictionary<Language, string>>(StringComparer.Ordinal);
        try
        {
            using JsonDocument document = JsonDocument.Parse(
                File.ReadAllText(path),
                new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            foreach (JsonProperty entry in document.RootElement.EnumerateObject())
            {
                var byLanguage = new Dictionary<Language, string>();
                if (entry.Value.ValueKind != JsonValueKind.Object)
                {
                    errors.Add($"{FileName}: '{entry.Name}' must be an object of texts by language.");
                    continue;
                }

                foreach (JsonProperty text in entry.Value.EnumerateObject())
                {
                    if (!DomainNames.ParseLanguage(text.Name).TryGetValue(out Language language) || text.Value.ValueKind != JsonValueKind.String)
                    {
                        errors.Add($"{FileName}: '{entry.Name}.{text.Name}' must be a text in sq, en or sr.");
                        continue;
                    }

                    string value = text.Value.GetString()!;
                    foreach (Match m in Placeholder().Matches(value))
                    {
                        if (!Placeholders.Contains(m.Groups[1].Value))
                        {
                            errors.Add($"{FileName}: '{entry.Name}.{text.Name}' uses an unknown placeholder {m.Value}.");
                        }
                    }

                    byLanguage[language] = value;
                }

                texts[entry.Name] = byLanguage;
            }
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
        {
            throw new ConfigurationException([$"{path}: {e.Message}"]);
        }

        foreach (string key in Required)
        {
            foreach (Language language in Enum.GetValues<Language>())
            {
                if (!texts.TryGetValue(key, out Dictionary<Language, string>? byLanguage) || !byLanguage.ContainsKey(language))
                {
                    errors.Add($"{FileName}: the text '{key}' is missing in {language.ToWire()}.");
                }
            }
        }

        return errors.Count == 0 ? new ReplyTexts(texts) : throw new ConfigurationException(errors);
    }

    /// <summary>A text with its placeholders filled in; a text the file lacks falls back to the generic reason.</summary>
    public string Format(string key, Language language, params (string Name, string Value)[] values)
    {
        string template = _texts.TryGetValue(key, out Dictionary<Language, string>? byLanguage)
            ? byLanguage[language]
            : _texts["reason.other"][language];
        var text = new StringBuilder(template);
        foreach ((string name, string value) in values)
        {
            text.Replace("{" + name + "}", value);
        }

        return Placeholder().Replace(text.ToString(), "").Trim();
    }

    /// <summary>The bank's decline reason in the subscriber's words.</summary>
    public string Reason(string? bankCode, Language language) =>
        bankCode is not null && _texts.TryGetValue("reason." + bankCode, out Dictionary<Language, string>? byLanguage)
            ? byLanguage[language]
            : _texts["reason.other"][language];

    [GeneratedRegex(@"\{([A-Za-z]+)\}")]
    private static partial Regex Placeholder();
}
