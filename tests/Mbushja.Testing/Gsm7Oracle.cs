namespace Mbushja.Testing;

/// <summary>GSM 03.38 packing written independently of the code under test, as the tests' oracle.</summary>
public static class Gsm7Oracle
{
    /// <summary>
    /// Packing written the other way: a string of bits, 7 per septet least significant first, cut into octets; 7 bits
    /// left over at the end are a CR (§6.1.2.3.1). No septets, no octets.
    /// </summary>
    public static byte[] Pack(byte[] septets, int fill)
    {
        if (septets.Length == 0)
        {
            return [];
        }

        var bits = new List<int>();
        bits.AddRange(Enumerable.Repeat(0, fill));
        foreach (byte septet in septets)
        {
            for (int b = 0; b < 7; b++)
            {
                bits.Add((septet >> b) & 1);
            }
        }

        if (bits.Count % 8 == 1)
        {
            for (int b = 0; b < 7; b++)
            {
                bits.Add((0x0D >> b) & 1);
            }
        }

        byte[] octets = new byte[(bits.Count + 7) / 8];
        for (int i = 0; i < bits.Count; i++)
        {
            octets[i / 8] |= (byte)(bits[i] << (i % 8));
        }

        return octets;
    }
}
