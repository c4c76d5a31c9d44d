using Mbushja.Server.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;

namespace Mbushja.Server;

/// <summary>
/// The web host: Kestrel's addresses and limits, HTTPS and the trusted proxies (<see cref="TransportSecurity"/>), and
/// logs that never print what the platform must not log.
/// </summary>
internal static class HostSetup
{
    public static WebApplicationBuilder CreateBuilder(ServerSettings settings)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = "Mbushja" });
        builder.WebHost.UseUrls(settings.Urls);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = settings.MaxRequestBodyBytes;
        });
        builder.AddTransportSecurity(settings);
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(settings.MinimumLogLevel);
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss ";
        });
        foreach (ILoggerProvider provider in settings.LogProviders)
        {
            builder.Logging.AddProvider(provider);
        }

        // ASP.NET Core's request logs print paths, and paths carry MSISDNs: only warnings from it.
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Information);
        // Data protection seals the console's cookies with keys kept in the database (ConsoleKeys), which holds the users,
        // their password hashes and the money already, and is guarded as such: its "keys not encrypted at rest" warning
        // says nothing new.
        builder.Logging.AddFilter("Microsoft.AspNetCore.DataProtection", LogLevel.Error);
        return builder;
    }
}
