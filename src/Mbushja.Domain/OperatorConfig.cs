using System.Text.Json;
using System.Text.Json.Serialization;

namespace Mbushja.Domain;

/// <summary>An operator's configuration: who it is, its numbering, time zone and catalog.</summary>
public sealed record OperatorConfig(
    string Name,
    TimeZoneInfo TimeZone,
    Language DefaultLanguage,
    NumberingPlan Numbering,
    Catalog Catalog)
{
    /// <summary>The shipped configuration folder beside the program: <c>config/ipko</c>.</summary>
    public static string DefaultDirectory => Path.Combine(AppContext.BaseDirectory, "config", "ipko");

    /// <summary>
    /// Reads <c>operator.json</c> and <c>catalog.json</c> from a folder. Every mistake is reported at once, with
    /// the file and the field, so an operator fixes a configuration in one go.
    /// </summary>
    public static OperatorConfig Load(string directory)
    {
        var errors = new List<string>();
        OperatorFile? op = Read<OperatorFile>(Path.Combine(directory, "operator.json"), errors);
        CatalogFile? cat = Read<CatalogFile>(Path.Combine(directory, "catalog.json"), errors);
        if (op is null || cat is null)
        {
            // One unreadable file must not hide the other's mistakes.
            if (cat is not null)
            {
                ReadCatalog(cat, errors);
            }

            throw new ConfigurationException(errors);
        }

        TimeZoneInfo zone = TimeZoneInfo.Utc;
        try
        {
            zone = OperatorClock.FindZone(op.TimeZone ?? "");
        }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            errors.Add($"operator.json: timeZone '{op.TimeZone}' is not a known time zone.");
        }

        ParseResult<Language> language = DomainNames.ParseLanguage(op.DefaultLanguage ?? "sq");
        if (!language.Success)
        {
            errors.Add($"operator.json: defaultLanguage: {language.Error.Message}");
        }

        NumberingPlan? plan = null;
        try
        {
            NumberingFile n = op.Numbering ?? throw new ArgumentException("numbering is missing.");
            plan = NumberingPlan.Create(n.CountryCode ?? "", n.NationalLength, n.MobilePrefixes ?? [], n.FixedPrefixes ?? [], n.OperatorPrefixes ?? []);
        }
        catch (ArgumentException e)
        {
            errors.Add($"operator.json: numbering: {e.Message}");
        }

        Catalog? catalog = ReadCatalog(cat, errors);
        if (errors.Count > 0)
        {
            throw new ConfigurationException(errors);
        }

        return new OperatorConfig(op.Name ?? "operator", zone, language.Value, plan!, catalog!);
    }

    private static Catalog? ReadCatalog(CatalogFile file, List<string> errors)
    {
        var packages = new List<Package>();
        var codes = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        int before = errors.Count;
        foreach ((PackageFile p, int i) in (file.Packages ?? []).Select((p, i) => (p, i)))
        {
            string where = $"catalog.json: packages[{i}] ({p.Code})";
            if (string.IsNullOrWhiteSpace(p.Code) || !p.Code.All(c => char.IsAsciiLetterUpper(c) || char.IsAsciiDigit(c) || c == '_'))
            {
                errors.Add($"{where}: code must be upper-case letters, digits and _.");
            }
            else if (!codes.Add(p.Code))
            {
                errors.Add($"{where}: code {p.Code} appears twice.");
            }

            if (string.IsNullOrWhiteSpace(p.Name))
            {
                errors.Add($"{where}: name is missing.");
            }

            ParseResult<ServiceKind> kind = DomainNames.ParseKind(p.Kind);
            if (!kind.Success)
            {
                errors.Add($"{where}: {kind.Error.Message}");
            }

            var asks = new List<IdentifierKind>();
            foreach (string a in p.AsksFor ?? [])
            {
                // Names only: Enum.TryParse would also take "1" or a list like "username,contract".
                if (Enum.GetNames<IdentifierKind>().Contains(a, StringComparer.OrdinalIgnoreCase))
                {
                    asks.Add(Enum.Parse<IdentifierKind>(a, ignoreCase: true));
                }
                else
                {
                    errors.Add($"{where}: asksFor '{a}' is not one of username, contract, smartCard, number.");
                }
            }

            // Judged on what the file says, so a misspelt entry is not also reported as a missing one.
            if ((p.AsksFor?.Length ?? 0) == 0)
            {
                errors.Add($"{where}: asksFor must name at least one identifier.");
            }

            Money? price = null;
            if (p.Price is not null)
            {
                ParseResult<Money> parsed = Money.ParseAmount(p.Price);
                if (parsed.Success)
                {
                    price = parsed.Value;
                }
                else
                {
                    errors.Add($"{where}: price: {parsed.Error.Message}");
                }
            }

            var amounts = new List<Money>();
            foreach (string a in p.Amounts ?? [])
            {
                ParseResult<Money> parsed = Money.ParseAmount(a);
                if (parsed.Success)
                {
                    amounts.Add(parsed.Value);
                }
                else
                {
                    errors.Add($"{where}: amounts: {parsed.Error.Message}");
                }
            }

            // Judged on what the file says, so a malformed price is not also reported as a missing one.
            if ((p.Price is null) == ((p.Amounts?.Length ?? 0) == 0))
            {
                errors.Add($"{where}: give either a monthly price or a list of amounts, not both and not neither.");
            }

            if (kind.Success)
            {
                packages.Add(new Package(p.Code ?? "", p.Name ?? "", kind.Value, asks, price, amounts, p.Ussd ?? true));
            }
        }

        if (packages.Count == 0 && errors.Count == before)
        {
            errors.Add("catalog.json: packages: the catalog has no packages.");
        }

        var fees = new List<FeeChange>();
        foreach ((FeeFile f, int i) in (file.ServiceFee ?? []).Select((f, i) => (f, i)))
        {
            string where = $"catalog.json: serviceFee[{i}]";
            bool dateOk = DateOnly.TryParseExact(f.From, "yyyy-MM-dd", out DateOnly from);
            if (!dateOk)
            {
                errors.Add($"{where}: from '{f.From}' is not a date like 2016-04-01.");
            }

            ParseResult<Money> fee = f.Fee == "0" || f.Fee == "0.00" ? ParseResult<Money>.Ok(Money.Zero) : Money.ParseAmount(f.Fee);
            if (!fee.Success)
            {
                errors.Add($"{where}: fee: {fee.Error.Message}");
            }

            if (dateOk && fee.Success)
            {
                fees.Add(new FeeChange(from, fee.Value));
            }
        }

        if (errors.Count > before)
        {
            return null;
        }

        try
        {
            return new Catalog(packages, new FeeSchedule(fees));
        }
        catch (ArgumentException e)
        {
            errors.Add($"catalog.json: {e.Message}");
            return null;
        }
    }

    private static T? Read<T>(string path, List<string> errors)
        where T : class
    {
        try
        {
            using FileStream stream = File.OpenRead(path);
            T? value = JsonSerializer.Deserialize<T>(stream, FileOptions);
            if (value is null)
            {
                errors.Add($"{Path.GetFileName(path)}: the file is empty.");
            }

            return value;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            errors.Add($"{path}: cannot be read: {e.Message}");
        }
        catch (JsonException e)
        {
            errors.Add($"{Path.GetFileName(path)}: line {e.LineNumber + 1}: {e.Message}");
        }

        return null;
    }

    private static readonly JsonSerializerOptions FileOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    private sealed record OperatorFile(string? Name, string? TimeZone, string? DefaultLanguage, NumberingFile? Numbering);

    private sealed record NumberingFile(
        string? CountryCode,
        int NationalLength,
        string[]? MobilePrefixes,
        string[]? FixedPrefixes,
        string[]? OperatorPrefixes);

    private sealed record CatalogFile(PackageFile[]? Packages, FeeFile[]? ServiceFee);

    private sealed record PackageFile(string? Code, string? Name, string? Kind, string[]? AsksFor, string? Price, string[]? Amounts, bool? Ussd);

    private sealed record FeeFile(string? From, string? Fee);
}

/// <summary>A configuration that cannot be used, with every reason found.</summary>
public sealed class ConfigurationException(IReadOnlyList<string> errors)
    : Exception("The configuration is not valid:" + Environment.NewLine + string.Join(Environment.NewLine, errors.Select(e => "  - " + e)))
{
    public IReadOnlyList<string> Errors { get; } = errors;
}
