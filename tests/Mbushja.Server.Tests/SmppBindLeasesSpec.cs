using System.Data.Common;
using System.Net;
using System.Text;
using Mbushja.Server.Smpp;
using Mbushja.Smpp;
using Mbushja.Smpp.Pdus;
using Mbushja.Smpp.Session;
using Mbushja.Storage;
using Mbushja.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Mbushja.Server.Tests;

/// <summary>
/// Servers on one database share the binds an SMSC allows a system_id by lease (README "SMPP", docs/design/smpp-bind-leases.md):
/// the SMSC never sees more binds than allowed, a server that stops hands its binds over at once, one that dies hands
/// them over when its lease runs out, and one that loses its database unbinds before its lease can run out. Real
/// servers against the scripted SMSC; the lease's time is a clock the test steps, so nothing sleeps.
/// </summary>
public abstract class SmppBindLeasesSpec : IAsyncLifetime
{
    private static readonly TimeSpan Lease = SmppSettings.None.BindLease;

    // Near the real time: the sandbox bank and its connector sign their requests with the server's clock.
    private readonly SteppingClock _clock = new(DateTimeOffset.UtcNow);
    private readonly List<RunningServer> _running = [];
    private FakeSmsc _smsc = null!;
    private TestDatabase _database = null!;
    private int _numbers;

    protected abstract DatabaseKind Kind { get; }

    public async Task InitializeAsync()
    {
        _smsc = FakeSmsc.Start();
        _database = await TestDatabase.CreateAsync(Kind);
    }

    public async Task DisposeAsync()
    {
        foreach (RunningServer server in _running)
        {
            await server.DisposeAsync();
        }

        await _smsc.DisposeAsync();
        await _database.DisposeAsync();
    }

    [Fact]
    public async Task TwoServers_LimitOfTwo_TheSmscNeverSeesMoreThanTwo_AndAStoppedServersBindsGoToTheOther()
    {
        (RunningServer first, LeaseWatch firstWatch) = await StartAsync(maxBinds: 2, "one", "two");
        await _smsc.WaitUntilAsync(s => s.BoundNow == 2, "the first server binds both");
        (RunningServer second, LeaseWatch secondWatch) = await StartAsync(maxBinds: 2, "one", "two");
        await secondWatch.WaitForAsync(e => e is { Bind: "one", Change: SmppLeaseChange.Busy }, "the second server's 'one' finds its slot held");
        await secondWatch.WaitForAsync(e => e is { Bind: "two", Change: SmppLeaseChange.Busy }, "the second server's 'two' finds its slot held");

        Assert.Equal(2, _smsc.BoundNow);
        Assert.All(await LeasesAsync(first), l => Assert.Equal(Holder(first), l.Holder));
        await AssertMessagesFlowAsync();

        await StopAsync(first);
        Assert.Equal(2, firstWatch.Events.Count(e => e.Change == SmppLeaseChange.Released));
        Assert.Equal(0, _smsc.BoundNow);
        _clock.Advance(Lease / 6); // when a waiting bind looks again

        await _smsc.WaitUntilAsync(s => s.BoundNow == 2, "the second server binds both");
        Assert.Equal([Holder(second), Holder(second)], (await LeasesAsync(second)).Select(l => l.Holder));
        await AssertMessagesFlowAsync();
        Assert.Equal(2, _smsc.MostBoundAtOnce);
    }

    [Fact]
    public async Task TwoServersStartingAtOnce_OneSlot_OneBinds_TheOtherWaits()
    {
        (RunningServer Server, LeaseWatch Watch)[] servers = await Task.WhenAll(StartAsync(maxBinds: null, "one"), StartAsync(maxBinds: null, "one"));

        await _smsc.WaitUntilAsync(s => s.BoundNow == 1, "one of them binds");
        SmppLeaseEvent[] first = await Task.WhenAll(servers.Select(s =>
            s.Watch.WaitForAsync(e => e.Change is SmppLeaseChange.Taken or SmppLeaseChange.Busy, "each server takes the slot or finds it held")));

        Assert.Equal([SmppLeaseChange.Taken, SmppLeaseChange.Busy], first.Select(e => e.Change).Order());
        Assert.Single(await LeasesAsync(servers[0].Server));
        Assert.Equal(1, _smsc.MostBoundAtOnce);
    }

