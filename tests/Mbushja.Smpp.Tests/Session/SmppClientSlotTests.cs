using System.Threading.Channels;
using Mbushja.Smpp.Pdus;
using Mbushja.Smpp.Session;
using Mbushja.Testing;

namespace Mbushja.Smpp.Tests.Session;

/// <summary>
/// A bind that needs a slot (binds shared among servers): it connects only with one, ends its session when the slot is
/// lost, and gives the slot back only once its connection is gone. The slots here are scripted by the test; the
/// database's leases behind them are tested with the server (SmppBindLeasesSpec).
/// </summary>
public sealed class SmppClientSlotTests : IAsyncLifetime
{
    private static readonly TimeSpan Wait = Timeouts.Hang;

    private readonly FakeSmsc _smsc = FakeSmsc.Start();
    private readonly ListLogger _logs = new();
    private readonly ScriptedSlots _slots = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _smsc.DisposeAsync();

    private SmppClient Client() => new(
        new SmppSessionOptions
        {
            Name = "shared",
            Host = "127.0.0.1",
            Port = _smsc.Port,
            SystemId = FakeSmsc.SystemId,
            Password = FakeSmsc.Password,
            ResponseTimeout = Timeouts.Hang,
            Reconnect = new Backoff(TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(200), Jitter: 0),
        },
        new SmppSessionTests.Answering(CommandStatus.Ok),
        _logs,
        random: new Random(7),
        slots: _slots);

    [Fact]
    public async Task NoSlot_TheClientDoesNotConnect_UntilOneIsGiven()
    {
        await using SmppClient client = Client();

        client.Start();
        await _slots.AskedAsync(1);

        Assert.Empty(_smsc.Connections);
        Assert.Equal(0, client.ConnectAttempts);
        _slots.Give();
        await _smsc.WaitUntilAsync(s => s.BoundNow == 1, "the bind with its slot");
        Assert.Equal(1, client.ConnectAttempts);
    }

    [Fact]
    public async Task SlotLost_TheClientUnbinds_GivesTheSlotBackOnceTheConnectionIsGone_AndWaitsForAnother()
    {
        await using SmppClient client = Client();
        ScriptedSlot slot = _slots.Give();
        client.Start();
        await _smsc.WaitUntilAsync(s => s.BoundNow == 1, "the bind");
        // The client's side of the bind too: a slot lost while the bind_resp is still on its way ends the handshake
        // with no session to unbind, and the connection is closed without an unbind.
        await client.WaitForBindAsync().WaitAsync(Wait);
        FakeSmscConnection bound = _smsc.Bound!;
        slot.Connection = bound;

        slot.Lose();
        await slot.Released.WaitAsync(Wait);

        Assert.IsType<Unbind>(bound.Received[^1]);
        Assert.False(slot.ConnectionOpenAtRelease);
        await _slots.AskedAsync(2);
        Assert.Single(_smsc.Connections);
        Assert.Contains(_logs.Lines, l => l.Event.Id == 4018);
    }

    [Fact]
    public async Task SmscDropsTheBind_TheSlotIsGivenBack_ThenTakenAgainBeforeTheNextBind()
    {
        await using SmppClient client = Client();
        ScriptedSlot first = _slots.Give();
        client.Start();
        await _smsc.WaitUntilAsync(s => s.BoundNow == 1, "the first bind");
        FakeSmscConnection dropped = _smsc.Bound!;

        dropped.Drop();
        await first.Released.WaitAsync(Wait);
        await _slots.AskedAsync(2);

        Assert.Single(_smsc.Connections);
        _slots.Give();
        await _smsc.WaitUntilAsync(s => s.BoundNow == 1 && s.Bound != dropped, "the bind on the second slot");
    }

    [Fact]
    public async Task Stop_WhileWaitingForASlot_EndsWithoutConnecting()
    {
        SmppClient client = Client();
        client.Start();
        await _slots.AskedAsync(1);

        await client.StopAsync().WaitAsync(Wait);

        Assert.Empty(_smsc.Connections);
        await client.DisposeAsync();
    }

    [Fact]
    public async Task Stop_Unbinds_ThenGivesTheSlotBack()
    {
        SmppClient client = Client();
        ScriptedSlot slot = _slots.Give();
        client.Start();
        await _smsc.WaitUntilAsync(s => s.BoundNow == 1, "the bind");
        // The client's side of the bind too: stopped while the bind_resp is still on its way, the handshake ends with no
        // session to unbind (as in the test above).
        await client.WaitForBindAsync().WaitAsync(Wait);
        FakeSmscConnection bound = _smsc.Bound!;
        slot.Connection = bound;

        await client.StopAsync().WaitAsync(Wait);

        Assert.True(slot.Released.IsCompleted);
        Assert.IsType<Unbind>(bound.Received[^1]);
        Assert.False(slot.ConnectionOpenAtRelease);
        await client.DisposeAsync();
    }

    /// <summary>Slots handed out when the test says so; each TakeAsync is counted.</summary>
    private sealed class ScriptedSlots : ISmppBindSlots
    {
        private readonly Channel<ScriptedSlot> _given = Channel.CreateUnbounded<ScriptedSlot>();
        private readonly Lock _lock = new();
        private int _asked;
        private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public ScriptedSlot Give()
        {
            var slot = new ScriptedSlot();
            _given.Writer.TryWrite(slot);
            return slot;
        }

        public async Task<ISmppBindSlot> TakeAsync(CancellationToken cancellationToken)
        {
            TaskCompletionSource changed;
            lock (_lock)
            {
                _asked++;
                changed = _changed;
                _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            changed.TrySetResult();
            return await _given.Reader.ReadAsync(cancellationToken);
        }

        /// <summary>Waits until TakeAsync was called <paramref name="times"/> times.</summary>
        public async Task AskedAsync(int times)
        {
            using var limit = new CancellationTokenSource(Wait);
            while (true)
            {
                Task changed;
                lock (_lock)
                {
                    if (_asked >= times)
                    {
                        return;
                    }

                    changed = _changed.Task;
                }

                await changed.WaitAsync(limit.Token);
            }
        }
    }

    private sealed class ScriptedSlot : ISmppBindSlot
    {
        private readonly CancellationTokenSource _lost = new();
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public CancellationToken Lost => _lost.Token;

        public TimeSpan UnbindWithin => Timeouts.Hang;

        public Task Released => _released.Task;

        /// <summary>Whether the SMSC still had <see cref="Connection"/> open when the slot was given back.</summary>
        public bool ConnectionOpenAtRelease { get; private set; }

        public FakeSmscConnection? Connection { get; set; }

        public void Lose() => _lost.Cancel();

        public ValueTask DisposeAsync()
        {
            ConnectionOpenAtRelease = Connection?.IsOpen ?? false;
            _released.TrySetResult();
            return ValueTask.CompletedTask;
        }
    }
}
