using Mbushja.Domain;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Mbushja.Smpp.Session;

/// <summary>
/// Keeps one configured bind up: connects and binds, and when the session ends (the SMSC went away, the link died,
/// the bind was refused) tries again after a wait that doubles up to <see cref="SmppSessionOptions.Reconnect"/>'s
/// ceiling, with jitter, until it is stopped. The wait starts small again only after a session stayed bound for
/// <see cref="SmppSessionOptions.StableAfter"/>, so an SMSC that accepts binds and drops them at once is not hammered.
/// With <see cref="ISmppBindSlots"/> (binds shared by several servers) it connects only while it holds a slot: it takes
/// one before each connection, ends the session when the slot is lost, and gives the slot back once the connection is
/// gone (docs/design/smpp-bind-leases.md).
/// </summary>
public sealed partial class SmppClient : IAsyncDisposable
{
    private readonly ISmppInboundHandler _handler;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Random _random;
    private readonly ISmppBindSlots? _slots;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _lock = new();

    private TaskCompletionSource<SmppSession> _bound = NewBound();
    private SmppSession? _session;
    private Task _run = Task.CompletedTask;
    private int _started;
    private int _attempts;
    private int _holdsSlot;

    public SmppClient(
        SmppSessionOptions options, ISmppInboundHandler handler, ILogger? logger = null, TimeProvider? time = null, Random? random = null, ISmppBindSlots? slots = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(handler);
        Options = options;
        _handler = handler;
        _logger = logger ?? NullLogger.Instance;
        _time = time ?? TimeProvider.System;
        _random = random ?? Random.Shared;
        _slots = slots;
    }

    public SmppSessionOptions Options { get; }

    public string Name => Options.Name;

    /// <summary>The session, while it is bound.</summary>
    public SmppSession? Session
    {
        get
        {
            SmppSession? session = Volatile.Read(ref _session);
            return session is { State: SmppSessionState.Bound } ? session : null;
        }
    }

    /// <summary>
    /// True while this bind is this server's to use: it holds its slot (bound, or binding), or binds are not shared.
    /// False while other servers hold the slots it may take.
    /// </summary>
    public bool HoldsSlot => _slots is null || Volatile.Read(ref _holdsSlot) == 1;

    /// <summary>Connection attempts so far (the first included).</summary>
    public int ConnectAttempts => Volatile.Read(ref _attempts);

    /// <summary>Starts connecting (once).</summary>
    public void Start()
    {
        if (Interlocked.Exchange(ref _started, 1) == 0)
        {
            _run = Task.Run(RunAsync, CancellationToken.None);
        }
    }

    /// <summary>The bound session, as soon as there is one.</summary>
    public Task<SmppSession> WaitForBindAsync(CancellationToken cancellationToken = default)
    {
        if (Session is { } session)
        {
            return Task.FromResult(session);
        }

        lock (_lock)
        {
            return _bound.Task.WaitAsync(cancellationToken);
        }
    }

    /// <summary>Stops reconnecting and ends the current session with an unbind (§4.2).</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        await _stopping.CancelAsync();
        if (Volatile.Read(ref _session) is { } session)
        {
            await session.UnbindAsync(cancellationToken);
        }

