using System.Net;
using System.Text.Json;
using Mbushja.Banks.Connector;
using Mbushja.Banks.Tests;
using Mbushja.Domain;
using Mbushja.Sandbox;
using Mbushja.Storage;

namespace Mbushja.Server.Tests;

/// <summary>
/// Banks on their own APIs (a URL and a secret per bank: README "Banks"): the platform calls them over the signed HTTP
/// contract, and its sandbox answers only for banks without an API. The "real" APIs are the sandbox implementation
/// alone on another socket: TEB configured with the secret it shares, BEK with one it does not know.
/// </summary>
public sealed class BankApiFixture : ServerFixture
{
    public SandboxHost Banks { get; } = new();

    protected override DatabaseKind Kind => DatabaseKind.Sqlite;

    protected override Task BeforeServerAsync() => Banks.InitializeAsync();

    protected override Task AfterServerAsync() => Banks.DisposeAsync();

    protected override ServerSettings Configure(ServerSettings settings) =>
        settings with { BankEndpoints = [Endpoint("TEB", SandboxHost.Secrets["TEB"]), Endpoint("BEK", "a-secret-that-BEK-never-gave-us")] };

    public BankEndpoint Endpoint(string bank, string secret) => new(bank, new Uri(Banks.BaseAddress, $"/sandbox/banks/{bank}/api/"), secret);
}

public sealed class BankApiSpec(BankApiFixture server) : IClassFixture<BankApiFixture>
{
    private readonly TopUpWorld _world = new(server);

    [Fact]
    public async Task TopUp_BankWithItsOwnApi_HoldsAndCapturesThere()
    {
        string holder = await _world.SubscriberAsync();
        string iban = _world.FreshIban();
        server.Banks.Bank.SetAccount("TEB", iban, Money.FromCents(10_000));
        await _world.RegisterAsync("TEB", holder, iban);

        JsonElement result = await _world.SmsAsync("TEB", holder, "5");

        Assert.Equal("completed", result.GetProperty("status").GetString());
        Assert.Equal(500, await _world.CreditAsync(holder));
        SandboxAccount account = server.Banks.Bank.GetAccount("TEB", iban)!;
        Assert.Equal((9_500L, 0L), (account.Balance.Cents, account.Held.Cents));
        await server.AssertLedgerInvariantsAsync();
        // Signed as the contract says; the platform's own trace ids stay inside it.
        Assert.Contains("x-mbushja-signature", server.Banks.HeadersSeen.Keys);
        Assert.DoesNotContain("traceparent", server.Banks.HeadersSeen.Keys);
    }

    [Fact]
    public async Task TopUp_BankRefusesOurSignature_BankUnavailableAndNothingMoves()
    {
        string holder = await _world.SubscriberAsync();
        string iban = _world.FreshIban();
        server.Banks.Bank.SetAccount("BEK", iban, Money.FromCents(10_000));
        await _world.RegisterAsync("BEK", holder, iban);

        JsonElement result = await _world.SmsAsync("BEK", holder, "5");

        Assert.Equal(("failed", "BANK_UNAVAILABLE"), (result.GetProperty("status").GetString(), result.GetProperty("code").GetString()));
        Assert.Equal(0, await _world.CreditAsync(holder));
        SandboxAccount account = server.Banks.Bank.GetAccount("BEK", iban)!;
        Assert.Equal((10_000L, 0L), (account.Balance.Cents, account.Held.Cents));
        await server.AssertLedgerInvariantsAsync();
    }

    [Theory]
    [InlineData("TEB", HttpStatusCode.NotFound)]
    [InlineData("BEK", HttpStatusCode.NotFound)]
    [InlineData("NLB", HttpStatusCode.OK)]
    public async Task Sandbox_OnlyBanksWithoutTheirOwnApi(string bank, HttpStatusCode expected)
    {
        HttpResponseMessage response = await server.Http.GetAsAdminAsync($"/sandbox/banks/{bank}/settings");

        Assert.Equal(expected, response.StatusCode);
    }

    [Fact]
    public async Task Build_ApiForABankNotInTheConfiguration_RefusedWithTheReason()
    {
        var endpoint = new BankEndpoint("XYZ", new Uri("https://bank.example/"), "a-secret-long-enough-1234");

        var error = await Assert.ThrowsAsync<Mbushja.Domain.ConfigurationException>(
            () => RunningServer.StartAsync(server.Database.Option, configure: s => s with { BankEndpoints = [endpoint] }));

        Assert.Contains("XYZ: no such bank", error.Message, StringComparison.Ordinal);
    }
}
