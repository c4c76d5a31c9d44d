using System.Data.Common;
using Mbushja.Domain;
using Mbushja.Ledger;
using Mbushja.Storage;
using Mbushja.Storage.Commits;

namespace Mbushja.Accounts;

/// <summary>A fixed, internet, TV or DUO account, with every way its owner names it.</summary>
public sealed record ServiceAccount(
    string Id,
    ServiceKind Kind,
    string PackageCode,
    string? Username,
    string? Contract,
    string? SmartCard,
    FixedNumber? Number,
    DateTimeOffset? PaidUntil,
    Money Balance,
    DateTimeOffset CreatedAt);

/// <summary>What a new service account is to be, already validated field by field.</summary>
public sealed record NewServiceAccount(
    ServiceKind Kind,
    Package Package,
    AccountIdentifier? Username,
    AccountIdentifier? Contract,
    AccountIdentifier? SmartCard,
    FixedNumber? Number,
    Money OpeningBalance);

/// <summary>Provisioning and lookup of service accounts.</summary>
public sealed class ServiceAccounts(Database database, LedgerEngine ledger, NumberingPlan numbering)
{
    private const string Columns = "s.id, s.kind, s.package_code, s.username, s.contract, s.smart_card, s.number, s.paid_until, a.balance - a.pending_debits, s.created_at";

    /// <summary>
    /// An account by id (@id) or by one of two identifier keys (@k1, @k2): two lookups, each by its own primary key,
    /// rather than one WHERE with an OR across them, which PostgreSQL answers with a sequential scan of
    /// service_accounts (a USSD step then grows with the table). The id comes first, so an id that is also someone's
    /// name finds the account it is the id of. A spec checks the plan on PostgreSQL.
    /// </summary>
    internal const string FindSql =
        $"SELECT {Columns} FROM service_accounts s JOIN ledger_accounts a ON a.id = s.account_id WHERE s.id = @id "
        + $"UNION ALL SELECT {Columns} FROM service_account_identifiers i JOIN service_accounts s ON s.id = i.account_id "
        + "JOIN ledger_accounts a ON a.id = s.account_id WHERE i.key IN (@k1, @k2) LIMIT 1";

    /// <summary>Creates the account, its identifiers, its ledger account and opening balance as one ledger command.</summary>
    public async Task<(LedgerOutcome Outcome, string Id)> CreateAsync(NewServiceAccount account, CancellationToken ct = default)
    {
        string id = Guid.CreateVersion7().ToString("N");
        LedgerAccountId ledgerAccount = SystemAccounts.Service(id);
        List<TransferRequest> transfers = account.OpeningBalance > Money.Zero
            ? [TransferRequest.Single($"open:{id}", SystemAccounts.Provisioning.Id, ledgerAccount, account.OpeningBalance, "service.opening")]
            : [];
        var command = new LedgerCommand(transfers)
        {
            Accounts = [SystemAccounts.Provisioning, new LedgerAccountSpec(ledgerAccount, "service", NoNegative: true)],
            Work = new InsertServiceAccount(id, account, ledgerAccount),
        };
        return (await ledger.SubmitAsync(command, ct), id);
    }

    /// <summary>Finds an account by its id, username, contract, SMART card or fixed number (any accepted form).</summary>
    public async Task<ServiceAccount?> FindAsync(string identifier, CancellationToken ct = default)
    {
        if (Keys(identifier) is not { } keys)
        {
            return null;
        }

        await using DbConnection connection = await database.OpenReaderAsync(ct);
        DbCommand command = connection.Reused(FindSql, null, FindParameters(keys));
        await using DbDataReader r = await command.ExecuteReaderAsync(ct);
        return await r.ReadAsync(ct) ? Read(r) : null;
    }

