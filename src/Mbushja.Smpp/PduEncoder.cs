using System.Buffers;
using System.Buffers.Binary;
using Mbushja.Smpp.Pdus;
using Mbushja.Smpp.Wire;

namespace Mbushja.Smpp;

/// <summary>
/// Writes PDUs (SMPP v3.4 §3.2) to an <see cref="IBufferWriter{T}"/>, such as a PipeWriter; knows nothing of sockets.
/// A field that cannot be encoded (a system_id over 15 characters, a short_message over 254 octets, a character
/// outside Latin-1 in a C-octet string) is a caller's bug and throws <see cref="ArgumentException"/> before anything
/// is written.
/// </summary>
public static class PduEncoder
{
    /// <summary>Writes <paramref name="pdu"/>; returns the octets written (its command_length).</summary>
    public static int Write(IBufferWriter<byte> output, Pdu pdu)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(pdu);

        int length = checked(Pdu.HeaderLength + pdu.BodyLength);
        Span<byte> span = output.GetSpan(length)[..length];
        Write(span, pdu, length);
        output.Advance(length);
        return length;
    }

    /// <summary>The PDU's octets in a new array (tests, logs of raw PDUs).</summary>
    public static byte[] ToArray(Pdu pdu)
    {
        ArgumentNullException.ThrowIfNull(pdu);
        int length = checked(Pdu.HeaderLength + pdu.BodyLength);
        byte[] bytes = new byte[length];
        Write(bytes, pdu, length);
        return bytes;
    }

    private static void Write(Span<byte> span, Pdu pdu, int length)
    {
        BinaryPrimitives.WriteUInt32BigEndian(span, (uint)length);
        BinaryPrimitives.WriteUInt32BigEndian(span[4..], (uint)pdu.CommandId);
        BinaryPrimitives.WriteUInt32BigEndian(span[8..], (uint)pdu.CommandStatus);
        BinaryPrimitives.WriteUInt32BigEndian(span[12..], pdu.SequenceNumber);

        var writer = new BodyWriter(span[Pdu.HeaderLength..]);
        pdu.WriteBody(ref writer);
        if (writer.Position != length - Pdu.HeaderLength)
        {
            throw new InvalidOperationException($"{pdu.CommandId} wrote {writer.Position} body octets but announced {length - Pdu.HeaderLength}.");
        }
    }
}
