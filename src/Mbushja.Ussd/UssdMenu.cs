using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Mbushja.Domain;

namespace Mbushja.Ussd;

/// <summary>What a screen does; the behaviour of each type is the platform's, the graph and texts are the operator's.</summary>
public enum ScreenType
{
    /// <summary>Entries that lead to other screens.</summary>
    Menu,

    /// <summary>The catalog's USSD packages; a choice selects the package.</summary>
    Packages,

    /// <summary>Asks for the identifier the chosen package asks for.</summary>
    Account,

    /// <summary>The chosen package's amounts (PPV); skipped for a package with a monthly price.</summary>
    Amount,

    /// <summary>Package, account, price, fee, total: 1 pays, 2 cancels.</summary>
    Confirm,

    /// <summary>The subscriber's prepaid credit.</summary>
    Balance,

    /// <summary>The subscriber's last payments.</summary>
    History,

    /// <summary>The languages; the choice is remembered for USSD and SMS.</summary>
    Language,

    /// <summary>A fixed text that ends the session.</summary>
    Info,

    /// <summary>The catalog's USSD packages with a monthly price, to renew automatically; a choice leads to "next" (an account screen).</summary>
    RenewalPackages,

    /// <summary>Package, account, what each month takes from credit and from when: 1 sets the renewal, 2 cancels.</summary>
    RenewalConfirm,

    /// <summary>The caller's automatic renewals; a choice leads to "next" (a renewal stop screen).</summary>
    Renewals,

    /// <summary>One renewal: 1 stops it, 2 keeps it.</summary>
    RenewalStop,
}

/// <summary>An entry of a menu screen: its label (a text key) and the screen it leads to.</summary>
public sealed record MenuItem(string Label, string Goto);

/// <summary>A screen of the menu graph as the configuration declares it.</summary>
/// <param name="Title">Text key of the line above a list.</param>
/// <param name="Next">The screen a choice here leads to (packages, account, amount).</param>
/// <param name="Text">Text key of an info screen.</param>
public sealed record Screen(string Id, ScreenType Type, string? Title, IReadOnlyList<MenuItem> Items, string? Next, string? Text);

/// <summary>The rules of the USSD service, read from <c>ussd.json</c>.</summary>
public sealed record UssdSettings
{
    /// <summary>The code subscribers dial: <c>*101#</c>.</summary>
    public string ServiceCode { get; init; } = "*101#";

    /// <summary>A session with no step for this long is over (180 s unless <c>ussd.json</c> says otherwise).</summary>
    public TimeSpan SessionTimeout { get; init; } = TimeSpan.FromSeconds(180);

    /// <summary>How long ended sessions are kept, so a late repeat still gets its answer.</summary>
    public TimeSpan KeepSessions { get; init; } = TimeSpan.FromHours(24);

    /// <summary>Write letters GSM-7 lacks (ë, ç) in ones it has on screens.</summary>
    public bool Transliterate { get; init; } = true;

    /// <summary>One payment per paying number per calendar month (operator time zone).</summary>
    public bool OncePerMonth { get; init; } = true;

    /// <summary>Who the receipt SMS is from.</summary>
    public string ReceiptSender { get; init; } = "IPKO";

    /// <summary>Payments the history screen lists.</summary>
    public int HistorySize { get; init; } = 3;

    /// <summary>Automatic renewals from credit: the reminder's days before the due day (<c>"renewal"</c> in <c>ussd.json</c>).</summary>
    public int RenewalReminderDays { get; init; } = 3;

    /// <summary>Tries of a period (refused for want of credit, or by the once-a-month rule) before it is reported.</summary>
    public int RenewalAttempts { get; init; } = 3;

    /// <summary>How long after a refused try the next is made.</summary>
    public TimeSpan RenewalRetry { get; init; } = TimeSpan.FromHours(6);
}

