using FsCheck.Xunit;

using Mbushja.Testing;

namespace Mbushja.Text.Tests;

/// <summary>3GPP TS 23.038 §6.2.1 (the alphabet and its extension table) and §6.1.2.1 (packing).</summary>
public sealed class Gsm7CodingTests
{
    [Theory]
    [InlineData("@", "00")]
    [InlineData("£$¥", "010203")]
    [InlineData("Ç", "09")]
    [InlineData("\n\r", "0A0D")]
    [InlineData("ΔΦΓΛΩΠΨΣΘΞ", "10 12 13 14 15 16 17 18 19 1A")]
    [InlineData("ÆæßÉ", "1C1D1E1F")]
    [InlineData(" ¤", "2024")]
    [InlineData("¡ÄÖÑÜ§", "405B5C5D5E5F")]
    [InlineData("¿äöñüà", "607B7C7D7E7F")]
    [InlineData("Aa0", "416130")]
    [InlineData("€", "1B65")]
    [InlineData("[]", "1B3C1B3E")]
    [InlineData("{}", "1B281B29")]
    [InlineData("^~", "1B141B3D")]
    [InlineData("\\|", "1B2F1B40")]
    [InlineData("\f", "1B0A")]
    [InlineData("5 € [x]", "35201B65201B3C781B3E")]
    public void Encode_Text_GivesItsSeptets(string text, string septets)
    {
        byte[] buffer = new byte[text.Length * 2];

        int count = Gsm7.Encode(text, buffer);

        Assert.Equal(Hex.Format(Hex.Parse(septets)), Hex.Format(buffer.AsSpan(0, count)));
        Assert.Equal(text, Gsm7.Decode(buffer.AsSpan(0, count)));
    }

    [Fact]
    public void Encode_TheWholeAlphabet_DecodesBack()
    {
        string all = string.Concat(Enumerable.Range(0, 128).Where(code => code != 0x1B).Select(code => Gsm7.Decode([(byte)code]))) + "€[]{}^~\\|\f";
        byte[] septets = new byte[all.Length * 2];

        int count = Gsm7.Encode(all, septets);

        Assert.Equal(127 + 10, all.Length);
        Assert.Equal(127 + 20, count);
        Assert.Equal(all, Gsm7.Decode(septets.AsSpan(0, count)));
    }

    [Theory]
    [InlineData("1B 41", "A")]       // ESC before a code without an extension: the basic character (§6.2.1.1)
    [InlineData("1B 1B 41", " A")]   // ESC ESC: a space until another table is defined
    [InlineData("41 1B", "A")]       // a final ESC: nothing
    [InlineData("C1 E2", "Ab")]      // the high bit of an unpacked octet is ignored
    public void Decode_OddSeptets_NeverThrow(string septets, string text) =>
        Assert.Equal(text, Gsm7.Decode(Hex.Parse(septets)));

    [Theory]
    [InlineData("hellohello", "E8329BFD4697D9EC37")] // the packing example of 3GPP TS 23.038 / the SMS literature
    [InlineData("Hi", "C834")]
    public void Pack_KnownVectors(string text, string packed)
    {
        byte[] septets = new byte[text.Length];
        Gsm7.Encode(text, septets);
        byte[] output = new byte[Gsm7.PackedLength(septets.Length)];

        int length = Gsm7.Pack(septets, output);

        Assert.Equal(packed, Hex.Format(output.AsSpan(0, length)));
        byte[] back = new byte[Gsm7.MaxSeptets(length)];
        Assert.Equal(text, Gsm7.Decode(back.AsSpan(0, Gsm7.Unpack(output, back))));
    }

    [Property(MaxTest = 500)]
    public bool Pack_AgreesWithABitByBitPacking_ForEveryFill(byte[] raw, byte fillSeed)
    {
        byte[] septets = raw.Select(b => (byte)(b & 0x7F)).ToArray();
        int fill = fillSeed % 7;
        byte[] packed = new byte[Gsm7.PackedLength(septets.Length, fill)];

        Gsm7.Pack(septets, packed, fill);

        return packed.AsSpan().SequenceEqual(Gsm7Oracle.Pack(septets, fill));
    }

    [Property(MaxTest = 500)]
    public bool Unpack_OfPack_GivesTheSeptetsBack(byte[] raw, byte fillSeed)
    {
        // A final CR that lands on the octet boundary is the one ambiguous case (see the next tests).
        byte[] septets = raw.Select(b => (byte)(b & 0x7F)).Where(b => b != 0x0D).ToArray();
        int fill = fillSeed % 7;
        byte[] packed = new byte[Gsm7.PackedLength(septets.Length, fill)];
        Gsm7.Pack(septets, packed, fill);
        byte[] back = new byte[Gsm7.MaxSeptets(packed.Length, fill)];

        int count = Gsm7.Unpack(packed, back, fill);

        return back.AsSpan(0, count).SequenceEqual(septets);
    }

    [Fact]
    public void Pack_SevenSpareBits_HoldCarriageReturn_AndUnpackDropsIt()
    {
        byte[] septets = [0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37]; // "1234567": 49 bits in 7 octets
        byte[] packed = new byte[7];

        Gsm7.Pack(septets, packed);

        Assert.Equal(Hex.Format(Gsm7Oracle.Pack([.. septets, 0x0D], 0)), Hex.Format(packed));
        Assert.Equal(Hex.Format(Gsm7Oracle.Pack(septets, 0)), Hex.Format(packed));
        byte[] back = new byte[8];
        Assert.Equal(7, Gsm7.Unpack(packed, back));
    }

    [Fact]
    public void Unpack_ExactFitEndingInAt_KeepsTheAt()
    {
        byte[] septets = [0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x00]; // "1234567@": 56 bits, 7 octets
        byte[] packed = new byte[7];
        Gsm7.Pack(septets, packed);
        byte[] back = new byte[8];

        Assert.Equal("1234567@", Gsm7.Decode(back.AsSpan(0, Gsm7.Unpack(packed, back))));
    }
}
