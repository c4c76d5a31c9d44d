using Mbushja.Accounts;
using Mbushja.Banks.Connector;
using Mbushja.Domain;
using Mbushja.Ledger;
using Mbushja.Messaging;
using Mbushja.Sandbox;
using Mbushja.Server.Http;
using Mbushja.Server.Kannel;
using Mbushja.Server.Smpp;
using Mbushja.Smpp.Session;
using Mbushja.Sms;
using Mbushja.Storage;
using Mbushja.Storage.Commits;
using Mbushja.Storage.Rollups;
using Mbushja.TopUp;
using Mbushja.Ussd;
using Mbushja.WebConsole;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Mbushja.Server;

/// <summary>
/// Builds the server, the way every part registers itself (each project's <c>AddXxx</c>): configuration, database and
/// commit queue, ledger, accounts, messaging, SMS Top Up, USSD, the bank connector (and the sandbox bank for banks
/// without an API), the gateways, the console and the APIs.
/// </summary>
public static partial class MbushjaServer
{
    /// <summary>
    /// Loads the configuration, brings the database schema up to date, loads demo data when asked, and returns the
    /// application ready to start. A bad configuration throws <see cref="ConfigurationException"/> with every reason.
    /// </summary>
    public static async Task<WebApplication> BuildAsync(ServerSettings settings, CancellationToken ct = default)
    {
        ServerChecks.Check(settings);
        string configDirectory = settings.ConfigDirectory ?? OperatorConfig.DefaultDirectory;
        OperatorConfig config = OperatorConfig.Load(configDirectory);
        BankDirectory banks = BankDirectory.Load(configDirectory);
        ServerChecks.CheckBankEndpoints(settings.BankEndpoints, banks);
        ReplyTexts replies = ReplyTexts.Load(configDirectory);
        UssdMenu ussdMenu = UssdMenu.Load(configDirectory, config.Catalog);
        string[] bankCodes = [.. banks.Banks.Select(b => b.Code)];

        // Only its owner may read or write the data folder and what it keeps (README "Security").
        DataFolder.Open(settings.DataDirectory);
        WebApplicationBuilder builder = HostSetup.CreateBuilder(settings);
        Database database = Database.FromOption(settings.Db, settings.DataDirectory);
        IReadOnlyList<string> tightened = DataFolder.Tighten(settings.DataDirectory, database.SqliteFile);
        // A server started while no primary takes writes (a failover) waits for one rather than exiting.
        await Failover.UntilWritableAsync(database.MigrateAsync, settings.Time, WaitingForDatabase, ct);

        IServiceCollection services = builder.Services;
        services.AddSingleton(settings);
        services.AddSingleton(config);
        services.AddSingleton(config.Numbering);
        services.AddSingleton(settings.Time);
        services.AddSingleton(new OperatorClock(settings.Time, config.TimeZone));
        services.AddStorage(database, settings.Time);
        // Who this server is among those on the database: the holder of its leases (docs/design/replies-and-leases.md).
        services.AddServerInstance(ServerInstance.Start(settings.InstanceId ?? ServerInstance.DefaultId(settings.DataDirectory)));
        services.AddLedger();
        services.AddAccounts();
        services.AddMessaging(settings.Outbox);
        services.AddSmsGrammars(banks);
        services.AddSingleton(ControlSettings.Load(configDirectory));
        services.AddSmsTopUp(replies, settings.TopUp, settings.Renewals);
        services.AddUssd(ussdMenu);
        // Banks with a configured API are called there; the sandbox bank answers for the others, over real HTTP on this
        // server's own address.
        services.AddBankConnector(settings.BankEndpoints);
        services.AddSandboxBank(bankCodes.Where(code => !settings.BankEndpoints.Any(e => string.Equals(e.Code, code, StringComparison.OrdinalIgnoreCase))));
        AddGateways(services, settings);
        // Before the sweep: hosted services stop in reverse, so leases are renewed until the work left running drains.
        services.AddHostedService<LeaseHeartbeatService>();
        services.AddHostedService<TopUpRecoveryService>();
        services.AddHostedService<OutboxDispatchService>();
        services.AddHostedService<UssdSweepService>();
        services.AddHostedService<RenewalService>();
        services.AddMbushjaApis(settings);
        services.AddMbushjaConsole(new ConsoleHosting(settings.Console, settings.Time, settings.DataDirectory, bankCodes) { Phone = PhoneEmulatorFor(settings) });

        WebApplication app = builder.Build();
        HostSetup.LogHostErrorsOnceStarted(app);
        app.UseTransportSecurity();
        LogStartWarnings(app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Mbushja.Server"), settings, tightened);
        app.UseMbushjaApis();
        app.UseConsoleHeaders();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapMbushjaApis(settings);
        app.MapSandboxBank();
        app.MapMbushjaConsole();
        app.MapGet("/", () => TypedResults.Redirect(ConsoleSetup.Root)).ExcludeFromDescription();
        app.MapPrometheusMetrics();

        // This server's instance id is its own (a live server holding it refuses the start); the leases its last run
        // held end now, so that the first sweep takes its unfinished work back at once.
        int ended = 0;
        try
        {
            await Failover.UntilWritableAsync(
                token => app.Services.GetRequiredService<ServerInstances>().RegisterAsync(settings.TopUp.Lease, token), settings.Time, WaitingForDatabase, ct);
            await Failover.UntilWritableAsync(
                async token => ended = await app.Services.GetRequiredService<WorkLeases>().EndOwnAsync(token), settings.Time, WaitingForDatabase, ct);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        if (ended > 0)
        {
            ILogger startLogger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Mbushja.Server");
            string instance = app.Services.GetRequiredService<ServerInstance>().Id;
            LogTakingBack(startLogger, instance, ended);
        }

        // A database an older version wrote gets the dashboard's roll-ups from its messages and payments, once.
        int? rebuilt = null;
        await Failover.UntilWritableAsync(
            async token => rebuilt = await DashboardRollups.RebuildIfMissingAsync(
                database, app.Services.GetRequiredService<DailyRollups>(), app.Services.GetRequiredService<CommitQueue>(), app.Services.GetRequiredService<OperatorClock>(), token),
            settings.Time,
            WaitingForDatabase,
            ct);
        if (rebuilt is { } rows)
        {
            ILogger startLogger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Mbushja.Server");
            LogRollupsRebuilt(startLogger, rows);
        }

        // Prices and fees recorded over the catalog file, in force from the first request on.
        await Failover.UntilWritableAsync(app.Services.GetRequiredService<CatalogChanges>().RefreshAsync, settings.Time, WaitingForDatabase, ct);
        if (settings.Demo)
        {
            await Failover.UntilWritableAsync(token => DemoData.LoadAsync(app.Services, settings, token), settings.Time, WaitingForDatabase, ct);
        }

        app.Lifetime.ApplicationStopped.Register(() => database.DisposeAsync().AsTask().GetAwaiter().GetResult());
        return app;
    }

    /// <summary>
    /// What the operator should mend, said once at start: files an older version left readable by others (now
    /// owner-only), and SMPP passwords written in a bind's URL (on the command line, every user of the machine reads
    /// them in <c>/proc/PID/cmdline</c>).
    /// </summary>
    private static void LogStartWarnings(ILogger logger, ServerSettings settings, IReadOnlyList<string> tightened)
    {
        if (tightened.Count > 0)
        {
            LogTightened(logger, settings.DataDirectory, string.Join(", ", tightened));
        }

        foreach (string bind in settings.Smpp.PasswordsInUrls)
        {
            LogSmppPasswordInUrl(logger, bind);
        }
    }

    [LoggerMessage(EventId = 1104, Level = LogLevel.Information, Message = "The dashboard's daily roll-ups were missing: rebuilt from the messages and payments ({Rows} rows)")]
    private static partial void LogRollupsRebuilt(ILogger logger, int rows);

    [LoggerMessage(EventId = 1103, Level = LogLevel.Information, Message = "Instance {Instance}: taking back {Count} unfinished messages and refunds its last run left")]
    private static partial void LogTakingBack(ILogger logger, string instance, int count);

    [LoggerMessage(EventId = 1101, Level = LogLevel.Warning, Message = "Data folder {Folder}: made owner-only what others could read ({Changed}), as an older version left it")]
    private static partial void LogTightened(ILogger logger, string folder, string changed);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Warning,
        Message = "SMPP {Bind}: its password is written in its smpp:// URL, where others may read it (every user of this machine on a command line); "
            + "give it in " + SmppSettings.PasswordVariable + "_<SYSTEMID>, " + SmppSettings.PasswordVariable + " or a file (--smsc-password-file) instead")]
    private static partial void LogSmppPasswordInUrl(ILogger logger, string bind);

