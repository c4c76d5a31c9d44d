using System.Net;
using Mbushja.Server.Tests;
using Mbushja.Storage;
using Mbushja.Testing;
using Mbushja.WebConsole.Users;
using Microsoft.Extensions.DependencyInjection;

namespace Mbushja.WebConsole.Tests;

/// <summary>
/// The console behind a TLS proxy on 127.0.0.1 (README "Behind a TLS proxy", <c>--trusted-proxy</c>): sign-ins are
/// counted for the client's address as the proxy gives it, and a request the proxy received over HTTPS gets HSTS and
/// Secure cookies.
/// </summary>
public sealed class TrustedProxySignInSpec
{
    [Fact]
    public async Task SignIn_ThroughATrustedProxy_CountsTheClientsAddress_AndIsSecureWhenTheProxySaysHttps()
    {
        await using TestDatabase database = await TestDatabase.CreateAsync(DatabaseKind.Sqlite);
        await using RunningServer server = await RunningServer.StartAsync(database.Option, configure: s => s with { TrustedProxies = [IPNetwork.Parse("127.0.0.1/32")] });
        ConsoleUsers users = server.App.Services.GetRequiredService<ConsoleUsers>();
        Assert.Null(await users.CreateAsync("proxied", ConsoleRole.Agent, null, ConsoleHost.Password, "test"));
        for (int i = 0; i < 20; i++)
        {
            await users.SignInAsync($"nobody{i}", "wrong-password", IPAddress.Parse("192.0.2.50"));
        }

        using var stopped = new ConsoleClient(server.Http.BaseAddress!);
        stopped.Headers.Add("X-Forwarded-For", "192.0.2.50");
        using HttpResponseMessage refused = await stopped.SubmitAsync(
            ConsoleSetup.SignInPath, ConsoleSetup.SignInPath, ("username", "proxied"), ("password", ConsoleHost.Password));
        using var other = new ConsoleClient(server.Http.BaseAddress!);
        other.Headers.Add("X-Forwarded-For", "192.0.2.51");
        // The form as the proxy received it over plain HTTP (a jar sends no Secure cookie over it), the sign-in over HTTPS.
        string token = await other.TokenAsync(ConsoleSetup.SignInPath);
        using var overHttps = new HttpRequestMessage(HttpMethod.Post, ConsoleSetup.SignInPath)
        {
            Content = new FormUrlEncodedContent(ConsoleClient.Fields(("username", "proxied"), ("password", ConsoleHost.Password), ("__csrf", token))),
        };
        overHttps.Headers.Add("X-Forwarded-Proto", "https");
        using HttpResponseMessage signedIn = await other.SendAsync(overHttps);

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        Assert.Contains("; secure", ConsoleClient.SetCookie(signedIn, ConsoleSetup.SessionCookie), StringComparison.OrdinalIgnoreCase);
        Assert.Single(signedIn.Headers.GetValues("Strict-Transport-Security"));
    }
}
