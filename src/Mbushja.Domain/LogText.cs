using System.Globalization;
using System.Text;

namespace Mbushja.Domain;

/// <summary>
/// Text someone outside typed (a console user name, an SMS sender, a gateway's session id) as a log line carries it:
/// control characters, line and paragraph separators and bidirectional controls are written as escapes (<c>\r</c>,
/// <c>\n</c>, <c>\t</c>, <c>\u001b</c>, <c>\u2028</c>, <c>\u202e</c>) and a backslash as <c>\\</c>, so that nobody can
/// end a line and forge the next, drive a terminal, or turn the text around. Every log call that carries such text
/// takes it as a <see cref="LogText"/> (<c>new LogText(username)</c>, escaped only when the line is written), or through
/// <see cref="Numbering.Mask"/>.
/// </summary>
public readonly struct LogText(string? value)
{
    public override string ToString() => Escape(value);

    /// <summary>The text with what could forge or disguise a log line made visible; the same string when there is nothing to escape.</summary>
    public static string Escape(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return "";
        }

        int first = 0;
        while (first < text.Length && !NeedsEscape(text, first))
        {
            first++;
        }

        if (first == text.Length)
        {
            return text;
        }

        var escaped = new StringBuilder(text.Length + 16);
        escaped.Append(text, 0, first);
        for (int i = first; i < text.Length; i++)
        {
            char c = text[i];
            if (!NeedsEscape(text, i))
            {
                escaped.Append(c);
                continue;
            }

            escaped.Append(c switch
            {
                '\\' => @"\\",
                '\r' => @"\r",
                '\n' => @"\n",
                '\t' => @"\t",
                _ => @"\u" + ((int)c).ToString("x4", CultureInfo.InvariantCulture),
            });
        }

        return escaped.ToString();
    }

    /// <summary>
    /// C0 and C1 controls and DEL; U+2028 and U+2029, which end a line for some readers; the bidirectional marks,
    /// embeddings, overrides and isolates (U+061C, U+200E-U+200F, U+202A-U+202E, U+2066-U+2069); a surrogate without
    /// its pair (no character at all); and the backslash, so that an escape in the log is always one of these.
    /// </summary>
    private static bool NeedsEscape(string text, int i)
    {
        char c = text[i];
        return c switch
        {
            '\\' => true,
            < ' ' or (>= '\u007f' and <= '\u009f') => true,
            '\u061c' or '\u200e' or '\u200f' or '\u2028' or '\u2029' or (>= '\u202a' and <= '\u202e') or (>= '\u2066' and <= '\u2069') => true,
            _ when char.IsHighSurrogate(c) => i + 1 >= text.Length || !char.IsLowSurrogate(text[i + 1]),
            _ when char.IsLowSurrogate(c) => i == 0 || !char.IsHighSurrogate(text[i - 1]),
            _ => false,
        };
    }
}
