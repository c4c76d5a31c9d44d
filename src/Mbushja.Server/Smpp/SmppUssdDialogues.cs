using System.Data.Common;
using Mbushja.Storage;
using Mbushja.Storage.Commits;

namespace Mbushja.Server.Smpp;

/// <summary>A USSD dialogue over SMPP as stored (see the migration 0006_smpp_ussd).</summary>
/// <param name="DialogueKey">The SMSC's name for it: the subscriber's address and its_session_info's session number.</param>
/// <param name="SessionId">The USSD engine's session.</param>
/// <param name="History">The answers taken, <c>*</c>-joined, as an aggregator writes <c>text</c>.</param>
/// <param name="LastKey">A hash of the deliver_sm last taken.</param>
/// <param name="Response">The screen that deliver_sm caused (<c>CON …</c> or <c>END …</c>).</param>
/// <param name="Accepted">The SMSC accepted that screen (after the deliver_sm_resp, on the same session).</param>
public sealed record SmppUssdDialogue(
    string DialogueKey, string SessionId, string History, string LastKey, string Response, bool Ended, bool Accepted, long Version, DateTimeOffset UpdatedAt);

/// <summary>
/// The dialogues of USSD over SMPP. A step is written durably before the SMSC is told it is taken (as an SMS is): the
/// engine's own session write before it does not wait for the disk, and this one, committed after it on the same
/// database, makes it durable too. Changes are conditional on the version read.
/// </summary>
public sealed class SmppUssdDialogues(Database database, CommitQueue commits)
{
    private const string Changed = "DIALOGUE_CHANGED";

    public async Task<SmppUssdDialogue?> GetAsync(string dialogueKey, CancellationToken ct = default)
    {
        await using DbConnection connection = await database.OpenAsync(ct);
        await using DbCommand command = connection.Command(
            "SELECT dialogue_key, session_id, history, last_key, response, ended, accepted, version, updated_at FROM smpp_ussd_dialogues WHERE dialogue_key = @key",
            null,
            ("key", dialogueKey));
        await using DbDataReader r = await command.ExecuteReaderAsync(ct);
        return await r.ReadAsync(ct)
            ? new SmppUssdDialogue(
                r.GetString(0),
                r.GetString(1),
                r.GetString(2),
                r.GetString(3),
                r.GetString(4),
                r.GetInt32(5) == 1,
                r.GetInt32(6) == 1,
                r.GetInt64(7),
                DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(8)))
            : null;
    }

    /// <summary>
    /// Writes a step durably, as <paramref name="dialogue"/> says (not accepted yet), if the row is still at
    /// <paramref name="expectedVersion"/> (null: there is no row). Returns the version written, or null when another
    /// request changed the dialogue first.
    /// </summary>
    public async Task<long?> SaveAsync(SmppUssdDialogue dialogue, long? expectedVersion, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(dialogue);
        long version = (expectedVersion ?? 0) + 1;
        string sql = expectedVersion is null
            ? "INSERT INTO smpp_ussd_dialogues (dialogue_key, session_id, history, last_key, response, ended, accepted, version, updated_at) "
              + "VALUES (@key, @session, @history, @last, @response, @ended, 0, @version, @now) ON CONFLICT (dialogue_key) DO NOTHING"
            : "UPDATE smpp_ussd_dialogues SET session_id = @session, history = @history, last_key = @last, response = @response, "
              + "ended = @ended, accepted = 0, version = @version, updated_at = @now WHERE dialogue_key = @key AND version = @expected";
        var save = CommitStatement.Conditional(
            sql,
            new CommitRefusal(Changed, "The dialogue changed since it was read."),
            ("key", dialogue.DialogueKey),
            ("session", dialogue.SessionId),
            ("history", dialogue.History),
            ("last", dialogue.LastKey),
            ("response", dialogue.Response),
            ("ended", dialogue.Ended ? 1 : 0),
            ("version", version),
            ("now", commits.Time.GetUtcNow().ToUnixTimeMilliseconds()),
            ("expected", expectedVersion ?? 0));
        return await commits.CommitAsync(save, Durability.Durable, ct) is { } refused
            ? refused.Code == Changed ? null : throw new InvalidOperationException($"The dialogue store refused a write: {refused.Code} {refused.Message}")
            : version;
    }

    /// <summary>
    /// The SMSC accepted the screen of step <paramref name="version"/>. Not waiting for the disk: lost, the same
    /// deliver_sm again is taken for a redelivery and its screen is sent again, which is the safe side.
    /// </summary>
    public async Task AcceptedAsync(string dialogueKey, long version, CancellationToken ct = default) =>
        await commits.CommitAsync(
            CommitStatement.Any("UPDATE smpp_ussd_dialogues SET accepted = 1 WHERE dialogue_key = @key AND version = @version", ("key", dialogueKey), ("version", version)),
            Durability.Relaxed,
            ct);

    /// <summary>Deletes dialogues untouched since <paramref name="before"/>; returns how many.</summary>
    public async Task<int> PurgeAsync(DateTimeOffset before, CancellationToken ct = default)
    {
        var purge = CommitStatement.Any("DELETE FROM smpp_ussd_dialogues WHERE updated_at < @before", ("before", before.ToUnixTimeMilliseconds()));
        await commits.CommitAsync(purge, Durability.Relaxed, ct);
        return purge.Rows;
    }
}
