using System.Security.Claims;
using Mbushja.Storage;
using Mbushja.Storage.Commits;
using Mbushja.WebConsole.Users;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.ApplicationParts;
using Microsoft.AspNetCore.Mvc.Core.Infrastructure;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Mbushja.WebConsole;

/// <summary>What the console needs from the server that hosts it.</summary>
public sealed record ConsoleHosting(ConsoleOptions Options, TimeProvider Time, string DataDirectory, IReadOnlyCollection<string> BankCodes)
{
    /// <summary>Whether the phone emulator is there (off unless the server says it runs a sandbox demo).</summary>
    public PhoneEmulatorOptions Phone { get; init; } = PhoneEmulatorOptions.Off;
}

/// <summary>
/// The phone emulator (README "Console"; sandbox only): it sends SMS and walks <c>*101#</c> as any number, through the
/// real processing paths, so it moves money. The server turns it on only when nothing it moves is real (see
/// <c>MbushjaServer</c>: a <c>--demo</c> server whose every bank is the sandbox bank); otherwise its page is not
/// mapped.
/// </summary>
/// <param name="Enabled">Whether the page exists at all.</param>
/// <param name="KnownNumbers">Subscribers offered for a start (the demo's), E.164; any other number may be typed.</param>
public sealed record PhoneEmulatorOptions(bool Enabled, IReadOnlyList<string> KnownNumbers)
{
    public static PhoneEmulatorOptions Off { get; } = new(false, []);
}

/// <summary>
/// Mounts the operator console under <c>/console</c> (README "Console"): Razor Pages behind a cookie sign-in of its
/// own, with an idle expiry, antiforgery on every form, and one authorization policy per kind of work.
/// </summary>
public static class ConsoleSetup
{
    public const string Scheme = "MbushjaConsole";
    public const string Root = "/console";
    public const string SignInPath = Root + "/sign-in";
    public const string DeniedPath = Root + "/denied";
    public const string SessionCookie = "mbushja.console";

    /// <summary>Added to the sign-in link when the browser's session ended (it still sent the session's cookie).</summary>
    public const string SessionEndedParameter = "ended";
    public const string AntiforgeryCookie = "mbushja.console.af";

    public const string BankClaim = "mbushja:bank";
    public const string StampClaim = "mbushja:stamp";
    public const string SessionClaim = "mbushja:session";

