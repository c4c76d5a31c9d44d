using System.Net;
using System.Text;
using Mbushja.Domain;
using Mbushja.Server.Http;
using Mbushja.Storage;
using Mbushja.Testing;
using Mbushja.WebConsole;
using Microsoft.Extensions.Configuration;

namespace Mbushja.Server.Tests;

/// <summary>
/// Three servers whose gateways admit 10.0.0.0/8 only, called from 127.0.0.1: one with ASP.NET Core's forwarded-headers
/// switch on and no trusted proxy, one trusting 127.0.0.1 as its proxy, and one with both.
/// </summary>
public sealed class ForwardedHeadersFixture : IAsyncLifetime
{
    /// <summary>ASP.NET Core's own switch (<c>ASPNETCORE_FORWARDEDHEADERS_ENABLED=true</c> in the environment), as the host reads it.</summary>
    public const string FrameworkSwitch = "ForwardedHeaders_Enabled";

    private static readonly GatewayAccess TenOnly = GatewayAccess.LoopbackOnly with { AllowedNetworks = [IPNetwork.Parse("10.0.0.0/8")] };

    private readonly List<TestDatabase> _databases = [];

    public RunningServer SwitchOnly { get; private set; } = null!;

    public RunningServer Trusting { get; private set; } = null!;

    public RunningServer TrustingWithSwitch { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        SwitchOnly = await StartAsync(s => s, switchOn: true);
        Trusting = await StartAsync(s => s with { TrustedProxies = [IPNetwork.Parse("127.0.0.1/32")] }, switchOn: false);
        TrustingWithSwitch = await StartAsync(s => s with { TrustedProxies = [IPNetwork.Parse("127.0.0.0/8")] }, switchOn: true);
    }

    public async Task DisposeAsync()
    {
        foreach (RunningServer server in new[] { SwitchOnly, Trusting, TrustingWithSwitch })
        {
            await server.DisposeAsync();
        }

        foreach (TestDatabase database in _databases)
        {
            await database.DisposeAsync();
        }
    }

    private async Task<RunningServer> StartAsync(Func<ServerSettings, ServerSettings> configure, bool switchOn)
    {
        // Nothing here touches the database: SQLite stands for both engines.
        TestDatabase database = await TestDatabase.CreateAsync(DatabaseKind.Sqlite);
        _databases.Add(database);
        return await RunningServer.StartAsync(
            database.Option,
            configure: s => configure(s with { Gateway = TenOnly }),
            prepare: app =>
            {
                if (switchOn)
                {
                    app.Configuration[FrameworkSwitch] = "true";
                }
            });
    }
}

