namespace Mbushja.Smpp.Session;

/// <summary>
/// The slots one configured bind may take, when several servers share the binds an SMSC allows a system_id (README
/// "SMPP", docs/design/smpp-bind-leases.md). <see cref="SmppClient"/> takes a slot before it connects and gives it back
/// once the connection is gone, so that the binds of all servers together never exceed what the slots allow.
/// </summary>
public interface ISmppBindSlots
{
    /// <summary>
    /// Waits until a slot is this bind's, trying again as long as it takes; throws <see cref="OperationCanceledException"/>
    /// when <paramref name="cancellationToken"/> is cancelled first.
    /// </summary>
    Task<ISmppBindSlot> TakeAsync(CancellationToken cancellationToken);
}

/// <summary>A slot held by one bind. Disposing it gives it back: only once the bind's connection is gone.</summary>
public interface ISmppBindSlot : IAsyncDisposable
{
    /// <summary>
    /// Cancelled when the slot can no longer be kept (its lease could not be renewed in time, or another server holds
    /// it): the bind must end now, so that it is gone before another server may take the slot.
    /// </summary>
    CancellationToken Lost { get; }

    /// <summary>How long an unbind may take once <see cref="Lost"/> is cancelled; then the connection is closed without one.</summary>
    TimeSpan UnbindWithin { get; }
}
