using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using Npgsql;

namespace Mbushja.Testing;

/// <summary>
/// A real PostgreSQL high-availability cluster: a pg_auto_failover monitor and two nodes, a primary and its
/// synchronous standby, on 127.0.0.1, started by <c>deploy/pg-ha</c> (deploy/README.md) in a folder under /tmp and
/// stopped on dispose. Tests kill nodes and wait for the failover. <c>./test.sh</c> installs pg_auto_failover
/// (<c>tests/needs-pg-auto-failover</c>); without it this fails, it is never skipped.
/// </summary>
/// <remarks>
/// The lifetime methods have the shape of xunit's <c>IAsyncLifetime</c>, which this library does not reference: a
/// test project declares the interface on a subclass, <c>public sealed class Cluster : PgAutoFailoverCluster, IAsyncLifetime;</c>,
/// and takes that as its class or collection fixture.
/// </remarks>
public class PgAutoFailoverCluster
{
    public const string Database = "mbushja";
    public const string Username = "mbushja";

    /// <summary>What <c>deploy/pg-ha primary</c> exits with when no node takes writes.</summary>
    private const int NoPrimaryExitCode = 3;

    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(4);
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(2);

    private string? _folder;

    /// <summary>The cluster's folder: data, sockets and each node's log (<c>node1.log</c>, ...).</summary>
    public string Folder => _folder ?? throw new InvalidOperationException("The cluster is not started.");

    public int MonitorPort { get; private set; }

    public int Node1Port { get; private set; }

    public int Node2Port { get; private set; }

    /// <summary>
    /// The formation's URI as <c>pg_autoctl show uri</c> prints it:
    /// <c>postgres://127.0.0.1:P1,127.0.0.1:P2/mbushja?target_session_attrs=read-write&amp;sslmode=require</c> (no user:
    /// pg_autoctl leaves it to the client). A string, since <see cref="System.Uri"/> does not take several hosts.
    /// </summary>
    public string Uri { get; private set; } = "";

    /// <summary>The same formation in Npgsql's keywords: both hosts, and only a writable one will do.</summary>
    public string KeywordConnectionString => new NpgsqlConnectionStringBuilder
    {
        Host = string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{Node1Port},127.0.0.1:{Node2Port}"),
        Database = Database,
        Username = Username,
        TargetSessionAttributes = "read-write",
        SslMode = SslMode.Require,
    }.ConnectionString;

    public async Task InitializeAsync()
    {
        // /tmp, not the temp folder: as root the servers run as the postgres user, who must reach it, and Unix
        // socket paths must stay short.
        _folder = Path.Combine("/tmp", "mbushja-ha-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(_folder);
        try
        {
            await RunAsync(StartTimeout, "start", _folder);
        }
        catch (Exception failed) when (failed is InvalidOperationException or TimeoutException)
        {
            // Whatever did start goes. The start's failure is the one to report: its output ends with the log's last lines.
            try
            {
                await RunAsync(CommandTimeout, "stop", _folder);
            }
            catch (Exception e) when (e is InvalidOperationException or TimeoutException)
            {
                throw new AggregateException(failed, e);
            }

            throw;
        }

        Dictionary<string, int> ports = File.ReadAllLines(Path.Combine(_folder, "ports"))
            .Select(line => line.Split('=', 2))
            .ToDictionary(pair => pair[0], pair => int.Parse(pair[1], CultureInfo.InvariantCulture), StringComparer.Ordinal);
        MonitorPort = ports["monitor"];
        Node1Port = ports["node1"];
        Node2Port = ports["node2"];
        Uri = (await RunAsync(CommandTimeout, "uri", _folder)).Output;
    }

    /// <summary>Stops every process of the cluster, then removes its folder (kept when the stop fails, for its logs).</summary>
    public async Task DisposeAsync()
    {
        if (_folder is null)
        {
            return;
        }

        NpgsqlConnection.ClearAllPools();
        await RunAsync(CommandTimeout, "stop", _folder);
        Directory.Delete(_folder, recursive: true);
        _folder = null;
    }

    /// <summary>The monitor's view, <c>pg_autoctl show state</c>, for messages.</summary>
    public async Task<string> StateAsync() => (await RunAsync(CommandTimeout, "state", Folder)).Output;

    /// <summary>The port of the node that takes writes now, as the monitor assigns it.</summary>
    public async Task<int> PrimaryPortAsync() =>
        await TryPrimaryPortAsync() ?? throw new InvalidOperationException($"No node is primary now:\n{await StateAsync()}");

    /// <summary>SIGKILLs the primary's postmaster; its keeper restarts Postgres. Returns the node's name.</summary>
    public async Task<string> KillPrimaryPostmasterAsync() =>
        (await RunAsync(CommandTimeout, "kill-postmaster", Folder, "primary")).Output;

    /// <summary>SIGKILLs the primary's keeper and all its Postgres processes at once, as if its machine died. Returns the node's name.</summary>
    public async Task<string> KillPrimaryNodeAsync() =>
        (await RunAsync(CommandTimeout, "kill-node", Folder, "primary")).Output;

    /// <summary>SIGKILLs the standby's keeper and all its Postgres processes at once. Returns the node's name.</summary>
    public async Task<string> KillStandbyNodeAsync()
    {
        string standby = await PrimaryPortAsync() == Node1Port ? "node2" : "node1";
        return (await RunAsync(CommandTimeout, "kill-node", Folder, standby)).Output;
    }

    /// <summary>Starts a killed node's keeper again; returns when it has rejoined as the secondary.</summary>
    public async Task RestartNodeAsync(string name) => await RunAsync(StartTimeout, "restart-node", Folder, name);

    /// <summary>
    /// Waits until the monitor names a node other than <paramref name="exceptPort"/> primary and that node commits a
    /// write (on the session defaults, so a node promoted but still read-only does not count). Returns its port.
    /// </summary>
    public async Task<int> WaitForPrimaryAsync(int exceptPort, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        string lastProblem = "the monitor named no other primary";
        while (clock.Elapsed < timeout)
        {
            if (await TryPrimaryPortAsync() is { } port && port != exceptPort)
            {
                try
                {
                    await WriteAsync(port);
                    return port;
                }
                catch (NpgsqlException e)
                {
                    lastProblem = $"port {port} refused a write: {e.Message}";
                }
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250));
        }

        throw new TimeoutException(
            $"No primary other than port {exceptPort} took a write within {timeout.TotalSeconds:0} s ({lastProblem}). " +
            $"The monitor says:\n{await StateAsync()}\nLogs: {Folder}/*.log");
    }

