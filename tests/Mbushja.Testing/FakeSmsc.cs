using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Mbushja.Smpp;
using Mbushja.Smpp.Pdus;

namespace Mbushja.Testing;

/// <summary>How the fake SMSC answers one submit_sm (or data_sm).</summary>
/// <param name="Delay">Wait this long before answering.</param>
/// <param name="Answer">False: never answer (a lost response).</param>
/// <param name="Drop">Drop the connection instead of answering.</param>
/// <param name="MessageId">The message_id to give; null: the next of the SMSC's own ids.</param>
/// <param name="Until">Answer only once this completes (a test's signal: an answer that comes late, exactly when the test says).</param>
public sealed record SubmitAnswer(
    CommandStatus Status = CommandStatus.Ok, TimeSpan Delay = default, bool Answer = true, bool Drop = false, string? MessageId = null, Task? Until = null)
{
    public static SubmitAnswer Accept { get; } = new();
}

/// <summary>
/// An SMSC on a real socket (<c>127.0.0.1:0</c>), scripted by the test, after Npgsql's PgServerMock: it binds ESMEs
/// (checking <see cref="SystemId"/> and <see cref="Password"/>), answers enquire_link and unbind, answers submit_sm as
/// <see cref="OnSubmit"/> says, records everything it receives, and sends what a test asks (deliver_sm, enquire_link,
/// raw octets). The codec under test reads and writes its PDUs: the codec has its own tests against the spec's
/// octets, this fake is for what a session does with them.
/// </summary>
public sealed class FakeSmsc : IAsyncDisposable
{
    public const string SystemId = "mbushja";
    public const string Password = "s3cret";
    public const string SmscSystemId = "FAKESMSC";

    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<FakeSmscConnection> _connections = new();
    private readonly ConcurrentQueue<SubmitSm> _submits = new();
    private readonly Task _accepting;
    private int _messageIds;
    private int _submitCount;
    private int _dropAfterBind;
    private int _refuseConnections;
    private int _disposed;
    private readonly Lock _changeLock = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _mostBound;

    private FakeSmsc(TimeProvider? clock)
    {
        Clock = clock ?? TimeProvider.System;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accepting = Task.Run(AcceptLoopAsync);
    }

    /// <summary>Starts listening; <paramref name="clock"/> dates the connections (<see cref="FakeSmscConnection.ConnectedAt"/>).</summary>
    public static FakeSmsc Start(TimeProvider? clock = null) => new(clock);

    public int Port { get; }

    /// <summary>The clock that dates connections: the one the ESME under test uses, so that waits can be compared exactly.</summary>
    public TimeProvider Clock { get; }

    /// <summary>The status a bind gets; by default Ok for the right credentials, ESME_RINVPASWD otherwise.</summary>
    public Func<Bind, CommandStatus> OnBind { get; set; } = bind =>
        bind.SystemId != SystemId ? CommandStatus.InvalidSystemId : bind.Password != Password ? CommandStatus.InvalidPassword : CommandStatus.Ok;

    /// <summary>How a submit_sm is answered, given it and its number among all received (1-based).</summary>
    public Func<SubmitSm, int, SubmitAnswer> OnSubmit { get; set; } = (_, _) => SubmitAnswer.Accept;

    /// <summary>The SMSC's message ids, from a counter: hexadecimal by default, as many SMSCs give them.</summary>
    public Func<int, string> MessageIds { get; set; } = n => (0x5A000 + n).ToString("X", CultureInfo.InvariantCulture);

    /// <summary>Sent right behind a successful bind_resp, in the same write (an SMSC with messages queued for the ESME).</summary>
    public Func<Pdu>? SendAfterBind { get; set; }

    /// <summary>The system_id this SMSC gives in its bind_resp (up to 15 characters of Latin-1).</summary>
    public string SystemIdInBindResp { get; set; } = SmscSystemId;

    public bool AnswerEnquireLink { get; set; } = true;

    /// <summary>How long each enquire_link is left before it is answered.</summary>
    public TimeSpan EnquireLinkDelay { get; set; }

    public IReadOnlyList<FakeSmscConnection> Connections => [.. _connections];

    /// <summary>Every submit_sm received, in order, on any connection (resent ones again).</summary>
    public IReadOnlyList<SubmitSm> Submits => [.. _submits];

    /// <summary>Connections open and bound now (as this SMSC counts binds: from its bind_resp to the connection's end).</summary>
    public int BoundNow => Connections.Count(c => c.IsBound && c.IsOpen);

