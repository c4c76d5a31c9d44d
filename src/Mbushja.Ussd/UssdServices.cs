using Microsoft.Extensions.DependencyInjection;

namespace Mbushja.Ussd;

/// <summary>How USSD <c>*101#</c> is registered (storage, ledger, accounts and messaging are registered apart).</summary>
public static class UssdServices
{
    public static IServiceCollection AddUssd(this IServiceCollection services, UssdMenu menu)
    {
        services.AddSingleton(menu);
        services.AddSingleton<UssdSessions>();
        services.AddSingleton<UssdPayments>();
        services.AddSingleton<UssdRenewals>();
        services.AddSingleton<UssdRenewalSweep>();
        services.AddSingleton<IUssdData, UssdData>();
        services.AddSingleton<UssdEngine>();
        services.AddSingleton<UssdService>();
        return services;
    }
}
