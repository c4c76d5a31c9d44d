using System.Security.Claims;
using Mbushja.Domain;
using Mbushja.WebConsole.Users;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Mbushja.WebConsole;

/// <summary>What every console page knows: who is signed in, and the outcome of the form just sent.</summary>
public abstract class ConsolePage : PageModel
{
    public string Username => User.Identity?.Name ?? "";

    public ConsoleRole? Role => ConsoleRoles.Parse(User.FindFirstValue(ClaimTypes.Role));

    /// <summary>A bank officer's bank; null for everyone else.</summary>
    public string? OwnBank => User.FindFirstValue(ConsoleSetup.BankClaim);

    /// <summary>What the last form did, for the person who sent it.</summary>
    public string? Notice { get; protected set; }

    /// <summary>Why the last form was refused (nothing changed then).</summary>
    public string? Problem { get; protected set; }
}

/// <summary>How the console writes values: money in EUR, times on the operator's clock.</summary>
public static class Show
{
    public static string Money(long cents) => Mbushja.Domain.Money.FromCents(cents).ToString();

    public static string Money(long? cents) => cents is { } c ? Money(c) : "—";

    public static string Time(OperatorClock clock, DateTimeOffset? at) =>
        at is { } t ? TimeZoneInfo.ConvertTime(t, clock.Zone).ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture) : "—";

    public static string Date(OperatorClock clock, DateTimeOffset? at) =>
        at is { } t ? TimeZoneInfo.ConvertTime(t, clock.Zone).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture) : "—";
}
