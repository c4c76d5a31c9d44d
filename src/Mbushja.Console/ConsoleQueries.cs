using System.Collections.Concurrent;
using Mbushja.Domain;
using Mbushja.TopUp;
using Mbushja.Ussd;

namespace Mbushja.WebConsole;

/// <summary>A count of transactions and their value.</summary>
public readonly record struct Tally(long Count, Money Value)
{
    public Tally Add(long count, Money value) => new(checked(Count + count), Value + value);
}

/// <summary>What the dashboard shows for one period, computed from the recorded messages and payments.</summary>
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
    /// <summary>Successful SMS top-ups among the decided ones, in percent; null when none was decided.</summary>
    public double? SmsSuccessRate => SmsAll - SmsInProgress is var decided and > 0 ? 100.0 * Sms.Count / decided : null;
}

/// <summary>The dashboard's figures, made from what SMS Top Up and USSD each count of their own messages. Reads only.</summary>
public sealed class ConsoleQueries(SmsTransactions sms, UssdPayments ussd, OperatorClock clock)
{
    /// <summary>
    /// How long after a day's end a row may still be dated in it: a message is recorded (and a payment committed) at
    /// the time of its own commit, so only one in flight at midnight, or a server whose clock is behind, can be late.
    /// </summary>
    public static readonly TimeSpan Settled = TimeSpan.FromHours(1);

    /// <summary>Days whose figures can no longer change (see <see cref="DaysAsync"/>), by operator-local date.</summary>
    private readonly ConcurrentDictionary<DateOnly, PeriodFigures> _closedDays = new();

    /// <summary>The dashboard's figures for [from, to).</summary>
    public async Task<PeriodFigures> FiguresAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken ct = default)
    {
        var topUps = new Tally();
        var byBank = new SortedDictionary<string, Tally>(StringComparer.Ordinal);
        var refusals = new SortedDictionary<string, long>(StringComparer.Ordinal);
        long all = 0, inProgress = 0;
        foreach (SmsTally t in await sms.TallyAsync(from, to, ct))
        {
            all += t.Count;
            string bank = t.BankCode ?? "-";
            if (TopUpStates.IsCharged(t.State))
            {
                topUps = topUps.Add(t.Count, t.Value);
                byBank[bank] = byBank.GetValueOrDefault(bank).Add(t.Count, t.Value);
            }
            else if (TopUpStates.IsUnfinished(t.State))
            {
                inProgress += t.Count;
            }
            else if (RenewalCodes.IsDone(t.Code))
            {
                // A renewal set or stopped: no top-up, and no refusal either.
            }
            else
            {
                string reason = t.Code ?? t.State.ToWire().ToUpperInvariant();
                refusals[reason] = refusals.GetValueOrDefault(reason) + t.Count;
            }
        }

        (long count, Money value) = await ussd.TallyAsync(from, to, ct);
        return new PeriodFigures(from, to, topUps, new Tally(count, value), byBank, all, inProgress, refusals);
    }

    /// <summary>
    /// The figures of each operator-local day from <paramref name="first"/> to <paramref name="last"/>, in order. A day
    /// that ended more than <see cref="Settled"/> ago with no message in progress can no longer change (a decided
    /// message never changes state; nothing new is dated in it): it is read once and kept, so that the dashboard's 30
    /// days cost a read of today, not of a month of messages on every page (bench/README.md, "Scale").
    /// </summary>
    public async Task<IReadOnlyList<PeriodFigures>> DaysAsync(DateOnly first, DateOnly last, CancellationToken ct = default)
    {
        DateTimeOffset now = clock.UtcNow;
        var days = new List<PeriodFigures>();
        for (DateOnly day = first; day <= last; day = day.AddDays(1))
        {
            if (_closedDays.TryGetValue(day, out PeriodFigures? kept))
            {
                days.Add(kept);
                continue;
            }

            (DateTimeOffset from, DateTimeOffset to) = clock.DayBounds(day);
            PeriodFigures figures = await FiguresAsync(from, to, ct);
            if (to + Settled <= now && figures.SmsInProgress == 0)
            {
                _closedDays[day] = figures;
            }

            days.Add(figures);
        }

        // Only the days still asked for are kept.
        foreach (DateOnly old in _closedDays.Keys.Where(d => d < first))
        {
            _closedDays.TryRemove(old, out _);
        }

        return days;
    }

    /// <summary>Days' figures added up into one period's, from the first day's start to the last day's end.</summary>
    public static PeriodFigures Sum(IReadOnlyList<PeriodFigures> days)
    {
        ArgumentNullException.ThrowIfNull(days);
        if (days.Count == 0)
        {
            throw new ArgumentException("At least one day.", nameof(days));
        }

        var sms = new Tally();
        var ussd = new Tally();
        var byBank = new SortedDictionary<string, Tally>(StringComparer.Ordinal);
        var refusals = new SortedDictionary<string, long>(StringComparer.Ordinal);
        long all = 0, inProgress = 0;
        foreach (PeriodFigures day in days)
        {
            sms = sms.Add(day.Sms.Count, day.Sms.Value);
            ussd = ussd.Add(day.Ussd.Count, day.Ussd.Value);
            all += day.SmsAll;
            inProgress += day.SmsInProgress;
            foreach ((string bank, Tally tally) in day.ByBank)
            {
                byBank[bank] = byBank.GetValueOrDefault(bank).Add(tally.Count, tally.Value);
            }

            foreach ((string reason, long count) in day.RefusalsByReason)
            {
                refusals[reason] = refusals.GetValueOrDefault(reason) + count;
            }
        }

        return new PeriodFigures(days[0].From, days[^1].To, sms, ussd, byBank, all, inProgress, refusals);
    }
}
