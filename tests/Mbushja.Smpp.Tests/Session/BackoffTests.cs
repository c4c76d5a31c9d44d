using Mbushja.Smpp.Session;

namespace Mbushja.Smpp.Tests.Session;

/// <summary>Waits between reconnects and throttled submits: doubling to a ceiling, spread by jitter.</summary>
public sealed class BackoffTests
{
    private static readonly Backoff Reconnect = new(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60), Jitter: 0.5);

    [Theory]
    [InlineData(0, 1_000)]
    [InlineData(1, 2_000)]
    [InlineData(2, 4_000)]
    [InlineData(5, 32_000)]
    [InlineData(6, 60_000)]
    [InlineData(30, 60_000)]
    [InlineData(1_000, 60_000)]
    public void Delay_DoublesToTheCeiling_LessAtMostTheJittersShare(int attempt, double ceilingMs)
    {
        for (int seed = 0; seed < 50; seed++)
        {
            TimeSpan delay = Reconnect.Delay(attempt, new Random(seed));

            Assert.InRange(delay.TotalMilliseconds, ceilingMs * 0.5, ceilingMs);
        }
    }

    [Fact]
    public void Delay_WithoutJitter_IsTheCeiling()
    {
        Assert.Equal(TimeSpan.FromSeconds(8), (Reconnect with { Jitter = 0 }).Delay(3, new Random(1)));
    }

    [Fact]
    public void Delay_ManyBindsAfterOneOutage_ComeBackSpreadOut()
    {
        // One Random per bind, as each client has (Random.Shared in production).
        double[] delays = [.. Enumerable.Range(0, 20).Select(seed => Reconnect.Delay(4, new Random(seed)).TotalMilliseconds)];

        Assert.True(delays.Max() - delays.Min() >= 16_000 * 0.5 * 0.5, string.Join(", ", delays));
        Assert.True(delays.Distinct().Count() >= 18, string.Join(", ", delays));
    }
}