    public static IServiceCollection AddMbushjaConsole(this IServiceCollection services, ConsoleHosting hosting)
    {
        services.AddSingleton(hosting.Options);
        services.AddSingleton(hosting.Phone);
        services.AddSingleton(sp => new ConsoleUsers(
            sp.GetRequiredService<Database>(),
            sp.GetRequiredService<CommitQueue>(),
            hosting.Time,
            hosting.Options,
            hosting.BankCodes,
            sp.GetRequiredService<ILogger<ConsoleUsers>>(),
            sp.GetRequiredService<IHttpContextAccessor>()));
        services.AddSingleton(sp => new ConsoleAudit(sp.GetRequiredService<Database>(), sp.GetRequiredService<CommitQueue>(), sp.GetRequiredService<IHttpContextAccessor>()));
        services.AddSingleton(sp => new ConsoleSessions(sp.GetRequiredService<Database>(), sp.GetRequiredService<CommitQueue>(), hosting.Time, hosting.Options));
        services.AddSingleton<ConsoleQueries>();
        services.AddHttpContextAccessor();
        services.AddScoped<ConsoleText>();

        // Session and antiforgery cookies are sealed with these keys: kept in the database, a restart keeps everyone
        // signed in, and every server on the database opens what any of them sealed (ConsoleKeys).
        services.AddSingleton(sp => new ConsoleKeys(
            sp.GetRequiredService<Database>(),
            sp.GetRequiredService<CommitQueue>(),
            Path.Combine(hosting.DataDirectory, ConsoleKeys.FolderName),
            sp.GetRequiredService<ILogger<ConsoleKeys>>()));
        services.AddDataProtection().SetApplicationName("Mbushja");
        services.AddOptions<KeyManagementOptions>().Configure<ConsoleKeys>((o, keys) => o.XmlRepository = keys);

        // The pages are compiled into this assembly; the host's application name names no assembly, so the parts are given
        // (through the factory the Razor SDK declares: the types, and the compiled pages).
        var parts = new ApplicationPartManager();
        System.Reflection.Assembly assembly = typeof(ConsoleSetup).Assembly;
        foreach (ApplicationPart part in ApplicationPartFactory.GetApplicationPartFactory(assembly).GetApplicationParts(assembly))
        {
            parts.ApplicationParts.Add(part);
        }

        services.AddSingleton(parts);
        services.AddRazorPages(o =>
        {
            o.Conventions.AuthorizeFolder("/", ConsolePolicies.SignedIn);
            o.Conventions.AllowAnonymousToPage("/SignIn");
            o.Conventions.AllowAnonymousToPage("/Denied");
            o.Conventions.AuthorizePage("/Dashboard", ConsolePolicies.CustomerCare);
            o.Conventions.AuthorizePage("/Lookup", ConsolePolicies.CustomerCare);
            o.Conventions.AuthorizePage("/Transaction", ConsolePolicies.CustomerCare);
            o.Conventions.AuthorizePage("/Payment", ConsolePolicies.CustomerCare);
            o.Conventions.AuthorizeFolder("/Registrations", ConsolePolicies.Registrations);
            o.Conventions.AuthorizeFolder("/Finance", ConsolePolicies.Finance);
            o.Conventions.AuthorizePage("/Catalog", ConsolePolicies.Admin);
            o.Conventions.AuthorizePage("/Users", ConsolePolicies.Admin);
            o.Conventions.AuthorizePage("/Audit", ConsolePolicies.Admin);
            // Banks: every signed-in role (the folder's policy); a bank officer sees their own bank only (the page checks).
            o.Conventions.AuthorizePage("/Phone", ConsolePolicies.Phone);
            if (!hosting.Phone.Enabled)
            {
                // Not a refusal but an absence: without a route the emulator answers 404 to everyone.
                o.Conventions.AddPageRouteModelConvention("/Phone", model => model.Selectors.Clear());
            }
        }).AddMvcOptions(o => o.Filters.Add<AntiforgeryRefusal>());

        services.AddAntiforgery(o =>
        {
            o.Cookie.Name = AntiforgeryCookie;
            o.Cookie.Path = Root;
            o.Cookie.SameSite = SameSiteMode.Strict;
            // Secure on HTTPS (the server's own, or a trusted proxy's), as the session's cookie.
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            o.FormFieldName = "__csrf";
        });

        services.AddAuthentication().AddCookie(Scheme, o =>
        {
            o.Cookie.Name = SessionCookie;
            o.Cookie.Path = Root;
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            o.LoginPath = SignInPath;
            o.LogoutPath = Root + "/sign-out";
            o.AccessDeniedPath = DeniedPath;
            o.ReturnUrlParameter = "returnUrl";
            // Idle expiry: the ticket lives this long after the last request that renewed it.
            o.ExpireTimeSpan = hosting.Options.IdleTimeout;
            o.SlidingExpiration = true;
            o.TimeProvider = hosting.Time;
            o.Events.OnValidatePrincipal = ValidatePrincipalAsync;
            // "Your session ended" only to a browser that had one: a first visit is simply asked to sign in.
            Func<RedirectContext<CookieAuthenticationOptions>, Task> redirect = o.Events.OnRedirectToLogin;
            o.Events.OnRedirectToLogin = context =>
            {
                if (context.Request.Cookies.ContainsKey(SessionCookie))
                {
                    context.RedirectUri = QueryHelpers.AddQueryString(context.RedirectUri, SessionEndedParameter, "true");
                }

                return redirect(context);
            };
        });

        services.AddAuthorization(o =>
        {
            o.AddPolicy(ConsolePolicies.SignedIn, p => p.AddAuthenticationSchemes(Scheme).RequireAuthenticatedUser());
            foreach ((string policy, string[] roles) in ConsolePolicies.Roles)
            {
                o.AddPolicy(policy, p => p.AddAuthenticationSchemes(Scheme).RequireAuthenticatedUser().RequireRole(roles));
            }
        });
        return services;
    }

    /// <summary>
    /// Console responses are the user's own data: never cached, never framed, no script or style from elsewhere. Before
    /// authentication, so that its redirects carry them too; and again as the response starts, because an error page
    /// (a 500 from the exception handler, a 503 while no database takes writes) is written on a cleared response.
    /// </summary>
    public static WebApplication UseConsoleHeaders(this WebApplication app)
    {
        app.UseWhen(c => c.Request.Path.StartsWithSegments(Root), branch => branch.Use(async (context, next) =>
        {
            SetSecurityHeaders(context.Response.Headers);
            context.Response.OnStarting(() =>
            {
                SetSecurityHeaders(context.Response.Headers);
                return Task.CompletedTask;
            });
            await next(context);
        }));
        return app;
    }

    private static void SetSecurityHeaders(IHeaderDictionary headers)
    {
        // What antiforgery sets on every page with a form: set the same here, or it warns at each such page.
        headers.CacheControl = "no-cache, no-store";
        headers.Pragma = "no-cache";
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers.ContentSecurityPolicy = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
        headers["Referrer-Policy"] = "same-origin";
    }

    public static WebApplication MapMbushjaConsole(this WebApplication app)
    {
        app.MapRazorPages();
        app.MapGet(Root + "/console.css", () => TypedResults.Bytes(StyleSheet.Value, "text/css; charset=utf-8")).ExcludeFromDescription();
        app.MapGet(FaviconPath, () => TypedResults.Bytes(Favicon.Value, "image/svg+xml")).ExcludeFromDescription();
        // Browsers ask for /favicon.ico whatever a page names; it is the same icon.
        app.MapGet("/favicon.ico", () => TypedResults.Redirect(FaviconPath, permanent: true)).ExcludeFromDescription();
        app.MapGet(Root + "/language/{language}", IResult (string language, string? returnUrl, HttpContext context) =>
        {
            if (HasControlCharacter(returnUrl))
            {
                return LinkRefused(context.RequestServices.GetRequiredService<ConsoleText>());
            }

            context.Response.Cookies.Append(ConsoleText.Cookie, ConsoleText.Pick(language), new CookieOptions
            {
                Path = Root,
                HttpOnly = true,
                SameSite = SameSiteMode.Lax,
                Secure = context.Request.IsHttps,
                MaxAge = TimeSpan.FromDays(365),
                IsEssential = true,
            });
            return TypedResults.Redirect(IsLocal(returnUrl) ? returnUrl! : Root);
        }).ExcludeFromDescription();
        return app;
    }

