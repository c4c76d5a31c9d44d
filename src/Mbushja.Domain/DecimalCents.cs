using System.Globalization;

namespace Mbushja.Domain;

/// <summary>Why a decimal text could not be read as cents.</summary>
public enum DecimalCentsRefusal
{
    None,
    NotAnAmount,
    TooManyDecimals,
    TooLarge,
}

/// <summary>
/// Reads a decimal written in digits (<c>5</c>, <c>2.50</c>, <c>2.5</c>) as cents, exactly, with no floating point: one
/// reader for every amount that arrives as text, the rules its writers differ on given by the caller.
/// </summary>
/// <param name="Separators">The decimal separators allowed (a person may write a comma; ISO 20022 only a point).</param>
/// <param name="MaxWholeDigits">Digits before the separator, leading zeros aside: anything longer is refused before it can overflow.</param>
/// <param name="BareSeparator">Whether one side of the separator may be empty (<c>.5</c>, <c>5.</c>, as xs:decimal allows).</param>
public readonly record struct DecimalCents(string Separators, int MaxWholeDigits, bool BareSeparator)
{
    /// <summary>
    /// Reads <paramref name="text"/> (already trimmed, without sign) into <paramref name="cents"/>: at most two decimals,
    /// no sign, no exponent, no thousands separators.
    /// </summary>
    public DecimalCentsRefusal Read(ReadOnlySpan<char> text, out long cents)
    {
        cents = 0;
        int separator = text.IndexOfAny(Separators);
        ReadOnlySpan<char> whole = separator < 0 ? text : text[..separator];
        ReadOnlySpan<char> fraction = separator < 0 ? [] : text[(separator + 1)..];
        bool sidesPresent = BareSeparator
            ? !(whole.IsEmpty && fraction.IsEmpty)
            : !whole.IsEmpty && (separator < 0 || !fraction.IsEmpty);
        if (!sidesPresent || !IsDigits(whole) || !IsDigits(fraction))
        {
            return DecimalCentsRefusal.NotAnAmount;
        }

        if (fraction.Length > 2)
        {
            return DecimalCentsRefusal.TooManyDecimals;
        }

        whole = whole.TrimStart('0');
        if (whole.Length > MaxWholeDigits)
        {
            return DecimalCentsRefusal.TooLarge;
        }

        long euros = whole.IsEmpty ? 0 : long.Parse(whole, NumberStyles.None, CultureInfo.InvariantCulture);
        cents = (euros * 100) + fraction.Length switch
        {
            0 => 0,
            1 => (fraction[0] - '0') * 10,
            _ => ((fraction[0] - '0') * 10) + (fraction[1] - '0'),
        };
        return DecimalCentsRefusal.None;
    }

    private static bool IsDigits(ReadOnlySpan<char> text)
    {
        foreach (char c in text)
        {
            if (c is < '0' or > '9')
            {
                return false;
            }
        }

        return true;
    }
}
