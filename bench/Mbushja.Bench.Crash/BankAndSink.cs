using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;
using Mbushja.Sandbox;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Mbushja.Bench.Crash;

/// <summary>What the harness does to a bank request instead of answering it at once.</summary>
internal enum BankFault
{
    None,

    /// <summary>Answered 0.3–1.5 s later than the others (within the connector's 2 s attempt).</summary>
    Slow,

    /// <summary>500, 502 or 503 without doing anything.</summary>
    Error,

    /// <summary>Done (the hold, capture or void is applied), then the connection is dropped without an answer.</summary>
    ApplyThenDrop,

    /// <summary>No answer until the caller gives up; nothing done.</summary>
    Hang,

    /// <summary>Done, then no answer until the caller gives up.</summary>
    ApplyThenHang,
}

/// <summary>A reply Kannel's sendsms was asked to send: when, to whom, what.</summary>
internal sealed record SinkReply(TimeSpan At, string To, string Text);

/// <summary>
/// What the servers talk to, in the harness's process so that killing a server never kills them: the bank (the repo's
/// sandbox bank, which checks and signs every request as docs/bank-connector.openapi.yaml says, reached over a real
/// socket through <c>--bank-api</c>) with faults at random in front of it, and a Kannel <c>sendsms</c> sink that keeps
/// every reply the servers send themselves.
/// </summary>
internal sealed class BankAndSink : IAsyncDisposable
{
    public const string BankCode = "BEK";
    public const string SendSmsPath = "/cgi-bin/sendsms";
    private static readonly TimeSpan HangFor = TimeSpan.FromSeconds(15);

    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<BankFault, int> _faults = new();

    private BankAndSink(WebApplication app, SandboxBank bank, string secret)
    {
        _app = app;
        Bank = bank;
        Secret = secret;
    }

    public SandboxBank Bank { get; }

    /// <summary>The bank's shared secret (given to the servers in their environment, never on a command line).</summary>
    public string Secret { get; }

    /// <summary>The bank connector API's base, for <c>--bank-api BEK=…</c>.</summary>
    public Uri BankUrl { get; private set; } = null!;

    public Uri SendSmsUrl { get; private set; } = null!;

    public ConcurrentQueue<SinkReply> Replies { get; } = new();

    /// <summary>Bank requests per fault met.</summary>
    public IReadOnlyDictionary<BankFault, int> Faults => _faults;

    public static async Task<BankAndSink> StartAsync(TimeSpan latency, double faultShare, Stopwatch clock)
    {
        string secret = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        var bank = new SandboxBank([KeyValuePair.Create(BankCode, secret)]);
        bank.Configure(BankCode, new SandboxSettings(LatencyMs: (int)latency.TotalMilliseconds));
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseSetting("urls", "http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.AddAuthorization();
        builder.Services.AddAuthentication();
        WebApplication app = builder.Build();
        var harness = new BankAndSink(app, bank, secret);
        app.Use((context, next) => context.Request.Path.StartsWithSegments(SandboxBank.PathPrefix, StringComparison.Ordinal)
            ? harness.WithFaultAsync(context, next, faultShare)
            : next(context));
        app.MapSandboxBank(bank);
        app.MapGet(SendSmsPath, (HttpRequest request) =>
        {
            harness.Replies.Enqueue(new SinkReply(clock.Elapsed, request.Query["to"].ToString(), request.Query["text"].ToString()));
            return Results.Text("0: Accepted for delivery", statusCode: StatusCodes.Status202Accepted);
        });
        await app.StartAsync();
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());
        harness.BankUrl = bank.EndpointsAt(address).Single().BaseUrl;
        harness.SendSmsUrl = new Uri(address, SendSmsPath);
        return harness;
    }

    private async Task WithFaultAsync(HttpContext context, RequestDelegate next, double faultShare)
    {
        BankFault fault = Pick(faultShare);
        _faults.AddOrUpdate(fault, 1, (_, n) => n + 1);
        try
        {
            switch (fault)
            {
                case BankFault.None:
                    await next(context);
                    break;
                case BankFault.Slow:
                    await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(300, 1500)), context.RequestAborted);
                    await next(context);
                    break;
                case BankFault.Error:
                    context.Response.StatusCode = Random.Shared.GetItems([500, 502, 503], 1)[0];
                    await context.Response.WriteAsync("the bank fails this request on purpose (bench/crash)", context.RequestAborted);
                    break;
                case BankFault.ApplyThenDrop:
                case BankFault.ApplyThenHang:
                    // The sandbox writes its answer into a buffer nobody sends: the operation is done, the caller never hears.
                    context.Response.Body = new MemoryStream();
                    await next(context);
                    if (fault == BankFault.ApplyThenHang)
                    {
                        await Task.Delay(HangFor, context.RequestAborted);
                    }

                    context.Abort();
                    break;
                case BankFault.Hang:
                    await Task.Delay(HangFor, context.RequestAborted);
                    context.Abort();
                    break;
            }
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The connector gave up first: nobody reads an answer.
        }
    }

    /// <summary>A fault for <paramref name="share"/> of the requests: slow the most often, then 5xx, drops, hangs.</summary>
    private static BankFault Pick(double share)
    {
        double roll = Random.Shared.NextDouble();
        if (roll >= share)
        {
            return BankFault.None;
        }

        double within = roll / share;
        return within switch
        {
            < 0.40 => BankFault.Slow,
            < 0.65 => BankFault.Error,
            < 0.85 => BankFault.ApplyThenDrop,
            < 0.93 => BankFault.Hang,
            _ => BankFault.ApplyThenHang,
        };
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
