using Mbushja.Banks.Connector;
using Mbushja.Domain;
using Mbushja.Sandbox;
using Mbushja.Server.Http;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Mbushja.Banks.Tests;

/// <summary>
/// The server's wiring (<see cref="BankConnectorServices.AddBankConnector"/> with <see cref="SandboxBankApi.AddSandboxBank"/>, and
/// <see cref="SandboxBankApi.MapSandboxBank(WebApplication)"/>): the <see cref="IBankConnector"/> reaches the sandbox at the
/// server's own address, port 0 included.
/// </summary>
public sealed class SandboxWiringTests
{
    [Theory]
    [InlineData("http://127.0.0.1:0")]
    [InlineData("http://0.0.0.0:0")]
    public async Task AddSandboxBank_ConnectorFromServices_ReachesTheServersOwnSandbox(string urls)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(urls);
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(new AdminKey("wiring-test-admin-key-62f1d0a8e4c79b35"));
        builder.Services.AddAuthentication(AdminKeyAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, AdminKeyAuthenticationHandler>(AdminKeyAuthenticationHandler.SchemeName, null);
        builder.Services.AddAuthorization();
        builder.Services.AddOpenApi();
        builder.Services.AddBankConnector([]);
        builder.Services.AddSandboxBank(["BEK", "TEB"]);
        await using WebApplication app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapOpenApi();
        app.MapSandboxBank();
        await app.StartAsync();

        SandboxBank sandbox = app.Services.GetRequiredService<SandboxBank>();
        IBankConnector connector = app.Services.GetRequiredService<IBankConnector>();
        sandbox.SetAccount("TEB", "XK051212012345678906", Money.FromCents(1_000));

        BankCall hold = await connector.HoldAsync("TEB", new HoldRequest("wired-1", "XK05 1212 0123 4567 8906", Money.FromCents(300), "wiring"));
        BankCall capture = await connector.CaptureAsync("TEB", "wired-1");
        BankCall unknown = await connector.StatusAsync("NLB", "wired-1");

        Assert.Equal(HoldStatus.Held, hold.Reply?.Status);
        Assert.Equal(HoldStatus.Captured, capture.Reply?.Status);
        Assert.Equal(new SandboxAccount("XK051212012345678906", Money.FromCents(700), Money.FromCents(0)), sandbox.GetAccount("TEB", "XK051212012345678906"));
        Assert.False(unknown.Answered);
        using var http = new HttpClient { BaseAddress = new Uri(app.Urls.First().Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal)) };
        string openApi = await http.GetStringAsync("/openapi/v1.json");
        Assert.Contains("/sandbox/banks/{bankCode}/api/holds/{holdId}/capture", openApi, StringComparison.Ordinal);
        Assert.Contains("/sandbox/banks/{bankCode}/accounts/{accountRef}", openApi, StringComparison.Ordinal);
        await app.StopAsync();
    }

    [Fact]
    public async Task AddSandboxBank_BeforeTheServerListens_IsNoAnswerNotAnException()
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.AddBankConnector([]);
        builder.Services.AddSandboxBank(["BEK"]);
        await using WebApplication app = builder.Build();

        BankCall call = await app.Services.GetRequiredService<IBankConnector>().StatusAsync("BEK", "early");

        Assert.Equal(BankCall.NoAnswer("No endpoint is configured for bank BEK.", 0), call);
    }
}
