using System.Buffers;
using Mbushja.Smpp.Pdus;

using Mbushja.Testing;

namespace Mbushja.Smpp.Tests;

/// <summary>Finding PDUs in a stream as a PipeReader hands it over: partial frames, segments, oversized PDUs.</summary>
public sealed class FrameReaderTests
{
    private static readonly byte[] DeliverSmBytes = PduEncoder.ToArray(new DeliverSm
    {
        Source = SmppAddress.International("38349123456"),
        Destination = new SmppAddress(TypeOfNumber.Unknown, NumberingPlan.Isdn, "50001"),
        ShortMessage = "049123456 5"u8.ToArray(),
        SequenceNumber = 77,
    });

    [Fact]
    public void TryReadFrame_EveryPrefixOfAPdu_NeedsMoreDataAndConsumesNothing()
    {
        var frames = new SmppFrameReader();
        for (int length = 0; length < DeliverSmBytes.Length; length++)
        {
            var buffer = new ReadOnlySequence<byte>(DeliverSmBytes, 0, length);

            Assert.False(frames.TryReadFrame(ref buffer, out _));
            Assert.Equal(length, buffer.Length);
        }
    }

    [Fact]
    public void TryReadFrame_APduSplitIntoOneOctetSegments_Decodes()
    {
        ReadOnlySequence<byte> buffer = Segments.Of(DeliverSmBytes, Enumerable.Repeat(1, DeliverSmBytes.Length).ToArray());

        Assert.True(new SmppFrameReader().TryReadFrame(ref buffer, out DecodeResult result));

        Assert.Equal(77u, Assert.IsType<DeliverSm>(result.Pdu).SequenceNumber);
        Assert.True(buffer.IsEmpty);
    }

    [Fact]
    public void TryReadFrame_ALargePduAcrossSegments_Decodes()
    {
        byte[] bytes = PduEncoder.ToArray(new DataSm { Tlvs = [Tlv.MessagePayload(new byte[2000])], SequenceNumber = 3 });
        ReadOnlySequence<byte> buffer = Segments.Of(bytes, [100, 1000, bytes.Length - 1100]);

        Assert.True(new SmppFrameReader().TryReadFrame(ref buffer, out DecodeResult result));

        Assert.Equal(2000, Assert.IsType<DataSm>(result.Pdu).Tlvs.MessagePayload!.Value.Length);
    }

    [Fact]
    public void TryReadFrame_TwoPdusInOneRead_GivesBothInOrder()
    {
        var buffer = new ReadOnlySequence<byte>([.. DeliverSmBytes, .. PduEncoder.ToArray(new EnquireLink { SequenceNumber = 78 })]);
        var frames = new SmppFrameReader();

        Assert.True(frames.TryReadFrame(ref buffer, out DecodeResult first));
        Assert.True(frames.TryReadFrame(ref buffer, out DecodeResult second));
        Assert.False(frames.TryReadFrame(ref buffer, out _));

        Assert.IsType<DeliverSm>(first.Pdu);
        Assert.IsType<EnquireLink>(second.Pdu);
    }

    [Fact]
    public void TryReadFrame_APduOverTheLimit_IsReportedWithItsSequenceThenSkippedAsItArrives()
    {
        var frames = new SmppFrameReader(new SmppCodecOptions { MaxCommandLength = 64 });
        byte[] big = PduEncoder.ToArray(new DataSm { Tlvs = [Tlv.MessagePayload(new byte[500])], SequenceNumber = 12 });
        byte[] next = PduEncoder.ToArray(new EnquireLink { SequenceNumber = 13 });

        var buffer = new ReadOnlySequence<byte>(big, 0, 100);
        Assert.True(frames.TryReadFrame(ref buffer, out DecodeResult refused));
        Assert.Equal(CommandStatus.InvalidCommandLength, refused.Error!.Status);
        Assert.Equal(12u, refused.Error.SequenceNumber);
        Assert.False(refused.Error.FramingLost);
        Assert.IsType<GenericNack>(refused.Error.Answer());
        Assert.True(buffer.IsEmpty);

        buffer = new ReadOnlySequence<byte>(big, 100, 300);
        Assert.False(frames.TryReadFrame(ref buffer, out _));
        Assert.True(buffer.IsEmpty);

        buffer = new ReadOnlySequence<byte>([.. big.AsSpan(400), .. next]);
        Assert.True(frames.TryReadFrame(ref buffer, out DecodeResult after));
        Assert.Equal(13u, Assert.IsType<EnquireLink>(after.Pdu).SequenceNumber);
    }

    [Fact]
    public void TryReadFrame_OverTheLimitWithAnUnknownCommandId_LosesTheFraming_AndLeavesTheBuffer()
    {
        var frames = new SmppFrameReader(new SmppCodecOptions { MaxCommandLength = 64 });
        var buffer = new ReadOnlySequence<byte>(Hex.Parse("FFFFFFFF 00000099 00000000 0000000C 0000"));

        Assert.True(frames.TryReadFrame(ref buffer, out DecodeResult result));

        Assert.Equal((CommandStatus.InvalidCommandLength, 12u, true), (result.Error!.Status, result.Error.SequenceNumber, result.Error.FramingLost));
        Assert.IsType<GenericNack>(result.Error.Answer());
        Assert.Equal(18, buffer.Length);
    }

    [Fact]
    public void TryReadFrame_OverTheLimitWithOnlyFourOctets_WaitsForTheHeader()
    {
        var frames = new SmppFrameReader(new SmppCodecOptions { MaxCommandLength = 64 });
        var buffer = new ReadOnlySequence<byte>(Hex.Parse("00001000 000000"));

        Assert.False(frames.TryReadFrame(ref buffer, out _));
        Assert.Equal(7, buffer.Length);
    }

    [Fact]
    public void TryReadFrame_CommandLengthBelowTheHeader_LeavesTheBufferForTheSessionToClose()
    {
        var buffer = new ReadOnlySequence<byte>(Hex.Parse("00000008 00000015 00000000 00000001"));

        Assert.True(new SmppFrameReader().TryReadFrame(ref buffer, out DecodeResult result));

        Assert.True(result.Error!.FramingLost);
        Assert.Equal(16, buffer.Length);
    }

    [Fact]
    public void Options_MaxCommandLengthBelowTheHeader_IsRefused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new SmppCodecOptions { MaxCommandLength = 15 });
}

/// <summary>Builds a <see cref="ReadOnlySequence{T}"/> of several segments, as a pipe hands over a read.</summary>
internal static class Segments
{
    public static ReadOnlySequence<byte> Of(byte[] bytes, int[] sizes)
    {
        Segment? first = null;
        Segment? last = null;
        int offset = 0;
        foreach (int size in sizes)
        {
            var segment = new Segment(bytes.AsMemory(offset, size), offset);
            if (last is null)
            {
                first = segment;
            }
            else
            {
                last.SetNext(segment);
            }

            last = segment;
            offset += size;
        }

        if (first is null)
        {
            return ReadOnlySequence<byte>.Empty;
        }

        return new ReadOnlySequence<byte>(first, 0, last!, last!.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public void SetNext(Segment next) => Next = next;
    }
}
