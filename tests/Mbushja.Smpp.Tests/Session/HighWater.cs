namespace Mbushja.Smpp.Tests.Session;

/// <summary>A count that goes up and down, and the highest it has been; a test awaits that highest reaching a value.</summary>
internal sealed class HighWater
{
    private readonly Lock _lock = new();
    private readonly List<(long Value, TaskCompletionSource Reached)> _watchers = [];
    private long _now;
    private long _highest;

    public long Now
    {
        get
        {
            lock (_lock)
            {
                return _now;
            }
        }
    }

    public long Highest
    {
        get
        {
            lock (_lock)
            {
                return _highest;
            }
        }
    }

    public void Add(long delta)
    {
        lock (_lock)
        {
            _now += delta;
            _highest = Math.Max(_highest, _now);
            foreach ((long value, TaskCompletionSource reached) in _watchers.Where(w => _highest >= w.Value))
            {
                reached.TrySetResult();
            }
        }
    }

    /// <summary>Completes once the count has been at least <paramref name="value"/>.</summary>
    public Task Reached(long value)
    {
        var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock)
        {
            if (_highest >= value)
            {
                reached.TrySetResult();
            }
            else
            {
                _watchers.Add((value, reached));
            }
        }

        return reached.Task;
    }
}