    /// <summary>The most connections that were open and bound at the same moment, since the start.</summary>
    public int MostBoundAtOnce => Volatile.Read(ref _mostBound);

    /// <summary>
    /// Waits until <paramref name="condition"/> holds, looking again at each change this SMSC sees (a connection, a
    /// bind, a PDU, a close): no polling. Throws <see cref="TimeoutException"/> with <paramref name="what"/> when it
    /// does not hold within <paramref name="timeout"/> (default <see cref="Timeouts.Hang"/>).
    /// </summary>
    public async Task WaitUntilAsync(Func<FakeSmsc, bool> condition, string what, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        using var limit = new CancellationTokenSource(timeout ?? Timeouts.Hang);
        while (true)
        {
            Task changed;
            lock (_changeLock)
            {
                changed = _changed.Task;
            }

            if (condition(this))
            {
                return;
            }

            try
            {
                await changed.WaitAsync(limit.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"Not within {timeout ?? Timeouts.Hang}: {what} ({BoundNow} bound now, {Connections.Count} connections).");
            }
        }
    }

    /// <summary>Something changed: counts the binds and wakes whoever waits in <see cref="WaitUntilAsync"/>.</summary>
    internal void Changed()
    {
        int bound = BoundNow;
        int most;
        while (bound > (most = Volatile.Read(ref _mostBound)) && Interlocked.CompareExchange(ref _mostBound, bound, most) != most)
        {
        }

        TaskCompletionSource changed;
        lock (_changeLock)
        {
            changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        changed.TrySetResult();
    }

    /// <summary>The newest connection that is open and bound.</summary>
    public FakeSmscConnection? Bound => Connections.LastOrDefault(c => c.IsBound && c.IsOpen);

    /// <summary>The next <paramref name="times"/> connections are dropped right after their bind_resp.</summary>
    public void DropAfterBind(int times) => Interlocked.Exchange(ref _dropAfterBind, times);

    /// <summary>The next <paramref name="times"/> connections are closed as soon as they are accepted.</summary>
    public void RefuseConnections(int times) => Interlocked.Exchange(ref _refuseConnections, times);

    /// <summary>Drops every open connection (the SMSC crashed or the network broke).</summary>
    public void DropAll()
    {
        foreach (FakeSmscConnection connection in Connections)
        {
            connection.Drop();
        }
    }

    /// <summary>Waits for a bound connection (a new one when <paramref name="after"/> is given).</summary>
    public async Task<FakeSmscConnection> WaitForBindAsync(TimeSpan? timeout = null, FakeSmscConnection? after = null)
    {
        FakeSmscConnection? found = null;
        await WaitUntilAsync(
            s => (found = s.Bound) is { } bound && bound != after,
            after is null ? "an ESME bound" : "an ESME bound again",
            timeout);
        return found!;
    }

    /// <summary>Waits until <paramref name="count"/> submit_sm were received (in all).</summary>
    public async Task<IReadOnlyList<SubmitSm>> WaitForSubmitsAsync(int count, TimeSpan? timeout = null, Func<SubmitSm, bool>? which = null)
    {
        SubmitSm[] submits = [];
        await WaitUntilAsync(s => (submits = [.. s.Submits.Where(which ?? (_ => true))]).Length >= count, $"{count} submit_sm", timeout);
        return submits;
    }

    internal string NextMessageId() => MessageIds(Interlocked.Increment(ref _messageIds));

    internal int RecordSubmit(SubmitSm submit)
    {
        _submits.Enqueue(submit);
        return Interlocked.Increment(ref _submitCount);
    }

    internal bool TakeDropAfterBind() => TakeOne(ref _dropAfterBind);

    private static bool TakeOne(ref int counter)
    {
        while (true)
        {
            int left = Volatile.Read(ref counter);
            if (left <= 0)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref counter, left - 1, left) == left)
            {
                return true;
            }
        }
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            if (TakeOne(ref _refuseConnections))
            {
                socket.Dispose();
                continue;
            }

            _connections.Enqueue(new FakeSmscConnection(this, socket, _stop.Token));
            Changed();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _stop.CancelAsync();
        _listener.Stop();
        DropAll();
        await _accepting;
        foreach (FakeSmscConnection connection in Connections)
        {
            await connection.Closed;
        }

