using System.Data.Common;
using System.Globalization;
using Mbushja.Domain;
using Mbushja.Messaging;
using Mbushja.Storage;
using Mbushja.Storage.Commits;

namespace Mbushja.TopUp;

/// <summary>
/// A service account set to renew from a registration's bank account on its due date (table <c>renewals</c>;
/// docs/design/renewals.md).
/// </summary>
/// <param name="Msisdn">Who set it (E.164): the renewal's top-ups are sent as theirs, reminders go to them.</param>
/// <param name="Text">What follows the bank's AUTO words, as its grammar reads it: the text each renewal sends.</param>
/// <param name="SetBy"><c>sms</c>, or the console user who set it.</param>
/// <param name="Round">Tries of a period are numbered per round: a renewal set again after a period was given up starts the next.</param>
/// <param name="NotifiedFor">The period (the account's paid-until in ms, 0 for none) whose amount the subscriber was told; -1 none.</param>
/// <param name="NotifiedAt">When; the Unix epoch when told in the answer to the subscriber's own AUTO (no notice to wait for).</param>
/// <param name="ClosedFor">A period whose tries all failed and were reported; -1 none.</param>
/// <param name="Channel">
/// <c>sms</c>: paid from the registration's bank account; <c>ussd</c>: from the setter's prepaid credit, set in <c>*101#</c>
/// (no bank, <paramref name="Text"/> the package code; swept by the USSD side, docs/design/renewals.md).
/// </param>
public sealed record Renewal(
    string ServiceAccountId,
    string BankCode,
    string Msisdn,
    string Text,
    string SetBy,
    DateTimeOffset SetAt,
    int Round,
    long NotifiedFor,
    Money NotifiedAmount,
    DateTimeOffset NotifiedAt,
    long ClosedFor,
    string Channel = Renewal.Sms)
{
    /// <summary>The channel of a renewal paid by SMS Top Up from a bank account.</summary>
    public const string Sms = "sms";

    /// <summary>The channel of a renewal paid by a USSD payment from prepaid credit.</summary>
    public const string Ussd = "ussd";
}

/// <summary>A renewal as the sweep sees it: with its account (null when the account is gone) and the subscriber's language.</summary>
/// <param name="PaidUntil">The account's paid-until; null when never paid.</param>
public sealed record RenewalDue(Renewal Renewal, bool AccountExists, string? PackageCode, DateTimeOffset? PaidUntil, string Label, Language? Language)
{
    /// <summary>The period this renewal pays: the account's paid-until (ms), 0 for an account never paid.</summary>
    public long Period => PaidUntil?.ToUnixTimeMilliseconds() ?? 0;
}

/// <summary>
/// The renewals table: written only through the commit queue, each change conditional on what it expects, so that of
/// several servers one sends a reminder or a report, and reads for the sweep and the console.
/// </summary>
public sealed class Renewals(Database database, CommitQueue commits)
{
    /// <summary>The refusal when a conditional change found nothing to change (another server made it first).</summary>
    public const string NotChanged = "RENEWAL_NOT_CHANGED";

    private const string Columns =
        "r.service_account_id, r.bank_code, r.msisdn, r.text, r.set_by, r.set_at, r.round_no, r.notified_for, r.notified_cents, r.notified_at, r.closed_for, r.channel";

    /// <summary>The message id of a period's try: the same try on any server, after any crash, is one top-up.</summary>
    public static string TryId(string accountId, long period, int round, int attempt) =>
        string.Create(CultureInfo.InvariantCulture, $"renew:{accountId}:{period}:{round}:{attempt}");

    /// <summary>In the commit that records an AUTO message (or in its own, from the console): sets the renewal, replacing any.</summary>
    /// <remarks>
    /// Setting it again for a period that was given up (<see cref="Renewal.ClosedFor"/>) starts the next round of tries;
    /// otherwise the round stays, so that a try under way is never doubled by a second AUTO.
    /// </remarks>
    public static ICommitWork Set(Renewal renewal) => new Write(
        "INSERT INTO renewals (service_account_id, bank_code, msisdn, text, set_by, set_at, round_no, notified_for, notified_cents, notified_at, closed_for, channel) "
        + "VALUES (@id, @bank, @m, @text, @by, @now, 0, @for, @cents, @at, -1, 'sms') ON CONFLICT (service_account_id) DO UPDATE SET "
        + "channel = 'sms', tried_for = -1, tries = 0, tried_at = 0, tried_code = '', bank_code = excluded.bank_code, msisdn = excluded.msisdn, text = excluded.text, set_by = excluded.set_by, set_at = excluded.set_at, "
        + "round_no = CASE WHEN renewals.closed_for >= 0 THEN renewals.round_no + 1 ELSE renewals.round_no END, "
        + "notified_for = excluded.notified_for, notified_cents = excluded.notified_cents, notified_at = excluded.notified_at, closed_for = -1",
        false,
        null,
        ("id", renewal.ServiceAccountId),
        ("bank", renewal.BankCode),
        ("m", renewal.Msisdn),
        ("text", renewal.Text),
        ("by", renewal.SetBy),
        ("for", renewal.NotifiedFor),
        ("cents", renewal.NotifiedAmount.Cents),
        ("at", renewal.NotifiedAt.ToUnixTimeMilliseconds()));

