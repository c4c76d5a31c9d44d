using System.Net;
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
    public ConsoleClient(Uri baseAddress, CookieContainer? cookies = null)
    {
        Cookies = cookies ?? new CookieContainer();
        _http = new HttpClient(new HttpClientHandler { CookieContainer = Cookies, AllowAutoRedirect = false }) { BaseAddress = baseAddress };
    }

    public CookieContainer Cookies { get; }

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

    public void Dispose() => _http.Dispose();

    [GeneratedRegex("name=\"__csrf\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex TokenPattern();
}
