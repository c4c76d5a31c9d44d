using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;

namespace Mbushja.WebConsole.Tests;

/// <summary>
/// A browser without the browser: keeps cookies, follows no redirect (the tests look at them), reads the antiforgery
/// token a form carries and sends it back, as a browser does.
/// </summary>
public sealed partial class ConsoleClient : IDisposable
{
    private readonly HttpClient _http;

    /// <param name="baseAddress">The server this client talks to.</param>
    /// <param name="cookies">A jar to share with another client (one browser, two servers behind a load balancer); a new one when null.</param>
    /// <param name="from">
    /// The loopback address the client's connections come from (any of 127.0.0.0/8): another machine, as the server
    /// sees it. The default: the system's choice, 127.0.0.1.
    /// </param>
    /// <param name="trust">The one certificate an HTTPS server may show (a test's self-signed one); null: the system's trust.</param>
    public ConsoleClient(Uri baseAddress, CookieContainer? cookies = null, IPAddress? from = null, X509Certificate2? trust = null)
    {
        Cookies = cookies ?? new CookieContainer();
        var handler = new SocketsHttpHandler { CookieContainer = Cookies, AllowAutoRedirect = false };
        if (from is not null)
        {
            handler.ConnectCallback = (context, ct) => ConnectFromAsync(from, context.DnsEndPoint, ct);
        }

        if (trust is not null)
        {
            // That certificate, for that name: any other, or a name it was not made for, is refused.
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                certificate is not null && certificate.GetCertHashString() == trust.GetCertHashString()
                && (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) == SslPolicyErrors.None;
        }

        _http = new HttpClient(handler) { BaseAddress = baseAddress };
    }

    /// <summary>A loopback address of its own for a test (127.x.y.z), so that what its tries count counts for it alone.</summary>
    public static IPAddress NewLoopbackAddress() =>
        new([127, (byte)Random.Shared.Next(1, 255), (byte)Random.Shared.Next(0, 256), (byte)Random.Shared.Next(1, 255)]);

    public CookieContainer Cookies { get; }

    /// <summary>Headers sent with every request, as a proxy in front of the server adds them (<c>X-Forwarded-For</c>, ...).</summary>
    public System.Net.Http.Headers.HttpRequestHeaders Headers => _http.DefaultRequestHeaders;

    public Task<HttpResponseMessage> GetAsync(string path) => _http.GetAsync(path);

    public async Task<(HttpStatusCode Status, string Body)> GetTextAsync(string path)
    {
        using HttpResponseMessage response = await _http.GetAsync(path);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>The antiforgery token of the first form on a page (and its cookie, now in the jar).</summary>
    public async Task<string> TokenAsync(string page)
    {
        (HttpStatusCode status, string body) = await GetTextAsync(page);
        Assert.True(status == HttpStatusCode.OK, $"GET {page}: {(int)status}");
        Match token = TokenPattern().Match(body);
        Assert.True(token.Success, $"No antiforgery token on {page}.");
        return WebUtility.HtmlDecode(token.Groups[1].Value);
    }

    /// <summary>Posts a form; the token is whatever the test gives (a real one, a forged one, or none).</summary>
    public Task<HttpResponseMessage> PostAsync(string path, IEnumerable<KeyValuePair<string, string>> fields, string? token)
    {
        List<KeyValuePair<string, string>> all = [.. fields];
        if (token is not null)
        {
            all.Add(new("__csrf", token));
        }

        return _http.PostAsync(path, new FormUrlEncodedContent(all));
    }

    /// <summary>Posts any body (a multipart upload, say) as it is: the test puts the token in it, or leaves it out.</summary>
    public Task<HttpResponseMessage> PostAsync(string path, HttpContent content) => _http.PostAsync(path, content);

    /// <summary>Sends a request as the test built it (its headers too).</summary>
    public Task<HttpResponseMessage> SendAsync(HttpRequestMessage request) => _http.SendAsync(request);

    /// <summary>Posts a form with the token its page gives, as a browser would.</summary>
    public async Task<HttpResponseMessage> SubmitAsync(string page, string path, params (string Name, string Value)[] fields) =>
        await PostAsync(path, fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value)), await TokenAsync(page));

    /// <summary>Signs in; asserts the sign-in was taken (a redirect into the console).</summary>
    public async Task SignInAsync(string username, string password = ConsoleHost.Password)
    {
        using HttpResponseMessage response = await SubmitAsync(ConsoleSetup.SignInPath, ConsoleSetup.SignInPath, ("username", username), ("password", password));
        Assert.True(response.StatusCode == HttpStatusCode.Redirect, $"Sign-in of {username}: {(int)response.StatusCode}");
        Assert.StartsWith("/console", response.Headers.Location!.OriginalString, StringComparison.Ordinal);
    }

    /// <summary>Form fields, in order, as <see cref="PostAsync(string, IEnumerable{KeyValuePair{string, string}}, string?)"/> takes them.</summary>
    public static IEnumerable<KeyValuePair<string, string>> Fields(params (string Name, string Value)[] fields) =>
        fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value));

    /// <summary>The <c>Set-Cookie</c> header a response gave for the cookie <paramref name="name"/>.</summary>
    public static string SetCookie(HttpResponseMessage response, string name) =>
        Assert.Single(response.Headers.TryGetValues("Set-Cookie", out IEnumerable<string>? values) ? values : [], v => v.StartsWith(name + "=", StringComparison.Ordinal));

    public void Dispose() => _http.Dispose();

    private static async ValueTask<Stream> ConnectFromAsync(IPAddress from, DnsEndPoint server, CancellationToken ct)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            socket.Bind(new IPEndPoint(from, 0));
            await socket.ConnectAsync(server, ct);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    [GeneratedRegex("name=\"__csrf\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex TokenPattern();
}
