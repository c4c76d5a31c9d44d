using System.Security.Claims;
using Mbushja.WebConsole.Users;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;

namespace Mbushja.WebConsole.Pages;

/// <summary>
/// Sign-out is a form (antiforgery-checked), never a link another site could make a browser follow. It ends the session
/// on the server, so the cookie opens nothing more wherever it was copied.
/// </summary>
public sealed class SignOutModel(ConsoleSessions sessions) : ConsolePage
{
    public IActionResult OnGet() => Redirect(ConsoleSetup.Root);

    public async Task<IActionResult> OnPostAsync()
    {
        if (User.FindFirstValue(ConsoleSetup.SessionClaim) is { } session)
        {
            await sessions.EndAsync(session, HttpContext.RequestAborted);
        }

        await HttpContext.SignOutAsync(ConsoleSetup.Scheme);
        return Redirect(ConsoleSetup.SignInPath);
    }
}
