namespace Mbushja.Smpp.Text;

/// <summary>Where a part's place in a long message was read from.</summary>
public enum ConcatScheme
{
    /// <summary>User data header, IEI 0x00: 8-bit reference (3GPP TS 23.040 §9.2.3.24.1).</summary>
    Udh8,

    /// <summary>User data header, IEI 0x08: 16-bit reference (§9.2.3.24.8).</summary>
    Udh16,

    /// <summary>sar_msg_ref_num, sar_total_segments, sar_segment_seqnum (SMPP v3.4 §5.3.2.22–24).</summary>
    Sar,
}

/// <summary>A part's place in a long message: its reference, how many parts there are, and which one this is (from 1).</summary>
public readonly record struct ConcatInfo(ushort Reference, byte Total, byte Sequence, ConcatScheme Scheme)
{
    /// <summary>23.040 §9.2.3.24.1: a total of 0 or a sequence outside 1..total makes the receiver ignore the element.</summary>
    public bool IsValid => Total >= 1 && Sequence >= 1 && Sequence <= Total;
}

/// <summary>The user data header of 3GPP TS 23.040 §9.2.3.24: its length octet, then information elements.</summary>
public static class UserDataHeader
{
    /// <summary>Octets of a header with one 8-bit concatenation element: UDHL, IEI, IEDL and 3 octets.</summary>
    public const int Concat8Length = 6;

    /// <summary>Octets of a header with one 16-bit concatenation element: UDHL, IEI, IEDL and 4 octets.</summary>
    public const int Concat16Length = 7;

    private const byte ConcatIei8 = 0x00;
    private const byte ConcatIei16 = 0x08;

    /// <summary>
    /// Reads the header at the start of <paramref name="userData"/>: its length (UDHL and the octet that holds it),
    /// and its concatenation element if there is a valid one (when several, the last counts). False when the header
    /// runs past the data or an element past the header.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> userData, out int headerLength, out ConcatInfo? concat)
    {
        concat = null;
        headerLength = 0;
        if (userData.IsEmpty || 1 + userData[0] > userData.Length)
        {
            return false;
        }

        headerLength = 1 + userData[0];
        ReadOnlySpan<byte> elements = userData[1..headerLength];
        while (!elements.IsEmpty)
        {
            if (elements.Length < 2 || 2 + elements[1] > elements.Length)
            {
                return false;
            }

            byte iei = elements[0];
            ReadOnlySpan<byte> data = elements.Slice(2, elements[1]);
            if (iei == ConcatIei8 && data.Length == 3)
            {
                concat = Valid(new ConcatInfo(data[0], data[1], data[2], ConcatScheme.Udh8)) ?? concat;
            }
            else if (iei == ConcatIei16 && data.Length == 4)
            {
                concat = Valid(new ConcatInfo((ushort)((data[0] << 8) | data[1]), data[2], data[3], ConcatScheme.Udh16)) ?? concat;
            }

            elements = elements[(2 + data.Length)..];
        }

        return true;
    }

    /// <summary>Writes a header holding only the concatenation element for <paramref name="concat"/>; returns its length.</summary>
    public static int WriteConcat(Span<byte> destination, ConcatInfo concat)
    {
        if (concat.Scheme == ConcatScheme.Udh16)
        {
            destination[0] = Concat16Length - 1;
            destination[1] = ConcatIei16;
            destination[2] = 4;
            destination[3] = (byte)(concat.Reference >> 8);
            destination[4] = (byte)(concat.Reference & 0xFF);
            destination[5] = concat.Total;
            destination[6] = concat.Sequence;
            return Concat16Length;
        }

        destination[0] = Concat8Length - 1;
        destination[1] = ConcatIei8;
        destination[2] = 3;
        destination[3] = (byte)(concat.Reference & 0xFF);
        destination[4] = concat.Total;
        destination[5] = concat.Sequence;
        return Concat8Length;
    }

    /// <summary>Bits that align GSM-7 septets after a header of <paramref name="headerLength"/> octets (§9.2.3.24).</summary>
    public static int FillBits(int headerLength) => (7 - (headerLength * 8 % 7)) % 7;

    private static ConcatInfo? Valid(ConcatInfo concat) => concat.IsValid ? concat : null;
}
