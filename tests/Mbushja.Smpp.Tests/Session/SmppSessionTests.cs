using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Mbushja.Smpp.Pdus;
using Mbushja.Smpp.Session;
using Mbushja.Testing;

namespace Mbushja.Smpp.Tests.Session;

/// <summary>
/// One session against a scripted SMSC on a real socket (127.0.0.1:0): the bind, the window, response timeouts,
/// enquire_link both ways, throttling, what cannot be read, unbind either way, and received messages answered with
/// what the handler says. Waits that matter are on a clock the test shares or moves (a <see cref="SteppingClock"/>),
/// and answers come late when the test releases them, so a busy machine changes how long a test takes, not its outcome.
/// </summary>
public sealed class SmppSessionTests : IAsyncLifetime
{
    private readonly FakeSmsc _smsc = FakeSmsc.Start();
    private readonly ListLogger _logs = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _smsc.DisposeAsync();

    private SmppSessionOptions Options => new()
    {
        Name = "test",
        Host = "127.0.0.1",
        Port = _smsc.Port,
        SystemId = FakeSmsc.SystemId,
        Password = FakeSmsc.Password,
        ResponseTimeout = Timeouts.Hang,
        Throttle = new Backoff(TimeSpan.FromMilliseconds(300), TimeSpan.FromSeconds(2), Jitter: 0),
    };

    private Task<SmppSession> ConnectAsync(SmppSessionOptions? options = null, ISmppInboundHandler? handler = null, TimeProvider? time = null) =>
        SmppSession.ConnectAsync(options ?? Options, handler ?? new Answering(CommandStatus.Ok), _logs, time);

    private static SubmitSm Submit(string text = "hello") => new()
    {
        Source = SmppAddress.ShortCode("50001"),
        Destination = SmppAddress.International("38349123456"),
        ShortMessage = System.Text.Encoding.ASCII.GetBytes(text),
    };

    [Theory]
    [InlineData(SmppBindType.Transceiver, typeof(BindTransceiver))]
    [InlineData(SmppBindType.Transmitter, typeof(BindTransmitter))]
    [InlineData(SmppBindType.Receiver, typeof(BindReceiver))]
    public async Task ConnectAsync_RightCredentials_BindsAsConfigured(SmppBindType type, Type request)
    {
        await using SmppSession session = await ConnectAsync(Options with { BindType = type, SystemType = "VMA" });

        Bind bind = _smsc.Connections.Single().BindRequest!;
        Assert.IsType(request, bind);
        Assert.Equal((FakeSmsc.SystemId, FakeSmsc.Password, "VMA", Bind.Smpp34), (bind.SystemId, bind.Password, bind.SystemType, bind.InterfaceVersion));
        Assert.Equal(SmppSessionState.Bound, session.State);
        Assert.Equal(FakeSmsc.SmscSystemId, session.SmscSystemId);
    }

