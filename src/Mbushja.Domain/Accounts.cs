namespace Mbushja.Domain;

/// <summary>The languages a subscriber can be answered in.</summary>
public enum Language
{
    Sq,
    En,
    Sr,
}

/// <summary>What a service account is for.</summary>
public enum ServiceKind
{
    Fixed,
    Internet,
    Tv,
    Duo,
}

/// <summary>Reading and writing the wire names (<c>sq</c>, <c>tv</c>...) of the small domain enums.</summary>
public static class DomainNames
{
    public static string ToWire(this Language language) => language switch
    {
        Language.Sq => "sq",
        Language.En => "en",
        Language.Sr => "sr",
        _ => throw new ArgumentOutOfRangeException(nameof(language)),
    };

    public static string ToWire(this ServiceKind kind) => kind switch
    {
        ServiceKind.Fixed => "fixed",
        ServiceKind.Internet => "internet",
        ServiceKind.Tv => "tv",
        ServiceKind.Duo => "duo",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    public static ParseResult<Language> ParseLanguage(string? text) => text?.Trim().ToUpperInvariant() switch
    {
        "SQ" => ParseResult<Language>.Ok(Language.Sq),
        "EN" => ParseResult<Language>.Ok(Language.En),
        "SR" => ParseResult<Language>.Ok(Language.Sr),
        _ => ParseResult<Language>.Fail(ErrorCodes.InvalidLanguage, $"Language '{text}' is not one of sq, en, sr."),
    };

    public static ParseResult<ServiceKind> ParseKind(string? text) => text?.Trim().ToUpperInvariant() switch
    {
        "FIXED" => ParseResult<ServiceKind>.Ok(ServiceKind.Fixed),
        "INTERNET" => ParseResult<ServiceKind>.Ok(ServiceKind.Internet),
        "TV" => ParseResult<ServiceKind>.Ok(ServiceKind.Tv),
        "DUO" => ParseResult<ServiceKind>.Ok(ServiceKind.Duo),
        _ => ParseResult<ServiceKind>.Fail(ErrorCodes.InvalidKind, $"Kind '{text}' is not one of fixed, internet, tv, duo."),
    };
}

/// <summary>The ways a service account is named by its owner.</summary>
public enum IdentifierKind
{
    Username,
    Contract,
    SmartCard,
    Number,
}

/// <summary>
/// A username, contract name or SMART card number as the subscriber writes it. Lookups ignore case;
/// the text is kept as written.
/// </summary>
public readonly record struct AccountIdentifier
{
    public const int MaxLength = 64;

    private AccountIdentifier(string value) => Value = value;

    public string Value { get; }

    /// <summary>The lookup key: identifiers are unique regardless of case.</summary>
    public string Key => Value.ToLowerInvariant();

    /// <summary>
    /// Usernames and contract names: letters, digits and <c>. _ - @</c>, 1 to 64 characters. SMART cards: digits and
    /// letters only, 4 to 32.
    /// </summary>
    public static ParseResult<AccountIdentifier> Parse(string? text, IdentifierKind kind)
    {
        string value = text?.Trim() ?? "";
        string label = kind switch
        {
            IdentifierKind.Username => "username",
            IdentifierKind.Contract => "contract",
            IdentifierKind.SmartCard => "SMART card",
            _ => "identifier",
        };
        if (value.Length == 0)
        {
            return ParseResult<AccountIdentifier>.Fail(ErrorCodes.InvalidIdentifier, $"The {label} is empty.");
        }

        if (value.Length > MaxLength)
        {
            return ParseResult<AccountIdentifier>.Fail(ErrorCodes.InvalidIdentifier, $"The {label} is longer than {MaxLength} characters.");
        }

        bool smartCard = kind == IdentifierKind.SmartCard;
        if (smartCard && value.Length < 4)
        {
            return ParseResult<AccountIdentifier>.Fail(ErrorCodes.InvalidIdentifier, "A SMART card number has at least 4 characters.");
        }

        foreach (char c in value)
        {
            bool ok = char.IsAsciiLetterOrDigit(c) || (!smartCard && c is '.' or '_' or '-' or '@');
            if (!ok)
            {
                return ParseResult<AccountIdentifier>.Fail(
                    ErrorCodes.InvalidIdentifier,
                    smartCard
                        ? $"The SMART card '{value}' may hold only letters and digits."
                        : $"The {label} '{value}' may hold only letters, digits and . _ - @.");
            }
        }

        return ParseResult<AccountIdentifier>.Ok(new AccountIdentifier(value));
    }

    public override string ToString() => Value;
}
