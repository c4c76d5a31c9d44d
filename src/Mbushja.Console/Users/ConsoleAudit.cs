using System.Data.Common;
using System.Text.Encodings.Web;
using System.Text.Json;
using Mbushja.Storage;
using Mbushja.Storage.Commits;

namespace Mbushja.WebConsole.Users;

/// <summary>One change made through the console (or to its users from the command line): who, when, what, on what.</summary>
public sealed record ConsoleAuditEntry(long Seq, DateTimeOffset At, string Actor, string Action, string Target, string Details);

/// <summary>What audit entries record.</summary>
public static class ConsoleActions
{
    public const string UserCreated = "user.created";
    public const string UserRoleSet = "user.role_set";
    public const string UserUnlocked = "user.unlocked";
    public const string UserLockedOut = "user.locked_out";
    public const string RegistrationCreated = "registration.created";
    public const string RegistrationAccountChanged = "registration.account_changed";
    public const string AuthorizedAdded = "registration.authorized_added";
    public const string AuthorizedRemoved = "registration.authorized_removed";
    public const string PhoneSms = "phone.sms";
    public const string PhoneUssd = "phone.ussd";
    public const string TransactionReversed = "transaction.reversed";
    public const string StatementReconciled = "reconciliation.uploaded";
    public const string CatalogChangeScheduled = "catalog.change_scheduled";
}

/// <summary>
/// The console's audit log. Details are short JSON and may hold full numbers: the table is an access-controlled record
/// (admins only), unlike the application log.
/// </summary>
public sealed class ConsoleAudit(Database database, CommitQueue commits)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Records a change that was committed on its own (a registration change commits in its own transaction).</summary>
    public async Task RecordAsync(string actor, string action, string target, object details, CancellationToken ct = default)
    {
        var insert = CommitStatement.Any(
            "INSERT INTO console_audit (at, actor, action, target, details) VALUES (@at, @actor, @action, @target, @details)",
            ("at", commits.Time.GetUtcNow().ToUnixTimeMilliseconds()),
            ("actor", actor),
            ("action", action),
            ("target", target),
            ("details", JsonSerializer.Serialize(details, Json)));
        await commits.CommitAsync(insert, Durability.Durable, ct);
    }

    /// <summary>Records a change inside the transaction that makes it: both commit, or neither.</summary>
    public static async Task InsertAsync(
        DbConnection connection, DbTransaction? tx, DateTimeOffset at, string actor, string action, string target, object details, CancellationToken ct)
    {
        await using DbCommand insert = connection.Command(
            "INSERT INTO console_audit (at, actor, action, target, details) VALUES (@at, @actor, @action, @target, @details)",
            tx,
            ("at", at.ToUnixTimeMilliseconds()),
            ("actor", actor),
            ("action", action),
            ("target", target),
            ("details", JsonSerializer.Serialize(details, Json)));
        await insert.ExecuteNonQueryAsync(ct);
    }

    /// <summary>The latest entries, newest first; by actor when one is given.</summary>
    public async Task<IReadOnlyList<ConsoleAuditEntry>> LatestAsync(int limit, string? actor = null, CancellationToken ct = default)
    {
        await using DbConnection connection = await database.OpenAsync(ct);
        string byActor = actor is null ? "" : "WHERE actor = @actor ";
        await using DbCommand command = connection.Command(
            $"SELECT seq, at, actor, action, target, details FROM console_audit {byActor}ORDER BY seq DESC LIMIT {Math.Clamp(limit, 1, 1000)}",
            null,
            ("actor", actor ?? ""));
        await using DbDataReader r = await command.ExecuteReaderAsync(ct);
        var entries = new List<ConsoleAuditEntry>();
        while (await r.ReadAsync(ct))
        {
            entries.Add(new ConsoleAuditEntry(
                r.GetInt64(0), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(1)), r.GetString(2), r.GetString(3), r.GetString(4), r.GetString(5)));
        }

        return entries;
    }
}
