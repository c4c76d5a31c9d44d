using Mbushja.WebConsole.Users;
using Microsoft.AspNetCore.Mvc;

namespace Mbushja.WebConsole.Pages;

/// <summary>Each role's first page: bank officers work on registrations, everyone else starts at the dashboard.</summary>
public sealed class IndexModel : ConsolePage
{
    public IActionResult OnGet() => Redirect(Role == ConsoleRole.BankOfficer ? "/console/registrations" : "/console/dashboard");
}
