using System.Data.Common;
using Mbushja.Accounts;
using Mbushja.Domain;
using Mbushja.Ledger;
using Mbushja.Storage;
using Mbushja.Storage.Commits;

namespace Mbushja.Ussd;

/// <summary>A session as stored: who, what it has taken, where it stands, and its last answer.</summary>
/// <param name="SessionId">The aggregator's session id.</param>
/// <param name="Key">The platform's own id for the session; a payment's id derives from it.</param>
/// <param name="History">The inputs taken so far, <c>*</c>-joined as the gateway writes them.</param>
/// <param name="Response">The last answer, <c>CON …</c> or <c>END …</c>.</param>
/// <param name="Version">Every change is conditional on it: two servers never both move one session.</param>
public sealed record UssdSession(
    string SessionId,
    string Key,
    string Msisdn,
    Language Language,
    string History,
    UssdState State,
    string Response,
    bool Ended,
    long Version,
    DateTimeOffset StartedAt,
    DateTimeOffset UpdatedAt);

/// <summary>A change to a session: the row as it is to be, and the version it must still have (null: a new session).</summary>
/// <param name="NewLanguage">The subscriber chose a language in this step: it is remembered for SMS replies too.</param>
/// <param name="Restart">The session starts over (a new key, a new start time).</param>
public sealed record SessionWrite(
    string SessionId,
    string Key,
    Msisdn Msisdn,
    Language Language,
    string History,
    UssdState State,
    string Response,
    bool Ended,
    long? ExpectedVersion,
    bool Restart = false,
    Language? NewLanguage = null);

/// <summary>
/// The sessions table (any server answers the next step). Every change is conditional on the version read, so of two
/// requests racing on one session one wins and the other reads again. A step's write is relaxed (it does not wait for
/// the disk): where a session stands, lost in a power cut, is rebuilt from the gateway's next request, which carries
/// every input of the session (a payment, which moves money, is durable and makes the steps before it durable too).
/// </summary>
public sealed class UssdSessions(Database database, CommitQueue commits, TimeProvider time)
{
    /// <summary>The refusal when the session changed since it was read (another request moved it).</summary>
    public const string Changed = "SESSION_CHANGED";

    private const string Columns = "session_id, session_key, msisdn, language, history, state, response, ended, version, started_at, updated_at";

