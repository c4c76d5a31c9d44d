using Mbushja.Server.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
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
        // A start that fails (an address in use) is reported by whoever starts the host (the CLI: one line); the host's own
        // "Hosting failed to start" would repeat it with a stack trace. After the start, the host's errors are logged.
        var start = new StartLogging();
        builder.Services.AddSingleton(start);
        builder.Logging.AddFilter(HostCategory, level => level < LogLevel.Error || start.Started);
        return builder;
    }

    /// <summary>Marks the start done, so the host's own errors (a background service that fails) are logged again.</summary>
    public static void LogHostErrorsOnceStarted(WebApplication app)
    {
        StartLogging start = app.Services.GetRequiredService<StartLogging>();
        app.Lifetime.ApplicationStarted.Register(() => start.Started = true);
    }

    private const string HostCategory = "Microsoft.Extensions.Hosting.Internal.Host";

    private sealed class StartLogging
    {
        public volatile bool Started;
    }
}