    [Fact]
    public async Task ConnectAsync_WrongPassword_ThrowsBindExceptionThatIsNotTransient_AndLogsNoPassword()
    {
        SmppBindException refused = await Assert.ThrowsAsync<SmppBindException>(() => ConnectAsync(Options with { Password = "wrong12" }));

        Assert.Equal(CommandStatus.InvalidPassword, refused.Status);
        Assert.False(refused.IsTransient);
        Assert.DoesNotContain("wrong12", _logs.All, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong12", (Options with { Password = "wrong12" }).ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConnectAsync_NobodyListening_ThrowsTransientConnectionException()
    {
        int port = _smsc.Port;
        await _smsc.DisposeAsync();

        SmppConnectionException failed = await Assert.ThrowsAsync<SmppConnectionException>(() => ConnectAsync(Options with { Port = port }));

        Assert.True(failed.IsTransient);
    }

    [Fact]
    public async Task EnquireLinkFromSmsc_IsAnswered()
    {
        await using SmppSession session = await ConnectAsync();

        Pdu answer = await _smsc.Connections.Single().RequestAsync(new EnquireLink());

        Assert.IsType<EnquireLinkResp>(answer);
        Assert.Equal(CommandStatus.Ok, answer.CommandStatus);
    }

    [Fact]
    public async Task IdleLink_EsmeSendsEnquireLink()
    {
        await using SmppSession session = await ConnectAsync(Options with { EnquireLinkInterval = TimeSpan.FromMilliseconds(200) });

        await _smsc.Connections.Single().WaitForAsync<EnquireLink>();

        Assert.Equal(SmppSessionState.Bound, session.State);
    }

    [Fact]
    public async Task EnquireLinkUnanswered_SessionEndsAsLinkDead()
    {
        _smsc.AnswerEnquireLink = false;
        await using SmppSession session = await ConnectAsync(Options with
        {
            EnquireLinkInterval = TimeSpan.FromMilliseconds(200),
            ResponseTimeout = TimeSpan.FromMilliseconds(300),
        });

        SmppSessionEnd end = await session.Completion.WaitAsync(Timeouts.Hang);

        Assert.Equal(SmppSessionEnd.LinkDead, end);
        await _smsc.Connections.Single().Closed.WaitAsync(Timeouts.Hang);
    }

    [Fact]
    public async Task Window_TenOutstanding_TheEleventhWaitsForAResponse()
    {
        var answer = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _smsc.OnSubmit = (_, n) => n <= 10 ? new SubmitAnswer(Until: answer.Task) : SubmitAnswer.Accept;
        await using SmppSession session = await ConnectAsync();

        Task<Pdu>[] sends = [.. Enumerable.Range(0, 11).Select(i => session.SendAsync(Submit($"m{i}")))];
        await _smsc.WaitForSubmitsAsync(10);
        // A send with room in the window is queued before SendAsync returns, and the session answers this enquire_link
        // behind everything queued: had the eleventh gone, the SMSC would have it before the answer.
        await _smsc.Connections.Single().RequestAsync(new EnquireLink());

        Assert.Equal(10, _smsc.Submits.Count);
        Assert.Equal(0, session.FreeWindow);
        Assert.False(sends[10].IsCompleted);
        answer.SetResult();
        Pdu[] responses = await Task.WhenAll(sends);
        Assert.All(responses, r => Assert.Equal(CommandStatus.Ok, Assert.IsType<SubmitSmResp>(r).CommandStatus));
        Assert.Equal(11, _smsc.Submits.Count);
        Assert.Equal(11, responses.Select(r => ((SubmitSmResp)r).MessageId).Distinct().Count());
        Assert.Equal(10, session.FreeWindow);
    }

    [Fact]
    public async Task DropInTheMiddleOfAWindow_EveryRequestInFlightFailsAsTransient_AndTheSessionEnds()
    {
        _smsc.OnSubmit = (_, _) => new SubmitAnswer(Answer: false);
        await using SmppSession session = await ConnectAsync();
        Task<Pdu>[] sends = [.. Enumerable.Range(0, 5).Select(i => session.SendAsync(Submit($"m{i}")))];
        await _smsc.WaitForSubmitsAsync(5);

        _smsc.DropAll();

        foreach (Task<Pdu> send in sends)
        {
            SmppException failed = await Assert.ThrowsAsync<SmppConnectionException>(() => send);
            Assert.True(failed.IsTransient);
        }

        Assert.Equal(SmppSessionEnd.ConnectionLost, await session.Completion.WaitAsync(Timeouts.Hang));
        await Assert.ThrowsAsync<SmppNotBoundException>(() => session.SendAsync(Submit()));
    }

    [Fact]
    public async Task SlowResponse_TimesOut_FreesItsWindowSlot_AndTheLateAnswerIsIgnored()
    {
        // The response timeout runs on a clock the test moves; the slow answer comes when the test releases it.
        var clock = new SteppingClock(DateTimeOffset.UtcNow);
        var late = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _smsc.OnSubmit = (_, n) => n == 1 ? new SubmitAnswer(Until: late.Task) : SubmitAnswer.Accept;
        TimeSpan timeout = TimeSpan.FromSeconds(30);
        await using SmppSession session = await ConnectAsync(
            Options with { WindowSize = 1, ResponseTimeout = timeout, EnquireLinkInterval = TimeSpan.FromDays(1) }, time: clock);

        Task<Pdu> slow = session.SendAsync(Submit("slow"));
        await _smsc.WaitForSubmitsAsync(1);
        await clock.AdvanceUntilAsync(slow, timeout);
        await Assert.ThrowsAsync<SmppTimeoutException>(() => slow);
        Pdu next = await session.SendAsync(Submit("next"));
        late.SetResult();
        await _logs.WaitForAsync(4010); // the late submit_sm_resp, read and set aside

        Assert.Equal(CommandStatus.Ok, next.CommandStatus);
        Assert.Equal(SmppSessionState.Bound, session.State);
        Assert.Equal(CommandStatus.Ok, (await session.SendAsync(Submit("after"))).CommandStatus);
    }

    [Theory]
    [InlineData(CommandStatus.Throttled)]
    [InlineData(CommandStatus.MessageQueueFull)]
    public async Task ThrottlingAnswer_PausesTheNextSubmits(CommandStatus status)
    {
        // One clock for the session and the SMSC: the pause starts once the session reads the throttling answer, which
        // is after the SMSC received the first submit, so the second reaches the SMSC a full pause later at least.
        var clock = new SteppingClock(DateTimeOffset.UtcNow);
        var received = new ConcurrentDictionary<int, DateTimeOffset>();
        _smsc.OnSubmit = (_, n) =>
        {
            received[n] = clock.GetUtcNow();
            return n == 1 ? new SubmitAnswer(status) : SubmitAnswer.Accept;
        };
        await using SmppSession session = await ConnectAsync(time: clock);

        Pdu first = await session.SendAsync(Submit("1"));
        Pdu second = await session.SendAsync(Submit("2"));

        Assert.Equal(status, first.CommandStatus);
        Assert.Equal(CommandStatus.Ok, second.CommandStatus);
        Assert.True(received[2] - received[1] >= Options.Throttle.Initial, $"the second submit came {received[2] - received[1]} after the first");
    }

    [Fact]
    public async Task ThrottlingAgainAndAgain_PausesGrowLonger()
    {
        var clock = new SteppingClock(DateTimeOffset.UtcNow);
        var received = new ConcurrentDictionary<int, DateTimeOffset>();
        _smsc.OnSubmit = (_, n) =>
        {
            received[n] = clock.GetUtcNow();
            return n <= 2 ? new SubmitAnswer(CommandStatus.Throttled) : SubmitAnswer.Accept;
        };
        await using SmppSession session = await ConnectAsync(time: clock);

        await session.SendAsync(Submit("1"));
        await session.SendAsync(Submit("2"));
        await session.SendAsync(Submit("3"));

        // The second throttling answer pauses twice as long as the first (no jitter here).
        Assert.True(received[3] - received[2] >= 2 * Options.Throttle.Initial, $"second pause {received[3] - received[2]} after a first of {received[2] - received[1]}");
    }

    [Fact]
    public async Task DeliverSmWithABadField_AnsweredWithItsOwnResponseAndStatus()
    {
        await using SmppSession session = await ConnectAsync();
        FakeSmscConnection smsc = _smsc.Connections.Single();
        byte[] octets = PduEncoder.ToArray(new DeliverSm { ShortMessage = "5"u8.ToArray(), SequenceNumber = 77 });
        // sm_length says 9 octets follow; there is 1.
        int smLength = octets.Length - 2;
        octets[smLength] = 9;

        await smsc.SendRawAsync(octets);
        DeliverSmResp answer = await smsc.WaitForAsync<DeliverSmResp>();

        Assert.Equal(77u, answer.SequenceNumber);
        Assert.NotEqual(CommandStatus.Ok, answer.CommandStatus);
        Assert.Equal(SmppSessionState.Bound, session.State);
    }

    private const int SmallLimit = 1024;

    /// <summary>
    /// Malformed headers (§3.2, §4.3 generic_nack), each with the status and sequence number of the generic_nack that
    /// answers it, and whether the stream can still be read after it. A command_length below 16 ends before the
    /// sequence_number, so the answer carries 0; a length over the limit is skipped when the command is one SMPP 3.4
    /// knows, and taken for octets out of step when it is not.
    /// </summary>
    public static TheoryData<string, byte[], CommandStatus, uint, bool> MalformedHeaders => new()
    {
        { "command_length 0", new PduBytes(0x15, sequence: 7).Length(0).Build(), CommandStatus.InvalidCommandLength, 0, true },
        { "command_length 8", new PduBytes(0x15, sequence: 7).Length(8).Build(), CommandStatus.InvalidCommandLength, 0, true },
        { "command_length 8 and nothing more", [0, 0, 0, 8, 0, 0, 0, 0x15], CommandStatus.InvalidCommandLength, 0, true },
        { "command_length 15", new PduBytes(0x15, sequence: 7).Length(15).Build(), CommandStatus.InvalidCommandLength, 0, true },
        {
            "command_length over the limit, deliver_sm", new PduBytes(0x05, sequence: 7).Bytes(new byte[SmallLimit + 1 - 16]).Build(),
            CommandStatus.InvalidCommandLength, 7, false
        },
        {
            "command_length over the limit, unknown command_id", new PduBytes(0x99, sequence: 7).Bytes(new byte[SmallLimit + 1 - 16]).Build(),
            CommandStatus.InvalidCommandLength, 7, true
        },
        { "command_length 0xFFFFFFFF, unknown command_id", new PduBytes(0x99, sequence: 7).Length(0xFFFF_FFFF).Build(), CommandStatus.InvalidCommandLength, 7, true },
        { "unknown command_id", new PduBytes(0x99, sequence: 7).Build(), CommandStatus.InvalidCommandId, 7, false },
        { "unknown command_id with a body", new PduBytes(0x99, sequence: 7).UInt32(42).Build(), CommandStatus.InvalidCommandId, 7, false },
        { "unknown response command_id", new PduBytes(0x8000_0099, sequence: 7).Build(), CommandStatus.InvalidCommandId, 7, false },
    };

    [Theory]
    [MemberData(nameof(MalformedHeaders))]
    public async Task MalformedHeader_AnsweredWithGenericNack_ThenClosedOnlyWhenTheStreamIsLost(string name, byte[] octets, CommandStatus status, uint sequence, bool closes)
    {
        await using SmppSession session = await ConnectAsync(Options with { Codec = new SmppCodecOptions { MaxCommandLength = SmallLimit } });
        FakeSmscConnection smsc = _smsc.Connections.Single();

        await smsc.SendRawAsync(octets);
        GenericNack nack = await smsc.WaitForAsync<GenericNack>();

        Assert.True((status, sequence) == (nack.CommandStatus, nack.SequenceNumber), $"{name}: answered {nack.CommandStatus} #{nack.SequenceNumber}");
        if (closes)
        {
            Assert.Equal(SmppSessionEnd.FramingLost, await session.Completion.WaitAsync(Timeouts.Hang));
            await smsc.Closed.WaitAsync(Timeouts.Hang);
        }
        else
        {
            Assert.IsType<EnquireLinkResp>(await smsc.RequestAsync(new EnquireLink()));
            Assert.Equal(CommandStatus.Ok, (await session.SendAsync(Submit())).CommandStatus);
            Assert.Equal(SmppSessionState.Bound, session.State);
        }

        Assert.Single(smsc.Received.OfType<GenericNack>());
    }

    [Fact]
    public async Task UnbindAsync_SendsUnbind_WaitsForItsAnswer_AndCloses()
    {
        SmppSession session = await ConnectAsync();

        await session.UnbindAsync();

        Assert.Equal(SmppSessionEnd.Unbound, await session.Completion);
        FakeSmscConnection smsc = _smsc.Connections.Single();
        Assert.IsType<Unbind>(smsc.Received[^1]);
        await smsc.Closed.WaitAsync(Timeouts.Hang);
        await session.DisposeAsync();
    }

    [Fact]
    public async Task UnbindAsync_WaitsForTheRequestsInFlight()
    {
        var answer = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _smsc.OnSubmit = (_, _) => new SubmitAnswer(Until: answer.Task);
        await using SmppSession session = await ConnectAsync();
        Task<Pdu> send = session.SendAsync(Submit());
        await _smsc.WaitForSubmitsAsync(1);

        // Answered only once the unbind has begun: an unbind that went out first would close before the answer.
        Task unbinding = session.UnbindAsync();
        answer.SetResult();
        await unbinding;

        Assert.Equal(CommandStatus.Ok, (await send).CommandStatus);
        Pdu[] received = [.. _smsc.Connections.Single().Received];
        Assert.IsType<Unbind>(received[^1]);
    }

    [Fact]
    public async Task UnbindAsync_ARequestStillWaitingForTheWindow_IsNotSent()
    {
        var answer = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _smsc.OnSubmit = (_, _) => new SubmitAnswer(Until: answer.Task);
        await using SmppSession session = await ConnectAsync(Options with { WindowSize = 1 });
        Task<Pdu> inFlight = session.SendAsync(Submit("1"));
        await _smsc.WaitForSubmitsAsync(1);
        Task<Pdu> waiting = session.SendAsync(Submit("2"));

        // The window frees only once the unbind has begun.
        Task unbinding = session.UnbindAsync();
        answer.SetResult();
        await unbinding;

        Assert.Equal(CommandStatus.Ok, (await inFlight).CommandStatus);
        await Assert.ThrowsAnyAsync<SmppException>(() => waiting);
        Assert.Single(_smsc.Submits);
    }

    [Fact]
    public async Task SmscUnbinds_TheSessionAnswersAndEnds()
    {
        await using SmppSession session = await ConnectAsync();

        Pdu answer = await _smsc.Connections.Single().RequestAsync(new Unbind());

        Assert.IsType<UnbindResp>(answer);
        Assert.Equal(SmppSessionEnd.UnboundBySmsc, await session.Completion.WaitAsync(Timeouts.Hang));
    }

    [Theory]
    [InlineData(CommandStatus.Ok)]
    [InlineData(CommandStatus.ReceiverTemporaryAppError)]
    public async Task DeliverSm_IsAnsweredWithTheHandlersStatus(CommandStatus status)
    {
        var handler = new Answering(status);
        await using SmppSession session = await ConnectAsync(handler: handler);

        Pdu answer = await _smsc.Connections.Single().RequestAsync(new DeliverSm { ShortMessage = "5"u8.ToArray() });

        Assert.Equal(status, Assert.IsType<DeliverSmResp>(answer).CommandStatus);
        Assert.Single(handler.Messages);
    }

    [Fact]
    public async Task DeliverSmRightBehindTheBindResp_IsTakenAsBound()
    {
        _smsc.SendAfterBind = () => new DeliverSm { ShortMessage = "5"u8.ToArray() };
        var handler = new Answering(CommandStatus.Ok);
        await using SmppSession session = await ConnectAsync(handler: handler);

        DeliverSmResp answer = await _smsc.Connections.Single().WaitForAsync<DeliverSmResp>();

        Assert.Equal(CommandStatus.Ok, answer.CommandStatus);
        Assert.Single(handler.Messages);
    }

    [Fact]
    public async Task DataSm_IsAnsweredWithDataSmResp()
    {
        await using SmppSession session = await ConnectAsync();

        Pdu answer = await _smsc.Connections.Single().RequestAsync(new DataSm { Tlvs = [Tlv.MessagePayload("5"u8.ToArray())] });

        Assert.Equal(CommandStatus.Ok, Assert.IsType<DataSmResp>(answer).CommandStatus);
    }

    [Fact]
    public async Task HandlerThrows_DeliverSmIsAnsweredTemporaryError_AndTheSessionGoesOn()
    {
        await using SmppSession session = await ConnectAsync(handler: new Answering(CommandStatus.Ok, fail: true));

        Pdu answer = await _smsc.Connections.Single().RequestAsync(new DeliverSm { ShortMessage = "5"u8.ToArray() });

        Assert.Equal(CommandStatus.ReceiverTemporaryAppError, answer.CommandStatus);
        Assert.Equal(SmppSessionState.Bound, session.State);
    }

    [Fact]
    public async Task HandlerTooSlow_DeliverSmIsAnsweredTemporaryErrorInTime()
    {
        // The handler answers only when the test lets it, which is after the session had to answer for it.
        var stuck = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var handler = new Answering(CommandStatus.Ok, until: stuck.Task);
        await using SmppSession session = await ConnectAsync(Options with { InboundTimeout = TimeSpan.FromMilliseconds(300) }, handler);

        Pdu answer = await _smsc.Connections.Single().RequestAsync(new DeliverSm { ShortMessage = "5"u8.ToArray() });
        stuck.SetResult();

        Assert.Equal(CommandStatus.ReceiverTemporaryAppError, answer.CommandStatus);
    }

    [Fact]
    public async Task DeliverSmOnATransmitterBind_IsRefusedWithInvalidBindStatus()
    {
        var handler = new Answering(CommandStatus.Ok);
        await using SmppSession session = await ConnectAsync(Options with { BindType = SmppBindType.Transmitter }, handler);

        Pdu answer = await _smsc.Connections.Single().RequestAsync(new DeliverSm { ShortMessage = "5"u8.ToArray() });

        Assert.Equal(CommandStatus.InvalidBindStatus, answer.CommandStatus);
        Assert.Empty(handler.Messages);
    }

    [Fact]
    public async Task Metrics_CountTheBindWhileItIsUp()
    {
        long bound = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == SmppMetrics.MeterName && instrument.Name == "binds")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (KeyValuePair<string, object?> tag in tags)
            {
                if (tag is { Key: "bind", Value: "metered" })
                {
                    Interlocked.Add(ref bound, value);
                }
            }
        });
        listener.Start();

