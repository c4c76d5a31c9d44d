using System.Globalization;
using Mbushja.Domain;
using Mbushja.Sms;

namespace Mbushja.WebConsole.Pages;

/// <summary>A headline figure: what it counts, the figure, and a line under it.</summary>
public sealed record Tile(string Id, string Label, string Figure, string Detail);

/// <summary>
/// The last 30 days' volume and value per day by channel and by bank, the success rate over time, the refusals by
/// reason and the money in flight at each bank, with today's figures first. Read from the daily roll-ups and the
/// ledger only (ConsoleQueries; docs/design/dashboard-rollups.md), so the page costs the same at any size of history.
/// </summary>
public sealed class DashboardModel(ConsoleQueries queries, OperatorClock clock, BankDirectory banks, ConsoleText texts) : ConsolePage
{
    public const int Days = 30;

    public string Period { get; private set; } = "";

    public IReadOnlyList<Tile> Tiles { get; private set; } = [];

    public IReadOnlyList<LineChart> Lines { get; private set; } = [];

    public IReadOnlyList<BarChart> Bars { get; private set; } = [];

    public async Task OnGetAsync()
    {
        DateOnly today = clock.Today;
        DateOnly first = today.AddDays(1 - Days);
        IReadOnlyList<PeriodFigures> days = await queries.DaysAsync(first, today, HttpContext.RequestAborted);
        string[] codes = [.. banks.Banks.Select(b => b.Code)];
        IReadOnlyList<(string Bank, Money Held)> inFlight = await queries.InFlightAsync(codes, HttpContext.RequestAborted);
        PeriodFigures day = days[^1];
        PeriodFigures month = ConsoleQueries.Sum(days);
        DateOnly[] dates = [.. Enumerable.Range(0, Days).Select(first.AddDays)];
        Period = texts.Format("dash.period", Days, Show.Date(clock, month.From), Show.Date(clock, month.To.AddTicks(-1)));

        Money held = inFlight.Aggregate(Money.Zero, (sum, b) => sum + b.Held);
        Tiles =
        [
            new("tile-sms", texts["dash.tile.sms"], Count(day.Sms.Count), Show.Money(day.Sms.Value)),
            new("tile-ussd", texts["dash.tile.ussd"], Count(day.Ussd.Count), Show.Money(day.Ussd.Value)),
            new("tile-rate", texts["dash.tile.rate"], Rate(day.SmsSuccessRate), texts.Format("dash.decided", Count(day.SmsAll - day.SmsInProgress))),
            new("tile-inflight", texts["dash.tile.inflight"], Show.Money(held), texts["dash.holds"]),
            new("tile-month", texts.Format("dash.tile.month", Days), Show.Money(month.Sms.Value + month.Ussd.Value), texts.Format("dash.count", Count(month.Sms.Count + month.Ussd.Count))),
            new("tile-reversed", texts.Format("dash.tile.reversed", Days), Show.Money(month.Reversed.Value), texts.Format("dash.count", Count(month.Reversed.Count))),
        ];

        string none = texts["dash.none"];
        (string Name, Func<PeriodFigures, Tally> Of)[] channels = [("SMS", f => f.Sms), ("USSD", f => f.Ussd)];
        // Every configured bank is drawn, also with nothing, so that a silent bank stands out.
        (string Name, Func<PeriodFigures, Tally> Of)[] byBank = [.. codes.Select(c => (c, (Func<PeriodFigures, Tally>)(f => f.ByBank.GetValueOrDefault(c))))];
        Lines =
        [
            new LineChart("volume-channel", texts["dash.volume.channel"], dates, [.. channels.Select(c => Volume(c.Name, days, c.Of))], Number, none, Whole: true),
            new LineChart("value-channel", texts["dash.value.channel"], dates, [.. channels.Select(c => Value(c.Name, days, c.Of))], Euros, none),
            new LineChart("volume-bank", texts["dash.volume.bank"], dates, [.. byBank.Select(b => Volume(b.Name, days, b.Of))], Number, none, Whole: true),
            new LineChart("value-bank", texts["dash.value.bank"], dates, [.. byBank.Select(b => Value(b.Name, days, b.Of))], Euros, none),
            new LineChart(
                "success-rate",
                texts["dash.success"],
                dates,
                [new ChartSeries(texts["dash.success.series"], [.. days.Select(d => d.SmsSuccessRate)], [.. days.Select(d => Rate(d.SmsSuccessRate))], Rate(month.SmsSuccessRate))],
                Number,
                texts["dash.norate"]),
        ];
        Bars =
        [
            new BarChart(
                "refusals",
                texts.Format("dash.refusals", Days),
                [.. month.RefusalsByReason.OrderByDescending(r => r.Value).Select(r => new Bar(texts.Code(r.Key), r.Value, Count(r.Value), r.Key))],
                texts["dash.norefusals"]),
            new BarChart("inflight", texts["dash.inflight"], [.. inFlight.Select(b => new Bar(b.Bank, b.Held.Cents, Show.Money(b.Held)))], none),
        ];
    }

    private static ChartSeries Volume(string name, IReadOnlyList<PeriodFigures> days, Func<PeriodFigures, Tally> of) =>
        new(name, [.. days.Select(d => (double?)of(d).Count)], [.. days.Select(d => Count(of(d).Count))], Count(days.Sum(d => of(d).Count)));

    private static ChartSeries Value(string name, IReadOnlyList<PeriodFigures> days, Func<PeriodFigures, Tally> of) =>
        new(
            name,
            [.. days.Select(d => (double?)of(d).Value.Cents / 100)],
            [.. days.Select(d => Show.Money(of(d).Value))],
            Show.Money(days.Aggregate(Money.Zero, (sum, d) => sum + of(d).Value)));

    private static string Count(long count) => count.ToString(CultureInfo.InvariantCulture);

    private string Rate(double? rate) => rate is { } r ? r.ToString("0.0", CultureInfo.InvariantCulture) + "%" : texts["dash.norate"];

    private static string Number(double value) => value.ToString(value >= 10 || value == Math.Floor(value) ? "0" : "0.#", CultureInfo.InvariantCulture);

    private static string Euros(double value) => value.ToString(value >= 10 || value == Math.Floor(value) ? "0" : "0.##", CultureInfo.InvariantCulture);
}
