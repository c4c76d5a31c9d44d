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

    /// <summary>Whether this user may see every bank's pages (a bank officer sees their own bank's only).</summary>
    public bool SeesEveryBank => Role != ConsoleRole.BankOfficer;

    /// <summary>
    /// The bank asked for (by code; none: the officer's own, else the first), when this user may see it; otherwise null
    /// with <see cref="Problem"/> and the status set: 404 for an unknown bank, 403 for another bank's, with the text
    /// <paramref name="otherBankText"/> (<c>{0}</c> the officer's bank, <c>{1}</c> the one asked for).
    /// </summary>
    protected Mbushja.Sms.Bank? AllowBank(Mbushja.Sms.BankDirectory banks, string? code, ConsoleText texts, string otherBankText)
    {
        Mbushja.Sms.Bank? bank = banks.ByCode(code ?? OwnBank ?? banks.Banks[0].Code);
        if (bank is null)
        {
            Response.StatusCode = Microsoft.AspNetCore.Http.StatusCodes.Status404NotFound;
            Problem = texts.Format("reg.unknownbank", code);
            return null;
        }

        if (!SeesEveryBank && !string.Equals(bank.Code, OwnBank, StringComparison.OrdinalIgnoreCase))
        {
            Response.StatusCode = Microsoft.AspNetCore.Http.StatusCodes.Status403Forbidden;
            Problem = texts.Format(otherBankText, OwnBank, bank.Code);
            return null;
        }

        return bank;
    }
}

/// <summary>How the console writes values: money in EUR, times on the operator's clock.</summary>
public static class Show
{
    public static string Money(Mbushja.Domain.Money? amount) => amount is { } a ? a.ToString() : "—";

    public static string Time(OperatorClock clock, DateTimeOffset? at) =>
        at is { } t ? TimeZoneInfo.ConvertTime(t, clock.Zone).ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture) : "—";

    public static string Date(OperatorClock clock, DateTimeOffset? at) =>
        at is { } t ? TimeZoneInfo.ConvertTime(t, clock.Zone).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture) : "—";
}
