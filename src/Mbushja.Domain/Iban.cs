
namespace Mbushja.Domain;

/// <summary>
/// A bank account reference: an IBAN (ISO 13616), normalised to upper case without spaces
/// (<c>XK051212012345678906</c>). Made only by <see cref="Parse"/>, so every value has a valid checksum.
/// </summary>
public readonly record struct Iban
{
    private const int MinLength = 15; // Norway, the shortest IBAN in the registry
    private const int MaxLength = 34; // ISO 13616's upper bound

    // Kosovo, the operator's country: XK + 2 check digits + 16 digits (4 bank, 10 account, 2 national check).
    private const string Kosovo = "XK";
    private const int KosovoLength = 20;

    private Iban(string value) => Value = value;

    public string Value { get; }

    /// <summary>The ISO 3166 country code the IBAN starts with.</summary>
    public string CountryCode => Value[..2];

    /// <summary>For logs: the country, check digits and the last 4 characters (<c>XK05************8906</c>).</summary>
    public string Masked => Value is null ? "" : string.Concat(Value.AsSpan(0, 4), new string('*', Value.Length - 8), Value.AsSpan(Value.Length - 4));

    public override string ToString() => Value;

    /// <summary>The Kosovo IBAN of a 16-digit account number, with its ISO 13616 check digits (demo data, benchmarks).</summary>
    public static Iban ForKosovoAccount(string bban)
    {
        int check = 98 - Mod97(Kosovo + "00" + bban);
        return Parse($"{Kosovo}{check:00}{bban}").TryGetValue(out Iban iban)
            ? iban
            : throw new ArgumentException($"'{bban}' is not a 16-digit Kosovo account number.", nameof(bban));
    }

    /// <summary>
    /// Reads an IBAN as people write it: spaces anywhere, any letter case. Checks the shape (2 letters, 2 check
    /// digits, alphanumeric BBAN; for Kosovo exactly 16 digits) and the ISO 7064 mod-97 checksum. Never throws.
    /// </summary>
    public static ParseResult<Iban> Parse(string? input)
    {
        if (string.IsNullOrWhiteSpace(input))
        {
            return Fail("The account reference is empty; give the IBAN.");
        }

        if (input.Length > 4 * MaxLength)
        {
            return Fail("The account reference is too long for an IBAN.");
        }

        Span<char> buffer = stackalloc char[MaxLength];
        int length = 0;
        foreach (char c in input)
        {
            if (c == ' ')
            {
                continue;
            }

            if (!char.IsAsciiLetterOrDigit(c))
            {
                return Fail("An IBAN holds only letters and digits (spaces between groups are fine).");
            }

            if (length == MaxLength)
            {
                return Fail($"An IBAN has at most {MaxLength} characters.");
            }

            buffer[length++] = char.ToUpperInvariant(c);
        }

        ReadOnlySpan<char> iban = buffer[..length];
        if (length < MinLength)
        {
            return Fail($"An IBAN has at least {MinLength} characters.");
        }

        if (!char.IsAsciiLetterUpper(iban[0]) || !char.IsAsciiLetterUpper(iban[1]))
        {
            return Fail("An IBAN starts with a two-letter country code.");
        }

        if (!char.IsAsciiDigit(iban[2]) || !char.IsAsciiDigit(iban[3]))
        {
            return Fail("An IBAN has two check digits after the country code.");
        }

        if (iban.StartsWith(Kosovo, StringComparison.Ordinal))
        {
            if (length != KosovoLength || iban[4..].ContainsAnyExceptInRange('0', '9'))
            {
                return Fail($"A Kosovo IBAN is {Kosovo}, 2 check digits and 16 digits ({KosovoLength} characters).");
            }
        }

        // 00, 01 and 99 are never computed check digits, though 01 and 99 pass mod 97 (they equal 98 and 02).
        if (iban[2..4] is "00" or "01" or "99" || Mod97(iban) != 1)
        {
            return Fail("The IBAN's check digits do not match: a character is mistyped.");
        }

        return ParseResult<Iban>.Ok(new Iban(new string(iban)));
    }

    /// <summary>ISO 7064 MOD 97-10 over the IBAN with its first four characters moved to the end, letters as 10..35.</summary>
    private static int Mod97(ReadOnlySpan<char> iban)
    {
        int remainder = 0;
        for (int i = 0; i < iban.Length; i++)
        {
            char c = iban[(i + 4) % iban.Length];
            int value = char.IsAsciiDigit(c) ? c - '0' : c - 'A' + 10;
            remainder = value < 10 ? ((remainder * 10) + value) % 97 : ((remainder * 100) + value) % 97;
        }

        return remainder;
    }

    private static ParseResult<Iban> Fail(string message) => ParseResult<Iban>.Fail(ErrorCodes.InvalidAccountRef, message);
}
