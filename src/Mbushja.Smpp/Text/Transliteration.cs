using System.Collections.Frozen;
using System.Text;

namespace Mbushja.Smpp.Text;

/// <summary>
/// Turns a text into one GSM-7 can carry, for operators that would rather send 160 plain characters than 70 UCS-2
/// ones: Albanian and Serbian letters lose their marks (ë → e, č → c, đ → dj), Serbian Cyrillic becomes its Latin
/// spelling, typographic punctuation becomes ASCII, and what is left becomes '?'. Characters GSM-7 has (é, Ç, Ä, ...)
/// stay as they are.
/// </summary>
public static class Transliteration
{
    private static readonly FrozenDictionary<char, string> Map = Build();

    /// <summary>The text with every character GSM-7 lacks replaced; a surrogate pair (an emoji) becomes one '?'.</summary>
    public static string ToGsm7(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (Gsm7.CanEncode(text))
        {
            return text;
        }

        var result = new StringBuilder(text.Length);
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (Gsm7.SeptetsOf(c) > 0)
            {
                result.Append(c);
            }
            else if (Map.TryGetValue(c, out string? replacement))
            {
                result.Append(replacement);
            }
            else
            {
                if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                {
                    i++;
                }

                result.Append('?');
            }
        }

        return result.ToString();
    }

    private static FrozenDictionary<char, string> Build()
    {
        var map = new Dictionary<char, string>();

        void Letters(string from, string to)
        {
            for (int i = 0; i < from.Length; i++)
            {
                map[from[i]] = to[i].ToString();
            }
        }

        // Latin letters with marks GSM-7 lacks (Albanian ë ç, Serbian/Croatian š č ć ž, and their neighbours).
        Letters("ëËçšŠčČćĆžŽáÁâÂãÃăĂąĄêÊěĚęĘíÍîÎïÏóÓôÔõÕőŐúÚûÛůŮűŰýÝÿŸłŁńŃňŇřŘśŚşŞșȘťŤţŢțȚźŹżŻğĞıİďĎ",
                "eEcsScCcCzZaAaAaAaAaAeEeEeEiIiIiIoOoOoOoOuUuUuUuUyYyYlLnNnNrRsSsSsStTtTtTzZzZgGiIdD");
        map['đ'] = "dj";
        map['Đ'] = "Dj";
        map['œ'] = "oe";
        map['Œ'] = "OE";
        map['ŀ'] = "l";

        // Serbian Cyrillic, by the official Latin spelling.
        string[] cyrillic =
        [
            "А A", "Б B", "В V", "Г G", "Д D", "Ђ Dj", "Е E", "Ж Z", "З Z", "И I", "Ј J", "К K", "Л L", "Љ Lj", "М M",
            "Н N", "Њ Nj", "О O", "П P", "Р R", "С S", "Т T", "Ћ C", "У U", "Ф F", "Х H", "Ц C", "Ч C", "Џ Dz", "Ш S",
            "а a", "б b", "в v", "г g", "д d", "ђ dj", "е e", "ж z", "з z", "и i", "ј j", "к k", "л l", "љ lj", "м m",
            "н n", "њ nj", "о o", "п p", "р r", "с s", "т t", "ћ c", "у u", "ф f", "х h", "ц c", "ч c", "џ dz", "ш s",
        ];
        foreach (string pair in cyrillic)
        {
            map[pair[0]] = pair[2..];
        }

        // Punctuation and spaces.
        foreach (char c in "‘’‚‛′`´")
        {
            map[c] = "'";
        }

        foreach (char c in "“”„‟″«»")
        {
            map[c] = "\"";
        }

        foreach (char c in "‐‑‒–—―−")
        {
            map[c] = "-";
        }

        foreach (char c in "\u00A0\u2002\u2003\u2009\u200A\u202F\t")
        {
            map[c] = " ";
        }

        map['…'] = "...";
        map['•'] = "*";
        map['·'] = ".";
        map['\u200B'] = string.Empty;
        map['\uFEFF'] = string.Empty;
        return map.ToFrozenDictionary();
    }
}
