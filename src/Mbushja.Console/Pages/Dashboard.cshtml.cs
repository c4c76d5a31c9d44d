using Mbushja.Domain;
using Mbushja.Sms;

namespace Mbushja.WebConsole.Pages;

/// <summary>
/// Today's and the last 30 days' volume and value by channel and by bank, the success rate and the refusals by reason,
/// from the recorded messages and payments; days are the operator's calendar days.
/// </summary>
public sealed class DashboardModel(ConsoleQueries queries, OperatorClock clock, BankDirectory banks, ConsoleText texts) : ConsolePage
{
    public const int Days = 30;

    public IReadOnlyList<(string Title, PeriodFigures Figures, IReadOnlyList<BarChart> Charts)> Periods { get; private set; } = [];

    public async Task OnGetAsync()
    {
        DateOnly today = clock.Today;
        // Day by day: the past days that can no longer change are read once (ConsoleQueries.DaysAsync), today every time.
        IReadOnlyList<PeriodFigures> days = await queries.DaysAsync(today.AddDays(1 - Days), today, HttpContext.RequestAborted);
        PeriodFigures day = days[^1];
        PeriodFigures month = ConsoleQueries.Sum(days);
        Periods =
        [
            (texts["dashboard.today"], day, Charts("today", day)),
            (texts.Format("dashboard.lastdays", Days), month, Charts("days30", month)),
        ];
    }

    private List<BarChart> Charts(string id, PeriodFigures f)
    {
        string empty = texts["dashboard.none"];
        (string Label, Tally Tally)[] channels = [("SMS", f.Sms), ("USSD", f.Ussd)];
        // Every configured bank is shown, also with nothing, so that a silent bank stands out.
        (string Label, Tally Tally)[] byBank = [.. banks.Banks.Select(b => (b.Code, f.ByBank.GetValueOrDefault(b.Code)))];
        long refused = f.RefusalsByReason.Values.Sum();
        string rate = f.SmsSuccessRate is { } r ? texts.Format("dashboard.rate", r.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture)) : texts["dashboard.norate"];
        return
        [
            new BarChart($"{id}-volume-channel", texts["dashboard.volume.channel"], [.. channels.Select(c => new Bar(c.Label, c.Tally.Count, c.Tally.Count.ToString(System.Globalization.CultureInfo.InvariantCulture)))], empty),
            new BarChart($"{id}-value-channel", texts["dashboard.value.channel"], [.. channels.Select(c => new Bar(c.Label, c.Tally.Value.Cents, Show.Money(c.Tally.Value)))], empty),
            new BarChart($"{id}-volume-bank", texts["dashboard.volume.bank"], [.. byBank.Select(c => new Bar(c.Label, c.Tally.Count, c.Tally.Count.ToString(System.Globalization.CultureInfo.InvariantCulture)))], empty),
            new BarChart($"{id}-value-bank", texts["dashboard.value.bank"], [.. byBank.Select(c => new Bar(c.Label, c.Tally.Value.Cents, Show.Money(c.Tally.Value)))], empty),
            new BarChart(
                $"{id}-success",
                $"{texts["dashboard.success"]}: {rate}",
                [
                    new Bar(texts["dashboard.completed"], f.Sms.Count, f.Sms.Count.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                    new Bar(texts["dashboard.refused"], refused, refused.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                    new Bar(texts["dashboard.inprogress"], f.SmsInProgress, f.SmsInProgress.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                ],
                empty),
            new BarChart($"{id}-refusals", texts["dashboard.refusals"], [.. f.RefusalsByReason.Select(r => new Bar(r.Key, r.Value, r.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)))], texts["dashboard.norefusals"]),
        ];
    }
}
