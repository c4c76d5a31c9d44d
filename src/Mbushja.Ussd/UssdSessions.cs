using System.Data.Common;
using Mbushja.Accounts;
using Mbushja.Domain;
using Mbushja.Ledger;
using Mbushja.Storage;

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
/// The sessions table (SPEC §3: any server answers the next step). Every change is conditional on the version read,
/// so of two requests racing on one session one wins and the other reads again. A step's write does not wait for the
/// disk: where a session stands, lost in a power cut, is rebuilt from the gateway's next request, which carries every
/// input of the session (a payment, which moves money, is durable and makes the steps before it durable too). On
/// SQLite it is a relaxed ledger command, sharing the ledger's single writer; on PostgreSQL its own short transaction
/// with <c>synchronous_commit = off</c>, so steps of many sessions are written side by side.
/// </summary>
public sealed class UssdSessions(Database database, LedgerEngine ledger, TimeProvider time)
{
    /// <summary>The effect's refusal when the session changed since it was read (another request moved it).</summary>
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
        if (database.Kind == DatabaseKind.Postgres)
        {
            // The ledger's own precision, so a session's times read the same whichever path wrote them.
            DateTimeOffset now = DateTimeOffset.FromUnixTimeMilliseconds(time.GetUtcNow().ToUnixTimeMilliseconds());
            await using DbConnection connection = await database.OpenAsync(ct);
            if (write.NewLanguage is null)
            {
                // One round trip: the transaction, its relaxed commit and the conditional write travel together. A
                // write that finds the session changed changes nothing, and its empty transaction commits.
                (string sql, (string Name, object? Value)[] parameters) = Statement(write, now.ToUnixTimeMilliseconds());
                await using DbBatch batch = connection.CreateBatch();
                batch.Add("BEGIN");
                batch.Add("SET LOCAL synchronous_commit = off");
                DbBatchCommand written = batch.Add(sql, parameters);
                batch.Add("COMMIT");
                await batch.ExecuteNonQueryAsync(ct);
                return written.RecordsAffected == 1;
            }

            // The language is written only with the session: the row count decides before the commit.
            await using DbTransaction tx = await connection.BeginTransactionAsync(ct);
            await using (DbCommand relaxed = connection.Command("SET LOCAL synchronous_commit = off", tx))
            {
                await relaxed.ExecuteNonQueryAsync(ct);
            }

            if (await WriteAsync(new EffectContext(connection, tx, database.Kind, now), write, ct) is not null)
            {
                await tx.RollbackAsync(ct);
                return false;
            }

            await tx.CommitAsync(ct);
            return true;
        }

        LedgerOutcome outcome = await ledger.SubmitAsync(new LedgerCommand([]) { Effect = new Save(write), Durable = false }, ct);
        return outcome.Succeeded || (outcome.Error?.Code == Changed
            ? false
            : throw new InvalidOperationException($"The session store refused a write: {outcome.Error?.Code} {outcome.Error?.Message}"));
    }

    /// <summary>Deletes up to <paramref name="limit"/> sessions untouched since <paramref name="before"/>; returns how many.</summary>
    public async Task<int> PurgeAsync(DateTimeOffset before, int limit, CancellationToken ct = default)
    {
        var purge = new Purge(before, limit);
        await ledger.SubmitAsync(new LedgerCommand([]) { Effect = purge, Durable = false }, ct);
        return purge.Deleted;
    }

    /// <summary>Inside a ledger effect: writes the session if it is still at the version read; else the refusal.</summary>
    internal static async Task<LedgerError?> WriteAsync(EffectContext context, SessionWrite write, CancellationToken ct)
    {
        (string sql, (string Name, object? Value)[] parameters) = Statement(write, context.Now.ToUnixTimeMilliseconds());
        if (await context.Connection.Reused(sql, context.Transaction, parameters).ExecuteNonQueryAsync(ct) != 1)
        {
            return new LedgerError(Changed, $"USSD session {write.SessionId} changed since it was read.");
        }

        if (write.NewLanguage is { } language)
        {
            await Subscribers.SetLanguageAsync(context, write.Msisdn, language, ct);
        }

        return null;
    }

    /// <summary>The write of a step: a new session's row, or the row changed if it is still at the version read (one row either way, or none).</summary>
    private static (string Sql, (string Name, object? Value)[] Parameters) Statement(SessionWrite write, long now) => write.ExpectedVersion is not { } version
        // The primary key decides which of two first requests creates the session; ON CONFLICT keeps the transaction usable.
        ? ($"INSERT INTO ussd_sessions ({Columns}) VALUES (@id, @key, @m, @lang, @history, @state, @response, @ended, 1, @now, @now) "
            + "ON CONFLICT (session_id) DO NOTHING",
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

    private sealed class Save(SessionWrite write) : ILedgerEffect
    {
        // The conditional write of the session comes first; the language follows it.
        public bool RefusesBeforeWriting => true;

        public Task<LedgerError?> ApplyAsync(EffectContext context, CancellationToken cancellationToken) => WriteAsync(context, write, cancellationToken);
    }

    private sealed class Purge(DateTimeOffset before, int limit) : ILedgerEffect
    {
        public int Deleted { get; private set; }

        public async Task<LedgerError?> ApplyAsync(EffectContext context, CancellationToken cancellationToken)
        {
            // A bounded bite: the ledger's writer is shared, and a large delete would hold up every payment behind it.
            await using DbCommand delete = context.Connection.Command(
                $"DELETE FROM ussd_sessions WHERE session_id IN (SELECT session_id FROM ussd_sessions WHERE updated_at < @before LIMIT {limit})",
                context.Transaction,
                ("before", before.ToUnixTimeMilliseconds()));
            Deleted = await delete.ExecuteNonQueryAsync(cancellationToken);
            return null;
        }
    }
}
