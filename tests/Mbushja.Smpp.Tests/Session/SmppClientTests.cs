using Mbushja.Smpp.Pdus;
using Mbushja.Smpp.Session;
using Mbushja.Testing;

namespace Mbushja.Smpp.Tests.Session;

/// <summary>Binds kept up against a scripted SMSC: reconnecting with backoff and jitter, several binds, a clean stop.</summary>
public sealed class SmppClientTests : IAsyncLifetime
{
    private readonly FakeSmsc _smsc = FakeSmsc.Start();
    private readonly ListLogger _logs = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _smsc.DisposeAsync();

    private SmppSessionOptions Options(string name = "client") => new()
    {
        Name = name,
        Host = "127.0.0.1",
        Port = _smsc.Port,
        SystemId = FakeSmsc.SystemId,
        Password = FakeSmsc.Password,
        ResponseTimeout = Timeouts.Hang,
        Reconnect = new Backoff(TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(800), Jitter: 0),
        StableAfter = TimeSpan.FromSeconds(30),
    };

    private SmppClient Client(SmppSessionOptions options) =>
        new(options, new SmppSessionTests.Answering(CommandStatus.Ok), _logs, random: new Random(7));

    [Fact]
    public async Task ReconnectStorm_SmscDropsEveryBind_WaitsGrowUntilABindHolds()
    {
        // The client waits on a clock the test moves, and the SMSC dates its connections on the same clock. A connection
        // is dated before its bind, hence before the drop that starts the client's wait: the next one comes a full wait
        // later at least, however busy the machine.
        var clock = new SteppingClock(DateTimeOffset.UtcNow);
        await using FakeSmsc smsc = FakeSmsc.Start(clock);
        smsc.DropAfterBind(5);
        TimeSpan never = TimeSpan.FromDays(1); // connecting, answers and a stable bind are not what the clock is moved for
        await using SmppClient client = new(
            Options() with
            {
                Port = smsc.Port,
                Reconnect = new Backoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(16), Jitter: 0),
                ConnectTimeout = never,
                ResponseTimeout = never,
                EnquireLinkInterval = never,
                StableAfter = never,
            },
            new SmppSessionTests.Answering(CommandStatus.Ok),
            _logs,
            clock,
            new Random(7));

        client.Start();
        Task sixthHolds = smsc.WaitUntilAsync(s => s.Connections.Count >= 6 && s.Bound == s.Connections[5], "a sixth connection, bound and kept");
        await clock.AdvanceUntilAsync(sixthHolds, TimeSpan.FromMilliseconds(500));
        await sixthHolds;
        await client.WaitForBindAsync().WaitAsync(Timeouts.Hang);

