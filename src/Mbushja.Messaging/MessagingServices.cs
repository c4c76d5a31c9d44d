using Microsoft.Extensions.DependencyInjection;

namespace Mbushja.Messaging;

/// <summary>How the outbox is registered.</summary>
public static class MessagingServices
{
    /// <summary>
    /// Registers the outbox, its wake-up signal and the record of SMPP reply parts. The feature that keeps messages'
    /// trails registers an <see cref="IMessageTrail"/>; the host registers an <see cref="IOutboundSmsGateway"/> with
    /// <see cref="AddOutboundGateway"/> when replies can leave.
    /// </summary>
    public static IServiceCollection AddMessaging(this IServiceCollection services, OutboxOptions options)
    {
        services.AddSingleton(options);
        services.AddSingleton<SmsOutbox>();
        services.AddSingleton<OutboxSignal>();
        services.AddSingleton<SmsSubmits>();
        return services;
    }

    /// <summary>Replies leave through <paramref name="gateway"/>, sent by the outbox's dispatcher.</summary>
    public static IServiceCollection AddOutboundGateway(this IServiceCollection services, Func<IServiceProvider, IOutboundSmsGateway> gateway)
    {
        services.AddSingleton(gateway);
        services.AddSingleton<OutboxDispatcher>();
        return services;
    }
}
