namespace Mbushja.Messaging;

/// <summary>
/// Wakes the outbox's dispatcher in this process when a reply for the outbound gateway was committed, so that the
/// reply need not wait for the dispatcher's next look (<see cref="OutboxOptions.PollInterval"/>, which still finds
/// what other servers or paths without a signal committed).
/// </summary>
public sealed class OutboxSignal
{
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>A reply was committed: the dispatcher's current or next wait ends at once.</summary>
    public void Notify() => Volatile.Read(ref _next).TrySetResult();

    /// <summary>
    /// Called before the dispatcher looks for due replies; the task completes at the first <see cref="Notify"/> after
    /// this call. A notification that came before was for a reply that the look which follows finds.
    /// </summary>
    public Task Arm()
    {
        TaskCompletionSource current = Volatile.Read(ref _next);
        if (current.Task.IsCompleted)
        {
            Interlocked.CompareExchange(ref _next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), current);
        }

        return Volatile.Read(ref _next).Task;
    }
}
