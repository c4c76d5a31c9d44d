using Mbushja.Domain;
using Mbushja.Http;
using Mbushja.Server.Api;
using Mbushja.Server.Http;
using Mbushja.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Mbushja.Server;

/// <summary>The platform's HTTP APIs: health, OpenAPI, /api/v1 with the admin key, and the SMS and USSD gateways.</summary>
internal static partial class ApiSetup
{
    /// <summary>Answers that moved from the domain's records to wire records keep the schema names they were published under.</summary>
    private static readonly Dictionary<Type, string> PublishedSchemaNames = new()
    {
        [typeof(SettlementTotalsResponse)] = "SettlementTotals",
        [typeof(SettlementLineResponse)] = "SettlementLine",
        [typeof(ReconciliationReportResponse)] = "ReconciliationReport",
        [typeof(ReconciliationItemResponse)] = "ReconciliationItem",
    };

    public static IServiceCollection AddMbushjaApis(this IServiceCollection services, ServerSettings settings)
    {
        services.AddSingleton(new AdminKey(settings.AdminKey));
        services.AddSingleton<Readiness>();
        services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.CamelCase;
            // Amounts are JSON integers, as JsonBody reads them; the OpenAPI document is made from these options.
            o.SerializerOptions.NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.Strict;
            // An enum goes out as its name, never as a number a client would have to look up.
            o.SerializerOptions.Converters.Add(new System.Text.Json.Serialization.JsonStringEnumConverter(System.Text.Json.JsonNamingPolicy.CamelCase));
        });
        services.AddProblemDetails(o => o.CustomizeProblemDetails = Problems.AddMissingCode);
        services.AddAuthentication(AdminKeyAuthenticationHandler.SchemeName)
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, AdminKeyAuthenticationHandler>(AdminKeyAuthenticationHandler.SchemeName, null);
        services.AddAuthorization();
        services.AddOpenApi(o =>
        {
            o.CreateSchemaReferenceId = type => PublishedSchemaNames.GetValueOrDefault(type.Type) ?? OpenApiOptions.CreateDefaultSchemaReferenceId(type);
            o.AddDocumentTransformer(Describe);
        });
        return services;
    }

    /// <summary>The document's title, and the admin key on every /api/v1 operation.</summary>
    private static Task Describe(Microsoft.OpenApi.OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info.Title = "Mbushja";
        document.Info.Description = "Mobile top-ups and service payments by USSD and SMS. /api/v1 takes 'Authorization: Bearer <admin key>'.";
        // The admin key, as a bearer token, on every /api/v1 operation.
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
    }

    /// <summary>Every failure is a problem with a stable code; a status without a body gets one too.</summary>
    public static WebApplication UseMbushjaApis(this WebApplication app)
    {
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            ExceptionHandler = WriteUnhandledAsync,
            // A request the client got wrong (a body over the limit, one that breaks off) is no failure of ours: one warning
            // line (WriteUnhandledAsync), not an error with its stack.
            SuppressDiagnosticsCallback = c => c.Exception is BadHttpRequestException,
        });
        app.Use(RefuseWhileUnavailableAsync);
        app.UseStatusCodePages();
        return app;
    }

    public static WebApplication MapMbushjaApis(this WebApplication app, ServerSettings settings)
    {
        app.MapOpenApi();
        app.MapHealth();
        app.MapGroup("/api/v1")
            .RequireAuthorization()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .MapSubscribersApi()
            .MapServiceAccountsApi()
            .MapRegistrationsApi()
            .MapControlsApi()
            .MapTransactionsApi()
            .MapReversalsApi()
            .MapBankFinanceApi()
            .MapCatalogApi()
            .MapCatalogChangesApi();
        app.MapSmsGateway(settings.Gateway, settings.Kannel.ReplyVia);
        app.MapUssdGateway(settings.Gateway);
        return app;
    }

    /// <summary>
    /// A database that takes no writes (a failover) is not a failure of the request: answered 503 with Retry-After, and
    /// said once a second at most in the log, not as an error with its stack for each request.
    /// </summary>
    private static async Task RefuseWhileUnavailableAsync(HttpContext context, RequestDelegate next)
    {
        try
        {
            await next(context);
        }
        catch (Exception e) when (DbErrors.IsUnavailable(e) && !context.Response.HasStarted)
        {
            long now = Environment.TickCount64;
            long last = Interlocked.Read(ref _lastUnavailableLog);
            if (now - last > 1_000 && Interlocked.CompareExchange(ref _lastUnavailableLog, now, last) == last)
            {
                ILogger logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Mbushja.Server");
                LogUnavailable(logger, e.Message);
            }

            context.Response.Clear();
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            context.Response.Headers.RetryAfter = RetryAfterSeconds;
            await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
            {
                HttpContext = context,
                ProblemDetails = { Status = 503, Detail = UnavailableDetail, Extensions = { ["code"] = ErrorCodes.Unavailable } },
            });
        }
    }

    private static long _lastUnavailableLog = -10_000;

    private const string UnavailableDetail = "The database is changing over; nothing was taken. Send the same request again.";

    [LoggerMessage(EventId = 1201, Level = LogLevel.Warning, Message = "No database takes writes ({Reason}): requests are answered 503 until one does")]
    private static partial void LogUnavailable(ILogger logger, string reason);

    /// <summary>
    /// One line for a request the client got wrong: the method and the endpoint's route (its pattern, so no number or
    /// account in a path reaches the log), with the limit of a body that was over it.
    /// </summary>
    private static void LogBadRequest(HttpContext context, int status)
    {
        ILogger logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Mbushja.Server");
        IExceptionHandlerFeature? failure = context.Features.Get<IExceptionHandlerFeature>();
        string route = failure?.Endpoint is Microsoft.AspNetCore.Routing.RouteEndpoint { RoutePattern.RawText: { } pattern }
            ? "/" + pattern.TrimStart('/')
            : "(no endpoint)";
        if (status == StatusCodes.Status413PayloadTooLarge)
        {
            long? limit = context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize;
            LogBodyTooLarge(logger, context.Request.Method, route, limit?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "the server's");
        }
        else
        {
            LogUnreadable(logger, context.Request.Method, route, status);
        }
    }

    [LoggerMessage(EventId = 1202, Level = LogLevel.Warning, Message = "{Method} {Route}: the body is over the limit of {Limit} bytes; answered 413")]
    private static partial void LogBodyTooLarge(ILogger logger, string method, string route, string limit);

    [LoggerMessage(EventId = 1203, Level = LogLevel.Warning, Message = "{Method} {Route}: the request cannot be read; answered {Status}")]
    private static partial void LogUnreadable(ILogger logger, string method, string route, int status);

    /// <summary>What a refusal for want of a database tells the caller to wait, in seconds.</summary>
    internal const string RetryAfterSeconds = "2";

    /// <summary>
    /// The last line of defence: a bad request stays a 4xx, a database that takes no writes (a failover) is a 503 to try
    /// again, anything else is a 500 that says nothing internal.
    /// </summary>
    private static async Task WriteUnhandledAsync(HttpContext context)
    {
        Exception? error = context.Features.Get<IExceptionHandlerFeature>()?.Error;
        (int status, string code, string detail) = error switch
        {
            BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } => (413, ErrorCodes.BodyTooLarge, "The body is too large."),
            BadHttpRequestException bad => (bad.StatusCode, ErrorCodes.MalformedBody, "The request is malformed."),
            _ when DbErrors.IsUnavailable(error) => (503, ErrorCodes.Unavailable, UnavailableDetail),
            _ => (500, ErrorCodes.Internal, "Something went wrong on our side; nothing was charged twice. Try again."),
        };
        if (error is BadHttpRequestException)
        {
            LogBadRequest(context, status);
        }

        IProblemDetailsService problems = context.RequestServices.GetRequiredService<IProblemDetailsService>();
        context.Response.StatusCode = status;
        if (status == StatusCodes.Status503ServiceUnavailable)
        {
            // A failover ends within seconds of a new primary (docs/design/failover.md): a gateway resends after this.
            context.Response.Headers.RetryAfter = RetryAfterSeconds;
        }

        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = { Status = status, Detail = detail, Extensions = { ["code"] = code } },
        });
    }
}
