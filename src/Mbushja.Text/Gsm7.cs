namespace Mbushja.Text;

/// <summary>
/// The GSM 7-bit default alphabet (3GPP TS 23.038 §6.2.1) and its extension table (§6.2.1.1): which texts travel as
/// GSM-7, their septets, and the packing of septets into octets (§6.1.2.1). A text made only of these characters
/// travels as GSM-7; anything else (Albanian ë, Serbian č, emoji) needs UCS-2. Decoding never throws.
/// </summary>
public static class Gsm7
{
    /// <summary>ESC: the next septet is read in the extension table.</summary>
    public const byte Escape = 0x1B;

    /// <summary>Carriage return, also the padding septet of §6.1.2.3.1.</summary>
    private const byte CarriageReturn = 0x0D;

    // The default alphabet in code order, 0x00–0x7F; 0x1B (ESC) has no character of its own.
    private const string Basic =
        "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\u001BÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
        + "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";

    // The extension table: (code after ESC, character).
    private static readonly (byte Code, char Char)[] Extension =
        [(0x0A, '\f'), (0x14, '^'), (0x28, '{'), (0x29, '}'), (0x2F, '\\'), (0x3C, '['), (0x3D, '~'), (0x3E, ']'), (0x40, '|'), (0x65, '€')];

    // Character → code, for characters below LookupLimit: NotEncodable, a basic code, or ExtensionFlag | code.
    private const int LookupLimit = 0x2100;
    private const byte NotEncodable = 0xFF;
    private const byte ExtensionFlag = 0x80;
    private static readonly byte[] FromChar = BuildFromChar();
    private static readonly char[] FromExtension = BuildFromExtension();

    /// <summary>True when every character of <paramref name="text"/> has a GSM-7 encoding.</summary>
    public static bool CanEncode(ReadOnlySpan<char> text) => Septets(text) is not null;

    /// <summary>Septets the text takes in GSM-7 (extension characters count two); null when it cannot be encoded.</summary>
    public static int? Septets(ReadOnlySpan<char> text)
    {
        int septets = 0;
        foreach (char c in text)
        {
            int cost = SeptetsOf(c);
            if (cost == 0)
            {
                return null;
            }

            septets += cost;
        }

        return septets;
    }

    /// <summary>1 for a character of the default alphabet, 2 for one of the extension table, 0 for any other.</summary>
    public static int SeptetsOf(char c)
    {
        if (c >= LookupLimit)
        {
            return 0;
        }

        byte code = FromChar[c];
        return code == NotEncodable ? 0 : (code & ExtensionFlag) != 0 ? 2 : 1;
    }

    /// <summary>
    /// Writes the text's septets, one per octet (the "unpacked" form SMSCs commonly take in short_message), extension
    /// characters as ESC and their code. Returns the septets written. The text must be encodable (<see cref="CanEncode"/>).
    /// </summary>
    public static int Encode(ReadOnlySpan<char> text, Span<byte> septets)
    {
        int written = 0;
        foreach (char c in text)
        {
            byte code = c < LookupLimit ? FromChar[c] : NotEncodable;
            if (code == NotEncodable)
            {
                throw new ArgumentException($"U+{(int)c:X4} has no GSM 7-bit encoding; check CanEncode first.", nameof(text));
            }

            if ((code & ExtensionFlag) != 0)
            {
                septets[written++] = Escape;
                code &= 0x7F;
            }

            septets[written++] = code;
        }

        return written;
    }

    /// <summary>
    /// The text of unpacked septets. The high bit of each octet is ignored. An ESC before a code the extension table
    /// lacks gives the default alphabet's character for that code, ESC ESC a space, and a final ESC nothing
    /// (§6.2.1.1).
    /// </summary>
    public static string Decode(ReadOnlySpan<byte> septets)
    {
        if (septets.IsEmpty)
        {
            return string.Empty;
        }

        Span<char> chars = septets.Length <= 512 ? stackalloc char[septets.Length] : new char[septets.Length];
        int count = 0;
        for (int i = 0; i < septets.Length; i++)
        {
            int code = septets[i] & 0x7F;
            if (code != Escape)
            {
                chars[count++] = Basic[code];
                continue;
            }

            if (++i == septets.Length)
            {
                break;
            }

            int extended = septets[i] & 0x7F;
            chars[count++] = extended == Escape ? ' ' : FromExtension[extended] is var c && c != '\0' ? c : Basic[extended];
        }

        return new string(chars[..count]);
    }

