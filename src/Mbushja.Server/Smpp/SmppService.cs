using Mbushja.Smpp.Session;
using Mbushja.TopUp;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Mbushja.Server.Smpp;

/// <summary>
/// Runs the SMPP binds once the server takes traffic (received messages are carried on through the bank, which may be
/// the sandbox on this server's own address), sweeps long messages whose parts stopped coming and forgets old
/// redelivery keys, and at shutdown unbinds every session cleanly (§4.2) after what is in flight is answered.
/// </summary>
public sealed partial class SmppService(
    SmppClientGroup binds,
    SmppInbox inbox,
    InboundParts parts,
    SmsTransactions transactions,
    SmppSettings settings,
    ServerSettings server,
    IHostApplicationLifetime lifetime,
    ILogger<SmppService> logger,
    SmppUssdDialogues? dialogues = null) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!await HostStart.WaitAsync(lifetime, stoppingToken))
        {
            return;
        }

        string described = string.Join(", ", settings.Binds.Select(b => b.Describe()));
        LogStarting(logger, binds.Clients.Count, described);
        if (settings.SharesBinds)
        {
            string limit = settings.DescribeLimit();
            LogSharing(logger, limit, settings.BindLease);
        }

        binds.Start();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await inbox.SweepAsync(stoppingToken);
                DateTimeOffset forgotten = server.Time.GetUtcNow() - settings.RedeliveryWindow;
                await transactions.ForgetRedeliveriesAsync(forgotten, stoppingToken);
                await parts.ForgetAsync(forgotten, stoppingToken);
                if (dialogues is not null)
                {
                    // Long past any session timeout and any redelivery of their last step.
                    await dialogues.PurgeAsync(server.Time.GetUtcNow() - DialogueLifetime, stoppingToken);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogSweepFailed(logger, e);
            }

            try
            {
                await Task.Delay(settings.SweepInterval, server.Time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private static readonly TimeSpan DialogueLifetime = TimeSpan.FromHours(1);

    /// <summary>Unbinds every session: messages being stored are answered first, replies in flight get their responses.</summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await binds.StopAsync(cancellationToken);
    }

    [LoggerMessage(EventId = 4121, Level = LogLevel.Information, Message = "SMPP: {Count} bind(s): {Binds}")]
    private static partial void LogStarting(ILogger logger, int count, string binds);

    [LoggerMessage(EventId = 4123, Level = LogLevel.Information, Message = "SMPP: the binds are shared with the other servers on this database by lease ({Limit} per system_id, leases of {Lease})")]
    private static partial void LogSharing(ILogger logger, string limit, TimeSpan lease);

    [LoggerMessage(EventId = 4122, Level = LogLevel.Error, Message = "SMPP sweep failed; it runs again shortly")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);
}
