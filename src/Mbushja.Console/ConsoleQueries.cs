using Mbushja.Domain;
using Mbushja.Ledger;
using Mbushja.Storage.Rollups;
using Mbushja.TopUp;
using Mbushja.Ussd;

namespace Mbushja.WebConsole;

/// <summary>A count of transactions and their value.</summary>
public readonly record struct Tally(long Count, Money Value)
{
    public Tally Add(long count, Money value) => new(checked(Count + count), Value + value);
}

/// <summary>What the dashboard shows for one period (a day, or days added up).</summary>
public sealed record PeriodFigures(
    DateTimeOffset From,
    DateTimeOffset To,
    Tally Sms,
    Tally Ussd,
    IReadOnlyDictionary<string, Tally> ByBank,
    long SmsAll,
    long SmsInProgress,
    IReadOnlyDictionary<string, long> RefusalsByReason)
{
    /// <summary>SMS top-ups reversed (by the day the reversal was asked), whatever their refund's state.</summary>
    public Tally Reversed { get; init; }

    /// <summary>Successful SMS top-ups among the decided ones, in percent; null when none was decided.</summary>
    public double? SmsSuccessRate => SmsAll - SmsInProgress is var decided and > 0 ? 100.0 * Sms.Count / decided : null;
}

/// <summary>
/// The dashboard's figures: from the daily roll-ups that every commit keeps (<see cref="DaysAsync"/>: one indexed read of
/// a few rows a day, whatever the history's size; docs/design/dashboard-rollups.md), the money in flight from the ledger,
/// and, to check the roll-ups, the same figures counted from the messages and payments themselves. Reads only.
/// </summary>
public sealed class ConsoleQueries(DailyRollups rollups, SmsTransactions sms, UssdPayments ussd, LedgerQueries ledger, OperatorClock clock)
{
    /// <summary>The figures of each operator-local day from <paramref name="first"/> to <paramref name="last"/>, in order, from the roll-ups.</summary>
    public async Task<IReadOnlyList<PeriodFigures>> DaysAsync(DateOnly first, DateOnly last, CancellationToken ct = default)
    {
        var byDay = new Dictionary<DateOnly, Builder>();
        foreach ((RollupKey key, RollupFigure figure) in await rollups.ReadAsync(first, last, ct))
        {
            if (!byDay.TryGetValue(key.Day, out Builder? day))
            {
                byDay[key.Day] = day = new Builder();
            }

            Money value = Money.FromCents(figure.Value);
            switch (key.Kind)
            {
                case RollupKinds.Sms:
                    day.Sms(key.Bank.Length == 0 ? null : key.Bank, TopUpStates.Parse(key.State), key.Code.Length == 0 ? null : key.Code, figure.Count, value);
                    break;
                case RollupKinds.Ussd:
                    day.Ussd = day.Ussd.Add(figure.Count, value);
                    break;
                case RollupKinds.Reversal:
                    day.Reversed = day.Reversed.Add(figure.Count, value);
                    break;
            }
        }

        var days = new List<PeriodFigures>();
        for (DateOnly d = first; d <= last; d = d.AddDays(1))
        {
            (DateTimeOffset from, DateTimeOffset to) = clock.DayBounds(d);
            days.Add((byDay.GetValueOrDefault(d) ?? new Builder()).Build(from, to));
        }

        return days;
    }

    /// <summary>
    /// The same figures for [from, to), counted from the messages and payments themselves (an index range and a row
    /// each: what the roll-ups save the dashboard; kept to check them).
    /// </summary>
    public async Task<PeriodFigures> FiguresAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken ct = default)
    {
        var figures = new Builder();
        foreach (SmsTally t in await sms.TallyAsync(from, to, ct))
        {
            figures.Sms(t.BankCode, t.State, t.Code, t.Count, t.Value);
        }

        (long count, Money value) = await ussd.TallyAsync(from, to, ct);
        figures.Ussd = new Tally(count, value);
        return figures.Build(from, to);
    }

    /// <summary>
    /// The money in flight at each bank: what the bank holds for messages whose capture or void is not confirmed yet, as
    /// the ledger keeps it (the holds pending on the bank's clearing account; docs/money.md). One key read per bank.
    /// </summary>
    public async Task<IReadOnlyList<(string Bank, Money Held)>> InFlightAsync(IEnumerable<string> banks, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(banks);
        var held = new List<(string, Money)>();
        foreach (string bank in banks)
        {
            LedgerAccount? clearing = await ledger.GetAccountAsync(TopUpAccounts.Clearing(bank).Id.Value, ct);
            held.Add((bank, clearing?.PendingCredits ?? Money.Zero));
        }

        return held;
    }

    /// <summary>Days' figures added up into one period's, from the first day's start to the last day's end.</summary>
    public static PeriodFigures Sum(IReadOnlyList<PeriodFigures> days)
    {
        ArgumentNullException.ThrowIfNull(days);
        if (days.Count == 0)
        {
            throw new ArgumentException("At least one day.", nameof(days));
        }

        var sum = new Builder();
        foreach (PeriodFigures day in days)
        {
            sum.Add(day);
        }

        return sum.Build(days[0].From, days[^1].To);
    }

    /// <summary>Figures as they are added up.</summary>
    private sealed class Builder
    {
        private readonly SortedDictionary<string, Tally> _byBank = new(StringComparer.Ordinal);
        private readonly SortedDictionary<string, long> _refusals = new(StringComparer.Ordinal);
        private Tally _sms;
        private long _all;
        private long _inProgress;

        public Tally Ussd { get; set; }

        public Tally Reversed { get; set; }

        /// <summary>
        /// Messages of a bank, state and code: charged ones are top-ups, unfinished ones in progress, a renewal set or stopped
        /// neither, the rest refusals by reason.
        /// </summary>
        public void Sms(string? bankCode, TopUpState state, string? code, long count, Money value)
        {
            _all += count;
            if (TopUpStates.IsCharged(state))
            {
                string bank = bankCode ?? "-";
                _sms = _sms.Add(count, value);
                _byBank[bank] = _byBank.GetValueOrDefault(bank).Add(count, value);
            }
            else if (TopUpStates.IsUnfinished(state))
            {
                _inProgress += count;
            }
            else if (RenewalCodes.IsDone(code))
            {
                // A renewal set or stopped: no top-up, and no refusal either.
            }
            else
            {
                string reason = code ?? state.ToWire().ToUpperInvariant();
                _refusals[reason] = _refusals.GetValueOrDefault(reason) + count;
            }
        }

        public void Add(PeriodFigures day)
        {
            _sms = _sms.Add(day.Sms.Count, day.Sms.Value);
            Ussd = Ussd.Add(day.Ussd.Count, day.Ussd.Value);
            Reversed = Reversed.Add(day.Reversed.Count, day.Reversed.Value);
            _all += day.SmsAll;
            _inProgress += day.SmsInProgress;
            foreach ((string bank, Tally tally) in day.ByBank)
            {
                _byBank[bank] = _byBank.GetValueOrDefault(bank).Add(tally.Count, tally.Value);
            }

            foreach ((string reason, long count) in day.RefusalsByReason)
            {
                _refusals[reason] = _refusals.GetValueOrDefault(reason) + count;
            }
        }

        public PeriodFigures Build(DateTimeOffset from, DateTimeOffset to) =>
            new(from, to, _sms, Ussd, new SortedDictionary<string, Tally>(_byBank, StringComparer.Ordinal), _all, _inProgress,
                new SortedDictionary<string, long>(_refusals, StringComparer.Ordinal))
            {
                Reversed = Reversed,
            };
    }
}
