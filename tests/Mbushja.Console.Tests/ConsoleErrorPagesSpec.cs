using System.Net;
using Mbushja.Server.Tests;
using Mbushja.Storage;
using Mbushja.Testing;
using Microsoft.AspNetCore.Builder;

namespace Mbushja.WebConsole.Tests;

/// <summary>
/// A demo server whose console has one more endpoint, <see cref="FailurePath"/>, that fails as a bug would: for the
/// console's 500 page.
/// </summary>
public sealed class FailingConsoleHost : IAsyncLifetime
{
    public const string FailurePath = ConsoleSetup.Root + "/test-failure";

    public TestDatabase Database { get; private set; } = null!;

    public RunningServer Server { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Database = await TestDatabase.CreateAsync(DatabaseKind.Sqlite);
        Server = await RunningServer.StartAsync(
            Database.Option,
            demo: true,
            configure: s => s with { ConsoleDemoPassword = ConsoleHost.Password },
            prepare: app => app.MapGet(FailurePath, string () => throw new InvalidOperationException("A bug, on purpose.")));
    }

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        await Database.DisposeAsync();
    }
}

/// <summary>
/// The console's refusals and failures keep its security headers (never cached, never framed, no script from
/// elsewhere), and a <c>returnUrl</c> with a control character in it (a forged header line) is refused with 400.
/// </summary>
public sealed class ConsoleErrorPagesSpec(FailingConsoleHost host) : IClassFixture<FailingConsoleHost>
{
    private ConsoleClient Client() => new(host.Server.Http.BaseAddress!);

    private static void AssertSecurityHeaders(HttpResponseMessage response)
    {
        Assert.True(response.Headers.CacheControl is { NoCache: true, NoStore: true }, $"Cache-Control: {response.Headers.CacheControl}");
        Assert.Equal("DENY", Assert.Single(response.Headers.GetValues("X-Frame-Options")));
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        Assert.StartsWith("default-src 'none'", Assert.Single(response.Headers.GetValues("Content-Security-Policy")), StringComparison.Ordinal);
        Assert.Equal("same-origin", Assert.Single(response.Headers.GetValues("Referrer-Policy")));
    }

    public static TheoryData<string> ControlCharacters { get; } = ["%0D%0ASet-Cookie:%20x=1", "%0A", "%0D", "%00", "%1B%5B2J", "%7F", "%C2%85"];

    [Theory]
    [MemberData(nameof(ControlCharacters))]
    public async Task LanguageSwitch_ReturnUrlWithAControlCharacter_Is400WithTheSecurityHeaders(string escaped)
    {
        using ConsoleClient client = Client();

        using HttpResponseMessage response = await client.GetAsync($"/console/language/en?returnUrl=%2Fconsole%2Flookup{escaped}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Null(response.Headers.Location);
        AssertSecurityHeaders(response);
    }

    [Fact]
    public async Task LanguageSwitch_ALocalReturnUrl_StillRedirectsThere()
    {
        using ConsoleClient client = Client();

        using HttpResponseMessage response = await client.GetAsync("/console/language/en?returnUrl=%2Fconsole%2Flookup%3Fq%3D049111111");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/console/lookup?q=049111111", response.Headers.Location!.OriginalString);
    }

    [Theory]
    [MemberData(nameof(ControlCharacters))]
    public async Task SignIn_ReturnUrlWithAControlCharacter_Is400WithTheSecurityHeaders_AndNoSession(string escaped)
    {
        using ConsoleClient client = Client();
        string token = await client.TokenAsync(ConsoleSetup.SignInPath);
        string returnUrl = "/console/lookup" + Uri.UnescapeDataString(escaped);

        using HttpResponseMessage response = await client.PostAsync(
            ConsoleSetup.SignInPath, ConsoleClient.Fields(("returnUrl", returnUrl), ("username", "agent"), ("password", ConsoleHost.Password)), token);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Null(response.Headers.Location);
        AssertSecurityHeaders(response);
        Assert.DoesNotContain(client.Cookies.GetCookies(new Uri(host.Server.Http.BaseAddress!, "/console/")), c => c.Name == ConsoleSetup.SessionCookie);
    }

    [Fact]
    public async Task SignInPage_ReturnUrlWithAControlCharacter_Is400WithTheSecurityHeaders()
    {
        using ConsoleClient client = Client();

        using HttpResponseMessage response = await client.GetAsync(ConsoleSetup.SignInPath + "?returnUrl=%2Fconsole%0D%0ASet-Cookie:%20x=1");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        AssertSecurityHeaders(response);
    }

    [Fact]
    public async Task SignIn_ALocalReturnUrl_StillRedirectsThere()
    {
        using ConsoleClient client = Client();
        string token = await client.TokenAsync(ConsoleSetup.SignInPath);

        using HttpResponseMessage response = await client.PostAsync(
            ConsoleSetup.SignInPath, ConsoleClient.Fields(("returnUrl", "/console/lookup?q=049111111"), ("username", "agent"), ("password", ConsoleHost.Password)), token);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/console/lookup?q=049111111", response.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task Failure_Is500WithTheSecurityHeaders()
    {
        using ConsoleClient client = Client();

        using HttpResponseMessage response = await client.GetAsync(FailingConsoleHost.FailurePath);

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        AssertSecurityHeaders(response);
        Assert.DoesNotContain("A bug, on purpose.", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task NotFound_Is404WithTheSecurityHeaders()
    {
        using ConsoleClient client = Client();

        using HttpResponseMessage response = await client.GetAsync("/console/no-such-page");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        AssertSecurityHeaders(response);
    }
}
