using System.Data.Common;
using System.Diagnostics.Metrics;
using System.Security.Cryptography;
using Mbushja.Smpp.Session;
using Mbushja.Storage;
using Mbushja.Storage.Commits;
using Microsoft.Extensions.Logging;

namespace Mbushja.Server.Smpp;

/// <summary>What happened to a bind's slot (<see cref="SmppBindLeases.Changed"/>).</summary>
public enum SmppLeaseChange
{
    /// <summary>This server took the slot; its lease runs until <see cref="SmppLeaseEvent.ExpiresAt"/>.</summary>
    Taken,

    /// <summary>Other servers hold every slot the bind may take; <see cref="SmppLeaseEvent.ExpiresAt"/> is when the first runs out.</summary>
    Busy,

    /// <summary>The lease was renewed until <see cref="SmppLeaseEvent.ExpiresAt"/>.</summary>
    Renewed,

    /// <summary>The database did not take the renewal (or a take); tried again shortly.</summary>
    Failed,

    /// <summary>The slot could not be kept: the bind must end before its lease runs out.</summary>
    Lost,

    /// <summary>The slot was given back: another server may take it at once.</summary>
    Released,

    /// <summary>The slot could not be given back: it frees when its lease runs out, at <see cref="SmppLeaseEvent.ExpiresAt"/>.</summary>
    LeftToExpire,
}

/// <summary>One change of a bind's slot, as this server saw it.</summary>
/// <param name="Slot">The slot; null for <see cref="SmppLeaseChange.Busy"/> and a failed take, which concern all the bind's slots.</param>
public sealed record SmppLeaseEvent(string Bind, string SystemId, int? Slot, SmppLeaseChange Change, DateTimeOffset? ExpiresAt);

/// <summary>A slot as stored: who holds it and until when.</summary>
public sealed record SmppBindLease(string SystemId, int Slot, string Holder, string HolderHost, string Bind, DateTimeOffset ExpiresAt);

/// <summary>
/// The binds an SMSC allows a system_id, shared among the servers by lease (README "SMPP", docs/design/smpp-bind-leases.md):
/// each slot is a row of <c>smpp_bind_leases</c> (migration 0012), taken by one conditional statement, renewed at a
/// third of <see cref="SmppSettings.BindLease"/> and given back once the bind's connection is gone. A holder that cannot
/// renew unbinds at two thirds of the lease and is gone by five sixths, before any other server may take the slot.
/// </summary>
/// <remarks>
/// Times are this server's clock (the server's <see cref="TimeProvider"/>); servers sharing a database must keep their
/// clocks within a sixth of the lease of each other (NTP does far better). Every write goes through the commit queue,
/// durably: a bind is made only on a lease that is on disk.
/// </remarks>
public sealed partial class SmppBindLeases(CommitQueue commits, Database database, SmppSettings settings, TimeProvider time, ILogger<SmppBindLeases> logger)
{
    private const string Held = "SLOT_HELD";

    private readonly CommitQueue _commits = commits;
    private readonly Database _database = database;
    private readonly SmppSettings _settings = settings;
    private readonly TimeProvider _time = time;
    private readonly ILogger _logger = logger;

    private static readonly Meter Meter = new(SmppMetrics.MeterName);

    private static readonly Counter<long> Renewals = Meter.CreateCounter<long>(
        "bind_slots.renewals", description: "Renewals of bind slot leases, by outcome: renewed, refused (another server holds it), failed (no answer).");