    /// <summary>Said on standard error before the host (and its logging) exists; the reason names no password.</summary>
    private static void WaitingForDatabase(Exception reason) =>
        Console.Error.WriteLine($"mbushja: waiting for a database that takes writes ({reason.Message})");

    /// <summary>
    /// How replies leave: by the SMSC's binds (SMPP), or by Kannel's sendsms; with neither, replies nobody reads in a
    /// response wait in the outbox.
    /// </summary>
    private static void AddGateways(IServiceCollection services, ServerSettings settings)
    {
        if (settings.Smpp.Binds.Count > 0)
        {
            AddSmpp(services, settings);
        }
        else if (settings.Kannel.SendSmsUrl is not null)
        {
            services.AddOutboundGateway(_ => new KannelSendSms(settings.Kannel));
        }
    }

    /// <summary>
    /// The console's phone emulator acts as any number and moves money, so it is there only when no money it moves is
    /// real: a demo server (<c>--demo</c>) whose every bank is the in-process sandbox bank (no <c>--bank-api</c>). A
    /// server without <c>--demo</c> holds real subscribers' credit, and a bank on its own API holds real accounts.
    /// </summary>
    private static PhoneEmulatorOptions PhoneEmulatorFor(ServerSettings settings) =>
        settings.Demo && settings.BankEndpoints.Count == 0
            ? new PhoneEmulatorOptions(true, [.. DemoData.Subscribers.Select(s => s.Msisdn)])
            : PhoneEmulatorOptions.Off;

