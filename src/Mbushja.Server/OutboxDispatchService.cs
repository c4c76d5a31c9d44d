using Mbushja.Messaging;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Mbushja.Server;

/// <summary>
/// Sends the outbox's pending replies through the configured outbound gateway (SMPP or Kannel), round after round.
/// Without one (no <c>--smsc</c>, no <c>--kannel-sendsms</c>) it says so once and stops: pending replies stay pending. Several servers on one
/// database share the work; the outbox's claim keeps a reply from being sent by two.
/// </summary>
public sealed partial class OutboxDispatchService(
    IServiceProvider services, ServerSettings settings, OutboxSignal signal, ILogger<OutboxDispatchService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (services.GetService<OutboxDispatcher>() is not { } dispatcher)
        {
            LogNotConfigured(logger);
            return;
        }

        if (dispatcher.Gateway is Kannel.KannelSendSms)
        {
            LogSending(logger, dispatcher.Gateway.Name, settings.Kannel.SafeUrl ?? "");
            if (settings.Kannel is { Username: null } or { Password: null })
            {
                LogNoCredentials(logger);
            }
        }
        else
        {
            string binds = string.Join(", ", settings.Smpp.Binds.Select(b => b.Describe()));
            LogSending(logger, dispatcher.Gateway.Name, binds);
        }

        OutboxOptions options = settings.Outbox;
        while (!stoppingToken.IsCancellationRequested)
        {
            Task woken = signal.Arm();
            int handled = 0;
            try
            {
                handled = await dispatcher.DispatchDueAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                LogFailed(logger, e);
            }

            // A full round may have left more behind: go on at once.
            if (handled >= options.Batch)
            {
                continue;
            }

            // The next look comes after the poll interval, or at once when this process commits a reply.
            await Task.WhenAny(woken, Task.Delay(options.PollInterval, settings.Time, stoppingToken));
            if (stoppingToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    [LoggerMessage(EventId = 3211, Level = LogLevel.Information, Message = "Outbound SMS is not configured (no --smsc, no --kannel-sendsms): replies the platform must send itself stay pending")]
    private static partial void LogNotConfigured(ILogger logger);

    [LoggerMessage(EventId = 3212, Level = LogLevel.Information, Message = "Outbound SMS through {Gateway} at {Url}")]
    private static partial void LogSending(ILogger logger, string gateway, string url);

    [LoggerMessage(EventId = 3213, Level = LogLevel.Warning, Message = "MBUSHJA_KANNEL_USERNAME or MBUSHJA_KANNEL_PASSWORD is not set: Kannel will likely refuse sendsms")]
    private static partial void LogNoCredentials(ILogger logger);

    [LoggerMessage(EventId = 3214, Level = LogLevel.Error, Message = "Outbox round failed; it runs again shortly")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
