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
        return services;
    }
}
