using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Mbushja.Banks.Connector;
using Mbushja.Domain;
using Mbushja.Http;
using Mbushja.Sandbox;
using Mbushja.Server.Http;
using Mbushja.Testing;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Mbushja.Banks.Tests;

/// <summary>
/// The sandbox bank alone on Kestrel at <c>http://127.0.0.1:0</c>, with the admin key authentication the server uses,
/// and known secrets: the connector's fake peer over a real socket. One per test class; tests take their own hold
/// ids and accounts from <see cref="NextId"/> and <see cref="NextIban"/>.
/// </summary>
public sealed class SandboxHost : IAsyncLifetime
{
    public const string AdminKey = "sandbox-test-admin-key-41d2-c85e07b93fa6";

    public static readonly IReadOnlyDictionary<string, string> Secrets = new Dictionary<string, string>
    {
        ["BEK"] = "bek-secret-000000000000000000000001",
        ["BPB"] = "bpb-secret-000000000000000000000002",
        ["NLB"] = "nlb-secret-000000000000000000000003",
        ["RBKO"] = "rbko-secret-00000000000000000000004",
        ["PCB"] = "pcb-secret-000000000000000000000005",
        ["TEB"] = "teb-secret-000000000000000000000006",
    };

    private int _next;

    public WebApplication App { get; private set; } = null!;

    public SandboxBank Bank { get; private set; } = null!;

    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>A client without credentials: tests say per request what they send.</summary>
    public HttpClient Http { get; private set; } = null!;

    /// <summary>The names of every request header the bank was sent, in lower case.</summary>
    public System.Collections.Concurrent.ConcurrentDictionary<string, bool> HeadersSeen { get; } = new(StringComparer.Ordinal);

    public async Task InitializeAsync()
    {
        Bank = new SandboxBank(Secrets);
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(new AdminKey(AdminKey));
        builder.Services.AddProblemDetails(o => o.CustomizeProblemDetails = Problems.AddMissingCode);
        builder.Services.AddAuthentication(AdminKeyAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, AdminKeyAuthenticationHandler>(AdminKeyAuthenticationHandler.SchemeName, null);
        builder.Services.AddAuthorization();
        App = builder.Build();
        App.Use((context, next) =>
        {
            foreach (string name in context.Request.Headers.Keys)
            {
                HeadersSeen[name.ToLowerInvariant()] = true;
            }

            return next(context);
        });
        App.UseStatusCodePages();
        App.UseAuthentication();
        App.UseAuthorization();
        App.MapSandboxBank(Bank);
        await App.StartAsync();
        BaseAddress = new Uri(Assert.Single(App.Urls));
        Http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }

    /// <summary>The connector's endpoints for this sandbox; <paramref name="secretOf"/> may lie about a secret.</summary>
    public IReadOnlyList<BankEndpoint> Endpoints(Func<string, string>? secretOf = null) =>
        [.. Secrets.Select(s => new BankEndpoint(s.Key, new Uri(BaseAddress, $"/sandbox/banks/{s.Key}/api/"), secretOf?.Invoke(s.Key) ?? s.Value))];

    /// <summary>
    /// How long an attempt may take in tests that are not about timeouts: long enough that a busy machine never turns
    /// into retries that the attempt counts would show.
    /// </summary>
    public static TimeSpan AttemptTimeout => Timeouts.Hang;

    /// <summary>
    /// A connector with small backoff: 3 attempts, 5 ms apart, each given <see cref="AttemptTimeout"/>; the timeout
    /// tests set their own.
    /// </summary>
    public HttpBankConnector Connector(BankConnectorOptions? options = null, Func<string, string>? secretOf = null) =>
        new(Endpoints(secretOf), options ?? new BankConnectorOptions
        {
            MaxAttempts = 3,
            AttemptTimeout = AttemptTimeout,
            RetryDelay = TimeSpan.FromMilliseconds(5),
            MaxRetryDelay = TimeSpan.FromMilliseconds(20),
        });

    public string NextId(string prefix = "h") => $"{prefix}-{Interlocked.Increment(ref _next)}-{Guid.NewGuid():N}";

    /// <summary>A fresh account reference at a bank, funded with <paramref name="balanceCents"/>.</summary>
    public string NextIban(string bank, long balanceCents)
    {
        string iban = $"XK05{Interlocked.Increment(ref _next):D16}";
        Bank.SetAccount(bank, iban, Money.FromCents(balanceCents));
        return iban;
    }

    /// <summary>Sends a bank API request signed with the bank's secret (or as the arguments say), as a bank would receive it.</summary>
    public async Task<HttpResponseMessage> SendSignedAsync(
        HttpMethod method, string bank, string relativePath, string? json = null, string? secret = null, DateTimeOffset? at = null, Action<HttpRequestMessage>? tamper = null)
    {
        byte[] body = json is null ? [] : Encoding.UTF8.GetBytes(json);
        string path = $"/sandbox/banks/{bank}/api/{relativePath}";
        long timestamp = (at ?? DateTimeOffset.UtcNow).ToUnixTimeSeconds();
        using var request = new HttpRequestMessage(method, path);
        request.Headers.TryAddWithoutValidation(BankSignature.TimestampHeader, timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.TryAddWithoutValidation(
            BankSignature.SignatureHeader, BankSignature.Sign(Encoding.UTF8.GetBytes(secret ?? Secrets[bank]), method.Method, path, timestamp, body));
        if (json is not null)
        {
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }

        tamper?.Invoke(request);
        return await Http.SendAsync(request);
    }

    public static string HoldJson(string holdId, string accountRef, long amountCents, string reference = "Mbushja top-up", string currency = "EUR") =>
        JsonSerializer.Serialize(new { holdId, accountRef, amountCents, currency, reference });

    public static string RefundJson(string refundId, string holdId, string accountRef, long amountCents, string reference = "Mbushja reversal") =>
        JsonSerializer.Serialize(new { refundId, holdId, accountRef, amountCents, currency = "EUR", reference });
}
