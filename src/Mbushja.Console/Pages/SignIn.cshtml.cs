using System.Net;
using Mbushja.WebConsole.Users;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;

namespace Mbushja.WebConsole.Pages;

/// <summary>
/// Sign-in: a wrong name or password says so (the same way for both); a name locked out for this address, or an
/// address stopped, is told until when (Retry-After), the same way whether a user has the name or not.
/// </summary>
public sealed class SignInModel(ConsoleUsers users, ConsoleSessions sessions, ConsoleText texts, Mbushja.Domain.OperatorClock clock) : ConsolePage
{
    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    [BindProperty(Name = "username")]
    public string? Login { get; set; }

    [BindProperty]
    public string? Password { get; set; }

    /// <summary>Sent here from a page because the session this browser had ended (not on a first visit).</summary>
    [BindProperty(Name = ConsoleSetup.SessionEndedParameter, SupportsGet = true)]
    public bool Expired { get; set; }

    public IActionResult OnGet() => ConsoleSetup.HasControlCharacter(ReturnUrl) ? Refused() : Page();

    public async Task<IActionResult> OnPostAsync()
    {
        if (ConsoleSetup.HasControlCharacter(ReturnUrl))
        {
            // Checked before the password: a forged link signs nobody in.
            return Refused();
        }

        if (string.IsNullOrWhiteSpace(Login) || string.IsNullOrEmpty(Password))
        {
            Problem = texts["signin.wrong"];
            return Page();
        }

        // The client's address as the connection gives it, or as a trusted proxy says (README "Behind a TLS proxy").
        Users.SignInResult result = await users.SignInAsync(Login, Password, HttpContext.Connection.RemoteIpAddress ?? IPAddress.None, HttpContext.RequestAborted);
        switch (result.Status)
        {
            case SignInStatus.SignedIn:
                string session = await sessions.StartAsync(result.User!.Username, HttpContext.RequestAborted);
                await HttpContext.SignInAsync(ConsoleSetup.Scheme, ConsoleSetup.Principal(result.User, session));
                return LocalRedirect(ConsoleSetup.IsLocal(ReturnUrl) ? ReturnUrl! : ConsoleSetup.Root);
            case SignInStatus.Throttled:
                Problem = texts.Format("signin.throttled", Show.Time(clock, result.LockedUntil));
                RetryAfter(result.LockedUntil);
                Response.StatusCode = Microsoft.AspNetCore.Http.StatusCodes.Status429TooManyRequests;
                return Page();
            case SignInStatus.LockedOut:
                Problem = texts.Format("signin.locked", Show.Time(clock, result.LockedUntil));
                RetryAfter(result.LockedUntil);
                break;
            default:
                Problem = texts["signin.wrong"];
                break;
        }

        Response.StatusCode = Microsoft.AspNetCore.Http.StatusCodes.Status401Unauthorized;
        return Page();
    }

    /// <summary>When to try again, in whole seconds (at least one).</summary>
    private void RetryAfter(DateTimeOffset? until)
    {
        double seconds = until is { } u ? Math.Ceiling((u - clock.UtcNow).TotalSeconds) : 1;
        Response.Headers.RetryAfter = Math.Max(1, (long)seconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    private ContentResult Refused() => new()
    {
        StatusCode = Microsoft.AspNetCore.Http.StatusCodes.Status400BadRequest,
        ContentType = "text/plain; charset=utf-8",
        Content = texts["link.refused"],
    };
}
