using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Mbushja.Domain;
using Mbushja.Server;
using Mbushja.Server.Http;
using Mbushja.Server.Tests;
using Mbushja.Storage;
using Mbushja.Testing;
using Mbushja.WebConsole.Users;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Mbushja.WebConsole.Tests;

/// <summary>
/// HTTPS on the server itself (README "HTTPS"): Kestrel serves the certificate given in configuration, every HTTPS
/// answer carries HSTS, and the console's cookies are <c>Secure</c>. Real TLS over 127.0.0.1, with a certificate made
/// here and a client that trusts it alone.
/// </summary>
public sealed class HttpsSpec
{
    private const string CertificatePassword = "test-pfx-pass-31c9";

    [Fact]
    public async Task Console_OverHttps_FromKestrelsCertificateConfiguration_HasHstsAndSecureCookies()
    {
        using X509Certificate2 certificate = SelfSigned();
        using var folder = new TempFolder();
        string pfx = await WritePkcs12Async(certificate, folder);

        // As ASP.NET Core reads it from the environment (Kestrel__Certificates__Default__Path, ...).
        await SignInOverHttpsAsync(certificate, s => s, app =>
        {
            app.Configuration["Kestrel:Certificates:Default:Path"] = pfx;
            app.Configuration["Kestrel:Certificates:Default:Password"] = CertificatePassword;
        });
    }

    [Fact]
    public async Task Console_OverHttps_FromAPkcs12File_HasHstsAndSecureCookies()
    {
        using X509Certificate2 certificate = SelfSigned();
        using var folder = new TempFolder();
        string pfx = await WritePkcs12Async(certificate, folder);

        await SignInOverHttpsAsync(certificate, s => s with { Https = new HttpsSettings { CertificatePath = pfx, Password = CertificatePassword } }, _ => { });
    }

    [Fact]
    public async Task Console_OverHttps_FromAPemCertificateAndItsEncryptedKey_HasHstsAndSecureCookies()
    {
        using X509Certificate2 certificate = SelfSigned();
        using var folder = new TempFolder();
        string pem = Path.Combine(folder.Path, "server.crt");
        string key = Path.Combine(folder.Path, "server.key");
        await File.WriteAllTextAsync(pem, certificate.ExportCertificatePem());
        using (ECDsa privateKey = certificate.GetECDsaPrivateKey()!)
        {
            await File.WriteAllTextAsync(key, privateKey.ExportEncryptedPkcs8PrivateKeyPem(
                CertificatePassword, new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 10_000)));
        }

        await SignInOverHttpsAsync(certificate, s => s with { Https = new HttpsSettings { CertificatePath = pem, KeyPath = key, Password = CertificatePassword } }, _ => { });
    }

    [Fact]
    public async Task Start_Pkcs12FileWithAWrongPassword_StopsWithTheReason_NeverThePassword()
    {
        using X509Certificate2 certificate = SelfSigned();
        using var folder = new TempFolder();
        string pfx = await WritePkcs12Async(certificate, folder);
        await using TestDatabase database = await TestDatabase.CreateAsync(DatabaseKind.Sqlite);

        ConfigurationException refused = await Assert.ThrowsAsync<ConfigurationException>(() => RunningServer.StartAsync(
            database.Option, configure: s => s with { Urls = "https://127.0.0.1:0", Https = new HttpsSettings { CertificatePath = pfx, Password = "wrong-pfx-SECRET" } }));

        Assert.Contains(pfx, refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("SECRET", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_CertificateWithoutAnHttpsAddress_StopsWithTheReason()
    {
        await using TestDatabase database = await TestDatabase.CreateAsync(DatabaseKind.Sqlite);

        ConfigurationException refused = await Assert.ThrowsAsync<ConfigurationException>(() => RunningServer.StartAsync(
            database.Option, configure: s => s with { Https = new HttpsSettings { CertificatePath = "/nowhere/server.pfx" } }));

        Assert.Contains("https://", refused.Message, StringComparison.Ordinal);
    }

    /// <summary>Signs in over HTTPS; the answers carry HSTS and set the antiforgery and session cookies Secure.</summary>
    private static async Task SignInOverHttpsAsync(X509Certificate2 certificate, Func<ServerSettings, ServerSettings> configure, Action<WebApplication> prepare)
    {
        await using TestDatabase database = await TestDatabase.CreateAsync(DatabaseKind.Sqlite);
        await using RunningServer server = await RunningServer.StartAsync(database.Option, configure: s => configure(s with { Urls = "https://127.0.0.1:0" }), prepare: prepare);
        Assert.StartsWith("https://", server.Http.BaseAddress!.OriginalString, StringComparison.Ordinal);
        ConsoleUsers users = server.App.Services.GetRequiredService<ConsoleUsers>();
        Assert.Null(await users.CreateAsync("tls.admin", ConsoleRole.Admin, null, ConsoleHost.Password, "test"));
        using var client = new ConsoleClient(server.Http.BaseAddress!, trust: certificate);

        using HttpResponseMessage page = await client.GetAsync(ConsoleSetup.SignInPath);
        string token = await client.TokenAsync(ConsoleSetup.SignInPath);
        using HttpResponseMessage signIn = await client.PostAsync(
            ConsoleSetup.SignInPath, ConsoleClient.Fields(("username", "tls.admin"), ("password", ConsoleHost.Password)), token);

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Matches("^max-age=[1-9][0-9]*", Assert.Single(page.Headers.GetValues("Strict-Transport-Security")));
        Assert.Contains("; secure", ConsoleClient.SetCookie(page, ConsoleSetup.AntiforgeryCookie), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        Assert.Contains("; secure", ConsoleClient.SetCookie(signIn, ConsoleSetup.SessionCookie), StringComparison.OrdinalIgnoreCase);
        (HttpStatusCode status, _) = await client.GetTextAsync("/console/users");
        Assert.Equal(HttpStatusCode.OK, status);
    }

    /// <summary>Writes the certificate with its key as a PKCS#12 file, under <see cref="CertificatePassword"/>; returns its path.</summary>
    private static async Task<string> WritePkcs12Async(X509Certificate2 certificate, TempFolder folder)
    {
        string pfx = Path.Combine(folder.Path, "server.pfx");
        await File.WriteAllBytesAsync(pfx, certificate.Export(X509ContentType.Pkcs12, CertificatePassword));
        return pfx;
    }

    /// <summary>A self-signed server certificate for 127.0.0.1 (and localhost), valid from yesterday for a month.</summary>
    internal static X509Certificate2 SelfSigned()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=mbushja test", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        DateTimeOffset now = DateTimeOffset.UtcNow;
        return request.CreateSelfSigned(now.AddDays(-1), now.AddDays(30));
    }
}
