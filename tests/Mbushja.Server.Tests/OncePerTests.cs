using Mbushja.Testing;

namespace Mbushja.Server.Tests;

/// <summary>
/// What the heartbeat says when the database takes no writes: the first failure at once, then once an interval at most.
/// The first one must not cost the server its life (it once overflowed and stopped the host).
/// </summary>
public sealed class OncePerTests
{
    [Fact]
    public void Now_FirstTime_IsYes_ThenNoWithinTheInterval_ThenYesAfterIt()
    {
        var clock = new SteppingClock(DateTimeOffset.UnixEpoch);
        var once = new OncePer(TimeSpan.FromHours(1), clock);

        bool first = once.Now();
        bool soon = once.Now();
        clock.Advance(TimeSpan.FromMinutes(59));
        bool stillWithin = once.Now();
        clock.Advance(TimeSpan.FromMinutes(2));
        bool after = once.Now();
        bool afterAgain = once.Now();

        Assert.Equal((true, false, false, true, false), (first, soon, stillWithin, after, afterAgain));
    }
}
