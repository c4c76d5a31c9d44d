using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Mbushja.Bench.Crash;

/// <summary>
/// One Mbushja server as an operator runs it: <c>dotnet mbushja.dll serve …</c> in a process of its own, its output
/// appended to a log file. Killed with SIGKILL and started again with the same arguments, data folder and port.
/// </summary>
internal sealed class ServerProcess
{
    private readonly string _dll;
    private readonly IReadOnlyList<string> _args;
    private readonly IReadOnlyDictionary<string, string> _environment;
    private Process? _process;

    public ServerProcess(int index, string dll, IReadOnlyList<string> args, IReadOnlyDictionary<string, string> environment, string log, Uri url, string dataFolder)
    {
        DataFolder = dataFolder;
        Index = index;
        _dll = dll;
        _args = args;
        _environment = environment;
        Log = log;
        Url = url;
    }

    public int Index { get; }

    public Uri Url { get; }

    public string Log { get; }

    /// <summary>Its <c>--data</c> folder (on SQLite, where the database is).</summary>
    public string DataFolder { get; }

    public bool Running => _process is { HasExited: false };

    /// <summary>A free loopback port for a server that keeps it across restarts.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public void Start()
    {
        // Through sh only to append the output to the log: exec leaves the server itself as the process we kill.
        var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("exec \"$0\" \"$@\" >>\"$MBUSHJA_CRASH_LOG\" 2>&1 </dev/null");
        start.ArgumentList.Add("dotnet");
        start.ArgumentList.Add(_dll);
        foreach (string arg in _args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach ((string name, string value) in _environment)
        {
            start.Environment[name] = value;
        }

        start.Environment["MBUSHJA_CRASH_LOG"] = Log;
        File.AppendAllText(Log, $"---- bench/crash: start at {DateTimeOffset.UtcNow:O}{Environment.NewLine}");
        _process = Process.Start(start) ?? throw new InvalidOperationException("The server process did not start.");
    }

    /// <summary>SIGKILL: no shutdown, no flush, what a power cut or the OOM killer does.</summary>
    public void Kill()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill(entireProcessTree: false);
            process.WaitForExit();
            File.AppendAllText(Log, $"---- bench/crash: SIGKILL at {DateTimeOffset.UtcNow:O}{Environment.NewLine}");
        }
    }

    /// <summary>Waits until <c>/health/ready</c> answers 200; throws, with the log's end, when the process exits or the time runs out.</summary>
    public async Task WaitReadyAsync(HttpClient http, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (!Running)
            {
                throw new InvalidOperationException($"Server {Index} exited at start:{Environment.NewLine}{Tail()}");
            }

            try
            {
                using var ready = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                using HttpResponseMessage response = await http.GetAsync(new Uri(Url, "/health/ready"), ready.Token);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
            {
                // Not listening yet.
            }

            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"Server {Index} not ready after {timeout.TotalSeconds:0} s:{Environment.NewLine}{Tail()}");
            }

            await Task.Delay(100);
        }
    }

    public string Tail() => File.Exists(Log) ? string.Join(Environment.NewLine, File.ReadLines(Log).TakeLast(20)) : "(no log)";
}