    /// <summary>
    /// The SMSC binds: received messages are recorded before they are acknowledged, and replies leave the outbox by
    /// submit_sm.
    /// </summary>
    private static void AddSmpp(IServiceCollection services, ServerSettings settings)
    {
        services.AddSingleton(settings.Smpp);
        services.AddSingleton<SmppInbox>();
        if (settings.Smpp.SharesBinds)
        {
            // Several servers share the binds the SMSC allows, by lease (docs/design/smpp-bind-leases.md).
            services.AddSingleton<SmppBindLeases>();
        }

        services.AddSingleton(sp =>
        {
            ILogger logger = sp.GetRequiredService<ILoggerFactory>().CreateLogger("Mbushja.Smpp");
            SmppInbox inbox = sp.GetRequiredService<SmppInbox>();
            SmppBindLeases? leases = sp.GetService<SmppBindLeases>();
            return new SmppClientGroup([.. settings.Smpp.Binds.Select((b, i) => new SmppClient(b, inbox, logger, settings.Time, slots: leases?.For(i)))]);
        });
        services.AddOutboundGateway(sp => ActivatorUtilities.CreateInstance<SmppOutboundGateway>(sp));
        services.AddHostedService<SmppService>();
        if (settings.Smpp.Ussd.Enabled)
        {
            // USSD over SMPP: the same engine and sessions as POST /ussd.
            services.AddSingleton<SmppUssdDialogues>();
            services.AddSingleton<ISmppUssdHandler, SmppUssd>();
        }
    }
}
