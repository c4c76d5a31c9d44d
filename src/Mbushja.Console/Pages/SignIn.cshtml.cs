using Mbushja.WebConsole.Users;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;

namespace Mbushja.WebConsole.Pages;

/// <summary>Sign-in: a wrong name or password says so (the same way for both), a locked-out user is told until when.</summary>
public sealed class SignInModel(ConsoleUsers users, ConsoleText texts, Mbushja.Domain.OperatorClock clock) : ConsolePage
{
    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    [BindProperty(Name = "username")]
    public string? Login { get; set; }

    [BindProperty]
    public string? Password { get; set; }

    /// <summary>Sent here from a page: the session ended (or there was none).</summary>
    public bool Expired => ReturnUrl is not null;

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

        Users.SignInResult result = await users.SignInAsync(Login, Password, HttpContext.RequestAborted);
        switch (result.Status)
        {
            case SignInStatus.SignedIn:
                await HttpContext.SignInAsync(ConsoleSetup.Scheme, ConsoleSetup.Principal(result.User!));
                return LocalRedirect(ConsoleSetup.IsLocal(ReturnUrl) ? ReturnUrl! : ConsoleSetup.Root);
            case SignInStatus.LockedOut:
                Problem = texts.Format("signin.locked", Show.Time(clock, result.LockedUntil));
                break;
            default:
                Problem = texts["signin.wrong"];
                break;
        }

        Response.StatusCode = Microsoft.AspNetCore.Http.StatusCodes.Status401Unauthorized;
        return Page();
    }

    private ContentResult Refused() => new()
    {
        StatusCode = Microsoft.AspNetCore.Http.StatusCodes.Status400BadRequest,
        ContentType = "text/plain; charset=utf-8",
        Content = texts["link.refused"],
    };
}
