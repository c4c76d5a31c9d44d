using Mbushja.Domain;
using Mbushja.Storage;
using Mbushja.Testing;
using Mbushja.TopUp;
using Microsoft.Extensions.DependencyInjection;

namespace Mbushja.Server.Tests;

/// <summary>
/// A server's instance id (<c>--instance-id</c>) across its restarts (docs/design/replies-and-leases.md): a restart
/// takes back at once the message its last run left unfinished, though that message's lease has a minute to run; a
/// second server with the id of a running one is refused. Real servers on one database, each test its own.
/// </summary>
public abstract class ServerInstanceSpec
{
    protected abstract DatabaseKind Kind { get; }

    /// <summary>A lease far longer than the test: only the restart's taking back can finish the message in time.</summary>
    private static ServerSettings LongLease(ServerSettings settings, string instance) => settings with
    {
        InstanceId = instance,
        TopUp = settings.TopUp with { Lease = TimeSpan.FromMinutes(1), LeaseRenewal = TimeSpan.FromSeconds(3) },
    };

    [Fact]
    public async Task Restart_SameInstanceId_FinishesItsLastRunsMessageAtOnce()
    {
        await using TestDatabase database = await TestDatabase.CreateAsync(Kind);
        string instance = "restart-" + Guid.NewGuid().ToString("N")[..8];
        string messageId = "crash-" + Guid.NewGuid().ToString("N");
        SmsTransaction row;
        await using (RunningServer first = await RunningServer.StartAsync(database.Option, demo: true, configure: s => LongLease(s, instance)))
        {
            // Recorded, then the process "dies": nothing finishes it in this run.
            row = (await first.App.Services.GetRequiredService<TopUpProcessor>().AcceptAsync(new InboundSms("049111111", "50005", "5", messageId))).Row!;
        }

        await using RunningServer restarted = await RunningServer.StartAsync(database.Option, demo: true, configure: s => LongLease(s, instance));

        SmsTransactions store = restarted.App.Services.GetRequiredService<SmsTransactions>();
        DateTime deadline = DateTime.UtcNow.AddSeconds(20);
        while ((await store.GetAsync(row.Id))!.State is TopUpState.Holding or TopUpState.Credited)
        {
            Assert.True(DateTime.UtcNow < deadline, "The restarted server did not finish its last run's message within 20 s (its lease has a minute to run).");
            await Task.Delay(50);
        }

        Assert.Equal(TopUpState.Completed, (await store.GetAsync(row.Id))!.State);
    }

    [Fact]
    public async Task SecondServer_WithTheIdOfARunningOne_IsRefused()
    {
        await using TestDatabase database = await TestDatabase.CreateAsync(Kind);
        string instance = "twin-" + Guid.NewGuid().ToString("N")[..8];
        await using RunningServer first = await RunningServer.StartAsync(database.Option, configure: s => s with { InstanceId = instance });

        ConfigurationException refused = await Assert.ThrowsAsync<ConfigurationException>(
            () => RunningServer.StartAsync(database.Option, configure: s => s with { InstanceId = instance }));

        Assert.Contains($"'{instance}' is in use by a running server", refused.Message, StringComparison.Ordinal);
        Assert.Contains("--instance-id", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DefaultId_IsTheSameForOneDataFolder_AndDiffersBetweenTwo()
    {
        string a = ServerInstance.DefaultId("/var/lib/mbushja");

        Assert.Equal(a, ServerInstance.DefaultId("/var/lib/mbushja/"[..^1]));
        Assert.NotEqual(a, ServerInstance.DefaultId("/var/lib/mbushja2"));
        Assert.Null(ServerInstance.Check(a));
    }
}

public sealed class SqliteServerInstanceTests : ServerInstanceSpec
{
    protected override DatabaseKind Kind => DatabaseKind.Sqlite;
}

public sealed class PostgresServerInstanceTests : ServerInstanceSpec
{
    protected override DatabaseKind Kind => DatabaseKind.Postgres;
}
