using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Mbushja.Domain;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Mbushja.Server.Http;

/// <summary>The admin key that <c>Authorization: Bearer</c> must carry.</summary>
public sealed record AdminKey(string Value)
{
    /// <summary>
    /// The key's SHA-256, what a given key is compared with (equal lengths, in constant time). Hashed once: an
    /// authentication handler is made for every request, gateway callbacks included.
    /// </summary>
    public byte[] Hash { get; } = AdminKeyAuthenticationHandler.HashOf(Value);

    /// <summary>The shortest admin key a server starts with: a shorter one is guessed sooner (a generated one has 43).</summary>
    public const int MinLength = 32;

    /// <summary>Whether a key is long enough to start with; blanks around it do not count.</summary>
    public static bool IsLongEnough(string? key) => key is not null && key.Trim().Length >= MinLength;

    /// <summary>Never the key: a record would print it.</summary>
    public override string ToString() => "AdminKey { (set) }";
}

/// <summary>
/// Authenticates <c>Authorization: Bearer &lt;admin key&gt;</c>. Compared in constant time; the key is never logged.
/// A missing or wrong key is answered 401 with a problem body.
/// </summary>
public sealed class AdminKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    AdminKey key)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "AdminKey";
    public const string AdminRole = "admin";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? header = Request.Headers.Authorization;
        if (string.IsNullOrEmpty(header))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return Task.FromResult(AuthenticateResult.Fail("Not a bearer token."));
        }

        if (!CryptographicOperations.FixedTimeEquals(HashOf(header["Bearer ".Length..].Trim()), key.Hash))
        {
            return Task.FromResult(AuthenticateResult.Fail("Wrong key."));
        }

        // Named "api" in the audit logs (the console's admin users are people; this is whoever holds the key).
        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, Mbushja.WebConsole.Users.ConsoleAudit.ApiActor), new Claim(ClaimTypes.Role, AdminRole)], SchemeName);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }

    internal static byte[] HashOf(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer";
        Response.ContentType = "application/problem+json";
        string detail = string.IsNullOrEmpty(Request.Headers.Authorization)
            ? "Send the admin key as 'Authorization: Bearer <key>'."
            : "The key is not valid.";
        await Response.WriteAsync(JsonSerializer.Serialize(new
        {
            type = "https://tools.ietf.org/html/rfc9110#section-15.5.2",
            title = "Unauthorized",
            status = 401,
            detail,
            code = ErrorCodes.Unauthenticated,
        }));
    }
}
