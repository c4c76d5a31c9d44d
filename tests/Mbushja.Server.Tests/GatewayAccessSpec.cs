using System.Net;
using System.Text;
using Mbushja.Domain;
using Mbushja.Server.Http;
using Mbushja.Storage;
using Mbushja.Testing;

namespace Mbushja.Server.Tests;

/// <summary>Two servers: one whose gateways must send a token or Basic credentials, one that admits only 10.0.0.0/8.</summary>
public sealed class GatewayAccessFixture : IAsyncLifetime
{
    public const string Token = "gw-token-5b2d";
    public const string Basic = "kannel:gw pass:1";

    private readonly List<TestDatabase> _databases = [];

    public RunningServer WithCredentials { get; private set; } = null!;

    public RunningServer ElsewhereOnly { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        WithCredentials = await StartAsync(s => s with
        {
            Gateway = GatewayAccess.LoopbackOnly with { BearerToken = Token, BasicCredentials = Basic },
        });
        ElsewhereOnly = await StartAsync(s => s with { Gateway = GatewayAccess.LoopbackOnly with { AllowedNetworks = [IPNetwork.Parse("10.0.0.0/8")] } });
    }

    private async Task<RunningServer> StartAsync(Func<ServerSettings, ServerSettings> configure)
    {
        // The filter does not touch the database: SQLite stands for both engines.
        TestDatabase database = await TestDatabase.CreateAsync(DatabaseKind.Sqlite);
        _databases.Add(database);
        return await RunningServer.StartAsync(database.Option, configure: configure);
    }

    public async Task DisposeAsync()
    {
        await WithCredentials.DisposeAsync();
        await ElsewhereOnly.DisposeAsync();
        foreach (TestDatabase database in _databases)
        {
            await database.DisposeAsync();
        }
    }
}

