using System.Text.Json;
using Mbushja.TopUp;
using Mbushja.Ussd;
using Microsoft.Extensions.DependencyInjection;

namespace Mbushja.Server.Tests;

/// <summary>
/// Automatic renewal end to end over real HTTP (README "Automatic renewal"): AUTO through the gateway endpoint, the
/// renewal made by the server's sweep through the sandbox bank's signed API, on the transaction's trail, its reply in the
/// outbox; STOP AUTO. On both engines.
/// </summary>
public abstract class RenewalServerSpec(ServerFixture server) : IAsyncLifetime
{
    private readonly TopUpWorld _world = new(server);

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => server.AssertLedgerInvariantsAsync();

    [Fact]
    public async Task Auto_OverHttp_ThenTheSweep_RenewsThroughTheBankOnce_WithItsTrailAndReply()
    {
        string holder = await _world.SubscriberAsync(language: "en");
        string iban = await _world.RegisterAsync("BEK", holder, 10_000);
        string user = (await _world.ServiceAccountAsync("internet", "INTERNET_1")).String("username");

        JsonElement set = await _world.SmsAsync("BEK", holder, "AUTO internet " + user);
        Assert.Equal(("completed", RenewalCodes.On), (set.String("status"), set.String("code")));

        // Never paid: due today, and the answer was its notice. The server's own sweep runs every minute; this is one run.
        RenewalSweep sweep = server.Server.App.Services.GetRequiredService<RenewalSweep>();
        await sweep.RunAsync();
        await server.RecoverAsync();
        await sweep.RunAsync();

        JsonElement account = await _world.AccountAsync(user);
        Assert.NotEqual(JsonValueKind.Null, account.GetProperty("paidUntil").ValueKind);
        Assert.Equal((10_000L - 1_490, 0L), await _world.BankAccountAsync("BEK", iban));
        JsonElement list = await (await server.Http.GetAsAdminAsync("/api/v1/transactions?msisdn=" + holder)).ExpectAsync(System.Net.HttpStatusCode.OK);
        JsonElement renewal = Assert.Single(list.GetProperty("transactions").EnumerateArray(), t => t.GetProperty("messageId").GetString()?.StartsWith("renew:", StringComparison.Ordinal) == true);
        JsonElement detail = await _world.TransactionAsync(renewal.String("id"));
        string[] kinds = [.. detail.GetProperty("trail").EnumerateArray().Select(e => e.String("kind"))];
        Assert.Equal(["received", "renewal", "interpreted", "ledger.hold", "bank.hold", "ledger", "reply", "bank.capture", "ledger.capture"], kinds);

        JsonElement stopped = await _world.SmsAsync("BEK", holder, "STOP AUTO");
        Assert.Equal(("completed", RenewalCodes.Off), (stopped.String("status"), stopped.String("code")));
    }

    [Fact]
    public async Task FromCredit_SetOverUssd_ThenTheServersSweep_PaysOnceAsAUssdPayment_WithItsReceipt()
    {
        string phone = await _world.SubscriberAsync(5_000, "en");
        string user = (await _world.ServiceAccountAsync("internet", "INTERNET_1")).String("username");

        string set = await _world.UssdAsync(phone, "5", "2", "3", user, "1");
        Assert.StartsWith($"END Set: Internet Pako 1 for {user}, 15.40 €", set, StringComparison.Ordinal);

        // Never paid: due today, and the confirmation was its notice. The server's own sweep runs every minute; these are two runs.
        UssdRenewalSweep sweep = server.Server.App.Services.GetRequiredService<UssdRenewalSweep>();
        UssdRenewalSweepResult first = await sweep.RunAsync();
        UssdRenewalSweepResult second = await sweep.RunAsync();

        Assert.Equal(1, first.Paid);
        Assert.Equal(UssdRenewalSweepResult.None, second);
        Assert.Equal(5_000L - 1_540, await _world.CreditAsync(phone));
        Assert.NotEqual(JsonValueKind.Null, (await _world.AccountAsync(user)).GetProperty("paidUntil").ValueKind);
        Assert.Equal($"END The automatic payment of Internet Pako 1 for {user} is stopped.", await _world.UssdAsync(phone, "5", "1", "1", "1"));
    }
}

public sealed class SqliteRenewalServerTests(SqliteServerFixture server) : RenewalServerSpec(server), IClassFixture<SqliteServerFixture>;

public sealed class PostgresRenewalServerTests(PostgresServerFixture server) : RenewalServerSpec(server), IClassFixture<PostgresServerFixture>;
