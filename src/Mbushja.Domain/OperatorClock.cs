namespace Mbushja.Domain;

/// <summary>
/// The operator's time: "a month" and "a day" are calendar ones in the operator's time zone.
/// Time is injected through <see cref="TimeProvider"/> so month boundaries are testable with a fake clock.
/// </summary>
public sealed class OperatorClock(TimeProvider time, TimeZoneInfo zone)
{
    public TimeProvider Time { get; } = time;

    public TimeZoneInfo Zone { get; } = zone;

    public DateTimeOffset UtcNow => Time.GetUtcNow();

    /// <summary>Now, on the operator's wall clock.</summary>
    public DateTimeOffset LocalNow => TimeZoneInfo.ConvertTime(UtcNow, Zone);

    public DateOnly Today => DateOnly.FromDateTime(LocalNow.DateTime);

    public DateOnly LocalDate(DateTimeOffset instant) => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(instant, Zone).DateTime);

    /// <summary>
    /// The instants a local calendar day spans: from its midnight to the next one (23 or 25 hours on the days the
    /// clocks change). A midnight the clocks skip starts at the first local time after it.
    /// </summary>
    public (DateTimeOffset From, DateTimeOffset To) DayBounds(DateOnly day) => (StartOf(day), StartOf(day.AddDays(1)));

    private DateTimeOffset StartOf(DateOnly day)
    {
        DateTime local = day.ToDateTime(TimeOnly.MinValue);
        while (Zone.IsInvalidTime(local))
        {
            local = local.AddMinutes(30);
        }

        return new DateTimeOffset(local, Zone.GetUtcOffset(local));
    }

    /// <summary>The calendar month an instant falls in, locally: <c>2026-02</c>.</summary>
    public string MonthKey(DateTimeOffset instant)
    {
        DateOnly d = LocalDate(instant);
        return $"{d.Year:0000}-{d.Month:00}";
    }

    /// <summary>
    /// One calendar month after an instant on the operator's wall clock (31 January → 28/29 February), as an instant.
    /// </summary>
    public DateTimeOffset AddMonth(DateTimeOffset instant) => AddMonths(instant, 1);

    /// <summary>One calendar month before an instant on the operator's wall clock: a paid month taken back (a reversal).</summary>
    public DateTimeOffset SubtractMonth(DateTimeOffset instant) => AddMonths(instant, -1);

    private DateTimeOffset AddMonths(DateTimeOffset instant, int months)
    {
        DateTime local = TimeZoneInfo.ConvertTime(instant, Zone).DateTime.AddMonths(months);
        if (Zone.IsInvalidTime(local))
        {
            local = local.AddHours(1);
        }

        return new DateTimeOffset(local, Zone.GetUtcOffset(local));
    }

    public static TimeZoneInfo FindZone(string id) => TimeZoneInfo.FindSystemTimeZoneById(id);
}
