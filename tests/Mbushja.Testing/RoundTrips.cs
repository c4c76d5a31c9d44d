using System.Collections.Concurrent;
using System.Diagnostics;

namespace Mbushja.Testing;

/// <summary>
/// Counts PostgreSQL round trips, as the round-trip specs do (docs/design/write-path.md, "Round trips"): from its
/// start to its disposal, what Npgsql runs within its activity, one entry per command or batch, each as the statements
/// it sent. Its activity is the current one from where it is made, so what runs from there is counted and other tests'
/// statements are not.
/// </summary>
public sealed class RoundTrips : IDisposable
{
    private readonly Activity _activity;
    private readonly ActivityListener _listener;
    private readonly ConcurrentQueue<string> _sent = new();

    public RoundTrips()
    {
        _activity = new Activity("round trips").Start();
        ActivityTraceId trace = _activity.TraceId;
        _listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == "Npgsql",
            Sample = (ref options) => options.TraceId == trace ? ActivitySamplingResult.AllData : ActivitySamplingResult.None,
            ActivityStopped = a => _sent.Enqueue(a.GetTagItem("db.query.text") as string ?? a.DisplayName),
        };
        ActivitySource.AddActivityListener(_listener);
    }

    /// <summary>The round trips so far, in the order they ended.</summary>
    public string[] Sent() => [.. _sent];

    /// <summary>
    /// <see cref="Sent"/> without a connection's opening (<c>CONNECT</c>, and the <c>SET plan_cache_mode</c> a commit
    /// queue's writer sends first): what the work took, whether or not it found its connection open.
    /// </summary>
    public string[] SentByWork() =>
        [.. _sent.Where(t => !t.StartsWith("CONNECT", StringComparison.Ordinal) && !t.StartsWith("SET plan_cache_mode", StringComparison.Ordinal))];

    /// <summary>The round trips <paramref name="step"/> took (<see cref="Sent"/>).</summary>
    public static async Task<string[]> OfAsync(Func<Task> step)
    {
        ArgumentNullException.ThrowIfNull(step);
        using var trips = new RoundTrips();
        await step();
        return trips.Sent();
    }

    public void Dispose()
    {
        _listener.Dispose();
        _activity.Dispose();
    }
}