/// <summary>
/// Gateway endpoints take configurable credentials (Basic or bearer) and an allow-list; the admin key is accepted too
/// (README "SMS gateways").
/// </summary>
public sealed class GatewayAccessSpec(GatewayAccessFixture servers) : IClassFixture<GatewayAccessFixture>
{
    private static readonly string BasicHeader = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(GatewayAccessFixture.Basic));

    public static TheoryData<string?> Refused => new()
    {
        null,
        "Bearer wrong-token",
        "Bearer " + GatewayAccessFixture.Token + "x",
        "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("kannel:wrong")),
        "Basic not-base64!",
        GatewayAccessFixture.Token, // no scheme
        "Bearer " + RunningServer.AdminKey + "x",
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public async Task Inbound_WithoutTheGatewaysCredentials_Is401Problem(string? authorization)
    {
        HttpResponseMessage response = await InboundAsync(servers.WithCredentials, authorization);

        await response.ExpectProblemAsync(HttpStatusCode.Unauthorized, "UNAUTHENTICATED");
        Assert.Contains("Basic", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
    }

    public static TheoryData<string> Admitted => new()
    {
        "Bearer " + GatewayAccessFixture.Token,
        BasicHeader,
        "Bearer " + RunningServer.AdminKey,
    };

    [Theory]
    [MemberData(nameof(Admitted))]
    public async Task Inbound_WithTokenBasicOrAdminKey_Is200(string authorization)
    {
        HttpResponseMessage response = await InboundAsync(servers.WithCredentials, authorization);

        Assert.Equal("NOT_REGISTERED", (await response.ExpectAsync(HttpStatusCode.OK)).String("code"));
    }

    [Fact]
    public async Task KannelSmsService_WithBasic_Is200_AndWithoutIs401()
    {
        const string Path = "/kannel/sms-service?from=%2B38349000111&to=50005&text=5";

        HttpResponseMessage with = await servers.WithCredentials.Http.GetAsync(Path, BasicHeader);
        HttpResponseMessage without = await servers.WithCredentials.Http.GetAsync(Path, null);

        Assert.Equal(HttpStatusCode.OK, with.StatusCode);
        Assert.False(string.IsNullOrEmpty(await with.Content.ReadAsStringAsync()));
        await without.ExpectProblemAsync(HttpStatusCode.Unauthorized, "UNAUTHENTICATED");
    }

    [Theory]
    [InlineData(null)]
    [InlineData("Bearer " + GatewayAccessFixture.Token)]
    public async Task Inbound_FromAnAddressOutsideTheAllowList_Is403(string? authorization)
    {
        HttpResponseMessage response = await InboundAsync(servers.ElsewhereOnly, authorization);

        await response.ExpectProblemAsync(HttpStatusCode.Forbidden, ErrorCodes.AddressNotAllowed);
    }

    [Fact]
    public async Task Inbound_FromOutsideTheAllowList_WithTheAdminKey_Is200()
    {
        HttpResponseMessage response = await InboundAsync(servers.ElsewhereOnly, Api.Admin);

        await response.ExpectAsync(HttpStatusCode.OK);
    }

    /// <summary>The USSD callback sits behind the same access as the SMS endpoints (README "USSD *101#").</summary>
    [Fact]
    public async Task Ussd_TakesTheSameCredentialsAndAllowList()
    {
        await (await UssdAsync(servers.WithCredentials, null)).ExpectProblemAsync(HttpStatusCode.Unauthorized, "UNAUTHENTICATED");
        await (await UssdAsync(servers.ElsewhereOnly, "Bearer " + GatewayAccessFixture.Token))
            .ExpectProblemAsync(HttpStatusCode.Forbidden, ErrorCodes.AddressNotAllowed);
        foreach (string? admitted in new[] { "Bearer " + GatewayAccessFixture.Token, BasicHeader, Api.Admin })
        {
            HttpResponseMessage response = await UssdAsync(servers.WithCredentials, admitted);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.StartsWith("END ", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal); // no such subscriber
        }

        Assert.Equal(HttpStatusCode.OK, (await UssdAsync(servers.ElsewhereOnly, Api.Admin)).StatusCode);
    }

    private static Task<HttpResponseMessage> UssdAsync(RunningServer server, string? authorization) =>
        server.Http.SendAsync(
            HttpMethod.Post,
            "/ussd",
            new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["sessionId"] = "gw-" + Guid.NewGuid().ToString("N"),
                ["serviceCode"] = "*101#",
                ["phoneNumber"] = "049000111",
                ["text"] = "",
            }),
            authorization);

    [Theory]
    [InlineData("10.20.0.0/16", "10.20.0.0/16")]
    [InlineData(" 10.20.0.7 ", "10.20.0.7/32")]
    [InlineData("2001:db8::/32", "2001:db8::/32")]
    [InlineData("::1", "::1/128")]
    [InlineData("0.0.0.0/0", "0.0.0.0/0")]
    public void TryParseNetwork_CidrOrAddress_IsThatNetwork(string text, string expected)
    {
        Assert.True(GatewayAccess.TryParseNetwork(text, out IPNetwork network));
        Assert.Equal(expected, network.ToString());
    }

    [Theory]
    [InlineData("nonsense")]
    [InlineData("")]
    [InlineData("10.0.0.0/33")]
    [InlineData("10.1.2.3/8")] // host bits beyond the prefix: a typo, not 10.0.0.0/8
    [InlineData("10.0.0/8")] // inet_aton short forms are not accepted
    [InlineData("10.1")]
    [InlineData("10")]
    [InlineData("10.0.0.0/")]
    [InlineData("/8")]
    public void TryParseNetwork_NotANetwork_IsFalse(string text) => Assert.False(GatewayAccess.TryParseNetwork(text, out _));

    [Fact]
    public void Settings_ToString_ShowsNoSecret()
    {
        var access = GatewayAccess.LoopbackOnly with { BearerToken = GatewayAccessFixture.Token, BasicCredentials = GatewayAccessFixture.Basic };
        var kannel = new Kannel.KannelSettings { SendSmsUrl = new Uri("http://k:pw@kannel:13013/cgi-bin/sendsms?password=q"), Username = "u", Password = "s3cret" };

        string text = access + " " + kannel;

        Assert.DoesNotContain(GatewayAccessFixture.Token, text, StringComparison.Ordinal);
        Assert.DoesNotContain("gw pass", text, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", text, StringComparison.Ordinal);
        Assert.DoesNotContain("pw", text, StringComparison.Ordinal);
        Assert.Contains("http://kannel:13013/cgi-bin/sendsms", text, StringComparison.Ordinal);
    }

    private static Task<HttpResponseMessage> InboundAsync(RunningServer server, string? authorization) =>
        server.Http.SendAsync(
            HttpMethod.Post,
            "/api/v1/sms/inbound",
            new StringContent(Api.Json(new { from = "049000111", to = "50005", text = "5" }), Encoding.UTF8, "application/json"),
            authorization);
}
