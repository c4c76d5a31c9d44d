using System.Net;
using System.Security.Cryptography;
using System.Text;
using Mbushja.Domain;
using Mbushja.Http;
using Microsoft.AspNetCore.Http;

namespace Mbushja.Server.Http;

/// <summary>
/// Who may deliver messages to the gateway endpoints (README "SMS gateways"): callers from the allowed networks, with
/// the configured credentials when there are any (HTTP Basic or a bearer token). The admin key is admitted from
/// anywhere. The default admits loopback callers without credentials.
/// </summary>
public sealed record GatewayAccess
{
    public static GatewayAccess LoopbackOnly { get; } = new();

    /// <summary>Networks a gateway may call from; loopback by default.</summary>
    public IReadOnlyList<IPNetwork> AllowedNetworks { get; init; } = [IPNetwork.Parse("127.0.0.0/8"), IPNetwork.Parse("::1/128")];

    /// <summary>HTTP Basic credentials a gateway must send, as <c>user:password</c>; null for none.</summary>
    public string? BasicCredentials { get; init; }

    /// <summary>A bearer token a gateway must send; null for none.</summary>
    public string? BearerToken { get; init; }

    public bool RequiresCredentials => BasicCredentials is not null || BearerToken is not null;

    /// <summary>
    /// Reads a network as an operator writes it: CIDR (<c>10.20.0.0/16</c>, <c>2001:db8::/32</c>; no host bits beyond the prefix) or one address
    /// (<c>10.20.0.7</c>, a network of one). False for anything else, including host bits set beyond the prefix.
    /// </summary>
    public static bool TryParseNetwork(string? text, out IPNetwork network)
    {
        network = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        string[] parts = text.Trim().Split('/');
        if (parts.Length > 2 || !IPAddress.TryParse(parts[0], out IPAddress? address))
        {
            return false;
        }

        // IPAddress also reads inet_aton's short forms ("10.1" is 10.0.0.1): an allow-list wants all four parts.
        bool v4 = address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork;
        if (v4 && parts[0].Count(c => c == '.') != 3)
        {
            return false;
        }

        if (parts.Length == 1)
        {
            network = new IPNetwork(address, v4 ? 32 : 128);
            return true;
        }

        // .NET clears host bits silently (10.1.2.3/8 → 10.0.0.0/8); a typo like that should be seen, not widened.
        return IPNetwork.TryParse(text.Trim(), out network) && address.Equals(network.BaseAddress);
    }

    /// <summary>Without the credentials: records print every member.</summary>
    public override string ToString() =>
        $"GatewayAccess {{ AllowedNetworks = [{string.Join(", ", AllowedNetworks)}], Basic = {(BasicCredentials is null ? "none" : "(set)")}, "
        + $"Bearer = {(BearerToken is null ? "none" : "(set)")} }}";
}

/// <summary>Applies <see cref="GatewayAccess"/> to a group of endpoints; refusals are problem details.</summary>
public sealed class GatewayAccessFilter(GatewayAccess access) : IEndpointFilter
{
    private readonly byte[]? _basic = access.BasicCredentials is null ? null : Hash(access.BasicCredentials);
    private readonly byte[]? _bearer = access.BearerToken is null ? null : Hash(access.BearerToken);

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        HttpContext http = context.HttpContext;
        if (http.User.IsInRole(AdminKeyAuthenticationHandler.AdminRole))
        {
            return await next(context);
        }

        IPAddress? caller = http.Connection.RemoteIpAddress;
        if (caller is null || !access.AllowedNetworks.Any(n => n.Contains(caller.IsIPv4MappedToIPv6 ? caller.MapToIPv4() : caller)))
        {
            return Problems.Of(StatusCodes.Status403Forbidden, ErrorCodes.AddressNotAllowed, "This address may not deliver messages; ask the operator to allow it.");
        }

        if (access.RequiresCredentials && !HasCredentials(http.Request))
        {
            http.Response.Headers.WWWAuthenticate = "Basic realm=\"mbushja\"";
            return Problems.Of(StatusCodes.Status401Unauthorized, ErrorCodes.Unauthenticated, "Send the gateway's credentials (HTTP Basic or a bearer token).");
        }

        return await next(context);
    }

    private bool HasCredentials(HttpRequest request)
    {
        string? header = request.Headers.Authorization;
        if (header is null)
        {
            return false;
        }

        if (_bearer is not null && header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return CryptographicOperations.FixedTimeEquals(Hash(header["Bearer ".Length..].Trim()), _bearer);
        }

        if (_basic is not null && header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                string decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header["Basic ".Length..].Trim()));
                return CryptographicOperations.FixedTimeEquals(Hash(decoded), _basic);
            }
            catch (FormatException)
            {
                return false;
            }
        }

        return false;
    }

    private static byte[] Hash(string value) => SHA256.HashData(Encoding.UTF8.GetBytes(value));
}
