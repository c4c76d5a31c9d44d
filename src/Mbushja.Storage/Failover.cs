using Polly;
using Polly.Retry;

namespace Mbushja.Storage;

/// <summary>
/// For a step that must finish once begun (money in flight: a held message's credits, its capture or void): while no
/// database takes writes (<see cref="DbErrors.IsUnavailable"/>, a failover), the step is run again, whole, until a
/// primary takes it or <c>limit</c> has passed. Safe only for steps whose ids make a second run recognise the first
/// (docs/design/failover.md); after the limit the error goes to the caller and the recovery sweep finishes the step.
/// </summary>
public static class Failover
{
    /// <summary>The longest wait between tries: a new primary is used within about this of taking commits.</summary>
    private static readonly TimeSpan MaxDelay = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// The pipeline that runs a step again while no database takes writes, for about <paramref name="limit"/>: built
    /// once by its user (it is on the path of every held message), run with <c>ExecuteAsync</c>.
    /// </summary>
    public static ResiliencePipeline Patience(TimeProvider time, TimeSpan limit) =>
        // 50 + 100 + 200 + 400 ms, then every half second: about the limit in all.
        WhileUnavailable(time, TimeSpan.FromMilliseconds(50), MaxDelay, 4 + (int)Math.Ceiling(limit / MaxDelay), onRetry: null);

    /// <summary>
    /// Runs <paramref name="step"/> once, and only when that try found no writable database hands it to
    /// <paramref name="patience"/> (<see cref="Patience"/>), which runs it again at once and then after each wait: the
    /// common case, a database that takes the write, costs no pipeline state (the path of every held message).
    /// </summary>
    public static async Task<T> PatientlyAsync<T>(ResiliencePipeline patience, Func<Task<T>> step)
    {
        ArgumentNullException.ThrowIfNull(patience);
        ArgumentNullException.ThrowIfNull(step);
        try
        {
            return await step();
        }
        catch (Exception e) when (DbErrors.IsUnavailable(e))
        {
            // A failover: from here on as patience runs it.
        }

        return await patience.ExecuteAsync(async _ => await step(), CancellationToken.None);
    }

    /// <summary>
    /// Runs <paramref name="step"/> until no failover stands in its way: for a server starting while no primary takes
    /// writes, which waits for one instead of failing (<paramref name="waiting"/> hears why, once per try).
    /// </summary>
    public static async Task UntilWritableAsync(Func<CancellationToken, Task> step, TimeProvider time, Action<Exception> waiting, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(step);
        ResiliencePipeline pipeline = WhileUnavailable(time, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(1), int.MaxValue, waiting);
        await pipeline.ExecuteAsync(async token => await step(token), ct);
    }

    /// <summary>Runs again, with a doubling wait up to <paramref name="maxDelay"/> and some jitter, what failed for want of a writable database.</summary>
    private static ResiliencePipeline WhileUnavailable(TimeProvider time, TimeSpan delay, TimeSpan maxDelay, int attempts, Action<Exception>? onRetry) =>
        new ResiliencePipelineBuilder { TimeProvider = time }
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<Exception>(DbErrors.IsUnavailable),
                BackoffType = DelayBackoffType.Exponential,
                Delay = delay,
                MaxDelay = maxDelay,
                UseJitter = true,
                MaxRetryAttempts = attempts,
                OnRetry = args =>
                {
                    onRetry?.Invoke(args.Outcome.Exception!);
                    return ValueTask.CompletedTask;
                },
            })
            .Build();
}