        SmppSession session = await ConnectAsync(Options with { Name = "metered" });
        long whileBound = Interlocked.Read(ref bound);
        await session.UnbindAsync();
        await session.DisposeAsync();

        Assert.Equal((1, 0), (whileBound, Interlocked.Read(ref bound)));
    }

    [Fact]
    public async Task TraceLogs_ShowNoPassword()
    {
        await using SmppSession session = await ConnectAsync();
        await session.SendAsync(Submit());

        Assert.Contains("bound", _logs.All, StringComparison.Ordinal);
        Assert.DoesNotContain(FakeSmsc.Password, _logs.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SmscSystemIdWithControlCharacters_IsLoggedEscaped()
    {
        // What the SMSC names itself is its text, not ours: a CR/LF would forge a log line, an ESC or a CSI drive a terminal.
        _smsc.SystemIdInBindResp = "\r\nforge\u001b[2J\u009b";

        await using SmppSession session = await ConnectAsync();

        Assert.Equal(_smsc.SystemIdInBindResp, session.SmscSystemId);
        string bound = (await _logs.WaitForAsync(4001)).Text;
        Assert.EndsWith(@"SMSC '\r\nforge\u001b[2J\u009b'", bound, StringComparison.Ordinal);
        Assert.All(_logs.Lines, l => Assert.False(l.Text.IndexOfAny(['\r', '\n', '\u001b', '\u009b']) >= 0, l.Text));
    }

    [Fact]
    public async Task ResponseOfAnotherCommand_WithTheSequenceOfASubmitInFlight_DoesNotAnswerTheSubmit()
    {
        // The SMSC sends a response to a request never sent (an enquire_link_resp) that happens to carry the sequence
        // number of a submit_sm in flight, then the submit_sm's real response.
        _smsc.OnSubmit = (_, _) => new SubmitAnswer(Answer: false);
        await using SmppSession session = await SmppSession.ConnectAsync(Options, new Answering(CommandStatus.Ok), _logs);
        FakeSmscConnection smsc = _smsc.Connections.Single();

        Task<Pdu> send = session.SendAsync(Submit());
        SubmitSm submitted = (await _smsc.WaitForSubmitsAsync(1)).Single();
        await smsc.SendAsync(new EnquireLinkResp { SequenceNumber = submitted.SequenceNumber });
        await smsc.SendAsync(new SubmitSmResp { MessageId = "REAL-ID", SequenceNumber = submitted.SequenceNumber });

        Pdu response = await send.WaitAsync(Timeouts.Hang);

        // The submit_sm is answered by its own submit_sm_resp: the SMSC accepted it as REAL-ID. Taking the
        // enquire_link_resp as its answer makes the gateway refuse the reply and the outbox send it again (a duplicate
        // SMS to the subscriber), while REAL-ID's response is dropped as "late".
        SubmitSmResp resp = Assert.IsType<SubmitSmResp>(response);
        Assert.Equal("REAL-ID", resp.MessageId);
    }

    /// <summary>Answers every message with one status (once <paramref name="until"/> completes, or by throwing), and keeps them.</summary>
    internal sealed class Answering(CommandStatus status, bool fail = false, Task? until = null) : ISmppInboundHandler
    {
        private readonly System.Collections.Concurrent.ConcurrentQueue<Pdu> _messages = new();

        public IReadOnlyList<Pdu> Messages => [.. _messages];

        public async ValueTask<CommandStatus> OnMessageAsync(SmppSession session, Pdu message, CancellationToken cancellationToken)
        {
            _messages.Enqueue(message);
            if (until is not null)
            {
                await until;
            }

            return fail ? throw new InvalidOperationException("the store is down") : status;
        }
    }
}
