using Xunit.Abstractions;

namespace Mbushja.Failover.Tests;

/// <summary>
/// The failover tier: two servers under a steady SMS Top Up and USSD load, the primary's machine killed three times at
/// random moments, then the standby's machine, then the primary's postmaster alone. Afterwards: no message a gateway was answered for is lost or recorded twice, none was answered 500,
/// every bank hold ended captured with its credits or voided without, the ledger sums to zero, and the bank paid out
/// exactly what the subscribers were credited. The servers wrote again within seconds of each new primary.
/// </summary>
public sealed class ServersThroughFailoversSpec(FailoverCluster cluster, ITestOutputHelper output) : IClassFixture<FailoverCluster>
{
    [Fact]
    public async Task ThreeFailoversUnderLoad_NothingLostNorDoubled_NoInternalError_BooksBalance()
    {
        await using var run = new FailoverRun(cluster, output.WriteLine);
        await run.StartAsync(holders: 20);
        using var stop = new CancellationTokenSource();
        Task load = run.LoadAsync(gateways: 4, stop.Token);

        for (int i = 0; i < 3; i++)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(1_000, 4_000)));
            FailoverRun.Kill kill = await run.KillPrimaryAsync();
            // Written again after the new primary: a top-up sent after it took commits completes.
            await WaitForAsync(() => run.Messages.Any(m => m.FirstSent > kill.PrimaryAt && m.Status == "completed"), TimeSpan.FromSeconds(30), "a top-up completed after the failover");
        }

        // The standby's machine dies: writes pause until the monitor drops synchronous replication, then go on.
        TimeSpan standbyDied = await run.KillStandbyAsync();
        await WaitForAsync(() => run.Messages.Any(m => m.FirstSent > standbyDied && m.Status == "completed"), TimeSpan.FromSeconds(60), "a top-up completed after the standby died");

        // Last, the primary's postmaster alone dies: its keeper restarts it, and writes go on on the same node. (Last:
        // a node killed while the other restarts its Postgres may leave its keeper unable to start again.)
        await run.KillPrimaryPostmasterAsync();
        await cluster.WaitForPrimaryAsync(exceptPort: 0, TimeSpan.FromSeconds(90));
        TimeSpan back = run.Clock.Elapsed;
        await WaitForAsync(() => run.Messages.Any(m => m.FirstSent > back && m.Status == "completed"), TimeSpan.FromSeconds(60), "a top-up completed after the postmaster's restart");

        await stop.CancelAsync();
        await load.WaitAsync(TimeSpan.FromMinutes(2));
        await run.SettleAsync(TimeSpan.FromSeconds(60));
        FailoverRun.Books books = await run.BooksAsync();

        foreach (string line in run.Figures())
        {
            output.WriteLine(line);
        }

        Assert.False(run.Statuses.ContainsKey(500), "A gateway was answered 500.");
        Assert.All(run.Messages, m => Assert.Contains(m.Status, new[] { "completed", "failed" }));
        foreach (FailoverRun.Sent sent in run.Messages)
        {
            Assert.True(books.Rows.TryGetValue(sent.MessageId, out var row), $"{sent.MessageId} was answered '{sent.Status}' but is not recorded.");
            Assert.Equal(sent.Status, row.State);
            Assert.Equal(sent.Cents, row.Cents);
        }

        Assert.Equal(0, books.Ledger.BalanceSum);
        Assert.Equal(0, books.Ledger.OverdrawnAccounts);
        Assert.Equal(0, books.Ledger.PendingDebitSum);
        Assert.Equal(0, books.Ledger.PendingCreditSum);
        Assert.Equal(0, books.BankHeld);
        long completed = books.Rows.Values.Where(r => r.State == "completed").Sum(r => r.Cents);
        Assert.Equal(completed, books.BankTaken);
        Assert.Equal(completed, books.Credits);
        Assert.True(run.Messages.Count(m => m.Status == "completed") > 50, "Too little got through for the run to say anything.");
    }

    private static async Task WaitForAsync(Func<bool> condition, TimeSpan timeout, string what)
    {
        using var deadline = new CancellationTokenSource(timeout);
        while (!condition())
        {
            try
            {
                await Task.Delay(50, deadline.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"Waited {timeout.TotalSeconds:0} s for {what}.");
            }
        }
    }
}
