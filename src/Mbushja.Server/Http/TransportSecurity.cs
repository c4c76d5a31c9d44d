using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Mbushja.Domain;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using IPNetwork = System.Net.IPNetwork;

namespace Mbushja.Server.Http;

/// <summary>
/// The server's own HTTPS (README "HTTPS"): a PKCS#12 file, or a PEM certificate with its key. The password is a
/// secret: from the environment, never printed.
/// </summary>
public sealed record HttpsSettings
{
    public static HttpsSettings None { get; } = new();

    /// <summary>A PKCS#12 file (<c>.pfx</c>, <c>.p12</c>) or a PEM file with the certificate (chain), and its key unless <see cref="KeyPath"/>.</summary>
    public string? CertificatePath { get; init; }

    /// <summary>The PEM private key of a PEM certificate, in a file of its own.</summary>
    public string? KeyPath { get; init; }

    /// <summary>The PKCS#12 file's password, or the encrypted PEM key's; null for none.</summary>
    public string? Password { get; init; }

    /// <summary>Without the password: records print every member.</summary>
    public override string ToString() =>
        CertificatePath is null ? "HttpsSettings { none }"
            : $"HttpsSettings {{ Certificate = {CertificatePath}, Key = {KeyPath ?? "(in the certificate's file)"}, Password = {(Password is null ? "none" : "(set)")} }}";
}

/// <summary>
/// What makes a request HTTPS, and from whom (README "HTTPS", "Behind a TLS proxy"): Kestrel serves HTTPS with the
/// certificate of <see cref="HttpsSettings"/> or of its own configuration (<c>Kestrel:Certificates:Default</c>); a TLS
/// proxy's <c>X-Forwarded-For</c> and <c>X-Forwarded-Proto</c> are believed from the trusted proxies alone; and an HTTPS
/// answer carries HSTS. The console's cookies are Secure on a request that is HTTPS (ConsoleSetup).
/// </summary>
public static class TransportSecurity
{
    /// <summary>The trusted proxies in the host's configuration (the environment: <c>Mbushja__TrustedProxies=10.0.0.5,10.0.1.0/24</c>).</summary>
    public const string TrustedProxiesKey = "Mbushja:TrustedProxies";

    /// <summary>How long a browser keeps to HTTPS after an answer: a year.</summary>
    public static readonly TimeSpan HstsMaxAge = TimeSpan.FromDays(365);

    internal static void AddTransportSecurity(this WebApplicationBuilder builder, ServerSettings settings)
    {
        // Without it, an https:// address stops the start (the slim host leaves HTTPS out); with it, Kestrel also reads
        // its own certificate configuration.
        builder.WebHost.UseKestrelHttpsConfiguration();
        if (LoadCertificate(settings.Https, settings.Time.GetUtcNow()) is { } certificate)
        {
            builder.WebHost.ConfigureKestrel(k => k.ConfigureHttpsDefaults(https => https.ServerCertificate = certificate));
        }

        IReadOnlyList<IPNetwork> proxies = [.. settings.TrustedProxies, .. TrustedProxiesIn(builder.Configuration)];
        // After every other configuration, ASP.NET Core's own (ASPNETCORE_FORWARDEDHEADERS_ENABLED) included, which
        // believes any caller: here the trusted proxies alone, and nobody without them.
        builder.Services.PostConfigure<ForwardedHeadersOptions>(o =>
        {
            o.KnownProxies.Clear();
            o.KnownIPNetworks.Clear();
            o.ForwardedHeaders = proxies.Count == 0 ? ForwardedHeaders.None : ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            // Every hop is checked: the headers are read from the right while the sender is a trusted proxy.
            o.ForwardLimit = null;
            foreach (IPNetwork network in proxies)
            {
                o.KnownIPNetworks.Add(network);
            }
        });
        builder.Services.AddHsts(o =>
        {
            o.MaxAge = HstsMaxAge;
            // Browsers ignore HSTS for an IP address (RFC 6797 §8.1), so 127.0.0.1 may have it; a developer's
            // "localhost" should not be held to HTTPS for a year.
            o.ExcludedHosts.Clear();
            o.ExcludedHosts.Add("localhost");
        });
    }

