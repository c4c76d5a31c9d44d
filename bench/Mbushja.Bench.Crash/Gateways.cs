using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Mbushja.Bench.Crash;

/// <summary>Which gateway endpoint a message arrives at.</summary>
internal enum GatewayEndpoint
{
    /// <summary><c>POST /api/v1/sms/inbound</c>: the reply is the answer's <c>reply</c>.</summary>
    Json,

    /// <summary><c>GET /kannel/sms-service</c>: the reply is the answer's body (Kannel sends it back).</summary>
    Kannel,
}

/// <summary>One message as its gateway saw it: sent (and resent) until a final answer.</summary>
internal sealed class SentMessage(string id, GatewayEndpoint endpoint, string holder, int euros, TimeSpan firstSent)
{
    public string Id { get; } = id;

    public GatewayEndpoint Endpoint { get; } = endpoint;

    public string Holder { get; } = holder;

    public int Euros { get; } = euros;

    public TimeSpan FirstSent { get; } = firstSent;

    /// <summary>When the first 200 came (null: never).</summary>
    public TimeSpan? Answered { get; set; }

    /// <summary>Replies this gateway sends to the subscriber: 1 for a 200 carrying a reply it is to send, else 0.</summary>
    public int GatewayReplies { get; set; }

    /// <summary>How it ended: <c>completed</c>/<c>failed</c>/… from a 200, <c>http 500</c>, <c>gave up</c>.</summary>
    public string Status { get; set; } = "in flight";

    public int Attempts { get; set; }
}

/// <summary>
/// SMS gateways in front of the servers, as Kannel or an SMS aggregator is: messages arrive at a steady rate whatever
/// the servers do (open loop), half at the JSON endpoint and half at the Kannel sms-service, each with a message id.
/// A gateway resends the same message id after a timeout, a connection refused or dropped (to the next server), or a
/// 503 (after its Retry-After, capped); any other answer is final. What it sends the subscriber is the reply of a 200:
/// the JSON answer's non-empty <c>reply</c> unless the answer says <c>replySent: true</c> (the platform sent it
/// itself), or the Kannel answer's non-empty body.
/// </summary>
internal sealed class Gateways : IDisposable
{
    private readonly IReadOnlyList<ServerProcess> _servers;
    private readonly IReadOnlyList<string> _holders;
    private readonly CrashOptions _options;
    private readonly Stopwatch _clock;
    private readonly HttpClient _http;
    private readonly ConcurrentQueue<SentMessage> _messages = new();
    private readonly ConcurrentDictionary<string, int> _answers = new();
    private readonly ConcurrentBag<Task> _sending = [];