    /// <summary>
    /// <see cref="FindAsync"/>, and the subscriber <paramref name="msisdn"/> (<see cref="Subscribers.FindAsync"/>) in the
    /// same round trip: a USSD step that takes an account quotes its price against the caller's credit next.
    /// </summary>
    public async Task<(ServiceAccount? Account, Subscriber? Subscriber)> FindWithSubscriberAsync(string identifier, Msisdn msisdn, CancellationToken ct = default)
    {
        List<string>? keys = Keys(identifier);
        await using DbConnection connection = await database.OpenReaderAsync(ct);
        DbCommand command = keys is null
            ? connection.Reused(Subscribers.FindSql, null, ("m", msisdn.E164))
            : connection.Reused(Subscribers.FindSql + "; " + FindSql, null, [("m", msisdn.E164), .. FindParameters(keys)]);
        await using DbDataReader r = await command.ExecuteReaderAsync(ct);
        Subscriber? subscriber = await r.ReadAsync(ct) ? Subscribers.Read(r, msisdn) : null;
        ServiceAccount? account = null;
        if (keys is not null && await r.NextResultAsync(ct) && await r.ReadAsync(ct))
        {
            account = Read(r);
        }

        return (account, subscriber);
    }

    /// <summary>The keys an identifier is looked up by: itself (lower case) and, if it is one, the fixed number it writes; null for no identifier.</summary>
    private List<string>? Keys(string identifier)
    {
        string text = identifier.Trim();
        if (text.Length is 0 or > 128 || text.Contains('\0', StringComparison.Ordinal))
        {
            return null;
        }

        var keys = new List<string> { text.ToLowerInvariant() };
        if (numbering.ParseFixed(text).TryGetValue(out FixedNumber number))
        {
            keys.Add(number.E164);
        }

        return keys;
    }

    private static (string, object?)[] FindParameters(List<string> keys) =>
        [
            ("id", keys[0]), // ids are lower-case hex; lookups ignore case like every other identifier
            ("k1", keys[0]),
            ("k2", keys[^1]),
        ];

