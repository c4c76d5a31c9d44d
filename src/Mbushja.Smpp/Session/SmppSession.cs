using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Threading.Channels;
using Mbushja.Domain;
using Mbushja.Smpp.Pdus;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Mbushja.Smpp.Session;

/// <summary>What a session is doing.</summary>
public enum SmppSessionState
{
    /// <summary>Connected; the bind is on its way.</summary>
    Binding,

    /// <summary>Bound: requests may be sent, messages arrive.</summary>
    Bound,

    /// <summary>Ending cleanly: no new requests; what is in flight is finished, then unbind.</summary>
    Unbinding,

    /// <summary>The connection is gone.</summary>
    Closed,
}

/// <summary>Why a session ended.</summary>
public enum SmppSessionEnd
{
    /// <summary>This side unbound (shutdown).</summary>
    Unbound,

    /// <summary>The SMSC sent unbind.</summary>
    UnboundBySmsc,

    /// <summary>The SMSC closed the connection, or it broke.</summary>
    ConnectionLost,

    /// <summary>The SMSC did not answer an enquire_link: the link is taken for dead.</summary>
    LinkDead,

    /// <summary>
    /// A header that cannot be trusted (a command_length below 16 octets, or over the limit with an unknown
    /// command_id): no later PDU can be found on this stream (§3.2). It was answered generic_nack first.
    /// </summary>
    FramingLost,

    /// <summary>Closed by this side without an unbind (dispose, a failed bind).</summary>
    Aborted,
}

/// <summary>Receives what the SMSC sends an ESME: messages (deliver_sm, data_sm), delivery receipts among them.</summary>
public interface ISmppInboundHandler
{
    /// <summary>
    /// Makes <paramref name="message"/> (a <see cref="DeliverSm"/> or <see cref="DataSm"/>) safe and says what to
    /// answer: <see cref="CommandStatus.Ok"/> only once nothing can lose it, ESME_RX_T_APPN (0x64) to have the SMSC try
    /// again later. An exception, or no answer within <see cref="SmppSessionOptions.InboundTimeout"/>, is answered 0x64.
    /// </summary>
    ValueTask<CommandStatus> OnMessageAsync(SmppSession session, Pdu message, CancellationToken cancellationToken);

    /// <summary>
    /// The answer to <paramref name="message"/> is queued on <paramref name="session"/>: whatever is sent on it from
    /// here reaches the SMSC after that answer (one TCP stream, written in order). A USSD screen goes out from here, so
    /// that its submit_sm_resp proves the SMSC has read the deliver_sm_resp before it. Must not block.
    /// </summary>
    void OnAnswered(SmppSession session, Pdu message, CommandStatus status)
    {
    }
}

/// <summary>
/// One ESME connection to an SMSC (SMPP v3.4 §2): TCP through System.IO.Pipelines, the bind, a window of numbered
/// requests with response timeouts, enquire_link both ways, generic_nack for what cannot be read, throttling pauses,
/// and a clean unbind. Encoding and decoding are the codec's (<see cref="PduEncoder"/>, <see cref="SmppFrameReader"/>);
/// this class only moves PDUs. A lost session is not reopened here: <see cref="SmppClient"/> does that.
/// Memory is bounded whatever the SMSC does: at most <see cref="SmppSessionOptions.MaxQueuedPdus"/> PDUs wait to be
/// written and <see cref="SmppSessionOptions.MaxInboundInFlight"/> received messages are handled at once; beyond
/// either, reading pauses and TCP pushes back (docs/design/smpp-limits.md).
/// </summary>
public sealed partial class SmppSession : IAsyncDisposable
{
    private readonly SmppSessionOptions _options;
    private readonly ISmppInboundHandler _handler;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Random _random;
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly PipeReader _input;
    private readonly PipeWriter _output;
    // Bounded by _queueRoom, not by the channel: a room is taken before a PDU is queued and given back once the PDU is
    // flushed, so what the write loop has taken out but not yet flushed counts too.
    private readonly Channel<Pdu> _outgoing = Channel.CreateUnbounded<Pdu>(new UnboundedChannelOptions { SingleReader = true });
    private readonly SemaphoreSlim _queueRoom;
    private readonly SemaphoreSlim _inboundRoom;
    private readonly ConcurrentDictionary<uint, PendingRequest> _pending = new();
    private readonly SemaphoreSlim _window;
    private readonly CancellationTokenSource _closing = new();
    private readonly TaskCompletionSource<SmppSessionEnd> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _pauseLock = new();