    public Gateways(IReadOnlyList<ServerProcess> servers, IReadOnlyList<string> holders, CrashOptions options, Stopwatch clock)
    {
        _servers = servers;
        _holders = holders;
        _options = options;
        _clock = clock;
        var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = 2000,
            ConnectTimeout = TimeSpan.FromSeconds(5),
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(20),
            UseCookies = false,
        };
        _http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
    }

    public IReadOnlyCollection<SentMessage> Messages => _messages;

    /// <summary>Every attempt's outcome: an HTTP status, or <c>refused</c>, <c>dropped</c>, <c>timeout</c>.</summary>
    public IReadOnlyDictionary<string, int> Answers => _answers;

    /// <summary>Messages sent and not finally answered yet.</summary>
    public int InFlight => _messages.Count(m => m.Status == "in flight");

    /// <summary>Sends new messages until <paramref name="stopNew"/>; each is resent until answered or <paramref name="giveUp"/>.</summary>
    public async Task LoadAsync(CancellationToken stopNew, CancellationToken giveUp)
    {
        TimeSpan start = _clock.Elapsed;
        int sent = 0;
        while (!stopNew.IsCancellationRequested)
        {
            // Catch up with the rate after a slow moment, as messages queued at an SMSC do.
            long due = (long)((_clock.Elapsed - start).TotalSeconds * _options.Rate);
            for (; sent < due; sent++)
            {
                var message = new SentMessage(
                    string.Create(CultureInfo.InvariantCulture, $"cr-{sent}"),
                    sent % 2 == 0 ? GatewayEndpoint.Json : GatewayEndpoint.Kannel,
                    _holders[Random.Shared.Next(_holders.Count)],
                    Random.Shared.Next(1, 10),
                    _clock.Elapsed);
                _messages.Enqueue(message);
                _sending.Add(Task.Run(() => SendAsync(message, giveUp), CancellationToken.None));
            }

            await Task.Delay(20, CancellationToken.None);
        }
    }

    /// <summary>Waits for every message sent to be finally answered (or given up).</summary>
    public Task AnsweredAsync() => Task.WhenAll(_sending);

    private async Task SendAsync(SentMessage message, CancellationToken giveUp)
    {
        int server = Random.Shared.Next(_servers.Count);
        while (true)
        {
            if (giveUp.IsCancellationRequested)
            {
                message.Status = "gave up";
                return;
            }

            message.Attempts++;
            ServerProcess target = _servers[server % _servers.Count];
            using var attempt = CancellationTokenSource.CreateLinkedTokenSource(giveUp);
            attempt.CancelAfter(_options.GatewayTimeout);
            TimeSpan wait;
            try
            {
                using HttpRequestMessage request = Request(target.Url, message);
                using HttpResponseMessage response = await _http.SendAsync(request, attempt.Token);
                string body = await response.Content.ReadAsStringAsync(attempt.Token);
                Count(((int)response.StatusCode).ToString(CultureInfo.InvariantCulture));
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    message.Answered = _clock.Elapsed;
                    (message.Status, message.GatewayReplies) = ReplyOf(message.Endpoint, body);
                    return;
                }

                if (response.StatusCode != HttpStatusCode.ServiceUnavailable)
                {
                    message.Status = string.Create(CultureInfo.InvariantCulture, $"http {(int)response.StatusCode}");
                    return;
                }

                TimeSpan? retryAfter = response.Headers.RetryAfter?.Delta
                    ?? (response.Headers.RetryAfter?.Date is { } date ? date - DateTimeOffset.UtcNow : null);
                wait = retryAfter is { } given ? TimeSpan.FromTicks(Math.Clamp(given.Ticks, 0, _options.RetryAfterCap.Ticks)) : TimeSpan.FromMilliseconds(500);
            }
            catch (OperationCanceledException) when (attempt.IsCancellationRequested)
            {
                // No answer in time (or the drain's end): the gateway resends, to the next server.
                if (!giveUp.IsCancellationRequested)
                {
                    Count("timeout");
                }

                wait = TimeSpan.Zero;
                server++;
            }
            catch (Exception e) when (e is HttpRequestException or IOException)
            {
                Count(e is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError } ? "refused" : "dropped");
                wait = TimeSpan.FromMilliseconds(300);
                server++;
            }

            await Task.Delay(wait, CancellationToken.None);
        }
    }

    private static HttpRequestMessage Request(Uri server, SentMessage message)
    {
        string text = message.Euros.ToString(CultureInfo.InvariantCulture);
        if (message.Endpoint == GatewayEndpoint.Json)
        {
            return new HttpRequestMessage(HttpMethod.Post, new Uri(server, "/api/v1/sms/inbound"))
            {
                Content = JsonContent.Create(new { from = message.Holder, to = Shortcode, text, messageId = message.Id }),
            };
        }

        string query = $"from={Uri.EscapeDataString(message.Holder)}&to={Shortcode}&text={Uri.EscapeDataString(text)}&id={Uri.EscapeDataString(message.Id)}";
        return new HttpRequestMessage(HttpMethod.Get, new Uri(server, "/kannel/sms-service?" + query));
    }

    /// <summary>BEK's short code (config/ipko/banks/BEK.json).</summary>
    public const string Shortcode = "50005";

    /// <summary>The outcome a 200 says, and whether the gateway sends its reply to the subscriber.</summary>
    private static (string Status, int Replies) ReplyOf(GatewayEndpoint endpoint, string body)
    {
        if (endpoint == GatewayEndpoint.Kannel)
        {
            return ("answered", body.Length > 0 ? 1 : 0);
        }

        using var json = JsonDocument.Parse(body);
        JsonElement root = json.RootElement;
        string status = root.TryGetProperty("status", out JsonElement s) ? s.GetString() ?? "?" : "?";
        bool hasReply = root.TryGetProperty("reply", out JsonElement reply) && reply.ValueKind == JsonValueKind.String && reply.GetString()!.Length > 0;
        bool sentByPlatform = root.TryGetProperty("replySent", out JsonElement replySent) && replySent.ValueKind == JsonValueKind.True;
        return (status, hasReply && !sentByPlatform ? 1 : 0);
    }

    private void Count(string answer) => _answers.AddOrUpdate(answer, 1, (_, n) => n + 1);

    public void Dispose() => _http.Dispose();
}
