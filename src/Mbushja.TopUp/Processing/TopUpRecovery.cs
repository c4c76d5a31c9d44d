using Mbushja.Domain;
using Mbushja.Messaging;
using Microsoft.Extensions.Logging;

namespace Mbushja.TopUp;

/// <summary>
/// Finishes the unfinished messages whose worker is gone (their lease ran out, or ended when their server restarted):
/// at start-up after a crash, and every few seconds for another server's crash or a bank call that had no answer. A
/// message is taken by a claim on its lease, so of several servers sweeping at once one finishes it; several at once
/// (<see cref="TopUpOptions.RecoveryParallelism"/>), so that a dead server's whole work in flight is answered within
/// seconds.
/// </summary>
public sealed partial class TopUpRecovery(
    SmsTransactions store, BankHoldFlow holds, OperatorClock clock, TopUpOptions options, ILogger<TopUpRecovery> logger, OutboxSignal? outbox = null)
{
    /// <summary>Takes on the messages whose lease ran out; returns how many.</summary>
    public async Task<int> RecoverAsync(CancellationToken ct = default)
    {
        int taken = 0;
        List<SmsTransaction> expired = await store.ExpiredAsync(clock.UtcNow, options.SweepBatch, ct);
        await Parallel.ForEachAsync(
            expired,
            new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, options.RecoveryParallelism), CancellationToken = ct },
            async (row, token) =>
            {
                DateTimeOffset until = clock.UtcNow + options.Lease;
                if (!await store.ClaimAsync(row, until, token))
                {
                    return;
                }

                Interlocked.Increment(ref taken);
                LogRecovering(logger, row.Id.Value, row.State);
                // Its lease is renewed from here on, while the bank is asked (BankHoldFlow holds it).
                await holds.ContinueAsync(row with { LeaseUntil = until }, token);
                if (row.State == TopUpState.Holding)
                {
                    outbox?.Notify();
                }
            });

        return taken;
    }

    [LoggerMessage(EventId = 3006, Level = LogLevel.Information, Message = "Recovering SMS {Id} ({State})")]
    private static partial void LogRecovering(ILogger logger, string id, TopUpState state);
}
