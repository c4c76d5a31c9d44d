using Microsoft.Extensions.DependencyInjection;

namespace Mbushja.Accounts;

/// <summary>How subscribers, service accounts and the catalog's changes are registered.</summary>
public static class AccountsServices
{
    public static IServiceCollection AddAccounts(this IServiceCollection services)
    {
        services.AddSingleton<Subscribers>();
        services.AddSingleton<ServiceAccounts>();
        services.AddSingleton<CatalogChanges>();
        return services;
    }
}
