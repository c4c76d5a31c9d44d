using System.Buffers;
using System.Buffers.Binary;
using Mbushja.Smpp.Pdus;
using Mbushja.Smpp.Wire;

namespace Mbushja.Smpp;

/// <summary>
/// Finds PDUs in the octets a connection has received, as a PipeReader consumer does (after NATS.Client's reader):
/// <code>
/// while (frames.TryReadFrame(ref buffer, out DecodeResult frame)) { ... }
/// pipe.AdvanceTo(buffer.Start, buffer.End);
/// </code>
/// Returns false when the buffer holds no whole PDU yet. One per connection: it remembers how much of an oversized PDU
/// is still to be skipped. Never throws on input.
/// </summary>
public sealed class SmppFrameReader(SmppCodecOptions? options = null)
{
    // Frames split across segments are copied to the stack up to this size, to a pooled array above it.
    private const int StackCopyLimit = 512;

    private readonly SmppCodecOptions _options = options ?? SmppCodecOptions.Default;

    private long _toSkip;

    /// <summary>
    /// Reads the next frame from <paramref name="buffer"/> and moves the buffer past it. A frame that is a PDU gives
    /// <see cref="DecodeResult.Pdu"/>; one that is not gives <see cref="DecodeResult.Error"/>, to answer with
    /// <see cref="DecodeError.Answer"/>. A PDU over <see cref="SmppCodecOptions.MaxCommandLength"/> is reported as soon
    /// as its header is in and then skipped as it arrives, when its command_id is one SMPP 3.4 knows. When the error's
    /// <see cref="DecodeError.FramingLost"/> is set (a command_length below 16, or over the limit with an unknown
    /// command_id) the buffer is left as it is: the connection has to be closed.
    /// </summary>
    public bool TryReadFrame(ref ReadOnlySequence<byte> buffer, out DecodeResult result)
    {
        result = default;
        if (_toSkip > 0)
        {
            long skipped = Math.Min(_toSkip, buffer.Length);
            buffer = buffer.Slice(skipped);
            _toSkip -= skipped;
            if (_toSkip > 0)
            {
                return false;
            }
        }

        if (buffer.Length < 4)
        {
            return false;
        }

        Span<byte> header = stackalloc byte[Pdu.HeaderLength];
        uint length = ReadUInt32(buffer, header);
        if (length < Pdu.HeaderLength)
        {
            result = DecodeResult.Fail(new DecodeError(CommandStatus.InvalidCommandLength, DecodeMessages.LengthBelowHeader(length), framingLost: true));
            return true;
        }

        if (length > _options.MaxCommandLength)
        {
            if (buffer.Length < Pdu.HeaderLength)
            {
                return false;
            }

            buffer.Slice(0, Pdu.HeaderLength).CopyTo(header);
            PduHeader read = PduDecoder.ReadHeader(header);
            if (!Enum.IsDefined(read.CommandId))
            {
                // Too long and no command SMPP 3.4 knows: octets out of step rather than a big PDU, so its length
                // cannot be trusted to skip it either (docs/design/smpp-limits.md, "Framing").
                result = DecodeResult.Fail(new DecodeError(
                    CommandStatus.InvalidCommandLength, DecodeMessages.LengthOverLimit(length, _options.MaxCommandLength), read.CommandId, read.SequenceNumber, framingLost: true));
                return true;
            }

            result = DecodeResult.Fail(new DecodeError(
                CommandStatus.InvalidCommandLength, DecodeMessages.LengthOverLimit(length, _options.MaxCommandLength), read.CommandId, read.SequenceNumber));
            long now = Math.Min(length, buffer.Length);
            buffer = buffer.Slice(now);
            _toSkip = length - now;
            return true;
        }

        if (buffer.Length < length)
        {
            return false;
        }

        ReadOnlySequence<byte> frame = buffer.Slice(0, length);
        result = frame.IsSingleSegment ? PduDecoder.Decode(frame.FirstSpan) : DecodeSegmented(frame, (int)length);
        buffer = buffer.Slice(frame.End);
        return true;
    }

    private static uint ReadUInt32(in ReadOnlySequence<byte> buffer, Span<byte> scratch)
    {
        ReadOnlySpan<byte> first = buffer.FirstSpan;
        if (first.Length >= 4)
        {
            return BinaryPrimitives.ReadUInt32BigEndian(first);
        }

        buffer.Slice(0, 4).CopyTo(scratch);
        return BinaryPrimitives.ReadUInt32BigEndian(scratch);
    }

    private static DecodeResult DecodeSegmented(in ReadOnlySequence<byte> frame, int length)
    {
        if (length <= StackCopyLimit)
        {
            Span<byte> copy = stackalloc byte[length];
            frame.CopyTo(copy);
            return PduDecoder.Decode(copy);
        }

        byte[] rented = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            frame.CopyTo(rented);
            return PduDecoder.Decode(rented.AsSpan(0, length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }
}
