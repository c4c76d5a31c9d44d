using Mbushja.Messaging;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Mbushja.TopUp;

/// <summary>
/// How SMS Top Up is registered (the bank connector, storage with the server's instance, ledger, accounts and messaging
/// are registered apart).
/// </summary>
public static class TopUpServices
{
    public static IServiceCollection AddSmsTopUp(this IServiceCollection services, ReplyTexts replies, TopUpOptions options, RenewalOptions? renewals = null)
    {
        services.AddSingleton(replies);
        services.AddSingleton(options);
        services.AddSingleton(renewals ?? RenewalOptions.Default);
        services.AddSingleton<Renewals>();
        services.AddSingleton<RenewalSweep>();
        services.AddSingleton<RenewalDesk>();
        services.AddSingleton<Registrations>();
        services.AddSingleton<TopUpPlanner>();
        services.AddSingleton<SmsTransactions>();
        services.AddSingleton<SmsTrail>();
        services.AddSingleton<IMessageTrail>(sp => sp.GetRequiredService<SmsTrail>());
        services.AddSingleton<TopUpTransfers>();
        services.AddSingleton<TopUpWork>();
        services.AddSingleton<WorkLeases>();
        services.AddSingleton<BankHoldFlow>();
        services.AddSingleton<SmsConfirmations>();
        services.AddSingleton<ConfirmationGate>();
        services.AddSingleton<TopUpProcessor>();
        services.AddSingleton<TopUpRecovery>();
        services.AddSingleton<TopUpReversals>();
        services.AddSingleton<Settlements>();
        services.AddSingleton<Reconciliations>();
        services.AddSingleton<InboundParts>();
        services.TryAddSingleton(ControlSettings.Default);
        services.AddSingleton<TopUpControls>();
        services.AddSingleton<SpendingCaps>();
        services.AddSingleton<SimChanges>();
        return services;
    }
}
