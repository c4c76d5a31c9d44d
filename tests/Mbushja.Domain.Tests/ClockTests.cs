namespace Mbushja.Domain.Tests;

/// <summary>A month is a calendar month in the operator's time zone (operator.json; IPKO: Europe/Belgrade).</summary>
public sealed class ClockTests
{
    private static readonly TimeZoneInfo Belgrade = OperatorClock.FindZone("Europe/Belgrade");

    private static OperatorClock ClockAt(string utc) => new(new FakeTimeProvider(DateTimeOffset.Parse(utc)), Belgrade);

    [Theory]
    [InlineData("2026-01-31T22:30:00Z", "2026-01")] // 23:30 local, winter (UTC+1)
    [InlineData("2026-01-31T22:50:00Z", "2026-01")] // 23:50 local
    [InlineData("2026-01-31T22:59:59Z", "2026-01")] // 23:59:59 local
    [InlineData("2026-01-31T23:00:00Z", "2026-02")] // midnight local
    [InlineData("2026-01-31T23:10:00Z", "2026-02")] // 00:10 local on 1 February
    [InlineData("2026-07-31T21:30:00Z", "2026-07")] // 23:30 local, summer (UTC+2)
    [InlineData("2026-07-31T22:00:00Z", "2026-08")] // midnight local
    [InlineData("2026-07-31T23:30:00Z", "2026-08")] // 01:30 local on 1 August
    [InlineData("2026-12-31T23:00:00Z", "2027-01")] // the new year starts an hour before UTC's
    [InlineData("2026-12-31T22:59:00Z", "2026-12")]
    public void MonthKey_AroundTheMonthBoundary_IsTheLocalMonth(string utc, string expected)
    {
        OperatorClock clock = ClockAt(utc);

        Assert.Equal(expected, clock.MonthKey(clock.UtcNow));
        Assert.Equal(expected, clock.MonthKey(DateTimeOffset.Parse(utc)));
    }

    [Theory]
    [InlineData("2026-01-31T23:30:00+01:00", "2026-01")]
    [InlineData("2026-02-01T00:10:00+01:00", "2026-02")]
    [InlineData("2026-02-01T00:10:00+05:00", "2026-01")] // an instant in another zone: Belgrade's month decides
    public void MonthKey_InstantWithAnOffset_UsesTheOperatorZone(string instant, string expected)
    {
        OperatorClock clock = ClockAt("2000-01-01T00:00:00Z");

        Assert.Equal(expected, clock.MonthKey(DateTimeOffset.Parse(instant)));
    }

    [Theory]
    [InlineData("2026-01-31T22:30:00Z", "2026-01-31")]
    [InlineData("2026-01-31T23:10:00Z", "2026-02-01")]
    [InlineData("2026-07-31T21:59:59Z", "2026-07-31")]
    [InlineData("2026-07-31T22:00:00Z", "2026-08-01")]
    public void Today_NearMidnight_IsTheLocalDate(string utc, string expected)
    {
        OperatorClock clock = ClockAt(utc);

        Assert.Equal(DateOnly.Parse(expected), clock.Today);
    }

    [Theory]
    [InlineData("2026-03-01", "2026-02-28T23:00:00Z", "2026-03-01T23:00:00Z")] // winter: 24 h
    [InlineData("2026-03-29", "2026-03-28T23:00:00Z", "2026-03-29T22:00:00Z")] // clocks go forward: 23 h
    [InlineData("2026-10-25", "2026-10-24T22:00:00Z", "2026-10-25T23:00:00Z")] // clocks go back: 25 h
    [InlineData("2026-07-15", "2026-07-14T22:00:00Z", "2026-07-15T22:00:00Z")] // summer
    public void DayBounds_AreTheLocalMidnights(string day, string from, string to)
    {
        OperatorClock clock = ClockAt("2000-01-01T00:00:00Z");

        (DateTimeOffset start, DateTimeOffset end) = clock.DayBounds(DateOnly.Parse(day));

        Assert.Equal(DateTimeOffset.Parse(from), start);
        Assert.Equal(DateTimeOffset.Parse(to), end);
    }