    /// <summary>In the commit that records a STOP AUTO message: ends the account's renewal.</summary>
    public static ICommitWork Stop(string accountId) =>
        new Write("DELETE FROM renewals WHERE service_account_id = @id", false, null, ("id", accountId));

    /// <summary>In the commit that records a bare STOP AUTO: ends every renewal the sender set at the bank.</summary>
    public static ICommitWork StopAll(string bankCode, string msisdn) =>
        new Write("DELETE FROM renewals WHERE msisdn = @m AND bank_code = @bank", false, null, ("m", msisdn), ("bank", bankCode));

    /// <summary>Sets a renewal in a commit of its own (the console).</summary>
    public async Task SetAsync(Renewal renewal, CancellationToken ct = default)
    {
        CommitRefusal? refused = await commits.CommitAsync(Set(renewal), Durability.Durable, ct);
        if (refused is not null)
        {
            throw new InvalidOperationException($"A renewal was refused: {refused.Code} {refused.Message}");
        }
    }

    /// <summary>Stops an account's renewal in a commit of its own (the console).</summary>
    public async Task StopAsync(string accountId, CancellationToken ct = default) =>
        _ = await commits.CommitAsync(Stop(accountId), Durability.Durable, ct);

    /// <summary>
    /// The reminder of a period, once: told unless the subscriber was told this period's amount or more already; the
    /// SMS goes to the outbox in the same commit. False when another server (or an earlier sweep) sent it.
    /// </summary>
    public async Task<bool> NotifyAsync(RenewalDue due, Money amount, RenewalSms sms, CancellationToken ct = default) =>
        await commits.CommitAsync(
            new Write(
                "UPDATE renewals SET notified_for = @p, notified_cents = @cents, notified_at = @now WHERE service_account_id = @id "
                + "AND msisdn = @m AND (notified_for <> @p OR notified_cents < @cents)",
                true,
                sms,
                ("p", due.Period),
                ("cents", amount.Cents),
                ("id", due.Renewal.ServiceAccountId),
                ("m", due.Renewal.Msisdn)),
            Durability.Durable,
            ct) is null;

    /// <summary>Gives a period up once its tries all failed, with the report to the subscriber; false when another server did.</summary>
    public async Task<bool> CloseAsync(RenewalDue due, RenewalSms sms, CancellationToken ct = default) =>
        await commits.CommitAsync(
            new Write(
                "UPDATE renewals SET closed_for = @p WHERE service_account_id = @id AND msisdn = @m AND round_no = @round AND closed_for <> @p",
                true,
                sms,
                ("p", due.Period),
                ("id", due.Renewal.ServiceAccountId),
                ("m", due.Renewal.Msisdn),
                ("round", due.Renewal.Round)),
            Durability.Durable,
            ct) is null;

    /// <summary>Ends a renewal that can no longer be made (its account gone, its setter no longer at the bank), with the SMS that says so.</summary>
    public async Task<bool> EndAsync(RenewalDue due, RenewalSms sms, CancellationToken ct = default) =>
        await commits.CommitAsync(
            new Write(
                "DELETE FROM renewals WHERE service_account_id = @id AND msisdn = @m AND set_at = @at",
                true,
                sms,
                ("id", due.Renewal.ServiceAccountId),
                ("m", due.Renewal.Msisdn),
                ("at", due.Renewal.SetAt.ToUnixTimeMilliseconds())),
            Durability.Durable,
            ct) is null;

    /// <summary>The renewal of an account, if any.</summary>
    public async Task<Renewal?> FindAsync(string accountId, CancellationToken ct = default) =>
        (await ReadAsync($"SELECT {Columns} FROM renewals r WHERE r.service_account_id = @id", ct, ("id", accountId))).FirstOrDefault();

