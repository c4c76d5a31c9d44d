using System.Globalization;
using System.Text.RegularExpressions;

namespace Mbushja.Testing;

/// <summary>
/// Octets written as hex, grouped as the reader likes: single spaces, '|' and line breaks are ignored, and two or
/// more spaces start a comment that runs to the end of the line.
/// </summary>
public static partial class Hex
{
    public static byte[] Parse(string hex)
    {
        string code = Comment().Replace(hex, string.Empty);
        string digits = string.Concat(code.Where(Uri.IsHexDigit));
        if (digits.Length % 2 != 0)
        {
            throw new ArgumentException($"odd number of hex digits in \"{hex}\"", nameof(hex));
        }

        return Enumerable.Range(0, digits.Length / 2)
            .Select(i => byte.Parse(digits.AsSpan(i * 2, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture))
            .ToArray();
    }

    [GeneratedRegex(@"[ \t]{2,}\S.*$", RegexOptions.Multiline)]
    private static partial Regex Comment();

    public static string Format(ReadOnlySpan<byte> bytes) => Convert.ToHexString(bytes);
}