/// <summary>
/// The USSD menu, as data: screens, their texts in every language, and the rules, from <c>ussd.json</c> of the
/// operator's configuration. Loading checks the graph, that every text exists in every language with only the
/// placeholders it may have, and that every USSD package of the catalog can be asked for.
/// </summary>
public sealed partial class UssdMenu
{
    public const string FileName = "ussd.json";

    /// <summary>The texts the platform itself uses, with the placeholders each may hold.</summary>
    private static readonly Dictionary<string, string[]> BuiltInTexts = new(StringComparer.Ordinal)
    {
        ["confirm"] = ["package", "account", "price", "fee", "total"],
        ["paid"] = PaymentPlaceholders,
        ["paid.amount"] = PaymentPlaceholders,
        ["receipt"] = PaymentPlaceholders,
        ["receipt.amount"] = PaymentPlaceholders,
        ["cancelled"] = [],
        ["balance.text"] = ["credit"],
        ["history.item"] = ["date", "package", "account", "price", "fee", "total"],
        ["history.none"] = [],
        ["language.name"] = [],
        ["language.saved"] = [],
        ["nav"] = [],
        ["nav.more"] = [],
        ["error.choice"] = [],
        ["error.tooLong"] = [],
        ["error.identifier"] = [],
        ["error.unknownAccount"] = ["account", "package"],
        ["error.wrongKind"] = ["account", "package"],
        ["end.expired"] = ["code"],
        ["end.ended"] = ["code"],
        ["end.insufficient"] = ["credit", "total"],
        ["end.oncePerMonth"] = ["date"],
        ["end.notSubscriber"] = [],
        ["end.notOperator"] = [],
        ["end.failed"] = [],
        ["autopay"] = [],
        ["autopay.item"] = ["package", "account", "total", "due"],
        ["autopay.none"] = [],
        ["autopay.confirm"] = RenewalPlaceholders,
        ["autopay.set"] = [.. RenewalPlaceholders, "days"],
        ["autopay.set.due"] = RenewalPlaceholders,
        ["autopay.stop"] = RenewalPlaceholders,
        ["autopay.stopped"] = ["package", "account"],
        ["autopay.kept"] = [],
        ["renewal.reminder"] = [.. RenewalPlaceholders, "stop"],
        ["renewal.failed"] = ["package", "account", "total", "n", "code"],
        ["renewal.failed.month"] = ["package", "account", "n", "code"],
        ["renewal.ended"] = ["package", "account"],
    };

    private static string[] RenewalPlaceholders => ["package", "account", "price", "fee", "total", "due"];

    private static string[] PaymentPlaceholders => ["package", "account", "price", "fee", "total", "paidUntil", "balance", "credit", "ref"];

    private readonly Dictionary<string, Screen> _screens;
    private readonly Dictionary<string, Dictionary<Language, string>> _texts;

    private UssdMenu(UssdSettings settings, string start, Dictionary<string, Screen> screens, Dictionary<string, Dictionary<Language, string>> texts)
    {
        Settings = settings;
        Start = start;
        _screens = screens;
        _texts = texts;
    }

    public UssdSettings Settings { get; }

    /// <summary>The screen a session starts on, and <c>00</c> returns to.</summary>
    public string Start { get; }

    public IReadOnlyCollection<Screen> Screens => _screens.Values;

    public Screen this[string id] => _screens[id];

    /// <summary>The text key that asks for a package's identifiers: <c>prompt.smartCard</c>, <c>prompt.username+contract</c>.</summary>
    public static string PromptKey(Package package) =>
        "prompt." + string.Join('+', package.AsksFor.Select(a => JsonNamingPolicy.CamelCase.ConvertName(a.ToString())));

    /// <summary>A text in a language with its placeholders filled in.</summary>
    public string Text(string key, Language language, params ReadOnlySpan<(string Name, string Value)> values)
    {
        string template = _texts[key][language];
        if (values.Length == 0)
        {
            return template;
        }

        var text = new System.Text.StringBuilder(template);
        foreach ((string name, string value) in values)
        {
            text.Replace("{" + name + "}", value);
        }

        return text.ToString();
    }

