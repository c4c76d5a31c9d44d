using Microsoft.Extensions.DependencyInjection;

namespace Mbushja.Sms;

/// <summary>How the banks' short codes and grammars, and the interpreter that reads them, are registered.</summary>
public static class SmsServices
{
    public static IServiceCollection AddSmsGrammars(this IServiceCollection services, BankDirectory banks)
    {
        services.AddSingleton(banks);
        services.AddSingleton<SmsInterpreter>();
        return services;
    }
}
