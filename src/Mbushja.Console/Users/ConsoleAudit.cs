using System.Data.Common;
using System.Net;
using System.Text.Encodings.Web;
using System.Text.Json;
using Mbushja.Storage;
using Mbushja.Storage.Commits;
using Microsoft.AspNetCore.Http;

namespace Mbushja.WebConsole.Users;

/// <summary>
/// One change, made in the console, through the admin API or on the command line: who (a console user, <c>api</c> for
/// the admin key), when, what, on what object, its details (short JSON) and the client's address (null from the command
/// line, and for entries older than the address).
/// </summary>
public sealed record ConsoleAuditEntry(long Seq, DateTimeOffset At, string Actor, string Action, string Target, string Details, string? Address = null);

/// <summary>What the audit log is searched by; each is optional, and they combine. A day is [From, To) on the operator's clock.</summary>
public sealed record AuditSearch(string? Actor = null, string? Target = null, DateTimeOffset? From = null, DateTimeOffset? To = null)
{
    public static AuditSearch All { get; } = new();
}

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
    public const string ConfirmationPinSet = "registration.confirmation_pin_set";
    public const string RenewalSet = "renewal.set";
    public const string RenewalStopped = "renewal.stopped";
    public const string PhoneSms = "phone.sms";
    public const string PhoneUssd = "phone.ussd";
    public const string TransactionReversed = "transaction.reversed";
    public const string StatementReconciled = "reconciliation.uploaded";
    public const string CatalogChangeScheduled = "catalog.change_scheduled";
    public const string SubscriberCreated = "subscriber.created";
    public const string ServiceAccountCreated = "service_account.created";
    public const string CapsSet = "registration.caps_set";
    public const string SimChangeRecorded = "sim_change.recorded";
    public const string SimChangesReported = "sim_changes.reported";
}

/// <summary>
/// The platform's audit log (<c>console_audit</c>; docs/design/audit-log.md): every change made in the console, through
/// the admin API or on the command line, searchable in the console by actor, object and day. Details are short JSON and
/// may hold full numbers and IBANs: the table is an access-controlled record (admins only), unlike the application log,
/// where they stay masked. The client's address is taken from the request being served, when there is one.
/// </summary>
public sealed class ConsoleAudit(Database database, CommitQueue commits, IHttpContextAccessor? http = null)
{
    /// <summary>The actor of a change made with the admin key (<c>/api/v1</c>).</summary>
    public const string ApiActor = "api";

    /// <summary>The most entries one page shows.</summary>
    public const int MaxPage = 1000;

    private const string Columns = "seq, at, actor, action, target, details, address";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The client's address of the request being served; null outside one (the command line).</summary>
    public string? CurrentAddress => AddressOf(http?.HttpContext);

    /// <summary>A request's client address as the audit keeps it (IPv4 as IPv4); null without a request.</summary>
    public static string? AddressOf(HttpContext? context) => AddressOf(context?.Connection.RemoteIpAddress);

    public static string? AddressOf(IPAddress? address) =>
        address is null ? null : (address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address).ToString();

    /// <summary>Records a change that was committed on its own (a registration change commits in its own transaction).</summary>
    public async Task RecordAsync(string actor, string action, string target, object details, CancellationToken ct = default)
    {
        var insert = CommitStatement.Any(
            "INSERT INTO console_audit (at, actor, action, target, details, address) VALUES (@at, @actor, @action, @target, @details, @address)",
            ("at", commits.Time.GetUtcNow().ToUnixTimeMilliseconds()),
            ("actor", actor),
            ("action", action),
            ("target", target),
            ("details", JsonSerializer.Serialize(details, Json)),
            ("address", CurrentAddress));
        await commits.CommitAsync(insert, Durability.Durable, ct);
    }

