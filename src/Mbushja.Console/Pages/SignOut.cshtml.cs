using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;

namespace Mbushja.WebConsole.Pages;

/// <summary>Sign-out is a form (antiforgery-checked), never a link another site could make a browser follow.</summary>
public sealed class SignOutModel : ConsolePage
{
    public IActionResult OnGet() => Redirect(ConsoleSetup.Root);

    public async Task<IActionResult> OnPostAsync()
    {
        await HttpContext.SignOutAsync(ConsoleSetup.Scheme);
        return Redirect(ConsoleSetup.SignInPath);
    }
}
