using System.Data.Common;
using Mbushja.Accounts;
using Mbushja.Domain;
using Mbushja.Ledger;
using Mbushja.Storage;
using Mbushja.Storage.Commits;
using Mbushja.Storage.Rollups;
using Mbushja.Messaging;

namespace Mbushja.Ussd;

/// <summary>What a committed payment did, for the screen that ends the session and the receipt SMS.</summary>
/// <param name="PaidUntil">A package: the account's new paid-until.</param>
/// <param name="Balance">An amount (PPV): the account's new balance.</param>
/// <param name="Credit">The subscriber's credit after the payment.</param>
public sealed record PaymentFacts(string Id, Quote Quote, DateTimeOffset? PaidUntil, Money? Balance, Money Credit);

/// <summary>A payment as customer care lists it.</summary>
/// <param name="ServiceAccountId">The account it paid (<paramref name="Account"/> is how the subscriber named it).</param>
public sealed record UssdPaymentRow(
    string Id, string Msisdn, string PackageCode, string Account, Money Amount, Money Fee, DateTimeOffset At, string ServiceAccountId)
{
    /// <summary>The reference its screen and receipt quote (<c>Ref F73BB564</c>).</summary>
    public string Reference => MessageFormat.Reference(Id);
}

/// <summary>A payment with what it changed: the account's paid-until date (a package) or its balance (an amount).</summary>
public sealed record UssdPaymentFacts(UssdPaymentRow Payment, DateTimeOffset? PaidUntil, Money? Balance);

/// <summary>The texts of a payment: the last screen and the receipt SMS, written once the payment's facts are known.</summary>
public sealed record PaymentTexts(string Screen, string Sms);

/// <summary>
/// Payments from prepaid credit: one ledger command per payment — credit → the package's revenue (or the account's
/// balance for an amount), credit → fee revenue — with, in the same transaction, the paid-until date, the payment's
/// row, the receipt in the outbox and the session's end. The transfers' ids derive from the session's key, so a
/// repeated confirmation is a replay that charges nothing; the payment row's unique (number, month) is what refuses a
/// second payment in a month, also from two sessions confirming at once.
/// </summary>
public sealed class UssdPayments(Database database, LedgerEngine ledger, OperatorClock clock)
{
    /// <summary>The number has paid in this calendar month already (the once-a-month rule).</summary>
    public const string AlreadyPaid = "ALREADY_PAID_THIS_MONTH";

    /// <summary>
    /// Charges a confirmed quote and ends the session with the receipt. Committed: paid now (the screen is in
    /// <see cref="Payment.Texts"/>). Replayed: paid before by the same confirmation. Rejected: nothing moved; the code
    /// says why (<see cref="AlreadyPaid"/>, <see cref="LedgerErrorCodes.InsufficientFunds"/>, <see cref="UssdSessions.Changed"/>...).
    /// </summary>
    public Task<Payment> PayAsync(
        SessionWrite session, Quote quote, bool oncePerMonth, string receiptSender, Func<PaymentFacts, PaymentTexts> texts, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(session);
        return SubmitAsync(new Pay(this, session.Key, session.Msisdn, session, null, quote, oncePerMonth, receiptSender, texts), ct);
    }

    /// <summary>
    /// A renewal's try (docs/design/renewals.md, "From mobile credit"): the same payment as a confirmed one, with no
    /// session, under the try's id (a second server or a crash replays it), and only while the account is still paid until
    /// the period it renews (else refused <see cref="PeriodPaid"/>: paid meanwhile, by this try or by hand).
    /// </summary>
    public Task<Payment> PayRenewalAsync(
        RenewalCharge charge, Quote quote, bool oncePerMonth, string receiptSender, Func<PaymentFacts, PaymentTexts> texts, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(charge);
        ArgumentNullException.ThrowIfNull(quote);
        if (quote.ByAmount)
        {
            throw new ArgumentException("A renewal pays a month of a package, not an amount.", nameof(quote));
        }

        return SubmitAsync(new Pay(this, charge.Id, charge.Msisdn, null, charge.Period, quote, oncePerMonth, receiptSender, texts), ct);
    }