        DateTimeOffset[] connected = [.. smsc.Connections.Select(c => c.ConnectedAt)];
        Assert.Equal(6, connected.Length);
        Assert.Equal(6, client.ConnectAttempts);
        // Waits of 1, 2, 4, 8 and 16 s (no jitter here).
        for (int i = 0; i < 5; i++)
        {
            Assert.True(connected[i + 1] - connected[i] >= TimeSpan.FromSeconds(1 << i), $"connection {i + 2} came {connected[i + 1] - connected[i]} after connection {i + 1}");
        }
    }

    [Fact]
    public async Task SmscNotListening_ClientKeepsTrying_AndBindsWhenItAccepts()
    {
        _smsc.RefuseConnections(3);
        await using SmppClient client = Client(Options());

        client.Start();
        SmppSession session = await client.WaitForBindAsync().WaitAsync(Timeouts.Hang);

        Assert.Equal(SmppSessionState.Bound, session.State);
        Assert.Equal(4, client.ConnectAttempts);
    }

    [Fact]
    public async Task DropInTheMiddleOfAWindow_TheClientBindsAgain_AndTheRequestsCanBeSentAgain()
    {
        _smsc.OnSubmit = (_, n) => n <= 3 ? new SubmitAnswer(Answer: false) : SubmitAnswer.Accept;
        await using SmppClient client = Client(Options());
        client.Start();
        SmppSession first = await client.WaitForBindAsync().WaitAsync(Timeouts.Hang);
        SubmitSm[] messages = [.. Enumerable.Range(0, 3).Select(i => new SubmitSm { ShortMessage = new[] { (byte)('a' + i) } })];
        Task<Pdu>[] inFlight = [.. messages.Select(m => first.SendAsync(m))];
        await _smsc.WaitForSubmitsAsync(3);
        FakeSmscConnection dropped = _smsc.Bound!;

        dropped.Drop();
        foreach (Task<Pdu> send in inFlight)
        {
            await Assert.ThrowsAsync<SmppConnectionException>(() => send);
        }

        await _smsc.WaitForBindAsync(after: dropped);
        SmppSession second = await client.WaitForBindAsync().WaitAsync(Timeouts.Hang);
        Pdu[] again = await Task.WhenAll(messages.Select(m => second.SendAsync(m)));

        Assert.NotSame(first, second);
        Assert.All(again, r => Assert.Equal(CommandStatus.Ok, r.CommandStatus));
    }

    [Fact]
    public async Task WrongPassword_IsLoggedWithoutThePassword_AndTriedAgainOnlyAtTheLongestWait()
    {
        // On a clock that moves only with real time here: the longest wait (10 min) cannot pass during the test.
        var clock = new SteppingClock(DateTimeOffset.UtcNow);
        var longest = TimeSpan.FromMinutes(10);
        await using SmppClient client = new(
            Options() with { Password = "nope123", Reconnect = new Backoff(TimeSpan.FromMilliseconds(50), longest, Jitter: 0) },
            new SmppSessionTests.Answering(CommandStatus.Ok),
            _logs,
            clock,
            new Random(7));

        client.Start();
        string waiting = (await _logs.WaitForAsync(4005)).Text;

        Assert.EndsWith($"connecting again in {longest}", waiting, StringComparison.Ordinal);
        Assert.Equal(1, client.ConnectAttempts);
        Assert.Null(client.Session);
        Assert.Contains("InvalidPassword", _logs.All, StringComparison.Ordinal);
        Assert.DoesNotContain("nope123", _logs.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StopAsync_Unbinds_AndDoesNotConnectAgain()
    {
        SmppClient client = Client(Options());
        client.Start();
        await client.WaitForBindAsync().WaitAsync(Timeouts.Hang);

        // StopAsync returns once the client's loop has ended: nothing is left to connect again.
        await client.StopAsync();

        FakeSmscConnection only = Assert.Single(_smsc.Connections);
        Assert.IsType<Unbind>(only.Received[^1]);
        Assert.False(only.IsOpen);
        Assert.Null(client.Session);
        await client.DisposeAsync();
    }

    [Fact]
    public async Task TransmitterAndReceiverPair_SubmitsGoThroughTheTransmitter_MessagesArriveOnTheReceiver()
    {
        var received = new SmppSessionTests.Answering(CommandStatus.Ok);
        SmppClient tx = new(Options("pair-tx") with { BindType = SmppBindType.Transmitter }, received, _logs);
        SmppClient rx = new(Options("pair-rx") with { BindType = SmppBindType.Receiver }, received, _logs);
        await using var group = new SmppClientGroup([rx, tx]);
        group.Start();
        await Task.WhenAll(tx.WaitForBindAsync(), rx.WaitForBindAsync()).WaitAsync(Timeouts.Hang);

        (Pdu response, SmppSession via) = await group.SendAsync(new SubmitSm { ShortMessage = "x"u8.ToArray() }, Timeouts.Hang);
        FakeSmscConnection receiver = _smsc.Connections.Single(c => c.BindRequest is BindReceiver);
        Pdu delivered = await receiver.RequestAsync(new DeliverSm { ShortMessage = "5"u8.ToArray() });

        Assert.Equal(CommandStatus.Ok, response.CommandStatus);
        Assert.Equal(SmppBindType.Transmitter, via.Options.BindType);
        Assert.Single(_smsc.Connections.Single(c => c.BindRequest is BindTransmitter).Received.OfType<SubmitSm>());
        Assert.Equal(CommandStatus.Ok, delivered.CommandStatus);
        Assert.Single(received.Messages);
    }

    [Fact]
    public async Task Group_SeveralBinds_ShareTheSubmits()
    {
        SmppClient[] clients = [Client(Options("a")), Client(Options("b"))];
        await using var group = new SmppClientGroup(clients);
        group.Start();
        await Task.WhenAll(clients.Select(c => c.WaitForBindAsync())).WaitAsync(Timeouts.Hang);

        string[] via = await Task.WhenAll(Enumerable.Range(0, 6).Select(async _ =>
            (await group.SendAsync(new SubmitSm { ShortMessage = "x"u8.ToArray() }, Timeouts.Hang)).Session.Options.Name));

        Assert.Equal(["a", "b"], via.Distinct().Order());
    }

    [Fact]
    public async Task Group_NoBindComes_ThrowsNotBoundAfterTheWait()
    {
        _smsc.RefuseConnections(1000);
        await using var group = new SmppClientGroup([Client(Options())]);
        group.Start();

        await Assert.ThrowsAsync<SmppNotBoundException>(() => group.SendAsync(new SubmitSm(), TimeSpan.FromMilliseconds(300)));
    }
}
