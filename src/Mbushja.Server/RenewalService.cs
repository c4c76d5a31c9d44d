using Mbushja.TopUp;
using Mbushja.Ussd;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Mbushja.Server;

/// <summary>
/// Runs the renewal sweeps (<see cref="RenewalSweep"/> for SMS Top Up, <see cref="UssdRenewalSweep"/> for renewals from
/// prepaid credit: reminders, renewals on their due day, reports) every
/// <see cref="RenewalOptions.Interval"/>. Every server runs it; each reminder, try and report is decided by a unique id
/// or a conditional change in the database, so of several servers one does each (docs/design/renewals.md).
/// </summary>
public sealed partial class RenewalService(
    RenewalSweep sweep, UssdRenewalSweep ussd, RenewalOptions options, ServerSettings settings, IHostApplicationLifetime lifetime, ILogger<RenewalService> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // A renewal's try asks the bank, and the sandbox bank listens on this server's own address.
        if (!await HostStart.WaitAsync(lifetime, stoppingToken))
        {
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                RenewalSweepResult done = await sweep.RunAsync(stoppingToken);
                if (done != new RenewalSweepResult(0, 0, 0, 0))
                {
                    LogSwept(logger, done.Reminded, done.Tried, done.Reported, done.Ended);
                }

                UssdRenewalSweepResult credit = await ussd.RunAsync(stoppingToken);
                if (credit != UssdRenewalSweepResult.None)
                {
                    LogSweptUssd(logger, credit.Reminded, credit.Paid, credit.Refused, credit.Reported, credit.Ended);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                LogFailed(logger, e);
            }

            try
            {
                await Task.Delay(options.Interval, settings.Time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    [LoggerMessage(EventId = 3510, Level = LogLevel.Information, Message = "Renewals: {Reminded} reminded, {Tried} tried, {Reported} reported, {Ended} ended")]
    private static partial void LogSwept(ILogger logger, int reminded, int tried, int reported, int ended);

    [LoggerMessage(EventId = 3512, Level = LogLevel.Information, Message = "USSD renewals: {Reminded} reminded, {Paid} paid, {Refused} refused, {Reported} reported, {Ended} ended")]
    private static partial void LogSweptUssd(ILogger logger, int reminded, int paid, int refused, int reported, int ended);

    [LoggerMessage(EventId = 3511, Level = LogLevel.Error, Message = "The renewal sweep failed; it runs again at its next interval")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
