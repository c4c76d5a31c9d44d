using System.Collections.Concurrent;
using System.Data.Common;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Mbushja.Domain;
using Mbushja.Storage.Commits;
using Microsoft.Extensions.Logging;

namespace Mbushja.Storage;

/// <summary>
/// This server among the servers on one database: its instance id, the same at every restart (the holder written on
/// the leases the server takes, so that a restarted server knows its own), and this run's boot id.
/// docs/design/replies-and-leases.md.
/// </summary>
public sealed record ServerInstance
{
    public const int MaxIdLength = 64;

    private ServerInstance(string id, string boot)
    {
        Id = id;
        Boot = boot;
    }

    /// <summary>The instance id (<c>--instance-id</c>): letters, digits and <c>. - _ :</c>, at most <see cref="MaxIdLength"/>.</summary>
    public string Id { get; }

    /// <summary>Random per start: tells this run from an earlier or a concurrent one with the same <see cref="Id"/>.</summary>
    public string Boot { get; }

    /// <summary>This run of the instance <paramref name="id"/> (checked: <see cref="Check"/>).</summary>
    public static ServerInstance Start(string id) =>
        Check(id) is { } error ? throw new ArgumentException(error, nameof(id)) : new ServerInstance(id, Guid.NewGuid().ToString("N"));

    /// <summary>Why <paramref name="id"/> cannot name an instance, or null when it can.</summary>
    public static string? Check(string? id) =>
        string.IsNullOrEmpty(id) || id.Length > MaxIdLength || !id.All(IsIdCharacter)
            ? $"An instance id has 1 to {MaxIdLength} characters, letters, digits and . - _ : ('{Shown(id)}' does not)."
            : null;

    /// <summary>
    /// The instance id of a server that is given none: its host's name and a digest of its data folder's full path. The
    /// same at every restart of that server; two servers differ unless they share a host and a data folder.
    /// </summary>
    public static string DefaultId(string dataDirectory)
    {
        string host = new([.. Environment.MachineName.ToLowerInvariant().Select(c => IsIdCharacter(c) ? c : '-')]);
        string digest = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Path.GetFullPath(dataDirectory))))[..8];
        host = host.Length == 0 ? "mbushja" : host[..Math.Min(host.Length, MaxIdLength - digest.Length - 1)];
        return $"{host}-{digest}";
    }

    private static bool IsIdCharacter(char c) => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' or ':';

    private static string Shown(string? id) => id is null ? "" : id.Length > 80 ? id[..80] + "…" : id;
}

/// <summary>
/// The servers on one database (<c>server_instances</c>), one row per instance id: a start registers, refusing an id a
/// live server holds; the heartbeat that renews the server's leases renews its row too, and tells it when another start
/// took its id over; a clean stop says so. docs/design/replies-and-leases.md.
/// </summary>
public sealed partial class ServerInstances(Database database, CommitQueue commits, ServerInstance me, TimeProvider time, ILogger<ServerInstances> logger)
{
    /// <summary>The refusal of a heartbeat whose instance id another start has taken over.</summary>
    public const string Taken = "INSTANCE_TAKEN";

    /// <summary>The boots running in this process (tests run several servers in one): these are alive whatever their row says.</summary>
    private static readonly ConcurrentDictionary<string, byte> RunningHere = new(StringComparer.Ordinal);

    public ServerInstance Me => me;

    /// <summary>
    /// Registers this run under its instance id. The id is taken when it is free, stopped cleanly, or its last run is
    /// known dead: this host's earlier process, or a heartbeat older than <paramref name="staleAfter"/> (waited for
    /// when it is more recent). A live run holding it refuses the start (<see cref="ConfigurationException"/>): two
    /// servers with one id would each take the other's work as its own.
    /// </summary>
    public async Task RegisterAsync(TimeSpan staleAfter, CancellationToken ct = default)
    {
        for (int attempt = 0; attempt < 5; attempt++)
        {
            Row? row = await ReadAsync(ct);
            if (row is null)
            {
                if (await CommitAsync(
                        "INSERT INTO server_instances (instance_id, boot_id, host, pid, started_at, heartbeat_at) "
                        + "VALUES (@id, @boot, @host, @pid, @now, @now) ON CONFLICT (instance_id) DO NOTHING",
                        ct))
                {
                    RunningHere[me.Boot] = 0;
                    return;
                }

                continue;
            }

            if (await WhyAliveAsync(row, staleAfter, ct) is { } alive)
            {
                throw new ConfigurationException([
                    $"The instance id '{me.Id}' is in use by a running server ({alive}; host {row.Host}, pid {row.Pid}). Two servers on one "
                    + "database must not share one: give this server its own --instance-id.",
                ]);
            }

            if (await CommitAsync(
                    "UPDATE server_instances SET boot_id = @boot, host = @host, pid = @pid, started_at = @now, heartbeat_at = @now "
                    + "WHERE instance_id = @id AND boot_id = @was AND heartbeat_at = @seen",
                    ct,
                    ("was", row.Boot),
                    ("seen", row.HeartbeatAt)))
            {
                RunningHere[me.Boot] = 0;
                if (row.HeartbeatAt != 0)
                {
                    LogTookOver(logger, me.Id, row.Host, row.Pid);
                }

                return;
            }
        }

        throw new ConfigurationException([$"The instance id '{me.Id}' is being registered by another start at the same moment: give each server its own --instance-id."]);
    }

