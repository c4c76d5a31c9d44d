using Mbushja.WebConsole.Users;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Mbushja.Server.Api;

/// <summary>
/// The admin API's changes in the platform's one audit log, beside the console's (docs/design/audit-log.md): the actor
/// is the caller the admin key names (<see cref="ConsoleAudit.ApiActor"/>), with the client's address; a caller's own
/// name given in a body (<c>by</c>) goes in the details.
/// </summary>
internal static class ApiAudit
{
    /// <summary>
    /// Records a change the endpoint has made. Not cancelled with the request: a caller that stops waiting once the change
    /// committed leaves it audited all the same.
    /// </summary>
    public static Task AuditAsync(this HttpContext context, string action, string target, object details) =>
        context.RequestServices.GetRequiredService<ConsoleAudit>().RecordAsync(Actor(context), action, target, details, CancellationToken.None);

    /// <summary>Who the request authenticated as: <see cref="ConsoleAudit.ApiActor"/> for the admin key.</summary>
    public static string Actor(HttpContext context) => context.User.Identity?.Name ?? ConsoleAudit.ApiActor;
}