        await _run.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stopping.Dispose();
    }

    private async Task RunAsync()
    {
        int failures = 0;
        CancellationToken stopping = _stopping.Token;
        while (!stopping.IsCancellationRequested)
        {
            ISmppBindSlot? slot;
            try
            {
                slot = await TakeSlotAsync(stopping);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                break;
            }

            if (Interlocked.Increment(ref _attempts) > 1)
            {
                SmppMetrics.Reconnect(Name);
            }

            long boundAt = 0;
            bool lost = false;
            SmppSession? session = null;
            using var connecting = CancellationTokenSource.CreateLinkedTokenSource(stopping, slot?.Lost ?? CancellationToken.None);
            try
            {
                session = await SmppSession.ConnectAsync(Options, _handler, _logger, _time, _random, connecting.Token);
                boundAt = _time.GetTimestamp();
                Volatile.Write(ref _session, session);
                lock (_lock)
                {
                    _bound.TrySetResult(session);
                }

                // A stop that came while binding found no session to unbind: this one is the loop's to end.
                if (stopping.IsCancellationRequested)
                {
                    await session.UnbindAsync(CancellationToken.None);
                }

                if (slot is null)
                {
                    await session.Completion;
                }
                else
                {
                    lost = await EndsWithSlotAsync(session, slot);
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                break;
            }
            catch (OperationCanceledException) when (slot is { Lost.IsCancellationRequested: true })
            {
                lost = true;
                SmppMetrics.SlotLost(Name);
                LogSlotLost(_logger, Name);
            }
            catch (SmppException e)
            {
                if (e is SmppBindException { IsTransient: false })
                {
                    // Wrong credentials stay wrong until someone fixes them: no quick retries.
                    failures = Math.Max(failures, 30);
                    LogCredentialsRefused(_logger, Name, new LogText(e.Message));
                }
                else
                {
                    LogConnectFailed(_logger, Name, new LogText(e.Message));
                }
            }
            finally
            {
                Volatile.Write(ref _session, null);
                lock (_lock)
                {
                    if (_bound.Task.IsCompleted)
                    {
                        _bound = NewBound();
                    }
                }

                if (session is not null)
                {
                    await session.DisposeAsync();
                }

                // Only now that the connection is gone may another server take the slot and bind.
                if (slot is not null)
                {
                    Volatile.Write(ref _holdsSlot, 0);
                    await slot.DisposeAsync();
                    SmppMetrics.SlotHeld(Name, -1);
                }
            }

            if (stopping.IsCancellationRequested)
            {
                break;
            }

            if (lost)
            {
                // The SMSC did nothing wrong: the next try begins with taking a slot again, which paces it.
                failures = 0;
                continue;
            }

            if (boundAt != 0 && _time.GetElapsedTime(boundAt) >= Options.StableAfter)
            {
                failures = 0;
            }

            TimeSpan delay = Options.Reconnect.Delay(failures++, _random);
            LogReconnecting(_logger, Name, delay);
            try
            {
                await Task.Delay(delay, _time, stopping);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    /// <summary>A slot before connecting, when binds are shared (null when they are not).</summary>
    private async Task<ISmppBindSlot?> TakeSlotAsync(CancellationToken stopping)
    {
        if (_slots is null)
        {
            return null;
        }

        SmppMetrics.SlotWaiting(Name, 1);
        try
        {
            ISmppBindSlot slot = await _slots.TakeAsync(stopping);
            SmppMetrics.SlotHeld(Name, 1);
            Volatile.Write(ref _holdsSlot, 1);
            return slot;
        }
        finally
        {
            SmppMetrics.SlotWaiting(Name, -1);
        }
    }

    /// <summary>
    /// Waits until the session ends or its slot is lost; a lost slot ends the session with an unbind, or without one when
    /// the unbind takes longer than <see cref="ISmppBindSlot.UnbindWithin"/>. True when the slot was lost.
    /// </summary>
    private async Task<bool> EndsWithSlotAsync(SmppSession session, ISmppBindSlot slot)
    {
        var lost = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using (slot.Lost.Register(() => lost.TrySetResult()))
        {
            if (await Task.WhenAny(session.Completion, lost.Task) == session.Completion)
            {
                return false;
            }
        }

        SmppMetrics.SlotLost(Name);
        LogSlotLost(_logger, Name);
        using var limit = new CancellationTokenSource(slot.UnbindWithin, _time);
        try
        {
            await session.UnbindAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            // Not unbound in time: the connection is closed without it (the caller disposes the session).
        }

        return true;
    }

    private static TaskCompletionSource<SmppSession> NewBound() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Warning, Message = "SMPP {Bind}: {Reason}")]
    private static partial void LogConnectFailed(ILogger logger, string bind, LogText reason);

    [LoggerMessage(EventId = 4005, Level = LogLevel.Information, Message = "SMPP {Bind}: connecting again in {Delay}")]
    private static partial void LogReconnecting(ILogger logger, string bind, TimeSpan delay);

    [LoggerMessage(EventId = 4018, Level = LogLevel.Warning, Message = "SMPP {Bind}: its slot could not be kept; unbinding so that the bind is gone before another server may take the slot")]
    private static partial void LogSlotLost(ILogger logger, string bind);

    [LoggerMessage(EventId = 4017, Level = LogLevel.Error, Message = "SMPP {Bind}: {Reason} Check the system_id and password; trying again with the longest waits")]
    private static partial void LogCredentialsRefused(ILogger logger, string bind, LogText reason);
}
