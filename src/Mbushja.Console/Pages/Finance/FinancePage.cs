using System.Globalization;
using Mbushja.Domain;
using Mbushja.Sms;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace Mbushja.WebConsole.Pages.Finance;

/// <summary>
/// What the money pages of a bank share (ConsolePolicies.Finance): the bank (a bank officer's own only, refused with 403
/// and the reason otherwise) and the operator-local day, yesterday unless one is asked (the day finance settles).
/// </summary>
public abstract class FinancePage(BankDirectory banks, OperatorClock clock, ConsoleText texts) : ConsolePage
{
    [BindProperty(SupportsGet = true, Name = "bank")]
    public string? BankCode { get; set; }

    [BindProperty(SupportsGet = true, Name = "date")]
    public string? DateText { get; set; }

    /// <summary>The bank, once allowed.</summary>
    public Bank? Bank { get; private set; }

    /// <summary>The operator-local day asked for.</summary>
    public DateOnly Date { get; private set; }

    public string DateValue => Date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>The banks this user may pick: a bank officer only their own.</summary>
    public IReadOnlyList<Bank> Banks => OwnBank is null ? banks.Banks : [.. banks.Banks.Where(b => string.Equals(b.Code, OwnBank, StringComparison.OrdinalIgnoreCase))];

    public string TimeZone => clock.Zone.Id;

    protected ConsoleText Texts => texts;

    /// <summary>Reads the bank and the day; false (with the problem and the status set) when either is refused.</summary>
    protected bool Choose()
    {
        Date = clock.Today.AddDays(-1);
        if (AllowBank(banks, BankCode, texts, "money.otherbank") is not { } bank)
        {
            return false;
        }

        Bank = bank;
        if (!string.IsNullOrWhiteSpace(DateText))
        {
            if (!DateOnly.TryParseExact(DateText.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out DateOnly date))
            {
                Response.StatusCode = StatusCodes.Status400BadRequest;
                Problem = texts.Format("money.baddate", DateText);
                return false;
            }

            Date = date;
        }

        return true;
    }
}
