using Mbushja.Domain;
using Mbushja.Messaging;
using Microsoft.Extensions.Logging;

namespace Mbushja.TopUp;

/// <summary>
/// Finishes the unfinished messages whose worker is gone (their lease ran out): at start-up after a crash, and
/// periodically for bank calls that had no answer. A message is taken by a claim on its lease, so of several servers
/// sweeping at once one finishes it.
/// </summary>
public sealed partial class TopUpRecovery(
    SmsTransactions store, BankHoldFlow holds, OperatorClock clock, TopUpOptions options, ILogger<TopUpRecovery> logger, OutboxSignal? outbox = null)
{
    /// <summary>Takes on the messages whose lease ran out; returns how many.</summary>
    public async Task<int> RecoverAsync(CancellationToken ct = default)
    {
        int taken = 0;
        foreach (SmsTransaction expired in await store.ExpiredAsync(clock.UtcNow, options.SweepBatch, ct))
        {
            DateTimeOffset until = clock.UtcNow + options.Lease;
            if (!await store.ClaimAsync(expired, until, ct))
            {
                continue;
            }

            taken++;
            SmsTransaction row = expired with { LeaseUntil = until };
            LogRecovering(logger, row.Id.Value, row.State);
            switch (row.State)
            {
                case TopUpState.Holding:
                    // Nobody waits for this answer in an HTTP response any more: the reply goes out through the gateway.
                    await holds.HoldAndCreditAsync(row, outbound: true, ct);
                    break;
                case TopUpState.Credited:
                    await holds.CaptureAsync(row, ct);
                    break;
                case TopUpState.Voiding:
                    await holds.VoidAsync(row, ct);
                    break;
            }
        }

        if (taken > 0)
        {
            outbox?.Notify();
        }

        return taken;
    }

    [LoggerMessage(EventId = 3006, Level = LogLevel.Information, Message = "Recovering SMS {Id} ({State})")]
    private static partial void LogRecovering(ILogger logger, string id, TopUpState state);
}
