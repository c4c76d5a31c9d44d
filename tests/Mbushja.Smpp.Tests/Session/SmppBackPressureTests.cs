using System.Buffers;
using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using Mbushja.Smpp.Pdus;
using Mbushja.Smpp.Session;
using Mbushja.Testing;

namespace Mbushja.Smpp.Tests.Session;

/// <summary>
/// What a peer can make a session hold (docs/design/smpp-limits.md): PDUs waiting to be written stay within
/// <see cref="SmppSessionOptions.MaxQueuedPdus"/> when the peer stops reading, and received messages handled at once
/// within <see cref="SmppSessionOptions.MaxInboundInFlight"/>; beyond either, the session stops reading.
/// </summary>
public sealed class SmppBackPressureTests
{
    [Fact]
    public async Task PeerThatNeverReads_PdusWaitingToBeWrittenStayWithinTheBound_AndTheLinkDeadCheckClosesTheSession()
    {
        const int bound = 16;
        string name = "silent-" + Guid.NewGuid().ToString("N")[..8];
        using var queued = new GaugeWatch("outgoing.queued", name);
        var clock = new SteppingClock(DateTimeOffset.UtcNow);
        await using SilentSmsc peer = SilentSmsc.Start();
        var options = new SmppSessionOptions { Name = name, Port = peer.Port, SystemId = "mbushja", Password = "pw", MaxQueuedPdus = bound };
        Task<SmppSession> connecting = SmppSession.ConnectAsync(options, new SmppSessionTests.Answering(CommandStatus.Ok), time: clock);
        await peer.AnswerBindAsync();
        await using SmppSession session = await connecting;

        // Every enquire_link asks for an answer the peer never reads: without a bound they pile up in the session.
        // (Up to a million: a session without the bound would hold some hundred megabytes, not eat the machine.)
        peer.Flood(new EnquireLink(), times: 1_000_000);
        await queued.Reached(bound).WaitAsync(Timeouts.Hang);

        // Reading has paused, so the link goes idle; its enquire_link cannot even be queued, and that is a dead link.
        clock.Advance(options.EnquireLinkInterval);
        await clock.AdvanceUntilAsync(session.Completion, options.ResponseTimeout);
        SmppSessionEnd end = await session.Completion;

        Assert.Equal((SmppSessionEnd.LinkDead, bound, 0, 0), (end, queued.Highest, queued.Now, session.QueuedPdus));
        Assert.True(peer.Sent > 10 * bound, $"the peer sent {peer.Sent} enquire_link");
    }

    [Fact]
    public async Task ManyMessagesAtOnce_AtMostMaxInboundInFlightAreHandled_AndWhatFollowsIsReadOnlyOnceOneIsAnswered()
    {
        await using FakeSmsc smsc = FakeSmsc.Start();
        var handler = new Gate();
        var options = new SmppSessionOptions
        {
            Name = "inbound",
            Port = smsc.Port,
            SystemId = FakeSmsc.SystemId,
            Password = FakeSmsc.Password,
            MaxInboundInFlight = 2,
        };
        await using SmppSession session = await SmppSession.ConnectAsync(options, handler);
        FakeSmscConnection connection = smsc.Connections.Single();

        // Five deliver_sm and an enquire_link in one write, as an SMSC with a wide window sends them.
        byte[] octets = [.. Enumerable.Range(1, 5).SelectMany(i => PduEncoder.ToArray(new DeliverSm { ShortMessage = "5"u8.ToArray(), SequenceNumber = (uint)i })),
            .. PduEncoder.ToArray(new EnquireLink { SequenceNumber = 6 })];
        await connection.SendRawAsync(octets);
        await handler.Holding(2).WaitAsync(Timeouts.Hang);
        int heldAtOnce = session.InboundInFlight;
        handler.Open();
        await connection.WaitForAsync<EnquireLinkResp>();
        await connection.WaitForAsync<DeliverSmResp>(r => r.SequenceNumber == 5);

        Assert.Equal((2, 2), (heldAtOnce, handler.MostAtOnce));
        // The enquire_link was read only when the fifth deliver_sm had a room, i.e. after three were answered.
        Pdu[] received = [.. connection.Received.Where(p => p is DeliverSmResp or EnquireLinkResp)];
        int enquireAt = Array.FindIndex(received, p => p is EnquireLinkResp);
        Assert.True(enquireAt >= 3, string.Join(", ", received.Select(p => $"{p.CommandId} #{p.SequenceNumber}")));
        Assert.Equal(0, session.InboundInFlight);
    }