    /// <summary>A renewal's try found the account paid beyond the period it renews: nothing to pay.</summary>
    public const string PeriodPaid = "RENEWAL_PERIOD_PAID";

    private async Task<Payment> SubmitAsync(Pay effect, CancellationToken ct)
    {
        string id = effect.Id;
        Quote quote = effect.Quote;
        LedgerAccountId payer = SystemAccounts.Subscriber(effect.Msisdn.E164);
        LedgerAccountId payee = quote.ByAmount ? SystemAccounts.Service(quote.ServiceAccountId) : SystemAccounts.PackageRevenue.Id;
        List<TransferRequest> transfers =
        [
            TransferRequest.Single(TransferIds(id)[0], payer, payee, quote.Price, quote.ByAmount ? "ussd.amount" : "ussd.package"),
        ];
        if (quote.Fee > Money.Zero)
        {
            transfers.Add(TransferRequest.Single(TransferIds(id)[1], payer, SystemAccounts.FeeRevenue.Id, quote.Fee, "ussd.fee"));
        }

        LedgerOutcome outcome = await ledger.SubmitAsync(
            new LedgerCommand(transfers) { Accounts = [SystemAccounts.PackageRevenue, SystemAccounts.FeeRevenue], Work = effect },
            ct);
        return new Payment(outcome, outcome.Status == LedgerStatus.Committed ? effect.Texts : null);
    }

    /// <summary>Whether the number paid in a calendar month (<c>2026-02</c>).</summary>
    public async Task<bool> PaidInMonthAsync(Msisdn msisdn, string month, CancellationToken ct = default)
    {
        await using DbConnection connection = await database.OpenReaderAsync(ct);
        DbCommand command = connection.Reused(
            "SELECT 1 FROM ussd_payments WHERE msisdn = @m AND month = @month", null, ("m", msisdn.E164), ("month", month));
        return await command.ExecuteScalarAsync(ct) is not null;
    }

    /// <summary>The number's last payments, newest first.</summary>
    public async Task<IReadOnlyList<PaymentRecord>> LastAsync(Msisdn msisdn, int count, CancellationToken ct = default)
    {
        await using DbConnection connection = await database.OpenAsync(ct);
        await using DbCommand command = connection.Command(
            $"SELECT created_at, package_code, account, amount, fee FROM ussd_payments WHERE msisdn = @m ORDER BY created_at DESC, id DESC LIMIT {count}",
            null,
            ("m", msisdn.E164));
        await using DbDataReader r = await command.ExecuteReaderAsync(ct);
        var list = new List<PaymentRecord>(count);
        while (await r.ReadAsync(ct))
        {
            list.Add(new PaymentRecord(
                DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(0)), r.GetString(1), r.GetString(2), Money.FromCents(r.GetInt64(3)), Money.FromCents(r.GetInt64(4))));
        }

