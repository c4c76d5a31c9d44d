using Mbushja.Ussd;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Mbushja.Server;

/// <summary>
/// Deletes USSD sessions nobody has touched for <see cref="UssdSettings.KeepSessions"/> (payments stay: they are
/// their own table), a bounded bite at a time, every few minutes. Several servers may do it at once; a row is
/// deleted once whoever deletes it.
/// </summary>
public sealed partial class UssdSweepService(UssdSessions sessions, UssdMenu menu, ServerSettings settings, ILogger<UssdSweepService> logger)
    : BackgroundService
{
    private const int Bite = 1000;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                DateTimeOffset before = settings.Time.GetUtcNow() - menu.Settings.KeepSessions;
                int deleted;
                do
                {
                    deleted = await sessions.PurgeAsync(before, Bite, stoppingToken);
                }
                while (deleted == Bite && !stoppingToken.IsCancellationRequested);
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
                await Task.Delay(TimeSpan.FromMinutes(5), settings.Time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    [LoggerMessage(EventId = 4321, Level = LogLevel.Error, Message = "Deleting old USSD sessions failed; tried again later")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
