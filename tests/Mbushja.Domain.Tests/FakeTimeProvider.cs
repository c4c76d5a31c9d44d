namespace Mbushja.Domain.Tests;

/// <summary>A clock that stands still until a test moves it (after NodaTime's FakeClock).</summary>
internal sealed class FakeTimeProvider(DateTimeOffset utcNow) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = utcNow.ToUniversalTime();

    public override DateTimeOffset GetUtcNow() => Now;

    public void Advance(TimeSpan by) => Now += by;
}
