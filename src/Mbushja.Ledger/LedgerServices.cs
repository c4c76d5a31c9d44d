using Microsoft.Extensions.DependencyInjection;

namespace Mbushja.Ledger;

/// <summary>How the ledger is registered.</summary>
public static class LedgerServices
{
    /// <summary>Registers the ledger (taking part in the registered commit queue's batches) and its reads.</summary>
    public static IServiceCollection AddLedger(this IServiceCollection services)
    {
        services.AddSingleton<LedgerEngine>();
        services.AddSingleton<LedgerQueries>();
        return services;
    }
}
