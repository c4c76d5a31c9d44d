using System.Globalization;
using Mbushja.Domain;
using Mbushja.Storage;
using Mbushja.WebConsole.Users;

namespace Mbushja.WebConsole.Pages;

/// <summary>
/// The audit log (docs/design/audit-log.md): every change made in the console, through the admin API (actor <c>api</c>)
/// or on the command line, newest first, a page at a time; searched by actor, by object (what was changed: a user, a
/// number, a registration <c>BANK/id</c>, a transaction id, a package) and by day, on the operator's calendar.
/// </summary>
public sealed class AuditModel(ConsoleAudit audit, OperatorClock clock, NumberingPlan numbering, ConsoleText texts) : ConsolePage
{
    public const int Length = 200;

    [Microsoft.AspNetCore.Mvc.BindProperty(SupportsGet = true, Name = "actor")]
    public string? Actor { get; set; }

    [Microsoft.AspNetCore.Mvc.BindProperty(SupportsGet = true, Name = "target")]
    public string? Target { get; set; }

    [Microsoft.AspNetCore.Mvc.BindProperty(SupportsGet = true, Name = "day")]
    public string? Day { get; set; }

    [Microsoft.AspNetCore.Mvc.BindProperty(SupportsGet = true, Name = "before")]
    public string? Before { get; set; }

    public IReadOnlyList<ConsoleAuditEntry> Entries { get; private set; } = [];

    /// <summary>The link to the older entries of the same search; null on the last page.</summary>
    public string? Older { get; private set; }

    public async Task OnGetAsync()
    {
        DateTimeOffset? from = null, to = null;
        if (!string.IsNullOrWhiteSpace(Day))
        {
            if (!DateOnly.TryParseExact(Day.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out DateOnly day))
            {
                Response.StatusCode = Microsoft.AspNetCore.Http.StatusCodes.Status400BadRequest;
                Problem = texts.Format("audit.badday", Day);
                return;
            }

            (from, to) = clock.DayBounds(day);
        }

        var search = new AuditSearch(Blank(Actor)?.ToLowerInvariant(), ObjectOf(Blank(Target)), from, to);
        Paged<ConsoleAuditEntry> page = await audit.SearchAsync(search, PageCursor.Parse(Before), Length, HttpContext.RequestAborted);
        Entries = page.Rows;
        Older = page.Next is { } next ? Link(Actor, Target, Day) + "&before=" + Uri.EscapeDataString(next.ToString()) : null;
    }

    /// <summary>The page's link for a search (what is not given is not searched by).</summary>
    public static string Link(string? actor = null, string? target = null, string? day = null) =>
        "/console/audit?actor=" + Uri.EscapeDataString(actor?.Trim() ?? "")
        + "&target=" + Uri.EscapeDataString(target?.Trim() ?? "")
        + "&day=" + Uri.EscapeDataString(day?.Trim() ?? "");

    /// <summary>The object as entries name it: a mobile number in E.164, whatever form it was typed in; anything else as typed.</summary>
    private string? ObjectOf(string? target) =>
        target is null ? null : numbering.ParseMsisdn(target).TryGetValue(out Msisdn msisdn) ? msisdn.E164 : target;

    private static string? Blank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();
}