    [Fact]
    public void Options_LimitsBelowOne_AreRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new SmppSessionOptions { MaxQueuedPdus = 0 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new SmppSessionOptions { MaxInboundInFlight = 0 });
    }

    /// <summary>Holds every message until opened; counts how many it holds at once.</summary>
    private sealed class Gate : ISmppInboundHandler
    {
        private readonly TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly HighWater _held = new();

        public int MostAtOnce => (int)_held.Highest;

        public void Open() => _open.TrySetResult();

        /// <summary>Completes once it has held <paramref name="count"/> messages at once.</summary>
        public Task Holding(int count) => _held.Reached(count);

        public async ValueTask<CommandStatus> OnMessageAsync(SmppSession session, Pdu message, CancellationToken cancellationToken)
        {
            _held.Add(1);
            await _open.Task;
            _held.Add(-1);
            return CommandStatus.Ok;
        }
    }
}

/// <summary>Follows an up-down counter of the meter Mbushja.Smpp for one bind: its value now and its highest.</summary>
internal sealed class GaugeWatch : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly HighWater _value = new();

    public GaugeWatch(string instrument, string bind)
    {
        _listener.InstrumentPublished = (published, listener) =>
        {
            if (published.Meter.Name == SmppMetrics.MeterName && published.Name == instrument)
            {
                listener.EnableMeasurementEvents(published);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (KeyValuePair<string, object?> tag in tags)
            {
                if (tag.Key == "bind" && Equals(tag.Value, bind))
                {
                    _value.Add(value);
                }
            }
        });
        _listener.Start();
    }

    public long Now => _value.Now;

    public long Highest => _value.Highest;

    /// <summary>Completes once the value has been at least <paramref name="value"/>.</summary>
    public Task Reached(long value) => _value.Reached(value);

    public void Dispose() => _listener.Dispose();
}

/// <summary>
/// A peer on a raw socket (127.0.0.1:0) that answers the bind and then never reads again, with a small receive
/// buffer so that the kernel holds little for it; it may keep sending.
/// </summary>
internal sealed class SilentSmsc : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private Socket? _socket;
    private Task _flooding = Task.CompletedTask;
    private long _sent;

    private SilentSmsc()
    {
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Server.ReceiveBufferSize = 4096;
        _listener.Start();
    }

    public static SilentSmsc Start() => new();

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>PDUs handed to the kernel so far.</summary>
    public long Sent => Interlocked.Read(ref _sent);

    /// <summary>Accepts the connection, reads the bind and answers it: the last read this peer makes.</summary>
    public async Task AnswerBindAsync()
    {
        _socket = await _listener.AcceptSocketAsync(_stop.Token);
        var frames = new SmppFrameReader();
        byte[] received = [];
        byte[] chunk = new byte[512];
        while (true)
        {
            int read = await _socket.ReceiveAsync(chunk, _stop.Token);
            if (read == 0)
            {
                throw new IOException("The ESME closed before binding.");
            }

            received = [.. received, .. chunk.AsSpan(0, read)];
            var buffer = new ReadOnlySequence<byte>(received);
            if (frames.TryReadFrame(ref buffer, out DecodeResult frame) && frame.Pdu is Bind bind)
            {
                await _socket.SendAsync(PduEncoder.ToArray(new BindTransceiverResp { SystemId = "SILENT", SequenceNumber = bind.SequenceNumber }), _stop.Token);
                return;
            }
        }
    }

    /// <summary>
    /// Sends <paramref name="request"/> again and again, numbered, <paramref name="times"/> in all, or until the connection
    /// goes or the peer is disposed.
    /// </summary>
    public void Flood(Pdu request, long times)
    {
        Socket socket = _socket ?? throw new InvalidOperationException("Not bound.");
        const int perWrite = 256;
        _flooding = Task.Run(async () =>
        {
            uint sequence = 1;
            try
            {
                while (!_stop.IsCancellationRequested && Sent < times)
                {
                    var octets = new List<byte>();
                    for (int i = 0; i < perWrite; i++)
                    {
                        request.SequenceNumber = sequence++;
                        octets.AddRange(PduEncoder.ToArray(request));
                    }

                    await socket.SendAsync(octets.ToArray(), _stop.Token);
                    Interlocked.Add(ref _sent, perWrite);
                }
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                // The session closed the connection, or the test is over.
            }
        });
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _socket?.Dispose();
        await _flooding;
        _listener.Stop();
        _stop.Dispose();
    }
}