    /// <summary>The renewals a number set, at every bank, oldest first (the console's number page; ix_renewals_msisdn).</summary>
    public Task<List<Renewal>> OfNumberAsync(string msisdn, CancellationToken ct = default) =>
        ReadAsync($"SELECT {Columns} FROM renewals r WHERE r.msisdn = @m ORDER BY r.set_at, r.service_account_id", ct, ("m", msisdn));

    /// <summary>The renewals a number set at one bank.</summary>
    public Task<List<Renewal>> OfMemberAsync(string bankCode, string msisdn, CancellationToken ct = default) =>
        ReadAsync(
            $"SELECT {Columns} FROM renewals r WHERE r.msisdn = @m AND r.bank_code = @bank ORDER BY r.set_at, r.service_account_id",
            ct,
            ("m", msisdn),
            ("bank", bankCode));

    /// <summary>
    /// The renewals whose account is paid until before <paramref name="horizon"/> (or never paid, or gone), except
    /// those whose period was given up: what the sweep reminds, renews or ends.
    /// </summary>
    public async Task<List<RenewalDue>> DueAsync(DateTimeOffset horizon, int limit, CancellationToken ct = default)
    {
        await using DbConnection connection = await database.OpenReaderAsync(ct);
        DbCommand command = connection.Reused(
            $"SELECT {Columns}, s.id, s.package_code, s.paid_until, COALESCE(s.username, s.contract, s.smart_card, s.number, r.service_account_id), u.language "
            + "FROM renewals r LEFT JOIN service_accounts s ON s.id = r.service_account_id LEFT JOIN subscribers u ON u.msisdn = r.msisdn "
            + "WHERE r.channel = 'sms' AND COALESCE(s.paid_until, 0) < @horizon AND COALESCE(s.paid_until, 0) <> r.closed_for "
            + "ORDER BY r.service_account_id LIMIT @limit",
            null,
            ("horizon", horizon.ToUnixTimeMilliseconds()),
            ("limit", limit));
        await using DbDataReader r = await command.ExecuteReaderAsync(ct);
        var rows = new List<RenewalDue>();
        while (await r.ReadAsync(ct))
        {
            long? paidUntil = r.GetNullableInt64(14);
            string? language = r.GetNullableString(16);
            rows.Add(new RenewalDue(
                Read(r),
                !r.IsDBNull(12),
                r.GetNullableString(13),
                paidUntil is null ? null : DateTimeOffset.FromUnixTimeMilliseconds(paidUntil.Value),
                r.GetString(15),
                language is null ? null : DomainNames.ParseLanguage(language).Value));
        }

        return rows;
    }

    private async Task<List<Renewal>> ReadAsync(string sql, CancellationToken ct, params (string, object?)[] parameters)
    {
        await using DbConnection connection = await database.OpenReaderAsync(ct);
        await using DbDataReader r = await connection.Reused(sql, null, parameters).ExecuteReaderAsync(ct);
        var rows = new List<Renewal>();
        while (await r.ReadAsync(ct))
        {
            rows.Add(Read(r));
        }

        return rows;
    }

    private static Renewal Read(DbDataReader r) => new(
        r.GetString(0),
        r.GetString(1),
        r.GetString(2),
        r.GetString(3),
        r.GetString(4),
        DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(5)),
        r.GetInt32(6),
        r.GetInt64(7),
        Money.FromCents(r.GetInt64(8)),
        DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(9)),
        r.GetInt64(10),
        r.GetString(11));

    /// <summary>One statement; when <paramref name="expectOne"/>, refused unless it changed a row; with it, an SMS to the outbox.</summary>
    private sealed class Write(string sql, bool expectOne, RenewalSms? sms, params (string Name, object? Value)[] parameters) : ICommitWork
    {
        public bool RefusesBeforeWriting => true;

        public bool Pipelined => true;

        public async Task<CommitRefusal?> ApplyAsync(CommitContext context, CancellationToken cancellationToken)
        {
            (string, object?)[] all = [.. parameters, ("now", context.NowMs)];
            if (expectOne)
            {
                if (!await context.ExpectOneAsync(sql, cancellationToken, all))
                {
                    return new CommitRefusal(NotChanged, "Another server changed the renewal first.");
                }
            }
            else
            {
                context.Defer(sql, all);
            }

            if (sms is not null)
            {
                // An SMS of the outbox like a reply; its id (renew-…) names no message, so no trail takes its sending.
                SmsOutbox.Enqueue(context, sms.Id, OutboxSources.Sms, sms.Recipient, sms.Sender, sms.Text);
            }

            return null;
        }
    }
}

/// <summary>An SMS about a renewal (a reminder, a report, its end), into the outbox under an id that says which, once.</summary>
public sealed record RenewalSms(string Id, string Recipient, string Sender, string Text);
