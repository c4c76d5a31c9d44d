using System.Text;

namespace Mbushja.Smpp.Wire;

/// <summary>
/// C-octet strings (SMPP v3.4 §3.1): ASCII characters ended by a NUL, the NUL counted in the field's maximum size.
/// Octets are read as Latin-1 so that any byte maps to one character and back (a round trip never changes a
/// byte); writing refuses what would not come back the same.
/// </summary>
internal static class CString
{
    /// <summary>Octets the string takes on the wire, NUL included.</summary>
    public static int Size(string? value) => (value?.Length ?? 0) + 1;

    public static string Decode(ReadOnlySpan<byte> octets) => octets.IsEmpty ? string.Empty : Encoding.Latin1.GetString(octets);

    /// <summary>Writes <paramref name="value"/> and its NUL; throws when it cannot be encoded (a caller's bug, not input).</summary>
    public static int Encode(string? value, Span<byte> destination, int maxOctets, string field)
    {
        value ??= string.Empty;
        if (value.Length + 1 > maxOctets)
        {
            throw new ArgumentException($"{field} takes at most {maxOctets - 1} characters, not {value.Length}.", field);
        }

        for (int i = 0; i < value.Length; i++)
        {
            char c = value[i];
            if (c is '\0' or > '\u00FF')
            {
                throw new ArgumentException($"{field} holds a character (U+{(int)c:X4} at {i}) that a C-octet string cannot carry.", field);
            }

            destination[i] = (byte)c;
        }

        destination[value.Length] = 0;
        return value.Length + 1;
    }
}
