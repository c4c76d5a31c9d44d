using System.Globalization;
using System.Text;
using AnyAscii;

namespace Mbushja.Text;

/// <summary>
/// Turns a text into one GSM-7 can carry, for USSD screens and for operators that would rather send 160 plain
/// characters than 70 UCS-2 ones. Characters GSM-7 has (é, Ç, Ä, ...) stay as they are; the others are spelled in
/// ASCII by AnyAscii (Albanian ë → e, ç → c; Serbian č → c, Cyrillic → Latin; typographic punctuation → ASCII), with
/// Serbian's own đ → dj and џ → dz; a symbol (an emoji) or anything without a spelling becomes one '?'.
/// </summary>
public static class Transliteration
{
    /// <summary>The text with every character GSM-7 lacks replaced.</summary>
    public static string ToGsm7(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (Gsm7.CanEncode(text))
        {
            return text;
        }

        var result = new StringBuilder(text.Length);
        foreach (Rune rune in text.EnumerateRunes())
        {
            if (rune.IsBmp && Gsm7.SeptetsOf((char)rune.Value) > 0)
            {
                result.Append((char)rune.Value);
                continue;
            }

            int before = result.Length;
            foreach (char c in Spelling(rune))
            {
                if (Gsm7.SeptetsOf(c) > 0)
                {
                    result.Append(c);
                }
            }

            // Invisible formatting (a zero-width space, a byte order mark) is spelled as nothing, and that is right.
            if (result.Length == before && Rune.GetUnicodeCategory(rune) != UnicodeCategory.Format)
            {
                result.Append('?');
            }
        }

        return result.ToString();
    }

    private static string Spelling(Rune rune) => rune.Value switch
    {
        'đ' => "dj",
        'Đ' => "Dj",
        'џ' => "dz",
        'Џ' => "Dz",
        _ when Rune.GetUnicodeCategory(rune) is UnicodeCategory.OtherSymbol or UnicodeCategory.Surrogate => "",
        _ => rune.ToString().Transliterate(),
    };
}