    private async Task<int?> TryPrimaryPortAsync()
    {
        PgHaResult result = await RunAsync(CommandTimeout, ["primary", Folder], NoPrimaryExitCode);
        return result.ExitCode == NoPrimaryExitCode ? null : int.Parse(result.Output, CultureInfo.InvariantCulture);
    }

    /// <summary>A write that leaves nothing behind: a temporary table is a catalog change, so its commit is WAL that waits for a synchronous standby.</summary>
    private static async Task WriteAsync(int port)
    {
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1",
            Port = port,
            Database = Database,
            Username = Username,
            SslMode = SslMode.Require,
            Pooling = false,
            Timeout = 5,
            CommandTimeout = 10,
        };
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync();
        await using NpgsqlTransaction transaction = await connection.BeginTransactionAsync();
        await using var write = new NpgsqlCommand("CREATE TEMPORARY TABLE pg_ha_probe (n integer) ON COMMIT DROP", connection, transaction);
        await write.ExecuteNonQueryAsync();
        await transaction.CommitAsync();
    }

    private static Task<PgHaResult> RunAsync(TimeSpan timeout, params string[] arguments) => RunAsync(timeout, arguments, 0);

    /// <summary>Runs <c>deploy/pg-ha</c>; an exit code other than 0 and <paramref name="alsoAccepted"/> is a failure with its output.</summary>
    private static async Task<PgHaResult> RunAsync(TimeSpan timeout, string[] arguments, int alsoAccepted)
    {
        var start = new ProcessStartInfo(Path.Combine(RepoFolder.Root, "deploy", "pg-ha"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        string command = "deploy/pg-ha " + string.Join(' ', arguments);
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException($"{command} did not start.");
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException($"{command} could not be run (bash, and an executable deploy/pg-ha?).", e);
        }

        using (process)
        {
            using var cancel = new CancellationTokenSource(timeout);
            Task<string> output = process.StandardOutput.ReadToEndAsync(cancel.Token);
            Task<string> errors = process.StandardError.ReadToEndAsync(cancel.Token);
            try
            {
                await process.WaitForExitAsync(cancel.Token);
                await Task.WhenAll(output, errors);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"{command} did not finish within {timeout.TotalSeconds:0} s.");
            }

            if (process.ExitCode != 0 && process.ExitCode != alsoAccepted)
            {
                throw new InvalidOperationException(
                    $"{command} failed (exit code {process.ExitCode}):\n{await errors}\n{await output}");
            }

            return new PgHaResult(process.ExitCode, (await output).Trim());
        }
    }

    private readonly record struct PgHaResult(int ExitCode, string Output);
}
