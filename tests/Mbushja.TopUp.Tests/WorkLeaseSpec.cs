using System.Data.Common;
using Mbushja.Domain;
using Mbushja.Messaging;
using Mbushja.Storage;

namespace Mbushja.TopUp.Tests;

/// <summary>
/// Answers within seconds after a crash (docs/design/replies-and-leases.md): a lease names its holder, a server's own
/// instance; a restarted server takes its unfinished messages back at once, another server takes a dead one's over once
/// the short lease runs out, and a live worker's lease is renewed while it works, never taken. Servers here are
/// harnesses on one database and one fake clock; a crash is a message recorded and never finished.
/// </summary>
public abstract class WorkLeaseSpec : IAsyncLifetime
{
    private readonly List<TopUpHarness> _servers = [];

    protected abstract DatabaseKind Kind { get; }

    private TopUpHarness First => _servers[0];

    private TimeSpan Lease => TopUpOptions.Default.Lease;

    public async Task InitializeAsync() => _servers.Add(await TopUpHarness.StartAsync(Kind, instanceId: "server-a"));

    public async Task DisposeAsync()
    {
        // The first owns the database: it goes last.
        for (int i = _servers.Count - 1; i >= 0; i--)
        {
            await _servers[i].DisposeAsync();
        }
    }

    [Fact]
    public async Task Restart_SameInstance_TakesItsMessageBackAtOnce()
    {
        await First.StartServerAsync();
        SmsTransaction row = (await First.Get<TopUpProcessor>().AcceptAsync(First.Sms("5"))).Row!;
        await First.Get<ServerInstances>().StoppedAsync(); // the process is gone; its lease still runs

        TopUpHarness restarted = await ServerAsync("server-a");
        TopUpHarness other = await ServerAsync("server-b");
        Assert.Equal(0, await other.Get<TopUpRecovery>().RecoverAsync());
        await restarted.StartServerAsync();

        Assert.Equal(1, await restarted.Get<TopUpRecovery>().RecoverAsync());
        await restarted.SettleAsync();
        Assert.Equal(TopUpState.Completed, (await First.RowAsync(row.Id))!.State);
        Assert.Equal(row.LeaseUntil, First.Clock.GetUtcNow() + Lease); // no time passed
    }

    [Fact]
    public async Task DeadServer_AnotherTakesItsWorkOver_OnceTheShortLeaseRunsOut()
    {
        SmsTransaction row = (await First.Get<TopUpProcessor>().AcceptAsync(First.Sms("5"))).Row!;
        TopUpHarness other = await ServerAsync("server-b");

        First.Clock.Advance(Lease - TimeSpan.FromSeconds(1));
        Assert.Equal(0, await other.Get<TopUpRecovery>().RecoverAsync());
        First.Clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(1, await other.Get<TopUpRecovery>().RecoverAsync());

        await other.SettleAsync();
        Assert.Equal(TopUpState.Completed, (await First.RowAsync(row.Id))!.State);
        Assert.Equal("server-b", await HolderAsync(row.Id));
    }

    /// <summary>A bank slower than three leases: the heartbeat keeps the worker's lease, and the other server never takes the message.</summary>
    [Fact]
    public async Task LiveWorker_BankSlowerThanTheLease_LeaseRenewed_NeverTaken()
    {
        await First.StartServerAsync();
        var bankAnswers = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        First.Bank.HoldGate = bankAnswers.Task;
        TopUpHarness other = await ServerAsync("server-b");
        Task<TopUpResult> working = First.Get<TopUpProcessor>().ProcessAsync(First.Sms("5"));
        await First.Bank.HoldAsked.Task;
        Assert.Equal((1, 0), First.Get<WorkLeases>().Running);

        for (int beat = 0; beat < 6; beat++)
        {
            First.Clock.Advance(Lease / 2);
            await First.Get<WorkLeases>().RenewAsync();
            Assert.Equal(0, await other.Get<TopUpRecovery>().RecoverAsync());
        }

        bankAnswers.SetResult();
        TopUpResult result = await working;
        await First.SettleAsync();

        Assert.Equal((TopUpStatus.Completed, ReplyDelivery.InAnswer), (result.Status, result.Delivery));
        Assert.Single(First.Bank.Calls, c => c.Operation == "hold");
        Assert.Equal("server-a", await HolderAsync(result.TransactionId));
        Assert.Equal((0, 0), First.Get<WorkLeases>().Running);
    }