    /// <summary>
    /// In a commit: pays one month of a package for a service account. Paid-until moves one calendar month, in the
    /// operator's time zone, from max(now, paid-until), and the package is recorded as the account's. On PostgreSQL the
    /// row is locked first, so two payments in one batch or on two servers add up.
    /// </summary>
    /// <returns>The new paid-until.</returns>
    public static async Task<DateTimeOffset> PayMonthAsync(
        CommitContext context, string accountId, string? packageCode, OperatorClock clock, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(context);
        object? value = await context.Statement(PaidUntilSql(context), ("id", accountId)).ExecuteScalarAsync(ct);
        DateTimeOffset until = MonthFrom(context, value is null or DBNull ? null : Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture), clock);
        context.Wrote(Key(accountId));
        await context.ExecuteAsync(PayMonthSql, ct, PayMonthParameters(accountId, packageCode, until));
        return until;
    }

    /// <summary>
    /// What <see cref="PayMonth"/> decides on, for a ledger command's work to read with the ledger's load: the account's
    /// paid-until, locked (<see cref="LedgerRead"/>).
    /// </summary>
    public static LedgerRead PaidUntilRead(CommitContext context, string accountId)
    {
        ArgumentNullException.ThrowIfNull(context);
        return new LedgerRead(Key(accountId), PaidUntilSql(context), ("id", accountId));
    }

    /// <summary>
    /// <see cref="PayMonthAsync"/> from the paid-until <paramref name="read"/> (<see cref="PaidUntilRead"/>), the write
    /// deferred to the commit's next round trip (<see cref="CommitContext.Defer"/>).
    /// </summary>
    /// <returns>The new paid-until.</returns>
    public static DateTimeOffset PayMonth(CommitContext context, LedgerRead read, string accountId, string? packageCode, OperatorClock clock)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(read);
        DateTimeOffset until = MonthFrom(context, read.Rows is [[var value, ..], ..] && value is not null ? Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture) : null, clock);
        context.Wrote(Key(accountId));
        context.Defer(PayMonthSql, PayMonthParameters(accountId, packageCode, until));
        return until;
    }

    /// <summary>How work names an account's row to <see cref="CommitContext.Wrote"/>.</summary>
    private static string Key(string accountId) => "service_accounts:" + accountId;

    private static string PaidUntilSql(CommitContext context) => $"SELECT paid_until FROM service_accounts WHERE id = @id{context.Sql.ForUpdate}";

    private const string PayMonthSql = "UPDATE service_accounts SET paid_until = @until, package_code = COALESCE(@package, package_code) WHERE id = @id";

    private static (string, object?)[] PayMonthParameters(string accountId, string? packageCode, DateTimeOffset until) =>
        [("until", until.ToUnixTimeMilliseconds()), ("package", packageCode), ("id", accountId)];

    /// <summary>One calendar month from max(now, paid-until).</summary>
    private static DateTimeOffset MonthFrom(CommitContext context, long? paidUntil, OperatorClock clock)
    {
        DateTimeOffset from = paidUntil is { } ms && DateTimeOffset.FromUnixTimeMilliseconds(ms) > context.Now
            ? DateTimeOffset.FromUnixTimeMilliseconds(ms)
            : context.Now;
        return clock.AddMonth(from);
    }

    /// <summary>
    /// In a commit: takes back one paid month (a reversed payment): paid-until moves one calendar month
    /// earlier in the operator's time zone. An account never paid is left alone.
    /// </summary>
    public static async Task TakeBackMonthAsync(CommitContext context, string accountId, OperatorClock clock, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(context);
        object? value = await context.Statement(PaidUntilSql(context), ("id", accountId)).ExecuteScalarAsync(ct);
        if (value is null or DBNull)
        {
            return;
        }

        DateTimeOffset until = clock.SubtractMonth(DateTimeOffset.FromUnixTimeMilliseconds(Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture)));
        context.Wrote(Key(accountId));
        await context.ExecuteAsync("UPDATE service_accounts SET paid_until = @until WHERE id = @id", ct, ("until", until.ToUnixTimeMilliseconds()), ("id", accountId));
    }

    private ServiceAccount Read(DbDataReader r)
    {
        string? number = r.GetNullableString(6);
        long? paidUntil = r.GetNullableInt64(7);
        return new ServiceAccount(
            r.GetString(0),
            DomainNames.ParseKind(r.GetString(1)).Value,
            r.GetString(2),
            r.GetNullableString(3),
            r.GetNullableString(4),
            r.GetNullableString(5),
            number is null ? null : numbering.ParseFixed(number).Value,
            paidUntil is null ? null : DateTimeOffset.FromUnixTimeMilliseconds(paidUntil.Value),
            Money.FromCents(r.GetInt64(8)),
            DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(9)));
    }

    private sealed class InsertServiceAccount(string id, NewServiceAccount account, LedgerAccountId ledgerAccount) : ILedgerWork
    {
        public async Task<CommitRefusal?> ApplyAsync(LedgerContext context, CancellationToken cancellationToken)
        {
            await context.Commit.ExecuteAsync(
                "INSERT INTO service_accounts (id, kind, package_code, username, contract, smart_card, number, paid_until, account_id, created_at) "
                + "VALUES (@id, @kind, @package, @username, @contract, @card, @number, NULL, @account, @at)",
                cancellationToken,
                ("id", id),
                ("kind", account.Kind.ToWire()),
                ("package", account.Package.Code),
                ("username", account.Username?.Value),
                ("contract", account.Contract?.Value),
                ("card", account.SmartCard?.Value),
                ("number", account.Number?.E164),
                ("account", ledgerAccount.Value),
                ("at", context.Commit.NowMs));

            foreach ((string kind, string label, string? key) in Identifiers())
            {
                if (key is null)
                {
                    continue;
                }

                // The identifier's primary key decides who has it; ON CONFLICT keeps the transaction usable.
                if (await context.Commit.ExecuteAsync(
                    "INSERT INTO service_account_identifiers (key, kind, account_id) VALUES (@key, @kind, @id) ON CONFLICT (key) DO NOTHING",
                    cancellationToken,
                    ("key", key),
                    ("kind", kind),
                    ("id", id)) != 1)
                {
                    return new CommitRefusal(ErrorCodes.IdentifierTaken, $"The {label} '{key}' already names another service account.", label);
                }
            }

            return null;
        }

        private IEnumerable<(string Kind, string Label, string? Key)> Identifiers()
        {
            yield return ("username", "username", account.Username?.Key);
            yield return ("contract", "contract", account.Contract?.Key);
            yield return ("smartCard", "smartCard", account.SmartCard?.Key);
            yield return ("number", "number", account.Number?.E164);
        }
    }
}
