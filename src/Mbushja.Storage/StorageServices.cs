using Mbushja.Storage.Commits;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Mbushja.Storage;

/// <summary>How the database and the commit queue are registered.</summary>
public static class StorageServices
{
    /// <summary>Registers <paramref name="database"/> (migrated already) and the one <see cref="CommitQueue"/> every durable write goes through.</summary>
    public static IServiceCollection AddStorage(this IServiceCollection services, Database database, TimeProvider time, CommitQueueOptions? options = null)
    {
        services.AddSingleton(database);
        services.AddSingleton(sp => new CommitQueue(database, time, options, sp.GetService<ILogger<CommitQueue>>()));
        services.AddSingleton<Rollups.DailyRollups>();
        return services;
    }

    /// <summary>Registers who this server is among the servers on the database (<see cref="ServerInstance"/>) and their table.</summary>
    public static IServiceCollection AddServerInstance(this IServiceCollection services, ServerInstance instance)
    {
        services.AddSingleton(instance);
        services.AddSingleton<ServerInstances>();
        return services;
    }
}