    /// <summary>
    /// In the heartbeat's commit: this run is alive. False when another start has taken the instance id over (the commit
    /// must then refuse, <see cref="Taken"/>).
    /// </summary>
    public Task<bool> BeatAsync(CommitContext context, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.ExpectOneAsync(
            "UPDATE server_instances SET heartbeat_at = @now WHERE instance_id = @id AND boot_id = @boot",
            ct,
            ("now", context.NowMs),
            ("id", me.Id),
            ("boot", me.Boot));
    }

    /// <summary>A clean stop: a restart with this id need not wait for the heartbeat to fall silent.</summary>
    public async Task StoppedAsync(CancellationToken ct = default)
    {
        try
        {
            await commits.CommitAsync(
                CommitStatement.Any("UPDATE server_instances SET heartbeat_at = 0 WHERE instance_id = @id AND boot_id = @boot", ("id", me.Id), ("boot", me.Boot)),
                Durability.Durable,
                ct);
        }
        finally
        {
            RunningHere.TryRemove(me.Boot, out _);
        }
    }

    /// <summary>Why the run in <paramref name="row"/> may be alive (for the refusal), or null when it is not.</summary>
    private async Task<string?> WhyAliveAsync(Row row, TimeSpan staleAfter, CancellationToken ct)
    {
        if (RunningHere.ContainsKey(row.Boot))
        {
            return "in this very process";
        }

        if (row.HeartbeatAt == 0)
        {
            return null; // stopped cleanly
        }

        bool here = string.Equals(row.Host, Environment.MachineName, StringComparison.Ordinal);
        if (here && (row.Pid == Environment.ProcessId || !Runs(row.Pid)))
        {
            // This host's process that ran it is gone (this process did not run it: it is not in RunningHere).
            return null;
        }

        DateTimeOffset silentAt = DateTimeOffset.FromUnixTimeMilliseconds(row.HeartbeatAt) + staleAfter;
        TimeSpan wait = silentAt - time.GetUtcNow();
        if (wait <= TimeSpan.Zero)
        {
            return null;
        }

        // Perhaps alive elsewhere: its heartbeat tells, within a lease.
        LogWaiting(logger, me.Id, row.Host, row.Pid, wait);
        await Task.Delay(wait, time, ct);
        Row? now = await ReadAsync(ct);
        return now is not null && (now.Boot != row.Boot || now.HeartbeatAt != row.HeartbeatAt)
            ? $"its heartbeat went on within {staleAfter.TotalSeconds:0.#} s"
            : null;
    }

    private static bool Runs(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            return false;
        }
    }

    private async Task<Row?> ReadAsync(CancellationToken ct)
    {
        await using DbConnection connection = await database.OpenAsync(ct);
        await using DbCommand command = connection.Command(
            "SELECT boot_id, host, pid, heartbeat_at FROM server_instances WHERE instance_id = @id", null, ("id", me.Id));
        await using DbDataReader r = await command.ExecuteReaderAsync(ct);
        return await r.ReadAsync(ct)
            ? new Row(r.GetString(0), r.GetString(1), Convert.ToInt32(r.GetValue(2), System.Globalization.CultureInfo.InvariantCulture), r.GetInt64(3))
            : null;
    }

    /// <summary>One conditional statement, durably, with this run's columns as parameters; false when it changed no row.</summary>
    private async Task<bool> CommitAsync(string sql, CancellationToken ct, params (string Name, object? Value)[] more)
    {
        (string, object?)[] parameters =
        [
            ("id", me.Id), ("boot", me.Boot), ("host", Environment.MachineName), ("pid", Environment.ProcessId), ("now", time.GetUtcNow().ToUnixTimeMilliseconds()),
            .. more,
        ];
        return await commits.CommitAsync(CommitStatement.Conditional(sql, new CommitRefusal(Taken, "Another start took the instance id."), parameters), Durability.Durable, ct) is null;
    }

    private sealed record Row(string Boot, string Host, int Pid, long HeartbeatAt);

    [LoggerMessage(EventId = 2011, Level = LogLevel.Warning,
        Message = "Instance {Instance} was last seen alive on host {Host} (pid {Pid}): waiting {Wait} for its heartbeat to fall silent before taking the id over")]
    private static partial void LogWaiting(ILogger logger, string instance, string host, int pid, TimeSpan wait);

    [LoggerMessage(EventId = 2012, Level = LogLevel.Information, Message = "Instance {Instance}: took the id over from its last run on host {Host} (pid {Pid}), which is gone")]
    private static partial void LogTookOver(ILogger logger, string instance, string host, int pid);
}
