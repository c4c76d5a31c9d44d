using Mbushja.TopUp;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Mbushja.Server;

/// <summary>
/// Finishes SMS Top Up work that its worker left: at start-up (after a crash) and then every few seconds (a bank that
/// did not answer a capture, void or a reversal's refund is asked again). Several servers on one database share this safely: each
/// message is claimed by a conditional update before it is touched.
/// </summary>
public sealed partial class TopUpRecoveryService(
    TopUpRecovery recovery,
    TopUpWork work,
    TopUpReversals reversals,
    TopUpControls controls,
    SmsConfirmations confirmations,
    ServerSettings settings,
    IHostApplicationLifetime lifetime,
    ILogger<TopUpRecoveryService> logger)
    : BackgroundService
{
    /// <summary>How often the controls' ended windows are forgotten (docs/design/controls.md).</summary>
    private static readonly TimeSpan ForgetEvery = TimeSpan.FromMinutes(1);

    private DateTimeOffset _forgotten = DateTimeOffset.MinValue;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // The sandbox bank listens on this server's own address: sweep once the server takes traffic.
        if (!await HostStart.WaitAsync(lifetime, stoppingToken))
        {
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                int taken;
                do
                {
                    taken = await recovery.RecoverAsync(stoppingToken);
                    if (taken > 0)
                    {
                        LogSwept(logger, taken);
                    }
                }
                while (taken > 0 && !stoppingToken.IsCancellationRequested);

                // Refunds of reversals the bank has not answered yet: asked again, under the same refund id.
                do
                {
                    taken = await reversals.RetryRefundsAsync(stoppingToken);
                    if (taken > 0)
                    {
                        LogRefundsRetried(logger, taken);
                    }
                }
                while (taken > 0 && !stoppingToken.IsCancellationRequested);

                // Confirmations whose window passed: closed, nothing to undo (nothing was held for them).
                do
                {
                    taken = await confirmations.ExpireAsync(settings.Time.GetUtcNow(), 200, stoppingToken);
                    if (taken > 0)
                    {
                        LogConfirmationsExpired(logger, taken);
                    }
                }
                while (taken > 0 && !stoppingToken.IsCancellationRequested);

                if (settings.Time.GetUtcNow() - _forgotten >= ForgetEvery)
                {
                    await controls.ForgetEndedAsync(stoppingToken);
                    _forgotten = settings.Time.GetUtcNow();
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogFailed(logger, e);
            }

            if (settings.RecoveryInterval is not { } interval)
            {
                return;
            }

            try
            {
                await Task.Delay(interval, settings.Time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Stops the sweep, then lets the captures of answered messages finish (what is left is the next start's).</summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await work.DrainAsync(TimeSpan.FromSeconds(5));
    }

    [LoggerMessage(EventId = 3101, Level = LogLevel.Information, Message = "Recovery took on {Count} unfinished SMS top-ups")]
    private static partial void LogSwept(ILogger logger, int count);

    [LoggerMessage(EventId = 3103, Level = LogLevel.Information, Message = "Recovery asked the banks again for {Count} refunds of reversals")]
    private static partial void LogRefundsRetried(ILogger logger, int count);

    [LoggerMessage(EventId = 3106, Level = LogLevel.Information, Message = "Recovery closed {Count} confirmations whose window passed")]
    private static partial void LogConfirmationsExpired(ILogger logger, int count);

    [LoggerMessage(EventId = 3102, Level = LogLevel.Error, Message = "Recovery sweep failed; it runs again shortly")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
