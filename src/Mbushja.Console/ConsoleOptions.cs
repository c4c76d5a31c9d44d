namespace Mbushja.WebConsole;

/// <summary>How the console treats sign-ins and sessions (after NATS's options: an immutable record with a default).</summary>
public sealed record ConsoleOptions
{
    public static ConsoleOptions Default { get; } = new();

    /// <summary>Wrong passwords in a row that lock a user out.</summary>
    public int MaxFailedAttempts { get; init; } = 5;

    /// <summary>How long a locked-out user cannot sign in.</summary>
    public TimeSpan Lockout { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>A session with no request for this long is over (sliding: every request starts it again).</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>Shortest password accepted for a new user.</summary>
    public int MinPasswordLength { get; init; } = 10;
}
