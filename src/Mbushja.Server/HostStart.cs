using Microsoft.Extensions.Hosting;

namespace Mbushja.Server;

/// <summary>For background work that must not begin before the server takes traffic (the sandbox bank, for one, listens on its address).</summary>
internal static class HostStart
{
    /// <summary>Waits until the application has started; false when it is stopping first.</summary>
    public static async Task<bool> WaitAsync(IHostApplicationLifetime lifetime, CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource();
        await using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        await using (stoppingToken.Register(() => started.TrySetCanceled(stoppingToken)))
        {
            try
            {
                await started.Task;
                return true;
            }
            catch (OperationCanceledException)
            {
                return false;
            }
        }
    }
}
