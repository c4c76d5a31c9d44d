using System.Net;
using System.Text.Json;
using Mbushja.Domain;
using Mbushja.Sandbox;
using Mbushja.Smpp;
using Mbushja.Smpp.Pdus;
using Mbushja.Storage;
using Mbushja.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Mbushja.Server.Tests;

/// <summary>
/// A server whose PostgreSQL goes away and comes back (a failover, a cut network): the server sits behind a TCP relay
/// the test cuts. While no database takes writes, gateways are told to resend (503 with Retry-After, never 500), the
/// load balancer is told the server is not ready, and nothing is charged; once it is back, the same message is topped
/// up once; over SMPP the SMSC is answered ESME_RX_T_APPN and its next try is topped up once. A server started during the cut waits for the database; a message whose bank held the money finishes
/// its credits once the database is back.
/// </summary>
public sealed class DatabaseOutageSpec : IAsyncLifetime
{
    private const string Holder = "049111111";

    private TestDatabase _test = null!;
    private TcpProxy _proxy = null!;
    private string _db = null!;

    public async Task InitializeAsync()
    {
        _test = await TestDatabase.CreateAsync(DatabaseKind.Postgres);
        var direct = new NpgsqlConnectionStringBuilder(_test.Database.ConnectionString);
        _proxy = new TcpProxy(direct.Host!, direct.Port);
        _db = new NpgsqlConnectionStringBuilder(direct.ConnectionString) { Host = "127.0.0.1", Port = _proxy.Port }.ConnectionString;
    }

    public async Task DisposeAsync()
    {
        await _proxy.DisposeAsync();
        await _test.DisposeAsync();
    }

    [Fact]
    public async Task DuringACut_TheGatewayIsToldToResend_TheServerIsNotReady_AndTheResentMessageIsToppedUpOnce()
    {
        await using RunningServer server = await RunningServer.StartAsync(_db, demo: true);
        long before = await CreditAsync(server);
        Assert.Equal(HttpStatusCode.OK, (await server.Http.GetAsync("/health/ready")).StatusCode);

        _proxy.Cut();
        HttpResponseMessage refused = await SendAsync(server, "outage-1");
        HttpResponseMessage kannel = await server.Http.GetAsync("/kannel/sms-service?from=049111111&to=50005&text=5&id=outage-2");
        // The load balancer learns within a second (the server asks the database at most once a second).
        await WaitForAsync(async () => (await server.Http.GetAsync("/health/ready")).StatusCode == HttpStatusCode.ServiceUnavailable, "/health/ready 503");
        HttpResponseMessage ready = await server.Http.GetAsync("/health/ready");
        HttpResponseMessage live = await server.Http.GetAsync("/health/live");

        JsonElement problem = await refused.ExpectProblemAsync(HttpStatusCode.ServiceUnavailable, ErrorCodes.Unavailable);
        Assert.Equal(TimeSpan.FromSeconds(2), refused.Headers.RetryAfter?.Delta);
        Assert.DoesNotContain("Npgsql", problem.ToString(), StringComparison.Ordinal);
        await kannel.ExpectProblemAsync(HttpStatusCode.ServiceUnavailable, ErrorCodes.Unavailable);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.NotNull(ready.Headers.RetryAfter);
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);

        _proxy.Restore();
        await WaitUntilReadyAsync(server);
        JsonElement first = await (await SendAsync(server, "outage-1")).ExpectAsync(HttpStatusCode.OK);
        JsonElement again = await (await SendAsync(server, "outage-1")).ExpectAsync(HttpStatusCode.OK);

