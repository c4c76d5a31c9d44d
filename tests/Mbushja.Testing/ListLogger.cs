using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Mbushja.Testing;

/// <summary>A logger (and provider) that keeps every line it is given, formatted, so that tests can read the logs.</summary>
public sealed class ListLogger : ILogger, ILoggerProvider
{
    private readonly ConcurrentQueue<(LogLevel Level, EventId Event, string Text)> _lines = new();

    public IReadOnlyList<(LogLevel Level, EventId Event, string Text)> Lines => [.. _lines];

    /// <summary>Every line with its exception's message, as one text to search.</summary>
    public string All => string.Join('\n', Lines.Select(l => l.Text));

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        ArgumentNullException.ThrowIfNull(formatter);
        _lines.Enqueue((logLevel, eventId, formatter(state, exception) + (exception is null ? "" : " | " + exception)));
    }

    public ILogger CreateLogger(string categoryName) => this;

    public void Dispose()
    {
    }
}