        return list;
    }

    /// <summary>Payments made in [<paramref name="from"/>, <paramref name="to"/>): how many, and what they took from credit (fees included).</summary>
    public async Task<(long Count, Money Value)> TallyAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken ct = default)
    {
        await using DbConnection connection = await database.OpenAsync(ct);
        await using DbCommand command = connection.Command(
            "SELECT COUNT(*), COALESCE(SUM(amount + fee), 0) FROM ussd_payments WHERE created_at >= @from AND created_at < @to",
            null,
            ("from", from.ToUnixTimeMilliseconds()),
            ("to", to.ToUnixTimeMilliseconds()));
        await using DbDataReader r = await command.ExecuteReaderAsync(ct);
        await r.ReadAsync(ct);
        return (r.GetInt64(0), Money.FromCents(r.GetInt64(1)));
    }

    /// <summary>
    /// A payment's row in the dashboard's daily roll-ups (docs/design/dashboard-rollups.md): the operator-local day it was
    /// made, paid (a payment is made or not at all), with what it took from credit (fees included), as <see cref="TallyAsync"/> counts.
    /// </summary>
    public static RollupKey Rollup(OperatorClock clock, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(clock);
        return new(clock.LocalDate(at), RollupKinds.Ussd, "", "paid", "");
    }

    /// <summary>The payments as their rows stand, counted into <paramref name="into"/> (a rebuild of the roll-ups, in its commit).</summary>
    public static async Task CountAsync(CommitContext context, OperatorClock clock, Dictionary<RollupKey, RollupFigure> into, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(into);
        await using DbDataReader r = await context.Statement("SELECT created_at, amount + fee FROM ussd_payments").ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            RollupKey key = Rollup(clock, DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(0)));
            into[key] = into.GetValueOrDefault(key).Add(1, r.GetInt64(1));
        }
    }

    /// <summary>The most payments one reference is looked up to (eight hex digits of a random tail: one almost always).</summary>
    public const int MaxByReference = 20;

    private const string RowColumns = "id, msisdn, package_code, account, amount, fee, created_at, service_account_id";

    /// <summary>The payments of one reference (ix_ussd_payments_ref indexes the expression), or of a whole id.</summary>
    internal const string ByReferenceSql =
        $"SELECT {RowColumns} FROM ussd_payments WHERE id = @id OR substr(id, length(id) - 7) = @ref ORDER BY created_at DESC, id DESC LIMIT @limit";

    /// <summary>A number's (ix_ussd_payments_number) or an account's (ix_ussd_payments_paid) payments, newest first, a page at a time.</summary>
    internal static string PageSql(string column, bool before) =>
        $"SELECT {RowColumns} FROM ussd_payments WHERE {column} = @v" + (before ? " AND " + PageCursor.Condition("created_at", "id") : "")
        + " ORDER BY created_at DESC, id DESC LIMIT @limit";

    /// <summary>
    /// The payments a reference names, newest first: the eight characters a screen and receipt quote (<c>F73BB564</c>),
    /// or a whole id. Empty for text that cannot be either.
    /// </summary>
    public async Task<IReadOnlyList<UssdPaymentRow>> ByReferenceAsync(string reference, CancellationToken ct = default)
    {
        string text = reference.Trim().ToLowerInvariant();
        if (text.Length is < 8 or > 64 || !text.All(char.IsAsciiLetterOrDigit))
        {
            return [];
        }

        await using DbConnection connection = await database.OpenReaderAsync(ct);
        return await ReadAsync(
            connection.Reused(ByReferenceSql, null, ("id", text), ("ref", text.Length == 8 ? text : "-"), ("limit", MaxByReference)), ct);
    }

    /// <summary>One payment by its whole id, with what it changed; null when there is none.</summary>
    public async Task<UssdPaymentFacts?> GetAsync(string id, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        await using DbConnection connection = await database.OpenReaderAsync(ct);
        await using DbCommand command = connection.Command(
            $"SELECT {RowColumns}, paid_until, balance FROM ussd_payments WHERE id = @id", null, ("id", id));
        await using DbDataReader r = await command.ExecuteReaderAsync(ct);
        if (!await r.ReadAsync(ct))
        {
            return null;
        }

        var row = new UssdPaymentRow(
            r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), Money.FromCents(r.GetInt64(4)), Money.FromCents(r.GetInt64(5)),
            DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(6)), r.GetString(7));
        return new UssdPaymentFacts(
            row,
            r.IsDBNull(8) ? null : DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(8)),
            r.IsDBNull(9) ? null : Money.FromCents(r.GetInt64(9)));
    }

    /// <summary>The ledger's transfers of a payment (the price, and the fee when there is one), by their ids.</summary>
    public static IReadOnlyList<string> TransferIds(string id) => [$"ussd:{id}:pay", $"ussd:{id}:fee"];

    /// <summary>A page of the payments made for a service account, newest first.</summary>
    public Task<Paged<UssdPaymentRow>> ForAccountAsync(string serviceAccountId, PageCursor? before, int size, CancellationToken ct = default) =>
        PageAsync("service_account_id", serviceAccountId, before, size, ct);

    /// <summary>A page of the payments made by a number, newest first.</summary>
    public Task<Paged<UssdPaymentRow>> ByNumberAsync(Msisdn msisdn, PageCursor? before, int size, CancellationToken ct = default) =>
        PageAsync("msisdn", msisdn.E164, before, size, ct);

    private async Task<Paged<UssdPaymentRow>> PageAsync(string column, string value, PageCursor? before, int size, CancellationToken ct)
    {
        size = Math.Clamp(size, 1, 500);
        await using DbConnection connection = await database.OpenReaderAsync(ct);
        (string, object?)[] parameters = [("v", value), ("limit", size + 1), .. before?.Parameters ?? []];
        List<UssdPaymentRow> rows = await ReadAsync(connection.Reused(PageSql(column, before is not null), null, parameters), ct);
        return Paged<UssdPaymentRow>.Of(rows, size, p => new PageCursor(p.At.ToUnixTimeMilliseconds(), p.Id));
    }

    private static async Task<List<UssdPaymentRow>> ReadAsync(DbCommand command, CancellationToken ct)
    {
        await using DbDataReader r = await command.ExecuteReaderAsync(ct);
        var rows = new List<UssdPaymentRow>();
        while (await r.ReadAsync(ct))
        {
            rows.Add(new UssdPaymentRow(
                r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), Money.FromCents(r.GetInt64(4)), Money.FromCents(r.GetInt64(5)),
                DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(6)), r.GetString(7)));
        }

        return rows;
    }

    /// <summary>
    /// In the payment's transaction: the account, the payment row, the receipt, the session's end. What it decides on
    /// (the session's version, the number's payment this month, the account's paid-until) is read with the ledger's
    /// load, and what it writes goes with the ledger's writes and the COMMIT: no round trip of its own
    /// (docs/design/write-path.md, "Round trips").
    /// </summary>
    /// <param name="id">The payment's id: the session's key, or the renewal try's.</param>
    /// <param name="session">The session it ends; none for a renewal's try.</param>
    /// <param name="period">A renewal's try: the paid-until (ms, 0 for none) the account must still have.</param>
    private sealed class Pay(
        UssdPayments payments,
        string id,
        Msisdn msisdn,
        SessionWrite? session,
        long? period,
        Quote quote,
        bool oncePerMonth,
        string receiptSender,
        Func<PaymentFacts, PaymentTexts> texts)
        : ILedgerWork
    {
        public PaymentTexts? Texts { get; private set; }

        public string Id => id;

        public Msisdn Msisdn => msisdn;

        public Quote Quote => quote;

        // Every refusal comes from what was read, before anything is written.
        public bool RefusesBeforeWriting => true;

        public bool Pipelined => true;

        public IReadOnlyList<LedgerRead> Reads(CommitContext context)
        {
            List<LedgerRead> reads = session is null ? [] : [UssdSessions.VersionRead(context, session.SessionId)];
            if (Month(context) is { } month)
            {
                // Under the lock of the number's account, which every payment of the number takes: a payment another
                // server made is committed by the time this reads (and, made in this batch, marked written).
                reads.Add(new LedgerRead(
                    PaidKey(month), "SELECT 1 FROM ussd_payments WHERE msisdn = @m AND month = @month", ("m", msisdn.E164), ("month", month)));
            }

            if (!quote.ByAmount)
            {
                reads.Add(ServiceAccounts.PaidUntilRead(context, quote.ServiceAccountId));
            }

            return reads;
        }

        public Task<CommitRefusal?> ApplyAsync(LedgerContext context, CancellationToken cancellationToken)
        {
            Texts = null;
            CommitContext commit = context.Commit;
            int read = 0;
            if (session is not null && UssdSessions.Check(session, context.Reads[read++]) is { } changed)
            {
                return Task.FromResult<CommitRefusal?>(changed);
            }

            // Before the month: a renewal's period paid by another server's same try is no refusal of this one.
            if (period is { } renewing && PaidUntilOf(context.Reads[^1]) != renewing)
            {
                return Task.FromResult<CommitRefusal?>(new CommitRefusal(PeriodPaid, $"Service account {quote.ServiceAccountId} is paid beyond the period renewed."));
            }

            // The month is the commit's, on the operator's calendar: the unique (msisdn, month) has the last word.
            string? month = Month(commit);
            if (month is not null && context.Reads[read].Rows.Count > 0)
            {
                return Task.FromResult<CommitRefusal?>(new CommitRefusal(AlreadyPaid, $"{msisdn.Masked} has paid in {month} already."));
            }

            DateTimeOffset? paidUntil = null;
            Money? balance = null;
            if (quote.ByAmount)
            {
                balance = context.Available(SystemAccounts.Service(quote.ServiceAccountId)) ?? Money.Zero;
            }
            else
            {
                paidUntil = ServiceAccounts.PayMonth(commit, context.Reads[^1], quote.ServiceAccountId, quote.Package.Code, payments.Clock);
            }

            Money credit = context.Available(SystemAccounts.Subscriber(msisdn.E164)) ?? Money.Zero;
            PaymentTexts written = texts(new PaymentFacts(id, quote, paidUntil, balance, credit));
            if (session is not null)
            {
                UssdSessions.Write(commit, session with { Response = written.Screen });
            }

            // No ON CONFLICT: a second payment of the number in the month, which the read above did not see, fails the
            // batch (it is tried again, and then refused here).
            if (month is not null)
            {
                commit.Wrote(PaidKey(month));
            }

            commit.Defer(
                "INSERT INTO ussd_payments (id, session_id, msisdn, month, package_code, service_account_id, account, amount, fee, paid_until, balance, created_at) "
                + "VALUES (@id, @session, @m, @month, @package, @account_id, @account, @amount, @fee, @until, @balance, @now)",
                ("id", id),
                ("session", session?.SessionId ?? id),
                ("m", msisdn.E164),
                ("month", month),
                ("package", quote.Package.Code),
                ("account_id", quote.ServiceAccountId),
                ("account", quote.Account),
                ("amount", quote.Price.Cents),
                ("fee", quote.Fee.Cents),
                ("until", paidUntil?.ToUnixTimeMilliseconds()),
                ("balance", balance?.Cents),
                ("now", context.Now.ToUnixTimeMilliseconds()));
            SmsOutbox.Enqueue(commit, id, OutboxSources.Ussd, msisdn.E164, receiptSender, written.Sms);
            commit.AddToRollup(Rollup(payments.Clock, context.Now), 1, (quote.Price + quote.Fee).Cents);
            Texts = written;
            return Task.FromResult<CommitRefusal?>(null);
        }

        private string? Month(CommitContext context) => oncePerMonth ? payments.Clock.MonthKey(context.Now) : null;

        /// <summary>How work names the number's payments of a month to <see cref="CommitContext.Wrote"/>.</summary>
        private string PaidKey(string month) => $"ussd_payments:{msisdn.E164}:{month}";

        /// <summary>The paid-until a <see cref="ServiceAccounts.PaidUntilRead"/> found, in ms; 0 for none.</summary>
        private static long PaidUntilOf(LedgerRead read) =>
            read.Rows is [[var value, ..], ..] && value is not null and not DBNull ? Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture) : 0;
    }

    private OperatorClock Clock => clock;
}

/// <summary>A renewal's try as a payment: its id (account, period, round, try), who pays, and the period it renews.</summary>
public sealed record RenewalCharge(string Id, Msisdn Msisdn, long Period);

/// <summary>The outcome of a payment, and its texts when it was made now.</summary>
public sealed record Payment(LedgerOutcome Outcome, PaymentTexts? Texts);
