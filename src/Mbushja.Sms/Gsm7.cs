using System.Buffers;
using System.Text;
using AnyAscii;

namespace Mbushja.Sms;

/// <summary>
/// The GSM 7-bit default alphabet (3GPP TS 23.038 §6.2.1) and its extension table (§6.2.1.1): a text made only of
/// these characters travels as GSM-7; anything else (Albanian ë, Serbian č, emoji) needs UCS-2.
/// </summary>
public static class Gsm7
{
    /// <summary>The default alphabet, without ESC (0x1B), which only introduces the extension table.</summary>
    private static readonly SearchValues<char> Basic = SearchValues.Create(
        "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
        + "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà");

    /// <summary>The extension table: each of these takes two septets (ESC and the character).</summary>
    private static readonly SearchValues<char> Extension = SearchValues.Create("\f^{}\\[~]|€");

    /// <summary>True when every character of <paramref name="text"/> has a GSM-7 encoding.</summary>
    public static bool CanEncode(ReadOnlySpan<char> text)
    {
        foreach (char c in text)
        {
            if (!Basic.Contains(c) && !Extension.Contains(c))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Septets the text takes in GSM-7 (extension characters count two); null when it cannot be encoded.</summary>
    public static int? Septets(ReadOnlySpan<char> text)
    {
        int septets = 0;
        foreach (char c in text)
        {
            if (Basic.Contains(c))
            {
                septets++;
            }
            else if (Extension.Contains(c))
            {
                septets += 2;
            }
            else
            {
                return null;
            }
        }

        return septets;
    }

    /// <summary>
    /// The text with every character GSM-7 lacks written in ones it has: Albanian ë → e and ç → c, Serbian č → c and
    /// đ → d, – → -, "…" → "..." (AnyAscii's transliteration). Characters GSM-7 has, accented ones like é or Ç among
    /// them, stay as they are; what has no such spelling becomes <c>?</c>. The result always passes <see cref="CanEncode"/>.
    /// </summary>
    public static string Transliterate(string text)
    {
        if (CanEncode(text))
        {
            return text;
        }

        var result = new StringBuilder(text.Length);
        foreach (Rune rune in text.EnumerateRunes())
        {
            string one = rune.ToString();
            if (CanEncode(one))
            {
                result.Append(one);
                continue;
            }

            int before = result.Length;
            foreach (char c in one.Transliterate())
            {
                if (CanEncode([c]))
                {
                    result.Append(c);
                }
            }

            if (result.Length == before)
            {
                result.Append('?');
            }
        }

        return result.ToString();
    }
}
