using System.Buffers;
using System.Buffers.Binary;
using FsCheck.Xunit;
using Mbushja.Smpp.Pdus;

using Mbushja.Testing;

namespace Mbushja.Smpp.Tests;

/// <summary>
/// The decoder under random and mutated input: it never throws, never reads past the frame that command_length
/// announces (the octets after it never change the outcome), consumes exactly that frame, gives the same outcome
/// whatever the segmentation, and whatever it accepts encodes back to the octets it came from.
/// </summary>
public sealed class CodecFuzzProperties
{
    private static readonly byte[][] Valid = CodecRoundTripTests.Table.Select(row => Hex.Parse((string)row[1])).ToArray();

    // Two different continuations: if a frame's outcome depended on what follows it, the two would disagree.
    private static readonly byte[] TrailerA = PduEncoder.ToArray(new EnquireLink { SequenceNumber = 0x1111_1111 });
    private static readonly byte[] TrailerB = Enumerable.Repeat((byte)0xFF, 40).ToArray();

    [Property(MaxTest = 3000)]
    public bool RandomOctets_NeverThrowAndStayInTheirFrame(byte[] bytes) => Holds(bytes, seed: bytes.Length);

    [Property(MaxTest = 3000)]
    public bool RandomOctetsBehindAValidHeader_NeverThrowAndStayInTheirFrame(byte[] body, int command)
    {
        uint[] ids = [0x04, 0x05, 0x09, 0x103, 0x8000_0004, 0x8000_0005, 0x8000_0009, 0x8000_0103, 0x0B, 0x02, 0x01];
        byte[] bytes = new PduBytes(ids[(command & int.MaxValue) % ids.Length]).Bytes(body).Build();
        return Holds(bytes, seed: command);
    }

    [Property(MaxTest = 5000)]
    public bool MutatedValidPdus_NeverThrowAndStayInTheirFrame(int seed)
    {
        var random = new Random(seed);
        byte[] bytes = Mutate(Valid[random.Next(Valid.Length)], random);
        return Holds(bytes, seed);
    }

    [Fact]
    public void EveryValidPdu_WithEveryOctetChanged_NeverThrows()
    {
        foreach (byte[] pdu in Valid)
        {
            for (int i = 0; i < pdu.Length; i++)
            {
                foreach (byte value in new byte[] { 0x00, 0x01, 0x7F, 0x80, 0xFE, 0xFF, (byte)(pdu[i] ^ 0xFF) })
                {
                    byte[] copy = (byte[])pdu.Clone();
                    copy[i] = value;
                    Assert.True(Holds(copy, i), $"{Hex.Format(copy)}");
                }
            }
        }
    }

    private static byte[] Mutate(byte[] original, Random random)
    {
        List<byte> bytes = [.. original];
        int mutations = random.Next(1, 4);
        for (int m = 0; m < mutations; m++)
        {
            bool fixLength = random.Next(2) == 0;
            switch (random.Next(6))
            {
                case 0: // truncate
                    bytes.RemoveRange(random.Next(bytes.Count + 1) is var at && at < bytes.Count ? at : bytes.Count, bytes.Count - Math.Min(at, bytes.Count));
                    break;
                case 1: // change one octet
                    if (bytes.Count > 0)
                    {
                        bytes[random.Next(bytes.Count)] = (byte)random.Next(256);
                    }

                    break;
                case 2: // change command_length
                    if (bytes.Count >= 4)
                    {
                        uint length = random.Next(3) switch
                        {
                            0 => (uint)random.Next(),
                            1 => (uint)Math.Max(0, bytes.Count + random.Next(-20, 20)),
                            _ => (uint)random.Next(17),
                        };
                        byte[] l = new byte[4];
                        BinaryPrimitives.WriteUInt32BigEndian(l, length);
                        bytes.RemoveRange(0, 4);
                        bytes.InsertRange(0, l);
                        fixLength = false;
                    }

                    break;
                case 3: // insert octets
                    byte[] inserted = new byte[random.Next(1, 8)];
                    random.NextBytes(inserted);
                    bytes.InsertRange(random.Next(bytes.Count + 1), inserted);
                    break;
                case 4: // delete octets
                    if (bytes.Count > 16)
                    {
                        int from = random.Next(16, bytes.Count);
                        bytes.RemoveRange(from, Math.Min(random.Next(1, 8), bytes.Count - from));
                    }

                    break;
                default: // a NUL or 0xFF somewhere in the body: ends strings early, makes lengths huge
                    if (bytes.Count > 16)
                    {
                        bytes[random.Next(16, bytes.Count)] = random.Next(2) == 0 ? (byte)0 : (byte)0xFF;
                    }

                    break;
            }

            // Half the time the length is made right again, so that the body's own fields are what is wrong.
            if (fixLength && bytes.Count >= 4)
            {
                byte[] l = new byte[4];
                BinaryPrimitives.WriteUInt32BigEndian(l, (uint)bytes.Count);
                bytes.RemoveRange(0, 4);
                bytes.InsertRange(0, l);
            }
        }

        return [.. bytes];
    }

    private static bool Holds(byte[] bytes, int seed)
    {
        // The span decoder on exactly these octets.
        DecodeResult direct = PduDecoder.Decode(bytes);
        if (direct.Pdu is { } pdu && !PduEncoder.ToArray(pdu).AsSpan().SequenceEqual(bytes))
        {
            return false;
        }

        // The stream reader, with two different continuations and a random segmentation.
        var options = new SmppCodecOptions { MaxCommandLength = 4096 };
        (string outcomeA, long consumedA) = ReadFirst([.. bytes, .. TrailerA], options, seed);
        (string outcomeB, long consumedB) = ReadFirst([.. bytes, .. TrailerB], options, seed);

        uint declared = bytes.Length >= 4 ? BinaryPrimitives.ReadUInt32BigEndian(bytes) : 0;
        bool frameWithinBytes = bytes.Length >= 4 && declared >= Pdu.HeaderLength && declared <= bytes.Length;
        if (!frameWithinBytes)
        {
            return true;
        }

        string expected = declared > options.MaxCommandLength ? "too long" : Describe(PduDecoder.Decode(bytes.AsSpan(0, (int)declared)), tooLong: false);
        return outcomeA == expected && outcomeB == expected && consumedA == declared && consumedB == declared;
    }

    private static (string Outcome, long Consumed) ReadFirst(byte[] input, SmppCodecOptions options, int seed)
    {
        var random = new Random(seed);
        var sizes = new List<int>();
        for (int left = input.Length; left > 0;)
        {
            int size = Math.Min(left, random.Next(1, 40));
            sizes.Add(size);
            left -= size;
        }

        ReadOnlySequence<byte> buffer = Segments.Of(input, [.. sizes]);
        long before = buffer.Length;
        var frames = new SmppFrameReader(options);
        if (!frames.TryReadFrame(ref buffer, out DecodeResult result))
        {
            return ("need more", before - buffer.Length);
        }

        return (Describe(result, tooLong: false), before - buffer.Length);
    }

    private static string Describe(DecodeResult result, bool tooLong) =>
        tooLong ? "too long"
        : result.Pdu is { } pdu ? "pdu " + Hex.Format(PduEncoder.ToArray(pdu))
        : result.Error!.Status == CommandStatus.InvalidCommandLength && result.Error.Detail.Contains("over the limit", StringComparison.Ordinal) ? "too long"
        : $"error {result.Error.Status} {result.Error.SequenceNumber} {result.Error.FramingLost}";
}
