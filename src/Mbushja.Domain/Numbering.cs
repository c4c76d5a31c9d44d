namespace Mbushja.Domain;

/// <summary>A mobile subscriber's number, always E.164 (<c>+38349123456</c>). Made only by <see cref="NumberingPlan"/>.</summary>
public readonly record struct Msisdn
{
    internal Msisdn(string e164) => E164 = e164;

    public string E164 { get; }

    /// <summary>For logs: <c>+38349****56</c>. Never log <see cref="E164"/>.</summary>
    public string Masked => Numbering.Mask(E164);

    public override string ToString() => E164;
}

/// <summary>A fixed-line number (<c>+38338123456</c>), E.164. Made only by <see cref="NumberingPlan"/>.</summary>
public readonly record struct FixedNumber
{
    internal FixedNumber(string e164) => E164 = e164;

    public string E164 { get; }

    public string Masked => Numbering.Mask(E164);

    public override string ToString() => E164;
}

/// <summary>Which kind of line a national number belongs to.</summary>
public enum LineKind
{
    Mobile,
    Fixed,
}

/// <summary>Helpers shared by the number types.</summary>
public static class Numbering
{
    /// <summary>
    /// Masks a number or any identifier for logs: keeps the first 6 and the last 2 characters, escaped as
    /// <see cref="LogText"/> escapes them (a sender is whatever a gateway was given).
    /// </summary>
    public static string Mask(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "";
        }

        if (value.Length <= 8)
        {
            return new string('*', value.Length);
        }

        return LogText.Escape(string.Concat(value.AsSpan(0, 6), new string('*', value.Length - 8), value.AsSpan(value.Length - 2)));
    }
}

/// <summary>
/// A country's numbering as the operator configures it. For Kosovo: country code 383, a national significant number of
/// 8 digits written nationally with a leading 0; mobile numbers start 04, fixed 02 or 03; the operator's own mobile
/// prefixes (IPKO: 049, 043) decide what it can top up.
/// </summary>
public sealed record NumberingPlan
{
    /// <summary>The shipped Kosovo plan with IPKO's prefixes.</summary>
    public static NumberingPlan Kosovo { get; } = Create("383", 8, ["04"], ["02", "03"], ["049", "043"]);

    private NumberingPlan(string countryCode, int nationalLength, string[] mobile, string[] fixedLine, string[] own)
    {
        CountryCode = countryCode;
        NationalLength = nationalLength;
        MobilePrefixes = mobile;
        FixedPrefixes = fixedLine;
        OperatorPrefixes = own;
    }

    /// <summary>Digits of the country code, without a plus: <c>383</c>.</summary>
    public string CountryCode { get; }

    /// <summary>Digits of a national significant number, without the leading 0: 8 in Kosovo.</summary>
    public int NationalLength { get; }

    /// <summary>National prefixes with their leading 0 (<c>04</c>).</summary>
    public IReadOnlyList<string> MobilePrefixes { get; }

    public IReadOnlyList<string> FixedPrefixes { get; }

    /// <summary>The operator's own mobile prefixes, national form (<c>049</c>).</summary>
    public IReadOnlyList<string> OperatorPrefixes { get; }

    /// <summary>Validates a plan read from configuration.</summary>
    public static NumberingPlan Create(
        string countryCode,
        int nationalLength,
        IEnumerable<string> mobilePrefixes,
        IEnumerable<string> fixedPrefixes,
        IEnumerable<string> operatorPrefixes)
    {
        ArgumentException.ThrowIfNullOrEmpty(countryCode);
        if (!countryCode.All(char.IsAsciiDigit) || countryCode.Length > 3)
        {
            throw new ArgumentException($"Country code '{countryCode}' must be 1 to 3 digits.", nameof(countryCode));
        }

        if (nationalLength is < 4 or > 12)
        {
            throw new ArgumentOutOfRangeException(nameof(nationalLength), nationalLength, "must be 4 to 12 digits");
        }

        string[] mobile = CheckPrefixes(mobilePrefixes, nameof(mobilePrefixes), nationalLength);
        string[] fixedLine = CheckPrefixes(fixedPrefixes, nameof(fixedPrefixes), nationalLength);
        string[] own = CheckPrefixes(operatorPrefixes, nameof(operatorPrefixes), nationalLength);
        foreach (string p in own)
        {
            if (!mobile.Any(m => p.StartsWith(m, StringComparison.Ordinal)))
            {
                throw new ArgumentException($"Operator prefix '{p}' is not a mobile prefix.", nameof(operatorPrefixes));
            }
        }

        return new NumberingPlan(countryCode, nationalLength, mobile, fixedLine, own);
    }

    private static string[] CheckPrefixes(IEnumerable<string> prefixes, string name, int nationalLength)
    {
        string[] list = [.. prefixes];
        foreach (string p in list)
        {
            if (p.Length < 2 || p[0] != '0' || !p.All(char.IsAsciiDigit) || p.Length > nationalLength)
            {
                throw new ArgumentException($"Prefix '{p}' must be digits in national form, starting with 0.", name);
            }
        }

        return list;
    }