    public async Task<UssdSession?> GetAsync(string sessionId, CancellationToken ct = default)
    {
        await using DbConnection connection = await database.OpenReaderAsync(ct);
        DbCommand command = connection.Reused($"SELECT {Columns} FROM ussd_sessions WHERE session_id = @id", null, ("id", sessionId));
        await using DbDataReader r = await command.ExecuteReaderAsync(ct);
        if (!await r.ReadAsync(ct))
        {
            return null;
        }

        return new UssdSession(
            r.GetString(0),
            r.GetString(1),
            r.GetString(2),
            DomainNames.ParseLanguage(r.GetString(3)).Value,
            r.GetString(4),
            UssdState.FromJson(r.GetString(5)),
            r.GetString(6),
            r.GetBoolean(7),
            r.GetInt64(8),
            DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(9)),
            DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(10)));
    }

    /// <summary>Writes a step. False when the session changed since it was read: read it again and decide again.</summary>
    public async Task<bool> SaveAsync(SessionWrite write, CancellationToken ct = default)
    {
        // A step's write is one conditional statement, which the engine may commit beside the queue (PostgreSQL, in one
        // round trip); a language chosen in the step is written with it, only if the session's write succeeds.
        (string sql, (string Name, object? Value)[] parameters) = Statement(write, Now());
        CommitRefusal changed = ChangedSince(write);
        ICommitWork work = write.NewLanguage is null ? CommitStatement.Conditional(sql, changed, parameters) : new Save(write, Now());
        CommitRefusal? refused = await commits.CommitAsync(work, Durability.Relaxed, ct);
        return refused is null || (refused.Code == Changed
            ? false
            : throw new InvalidOperationException($"The session store refused a write: {refused.Code} {refused.Message}"));
    }

    /// <summary>
    /// Writes a step that ends the session together with <paramref name="also"/> (an automatic renewal set or stopped), in
    /// one commit: a gateway's repeat, or a second server, finds the session moved on and changes nothing. False when
    /// the session changed since it was read.
    /// </summary>
    public async Task<bool> SaveWithAsync(SessionWrite write, Action<CommitContext> also, CancellationToken ct = default)
    {
        CommitRefusal? refused = await commits.CommitAsync(new SaveWith(write, Now(), also), Durability.Durable, ct);
        return refused is null || (refused.Code == Changed
            ? false
            : throw new InvalidOperationException($"The session store refused a write: {refused.Code} {refused.Message}"));
    }

    /// <summary>
    /// Starts a session at a screen whose text differs only by language, <paramref name="responses"/>: written with the
    /// language of the subscriber <paramref name="msisdn"/>, found by the same statement, in one round trip. Returns that
    /// language, or null when nothing was written: the session exists already, or the number is no subscriber (read
    /// the session, and decide as ever).
    /// </summary>
    public async Task<Language?> StartAsync(
        string sessionId, string key, Msisdn msisdn, UssdState state, IReadOnlyDictionary<Language, string> responses, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(responses);
        Language[] languages = [.. responses.Keys];
        string response = string.Concat(languages.Select((l, i) => $"WHEN '{l.ToWire()}' THEN @r{i} "));
        long now = Now();
        CommitStatement start = CommitStatement.Returning(
            $"INSERT INTO ussd_sessions ({Columns}) "
            + $"SELECT @id, @key, @m, s.language, '', @state, CASE s.language {response}END, @ended, 1, @now, @now FROM subscribers s WHERE s.msisdn = @m "
            + "ON CONFLICT (session_id) DO NOTHING RETURNING language",
            new CommitRefusal(Changed, $"USSD session {sessionId} exists, or its number is no subscriber."),
            [
                ("id", sessionId),
                ("key", key),
                ("m", msisdn.E164),
                ("state", state.ToJson()),
                ("ended", false),
                ("now", now),
                .. languages.Select((l, i) => ($"r{i}", (object?)responses[l])),
            ]);
        CommitRefusal? refused = await commits.CommitAsync(start, Durability.Relaxed, ct);
        return refused is null && start.Returned is [string language] ? DomainNames.ParseLanguage(language).Value : null;
    }

    /// <summary>Deletes up to <paramref name="limit"/> sessions untouched since <paramref name="before"/>; returns how many.</summary>
    public async Task<int> PurgeAsync(DateTimeOffset before, int limit, CancellationToken ct = default)
    {
        // A bounded bite: the writer is shared, and a large delete would hold up every payment behind it.
        var purge = CommitStatement.Any(
            $"DELETE FROM ussd_sessions WHERE session_id IN (SELECT session_id FROM ussd_sessions WHERE updated_at < @before LIMIT {limit})",
            ("before", before.ToUnixTimeMilliseconds()));
        await commits.CommitAsync(purge, Durability.Relaxed, ct);
        return purge.Rows;
    }

    /// <summary>In a commit: writes the session if it is still at the version read (stamped <paramref name="now"/>, else the commit's time); else the refusal.</summary>
    private static async Task<CommitRefusal?> WriteAsync(CommitContext context, SessionWrite write, CancellationToken ct, long? now = null)
    {
        (string sql, (string Name, object? Value)[] parameters) = Statement(write, now ?? context.NowMs);
        context.Wrote(Key(write.SessionId));
        if (await context.ExecuteAsync(sql, ct, parameters) != 1)
        {
            return ChangedSince(write);
        }

        if (write.NewLanguage is { } language)
        {
            Subscribers.SetLanguage(context, write.Msisdn, language);
        }

        return null;
    }

    /// <summary>
    /// What <see cref="Write"/> decides on, for a ledger command's work to read with the ledger's load: the session's
    /// version, locked (no row: none yet).
    /// </summary>
    internal static LedgerRead VersionRead(CommitContext context, string sessionId) =>
        new(Key(sessionId), $"SELECT version FROM ussd_sessions WHERE session_id = @id{context.Sql.ForUpdate}", ("id", sessionId));

    /// <summary>
    /// In a ledger command's work: the refusal when the session is not at the version <paramref name="write"/> expects,
    /// as <paramref name="version"/> read it (<see cref="VersionRead"/>); else null, and <see cref="Write"/> may follow.
    /// </summary>
    internal static CommitRefusal? Check(SessionWrite write, LedgerRead version)
    {
        long? stored = version.Rows is [[var value, ..], ..] ? Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture) : null;
        return stored == write.ExpectedVersion ? null : ChangedSince(write);
    }

    /// <summary>
    /// In a ledger command's work, once <see cref="Check"/> found the session as expected: writes it with the commit's
    /// next round trip. The row is locked, so the write changes it; a new session's insert that finds a row another
    /// server inserted since fails the batch, which is tried again and then refused by <see cref="Check"/>.
    /// </summary>
    internal static void Write(CommitContext context, SessionWrite write)
    {
        (string sql, (string Name, object? Value)[] parameters) = Statement(write, context.NowMs, orNothing: false);
        context.Wrote(Key(write.SessionId));
        context.Defer(sql, parameters);
        if (write.NewLanguage is { } language)
        {
            Subscribers.SetLanguage(context, write.Msisdn, language);
        }
    }

    /// <summary>The refusal of a write whose session is no longer at the version it read (<see cref="Changed"/>).</summary>
    private static CommitRefusal ChangedSince(SessionWrite write) => new(Changed, $"USSD session {write.SessionId} changed since it was read.");

    /// <summary>How work names a session's row to <see cref="CommitContext.Wrote"/>.</summary>
    private static string Key(string sessionId) => "ussd_sessions:" + sessionId;

    /// <summary>Now, in the milliseconds every time is stored in.</summary>
    private long Now() => time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>The write of a step: a new session's row, or the row changed if it is still at the version read (one row either way, or none).</summary>
    /// <param name="orNothing">A new session's insert that finds the row changes nothing (else it fails: a unique violation).</param>
    private static (string Sql, (string Name, object? Value)[] Parameters) Statement(SessionWrite write, long now, bool orNothing = true) => write.ExpectedVersion is not { } version
        // The primary key decides which of two first requests creates the session; ON CONFLICT keeps the transaction usable.
        ? ($"INSERT INTO ussd_sessions ({Columns}) VALUES (@id, @key, @m, @lang, @history, @state, @response, @ended, 1, @now, @now)"
            + (orNothing ? " ON CONFLICT (session_id) DO NOTHING" : ""),
            [
                ("id", write.SessionId),
                ("key", write.Key),
                ("m", write.Msisdn.E164),
                ("lang", write.Language.ToWire()),
                ("history", write.History),
                ("state", write.State.ToJson()),
                ("response", write.Response),
                ("ended", write.Ended),
                ("now", now),
            ])
        : ("UPDATE ussd_sessions SET session_key = @key, msisdn = @m, language = @lang, history = @history, state = @state, "
            + "response = @response, ended = @ended, version = version + 1, updated_at = @now, "
            + "started_at = CASE WHEN @restart THEN @now ELSE started_at END "
            + "WHERE session_id = @id AND version = @version",
            [
                ("key", write.Key),
                ("m", write.Msisdn.E164),
                ("lang", write.Language.ToWire()),
                ("history", write.History),
                ("state", write.State.ToJson()),
                ("response", write.Response),
                ("ended", write.Ended),
                ("now", now),
                ("restart", write.Restart),
                ("id", write.SessionId),
                ("version", version),
            ]);

    /// <summary>A step that also remembers the language chosen in it.</summary>
    private sealed class Save(SessionWrite write, long now) : ICommitWork
    {
        // The conditional write of the session comes first; the language follows it, deferred.
        public bool RefusesBeforeWriting => true;

        public bool Pipelined => true;

        public Task<CommitRefusal?> ApplyAsync(CommitContext context, CancellationToken cancellationToken) => WriteAsync(context, write, cancellationToken, now);
    }

    /// <summary>A step with a change of its own, made only if the session's conditional write is.</summary>
    private sealed class SaveWith(SessionWrite write, long now, Action<CommitContext> also) : ICommitWork
    {
        public bool RefusesBeforeWriting => true;

        public bool Pipelined => true;

        public async Task<CommitRefusal?> ApplyAsync(CommitContext context, CancellationToken cancellationToken)
        {
            if (await WriteAsync(context, write, cancellationToken, now) is { } changed)
            {
                return changed;
            }

            also(context);
            return null;
        }
    }
}