    private Task _readLoop = Task.CompletedTask;
    private Task _writeLoop = Task.CompletedTask;
    private Task _enquireLoop = Task.CompletedTask;
    private int _state = (int)SmppSessionState.Binding;
    private int _closed;
    private int _sequence;
    private int _inbound;
    private int _queued;
    private long _lastReceived;
    private int _throttles;
    private DateTimeOffset _pausedUntil;

    private SmppSession(SmppSessionOptions options, ISmppInboundHandler handler, ILogger logger, TimeProvider time, Random random, Socket socket)
    {
        _options = options;
        _handler = handler;
        _logger = logger;
        _time = time;
        _random = random;
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
        _input = PipeReader.Create(_stream, new StreamPipeReaderOptions(leaveOpen: true));
        _output = PipeWriter.Create(_stream, new StreamPipeWriterOptions(leaveOpen: true));
        _window = new SemaphoreSlim(options.WindowSize, options.WindowSize);
        _queueRoom = new SemaphoreSlim(options.MaxQueuedPdus, options.MaxQueuedPdus);
        _inboundRoom = new SemaphoreSlim(options.MaxInboundInFlight, options.MaxInboundInFlight);
        _lastReceived = time.GetTimestamp();
    }

    public SmppSessionOptions Options => _options;

    public SmppSessionState State => (SmppSessionState)Volatile.Read(ref _state);

    /// <summary>The SMSC's system_id from its bind response.</summary>
    public string SmscSystemId { get; private set; } = string.Empty;

    /// <summary>Requests that may still be sent before the window is full.</summary>
    public int FreeWindow => _window.CurrentCount;

    /// <summary>PDUs waiting to be written now: at most <see cref="SmppSessionOptions.MaxQueuedPdus"/>.</summary>
    public int QueuedPdus => Volatile.Read(ref _queued);

    /// <summary>Received messages being handled now: at most <see cref="SmppSessionOptions.MaxInboundInFlight"/>.</summary>
    public int InboundInFlight => Volatile.Read(ref _inbound);

    /// <summary>Completes, never faulted, when the connection is gone, with the reason.</summary>
    public Task<SmppSessionEnd> Completion => _completion.Task;

    /// <summary>
    /// Connects to <see cref="SmppSessionOptions.Host"/> and binds. Throws <see cref="SmppConnectionException"/> when
    /// the SMSC cannot be reached, <see cref="SmppBindException"/> when it refuses the bind,
    /// <see cref="SmppTimeoutException"/> when it does not answer.
    /// </summary>
    public static async Task<SmppSession> ConnectAsync(
        SmppSessionOptions options,
        ISmppInboundHandler handler,
        ILogger? logger = null,
        TimeProvider? time = null,
        Random? random = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(handler);
        time ??= TimeProvider.System;
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            using var timeout = new CancellationTokenSource(options.ConnectTimeout, time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken);
            await socket.ConnectAsync(options.Host, options.Port, linked.Token);
        }
        catch (Exception e) when (e is SocketException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            socket.Dispose();
            throw new SmppConnectionException($"Cannot connect to {options.Host}:{options.Port}: {(e is SocketException s ? s.SocketErrorCode.ToString() : "no answer within " + options.ConnectTimeout)}.", e);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        var session = new SmppSession(options, handler, logger ?? NullLogger.Instance, time, random ?? Random.Shared, socket);
        session.Start();
        try
        {
            await session.BindAsync(cancellationToken);
            return session;
        }
        catch
        {
            await session.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Sends <paramref name="request"/> (numbering it) once the window has room and no throttling pause holds, and
    /// returns the SMSC's response, whatever its status: a generic_nack too. Throws <see cref="SmppTimeoutException"/>
    /// without a response in time (or without room in the outgoing queue within as long: nothing was sent then),
    /// <see cref="SmppConnectionException"/> when the connection goes first, <see cref="SmppNotBoundException"/> when
    /// the session is not bound (or is unbinding), and <see cref="ArgumentException"/> for a request that cannot be
    /// encoded (nothing is sent then).
    /// </summary>
    public async Task<Pdu> SendAsync(Pdu request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.CommandId.IsResponse())
        {
            throw new ArgumentException("Responses are sent by the session itself.", nameof(request));
        }

        if (State != SmppSessionState.Bound)
        {
            throw new SmppNotBoundException($"SMPP {_options.Name} is {State.ToString().ToLowerInvariant()}.");
        }

        if (request.CommandId is CommandId.SubmitSm or CommandId.DataSm)
        {
            await WaitWhilePausedAsync(cancellationToken);
        }

        return await RequestAsync(request, useWindow: true, cancellationToken, requireBound: true);
    }

    /// <summary>
    /// Ends the session cleanly (§4.2): no new requests; waits (up to the response timeout) for the requests in flight
    /// and the received messages being stored, then sends unbind, waits for unbind_resp and closes.
    /// </summary>
    public async Task UnbindAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.CompareExchange(ref _state, (int)SmppSessionState.Unbinding, (int)SmppSessionState.Bound) != (int)SmppSessionState.Bound)
        {
            Close(SmppSessionEnd.Aborted, null, flush: true);
            await Completion;
            return;
        }

