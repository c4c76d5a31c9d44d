using Mbushja.Domain;
using Mbushja.Sms;
using Mbushja.WebConsole.Users;
using Microsoft.AspNetCore.Mvc;

namespace Mbushja.WebConsole.Pages;

/// <summary>The console's users (admins only): add one, set a role, unlock a locked-out one. Every change is audited.</summary>
public sealed class UsersModel(ConsoleUsers users, BankDirectory banks, ConsoleText texts, TimeProvider time) : ConsolePage
{
    [BindProperty]
    public string? Name { get; set; }

    [BindProperty]
    public string? NewRole { get; set; }

    [BindProperty]
    public string? Bank { get; set; }

    [BindProperty]
    public string? Password { get; set; }

    public IReadOnlyList<ConsoleUser> All { get; private set; } = [];

    public IReadOnlyList<string> Banks => [.. banks.Banks.Select(b => b.Code)];

    public DateTimeOffset Now => time.GetUtcNow();

    public async Task OnGetAsync() => All = await users.ListAsync(HttpContext.RequestAborted);

    public Task<IActionResult> OnPostAddAsync() => ChangeAsync(
        role => users.CreateAsync(Name ?? "", role, Bank, Password ?? "", Username, HttpContext.RequestAborted), "users.added");

    public Task<IActionResult> OnPostRoleAsync() => ChangeAsync(
        role => users.SetRoleAsync(Name ?? "", role, Bank, Username, HttpContext.RequestAborted), "users.roleset");

    public async Task<IActionResult> OnPostUnlockAsync() =>
        await Outcome(await users.UnlockAsync(Name ?? "", Username, HttpContext.RequestAborted), "users.unlocked");

    private async Task<IActionResult> ChangeAsync(Func<ConsoleRole, Task<UserChangeError?>> change, string done)
    {
        if (ConsoleRoles.Parse(NewRole) is not { } role)
        {
            return await Outcome(new UserChangeError("INVALID_ROLE", ""), done);
        }

        return await Outcome(await change(role), done);
    }

    private async Task<IActionResult> Outcome(UserChangeError? error, string done)
    {
        if (error is null)
        {
            Notice = texts.Format(done, ConsoleUsers.Normalize(Name ?? ""));
        }
        else
        {
            Response.StatusCode = error.Code == ErrorCodes.NotFound ? 404 : 422;
            Problem = texts.Format("users.error." + error.Code.ToLowerInvariant(), Name, Bank);
        }

        All = await users.ListAsync(HttpContext.RequestAborted);
        return Page();
    }
}
