using System.Net;
using System.Net.Sockets;

namespace Mbushja.Testing;

/// <summary>
/// A TCP relay on a loopback port in front of a server (PostgreSQL, for one), that a test can cut: <see cref="Cut"/>
/// drops every relayed connection and answers each new one by closing it at once (what a client sees of a database
/// whose machine is gone, or of a network cut), until <see cref="Restore"/>. <see cref="RefusedSince"/> counts the
/// connections refused, so a test can await a client's tries rather than sleep.
/// </summary>
public sealed class TcpProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly string _targetHost;
    private readonly int _targetPort;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<TcpClient> _open = [];
    private readonly Lock _lock = new();
    private readonly Task _accepting;
    private volatile bool _cut;
    private int _refused;

    public TcpProxy(string targetHost, int targetPort)
    {
        _targetHost = targetHost;
        _targetPort = targetPort;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Connections refused since the last <see cref="Cut"/>.</summary>
    public int RefusedSince => Volatile.Read(ref _refused);

    /// <summary>Drops every connection relayed now and refuses new ones.</summary>
    public void Cut()
    {
        Interlocked.Exchange(ref _refused, 0);
        _cut = true;
        lock (_lock)
        {
            foreach (TcpClient client in _open)
            {
                client.Client.LingerState = new LingerOption(true, 0); // a reset, as from a machine that died
                client.Dispose();
            }

            _open.Clear();
        }
    }

    public void Restore() => _cut = false;

    /// <summary>Waits until a client has been refused <paramref name="count"/> times since the cut.</summary>
    public async Task WaitForRefusalsAsync(int count, TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        while (RefusedSince < count)
        {
            try
            {
                await Task.Delay(10, deadline.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"The proxy refused {RefusedSince} connections within {timeout}, not {count}.");
            }
        }
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient inbound;
            try
            {
                inbound = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            if (_cut)
            {
                Interlocked.Increment(ref _refused);
                inbound.Client.LingerState = new LingerOption(true, 0);
                inbound.Dispose();
                continue;
            }

            _ = RelayAsync(inbound);
        }
    }

    private async Task RelayAsync(TcpClient inbound)
    {
        var outbound = new TcpClient();
        try
        {
            await outbound.ConnectAsync(_targetHost, _targetPort, _stop.Token);
            lock (_lock)
            {
                _open.Add(inbound);
                _open.Add(outbound);
            }

            NetworkStream a = inbound.GetStream();
            NetworkStream b = outbound.GetStream();
            await Task.WhenAny(a.CopyToAsync(b, _stop.Token), b.CopyToAsync(a, _stop.Token));
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // A cut, a client that left, or the proxy's end: the other side is closed below.
        }
        finally
        {
            lock (_lock)
            {
                _open.Remove(inbound);
                _open.Remove(outbound);
            }

            inbound.Dispose();
            outbound.Dispose();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        Cut();
        await _accepting;
        _stop.Dispose();
    }
}
