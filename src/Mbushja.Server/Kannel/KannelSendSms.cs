using System.Globalization;
using System.Text;
using Mbushja.Messaging;
using Mbushja.Text;
using Mbushja.TopUp;

namespace Mbushja.Server.Kannel;

/// <summary>
/// The operator's Kannel (README "SMS gateways"): its <c>sendsms</c> URL for replies the platform sends itself, and
/// whether the sms-service endpoint answers with the reply (Kannel sends it back) or leaves it to <c>sendsms</c>.
/// </summary>
public sealed record KannelSettings
{
    public static KannelSettings None { get; } = new();

    /// <summary>Kannel's sendsms URL (<c>http://kannel:13013/cgi-bin/sendsms</c>); null: replies are not sent by the platform.</summary>
    public Uri? SendSmsUrl { get; init; }

    /// <summary>The <c>sendsms-user</c>'s name and password (from the environment; never logged).</summary>
    public string? Username { get; init; }

    public string? Password { get; init; }

    /// <summary>How the sms-service endpoint returns the reply: in its response body, or through the outbox and sendsms.</summary>
    public ReplyRoute ReplyVia { get; init; } = ReplyRoute.Response;

    /// <summary>The longest a sendsms request may take.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The URL as logs may show it: no user info, no query (either may carry a password).</summary>
    public string? SafeUrl => SendSmsUrl is null ? null : SendSmsUrl.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped);

    /// <summary>Without the password: records print every member.</summary>
    public override string ToString() =>
        $"KannelSettings {{ SendSmsUrl = {SafeUrl}, Username = {(Username is null ? "" : "(set)")}, Password = {(Password is null ? "" : "(set)")}, ReplyVia = {ReplyVia} }}";
}

/// <summary>
/// Kannel's sendsms HTTP interface (Kannel user guide, "Sending SMS messages": <c>GET /cgi-bin/sendsms</c> with
/// <c>username</c>, <c>password</c>, <c>from</c>, <c>to</c>, <c>text</c>, <c>charset</c>, <c>coding</c>). The text
/// is sent as UTF-8; when it has a character outside the GSM 7-bit alphabet it asks for UCS-2 (<c>coding=2</c>).
/// Kannel answers 202 "0: Accepted for delivery" or "3: Queued for later delivery" (older versions 200 "Sent.");
/// any 2xx counts as accepted, anything else (or no answer) as refused, for the outbox to try again.
/// </summary>
public sealed class KannelSendSms : IOutboundSmsGateway, IDisposable
{
    /// <summary>Kannel's <c>coding</c> for UCS-2 (0 is 7-bit, 1 is 8-bit).</summary>
    public const string Ucs2Coding = "2";

    private const int MaxAnswerBytes = 4 * 1024;

    private readonly KannelSettings _settings;
    private readonly Uri _url;
    private readonly HttpClient _http;

    public KannelSendSms(KannelSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        _settings = settings;
        _url = settings.SendSmsUrl ?? throw new ArgumentException("Kannel's sendsms URL is not configured.", nameof(settings));
        var handler = new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            ConnectTimeout = settings.RequestTimeout,
            AllowAutoRedirect = false,
            UseCookies = false,
        };
        // No IHttpClientFactory: its request logs would print the URL, and the URL carries the password.
        _http = new HttpClient(handler) { Timeout = settings.RequestTimeout, MaxResponseContentBufferSize = MaxAnswerBytes };
    }

    public string Name => "kannel";

    /// <summary>The request for one reply: the configured URL (its own query kept, e.g. <c>smsc=</c>) and the message.</summary>
    public Uri RequestUri(OutboundSms sms)
    {
        ArgumentNullException.ThrowIfNull(sms);
        var query = new StringBuilder(_url.Query.TrimStart('?'));
        void Add(string name, string? value)
        {
            if (value is null)
            {
                return;
            }

            if (query.Length > 0)
            {
                query.Append('&');
            }

            query.Append(name).Append('=').Append(Uri.EscapeDataString(value));
        }

        Add("username", _settings.Username);
        Add("password", _settings.Password);
        Add("from", sms.Sender);
        Add("to", sms.Recipient);
        Add("text", sms.Text);
        Add("charset", "UTF-8");
        Add("coding", Gsm7.CanEncode(sms.Text) ? null : Ucs2Coding);
        return new UriBuilder(_url) { Query = query.ToString() }.Uri;
    }

    public async Task<SendOutcome> SendAsync(OutboundSms sms, CancellationToken cancellationToken)
    {
        try
        {
            using HttpResponseMessage response = await _http.GetAsync(RequestUri(sms), cancellationToken);
            string body = await response.Content.ReadAsStringAsync(cancellationToken);
            string detail = string.Create(CultureInfo.InvariantCulture, $"{(int)response.StatusCode} {body.Trim()}");
            return response.IsSuccessStatusCode ? SendOutcome.Accept(detail) : SendOutcome.Refuse(detail);
        }
        catch (HttpRequestException e)
        {
            // The message names the host and port at most, never the query.
            return SendOutcome.Refuse(e.HttpRequestError == HttpRequestError.Unknown ? e.Message : $"{e.HttpRequestError}: {e.Message}");
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return SendOutcome.Refuse($"no answer within {_settings.RequestTimeout.TotalSeconds:0.#} s");
        }
    }

    public void Dispose() => _http.Dispose();
}
