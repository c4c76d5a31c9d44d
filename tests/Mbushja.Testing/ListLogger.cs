using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Mbushja.Testing;

/// <summary>A logger (and provider) that keeps every line it is given, formatted, so that tests can read the logs.</summary>
public sealed class ListLogger : ILogger, ILoggerProvider
{
    private readonly ConcurrentQueue<(LogLevel Level, EventId Event, string Text)> _lines = new();
    private readonly Lock _changeLock = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

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
        TaskCompletionSource changed;
        lock (_changeLock)
        {
            changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        changed.TrySetResult();
    }

    /// <summary>
    /// Waits for the first line with event id <paramref name="eventId"/> (and matching <paramref name="which"/>), looking
    /// again at each line logged: a log line is often the only sign that something happened inside. Throws
    /// <see cref="TimeoutException"/> when none comes within <paramref name="timeout"/> (default <see cref="Timeouts.Hang"/>).
    /// </summary>
    public async Task<(LogLevel Level, EventId Event, string Text)> WaitForAsync(int eventId, Func<string, bool>? which = null, TimeSpan? timeout = null)
    {
        using var limit = new CancellationTokenSource(timeout ?? Timeouts.Hang);
        while (true)
        {
            Task changed;
            lock (_changeLock)
            {
                changed = _changed.Task;
            }

            foreach ((LogLevel Level, EventId Event, string Text) line in _lines)
            {
                if (line.Event.Id == eventId && (which is null || which(line.Text)))
                {
                    return line;
                }
            }

            try
            {
                await changed.WaitAsync(limit.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"No log line {eventId} within {timeout ?? Timeouts.Hang}; the log:\n{All}");
            }
        }
    }

    public ILogger CreateLogger(string categoryName) => this;

    public void Dispose()
    {
    }
}
