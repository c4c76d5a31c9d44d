using System.Globalization;
using System.Text;
using Mbushja.Domain;
using Mbushja.Sms;
using Mbushja.TopUp;
using Microsoft.AspNetCore.Mvc;

namespace Mbushja.WebConsole.Pages.Finance;

/// <summary>
/// A bank's settlement of one operator-local day: totals and lines, reversals as negative lines, and the same as the
/// CSV the API gives (<see cref="Settlements.WriteCsvAsync"/>, docs/settlement-csv.md).
/// </summary>
public sealed class SettlementModel(Settlements settlements, BankDirectory banks, OperatorClock clock, ConsoleText texts)
    : FinancePage(banks, clock, texts)
{
    public Settlement? Day { get; private set; }

    public async Task<IActionResult> OnGetAsync()
    {
        if (Choose())
        {
            Day = await settlements.ForDayAsync(Bank!.Code, Date, HttpContext.RequestAborted);
        }

        return Page();
    }

    /// <summary>The day's settlement as RFC 4180 CSV, named <c>settlement-BANK-YYYY-MM-DD.csv</c>.</summary>
    public async Task<IActionResult> OnGetCsvAsync()
    {
        if (!Choose())
        {
            return Page();
        }

        Settlement settlement = await settlements.ForDayAsync(Bank!.Code, Date, HttpContext.RequestAborted);
        var csv = new StringWriter(CultureInfo.InvariantCulture);
        await Settlements.WriteCsvAsync(settlement, csv, HttpContext.RequestAborted);
        return File(Encoding.UTF8.GetBytes(csv.ToString()), "text/csv; charset=utf-8", $"settlement-{settlement.BankCode}-{DateValue}.csv");
    }
}