    [Fact]
    public async Task AServerDiesWithoutGivingBack_ItsBindGoesToTheOtherWhenTheLeaseRunsOut_NotBefore()
    {
        (RunningServer dying, LeaseWatch dyingWatch) = await StartAsync(maxBinds: null, "one");
        SmppLeaseEvent taken = await dyingWatch.WaitForAsync(e => e.Change == SmppLeaseChange.Taken, "the first server takes the slot");
        await _smsc.WaitUntilAsync(s => s.BoundNow == 1, "the first server binds");
        (RunningServer other, LeaseWatch otherWatch) = await StartAsync(maxBinds: null, "one");
        await otherWatch.WaitForAsync(e => e.Change == SmppLeaseChange.Busy, "the second server finds the slot held");

        // As if the first server died: its connection goes, and no release ever reaches the database.
        await KeepLeasesOfAsync(Holder(dying));
        await StopAsync(dying);
        await _smsc.WaitUntilAsync(s => s.BoundNow == 0, "the first server's bind is gone");
        int seen = otherWatch.Events.Count;
        _clock.Advance(Lease / 6);
        await otherWatch.WaitForAsync(e => e.Change == SmppLeaseChange.Busy, "the second server looks again", after: seen);

        Assert.Equal(0, _smsc.BoundNow);
        Assert.True(_clock.GetUtcNow() < taken.ExpiresAt, "the lease ran out already");
        _clock.AdvanceTo(taken.ExpiresAt!.Value);

        await _smsc.WaitUntilAsync(s => s.BoundNow == 1, "the second server binds once the lease ran out");
        Assert.Equal(Holder(other), Assert.Single(await LeasesAsync(other)).Holder);
        await AssertMessagesFlowAsync();
        Assert.Equal(1, _smsc.MostBoundAtOnce);
    }

    [Fact]
    public async Task TheDatabaseStopsAnswering_TheServerUnbindsBeforeItsLeaseCanRunOut_AndBindsAgainOnceItAnswers()
    {
        (RunningServer server, LeaseWatch watch) = await StartAsync(maxBinds: null, "one");
        SmppLeaseEvent taken = await watch.WaitForAsync(e => e.Change == SmppLeaseChange.Taken, "the slot is taken");
        await _smsc.WaitUntilAsync(s => s.BoundNow == 1, "the bind");
        await server.App.Services.GetRequiredService<SmppClientGroup>().Clients[0].WaitForBindAsync().WaitAsync(Timeouts.Hang);
        FakeSmscConnection bound = _smsc.Bound!;

        await using (await LockLeasesAsync())
        {
            _clock.Advance(Lease / 3); // the renewal is due: it waits for the database
            _clock.Advance(Lease / 3); // two thirds: no renewal came through

            await watch.WaitForAsync(e => e.Change == SmppLeaseChange.Lost, "the slot is lost");
            await bound.Closed.WaitAsync(Timeouts.Hang);
            DateTimeOffset gone = _clock.GetUtcNow();
            SmppBindLease stored = Assert.Single(await LeasesAsync(server));

            Assert.IsType<Unbind>(bound.Received[^1]);
            Assert.Equal(taken.ExpiresAt!.Value.ToUnixTimeMilliseconds(), stored.ExpiresAt.ToUnixTimeMilliseconds());
            Assert.True(gone < stored.ExpiresAt, $"The bind was gone at {gone:O}, after its lease ran out at {stored.ExpiresAt:O}.");
            Assert.Equal(0, _smsc.BoundNow);
        }

        await _smsc.WaitUntilAsync(s => s.BoundNow == 1 && s.Bound != bound, "the bind is back once the database answers");
        Assert.Equal(Holder(server), Assert.Single(await LeasesAsync(server)).Holder);
        Assert.Equal(1, _smsc.MostBoundAtOnce);
    }

    [Fact]
    public async Task NoLimit_EveryServerBindsEveryBind_WithoutLeases()
    {
        (RunningServer first, _) = await StartAsync(maxBinds: 0, "one");
        (RunningServer second, _) = await StartAsync(maxBinds: 0, "one");

        await _smsc.WaitUntilAsync(s => s.BoundNow == 2, "each server binds");
        Assert.Null(first.App.Services.GetService<SmppBindLeases>());
        Assert.Null(second.App.Services.GetService<SmppBindLeases>());
        Assert.Equal(0, await CountLeasesAsync());
    }

    /// <summary>A server with binds of the given names to the scripted SMSC, on the shared database and clock, watched from its start.</summary>
    private async Task<(RunningServer Server, LeaseWatch Watch)> StartAsync(int? maxBinds, params string[] binds)
    {
        LeaseWatch watch = new();
        RunningServer server = await RunningServer.StartAsync(
            _database.Option,
            configure: s => s with
            {
                Time = _clock,
                Smpp = SmppServerFixture.SettingsFor([.. binds.Select(name => SmppServerFixture.BindTo(_smsc, name))]) with { MaxBindsPerSystemId = maxBinds },
                Outbox = OutboundServerFixture.FastOutbox,
            },
            prepare: app => watch.Watch(app));
        _running.Add(server);
        return (server, watch);
    }

    private async Task StopAsync(RunningServer server)
    {
        _running.Remove(server);
        await server.DisposeAsync();
    }

    private static string Holder(RunningServer server) => server.App.Services.GetRequiredService<SmppBindLeases>().Holder;

    private static Task<IReadOnlyList<SmppBindLease>> LeasesAsync(RunningServer server) => server.App.Services.GetRequiredService<SmppBindLeases>().ListAsync();