        _stop.Dispose();
    }

    /// <summary>A delivery receipt (SMPP v3.4 Appendix B) for a message the SMSC accepted, as most SMSCs send it.</summary>
    /// <param name="withTlvs">Also receipted_message_id and message_state (§5.3.2.12, §5.3.2.35); false: the text alone.</param>
    public static DeliverSm Receipt(SubmitSm submitted, string messageId, string stat = "DELIVRD", bool withTlvs = true, MessageState state = MessageState.Delivered)
    {
        ArgumentNullException.ThrowIfNull(submitted);
        string text = $"id:{messageId} sub:001 dlvrd:{(stat == "DELIVRD" ? "001" : "000")} submit date:2611241200 done date:2611241201 stat:{stat} err:000 text:";
        TlvList tlvs = withTlvs ? [Tlv.ReceiptedMessageId(messageId), Tlv.MessageState(state)] : TlvList.Empty;
        return new DeliverSm
        {
            Source = submitted.Destination,
            Destination = submitted.Source,
            EsmClass = EsmClass.DeliveryReceipt,
            ShortMessage = System.Text.Encoding.ASCII.GetBytes(text),
            Tlvs = tlvs,
        };
    }
}

/// <summary>One ESME connection to the fake SMSC.</summary>
public sealed class FakeSmscConnection
{
    private readonly FakeSmsc _smsc;
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly ConcurrentQueue<Pdu> _received = new();
    private readonly ConcurrentQueue<DecodeError> _errors = new();
    private readonly ConcurrentDictionary<uint, TaskCompletionSource<Pdu>> _waiting = new();
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _sequence = 1000;
    private int _open = 1;

    internal FakeSmscConnection(FakeSmsc smsc, Socket socket, CancellationToken stop)
    {
        _smsc = smsc;
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
        ConnectedAt = smsc.Clock.GetUtcNow();
        _ = Task.Run(() => ReadLoopAsync(stop), CancellationToken.None);
    }

    public DateTimeOffset ConnectedAt { get; }

    public bool IsOpen => Volatile.Read(ref _open) == 1;

    public bool IsBound { get; private set; }

    /// <summary>The bind the ESME sent.</summary>
    public Bind? BindRequest { get; private set; }

    public IReadOnlyList<Pdu> Received => [.. _received];

    /// <summary>What could not be read, as the codec reported it.</summary>
    public IReadOnlyList<DecodeError> Errors => [.. _errors];

    public Task Closed => _closed.Task;

    /// <summary>Sends a request (numbered here) and waits for the ESME's response.</summary>
    public async Task<Pdu> RequestAsync(Pdu request, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        uint sequence = (uint)Interlocked.Increment(ref _sequence);
        request.SequenceNumber = sequence;
        var response = new TaskCompletionSource<Pdu>(TaskCreationOptions.RunContinuationsAsynchronously);
        _waiting[sequence] = response;
        await SendAsync(request);
        return await response.Task.WaitAsync(timeout ?? Timeouts.Hang);
    }

    /// <summary>Sends a PDU as it is (its sequence number included).</summary>
    public Task SendAsync(Pdu pdu) => SendRawAsync(PduEncoder.ToArray(pdu));