    /// <summary>
    /// Octets that <paramref name="septetCount"/> septets take packed after <paramref name="fillBits"/> fill bits
    /// (0–6: the bits that align the first septet after a user data header, 3GPP TS 23.040 §9.2.3.24).
    /// </summary>
    public static int PackedLength(int septetCount, int fillBits = 0) => septetCount == 0 ? 0 : (fillBits + (septetCount * 7) + 7) / 8;

    /// <summary>
    /// Packs septets into octets (§6.1.2.1.1), least significant bit first, starting <paramref name="fillBits"/> bits
    /// into the first octet. When the last octet would end in 7 unused bits they hold CR, not zeros, so they are not
    /// read as '@' (§6.1.2.3.1). Returns the octets written.
    /// </summary>
    public static int Pack(ReadOnlySpan<byte> septets, Span<byte> packed, int fillBits = 0)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)fillBits, 6u, nameof(fillBits));
        int length = PackedLength(septets.Length, fillBits);
        packed[..length].Clear();
        int bit = fillBits;
        foreach (byte septet in septets)
        {
            Put(packed, bit, septet);
            bit += 7;
        }

        if ((length * 8) - bit == 7)
        {
            Put(packed, bit, CarriageReturn);
        }

        return length;
    }

    /// <summary>
    /// Unpacks octets into septets, one per octet, skipping <paramref name="fillBits"/> leading bits. SMPP gives the
    /// length in octets, not septets, so when the septets end exactly where the octets do, the last one may be the
    /// 7 bits of padding: a CR there is taken as padding, as §6.1.2.3.1 has senders pad with CR (and add a second
    /// CR when a wanted one would land there). An '@' there is kept: it is a real character as often as it is the
    /// zero padding of a sender that ignores the rule. Returns the septets written.
    /// </summary>
    public static int Unpack(ReadOnlySpan<byte> packed, Span<byte> septets, int fillBits = 0)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)fillBits, 6u, nameof(fillBits));
        int bits = (packed.Length * 8) - fillBits;
        if (bits <= 0)
        {
            return 0;
        }

        int count = bits / 7;
        for (int i = 0; i < count; i++)
        {
            septets[i] = Get(packed, fillBits + (i * 7));
        }

        if (count > 0 && bits % 7 == 0 && septets[count - 1] == CarriageReturn)
        {
            count--;
        }

        return count;
    }

    /// <summary>The most septets <paramref name="packedLength"/> octets can hold after <paramref name="fillBits"/>.</summary>
    public static int MaxSeptets(int packedLength, int fillBits = 0) => Math.Max(0, ((packedLength * 8) - fillBits) / 7);

    private static void Put(Span<byte> packed, int bit, byte septet)
    {
        int octet = bit >> 3;
        int shift = bit & 7;
        packed[octet] |= (byte)((septet << shift) & 0xFF);
        if (shift > 1)
        {
            packed[octet + 1] |= (byte)(septet >> (8 - shift));
        }
    }

    private static byte Get(ReadOnlySpan<byte> packed, int bit)
    {
        int octet = bit >> 3;
        int shift = bit & 7;
        int value = packed[octet] >> shift;
        if (shift > 1)
        {
            value |= packed[octet + 1] << (8 - shift);
        }

        return (byte)(value & 0x7F);
    }

    private static byte[] BuildFromChar()
    {
        byte[] table = new byte[LookupLimit];
        Array.Fill(table, NotEncodable);
        for (int code = 0; code < Basic.Length; code++)
        {
            if (code != Escape)
            {
                table[Basic[code]] = (byte)code;
            }
        }

        foreach ((byte code, char c) in Extension)
        {
            table[c] = (byte)(ExtensionFlag | code);
        }

        return table;
    }

    private static char[] BuildFromExtension()
    {
        char[] table = new char[128];
        foreach ((byte code, char c) in Extension)
        {
            table[code] = c;
        }

        return table;
    }
}
