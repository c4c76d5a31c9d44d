using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Mbushja.Banks.Connector;

/// <summary>
/// Where a bank's API is, for banks whose endpoint is known only once the process runs (the sandbox bank on the
/// server's own port). Consulted for the banks that have no configured endpoint.
/// </summary>
public interface IBankEndpointSource
{
    /// <summary>The bank's endpoint, or null when this source does not serve it (or not yet).</summary>
    BankEndpoint? EndpointOf(string bankCode);
}

/// <summary>How the platform's one bank connector is registered.</summary>
public static class BankConnectorServices
{
    /// <summary>
    /// Registers the <see cref="IBankConnector"/>: the banks in <paramref name="endpoints"/> (their API and shared secret,
    /// from <c>--bank-api</c> and <c>MBUSHJA_BANK_SECRET_&lt;CODE&gt;</c>) are called there; any other bank at the endpoint
    /// an <see cref="IBankEndpointSource"/> gives, if one is registered; else it has no answer. Signatures, timeouts and
    /// back-off run on wall-clock time.
    /// </summary>
    public static IServiceCollection AddBankConnector(
        this IServiceCollection services, IEnumerable<BankEndpoint> endpoints, BankConnectorOptions? options = null)
    {
        Dictionary<string, BankEndpoint> configured = endpoints.ToDictionary(e => e.Code, StringComparer.OrdinalIgnoreCase);
        services.AddSingleton<IBankConnector>(sp =>
        {
            IBankEndpointSource[] others = [.. sp.GetServices<IBankEndpointSource>()];
            return new HttpBankConnector(
                code => configured.GetValueOrDefault(code) ?? others.Select(s => s.EndpointOf(code)).FirstOrDefault(e => e is not null),
                options,
                TimeProvider.System,
                sp.GetService<ILogger<HttpBankConnector>>());
        });
        return services;
    }
}
