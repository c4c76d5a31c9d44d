using Mbushja.Smpp.Pdus;

namespace Mbushja.Smpp.Session;

/// <summary>
/// The configured binds together (several for throughput and redundancy): started and stopped as one, and a request
/// sent through whichever bound session may submit, in turn, preferring one with room in its window.
/// </summary>
public sealed class SmppClientGroup(IReadOnlyList<SmppClient> clients) : IAsyncDisposable
{
    private int _next;

    public IReadOnlyList<SmppClient> Clients { get; } = clients ?? throw new ArgumentNullException(nameof(clients));

    public void Start()
    {
        foreach (SmppClient client in Clients)
        {
            client.Start();
        }
    }

    /// <summary>
    /// True when a bind that may submit is this server's to use (<see cref="SmppClient.HoldsSlot"/>), bound or on its
    /// way; false while other servers hold the slots of all of them, and they had better send.
    /// </summary>
    public bool MaySubmit => Clients.Any(c => c.Options.BindType.CanSubmit() && c.HoldsSlot);

    /// <summary>Unbinds every session, in parallel.</summary>
    public Task StopAsync(CancellationToken cancellationToken = default) => Task.WhenAll(Clients.Select(c => c.StopAsync(cancellationToken)));

    /// <summary>
    /// Sends <paramref name="request"/> (submit_sm, data_sm) through a bound session that may submit, waiting up to
    /// <paramref name="waitForBind"/> for one when none is bound. Returns the response and the session that carried it.
    /// Throws as <see cref="SmppSession.SendAsync"/> does, and <see cref="SmppNotBoundException"/> when no session came.
    /// </summary>
    public async Task<(Pdu Response, SmppSession Session)> SendAsync(Pdu request, TimeSpan waitForBind, CancellationToken cancellationToken = default)
    {
        SmppSession session = Pick() ?? await WaitForSubmitterAsync(waitForBind, cancellationToken);
        return (await session.SendAsync(request, cancellationToken), session);
    }

    /// <summary>The next bound session that may submit, one with a free window first; null when none is bound.</summary>
    private SmppSession? Pick()
    {
        SmppSession? busy = null;
        int start = unchecked(Interlocked.Increment(ref _next)) & int.MaxValue;
        for (int i = 0; i < Clients.Count; i++)
        {
            SmppClient client = Clients[(start + i) % Clients.Count];
            if (client.Options.BindType.CanSubmit() && client.Session is { } session)
            {
                if (session.FreeWindow > 0)
                {
                    return session;
                }

                busy ??= session;
            }
        }

        return busy;
    }

    private async Task<SmppSession> WaitForSubmitterAsync(TimeSpan wait, CancellationToken cancellationToken)
    {
        SmppClient[] submitters = [.. Clients.Where(c => c.Options.BindType.CanSubmit())];
        if (submitters.Length == 0)
        {
            throw new SmppNotBoundException("No bind may submit (all are receivers).");
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(wait);
        try
        {
            await Task.WhenAny(submitters.Select(c => c.WaitForBindAsync(timeout.Token))).Unwrap();
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // No bind within the wait: said below.
        }

        return Pick() ?? throw new SmppNotBoundException($"No SMPP bind that may submit is up ({string.Join(", ", submitters.Select(c => c.Name))}).");
    }

    public async ValueTask DisposeAsync()
    {
        foreach (SmppClient client in Clients)
        {
            await client.DisposeAsync();
        }
    }
}