/// <summary>
/// Behind a TLS proxy (README "Behind a TLS proxy"): <c>X-Forwarded-For</c> and <c>X-Forwarded-Proto</c> are believed
/// only from the proxies the operator names, so nobody else makes the gateway allow-list see an address of their choice,
/// nor a plain-HTTP request pass for HTTPS.
/// </summary>
public sealed class ForwardedHeadersSpec(ForwardedHeadersFixture servers) : IClassFixture<ForwardedHeadersFixture>
{
    [Fact]
    public async Task ForwardedFor_WithTheFrameworksSwitchOnAndNoTrustedProxy_DoesNotPassTheAllowList()
    {
        HttpResponseMessage response = await InboundAsync(servers.SwitchOnly, "10.1.2.3");

        await response.ExpectProblemAsync(HttpStatusCode.Forbidden, ErrorCodes.AddressNotAllowed);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ForwardedFor_FromATrustedProxy_IsTheCallersAddress(bool switchOn)
    {
        RunningServer server = switchOn ? servers.TrustingWithSwitch : servers.Trusting;

        Assert.Equal("NOT_REGISTERED", (await (await InboundAsync(server, "10.1.2.3")).ExpectAsync(HttpStatusCode.OK)).String("code"));
        await (await InboundAsync(server, "192.0.2.7")).ExpectProblemAsync(HttpStatusCode.Forbidden, ErrorCodes.AddressNotAllowed);
        // The proxy itself is not in the allow-list.
        await (await InboundAsync(server, null)).ExpectProblemAsync(HttpStatusCode.Forbidden, ErrorCodes.AddressNotAllowed);
    }

    /// <summary>
    /// A client that sends its own X-Forwarded-For through the proxy gets the proxy's entry for it appended: the address
    /// is read from the right, so the one it wrote counts for nothing.
    /// </summary>
    [Fact]
    public async Task ForwardedFor_AnAddressTheClientWroteBeforeTheProxysEntry_CountsForNothing()
    {
        HttpResponseMessage response = await InboundAsync(servers.Trusting, "10.1.2.3, 192.0.2.7");

        await response.ExpectProblemAsync(HttpStatusCode.Forbidden, ErrorCodes.AddressNotAllowed);
    }

    [Fact]
    public async Task ForwardedProto_FromATrustedProxy_AddsHstsAndSecureCookies()
    {
        using HttpResponseMessage response = await SignInPageAsync(servers.Trusting, "https");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Matches("^max-age=[1-9][0-9]*", Assert.Single(response.Headers.GetValues("Strict-Transport-Security")));
        Assert.Contains("; secure", AntiforgeryCookie(response), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task ForwardedProto_WithoutATrustedProxy_IsIgnored()
    {
        using HttpResponseMessage response = await SignInPageAsync(servers.SwitchOnly, "https");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(response.Headers.Contains("Strict-Transport-Security"));
        Assert.DoesNotContain("; secure", AntiforgeryCookie(response), StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("10.0.0.5", "10.0.0.5/32")]
    [InlineData("10.0.0.5, 10.0.1.0/24", "10.0.0.5/32 10.0.1.0/24")]
    [InlineData("2001:db8::/32;10.0.0.5", "2001:db8::/32 10.0.0.5/32")]
    public void TrustedProxies_InTheHostsConfiguration_AreThoseNetworks(string value, string expected)
    {
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection([new(TransportSecurity.TrustedProxiesKey, value)]).Build();

        Assert.Equal(expected, string.Join(' ', TransportSecurity.TrustedProxiesIn(configuration)));
    }

    [Fact]
    public void TrustedProxies_AsAListInTheHostsConfiguration_AreThoseNetworks()
    {
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(
            [new(TransportSecurity.TrustedProxiesKey + ":0", "10.0.0.5"), new(TransportSecurity.TrustedProxiesKey + ":1", "10.0.1.0/24")]).Build();

        Assert.Equal("10.0.0.5/32 10.0.1.0/24", string.Join(' ', TransportSecurity.TrustedProxiesIn(configuration)));
    }

    [Fact]
    public void TrustedProxies_NotANetworkInTheHostsConfiguration_StopTheStartWithTheReason()
    {
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection([new(TransportSecurity.TrustedProxiesKey, "10.0.0.5,10.0.1.7/24")]).Build();

        ConfigurationException refused = Assert.Throws<ConfigurationException>(() => TransportSecurity.TrustedProxiesIn(configuration));

        Assert.Contains("'10.0.1.7/24' is not a network", refused.Message, StringComparison.Ordinal);
    }

    private static Task<HttpResponseMessage> InboundAsync(RunningServer server, string? forwardedFor)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/sms/inbound")
        {
            Content = new StringContent(Api.Json(new { from = "049000111", to = "50005", text = "5" }), Encoding.UTF8, "application/json"),
        };
        if (forwardedFor is not null)
        {
            request.Headers.Add("X-Forwarded-For", forwardedFor);
        }

        return server.Http.SendAsync(request);
    }

    private static Task<HttpResponseMessage> SignInPageAsync(RunningServer server, string forwardedProto)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, ConsoleSetup.SignInPath);
        request.Headers.Add("X-Forwarded-For", "192.0.2.7");
        request.Headers.Add("X-Forwarded-Proto", forwardedProto);
        return server.Http.SendAsync(request);
    }

    private static string AntiforgeryCookie(HttpResponseMessage response) =>
        Assert.Single(response.Headers.GetValues("Set-Cookie"), c => c.StartsWith(ConsoleSetup.AntiforgeryCookie + "=", StringComparison.Ordinal));
}
