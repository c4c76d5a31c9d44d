using Mbushja.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Hosting;

namespace Mbushja.Server.Http;

/// <summary>
/// What a load balancer asks (README "Running it for real"): <c>/health/live</c> is 200 while the process serves;
/// <c>/health/ready</c> is 200 only while it can take work, i.e. a database takes writes and the server is not stopping,
/// 503 otherwise so that traffic goes to another server. The database is asked at most once a second, whoever asks.
/// </summary>
internal sealed class Readiness(Database database, IHostApplicationLifetime lifetime, TimeProvider time) : IDisposable
{
    private static readonly TimeSpan Fresh = TimeSpan.FromSeconds(1);

    private readonly SemaphoreSlim _asking = new(1, 1);
    private (bool Writable, long At)? _last;

    public async Task<bool> IsReadyAsync(CancellationToken ct)
    {
        if (lifetime.ApplicationStopping.IsCancellationRequested)
        {
            return false;
        }

        if (_last is { } seen && time.GetElapsedTime(seen.At) < Fresh)
        {
            return seen.Writable;
        }

        await _asking.WaitAsync(ct);
        try
        {
            if (_last is { } again && time.GetElapsedTime(again.At) < Fresh)
            {
                return again.Writable;
            }

            using var probe = CancellationTokenSource.CreateLinkedTokenSource(ct);
            probe.CancelAfter(TimeSpan.FromSeconds(2));
            bool writable;
            try
            {
                writable = await database.CanWriteAsync(probe.Token);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                writable = false;
            }

            _last = (writable, time.GetTimestamp());
            return writable;
        }
        finally
        {
            _asking.Release();
        }
    }

    public void Dispose() => _asking.Dispose();
}

internal static class HealthEndpoints
{
    public static void MapHealth(this IEndpointRouteBuilder app)
    {
        app.MapGet("/health", () => TypedResults.Ok(new { status = "ok" })).WithSummary("200 once the server takes traffic.");
        app.MapGet("/health/live", () => TypedResults.Ok(new { status = "live" }))
            .WithSummary("200 while the process serves: restart it when this fails.");
        app.MapGet("/health/ready", ReadyAsync)
            .WithSummary("200 while the server can take work (a database takes writes); 503 during a failover or a shutdown: send traffic elsewhere.");
    }

    private static async Task<Results<Ok<HealthStatus>, JsonHttpResult<HealthStatus>>> ReadyAsync(Readiness readiness, HttpResponse response, CancellationToken ct)
    {
        if (await readiness.IsReadyAsync(ct))
        {
            return TypedResults.Ok(new HealthStatus("ready"));
        }

        response.Headers.RetryAfter = "1";
        return TypedResults.Json(new HealthStatus("unavailable"), statusCode: StatusCodes.Status503ServiceUnavailable);
    }
}

/// <summary>The body of the health endpoints.</summary>
internal sealed record HealthStatus(string Status);
