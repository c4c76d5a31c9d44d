using Mbushja.WebConsole.Users;

namespace Mbushja.WebConsole.Pages;

/// <summary>The audit log: every change made through the console, newest first.</summary>
public sealed class AuditModel(ConsoleAudit audit) : ConsolePage
{
    public const int Length = 200;

    [Microsoft.AspNetCore.Mvc.BindProperty(SupportsGet = true, Name = "actor")]
    public string? Actor { get; set; }

    public IReadOnlyList<ConsoleAuditEntry> Entries { get; private set; } = [];

    public async Task OnGetAsync() =>
        Entries = await audit.LatestAsync(Length, string.IsNullOrWhiteSpace(Actor) ? null : Actor.Trim().ToLowerInvariant(), HttpContext.RequestAborted);
}
