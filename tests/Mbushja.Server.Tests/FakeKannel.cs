using System.Collections.Concurrent;
using Mbushja.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Mbushja.Server.Tests;

/// <summary>
/// Kannel's sendsms interface, faked on a real socket (<c>http://127.0.0.1:0/cgi-bin/sendsms</c>): records every
/// request and answers as Kannel does, 202 "0: Accepted for delivery", or 403 for a wrong sendsms-user. A test can
/// make it fail the next requests for one recipient (503, or a dropped connection), and slow it down.
/// </summary>
public sealed class FakeKannel : IAsyncDisposable
{
    public const string Username = "mbushja-test";
    public const string Password = "p@ss w&rd=1";

    private readonly WebApplication _app;
    private readonly ConcurrentQueue<SendSmsRequest> _requests = new();
    private readonly ConcurrentDictionary<string, (int Left, bool Drop)> _failures = new(StringComparer.Ordinal);

    private FakeKannel(WebApplication app) => _app = app;

    /// <summary>One sendsms request as Kannel read it (query values decoded), and how the fake answered.</summary>
    public sealed record SendSmsRequest(
        string? Username, string? Password, string? From, string? To, string? Text, string? Charset, string? Coding, string? Smsc, int Status);

    public Uri SendSmsUrl { get; private set; } = null!;

    /// <summary>Every answer waits this long first.</summary>
    public TimeSpan Delay { get; set; }

    public static async Task<FakeKannel> StartAsync()
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        WebApplication app = builder.Build();
        var kannel = new FakeKannel(app);
        app.MapGet("/cgi-bin/sendsms", kannel.SendSmsAsync);
        await app.StartAsync();
        kannel.SendSmsUrl = new Uri(new Uri(Assert.Single(app.Urls)), "/cgi-bin/sendsms");
        return kannel;
    }

    /// <summary>The next <paramref name="times"/> requests to <paramref name="recipient"/> fail: 503, or the connection is dropped.</summary>
    public void FailNext(string recipient, int times, bool drop = false) => _failures[recipient] = (times, drop);

    public IReadOnlyList<SendSmsRequest> Requests => [.. _requests];

    public IReadOnlyList<SendSmsRequest> To(string recipient) => [.. _requests.Where(r => r.To == recipient)];

    /// <summary>Waits until <paramref name="recipient"/> has had <paramref name="count"/> requests; fails the test after a while.</summary>
    public async Task<IReadOnlyList<SendSmsRequest>> WaitForAsync(string recipient, int count, TimeSpan? timeout = null)
    {
        DateTime deadline = DateTime.UtcNow + (timeout ?? Timeouts.Hang);
        while (To(recipient).Count < count)
        {
            Assert.True(DateTime.UtcNow < deadline, $"Kannel had {To(recipient).Count} of {count} sendsms requests for {recipient}.");
            await Task.Delay(20);
        }

        return To(recipient);
    }

    private async Task SendSmsAsync(HttpContext context)
    {
        if (Delay > TimeSpan.Zero)
        {
            await Task.Delay(Delay);
        }

        IQueryCollection q = context.Request.Query;
        string? Get(string name) => q.TryGetValue(name, out var v) ? v.ToString() : null;
        string to = Get("to") ?? "";
        int status;
        string answer;
        bool drop = false;
        if (Get("username") != Username || Get("password") != Password)
        {
            (status, answer) = (403, "Authorization failed for sendsms");
        }
        else if (_failures.TryGetValue(to, out var failure) && failure.Left > 0)
        {
            _failures[to] = (failure.Left - 1, failure.Drop);
            drop = failure.Drop;
            (status, answer) = (503, "Service unavailable");
        }
        else
        {
            (status, answer) = (202, "0: Accepted for delivery");
        }

        _requests.Enqueue(new SendSmsRequest(
            Get("username"), Get("password"), Get("from"), to, Get("text"), Get("charset"), Get("coding"), Get("smsc"), drop ? 0 : status));
        if (drop)
        {
            context.Abort();
            return;
        }

        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain";
        await context.Response.WriteAsync(answer);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