    /// <summary>Reads and checks <c>ussd.json</c> of a configuration folder against the operator's catalog.</summary>
    public static UssdMenu Load(string directory, Catalog catalog)
    {
        string path = Path.Combine(directory, FileName);
        MenuFile? file;
        try
        {
            using FileStream stream = File.OpenRead(path);
            file = JsonSerializer.Deserialize<MenuFile>(stream, FileOptions);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigurationException([$"{path}: cannot be read: {e.Message}"]);
        }
        catch (JsonException e)
        {
            throw new ConfigurationException([$"{FileName}: line {e.LineNumber + 1}: {e.Message}"]);
        }

        if (file is null)
        {
            throw new ConfigurationException([$"{FileName}: the file is empty."]);
        }

        return Check(file, catalog);
    }

    private static UssdMenu Check(MenuFile file, Catalog catalog)
    {
        var errors = new List<string>();
        UssdSettings settings = ReadSettings(file, errors);

        var screens = new Dictionary<string, Screen>(StringComparer.Ordinal);
        var usedTexts = new HashSet<string>(StringComparer.Ordinal);
        foreach ((string id, ScreenFile s) in file.Screens ?? [])
        {
            string where = $"{FileName}: screens.{id}";
            if (!Enum.TryParse(s.Type, ignoreCase: true, out ScreenType type) || !Enum.GetNames<ScreenType>().Contains(s.Type, StringComparer.OrdinalIgnoreCase))
            {
                errors.Add($"{where}: type '{s.Type}' is not one of {string.Join(", ", Enum.GetNames<ScreenType>().Select(n => n.ToLowerInvariant()))}.");
                continue;
            }

            var items = new List<MenuItem>();
            foreach (ItemFile item in s.Items ?? [])
            {
                if (string.IsNullOrWhiteSpace(item.Label) || string.IsNullOrWhiteSpace(item.Goto))
                {
                    errors.Add($"{where}: every item needs a label and a goto.");
                    continue;
                }

                items.Add(new MenuItem(item.Label, item.Goto));
                usedTexts.Add(item.Label);
            }

            if (type == ScreenType.Menu && items.Count == 0)
            {
                errors.Add($"{where}: a menu needs items.");
            }

            if (type != ScreenType.Menu && items.Count > 0)
            {
                errors.Add($"{where}: only a menu has items.");
            }

            bool needsNext = type is ScreenType.Packages or ScreenType.Account or ScreenType.Amount or ScreenType.RenewalPackages or ScreenType.Renewals;
            if (needsNext != (s.Next is not null))
            {
                errors.Add(needsNext ? $"{where}: a {s.Type} screen needs 'next'." : $"{where}: a {s.Type} screen has no 'next'.");
            }

            if ((type == ScreenType.Info) != (s.Text is not null))
            {
                errors.Add(type == ScreenType.Info ? $"{where}: an info screen needs 'text'." : $"{where}: only an info screen has 'text'.");
            }

            foreach (string? key in new[] { s.Title, s.Text })
            {
                if (key is not null)
                {
                    usedTexts.Add(key);
                }
            }

            screens[id] = new Screen(id, type, s.Title, items, s.Next, s.Text);
        }

        CheckGraph(file.Start, screens, errors);
        if (file.Start is not null && screens.TryGetValue(file.Start, out Screen? first) && first.Type != ScreenType.Menu)
        {
            errors.Add($"{FileName}: start '{file.Start}' must be a menu.");
        }

        bool asksAmount = screens.Values.Any(s => s.Type == ScreenType.Account && s.Next is { } next && screens.TryGetValue(next, out Screen? n) && n.Type == ScreenType.Amount);
        foreach (Package package in catalog.UssdPackages)
        {
            usedTexts.Add(PromptKey(package));
            if (package.Price is null && !asksAmount)
            {
                errors.Add($"{FileName}: {package.Code} is sold by amount, but no account screen leads to an amount screen.");
            }
        }

        Dictionary<string, Dictionary<Language, string>> texts = ReadTexts(file, usedTexts, errors);
        if (errors.Count > 0)
        {
            throw new ConfigurationException(errors);
        }

        return new UssdMenu(settings, file.Start!, screens, texts);
    }