    /// <summary>First in the pipeline: the proxy's headers read, then HSTS on every HTTPS answer.</summary>
    internal static void UseTransportSecurity(this WebApplication app)
    {
        if (app.Services.GetRequiredService<IOptions<ForwardedHeadersOptions>>().Value.ForwardedHeaders != ForwardedHeaders.None)
        {
            app.UseForwardedHeaders();
        }

        app.UseHsts();
    }

    /// <summary>
    /// The networks of <see cref="TrustedProxiesKey"/>: one value of addresses or CIDR networks separated by commas or
    /// spaces, or a list of them. A value that is not one stops the start, with the reason.
    /// </summary>
    public static IReadOnlyList<IPNetwork> TrustedProxiesIn(IConfiguration configuration)
    {
        IConfigurationSection section = configuration.GetSection(TrustedProxiesKey);
        IEnumerable<string> values = [section.Value ?? "", .. section.GetChildren().Select(c => c.Value ?? "")];
        var networks = new List<IPNetwork>();
        var errors = new List<string>();
        foreach (string text in values.SelectMany(v => v.Split([',', ' ', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
        {
            if (GatewayAccess.TryParseNetwork(text, out IPNetwork network))
            {
                networks.Add(network);
            }
            else
            {
                errors.Add($"{TrustedProxiesKey}: '{text}' is not a network: write CIDR (10.0.1.0/24, no host bits) or an address.");
            }
        }

        return errors.Count > 0 ? throw new ConfigurationException(errors) : networks;
    }

    /// <summary>The certificate of <paramref name="https"/> with its private key, or why it cannot be used.</summary>
    internal static X509Certificate2? LoadCertificate(HttpsSettings https, DateTimeOffset now)
    {
        if (https.CertificatePath is not { } path)
        {
            return https.KeyPath is null ? null : throw new ConfigurationException(["An HTTPS key (--https-certificate-key) needs its certificate (--https-certificate)."]);
        }

        X509Certificate2 certificate;
        try
        {
            certificate = IsPem(path) ? LoadPem(path, https) : LoadPkcs12(path, https);
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            // The reasons name the file, never the password.
            throw new ConfigurationException([$"The HTTPS certificate {path} cannot be used: {e.Message}"]);
        }

        string? problem = !certificate.HasPrivateKey ? "it has no private key (give its key file with --https-certificate-key)"
            : certificate.NotAfter.ToUniversalTime() < now.UtcDateTime ? $"it expired on {certificate.NotAfter.ToUniversalTime():yyyy-MM-dd HH:mm}Z"
            : null;
        if (problem is not null)
        {
            certificate.Dispose();
            throw new ConfigurationException([$"The HTTPS certificate {path} cannot be used: {problem}."]);
        }

        return certificate;
    }

    private static X509Certificate2 LoadPkcs12(string path, HttpsSettings https) =>
        https.KeyPath is not null
            ? throw new ArgumentException("a PKCS#12 file holds its own key: --https-certificate-key is for a PEM certificate.")
            : X509CertificateLoader.LoadPkcs12FromFile(path, https.Password);

    private static X509Certificate2 LoadPem(string path, HttpsSettings https) =>
        https.Password is null
            ? X509Certificate2.CreateFromPemFile(path, https.KeyPath)
            : X509Certificate2.CreateFromEncryptedPemFile(path, https.Password, https.KeyPath);

    /// <summary>PEM is text with a "-----BEGIN" line (perhaps after lines of comment); PKCS#12 is DER, binary.</summary>
    private static bool IsPem(string path)
    {
        var start = new byte[4096];
        using FileStream file = File.OpenRead(path);
        int read = file.ReadAtLeast(start, start.Length, throwOnEndOfStream: false);
        return System.Text.Encoding.ASCII.GetString(start, 0, read).Contains("-----BEGIN", StringComparison.Ordinal);
    }
}
