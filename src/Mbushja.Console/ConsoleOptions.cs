namespace Mbushja.WebConsole;

/// <summary>How the console treats sign-ins and sessions (after NATS's options: an immutable record with a default).</summary>
public sealed record ConsoleOptions
{
    public static ConsoleOptions Default { get; } = new();

    /// <summary>Wrong passwords for one name from one address (in <see cref="FailureWindow"/>) that lock the name out there.</summary>
    public int MaxFailedAttempts { get; init; } = 5;

    /// <summary>Failed sign-ins from one address, whatever the names (in <see cref="FailureWindow"/>), that stop the address.</summary>
    public int MaxFailedSignInsPerAddress { get; init; } = 20;

    /// <summary>How long failures are remembered: a count whose first failure is older starts again.</summary>
    public TimeSpan FailureWindow { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>How long a name stays locked out for an address, or an address stopped.</summary>
    public TimeSpan Lockout { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>A session with no request for this long is over (sliding: every request starts it again).</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>Shortest password accepted for a new user.</summary>
    public int MinPasswordLength { get; init; } = 10;
}