    /// <summary>
    /// A message from a new subscriber comes in on a bind up now and is acknowledged, and its reply leaves by submit_sm
    /// on a bind up now.
    /// </summary>
    private async Task AssertMessagesFlowAsync()
    {
        string national = "049" + (777_000 + Interlocked.Increment(ref _numbers)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        RunningServer server = _running[^1];
        await (await server.Http.PostJsonAsync("/api/v1/subscribers", Api.Json(new { msisdn = national, creditCents = 0, language = "en" })))
            .ExpectAsync(HttpStatusCode.Created);
        string address = "383" + national[1..];
        FakeSmscConnection bound = _smsc.Connections.Last(c => c.IsBound && c.IsOpen);

        Pdu answer = await bound.RequestAsync(new DeliverSm
        {
            Source = SmppAddress.International(address),
            Destination = SmppAddress.ShortCode("50005"),
            ShortMessage = Encoding.ASCII.GetBytes("5"),
        });

        Assert.Equal(CommandStatus.Ok, answer.CommandStatus);
        await _smsc.WaitUntilAsync(
            s => s.Connections.Any(c => c.IsBound && c.IsOpen && c.Received.OfType<SubmitSm>().Any(m => m.Destination.Address == address)),
            "the reply on a bind up now");
    }

    /// <summary>No release of <paramref name="holder"/>'s leases reaches the table any more: as when a server dies.</summary>
    private Task KeepLeasesOfAsync(string holder) => ExecuteAsync(Kind == DatabaseKind.Sqlite
        ? $"CREATE TRIGGER keep_leases BEFORE DELETE ON smpp_bind_leases WHEN OLD.holder = '{holder}' BEGIN SELECT RAISE(IGNORE); END"
        : "CREATE FUNCTION keep_leases() RETURNS trigger AS $$ BEGIN RETURN NULL; END $$ LANGUAGE plpgsql; "
          + $"CREATE TRIGGER keep_leases BEFORE DELETE ON smpp_bind_leases FOR EACH ROW WHEN (OLD.holder = '{holder}') EXECUTE FUNCTION keep_leases()");

    /// <summary>
    /// Holds the lease table against writes until disposed: a database that takes statements and does not answer them.
    /// On SQLite the whole file's write lock (reads go on); on PostgreSQL the table's.
    /// </summary>
    private async Task<IAsyncDisposable> LockLeasesAsync()
    {
        DbConnection connection = await _database.Database.OpenAsync();
        await using (DbCommand take = connection.Command(Kind == DatabaseKind.Sqlite
            ? "BEGIN IMMEDIATE"
            : "BEGIN; LOCK TABLE smpp_bind_leases IN EXCLUSIVE MODE"))
        {
            await take.ExecuteNonQueryAsync();
        }

        return new Held(connection);
    }

    private sealed class Held(DbConnection connection) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await using (DbCommand rollback = connection.Command("ROLLBACK"))
            {
                await rollback.ExecuteNonQueryAsync();
            }

            await connection.DisposeAsync();
        }
    }

    private async Task<long> CountLeasesAsync()
    {
        await using DbConnection connection = await _database.Database.OpenAsync();
        await using DbCommand count = connection.Command("SELECT COUNT(*) FROM smpp_bind_leases");
        return Convert.ToInt64(await count.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private async Task ExecuteAsync(string sql)
    {
        await using DbConnection connection = await _database.Database.OpenAsync();
        await using DbCommand command = connection.Command(sql);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>What a server's leases did, from its first moment, and a wait for the next that matches (no polling).</summary>
    private sealed class LeaseWatch
    {
        private readonly Lock _lock = new();
        private readonly List<SmppLeaseEvent> _events = [];
        private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public IReadOnlyList<SmppLeaseEvent> Events
        {
            get
            {
                lock (_lock)
                {
                    return [.. _events];
                }
            }
        }

        public void Watch(WebApplication app)
        {
            if (app.Services.GetService<SmppBindLeases>() is { } leases)
            {
                leases.Changed += (_, e) =>
                {
                    TaskCompletionSource changed;
                    lock (_lock)
                    {
                        _events.Add(e);
                        changed = _changed;
                        _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    }

                    changed.TrySetResult();
                };
            }
        }

        /// <summary>The first event from number <paramref name="after"/> on that matches <paramref name="which"/>.</summary>
        public async Task<SmppLeaseEvent> WaitForAsync(Func<SmppLeaseEvent, bool> which, string what, int after = 0)
        {
            using var limit = new CancellationTokenSource(Timeouts.Hang);
            while (true)
            {
                Task changed;
                lock (_lock)
                {
                    if (_events.Skip(after).FirstOrDefault(which) is { } found)
                    {
                        return found;
                    }

                    changed = _changed.Task;
                }

                try
                {
                    await changed.WaitAsync(limit.Token);
                }
                catch (OperationCanceledException)
                {
                    throw new TimeoutException($"Not within {Timeouts.Hang}: {what}. Seen: {string.Join("; ", Events)}");
                }
            }
        }
    }
}

public sealed class SqliteSmppBindLeasesTests : SmppBindLeasesSpec
{
    protected override DatabaseKind Kind => DatabaseKind.Sqlite;
}

public sealed class PostgresSmppBindLeasesTests : SmppBindLeasesSpec
{
    protected override DatabaseKind Kind => DatabaseKind.Postgres;
}
