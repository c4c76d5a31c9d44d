using System.Buffers;
using BenchmarkDotNet.Attributes;
using Mbushja.Smpp;
using Mbushja.Smpp.Pdus;

namespace Mbushja.Bench.Smpp;

/// <summary>
/// Decoding the two PDUs an ESME reads most, along the path the session takes: a whole frame found in the
/// receive buffer by <see cref="SmppFrameReader.TryReadFrame"/> and decoded. One operation is one PDU.
/// </summary>
[MemoryDiagnoser]
public class DecodeBenchmarks
{
    private readonly SmppFrameReader _frames = new();
    private ReadOnlySequence<byte> _deliverSm;
    private ReadOnlySequence<byte> _submitSmResp;

    [GlobalSetup]
    public void Setup()
    {
        // A top-up SMS from a subscriber to a bank's short code, as an SMSC delivers it.
        _deliverSm = new ReadOnlySequence<byte>(PduEncoder.ToArray(new DeliverSm
        {
            ServiceType = string.Empty,
            Source = SmppAddress.International("38349123456"),
            Destination = new SmppAddress(TypeOfNumber.Unknown, NumberingPlan.Isdn, "50001"),
            DataCoding = DataCoding.SmscDefault,
            ShortMessage = "049123456 5"u8.ToArray(),
            SequenceNumber = 0x0001_2345,
        }));

        // The SMSC's answer to a reply's submit_sm, with the message id its delivery receipt will quote.
        _submitSmResp = new ReadOnlySequence<byte>(PduEncoder.ToArray(new SubmitSmResp { MessageId = "0A1B2C3D4E", SequenceNumber = 0x0001_2346 }));
    }

    [Benchmark]
    public Pdu? DeliverSm() => Read(_deliverSm);

    [Benchmark]
    public Pdu? SubmitSmResp() => Read(_submitSmResp);

    private Pdu? Read(ReadOnlySequence<byte> buffer) => _frames.TryReadFrame(ref buffer, out DecodeResult result) ? result.Pdu : null;
}