    private static UssdSettings ReadSettings(MenuFile file, List<string> errors)
    {
        var settings = new UssdSettings();
        if (file.ServiceCode is not null)
        {
            if (!ServiceCodePattern().IsMatch(file.ServiceCode))
            {
                errors.Add($"{FileName}: serviceCode '{file.ServiceCode}' is not a USSD code like *101#.");
            }

            settings = settings with { ServiceCode = file.ServiceCode };
        }

        if (file.SessionTimeoutSeconds is { } timeout)
        {
            if (timeout is < 10 or > 3600)
            {
                errors.Add($"{FileName}: sessionTimeoutSeconds must be 10 to 3600.");
            }

            settings = settings with { SessionTimeout = TimeSpan.FromSeconds(timeout) };
        }

        if (file.KeepSessionsHours is { } keep)
        {
            if (keep is < 1 or > 24 * 365)
            {
                errors.Add($"{FileName}: keepSessionsHours must be 1 to 8760.");
            }

            settings = settings with { KeepSessions = TimeSpan.FromHours(keep) };
        }

        if (file.HistorySize is { } size)
        {
            if (size is < 1 or > 20)
            {
                errors.Add($"{FileName}: historySize must be 1 to 20.");
            }

            settings = settings with { HistorySize = size };
        }

        if (file.ReceiptSender is { } sender)
        {
            if (sender.Trim().Length is 0 or > 16)
            {
                errors.Add($"{FileName}: receiptSender must be 1 to 16 characters.");
            }

            settings = settings with { ReceiptSender = sender.Trim() };
        }

        if (file.Renewal is { } renewal)
        {
            if (renewal.ReminderDays is < 1 or > 28 || renewal.Attempts is < 1 or > 10 || renewal.RetryHours is < 1 or > 72)
            {
                errors.Add($"{FileName}: renewal: reminderDays must be 1 to 28, attempts 1 to 10, retryHours 1 to 72.");
            }

            settings = settings with
            {
                RenewalReminderDays = renewal.ReminderDays ?? settings.RenewalReminderDays,
                RenewalAttempts = renewal.Attempts ?? settings.RenewalAttempts,
                RenewalRetry = renewal.RetryHours is { } hours ? TimeSpan.FromHours(hours) : settings.RenewalRetry,
            };
        }

        return settings with
        {
            Transliterate = file.Transliterate ?? settings.Transliterate,
            OncePerMonth = file.OncePerMonth ?? settings.OncePerMonth,
        };
    }

