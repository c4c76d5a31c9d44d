using System.Data.Common;
using System.Security.Cryptography;
using Mbushja.Storage;
using Mbushja.Storage.Commits;

namespace Mbushja.WebConsole.Users;

/// <summary>A console session as the server holds it: whose, with the user's stamp now, and when it was last written as seen.</summary>
public sealed record OpenSession(string Id, string Username, string Stamp, DateTimeOffset SeenAt);

/// <summary>
/// The console's sessions on the server (docs/design/console-sign-in.md): a row per session in the database, named by a
/// random id its cookie carries, so sign-out ends it for every copy of the cookie and on every server. A request reads
/// the row with its user's stamp (the one read a request made before); it writes the row again, relaxed, only when the
/// last write is older than a sixth of the idle timeout.
/// </summary>
public sealed class ConsoleSessions(Database database, CommitQueue commits, TimeProvider time, ConsoleOptions options)
{
    /// <summary>How stale <c>seen_at</c> may get before a request writes it again.</summary>
    private TimeSpan Refresh => options.IdleTimeout / 6;

    /// <summary>
    /// A row not seen for longer is over: the cookie's own idle expiry has passed by then (a request writes the row at
    /// most <see cref="Refresh"/> after the one the cookie slid from), so this never ends a session the cookie keeps.
    /// </summary>
    private TimeSpan Lifetime => options.IdleTimeout + Refresh;

    /// <summary>Opens a session for <paramref name="username"/> and returns its id; sessions over by now are purged with it.</summary>
    public async Task<string> StartAsync(string username, CancellationToken ct = default)
    {
        string id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        DateTimeOffset now = time.GetUtcNow();
        await commits.CommitAsync(new Start(id, username, now.ToUnixTimeMilliseconds(), (now - Lifetime).ToUnixTimeMilliseconds()), Durability.Durable, ct);
        return id;
    }

    /// <summary>The session <paramref name="id"/> while it is open, with its user's stamp now; null once it ended (or never was).</summary>
    public async Task<OpenSession?> FindAsync(string id, CancellationToken ct = default)
    {
        long alive = (time.GetUtcNow() - Lifetime).ToUnixTimeMilliseconds();
        await using DbConnection connection = await database.OpenAsync(ct);
        DbCommand command = connection.Reused(
            "SELECT s.username, u.stamp, s.seen_at FROM console_sessions s JOIN console_users u ON u.username = s.username "
            + "WHERE s.id = @id AND s.seen_at >= @alive",
            null,
            ("id", id),
            ("alive", alive));
        await using DbDataReader r = await command.ExecuteReaderAsync(ct);
        return await r.ReadAsync(ct) ? new OpenSession(id, r.GetString(0), r.GetString(1), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(2))) : null;
    }

    /// <summary>
    /// A request of an open session: written as seen when the last write is older than <see cref="Refresh"/>. Relaxed: a
    /// write lost in a power cut costs at most that much of the session's life.
    /// </summary>
    public async Task SeenAsync(OpenSession session, CancellationToken ct = default)
    {
        DateTimeOffset now = time.GetUtcNow();
        if (now - session.SeenAt >= Refresh)
        {
            await commits.CommitAsync(
                CommitStatement.Any(
                    "UPDATE console_sessions SET seen_at = @now WHERE id = @id AND seen_at < @now", ("id", session.Id), ("now", now.ToUnixTimeMilliseconds())),
                Durability.Relaxed,
                ct);
        }
    }

    /// <summary>Ends a session (sign-out): its cookie opens nothing more, wherever it is.</summary>
    public async Task EndAsync(string id, CancellationToken ct = default) =>
        await commits.CommitAsync(CommitStatement.Any("DELETE FROM console_sessions WHERE id = @id", ("id", id)), Durability.Durable, ct);

    /// <summary>A new session's row, and the purge of those over (any sign-in does it, so the table holds the open ones and a few more).</summary>
    private sealed class Start(string id, string username, long now, long over) : ICommitWork
    {
        public async Task<CommitRefusal?> ApplyAsync(CommitContext context, CancellationToken cancellationToken)
        {
            await context.ExecuteAsync("DELETE FROM console_sessions WHERE seen_at < @over", cancellationToken, ("over", over));
            await context.ExecuteAsync(
                "INSERT INTO console_sessions (id, username, created_at, seen_at) VALUES (@id, @u, @now, @now)",
                cancellationToken,
                ("id", id),
                ("u", username),
                ("now", now));
            return null;
        }
    }
}
