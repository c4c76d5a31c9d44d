using Mbushja.Storage;
using Mbushja.TopUp;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Mbushja.Server;

/// <summary>
/// The server's heartbeat: every <see cref="TopUpOptions.LeaseRenewal"/>, one commit renews the leases of the work it
/// runs and its instance's row (<see cref="WorkLeases.RenewAsync"/>), so that no other server takes a live worker's
/// message, and a dead server's is taken over once its leases run out. A server whose instance id another start took
/// stops: two servers with one id would take each other's work as their own. At a clean stop it says so, so that its
/// restart need not wait. docs/design/replies-and-leases.md.
/// </summary>
public sealed partial class LeaseHeartbeatService(
    WorkLeases leases, ServerInstances instances, ServerSettings settings, IHostApplicationLifetime lifetime, ILogger<LeaseHeartbeatService> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        TimeSpan every = settings.TopUp.LeaseRenewal;
        var failures = new OncePer(settings.TopUp.Lease, settings.Time);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(every, settings.Time, stoppingToken);
                await leases.RenewAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (InstanceTakenException e)
            {
                LogTaken(logger, instances.Me.Id, e.Message);
                lifetime.StopApplication();
                return;
            }
            catch (Exception e)
            {
                // A database that takes no writes (a failover): the leases run out meanwhile, and whoever sweeps after
                // it finds the work; every step of it is conditional on the state before it. Said once a lease at most.
                if (failures.Now())
                {
                    LogFailed(logger, e.Message);
                }
            }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try
        {
            await instances.StoppedAsync(cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Not said: a restart waits for the heartbeat to fall silent instead (one lease at most).
            LogFailed(logger, e.Message);
        }
    }

    [LoggerMessage(EventId = 3104, Level = LogLevel.Critical,
        Message = "Instance {Instance}: another server started with this instance id ({Reason}); stopping. Give every server its own --instance-id")]
    private static partial void LogTaken(ILogger logger, string instance, string reason);

    [LoggerMessage(EventId = 3105, Level = LogLevel.Warning, Message = "The leases of the work under way could not be renewed ({Reason}); trying again")]
    private static partial void LogFailed(ILogger logger, string reason);
}

/// <summary>
/// Whether to say something that may repeat often: yes the first time, then once per <paramref name="every"/> at most.
/// (The heartbeat once started its "last said" at <see cref="long.MinValue"/>: the first failure's subtraction overflowed,
/// and the exception stopped the server.)
/// </summary>
public sealed class OncePer(TimeSpan every, TimeProvider time)
{
    private long? _said;

    public bool Now()
    {
        long now = time.GetTimestamp();
        if (_said is { } said && time.GetElapsedTime(said, now) < every)
        {
            return false;
        }

        _said = now;
        return true;
    }
}