    /// <summary>
    /// Whether a <c>returnUrl</c> carries a control character (CR and LF above all): no address of this site has one,
    /// and in a redirect's <c>Location</c> it would forge a header line. Such a link is refused with 400
    /// (<see cref="LinkRefused"/>), not followed.
    /// </summary>
    public static bool HasControlCharacter(string? url) => url is not null && url.Any(char.IsControl);

    /// <summary>The answer to a link that cannot be followed (<see cref="HasControlCharacter"/>): 400, and nothing done.</summary>
    public static IResult LinkRefused(ConsoleText texts)
    {
        ArgumentNullException.ThrowIfNull(texts);
        return TypedResults.Text(texts["link.refused"], "text/plain; charset=utf-8", statusCode: StatusCodes.Status400BadRequest);
    }

    /// <summary>A path of this site (<c>/console/...</c>), never another site's address.</summary>
    public static bool IsLocal(string? url) =>
        url is { Length: > 0 } && url.StartsWith(Root, StringComparison.Ordinal) && !url.StartsWith("//", StringComparison.Ordinal) && !url.Contains('\\', StringComparison.Ordinal);

    /// <summary>The principal a signed-in user carries in the session cookie, naming the session the server holds for it.</summary>
    public static ClaimsPrincipal Principal(ConsoleUser user, string sessionId)
    {
        var claims = new List<Claim>
        {
            new(ClaimTypes.Name, user.Username),
            new(ClaimTypes.Role, user.Role.ToWire()),
            new(StampClaim, user.Stamp),
            new(SessionClaim, sessionId),
        };
        if (user.BankCode is not null)
        {
            claims.Add(new Claim(BankClaim, user.BankCode));
        }

        return new ClaimsPrincipal(new ClaimsIdentity(claims, Scheme));
    }

    /// <summary>
    /// Every request checks its session is still open on the server (sign-out ends it, on every server of the database)
    /// and its user still there with the role the session was given: a changed role, bank or password (a new stamp)
    /// ends the session too. A cookie from before sessions were held on the server names none, and is asked to sign in.
    /// </summary>
    private static async Task ValidatePrincipalAsync(CookieValidatePrincipalContext context)
    {
        ConsoleSessions sessions = context.HttpContext.RequestServices.GetRequiredService<ConsoleSessions>();
        string? id = context.Principal?.FindFirstValue(SessionClaim);
        OpenSession? session = id is null ? null : await sessions.FindAsync(id, context.HttpContext.RequestAborted);
        if (session is null || session.Username != context.Principal!.Identity?.Name || session.Stamp != context.Principal.FindFirstValue(StampClaim))
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(Scheme);
            return;
        }

        await sessions.SeenAsync(session, context.HttpContext.RequestAborted);
    }

    public const string FaviconPath = Root + "/favicon.svg";

    private static readonly Lazy<byte[]> StyleSheet = new(() => Resource("console.css"));

    private static readonly Lazy<byte[]> Favicon = new(() => Resource("favicon.svg"));

    private static byte[] Resource(string name)
    {
        using Stream stream = typeof(ConsoleSetup).Assembly.GetManifestResourceStream("Mbushja.WebConsole." + name)
            ?? throw new InvalidOperationException($"The console's {name} is missing from its assembly.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    /// <summary>
    /// A form whose antiforgery token is missing or forged is refused with a clear 400 page, and its handler never runs:
    /// nothing changes.
    /// </summary>
    private sealed class AntiforgeryRefusal(ConsoleText texts) : IAlwaysRunResultFilter
    {
        public void OnResultExecuting(ResultExecutingContext context)
        {
            if (context.Result is IAntiforgeryValidationFailedResult && TooLarge(context.HttpContext) is { } limit)
            {
                // The token could not be read because the body is over the form's limit (a huge upload): say so.
                context.Result = new ContentResult
                {
                    StatusCode = StatusCodes.Status413PayloadTooLarge,
                    ContentType = "text/plain; charset=utf-8",
                    Content = texts.Format("form.toolarge", Math.Max(1, limit / (1024 * 1024))),
                };
            }
            else if (context.Result is IAntiforgeryValidationFailedResult)
            {
                context.Result = new ContentResult
                {
                    StatusCode = StatusCodes.Status400BadRequest,
                    ContentType = "text/plain; charset=utf-8",
                    Content = texts["csrf.refused"],
                };
            }
        }

        public void OnResultExecuted(ResultExecutedContext context)
        {
        }

        private static long? TooLarge(HttpContext context) =>
            context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize is { } limit
            && context.Request.ContentLength > limit ? limit : null;
    }
}