    /// <summary>
    /// Reads a mobile number of this operator in any accepted form: <c>049123456</c>, <c>49123456</c>,
    /// <c>+38349123456</c>, <c>38349123456</c>, <c>0038349123456</c>. Spaces, dashes, dots and brackets
    /// between digits are ignored.
    /// </summary>
    public ParseResult<Msisdn> ParseMsisdn(string? input)
    {
        ParseResult<(string National, LineKind Kind)> read = ReadNational(input);
        if (!read.Success)
        {
            return ParseResult<Msisdn>.Fail(read.Error);
        }

        (string national, LineKind kind) = read.Value;
        if (kind != LineKind.Mobile)
        {
            return ParseResult<Msisdn>.Fail(ErrorCodes.InvalidNumber, $"{national} is a fixed-line number, not a mobile number.");
        }

        if (!IsOperatorMobile(national))
        {
            return ParseResult<Msisdn>.Fail(
                ErrorCodes.NotOperatorNumber,
                $"{national} is not a number of this operator (prefixes {string.Join(", ", OperatorPrefixes)}).");
        }

        return ParseResult<Msisdn>.Ok(new Msisdn(ToE164(national)));
    }

    /// <summary>Reads a fixed-line number in the same forms as <see cref="ParseMsisdn"/>.</summary>
    public ParseResult<FixedNumber> ParseFixed(string? input)
    {
        ParseResult<(string National, LineKind Kind)> read = ReadNational(input);
        if (!read.Success)
        {
            return ParseResult<FixedNumber>.Fail(read.Error);
        }

        (string national, LineKind kind) = read.Value;
        return kind == LineKind.Fixed
            ? ParseResult<FixedNumber>.Ok(new FixedNumber(ToE164(national)))
            : ParseResult<FixedNumber>.Fail(ErrorCodes.InvalidNumber, $"{national} is a mobile number, not a fixed-line number.");
    }

    /// <summary>The national form people write and read, <c>049123456</c>, of an E.164 number of this country.</summary>
    public string ToNational(string e164) =>
        e164.StartsWith("+" + CountryCode, StringComparison.Ordinal) ? "0" + e164[(1 + CountryCode.Length)..] : e164;

    /// <summary>True when the national form (with its 0) starts with one of the operator's prefixes.</summary>
    public bool IsOperatorMobile(string national) =>
        OperatorPrefixes.Any(p => national.StartsWith(p, StringComparison.Ordinal));

    private string ToE164(string national) => $"+{CountryCode}{national.AsSpan(1)}";

    /// <summary>Normalises any accepted form to the national form with its leading 0, and classifies it.</summary>
    private ParseResult<(string National, LineKind Kind)> ReadNational(string? input)
    {
        if (string.IsNullOrWhiteSpace(input))
        {
            return Invalid("The number is missing.");
        }

        input = input.Trim(); // surrounding blanks, like the separators inside, are not part of the number
        if (input.Length > 32)
        {
            return Invalid("The number is too long.");
        }

        Span<char> digits = stackalloc char[32];
        int count = 0;
        bool plus = false;
        for (int i = 0; i < input.Length; i++)
        {
            char c = input[i];
            if (char.IsAsciiDigit(c))
            {
                digits[count++] = c;
            }
            else if (c == '+' && count == 0 && !plus)
            {
                plus = true;
            }
            else if (c is not (' ' or '-' or '.' or '(' or ')') || count == 0)
            {
                return Invalid($"'{input.Trim()}' is not a phone number.");
            }
        }

        ReadOnlySpan<char> d = digits[..count];
        scoped ReadOnlySpan<char> nsn;
        if (plus)
        {
            // +383 49123456
            if (!d.StartsWith(CountryCode))
            {
                return Invalid($"'{input.Trim()}' is not a number of country code +{CountryCode}.");
            }

            nsn = d[CountryCode.Length..];
        }
        else if (d.StartsWith("00"))
        {
            // 00383 49123456
            if (!d[2..].StartsWith(CountryCode))
            {
                return Invalid($"'{input.Trim()}' is not a number of country code +{CountryCode}.");
            }

            nsn = d[(2 + CountryCode.Length)..];
        }
        else if (d.Length == NationalLength + 1 && d[0] == '0')
        {
            // 049123456
            nsn = d[1..];
        }
        else if (d.Length == NationalLength + CountryCode.Length && d.StartsWith(CountryCode))
        {
            // 38349123456
            nsn = d[CountryCode.Length..];
        }
        else
        {
            // 49123456 (the national number without its 0)
            nsn = d;
        }

        if (nsn.Length != NationalLength || nsn[0] == '0')
        {
            return Invalid(
                $"'{input.Trim()}' is not a valid number: write it like 0{Example()} or +{CountryCode}{Example()}.");
        }

        string national = string.Concat("0", nsn);
        if (MobilePrefixes.Any(p => national.StartsWith(p, StringComparison.Ordinal)))
        {
            return ParseResult<(string, LineKind)>.Ok((national, LineKind.Mobile));
        }

        if (FixedPrefixes.Any(p => national.StartsWith(p, StringComparison.Ordinal)))
        {
            return ParseResult<(string, LineKind)>.Ok((national, LineKind.Fixed));
        }

        return Invalid($"{national} is neither a mobile nor a fixed-line number.");
    }

    private string Example() => (OperatorPrefixes.Count > 0 ? OperatorPrefixes[0][1..] : "4") + new string('1', NationalLength - 2);

    private static ParseResult<(string, LineKind)> Invalid(string message) =>
        ParseResult<(string, LineKind)>.Fail(ErrorCodes.InvalidNumber, message);
}
