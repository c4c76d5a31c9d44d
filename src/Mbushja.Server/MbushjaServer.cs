using Mbushja.Accounts;
using Mbushja.Banks.Connector;
using Mbushja.Domain;
using Mbushja.Ledger;
using Mbushja.Messaging;
using Mbushja.Server.Api;
using Mbushja.Server.Http;
using Mbushja.Server.Kannel;
using Mbushja.Server.Sandbox;
using Mbushja.Server.Smpp;
using Mbushja.Smpp.Session;
using Mbushja.Sms;
using Mbushja.Storage;
using Mbushja.Storage.Commits;
using Mbushja.TopUp;
using Mbushja.Ussd;
using Mbushja.WebConsole;
using Mbushja.WebConsole.Users;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Mbushja.Server;

/// <summary>Builds the server: configuration, database, ledger, and the HTTP APIs of SPEC §5.</summary>
public static class MbushjaServer
{
    /// <summary>
    /// Loads the configuration, brings the database schema up to date, loads demo data when asked, and returns the
    /// application ready to start. A bad configuration throws <see cref="ConfigurationException"/> with every reason.
    /// </summary>
    public static async Task<WebApplication> BuildAsync(ServerSettings settings, CancellationToken ct = default)
    {
        CheckKannel(settings.Kannel);
        CheckSmpp(settings);
        string configDirectory = settings.ConfigDirectory ?? OperatorConfig.DefaultDirectory;
        OperatorConfig config = OperatorConfig.Load(configDirectory);
        BankDirectory banks = BankDirectory.Load(configDirectory);
        CheckBankEndpoints(settings.BankEndpoints, banks);
        ReplyTexts replies = ReplyTexts.Load(configDirectory);
        UssdMenu ussdMenu = UssdMenu.Load(configDirectory, config.Catalog);

        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = "Mbushja" });
        builder.WebHost.UseUrls(settings.Urls);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = settings.MaxRequestBodyBytes;
        });
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(settings.MinimumLogLevel);
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss ";
        });
        // ASP.NET Core's request logs print paths, and paths carry MSISDNs: only warnings from it.
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Information);
        // Data protection seals the console's cookies with keys kept in the data folder, which is the owner's only: its
        // "keys not encrypted at rest" warning says nothing new.
        builder.Logging.AddFilter("Microsoft.AspNetCore.DataProtection", LogLevel.Error);

        Database database = Database.FromOption(settings.Db, settings.DataDirectory);
        await database.MigrateAsync(ct);

        IServiceCollection services = builder.Services;
        services.AddSingleton(settings);
        services.AddSingleton(config);
        services.AddSingleton(config.Numbering);
        services.AddSingleton(banks);
        services.AddSingleton(settings.Time);
        services.AddSingleton(new OperatorClock(settings.Time, config.TimeZone));
        services.AddSingleton(database);
        services.AddSingleton(sp => new CommitQueue(database, settings.Time, CommitQueueOptions.Default, sp.GetRequiredService<ILogger<CommitQueue>>()));
        services.AddSingleton(sp => new LedgerEngine(sp.GetRequiredService<CommitQueue>()));
        services.AddSingleton(new LedgerQueries(database));
        services.AddSingleton<Subscribers>();
        services.AddSingleton<ServiceAccounts>();
        services.AddSingleton<CatalogChanges>();
        services.AddSingleton<Registrations>();
        services.AddSingleton(new SmsInterpreter(banks, config.Numbering));
        services.AddSingleton(replies);
        services.AddSingleton(settings.TopUp);
        services.AddSingleton<SmsTransactions>();
        services.AddSingleton<TopUpPlanner>();
        services.AddSingleton<TopUpWork>();
        services.AddSingleton<BankHoldFlow>();
        services.AddSingleton<TopUpProcessor>();
        services.AddSingleton<TopUpRecovery>();
        services.AddSingleton<SmsTrail>();
        services.AddSingleton<IMessageTrail>(sp => sp.GetRequiredService<SmsTrail>());
        services.AddSingleton<TopUpTransfers>();
        services.AddSingleton<TopUpReversals>();
        services.AddSingleton<Settlements>();
        services.AddSingleton<Reconciliations>();
        services.AddHostedService<TopUpRecoveryService>();
        services.AddSingleton(settings.Outbox);
        services.AddSingleton<SmsOutbox>();
        services.AddSingleton<OutboxSignal>();
        if (settings.Smpp.Binds.Count > 0)
        {
            AddSmpp(services, settings);
        }
        else if (settings.Kannel.SendSmsUrl is not null)
        {
            services.AddSingleton<IOutboundSmsGateway>(_ => new KannelSendSms(settings.Kannel));
            services.AddSingleton<OutboxDispatcher>();
        }

        services.AddHostedService<OutboxDispatchService>();
        services.AddSingleton(ussdMenu);
        services.AddSingleton<UssdSessions>();
        services.AddSingleton<UssdPayments>();
        services.AddSingleton<IUssdData, UssdData>();
        services.AddSingleton<UssdEngine>();
        services.AddSingleton<UssdService>();
        services.AddHostedService<UssdSweepService>();
        // Banks with a configured API are called there; the sandbox bank answers for the others, over real HTTP on this
        // server's own address.
        services.AddSandboxBank(banks.Banks.Select(b => b.Code), realBanks: settings.BankEndpoints);
        services.AddSingleton(new AdminKey(settings.AdminKey));
        services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.CamelCase;
            // Amounts are JSON integers (SPEC §2), as JsonBody reads them; the OpenAPI document is made from these options.
            o.SerializerOptions.NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.Strict;
        });
        services.AddProblemDetails(o => o.CustomizeProblemDetails = Problems.AddMissingCode);
        services.AddAuthentication(AdminKeyAuthenticationHandler.SchemeName)
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, AdminKeyAuthenticationHandler>(AdminKeyAuthenticationHandler.SchemeName, null);
        services.AddAuthorization();
        services.AddMbushjaConsole(new ConsoleHosting(settings.Console, settings.Time, settings.DataDirectory, [.. banks.Banks.Select(b => b.Code)])
        {
            Phone = PhoneEmulatorFor(settings),
        });
        services.AddOpenApi(o => o.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "Mbushja";
            document.Info.Description = "Mobile top-ups and service payments by USSD and SMS. /api/v1 takes 'Authorization: Bearer <admin key>'.";
            // SPEC §5: the admin key, as a bearer token, on every /api/v1 operation.
            document.Components ??= new Microsoft.OpenApi.OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, Microsoft.OpenApi.IOpenApiSecurityScheme>();
            document.Components.SecuritySchemes["adminKey"] = new Microsoft.OpenApi.OpenApiSecurityScheme
            {
                Type = Microsoft.OpenApi.SecuritySchemeType.Http,
                Scheme = "bearer",
                Description = "The admin key.",
            };
            foreach ((string path, Microsoft.OpenApi.IOpenApiPathItem item) in document.Paths)
            {
                if (path.StartsWith("/api/v1/", StringComparison.Ordinal))
                {
                    foreach (Microsoft.OpenApi.OpenApiOperation operation in item.Operations?.Values ?? Enumerable.Empty<Microsoft.OpenApi.OpenApiOperation>())
                    {
                        operation.Security ??= [];
                        operation.Security.Add(new Microsoft.OpenApi.OpenApiSecurityRequirement { [new Microsoft.OpenApi.OpenApiSecuritySchemeReference("adminKey", document)] = [] });
                    }
                }
            }

            return Task.CompletedTask;
        }));

        WebApplication app = builder.Build();
        app.UseExceptionHandler(error => error.Run(WriteUnhandledAsync));
        app.UseStatusCodePages();
        app.UseConsoleHeaders();
        app.UseAuthentication();
        app.UseAuthorization();

        app.MapOpenApi();
        app.MapGet("/health", () => TypedResults.Ok(new { status = "ok" })).WithSummary("200 once the server takes traffic.");
        app.MapGroup("/api/v1")
            .RequireAuthorization()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .MapSubscribersApi()
            .MapServiceAccountsApi()
            .MapRegistrationsApi()
            .MapTransactionsApi()
            .MapReversalsApi()
            .MapBankFinanceApi()
            .MapCatalogApi()
            .MapCatalogChangesApi();
        app.MapSmsGateway(settings.Gateway, settings.Kannel.ReplyVia);
        app.MapUssdGateway(settings.Gateway);
        app.MapSandboxBank();
        app.MapMbushjaConsole();
        app.MapGet("/", () => TypedResults.Redirect(ConsoleSetup.Root)).ExcludeFromDescription();
        app.MapPrometheusMetrics();

        // Prices and fees recorded over the catalog file, in force from the first request on.
        await app.Services.GetRequiredService<CatalogChanges>().RefreshAsync(ct);
        if (settings.Demo)
        {
            await DemoData.LoadAsync(
                config,
                app.Services.GetRequiredService<Subscribers>(),
                app.Services.GetRequiredService<ServiceAccounts>(),
                app.Services.GetRequiredService<Registrations>(),
                banks.Banks.Select(b => b.Code),
                app.Services.GetRequiredService<SandboxBank>(),
                ct);
            await DemoData.LoadConsoleUsersAsync(
                app.Services.GetRequiredService<ConsoleUsers>(),
                settings.ConsoleDemoPassword ?? SecretFile.ReadOrCreate(Path.Combine(settings.DataDirectory, DemoData.ConsolePasswordFile)).Value,
                ct);
        }

        app.Lifetime.ApplicationStopped.Register(() => database.DisposeAsync().AsTask().GetAwaiter().GetResult());
        return app;
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
    /// The SMSC binds (SPEC §4 "Interfaces"): received messages are recorded before they are acknowledged, and replies
    /// leave the outbox by submit_sm.
    /// </summary>
    private static void AddSmpp(IServiceCollection services, ServerSettings settings)
    {
        services.AddSingleton(settings.Smpp);
        services.AddSingleton<InboundParts>();
        services.AddSingleton<SmsSubmits>();
        services.AddSingleton<SmppInbox>();
        services.AddSingleton(sp =>
        {
            ILogger logger = sp.GetRequiredService<ILoggerFactory>().CreateLogger("Mbushja.Smpp");
            SmppInbox inbox = sp.GetRequiredService<SmppInbox>();
            return new SmppClientGroup([.. settings.Smpp.Binds.Select(b => new SmppClient(b, inbox, logger, settings.Time))]);
        });
        services.AddSingleton<IOutboundSmsGateway, SmppOutboundGateway>();
        services.AddSingleton<OutboxDispatcher>();
        services.AddHostedService<SmppService>();
        if (settings.Smpp.Ussd.Enabled)
        {
            // USSD over SMPP: the same engine and sessions as POST /ussd.
            services.AddSingleton<SmppUssdDialogues>();
            services.AddSingleton<ISmppUssdHandler, SmppUssd>();
        }
    }

    /// <summary>Refuses a bank API for a bank the operator's configuration does not have, or two for one bank.</summary>
    private static void CheckBankEndpoints(IReadOnlyList<BankEndpoint> endpoints, BankDirectory banks)
    {
        var errors = new List<string>();
        foreach (BankEndpoint endpoint in endpoints)
        {
            if (!banks.Banks.Any(b => string.Equals(b.Code, endpoint.Code, StringComparison.OrdinalIgnoreCase)))
            {
                errors.Add($"Bank API for {endpoint.Code}: no such bank in the configuration ({string.Join(", ", banks.Banks.Select(b => b.Code))}).");
            }
        }

        errors.AddRange(endpoints.GroupBy(e => e.Code, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1)
            .Select(g => $"Bank API for {g.Key}: given more than once."));
        if (errors.Count > 0)
        {
            throw new ConfigurationException(errors);
        }
    }

    /// <summary>Refuses two outbound gateways at once (a reply leaves by one), and two binds under one name.</summary>
    private static void CheckSmpp(ServerSettings settings)
    {
        var errors = new List<string>();
        if (settings.Smpp.Binds.Count > 0 && settings.Kannel.SendSmsUrl is not null)
        {
            errors.Add("Replies leave either by SMPP (--smsc) or by Kannel's sendsms (--kannel-sendsms), not both.");
        }

        errors.AddRange(settings.Smpp.Binds.GroupBy(b => b.Name, StringComparer.Ordinal).Where(g => g.Count() > 1)
            .Select(g => $"SMPP bind name '{g.Key}' is given more than once."));
        if (errors.Count > 0)
        {
            throw new ConfigurationException(errors);
        }
    }

    /// <summary>Refuses a Kannel set-up whose replies could never leave.</summary>
    private static void CheckKannel(KannelSettings kannel)
    {
        var errors = new List<string>();
        if (kannel.SendSmsUrl is { } url && (!url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps)))
        {
            errors.Add("Kannel's sendsms URL must be an absolute http:// or https:// URL.");
        }

        if (kannel.ReplyVia == ReplyRoute.Outbound && kannel.SendSmsUrl is null)
        {
            errors.Add("Replies via sendsms need Kannel's sendsms URL (--kannel-sendsms).");
        }

        if (errors.Count > 0)
        {
            throw new ConfigurationException(errors);
        }
    }

    /// <summary>The last line of defence: a bad request stays a 4xx, anything else is a 500 that says nothing internal.</summary>
    private static async Task WriteUnhandledAsync(HttpContext context)
    {
        Exception? error = context.Features.Get<IExceptionHandlerFeature>()?.Error;
        (int status, string code, string detail) = error switch
        {
            BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } => (413, Problems.BodyTooLarge, "The body is too large."),
            BadHttpRequestException bad => (bad.StatusCode, Problems.MalformedBody, "The request is malformed."),
            _ => (500, Problems.Internal, "Something went wrong on our side; nothing was charged twice. Try again."),
        };
        IProblemDetailsService problems = context.RequestServices.GetRequiredService<IProblemDetailsService>();
        context.Response.StatusCode = status;
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = { Status = status, Detail = detail, Extensions = { ["code"] = code } },
        });
    }
}