    [Theory]
    [InlineData("2026-03-15T10:00:00Z", "2026-02-15T10:00:00Z")] // winter to winter, same wall time
    [InlineData("2026-04-15T10:00:00Z", "2026-03-15T11:00:00Z")] // summer back to winter: 12:00 local both
    [InlineData("2026-03-31T10:00:00Z", "2026-02-28T11:00:00Z")] // no 31 February: the month's last day
    public void SubtractMonth_IsOneCalendarMonthEarlierLocally(string instant, string expected)
    {
        OperatorClock clock = ClockAt("2000-01-01T00:00:00Z");

        Assert.Equal(DateTimeOffset.Parse(expected), clock.SubtractMonth(DateTimeOffset.Parse(instant)));
    }

    [Fact]
    public void Today_ClockMovesPastLocalMidnight_ChangesDay()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-03-31T21:59:00Z"));
        var clock = new OperatorClock(time, Belgrade);
        Assert.Equal(new DateOnly(2026, 3, 31), clock.Today);
        Assert.Equal("2026-03", clock.MonthKey(clock.UtcNow));

        time.Advance(TimeSpan.FromMinutes(2));

        Assert.Equal(new DateOnly(2026, 4, 1), clock.Today);
        Assert.Equal("2026-04", clock.MonthKey(clock.UtcNow));
    }

    [Fact]
    public void LocalNow_Winter_IsOneHourAheadOfUtc()
    {
        OperatorClock clock = ClockAt("2026-01-31T22:30:00Z");

        Assert.Equal(new DateTime(2026, 1, 31, 23, 30, 0), clock.LocalNow.DateTime);
        Assert.Equal(TimeSpan.FromHours(1), clock.LocalNow.Offset);
        Assert.Equal(clock.UtcNow, clock.LocalNow); // the same instant
    }

    [Theory]
    [InlineData("2026-01-31T12:00:00+01:00", "2026-02-28T12:00:00+01:00")] // 31 January → end of February
    [InlineData("2028-01-31T12:00:00+01:00", "2028-02-29T12:00:00+01:00")] // leap year
    [InlineData("2026-01-31T23:30:00+01:00", "2026-02-28T23:30:00+01:00")] // late evening stays in February
    [InlineData("2026-01-15T10:00:00+01:00", "2026-02-15T10:00:00+01:00")]
    [InlineData("2026-03-15T12:00:00+01:00", "2026-04-15T12:00:00+02:00")] // into summer time: same wall clock
    [InlineData("2026-10-15T12:00:00+02:00", "2026-11-15T12:00:00+01:00")] // into winter time: same wall clock
    [InlineData("2026-03-31T12:00:00+02:00", "2026-04-30T12:00:00+02:00")]
    [InlineData("2026-12-31T08:00:00+01:00", "2027-01-31T08:00:00+01:00")]
    [InlineData("2027-02-28T02:30:00+01:00", "2027-03-28T03:30:00+02:00")] // 02:30 does not exist on 28 March 2027
    [InlineData("2026-01-31T23:30:00Z", "2026-03-01T00:30:00+01:00")] // 1 February 00:30 local → 1 March
    public void AddMonth_Instant_OneCalendarMonthOnTheLocalWallClock(string from, string expected)
    {
        OperatorClock clock = ClockAt("2000-01-01T00:00:00Z");

        DateTimeOffset result = clock.AddMonth(DateTimeOffset.Parse(from));

        DateTimeOffset want = DateTimeOffset.Parse(expected);
        Assert.Equal(want, result); // the same instant
        Assert.Equal(want.Offset, result.Offset); // written on Belgrade's wall clock
    }

    [Fact]
    public void AddMonth_Result_IsInTheNextLocalMonth()
    {
        OperatorClock clock = ClockAt("2000-01-01T00:00:00Z");
        DateTimeOffset start = DateTimeOffset.Parse("2026-01-31T23:30:00+01:00");

        Assert.Equal("2026-02", clock.MonthKey(clock.AddMonth(start)));
        Assert.Equal("2026-03", clock.MonthKey(clock.AddMonth(clock.AddMonth(start))));
    }
}