    public async Task SendRawAsync(byte[] octets)
    {
        await _writeLock.WaitAsync();
        try
        {
            await _stream.WriteAsync(octets);
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            Drop();
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Waits until a PDU of <typeparamref name="T"/> matching <paramref name="which"/> has come.</summary>
    public async Task<T> WaitForAsync<T>(Func<T, bool>? which = null, TimeSpan? timeout = null)
        where T : Pdu
    {
        T? found = null;
        await _smsc.WaitUntilAsync(_ => (found = Received.OfType<T>().FirstOrDefault(which ?? (_ => true))) is not null, $"a {typeof(T).Name}", timeout);
        return found!;
    }

    /// <summary>Closes the socket at once, as a crash or a broken network would.</summary>
    public void Drop()
    {
        if (Interlocked.Exchange(ref _open, 0) == 1)
        {
            CloseSocket();
        }
    }

    private void CloseSocket()
    {
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Gone already.
        }

        _socket.Close();
        _smsc.Changed();
    }

    /// <summary>
    /// Answers the ESME's unbind and closes. The connection is over for this SMSC before the answer leaves: an ESME that
    /// reads it and closes at once must find it closed here already, not a moment later.
    /// </summary>
    private async Task AnswerUnbindAsync(Pdu unbind)
    {
        IsBound = false;
        bool wasOpen = Interlocked.Exchange(ref _open, 0) == 1;
        await SendAsync(unbind.CreateResponse()!);
        if (wasOpen)
        {
            CloseSocket();
        }
    }

    private async Task ReadLoopAsync(CancellationToken stop)
    {
        PipeReader input = PipeReader.Create(_stream, new StreamPipeReaderOptions(leaveOpen: true));
        var frames = new SmppFrameReader();
        try
        {
            while (IsOpen)
            {
                ReadResult result = await input.ReadAsync(stop);
                ReadOnlySequence<byte> buffer = result.Buffer;
                bool lost = false;
                while (frames.TryReadFrame(ref buffer, out DecodeResult frame))
                {
                    if (frame.Error is { } error)
                    {
                        _errors.Enqueue(error);
                        await SendAsync(error.Answer());
                        if (error.FramingLost)
                        {
                            lost = true;
                            break;
                        }

                        continue;
                    }

                    _received.Enqueue(frame.Pdu!);
                    await OnPduAsync(frame.Pdu!);
                    _smsc.Changed();
                }

                input.AdvanceTo(buffer.Start, buffer.End);
                if (lost || result.IsCompleted)
                {
                    break;
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
        {
            // The connection is gone.
        }
        finally
        {
            Drop();
            await input.CompleteAsync();
            foreach (TaskCompletionSource<Pdu> waiting in _waiting.Values)
            {
                waiting.TrySetException(new IOException("The ESME's connection closed."));
            }

            _closed.TrySetResult();
        }
    }

    private async Task OnPduAsync(Pdu pdu)
    {
        if (pdu.CommandId.IsResponse())
        {
            if (_waiting.TryRemove(pdu.SequenceNumber, out TaskCompletionSource<Pdu>? waiting))
            {
                waiting.TrySetResult(pdu);
            }

            return;
        }

        switch (pdu)
        {
            case Bind bind:
                BindRequest = bind;
                CommandStatus status = _smsc.OnBind(bind);
                Pdu response = bind.CreateResponse(status)!;
                if (status == CommandStatus.Ok)
                {
                    response = bind switch
                    {
                        BindTransmitter => new BindTransmitterResp { SystemId = _smsc.SystemIdInBindResp, SequenceNumber = bind.SequenceNumber },
                        BindReceiver => new BindReceiverResp { SystemId = _smsc.SystemIdInBindResp, SequenceNumber = bind.SequenceNumber },
                        _ => new BindTransceiverResp { SystemId = _smsc.SystemIdInBindResp, SequenceNumber = bind.SequenceNumber },
                    };
                }

                // Counted from here: from the SMSC's side the bind exists once it says so.
                if (status == CommandStatus.Ok)
                {
                    IsBound = true;
                    _smsc.Changed();
                }

                if (status == CommandStatus.Ok && _smsc.SendAfterBind?.Invoke() is { } next)
                {
                    next.SequenceNumber = (uint)Interlocked.Increment(ref _sequence);
                    await SendRawAsync([.. PduEncoder.ToArray(response), .. PduEncoder.ToArray(next)]);
                }
                else
                {
                    await SendAsync(response);
                }

                IsBound = status == CommandStatus.Ok;
                if (IsBound && _smsc.TakeDropAfterBind())
                {
                    Drop();
                }

                break;
            case EnquireLink when _smsc.AnswerEnquireLink:
                if (_smsc.EnquireLinkDelay > TimeSpan.Zero)
                {
                    _ = Task.Delay(_smsc.EnquireLinkDelay).ContinueWith(_ => SendAsync(pdu.CreateResponse()!), TaskScheduler.Default);
                }
                else
                {
                    await SendAsync(pdu.CreateResponse()!);
                }

                break;
            case EnquireLink:
                break;
            case Unbind:
                await AnswerUnbindAsync(pdu);
                break;
            case SubmitSm submit:
                int number = _smsc.RecordSubmit(submit);
                _ = AnswerSubmitAsync(submit, _smsc.OnSubmit(submit, number));
                break;
            default:
                await SendAsync(pdu.CreateResponse(CommandStatus.InvalidCommandId) ?? new GenericNack { CommandStatus = CommandStatus.InvalidCommandId, SequenceNumber = pdu.SequenceNumber });
                break;
        }
    }

    private async Task AnswerSubmitAsync(SubmitSm submit, SubmitAnswer answer)
    {
        if (answer.Delay > TimeSpan.Zero)
        {
            await Task.Delay(answer.Delay);
        }

        if (answer.Until is { } until)
        {
            await until;
        }

        if (answer.Drop)
        {
            Drop();
            return;
        }

        if (!answer.Answer)
        {
            return;
        }

        await SendAsync(answer.Status == CommandStatus.Ok
            ? new SubmitSmResp { MessageId = answer.MessageId ?? _smsc.NextMessageId(), SequenceNumber = submit.SequenceNumber }
            : new SubmitSmResp { CommandStatus = answer.Status, SequenceNumber = submit.SequenceNumber });
    }
}
