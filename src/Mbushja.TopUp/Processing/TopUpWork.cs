using System.Collections.Concurrent;
using Mbushja.Domain;
using Microsoft.Extensions.Logging;

namespace Mbushja.TopUp;

/// <summary>
/// The work a message's answer leaves running (finishing a message an SMSC was answered for, a capture): tracked so a
/// shutdown can wait for it. After a crash, the recovery sweep takes such a message over once its lease runs out.
/// </summary>
public sealed partial class TopUpWork(OperatorClock clock, ILogger<TopUpWork> logger)
{
    private readonly ConcurrentDictionary<string, Task> _running = new(StringComparer.Ordinal);

    /// <summary>Runs <paramref name="work"/> on the thread pool under <paramref name="key"/>; a failure is logged, never thrown.</summary>
    public void Start(string key, TransactionId id, Func<Task> work)
    {
        Task task = Task.Run(async () =>
        {
            try
            {
                await work();
            }
            catch (Exception e)
            {
                LogFailed(logger, id.Value, e);
            }
        });
        _running[key] = task;
        task.ContinueWith(t => _running.TryRemove(KeyValuePair.Create(key, t)), TaskScheduler.Default);
    }

    /// <summary>Waits, up to <paramref name="timeout"/>, for the work still running.</summary>
    public async Task DrainAsync(TimeSpan timeout)
    {
        Task all = Task.WhenAll(_running.Values);
        await Task.WhenAny(all, Task.Delay(timeout, clock.Time));
    }

    [LoggerMessage(EventId = 3009, Level = LogLevel.Error, Message = "SMS {Id}: work after the answer failed; the recovery sweep takes it over")]
    private static partial void LogFailed(ILogger logger, string id, Exception exception);
}
