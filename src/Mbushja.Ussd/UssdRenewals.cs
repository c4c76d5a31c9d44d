using System.Data.Common;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Mbushja.Domain;
using Mbushja.Messaging;
using Mbushja.Storage;
using Mbushja.Storage.Commits;

namespace Mbushja.Ussd;

/// <summary>
/// A service account set in <c>*101#</c> "Pagesat automatike" to renew from the setter's prepaid credit: a row of
/// <c>renewals</c> with channel <c>ussd</c> (migration 0029; docs/design/renewals.md, "From mobile credit").
/// </summary>
/// <param name="PackageCode">The package chosen: each renewal pays a month of it.</param>
/// <param name="Round">Tries of a period are numbered per round: set again after a period was given up, the next round.</param>
/// <param name="NotifiedFor">The period (paid-until in ms, 0 for none) whose amount the subscriber was told; -1 none.</param>
/// <param name="NotifiedAt">When; the Unix epoch when the confirmation screen told it (no notice to wait for).</param>
/// <param name="ClosedFor">A period whose tries all failed and were reported; -1 none.</param>
/// <param name="TriedFor">The period whose tries <paramref name="Tries"/> counts (all refused); -1 none.</param>
/// <param name="TriedAt">When the last try was refused.</param>
/// <param name="TriedCode">Why (<c>INSUFFICIENT_FUNDS</c>, <see cref="UssdPayments.AlreadyPaid"/>).</param>
public sealed record UssdRenewal(
    string ServiceAccountId,
    string Msisdn,
    string PackageCode,
    string SetBy,
    DateTimeOffset SetAt,
    int Round,
    long NotifiedFor,
    Money NotifiedAmount,
    DateTimeOffset NotifiedAt,
    long ClosedFor,
    long TriedFor,
    int Tries,
    DateTimeOffset TriedAt,
    string TriedCode);

/// <summary>A USSD renewal with its account: whether it still exists, its name, until when it is paid, and the payer's language.</summary>
/// <param name="Label">The account as screens and SMS name it (username, contract, SMART card or number).</param>
/// <param name="PaidUntil">The account's paid-until; null when never paid.</param>
public sealed record UssdRenewalDue(UssdRenewal Renewal, bool AccountExists, string Label, DateTimeOffset? PaidUntil, Language? Language)
{
    /// <summary>The period this renewal pays: the account's paid-until (ms), 0 for an account never paid.</summary>
    public long Period => PaidUntil?.ToUnixTimeMilliseconds() ?? 0;
}

/// <summary>What a renewal set or stopped in the menu writes, with the session's end, in one commit.</summary>
/// <param name="Period">The period the confirmation screen told the amount of, or -1 when the reminder will.</param>
public sealed record RenewalOrder(string ServiceAccountId, string PackageCode, bool Stop, long Period, Money Told);

/// <summary>
/// The USSD rows of <c>renewals</c>: set and stopped with the session's end (<see cref="Apply"/>), read for the menu
/// and the sweep, and changed by the sweep only conditionally, each change with its SMS, so of several servers one
/// reminds, records a refused try, reports or ends.
/// </summary>
public sealed class UssdRenewals(Database database, CommitQueue commits)
{
    private const string Columns =
        "r.service_account_id, r.msisdn, r.text, r.set_by, r.set_at, r.round_no, r.notified_for, r.notified_cents, r.notified_at, r.closed_for, "
        + "r.tried_for, r.tries, r.tried_at, r.tried_code";

    private const string Label = "COALESCE(s.username, s.contract, s.smart_card, s.number, r.service_account_id)";