        long deadline = _time.GetTimestamp();
        while ((!_pending.IsEmpty || Volatile.Read(ref _inbound) > 0)
            && _time.GetElapsedTime(deadline) < _options.ResponseTimeout
            && !_closing.IsCancellationRequested)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(10), _time, cancellationToken);
        }

        try
        {
            await RequestAsync(new Unbind(), useWindow: false, cancellationToken);
            LogUnbound(_logger, _options.Name);
        }
        catch (SmppException e)
        {
            LogUnbindUnanswered(_logger, _options.Name, new LogText(e.Message));
        }

        Close(SmppSessionEnd.Unbound, null, flush: true);
        await Completion;
    }

    /// <summary>Closes without an unbind (a clean end is <see cref="UnbindAsync"/>).</summary>
    public async ValueTask DisposeAsync()
    {
        Close(SmppSessionEnd.Aborted, null, flush: false);
        await Completion;
        await _enquireLoop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private void Start()
    {
        _writeLoop = Task.Run(WriteLoopAsync);
        _readLoop = Task.Run(ReadLoopAsync);
    }

    private async Task BindAsync(CancellationToken cancellationToken)
    {
        Pdu response = await RequestAsync(_options.BindType.Request(_options), useWindow: true, cancellationToken);
        if (response.CommandStatus != CommandStatus.Ok || response is not BindResp bound)
        {
            LogBindRefused(_logger, _options.Name, _options.Host, _options.Port, response.CommandStatus);
            throw new SmppBindException(response.CommandStatus == CommandStatus.Ok ? CommandStatus.BindFailed : response.CommandStatus);
        }

        SmscSystemId = bound.SystemId;
        if (State != SmppSessionState.Bound)
        {
            throw new SmppConnectionException($"SMPP {_options.Name}: the connection closed while binding.");
        }

        SmppMetrics.BindUp(_options.Name);
        LogBound(_logger, _options.Name, _options.BindType, _options.Host, _options.Port, new LogText(SmscSystemId));

        _enquireLoop = Task.Run(EnquireLinkLoopAsync, CancellationToken.None);
    }

    private async Task<Pdu> RequestAsync(Pdu request, bool useWindow, CancellationToken cancellationToken, bool requireBound = false)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _closing.Token);
        if (useWindow)
        {
            try
            {
                await _window.WaitAsync(linked.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw Closed();
            }
        }

        bool roomTaken = false;
        try
        {
            await WaitForRoomAsync(request.CommandId, cancellationToken, linked.Token);
            roomTaken = true;

            // The session may have started to unbind while this request waited for room: nothing more goes out then.
            if (requireBound && State != SmppSessionState.Bound)
            {
                throw new SmppNotBoundException($"SMPP {_options.Name} is {State.ToString().ToLowerInvariant()}.");
            }

            uint sequence = NextSequence();
            request.SequenceNumber = sequence;
            var pending = new PendingRequest(request.CommandId, Stopwatch.GetTimestamp());
            _pending[sequence] = pending;
            roomTaken = false;
            if (!TryQueue(request))
            {
                _pending.TryRemove(sequence, out _);
                throw Closed();
            }

            // A close between the check above and the registration would leave this request unanswered forever.
            if (Volatile.Read(ref _closed) == 1 && _pending.TryRemove(sequence, out _))
            {
                throw Closed();
            }

            Pdu response;
            try
            {
                response = await pending.Response.WaitAsync(_options.ResponseTimeout, _time, cancellationToken);
            }
            catch (TimeoutException)
            {
                _pending.TryRemove(sequence, out _);
                SmppMetrics.Timeout(_options.Name, request.CommandId);
                LogTimeout(_logger, _options.Name, request.CommandId, sequence, _options.ResponseTimeout);
                throw new SmppTimeoutException($"SMPP {_options.Name}: no answer to {request.CommandId} #{sequence} within {_options.ResponseTimeout}.");
            }
            catch (OperationCanceledException)
            {
                _pending.TryRemove(sequence, out _);
                throw;
            }

            SmppMetrics.Response(_options.Name, request.CommandId, pending.Started);
            if (response.CommandStatus is CommandStatus.Throttled or CommandStatus.MessageQueueFull)
            {
                Pause(response.CommandStatus);
            }
            else if (response.CommandStatus == CommandStatus.Ok)
            {
                Interlocked.Exchange(ref _throttles, 0);
            }

            return response;
        }
        finally
        {
            if (roomTaken)
            {
                _queueRoom.Release();
            }

            if (useWindow)
            {
                _window.Release();
            }
        }
    }

    /// <summary>
    /// Takes room in the outgoing queue for a request, waiting at most the response timeout: an SMSC that reads nothing
    /// leaves no room, and a request that cannot even be queued is as unanswered (so an enquire_link finds the link dead).
    /// </summary>
    private async Task WaitForRoomAsync(CommandId command, CancellationToken cancellationToken, CancellationToken closingOrCancelled)
    {
        if (_queueRoom.Wait(0))
        {
            return;
        }

        using var timeout = new CancellationTokenSource(_options.ResponseTimeout, _time);
        using var waiting = CancellationTokenSource.CreateLinkedTokenSource(closingOrCancelled, timeout.Token);
        try
        {
            await _queueRoom.WaitAsync(waiting.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            if (_closing.IsCancellationRequested)
            {
                throw Closed();
            }

            SmppMetrics.Timeout(_options.Name, command);
            LogQueueFull(_logger, _options.Name, command, _options.MaxQueuedPdus, _options.ResponseTimeout);
            throw new SmppTimeoutException($"SMPP {_options.Name}: no room to send {command} within {_options.ResponseTimeout} ({_options.MaxQueuedPdus} PDUs wait to be written).");
        }
    }

    /// <summary>
    /// Queues an answer (a response, a generic_nack) once there is room. The read loop awaits it, so while the SMSC
    /// reads nothing this side reads nothing either. Throws <see cref="OperationCanceledException"/> once closing.
    /// </summary>
    private async ValueTask AnswerAsync(Pdu answer)
    {
        if (!_queueRoom.Wait(0))
        {
            await _queueRoom.WaitAsync(_closing.Token);
        }

        TryQueue(answer);
    }

    /// <summary>With room taken: queues <paramref name="pdu"/>, or gives the room back when the session is closing.</summary>
    private bool TryQueue(Pdu pdu)
    {
        CountQueued(1);
        if (_outgoing.Writer.TryWrite(pdu))
        {
            return true;
        }

        Written(1);
        return false;
    }

    /// <summary><paramref name="count"/> PDUs left the queue (flushed, or dropped at the close): their room is free.</summary>
    private void Written(int count)
    {
        if (count > 0)
        {
            CountQueued(-count);
            _queueRoom.Release(count);
        }
    }

    private void CountQueued(int delta)
    {
        Interlocked.Add(ref _queued, delta);
        SmppMetrics.OutgoingQueued(_options.Name, delta);
    }

    /// <summary>0x00000001–0x7FFFFFFF, then round again (§3.2).</summary>
    private uint NextSequence()
    {
        while (true)
        {
            uint sequence = unchecked((uint)Interlocked.Increment(ref _sequence)) & 0x7FFF_FFFF;
            if (sequence != 0)
            {
                return sequence;
            }
        }
    }

    /// <summary>The SMSC asked to slow down: submits wait, for longer each time it asks again.</summary>
    private void Pause(CommandStatus status)
    {
        int times = Interlocked.Increment(ref _throttles);
        TimeSpan delay = _options.Throttle.Delay(times - 1, _random);
        lock (_pauseLock)
        {
            DateTimeOffset until = _time.GetUtcNow() + delay;
            if (until > _pausedUntil)
            {
                _pausedUntil = until;
            }
        }

        SmppMetrics.Throttled(_options.Name);
        LogThrottled(_logger, _options.Name, status, delay);
    }

    private async Task WaitWhilePausedAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            TimeSpan wait;
            lock (_pauseLock)
            {
                wait = _pausedUntil - _time.GetUtcNow();
            }

            if (wait <= TimeSpan.Zero)
            {
                return;
            }

            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _closing.Token);
            try
            {
                await Task.Delay(wait, _time, linked.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw Closed();
            }
        }
    }

    private async Task ReadLoopAsync()
    {
        var frames = new SmppFrameReader(_options.Codec);
        SmppSessionEnd end = SmppSessionEnd.ConnectionLost;
        Exception? failure = null;
        try
        {
            while (true)
            {
                ReadResult result = await _input.ReadAsync(_closing.Token);
                ReadOnlySequence<byte> buffer = result.Buffer;
                bool framingLost = false;
                while (frames.TryReadFrame(ref buffer, out DecodeResult frame))
                {
                    Volatile.Write(ref _lastReceived, _time.GetTimestamp());
                    if (frame.Error is { } error)
                    {
                        Pdu answer = error.Answer();
                        SmppMetrics.DecodeError(_options.Name, error.Status);
                        LogUndecodable(_logger, _options.Name, answer.CommandId, error.Status, new LogText(error.Detail));
                        await AnswerAsync(answer);
                        if (error.FramingLost)
                        {
                            framingLost = true;
                            break;
                        }

                        continue;
                    }

                    await DispatchAsync(frame.Pdu!);
                }

                _input.AdvanceTo(buffer.Start, buffer.End);
                if (framingLost)
                {
                    end = SmppSessionEnd.FramingLost;
                    break;
                }

                if (result.IsCompleted)
                {
                    break;
                }
            }
        }
        catch (OperationCanceledException) when (_closing.IsCancellationRequested)
        {
            end = SmppSessionEnd.Aborted;
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or InvalidOperationException)
        {
            failure = e;
        }
        finally
        {
            await _input.CompleteAsync();
        }

        // The answer to what could not be read still goes out before the connection closes.
        Close(end, failure, flush: true);
    }

    private async Task WriteLoopAsync()
    {
        Exception? failure = null;
        ChannelReader<Pdu> reader = _outgoing.Reader;
        int unflushed = 0;
        try
        {
            while (await reader.WaitToReadAsync(_closing.Token))
            {
                while (reader.TryRead(out Pdu? pdu))
                {
                    unflushed++;
                    try
                    {
                        PduEncoder.Write(_output, pdu);
                    }
                    catch (ArgumentException e) when (!pdu.CommandId.IsResponse())
                    {
                        // A request the codec refuses is the caller's bug: it fails alone, nothing of it was written.
                        if (_pending.TryRemove(pdu.SequenceNumber, out PendingRequest? refused))
                        {
                            refused.Fail(e);
                        }

                        continue;
                    }

                    SmppMetrics.Pdu(_options.Name, "out", pdu);
                    LogPdu(_logger, _options.Name, "sent", pdu.CommandId, pdu.SequenceNumber, pdu.CommandStatus);
                }

                FlushResult flushed = await _output.FlushAsync(_closing.Token);
                Written(unflushed);
                unflushed = 0;
                if (flushed.IsCompleted)
                {
                    break;
                }
            }
        }
        catch (OperationCanceledException) when (_closing.IsCancellationRequested)
        {
            // Closed by the other side of the session.
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or InvalidOperationException)
        {
            failure = e;
        }
        finally
        {
            // Nothing is queued after this; what was never written gives its room back (and leaves the metric).
            _outgoing.Writer.TryComplete();
            while (reader.TryRead(out _))
            {
                unflushed++;
            }

            Written(unflushed);
            try
            {
                // Writes what the pipe still holds: with a peer that does not read, this waits for the socket to go.
                await _output.CompleteAsync();
            }
            catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
            {
                failure ??= e;
            }
        }

        Close(SmppSessionEnd.ConnectionLost, failure, flush: false);
    }

    private async ValueTask DispatchAsync(Pdu pdu)
    {
        SmppMetrics.Pdu(_options.Name, "in", pdu);
        LogPdu(_logger, _options.Name, "received", pdu.CommandId, pdu.SequenceNumber, pdu.CommandStatus);
        if (pdu.CommandId.IsResponse())
        {
            // Only the request's own response (or a generic_nack) answers it: a response of another command with the
            // same sequence number answers a request never sent, and is dropped like a late one.
            if (_pending.TryGetValue(pdu.SequenceNumber, out PendingRequest? pending)
                && pdu.CommandId.Answers(pending.Command)
                && _pending.TryRemove(pdu.SequenceNumber, out pending))
            {
                if (pdu is BindResp { CommandStatus: CommandStatus.Ok })
                {
                    // Bound from here on, before the next PDU is read: an SMSC may deliver right after its bind_resp.
                    Interlocked.CompareExchange(ref _state, (int)SmppSessionState.Bound, (int)SmppSessionState.Binding);
                }

                pending.Complete(pdu);
            }
            else if (pdu is GenericNack)
            {
                // Sequence 0: the SMSC could not even read the header of something sent to it.
                LogNacked(_logger, _options.Name, pdu.CommandStatus, pdu.SequenceNumber);
            }
            else
            {
                LogLateResponse(_logger, _options.Name, pdu.CommandId, pdu.SequenceNumber);
            }

            return;
        }

        switch (pdu)
        {
            case EnquireLink:
                await AnswerAsync(pdu.CreateResponse()!);
                break;
            case Unbind:
                await AnswerAsync(pdu.CreateResponse()!);
                LogUnboundBySmsc(_logger, _options.Name);
                Close(SmppSessionEnd.UnboundBySmsc, null, flush: true);
                break;
            case DeliverSm or DataSm when State is SmppSessionState.Bound or SmppSessionState.Unbinding && _options.BindType.CanReceive():
                // Reading waits here while MaxInboundInFlight messages are being handled.
                if (!_inboundRoom.Wait(0))
                {
                    await _inboundRoom.WaitAsync(_closing.Token);
                }

                Interlocked.Increment(ref _inbound);
                SmppMetrics.Inbound(_options.Name, 1);
                _ = HandleInboundAsync(pdu);
                break;
            case DeliverSm or DataSm:
                await AnswerAsync(pdu.CreateResponse(CommandStatus.InvalidBindStatus)!);
                break;
            default:
                // A request an SMSC should not send an ESME (a bind, submit_sm, outbind on a bound session).
                await AnswerAsync(pdu.CreateResponse(CommandStatus.InvalidBindStatus)
                    ?? new GenericNack { CommandStatus = CommandStatus.InvalidCommandId, SequenceNumber = pdu.SequenceNumber });
                break;
        }
    }

    /// <summary>Makes a received message safe and answers it; holds one of the MaxInboundInFlight rooms until then.</summary>
    private async Task HandleInboundAsync(Pdu message)
    {
        CommandStatus status;
        try
        {
            using var timeout = new CancellationTokenSource(_options.InboundTimeout, _time);
            status = await _handler.OnMessageAsync(this, message, timeout.Token).AsTask().WaitAsync(_options.InboundTimeout, _time);
        }
        catch (Exception e)
        {
            LogInboundFailed(_logger, _options.Name, message.CommandId, message.SequenceNumber, e);
            status = CommandStatus.ReceiverTemporaryAppError;
        }

        try
        {
            await AnswerAsync(message.CreateResponse(status)!);
        }
        catch (OperationCanceledException)
        {
            // Closing: unanswered, the SMSC delivers it again.
        }
        finally
        {
            Interlocked.Decrement(ref _inbound);
            SmppMetrics.Inbound(_options.Name, -1);
            _inboundRoom.Release();
        }

        _handler.OnAnswered(this, message, status);
    }

    /// <summary>Checks an idle link (§4.11): an enquire_link after an interval with nothing received; no answer closes it.</summary>
    private async Task EnquireLinkLoopAsync()
    {
        try
        {
            while (!_closing.IsCancellationRequested)
            {
                TimeSpan idle = _time.GetElapsedTime(Volatile.Read(ref _lastReceived));
                TimeSpan wait = _options.EnquireLinkInterval - idle;
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, _time, _closing.Token);
                    continue;
                }

                if (State != SmppSessionState.Bound)
                {
                    return;
                }

                try
                {
                    await RequestAsync(new EnquireLink(), useWindow: false, _closing.Token);
                }
                catch (SmppTimeoutException)
                {
                    LogLinkDead(_logger, _options.Name, _options.ResponseTimeout);
                    Close(SmppSessionEnd.LinkDead, null, flush: false);
                    return;
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SmppException)
        {
            // Closed meanwhile.
        }
    }

    private SmppConnectionException Closed() => new($"SMPP {_options.Name}: the session is closed.");

    /// <summary>
    /// Ends the session once: requests in flight fail, the outgoing queue is closed (and, with <paramref name="flush"/>,
    /// written out first: an unbind_resp or a generic_nack must reach the SMSC), then the socket goes.
    /// </summary>
    private void Close(SmppSessionEnd end, Exception? failure, bool flush)
    {
        if (Interlocked.Exchange(ref _closed, 1) == 1)
        {
            return;
        }

        SmppSessionState was = (SmppSessionState)Interlocked.Exchange(ref _state, (int)SmppSessionState.Closed);
        if (was == SmppSessionState.Unbinding && end == SmppSessionEnd.ConnectionLost)
        {
            // The SMSC closes once it has answered the unbind, often before this side gets to.
            end = SmppSessionEnd.Unbound;
        }

        _outgoing.Writer.TryComplete();
        if (!flush)
        {
            _closing.Cancel();
        }

        foreach (uint sequence in _pending.Keys)
        {
            if (_pending.TryRemove(sequence, out PendingRequest? pending))
            {
                pending.Fail(Closed());
            }
        }

        if (was is SmppSessionState.Bound or SmppSessionState.Unbinding)
        {
            SmppMetrics.BindDown(_options.Name);
        }

        if (end is not (SmppSessionEnd.Unbound or SmppSessionEnd.Aborted))
        {
            LogClosed(_logger, _options.Name, end, new LogText(failure?.Message));
        }

        _ = FinishCloseAsync(end);
    }

    private async Task FinishCloseAsync(SmppSessionEnd end)
    {
        // The write loop ends once the closed queue is written out; a stuck socket gets a second, not more.
        await _writeLoop.WaitAsync(TimeSpan.FromSeconds(1), _time).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _closing.Cancel();
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Already gone.
        }

        // Each loop completes its own end of the pipe as it leaves.
        await Task.WhenAll(_readLoop, _writeLoop).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await _stream.DisposeAsync();
        _completion.TrySetResult(end);
    }

    private sealed class PendingRequest(CommandId command, long started)
    {
        private readonly TaskCompletionSource<Pdu> _response = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public CommandId Command { get; } = command;

        public long Started { get; } = started;

        public Task<Pdu> Response => _response.Task;

        public void Complete(Pdu pdu) => _response.TrySetResult(pdu);

        public void Fail(Exception e) => _response.TrySetException(e);
    }

    [LoggerMessage(EventId = 4001, Level = LogLevel.Information, Message = "SMPP {Bind} bound ({BindType}) to {Host}:{Port}, SMSC '{SmscSystemId}'")]
    private static partial void LogBound(ILogger logger, string bind, SmppBindType bindType, string host, int port, LogText smscSystemId);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Error, Message = "SMPP {Bind}: {Host}:{Port} refused the bind with {Status}")]
    private static partial void LogBindRefused(ILogger logger, string bind, string host, int port, CommandStatus status);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Warning, Message = "SMPP {Bind}: session closed ({End}) {Detail}")]
    private static partial void LogClosed(ILogger logger, string bind, SmppSessionEnd end, LogText detail);

    [LoggerMessage(EventId = 4006, Level = LogLevel.Warning, Message = "SMPP {Bind}: undecodable PDU answered with {Answer} {Status}: {Detail}")]
    private static partial void LogUndecodable(ILogger logger, string bind, CommandId answer, CommandStatus status, LogText detail);

    [LoggerMessage(EventId = 4007, Level = LogLevel.Warning, Message = "SMPP {Bind}: enquire_link not answered within {Timeout}; closing the link")]
    private static partial void LogLinkDead(ILogger logger, string bind, TimeSpan timeout);

    [LoggerMessage(EventId = 4008, Level = LogLevel.Warning, Message = "SMPP {Bind}: the SMSC answered {Status}; submits pause for {Delay}")]
    private static partial void LogThrottled(ILogger logger, string bind, CommandStatus status, TimeSpan delay);

    [LoggerMessage(EventId = 4009, Level = LogLevel.Warning, Message = "SMPP {Bind}: {Command} #{Sequence} not answered within {Timeout}")]
    private static partial void LogTimeout(ILogger logger, string bind, CommandId command, uint sequence, TimeSpan timeout);

    [LoggerMessage(EventId = 4010, Level = LogLevel.Debug, Message = "SMPP {Bind}: {Command} #{Sequence} came after its request was given up")]
    private static partial void LogLateResponse(ILogger logger, string bind, CommandId command, uint sequence);

    [LoggerMessage(EventId = 4011, Level = LogLevel.Error, Message = "SMPP {Bind}: {Command} #{Sequence} could not be made safe; answered ESME_RX_T_APPN for the SMSC to try again")]
    private static partial void LogInboundFailed(ILogger logger, string bind, CommandId command, uint sequence, Exception exception);

    [LoggerMessage(EventId = 4012, Level = LogLevel.Information, Message = "SMPP {Bind}: unbound")]
    private static partial void LogUnbound(ILogger logger, string bind);

    [LoggerMessage(EventId = 4013, Level = LogLevel.Warning, Message = "SMPP {Bind}: unbind not completed ({Reason}); closing")]
    private static partial void LogUnbindUnanswered(ILogger logger, string bind, LogText reason);

    [LoggerMessage(EventId = 4014, Level = LogLevel.Information, Message = "SMPP {Bind}: the SMSC unbound")]
    private static partial void LogUnboundBySmsc(ILogger logger, string bind);

    [LoggerMessage(EventId = 4015, Level = LogLevel.Warning, Message = "SMPP {Bind}: the SMSC answered generic_nack {Status} #{Sequence}")]
    private static partial void LogNacked(ILogger logger, string bind, CommandStatus status, uint sequence);

    [LoggerMessage(EventId = 4019, Level = LogLevel.Warning, Message = "SMPP {Bind}: no room to send {Command} within {Timeout}: {Limit} PDUs wait to be written (the SMSC reads too slowly, or not at all)")]
    private static partial void LogQueueFull(ILogger logger, string bind, CommandId command, int limit, TimeSpan timeout);

    [LoggerMessage(EventId = 4016, Level = LogLevel.Trace, Message = "SMPP {Bind} {Direction} {Command} #{Sequence} {Status}")]
    private static partial void LogPdu(ILogger logger, string bind, string direction, CommandId command, uint sequence, CommandStatus status);
}