    /// <summary>
    /// Without the heartbeat, the same worker's message is taken over once the lease runs out: the renewal is what keeps
    /// it. The other server finishes it, its reply bound for the outbox; the first worker, its bank answering at last,
    /// finds the message decided and takes the reply back for its caller, who still waits: one reply, one credit.
    /// </summary>
    [Fact]
    public async Task Worker_WhoseHeartbeatStopped_IsTakenOver_AfterTheLease_OneReplyStill()
    {
        var bankAnswers = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        First.Bank.HoldGate = bankAnswers.Task;
        TopUpHarness other = await ServerAsync("server-b", new ScriptedBank());
        Task<TopUpResult> working = First.Get<TopUpProcessor>().ProcessAsync(First.Sms("5"));
        await First.Bank.HoldAsked.Task;

        First.Clock.Advance(Lease + TimeSpan.FromSeconds(1));
        Assert.Equal(1, await other.Get<TopUpRecovery>().RecoverAsync());
        await other.SettleAsync();
        bankAnswers.SetResult();
        TopUpResult result = await working;

        Assert.Equal((TopUpStatus.Completed, ReplyDelivery.InAnswer), (result.Status, result.Delivery));
        Assert.Equal(OutboxStates.Inline, (await First.Get<SmsOutbox>().GetAsync(result.TransactionId.Value))!.State);
        Assert.Equal("server-b", await HolderAsync(result.TransactionId));
        Assert.Equal(TopUpState.Completed, (await First.RowAsync(result.TransactionId))!.State);
        Assert.Equal(500, (await First.AccountAsync("sub:" + First.Holder.E164))!.Balance.Cents);
        await First.AssertLedgerWholeAsync();
    }

    [Fact]
    public async Task Start_WithTheIdOfARunningServer_IsRefused_UntilItStops()
    {
        await First.StartServerAsync();
        TopUpHarness twin = await ServerAsync("server-a");

        ConfigurationException refused = await Assert.ThrowsAsync<ConfigurationException>(() => twin.Get<ServerInstances>().RegisterAsync(Lease));
        Assert.Contains("'server-a' is in use by a running server", refused.Message, StringComparison.Ordinal);

        await First.Get<ServerInstances>().StoppedAsync();
        await twin.Get<ServerInstances>().RegisterAsync(Lease);
    }

    /// <summary>The id was last used by a server elsewhere that fell silent: taken over once its heartbeat is a lease old.</summary>
    [Fact]
    public async Task Start_WithTheIdOfASilentServerElsewhere_TakesItOver()
    {
        long now = First.Clock.GetUtcNow().ToUnixTimeMilliseconds();
        await ExecuteAsync(
            "INSERT INTO server_instances (instance_id, boot_id, host, pid, started_at, heartbeat_at) VALUES ('server-a', 'old', 'elsewhere', 1, @now, @now)",
            ("now", now - (long)Lease.TotalMilliseconds - 1));

        await First.StartServerAsync();

        Assert.Equal("server-a", First.Get<ServerInstances>().Me.Id);
    }

    [Fact]
    public async Task Heartbeat_AfterAnotherStartTookTheId_Throws()
    {
        await First.StartServerAsync();
        await ExecuteAsync("UPDATE server_instances SET boot_id = 'someone-else' WHERE instance_id = 'server-a'");

        await Assert.ThrowsAsync<InstanceTakenException>(() => First.Get<WorkLeases>().RenewAsync());
    }

    private async Task<TopUpHarness> ServerAsync(string instanceId, ScriptedBank? bank = null)
    {
        TopUpHarness server = await TopUpHarness.StartAsync(Kind, First.Test, instanceId, First.Clock, bank ?? First.Bank);
        _servers.Add(server);
        return server;
    }

    private async Task<string?> HolderAsync(TransactionId id)
    {
        await using DbConnection connection = await First.Test.Database.OpenAsync();
        await using DbCommand command = connection.Command("SELECT lease_holder FROM sms_transactions WHERE id = @id", null, ("id", id.Value));
        return await command.ExecuteScalarAsync() as string;
    }

    private async Task ExecuteAsync(string sql, params (string, object?)[] parameters)
    {
        await using DbConnection connection = await First.Test.Database.OpenAsync();
        await using DbCommand command = connection.Command(sql, null, parameters);
        await command.ExecuteNonQueryAsync();
    }
}

public sealed class SqliteWorkLeaseTests : WorkLeaseSpec
{
    protected override DatabaseKind Kind => DatabaseKind.Sqlite;
}

public sealed class PostgresWorkLeaseTests : WorkLeaseSpec
{
    protected override DatabaseKind Kind => DatabaseKind.Postgres;
}