        Assert.Equal("completed", first.String("status"));
        Assert.Equal(first.String("reply"), again.String("reply"));
        Assert.Equal(before + 500, await CreditAsync(server));
        await AssertLedgerBalancedAsync();
    }

    [Fact]
    public async Task AServerStartedDuringACut_WaitsForTheDatabase_ThenServes()
    {
        _proxy.Cut();
        Task<RunningServer> starting = RunningServer.StartAsync(_db, demo: true);
        await _proxy.WaitForRefusalsAsync(3, Timeouts.Hang);
        Assert.False(starting.IsCompleted, starting.Exception?.ToString());

        _proxy.Restore();
        await using RunningServer server = await starting.WaitAsync(TimeSpan.FromSeconds(120));

        await WaitUntilReadyAsync(server);
        Assert.Equal("completed", (await (await SendAsync(server, "after-start")).ExpectAsync(HttpStatusCode.OK)).String("status"));
    }

    [Fact]
    public async Task ACutWhileTheBankHolds_TheCreditsCommitOnceTheDatabaseIsBack_AndTheHoldIsCaptured()
    {
        await using RunningServer server = await RunningServer.StartAsync(_db, demo: true);
        long before = await CreditAsync(server);
        SandboxBank bank = server.App.Services.GetRequiredService<SandboxBank>();
        string account = (await (await server.Http.GetAsAdminAsync($"/api/v1/banks/BEK/registrations?msisdn={Holder}")).ExpectAsync(HttpStatusCode.OK)).String("accountRef");
        Money balance = bank.GetAccount("BEK", account)!.Balance;
        bank.Configure("BEK", new SandboxSettings(LatencyMs: 1_000));

        Task<HttpResponseMessage> sending = SendAsync(server, "held-1");
        await WaitForAsync(async () => await CountAsync("SELECT COUNT(*) FROM sms_transactions WHERE message_id = 'held-1'") == 1, "the message recorded");
        _proxy.Cut();
        await WaitForAsync(() => Task.FromResult(bank.GetAccount("BEK", account)!.Held == Money.FromCents(500) || sending.IsCompleted), "the bank's hold");
        Assert.False(sending.IsCompleted, sending.IsCompleted ? await (await sending).Content.ReadAsStringAsync() : "");
        await _proxy.WaitForRefusalsAsync(3, Timeouts.Hang);
        Assert.False(sending.IsCompleted);
        bank.Configure("BEK", new SandboxSettings());
        _proxy.Restore();

        JsonElement answer = await (await sending.WaitAsync(Timeouts.Hang)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("completed", answer.String("status"));
        Assert.Equal(before + 500, await CreditAsync(server));
        await WaitForAsync(() => Task.FromResult(bank.GetAccount("BEK", account)!.Held == Money.Zero), "the capture");
        Assert.Equal(balance - Money.FromCents(500), bank.GetAccount("BEK", account)!.Balance);
        await WaitForAsync(async () => await CountAsync("SELECT COUNT(*) FROM sms_transactions WHERE message_id = 'held-1' AND state = 'completed'") == 1, "completed");
        await AssertLedgerBalancedAsync();
    }

    [Fact]
    public async Task DuringACut_TheSmscIsAskedToDeliverAgain_AndItsNextTryIsToppedUpOnce()
    {
        await using FakeSmsc smsc = FakeSmsc.Start();
        await using RunningServer server = await RunningServer.StartAsync(
            _db, demo: true, settings => settings with { Smpp = SmppServerFixture.SettingsFor(SmppServerFixture.BindTo(smsc)) });
        await smsc.WaitForBindAsync();
        long before = await CreditAsync(server);
        var mo = new DeliverSm
        {
            Source = SmppAddress.International("383" + Holder[1..]),
            Destination = SmppAddress.ShortCode("50005"),
            DataCoding = DataCoding.SmscDefault,
            ShortMessage = "5"u8.ToArray(),
        };

        _proxy.Cut();
        Pdu refused = await smsc.Bound!.RequestAsync(mo);
        _proxy.Restore();
        await WaitUntilReadyAsync(server);
        Pdu taken = await smsc.Bound!.RequestAsync(mo);

        Assert.Equal(CommandStatus.ReceiverTemporaryAppError, refused.CommandStatus);
        Assert.Equal(CommandStatus.Ok, taken.CommandStatus);
        await WaitForAsync(async () => await CreditAsync(server) == before + 500, "the credit");
        Assert.Equal(1, await CountAsync($"SELECT COUNT(*) FROM sms_transactions WHERE sender = '+383{Holder[1..]}' AND short_code = '50005' AND state IN ('credited', 'completed')"));
        await AssertLedgerBalancedAsync();
    }

    private static Task<HttpResponseMessage> SendAsync(RunningServer server, string messageId) =>
        server.Http.SendAsync(
            HttpMethod.Post,
            "/api/v1/sms/inbound",
            new StringContent(Api.Json(new { from = Holder, to = "50005", text = "5", messageId }), System.Text.Encoding.UTF8, "application/json"),
            null);

    private static async Task<long> CreditAsync(RunningServer server) =>
        (await (await server.Http.GetAsAdminAsync("/api/v1/subscribers/" + Holder)).ExpectAsync(HttpStatusCode.OK)).Long("creditCents");

    private static Task WaitUntilReadyAsync(RunningServer server) =>
        WaitForAsync(async () => (await server.Http.GetAsync("/health/ready")).StatusCode == HttpStatusCode.OK, "/health/ready 200");

    private static async Task WaitForAsync(Func<Task<bool>> condition, string what)
    {
        using var deadline = new CancellationTokenSource(Timeouts.Hang);
        while (!await condition())
        {
            try
            {
                await Task.Delay(20, deadline.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"Waited {Timeouts.Hang} for {what}.");
            }
        }
    }

    private async Task<long> CountAsync(string sql)
    {
        await using System.Data.Common.DbConnection connection = await _test.Database.OpenAsync();
        await using System.Data.Common.DbCommand command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private async Task AssertLedgerBalancedAsync()
    {
        Mbushja.Ledger.LedgerTotals totals = await new Mbushja.Ledger.LedgerQueries(_test.Database).GetTotalsAsync();
        Assert.Equal(0, totals.BalanceSum);
        Assert.Equal(0, totals.OverdrawnAccounts);
        Assert.Equal(totals.PendingDebitSum, totals.PendingCreditSum);
    }
}
