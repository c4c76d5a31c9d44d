namespace Mbushja.Domain;

/// <summary>The due date and the reminder's day of a renewal, on the operator's calendar (docs/design/renewals.md).</summary>
public static class RenewalCalendar
{
    /// <summary>
    /// The day a renewal is due: the local day of the account's paid-until, or today when it was never paid or has
    /// lapsed. It runs from that day's first moment, so that paid-until moves one whole month (max(now, paid-until)).
    /// </summary>
    public static DateOnly DueDay(OperatorClock clock, DateTimeOffset? paidUntil)
    {
        ArgumentNullException.ThrowIfNull(clock);
        DateOnly today = clock.Today;
        return paidUntil is { } until && clock.LocalDate(until) > today ? clock.LocalDate(until) : today;
    }

    /// <summary>The first moment of the due day of a period (a paid-until; none: today), whatever the clocks did that night.</summary>
    public static DateTimeOffset ChargeAt(OperatorClock clock, DateTimeOffset? paidUntil)
    {
        ArgumentNullException.ThrowIfNull(clock);
        return paidUntil is { } until ? clock.DayBounds(clock.LocalDate(until)).From : clock.DayBounds(clock.Today).From;
    }

    /// <summary>The first moment of the day <paramref name="days"/> before the due day: when the reminder goes out.</summary>
    public static DateTimeOffset RemindAt(OperatorClock clock, DateTimeOffset? paidUntil, int days)
    {
        ArgumentNullException.ThrowIfNull(clock);
        DateOnly due = paidUntil is { } until ? clock.LocalDate(until) : clock.Today;
        return clock.DayBounds(due.AddDays(-days)).From;
    }
}