    /// <summary>
    /// The payment id of a period's try: the same try on any server, after any crash, is one payment. A digest of the
    /// account, the period, the round and the try, 32 hex digits like a session's key, so that the reference its receipt
    /// quotes (the last eight) reads, and is looked up, as any payment's.
    /// </summary>
    public static string TryId(string accountId, long period, int round, int attempt) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(
            string.Create(CultureInfo.InvariantCulture, $"renew:{accountId}:{period}:{round}:{attempt}"))))[..32];

    /// <summary>
    /// In the commit that ends the session: sets the renewal (replacing any of the account's, SMS ones too: the last to
    /// set it pays), or stops the caller's. Set again after a period was given up, the next round of tries begins.
    /// </summary>
    public static void Apply(CommitContext context, Msisdn msisdn, string setBy, RenewalOrder order)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(order);
        if (order.Stop)
        {
            context.Defer(
                "DELETE FROM renewals WHERE service_account_id = @id AND msisdn = @m AND channel = 'ussd'", ("id", order.ServiceAccountId), ("m", msisdn.E164));
            return;
        }

        context.Defer(
            "INSERT INTO renewals (service_account_id, bank_code, msisdn, text, set_by, set_at, round_no, notified_for, notified_cents, notified_at, closed_for, channel) "
            + "VALUES (@id, '', @m, @package, @by, @now, 0, @for, @cents, 0, -1, 'ussd') ON CONFLICT (service_account_id) DO UPDATE SET "
            + "bank_code = '', msisdn = excluded.msisdn, text = excluded.text, set_by = excluded.set_by, set_at = excluded.set_at, "
            + "round_no = CASE WHEN renewals.closed_for >= 0 OR renewals.tried_for >= 0 THEN renewals.round_no + 1 ELSE renewals.round_no END, "
            + "notified_for = excluded.notified_for, notified_cents = excluded.notified_cents, notified_at = 0, closed_for = -1, channel = 'ussd', "
            + "tried_for = -1, tries = 0, tried_at = 0, tried_code = ''",
            ("id", order.ServiceAccountId),
            ("m", msisdn.E164),
            ("package", order.PackageCode),
            ("by", setBy),
            ("now", context.NowMs),
            ("for", order.Period),
            ("cents", order.Told.Cents));
    }

    /// <summary>The number's USSD renewals, oldest first, with their accounts (the menu's list; ix_renewals_msisdn).</summary>
    public async Task<List<UssdRenewalDue>> OfNumberAsync(Msisdn msisdn, CancellationToken ct = default)
    {
        await using DbConnection connection = await database.OpenReaderAsync(ct);
        return await ReadDueAsync(
            connection.Reused(
                $"SELECT {Columns}, s.id, {Label}, s.paid_until, NULL FROM renewals r LEFT JOIN service_accounts s ON s.id = r.service_account_id "
                + "WHERE r.msisdn = @m AND r.bank_code = '' AND r.channel = 'ussd' ORDER BY r.set_at, r.service_account_id",
                null,
                ("m", msisdn.E164)),
            ct);
    }

    /// <summary>
    /// The USSD renewals whose account is paid until before <paramref name="horizon"/> (or never paid, or gone), except
    /// those whose period was given up: what the sweep reminds, renews or ends.
    /// </summary>
    public async Task<List<UssdRenewalDue>> DueAsync(DateTimeOffset horizon, int limit, CancellationToken ct = default)
    {
        await using DbConnection connection = await database.OpenReaderAsync(ct);
        return await ReadDueAsync(
            connection.Reused(
                $"SELECT {Columns}, s.id, {Label}, s.paid_until, u.language "
                + "FROM renewals r LEFT JOIN service_accounts s ON s.id = r.service_account_id LEFT JOIN subscribers u ON u.msisdn = r.msisdn "
                + "WHERE r.channel = 'ussd' AND COALESCE(s.paid_until, 0) < @horizon AND COALESCE(s.paid_until, 0) <> r.closed_for "
                + "ORDER BY r.service_account_id LIMIT @limit",
                null,
                ("horizon", horizon.ToUnixTimeMilliseconds()),
                ("limit", limit)),
            ct);
    }

    /// <summary>The reminder of a period, once (unless told this amount or more already), with its SMS; false when another server sent it.</summary>
    public Task<bool> NotifyAsync(UssdRenewalDue due, Money amount, RenewalText sms, CancellationToken ct = default) =>
        ChangeAsync(
            "UPDATE renewals SET notified_for = @p, notified_cents = @cents, notified_at = @now "
            + "WHERE service_account_id = @id AND msisdn = @m AND channel = 'ussd' AND (notified_for <> @p OR notified_cents < @cents)",
            sms,
            ct,
            ("p", due.Period),
            ("cents", amount.Cents),
            ("id", due.Renewal.ServiceAccountId),
            ("m", due.Renewal.Msisdn));

    /// <summary>Records that try <paramref name="attempt"/> of the period was refused (not enough credit...); false when another server did.</summary>
    public Task<bool> RefusedAsync(UssdRenewalDue due, int attempt, string code, CancellationToken ct = default) =>
        ChangeAsync(
            "UPDATE renewals SET tried_for = @p, tries = @k, tried_at = @now, tried_code = @code "
            + "WHERE service_account_id = @id AND msisdn = @m AND channel = 'ussd' AND round_no = @round "
            + "AND ((tried_for = @p AND tries = @k - 1) OR (tried_for <> @p AND @k = 1))",
            null,
            ct,
            ("p", due.Period),
            ("k", attempt),
            ("code", code),
            ("id", due.Renewal.ServiceAccountId),
            ("m", due.Renewal.Msisdn),
            ("round", due.Renewal.Round));

    /// <summary>Gives a period up once its tries all failed, with the report; false when another server did.</summary>
    public Task<bool> CloseAsync(UssdRenewalDue due, RenewalText sms, CancellationToken ct = default) =>
        ChangeAsync(
            "UPDATE renewals SET closed_for = @p WHERE service_account_id = @id AND msisdn = @m AND channel = 'ussd' AND round_no = @round AND closed_for <> @p",
            sms,
            ct,
            ("p", due.Period),
            ("id", due.Renewal.ServiceAccountId),
            ("m", due.Renewal.Msisdn),
            ("round", due.Renewal.Round));

    /// <summary>Ends a renewal that can no longer be made (its account or package gone), with the SMS that says so.</summary>
    public Task<bool> EndAsync(UssdRenewalDue due, RenewalText sms, CancellationToken ct = default) =>
        ChangeAsync(
            "DELETE FROM renewals WHERE service_account_id = @id AND msisdn = @m AND channel = 'ussd' AND set_at = @at",
            sms,
            ct,
            ("id", due.Renewal.ServiceAccountId),
            ("m", due.Renewal.Msisdn),
            ("at", due.Renewal.SetAt.ToUnixTimeMilliseconds()));

    private async Task<bool> ChangeAsync(string sql, RenewalText? sms, CancellationToken ct, params (string Name, object? Value)[] parameters) =>
        await commits.CommitAsync(new Change(sql, sms, parameters), Durability.Durable, ct) is null;

    private static async Task<List<UssdRenewalDue>> ReadDueAsync(DbCommand command, CancellationToken ct)
    {
        await using DbDataReader r = await command.ExecuteReaderAsync(ct);
        var rows = new List<UssdRenewalDue>();
        while (await r.ReadAsync(ct))
        {
            var renewal = new UssdRenewal(
                r.GetString(0),
                r.GetString(1),
                r.GetString(2),
                r.GetString(3),
                DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(4)),
                r.GetInt32(5),
                r.GetInt64(6),
                Money.FromCents(r.GetInt64(7)),
                DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(8)),
                r.GetInt64(9),
                r.GetInt64(10),
                r.GetInt32(11),
                DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(12)),
                r.GetString(13));
            long? paidUntil = r.GetNullableInt64(16);
            string? language = r.GetNullableString(17);
            rows.Add(new UssdRenewalDue(
                renewal,
                !r.IsDBNull(14),
                r.GetString(15),
                paidUntil is null ? null : DateTimeOffset.FromUnixTimeMilliseconds(paidUntil.Value),
                language is null ? null : DomainNames.ParseLanguage(language).Value));
        }

        return rows;
    }

    /// <summary>One conditional statement, refused unless it changed a row; with it, an SMS to the outbox.</summary>
    private sealed class Change(string sql, RenewalText? sms, (string Name, object? Value)[] parameters) : ICommitWork
    {
        public bool RefusesBeforeWriting => true;

        public bool Pipelined => true;

        public async Task<CommitRefusal?> ApplyAsync(CommitContext context, CancellationToken cancellationToken)
        {
            if (!await context.ExpectOneAsync(sql, cancellationToken, [.. parameters, ("now", context.NowMs)]))
            {
                return new CommitRefusal("RENEWAL_NOT_CHANGED", "Another server changed the renewal first.");
            }

            if (sms is not null)
            {
                // Its id (renew-…) names no payment: the receipts of paid tries are the payments' own.
                SmsOutbox.Enqueue(context, sms.Id, OutboxSources.Ussd, sms.Recipient, sms.Sender, sms.Text);
            }

            return null;
        }
    }
}

/// <summary>An SMS about a USSD renewal (a reminder, a report, its end), into the outbox under an id that says which, once.</summary>
public sealed record RenewalText(string Id, string Recipient, string Sender, string Text);
