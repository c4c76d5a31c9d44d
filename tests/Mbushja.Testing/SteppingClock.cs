using System.Diagnostics;

namespace Mbushja.Testing;

/// <summary>
/// A clock that runs with real time and that a test moves ahead at once (<see cref="Advance"/>): its timers fire when
/// the clock reaches their time, by waiting or by a step. For a whole server under test: its own timeouts and polls
/// keep running as they would, while the test steps over a lease or a retry instead of sleeping through it.
/// (<see cref="FakeClock"/> stands still and its timers run on real time: it moves dates, not timers.)
/// </summary>
public sealed class SteppingClock : TimeProvider
{
    private readonly Lock _lock = new();
    private readonly HashSet<SteppingTimer> _armed = [];
    private readonly DateTimeOffset _start;
    private readonly long _origin = Stopwatch.GetTimestamp();
    private long _stepped;

    public SteppingClock(DateTimeOffset start) => _start = start;

    public override long GetTimestamp() => Stopwatch.GetTimestamp() + Volatile.Read(ref _stepped);

    public override DateTimeOffset GetUtcNow() => _start + Stopwatch.GetElapsedTime(_origin, GetTimestamp());

    /// <summary>Moves the clock ahead by <paramref name="by"/> at once; every timer due by then fires.</summary>
    public void Advance(TimeSpan by)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(by, TimeSpan.Zero);
        SteppingTimer[] armed;
        lock (_lock)
        {
            _stepped += (long)(by.TotalSeconds * Stopwatch.Frequency);
            armed = [.. _armed];
        }

        foreach (SteppingTimer timer in armed)
        {
            timer.Rearm();
        }
    }

    /// <summary>Moves the clock ahead to <paramref name="when"/>, if it is not there yet.</summary>
    public void AdvanceTo(DateTimeOffset when)
    {
        TimeSpan by = when - GetUtcNow();
        if (by > TimeSpan.Zero)
        {
            Advance(by);
        }
    }

    /// <summary>
    /// Moves the clock ahead by <paramref name="step"/> again and again until <paramref name="task"/> ends, letting what
    /// each step woke run between steps (a timer armed just after a step is stepped over by the next). Only the clock
    /// decides what fires; the pause between steps only paces them. Throws <see cref="TimeoutException"/> after
    /// <see cref="Timeouts.Hang"/>.
    /// </summary>
    public async Task AdvanceUntilAsync(Task task, TimeSpan step)
    {
        ArgumentNullException.ThrowIfNull(task);
        using var limit = new CancellationTokenSource(Timeouts.Hang);
        while (!task.IsCompleted)
        {
            if (limit.IsCancellationRequested)
            {
                throw new TimeoutException($"Stepped the clock by {step} for {Timeouts.Hang} and the task did not end.");
            }

            Advance(step);
            await Task.WhenAny(task, Task.Delay(TimeSpan.FromMilliseconds(20), CancellationToken.None));
        }
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new SteppingTimer(this, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    private void Armed(SteppingTimer timer, bool armed)
    {
        lock (_lock)
        {
            if (armed)
            {
                _armed.Add(timer);
            }
            else
            {
                _armed.Remove(timer);
            }
        }
    }

    /// <summary>A timer on the clock's time: a real timer set to the time left, set again whenever the clock steps.</summary>
    private sealed class SteppingTimer : ITimer
    {
        private readonly SteppingClock _clock;
        private readonly TimerCallback _callback;
        private readonly object? _state;
        private readonly ITimer _real;
        private readonly Lock _lock = new();
        private long _due = -1;
        private TimeSpan _period = Timeout.InfiniteTimeSpan;
        private bool _disposed;

        public SteppingTimer(SteppingClock clock, TimerCallback callback, object? state)
        {
            _clock = clock;
            _callback = callback;
            _state = state;
            _real = TimeProvider.System.CreateTimer(_ => Fire(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            lock (_lock)
            {
                if (_disposed)
                {
                    return false;
                }

                _period = period;
                _due = dueTime == Timeout.InfiniteTimeSpan ? -1 : _clock.GetTimestamp() + Ticks(dueTime);
                SetReal();
            }

            return true;
        }

        /// <summary>The clock stepped: the time left is shorter.</summary>
        public void Rearm()
        {
            lock (_lock)
            {
                if (!_disposed)
                {
                    SetReal();
                }
            }
        }

        private void SetReal()
        {
            if (_due < 0)
            {
                _real.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
                _clock.Armed(this, false);
                return;
            }

            long left = Math.Max(0, _due - _clock.GetTimestamp());
            _real.Change(TimeSpan.FromSeconds((double)left / Stopwatch.Frequency), Timeout.InfiniteTimeSpan);
            _clock.Armed(this, true);
        }

        private void Fire()
        {
            lock (_lock)
            {
                if (_disposed || _due < 0)
                {
                    return;
                }

                if (_clock.GetTimestamp() < _due)
                {
                    // A real timer may fire a hair early: wait for the rest.
                    SetReal();
                    return;
                }

                _due = _period == Timeout.InfiniteTimeSpan || _period <= TimeSpan.Zero ? -1 : _due + Ticks(_period);
                SetReal();
            }

            _callback(_state);
        }

        private static long Ticks(TimeSpan span) => (long)(span.TotalSeconds * Stopwatch.Frequency);

        public void Dispose()
        {
            lock (_lock)
            {
                _disposed = true;
                _due = -1;
            }

            _clock.Armed(this, false);
            _real.Dispose();
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