    /// <summary>Records a change inside the transaction that makes it: both commit, or neither.</summary>
    public static async Task InsertAsync(
        DbConnection connection,
        DbTransaction? tx,
        DateTimeOffset at,
        string actor,
        string action,
        string target,
        object details,
        CancellationToken ct,
        string? address = null)
    {
        await using DbCommand insert = connection.Command(
            "INSERT INTO console_audit (at, actor, action, target, details, address) VALUES (@at, @actor, @action, @target, @details, @address)",
            tx,
            ("at", at.ToUnixTimeMilliseconds()),
            ("actor", actor),
            ("action", action),
            ("target", target),
            ("details", JsonSerializer.Serialize(details, Json)),
            ("address", address));
        await insert.ExecuteNonQueryAsync(ct);
    }

    /// <summary>The latest entries, newest first; by actor when one is given.</summary>
    public async Task<IReadOnlyList<ConsoleAuditEntry>> LatestAsync(int limit, string? actor = null, CancellationToken ct = default) =>
        (await SearchAsync(new AuditSearch(Actor: actor), null, limit, ct)).Rows;

    /// <summary>
    /// A page of the entries that match, newest first (by time, then by the order written). Each combination reads one
    /// index of its own (by actor, by object, or by time; each by time within it), from the cursor on.
    /// </summary>
    public async Task<Paged<ConsoleAuditEntry>> SearchAsync(AuditSearch search, PageCursor? before, int size, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(search);
        size = Math.Clamp(size, 1, MaxPage);
        long? beforeSeq = before is { } b && long.TryParse(b.Id, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long s)
            ? s
            : null;
        (string sql, (string, object?)[] parameters) = SearchSql(search, beforeSeq is null ? null : (before!.Value.AtMs, beforeSeq.Value), size + 1);
        await using DbConnection connection = await database.OpenAsync(ct);
        await using DbCommand command = connection.Command(sql, null, parameters);
        await using DbDataReader r = await command.ExecuteReaderAsync(ct);
        var entries = new List<ConsoleAuditEntry>();
        while (await r.ReadAsync(ct))
        {
            entries.Add(new ConsoleAuditEntry(
                r.GetInt64(0),
                DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(1)),
                r.GetString(2),
                r.GetString(3),
                r.GetString(4),
                r.GetString(5),
                r.GetNullableString(6)));
        }

        return Paged<ConsoleAuditEntry>.Of(
            entries, size, e => new PageCursor(e.At.ToUnixTimeMilliseconds(), e.Seq.ToString(System.Globalization.CultureInfo.InvariantCulture)));
    }

    /// <summary>The search's statement: only the conditions asked for (no "@x IS NULL OR ...", which no index serves).</summary>
    internal static (string Sql, (string, object?)[] Parameters) SearchSql(AuditSearch search, (long AtMs, long Seq)? before, int limit)
    {
        var where = new List<string>();
        var parameters = new List<(string, object?)> { ("limit", limit) };
        if (search.Actor is { } actor)
        {
            where.Add("actor = @actor");
            parameters.Add(("actor", actor));
        }

        if (search.Target is { } target)
        {
            where.Add("target = @target");
            parameters.Add(("target", target));
        }

        if (search.From is { } from)
        {
            where.Add("at >= @from");
            parameters.Add(("from", from.ToUnixTimeMilliseconds()));
        }

        if (search.To is { } to)
        {
            where.Add("at < @to");
            parameters.Add(("to", to.ToUnixTimeMilliseconds()));
        }

        if (before is { } cursor)
        {
            where.Add("at <= @before_at AND (at, seq) < (@before_at, @before_seq)");
            parameters.Add(("before_at", cursor.AtMs));
            parameters.Add(("before_seq", cursor.Seq));
        }

        string filter = where.Count == 0 ? "" : " WHERE " + string.Join(" AND ", where);
        return ($"SELECT {Columns} FROM console_audit{filter} ORDER BY at DESC, seq DESC LIMIT @limit", [.. parameters]);
    }
}