    /// <summary>This server's name in the lease table: random, made at its start (a restarted server is another holder).</summary>
    public string Holder { get; } = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));

    /// <summary>The host this server runs on, stored beside <see cref="Holder"/> for people.</summary>
    public string HolderHost { get; } = Environment.MachineName;

    /// <summary>Each change of a slot of this server's binds, as it happens (logs and metrics say the same).</summary>
    public event EventHandler<SmppLeaseEvent>? Changed;

    private TimeSpan Length => _settings.BindLease;

    private TimeSpan RenewEvery => Length / 3;

    /// <summary>No renewal came through for this long after the last one began: the bind unbinds.</summary>
    private TimeSpan UnbindAfter => Length * 2 / 3;

    /// <summary>The unbind's time, after which the connection is closed without one: gone by five sixths of the lease.</summary>
    private TimeSpan UnbindWithin => Length / 6;

    /// <summary>A bind waiting for a slot looks again this often (and at once when the lease it waits for runs out).</summary>
    private TimeSpan LookAgainEvery => Length / 6;

    private TimeSpan RenewAgainAfterFailure => Length / 15;

    /// <summary>The slots <see cref="SmppSettings.Binds"/>[<paramref name="index"/>] may take, for its <see cref="SmppClient"/>.</summary>
    public ISmppBindSlots For(int index) => new BindSlots(this, _settings.Binds[index], _settings.SlotsOf(index));

    /// <summary>Every slot held now or lately, by any server (for people and tests).</summary>
    public async Task<IReadOnlyList<SmppBindLease>> ListAsync(CancellationToken ct = default)
    {
        await using DbConnection connection = await _database.OpenAsync(ct);
        await using DbCommand command = connection.Command(
            "SELECT system_id, slot, holder, holder_host, bind, expires_at_ms FROM smpp_bind_leases ORDER BY system_id, slot");
        await using DbDataReader r = await command.ExecuteReaderAsync(ct);
        var leases = new List<SmppBindLease>();
        while (await r.ReadAsync(ct))
        {
            leases.Add(new SmppBindLease(r.GetString(0), r.GetInt32(1), r.GetString(2), r.GetString(3), r.GetString(4), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(5))));
        }

        return leases;
    }

    /// <summary>
    /// Takes <paramref name="slot"/> when it is free, its lease ran out, or it is this server's already; renews it in the
    /// last case. One statement, so two servers cannot both take a slot: the primary key decides.
    /// </summary>
    private CommitStatement Take(SmppSessionOptions bind, int slot, DateTimeOffset at) => CommitStatement.Conditional(
        "INSERT INTO smpp_bind_leases (system_id, slot, holder, holder_host, bind, expires_at_ms) VALUES (@system, @slot, @holder, @host, @bind, @expires) "
        + "ON CONFLICT (system_id, slot) DO UPDATE SET holder = excluded.holder, holder_host = excluded.holder_host, bind = excluded.bind, expires_at_ms = excluded.expires_at_ms "
        + "WHERE smpp_bind_leases.expires_at_ms <= @now OR smpp_bind_leases.holder = excluded.holder",
        new CommitRefusal(Held, $"Slot {slot} of system_id {bind.SystemId} is held by another server."),
        ("system", bind.SystemId),
        ("slot", slot),
        ("holder", Holder),
        ("host", HolderHost),
        ("bind", bind.Name),
        ("expires", (at + Length).ToUnixTimeMilliseconds()),
        ("now", at.ToUnixTimeMilliseconds()));

    /// <summary>
    /// Tries once to take <paramref name="slot"/>; null when another server holds it. A take that came through too late to
    /// bind on (the database was slow) is taken again at once: it is this server's now, and a whole lease lies ahead.
    /// </summary>
    private async Task<Lease?> TryTakeAsync(SmppSessionOptions bind, int slot, CancellationToken ct)
    {
        while (true)
        {
            DateTimeOffset at = _time.GetUtcNow();
            Task<CommitRefusal?> taking = _commits.CommitAsync(Take(bind, slot, at), Durability.Durable, CancellationToken.None);
            CommitRefusal? refused;
            try
            {
                refused = await taking.WaitAsync(ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                // Stopped while the take was on its way: should it come through, the slot is given back then.
                _ = GiveBackWhenTakenAsync(taking, bind, slot, at + Length);
                throw;
            }

            if (refused is not null)
            {
                return null;
            }

            if (_time.GetUtcNow() - at >= RenewEvery)
            {
                continue;
            }

            var lease = new Lease(this, bind, slot, at);
            Tell(bind, slot, SmppLeaseChange.Taken, lease.ExpiresAt);
            LogTaken(_logger, bind.Name, slot, bind.SystemId, Holder, HolderHost, lease.ExpiresAt);
            lease.Start();
            return lease;
        }
    }

    /// <summary>When the lease of the first of <paramref name="slots"/> to free runs out (null: one is free already).</summary>
    private async Task<DateTimeOffset?> FirstFreeAsync(string systemId, IReadOnlyList<int> slots, CancellationToken ct)
    {
        await using DbConnection connection = await _database.OpenAsync(ct);
        await using DbCommand command = connection.Command(
            "SELECT slot, expires_at_ms FROM smpp_bind_leases WHERE system_id = @system", null, ("system", systemId));
        await using DbDataReader r = await command.ExecuteReaderAsync(ct);
        var expiries = new Dictionary<int, long>();
        while (await r.ReadAsync(ct))
        {
            expiries[r.GetInt32(0)] = r.GetInt64(1);
        }

        return slots.All(expiries.ContainsKey) ? DateTimeOffset.FromUnixTimeMilliseconds(slots.Min(s => expiries[s])) : null;
    }

    /// <summary>
    /// Gives the slot back, if the lease written last is still there (<paramref name="expiresAt"/>): a release that
    /// reaches the database late must not end a lease this server took again since. Bounded in time: when the database
    /// does not answer, the slot frees when its lease runs out.
    /// </summary>
    private async Task ReleaseAsync(SmppSessionOptions bind, int slot, DateTimeOffset expiresAt)
    {
        try
        {
            await _commits.CommitAsync(
                    CommitStatement.Any(
                        "DELETE FROM smpp_bind_leases WHERE system_id = @system AND slot = @slot AND holder = @holder AND expires_at_ms = @expires",
                        ("system", bind.SystemId),
                        ("slot", slot),
                        ("holder", Holder),
                        ("expires", expiresAt.ToUnixTimeMilliseconds())),
                    Durability.Durable,
                    CancellationToken.None)
                .WaitAsync(UnbindWithin, _time);
            Tell(bind, slot, SmppLeaseChange.Released, null);
            LogReleased(_logger, bind.Name, slot, bind.SystemId);
        }
        catch (Exception e)
        {
            Tell(bind, slot, SmppLeaseChange.LeftToExpire, expiresAt);
            LogLeftToExpire(_logger, bind.Name, slot, bind.SystemId, e.Message, expiresAt);
        }
    }

    private async Task GiveBackWhenTakenAsync(Task<CommitRefusal?> taking, SmppSessionOptions bind, int slot, DateTimeOffset expiresAt)
    {
        try
        {
            if (await taking is null)
            {
                await ReleaseAsync(bind, slot, expiresAt);
            }
        }
        catch (Exception)
        {
            // The take failed: nothing to give back.
        }
    }

    private void Tell(SmppSessionOptions bind, int? slot, SmppLeaseChange change, DateTimeOffset? expiresAt) =>
        Changed?.Invoke(this, new SmppLeaseEvent(bind.Name, bind.SystemId, slot, change, expiresAt));

    /// <summary>The slots of one bind: taken in turn, looked at again until one is free.</summary>
    private sealed class BindSlots(SmppBindLeases leases, SmppSessionOptions bind, IReadOnlyList<int> slots) : ISmppBindSlots
    {
        public async Task<ISmppBindSlot> TakeAsync(CancellationToken cancellationToken)
        {
            bool waiting = false;
            int failures = 0;
            string slotList = string.Join(", ", slots);
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                TimeSpan wait = leases.LookAgainEvery;
                try
                {
                    foreach (int slot in slots)
                    {
                        if (await leases.TryTakeAsync(bind, slot, cancellationToken) is { } lease)
                        {
                            return lease;
                        }
                    }

                    failures = 0;
                    DateTimeOffset? firstFree = await leases.FirstFreeAsync(bind.SystemId, slots, cancellationToken);
                    TimeSpan untilFree = firstFree is { } free ? free - leases._time.GetUtcNow() : TimeSpan.Zero;
                    wait = untilFree < wait ? untilFree < MinWait ? MinWait : untilFree : wait;
                    leases.Tell(bind, null, SmppLeaseChange.Busy, firstFree);
                    if (!waiting)
                    {
                        waiting = true;
                        LogWaiting(leases._logger, bind.Name, bind.SystemId, slotList, wait);
                    }
                }
                catch (Exception e) when (!cancellationToken.IsCancellationRequested)
                {
                    leases.Tell(bind, null, SmppLeaseChange.Failed, null);
                    if (failures++ == 0)
                    {
                        LogTakeFailed(leases._logger, bind.Name, e.Message, wait);
                    }
                }

                await Task.Delay(wait, leases._time, cancellationToken);
            }
        }

        /// <summary>A lease that ran out as it was read is looked at again after this, not in a tight loop.</summary>
        private static readonly TimeSpan MinWait = TimeSpan.FromMilliseconds(10);
    }

    /// <summary>
    /// A slot this server holds: renewed at a third of the lease, lost when no renewal came through by two thirds (or
    /// another server holds it), given back when disposed.
    /// </summary>
    private sealed class Lease : ISmppBindSlot
    {
        private readonly SmppBindLeases _leases;
        private readonly SmppSessionOptions _bind;
        private readonly int _slot;
        private readonly CancellationTokenSource _lost = new();
        private readonly CancellationTokenSource _stop = new();
        private readonly ITimer _unbindTimer;
        private Task _keeping = Task.CompletedTask;
        private Renewal? _renewing;
        private long _renewedAtTicks;
        private int _lostOnce;
        private int _disposed;

        public Lease(SmppBindLeases leases, SmppSessionOptions bind, int slot, DateTimeOffset takenAt)
        {
            _leases = leases;
            _bind = bind;
            _slot = slot;
            _renewedAtTicks = takenAt.UtcTicks;
            _unbindTimer = leases._time.CreateTimer(_ => Lose("it was not renewed in time"), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }

        public CancellationToken Lost => _lost.Token;

        public TimeSpan UnbindWithin => _leases.UnbindWithin;

        /// <summary>When the lease written last runs out.</summary>
        public DateTimeOffset ExpiresAt => RenewedAt + _leases.Length;

        /// <summary>When the lease written last was taken or renewed (its statement's time).</summary>
        private DateTimeOffset RenewedAt => new(Volatile.Read(ref _renewedAtTicks), TimeSpan.Zero);

        public void Start()
        {
            ArmUnbindTimer();
            _keeping = KeepAsync();
        }

        public async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 1)
            {
                return;
            }

            await _stop.CancelAsync();
            await _unbindTimer.DisposeAsync();
            await _keeping.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            if (_renewing is { } renewal)
            {
                // A renewal on its way would write the lease again after the release: give it back only once it is done,
                // naming the lease it wrote.
                await ((Task)renewal.Done.WaitAsync(UnbindWithin, _leases._time)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                if (renewal.Done is { IsCompletedSuccessfully: true, Result: null } && renewal.At > RenewedAt)
                {
                    Volatile.Write(ref _renewedAtTicks, renewal.At.UtcTicks);
                }
            }

            if (_renewing is { Done.IsCompleted: false })
            {
                _leases.Tell(_bind, _slot, SmppLeaseChange.LeftToExpire, ExpiresAt);
                LogLeftToExpire(_leases._logger, _bind.Name, _slot, _bind.SystemId, "a renewal is still on its way", ExpiresAt);
            }
            else
            {
                await _leases.ReleaseAsync(_bind, _slot, ExpiresAt);
            }

            _lost.Dispose();
            _stop.Dispose();
        }

        private void ArmUnbindTimer()
        {
            TimeSpan left = RenewedAt + _leases.UnbindAfter - _leases._time.GetUtcNow();
            if (left <= TimeSpan.Zero)
            {
                Lose("it was not renewed in time");
                return;
            }

            _unbindTimer.Change(left, Timeout.InfiniteTimeSpan);
        }

        private async Task KeepAsync()
        {
            CancellationToken stop = _stop.Token;
            DateTimeOffset next = RenewedAt + _leases.RenewEvery;
            int failures = 0;
            while (!_lost.IsCancellationRequested)
            {
                TimeSpan wait = next - _leases._time.GetUtcNow();
                try
                {
                    await Task.Delay(wait > TimeSpan.Zero ? wait : TimeSpan.Zero, _leases._time, stop);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                DateTimeOffset at = _leases._time.GetUtcNow();
                Task<CommitRefusal?> renewing = _leases._commits.CommitAsync(_leases.Take(_bind, _slot, at), Durability.Durable, CancellationToken.None);
                _renewing = new Renewal(renewing, at);
                CommitRefusal? refused;
                try
                {
                    refused = await renewing.WaitAsync(stop);
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception e) when (!stop.IsCancellationRequested)
                {
                    Renewals.Add(1, new KeyValuePair<string, object?>("bind", _bind.Name), new KeyValuePair<string, object?>("outcome", "failed"));
                    _leases.Tell(_bind, _slot, SmppLeaseChange.Failed, ExpiresAt);
                    if (failures++ == 0)
                    {
                        LogRenewFailed(_leases._logger, _bind.Name, _slot, e.Message, RenewedAt + _leases.UnbindAfter);
                    }

                    next = _leases._time.GetUtcNow() + _leases.RenewAgainAfterFailure;
                    continue;
                }

                if (refused is not null)
                {
                    Renewals.Add(1, new KeyValuePair<string, object?>("bind", _bind.Name), new KeyValuePair<string, object?>("outcome", "refused"));
                    Lose("another server holds it");
                    return;
                }

                Renewals.Add(1, new KeyValuePair<string, object?>("bind", _bind.Name), new KeyValuePair<string, object?>("outcome", "renewed"));
                failures = 0;
                Volatile.Write(ref _renewedAtTicks, at.UtcTicks);
                _leases.Tell(_bind, _slot, SmppLeaseChange.Renewed, ExpiresAt);
                if (!_lost.IsCancellationRequested)
                {
                    ArmUnbindTimer();
                }

                next = at + _leases.RenewEvery;
            }
        }

        /// <summary>A renewal sent at <paramref name="At"/>, done when the database answered.</summary>
        private sealed record Renewal(Task<CommitRefusal?> Done, DateTimeOffset At);

        private void Lose(string reason)
        {
            if (Interlocked.Exchange(ref _lostOnce, 1) == 1 || Volatile.Read(ref _disposed) == 1)
            {
                return;
            }

            _leases.Tell(_bind, _slot, SmppLeaseChange.Lost, ExpiresAt);
            LogLost(_leases._logger, _bind.Name, _slot, _bind.SystemId, reason, ExpiresAt);
            try
            {
                _lost.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // Given back meanwhile: nothing is bound on it any more.
            }
        }
    }

    [LoggerMessage(EventId = 4141, Level = LogLevel.Information, Message = "SMPP {Bind}: slot {Slot} of system_id {SystemId} taken by this server ({Holder} on {Host}) until {ExpiresAt:o}")]
    private static partial void LogTaken(ILogger logger, string bind, int slot, string systemId, string holder, string host, DateTimeOffset expiresAt);

    [LoggerMessage(EventId = 4142, Level = LogLevel.Information, Message = "SMPP {Bind}: other servers hold the slots it may take of system_id {SystemId} ({Slots}); looking again in {Wait}")]
    private static partial void LogWaiting(ILogger logger, string bind, string systemId, string slots, TimeSpan wait);

    [LoggerMessage(EventId = 4143, Level = LogLevel.Warning, Message = "SMPP {Bind}: slot {Slot} not renewed ({Reason}); trying again until {UnbindAt:o}, then unbinding")]
    private static partial void LogRenewFailed(ILogger logger, string bind, int slot, string reason, DateTimeOffset unbindAt);

    [LoggerMessage(EventId = 4144, Level = LogLevel.Warning, Message = "SMPP {Bind}: slot {Slot} of system_id {SystemId} lost: {Reason}; the bind ends before its lease runs out at {ExpiresAt:o}")]
    private static partial void LogLost(ILogger logger, string bind, int slot, string systemId, string reason, DateTimeOffset expiresAt);

    [LoggerMessage(EventId = 4145, Level = LogLevel.Information, Message = "SMPP {Bind}: slot {Slot} of system_id {SystemId} given back")]
    private static partial void LogReleased(ILogger logger, string bind, int slot, string systemId);

    [LoggerMessage(EventId = 4146, Level = LogLevel.Warning, Message = "SMPP {Bind}: slot {Slot} of system_id {SystemId} not given back ({Reason}); it frees when its lease runs out at {ExpiresAt:o}")]
    private static partial void LogLeftToExpire(ILogger logger, string bind, int slot, string systemId, string reason, DateTimeOffset expiresAt);

    [LoggerMessage(EventId = 4147, Level = LogLevel.Warning, Message = "SMPP {Bind}: no slot could be taken ({Reason}); trying again every {Wait}")]
    private static partial void LogTakeFailed(ILogger logger, string bind, string reason, TimeSpan wait);
}