    /// <summary>Every screen named exists, and every screen is reachable from the start.</summary>
    private static void CheckGraph(string? start, Dictionary<string, Screen> screens, List<string> errors)
    {
        if (start is null || !screens.ContainsKey(start))
        {
            errors.Add($"{FileName}: start '{start}' is not a screen.");
            return;
        }

        var seen = new HashSet<string>(StringComparer.Ordinal) { start };
        var queue = new Queue<string>([start]);
        while (queue.TryDequeue(out string? id))
        {
            Screen screen = screens[id];
            IEnumerable<string> targets = screen.Items.Select(i => i.Goto).Concat(screen.Next is null ? [] : [screen.Next]);
            foreach (string target in targets)
            {
                if (!screens.ContainsKey(target))
                {
                    errors.Add($"{FileName}: screens.{id} leads to '{target}', which is not a screen.");
                }
                else if (seen.Add(target))
                {
                    queue.Enqueue(target);
                }
            }
        }

        foreach (string id in screens.Keys.Where(id => !seen.Contains(id)))
        {
            errors.Add($"{FileName}: screens.{id} cannot be reached from '{start}'.");
        }

        // A payment needs its package, then its account, then (maybe) an amount, then the confirmation.
        foreach (Screen screen in screens.Values)
        {
            // A renewal needs its package (a monthly one), its account, then the renewal's confirmation; a stop its renewal.
            ScreenType? wanted = screen.Type switch
            {
                ScreenType.Packages or ScreenType.RenewalPackages => ScreenType.Account,
                ScreenType.Account => screens.TryGetValue(screen.Next ?? "", out Screen? next) && next.Type is ScreenType.Amount or ScreenType.RenewalConfirm
                    ? next.Type
                    : ScreenType.Confirm,
                ScreenType.Amount => ScreenType.Confirm,
                ScreenType.Renewals => ScreenType.RenewalStop,
                _ => null,
            };
            if (wanted is { } type && screens.TryGetValue(screen.Next ?? "", out Screen? target) && target.Type != type)
            {
                errors.Add($"{FileName}: screens.{screen.Id} must lead to a {type.ToString().ToLowerInvariant()} screen.");
            }
        }
    }

    private static Dictionary<string, Dictionary<Language, string>> ReadTexts(MenuFile file, HashSet<string> usedTexts, List<string> errors)
    {
        var texts = new Dictionary<string, Dictionary<Language, string>>(StringComparer.Ordinal);
        foreach ((string key, Dictionary<string, string>? byLanguage) in file.Texts ?? [])
        {
            var read = new Dictionary<Language, string>();
            foreach ((string code, string text) in byLanguage ?? [])
            {
                if (!DomainNames.ParseLanguage(code).TryGetValue(out Language language))
                {
                    errors.Add($"{FileName}: texts.{key}.{code}: '{code}' is not one of sq, en, sr.");
                    continue;
                }

                string[] allowed = BuiltInTexts.TryGetValue(key, out string[]? names) ? names : [];
                foreach (Match m in Placeholder().Matches(text))
                {
                    if (!allowed.Contains(m.Groups[1].Value, StringComparer.Ordinal))
                    {
                        errors.Add($"{FileName}: texts.{key}.{code} uses {m.Value}, which this text cannot have.");
                    }
                }

                read[language] = text;
            }

            texts[key] = read;
        }

        foreach (string key in BuiltInTexts.Keys.Concat(usedTexts).Distinct(StringComparer.Ordinal))
        {
            foreach (Language language in Enum.GetValues<Language>())
            {
                if (!texts.TryGetValue(key, out Dictionary<Language, string>? byLanguage) || !byLanguage.ContainsKey(language))
                {
                    errors.Add($"{FileName}: the text '{key}' is missing in {language.ToWire()}.");
                }
            }
        }

        return texts;
    }

    [GeneratedRegex(@"\{([A-Za-z]+)\}")]
    private static partial Regex Placeholder();

    [GeneratedRegex(@"^\*[0-9]{1,6}(\*[0-9]{1,6})*#$")]
    private static partial Regex ServiceCodePattern();

    private static readonly JsonSerializerOptions FileOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    private sealed record MenuFile(
        string? ServiceCode,
        int? SessionTimeoutSeconds,
        int? KeepSessionsHours,
        bool? Transliterate,
        bool? OncePerMonth,
        string? ReceiptSender,
        int? HistorySize,
        RenewalFile? Renewal,
        string? Start,
        Dictionary<string, ScreenFile>? Screens,
        Dictionary<string, Dictionary<string, string>?>? Texts);

    private sealed record ScreenFile(string? Type, string? Title, ItemFile[]? Items, string? Next, string? Text);

    private sealed record ItemFile(string? Label, string? Goto);

    private sealed record RenewalFile(int? ReminderDays, int? Attempts, int? RetryHours);
}
