using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Mbushja.WebConsole;

/// <summary>
/// The console's texts in every language it speaks (Albanian first, then English and Serbian in Latin script), read from the tables of
/// <c>Texts/*.json</c> (inside the assembly; one per area of the console, so that work on one area does not touch the
/// others'). A key missing a language, or declared in two tables, is refused at start-up, not shown blank.
/// </summary>
public sealed class ConsoleTexts
{
    /// <summary>The languages of the console, the default first.</summary>
    public static IReadOnlyList<string> Languages { get; } = ["sq", "en", "sr"];

    private readonly Dictionary<string, Dictionary<string, string>> _texts;

    private ConsoleTexts(Dictionary<string, Dictionary<string, string>> texts) => _texts = texts;

    public static ConsoleTexts Shipped { get; } = Load();

    public IEnumerable<string> Keys => _texts.Keys;

    /// <summary>Whether there is a text for <paramref name="key"/> (in every language: the load refuses anything less).</summary>
    public bool Has(string key) => _texts.ContainsKey(key);

    /// <summary>A text in a language; an unknown key is a bug and throws, so a page never shows a key instead of a text.</summary>
    public string Get(string key, string language) =>
        _texts.TryGetValue(key, out Dictionary<string, string>? byLanguage)
            ? byLanguage.TryGetValue(language, out string? text) ? text : byLanguage[Languages[0]]
            : throw new KeyNotFoundException($"The console has no text '{key}'.");

    private const string ResourcePrefix = "Mbushja.WebConsole.Texts.";

    private static ConsoleTexts Load()
    {
        System.Reflection.Assembly assembly = typeof(ConsoleTexts).Assembly;
        string[] tables = [.. assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal)];
        if (tables.Length == 0)
        {
            throw new InvalidOperationException("The console's texts are missing from its assembly.");
        }

        var texts = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        foreach (string table in tables)
        {
            using Stream stream = assembly.GetManifestResourceStream(table)!;
            Dictionary<string, Dictionary<string, string>> read = JsonSerializer.Deserialize<Dictionary<string, Dictionary<string, string>>>(stream)
                ?? throw new InvalidOperationException($"The console's texts {table} are empty.");
            foreach ((string key, Dictionary<string, string> byLanguage) in read)
            {
                if (!texts.TryAdd(key, byLanguage))
                {
                    throw new InvalidOperationException($"The console text '{key}' is declared twice (in {table} and in a table before it).");
                }
            }
        }

        string[] incomplete = [.. texts.Where(t => Languages.Any(l => !t.Value.TryGetValue(l, out string? text) || string.IsNullOrWhiteSpace(text))).Select(t => t.Key)];
        if (incomplete.Length > 0)
        {
            throw new InvalidOperationException($"Console texts without every language ({string.Join(", ", Languages)}): {string.Join(", ", incomplete)}.");
        }

        return new ConsoleTexts(texts);
    }
}

/// <summary>The texts in the language of the person asking: the language cookie, else the default.</summary>
public sealed class ConsoleText(IHttpContextAccessor accessor)
{
    public const string Cookie = "mbushja.console.lang";

    private readonly ConsoleTexts _texts = ConsoleTexts.Shipped;

    public string Language { get; } = Pick(accessor.HttpContext?.Request.Cookies[Cookie]);

    public string this[string key] => _texts.Get(key, Language);

    /// <summary>A text with its <c>{0}</c>, <c>{1}</c> filled in.</summary>
    public string Format(string key, params object?[] values) => string.Format(System.Globalization.CultureInfo.InvariantCulture, this[key], values);

    /// <summary>A top-up's state as people are shown it (<c>reversed</c> once reversed), in words, with its refusal's reason.</summary>
    public string StateOf(Mbushja.TopUp.SmsTransaction transaction)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        return State(transaction.ShownState) + (transaction.Code is null ? "" : " · " + Code(transaction.Code));
    }

    /// <summary>A top-up state in words; an unknown one as it is.</summary>
    public string State(string state) => _texts.Has("state." + state) ? this["state." + state] : state;

    /// <summary>A refusal code in words; an unknown one as it is.</summary>
    public string Code(string code) => _texts.Has("code." + code) ? this["code." + code] : code;

    /// <summary>The trail of a top-up told in this language (<see cref="TrailStory"/>), its instants as <paramref name="time"/> writes them.</summary>
    public TrailStory Story(Func<string?, string> bankName, Func<DateTimeOffset, string>? time = null) => new(_texts, Language, bankName, time);

    public static string Pick(string? language) =>
        language is not null && ConsoleTexts.Languages.Contains(language) ? language : ConsoleTexts.Languages[0];
}
