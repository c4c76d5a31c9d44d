using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using Mbushja.Accounts;
using Mbushja.Domain;
using Mbushja.Storage;
using Mbushja.Storage.Commits;
using Mbushja.WebConsole;
using Mbushja.TopUp;

namespace Mbushja.Bench.Scale;

/// <summary>How big a database is: subscribers, service accounts, SMS top-ups and USSD payments spread over days up to now.</summary>
internal sealed record Sizes(int Subscribers, int ServiceAccounts, int TopUps, int UssdPayments, int Days)
{
    /// <summary>Holders registered at a bank: every subscriber who topped up.</summary>
    public int Registrations => Math.Min(Subscribers, TopUps);

    /// <summary>Every thousandth top-up is reversed (its refund done).</summary>
    public int Reversals => TopUps / 1000;

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Subscribers:N0} subscribers ({Registrations:N0} registered at a bank), {ServiceAccounts:N0} service accounts, {TopUps:N0} SMS top-ups "
        + $"({Reversals:N0} reversed) and {UssdPayments:N0} USSD payments over {Days} days ({TopUps / Days:N0} top-ups and {UssdPayments / Days:N0} payments a day)");
}

/// <summary>
/// Fills a migrated database by set-based SQL in the product's schema, rows shaped as the product writes them (a real
/// top-up and USSD payment, read back, are what they copy): subscribers and service accounts with their ledger accounts
/// and opening transfers; a registration at one bank per subscriber who tops up; completed SMS top-ups, each with its
/// eight trail lines, its three ledger transfers (the hold pending bank → clearing, the credit clearing → subscriber,
/// the capture posting the hold) and its inline reply; every thousandth reversed (its transfer back, its three trail
/// lines, its refund done); USSD payments, each with its two transfers (package, fee) and its receipt sent. Balances
/// are written from the business rows (top-ups, reversals, payments), then checked against the transfers.
/// </summary>
internal sealed class ScaleSeed(Database database, Sizes s, IReadOnlyList<Mbushja.Sms.Bank> banks, OperatorClock clock, long start, long now)
{
    /// <summary>A subscriber's opening credit: enough for a package paid by USSD.</summary>
    public const long OpeningSubscriber = 10_000;

    public const long OpeningService = 1_000;

    public const long TopUpCents = 500;

    /// <summary>What a seeded USSD payment charges: INTERNET_1's catalog price and the service fee.</summary>
    public const long PackageCents = 1_490;

    public const long FeeCents = 50;

    // Disjoint ranges of the 32-hex ids (a UUID without dashes, as the product's): top-ups, registrations, USSD payments.
    private const long RegistrationIds = 0x1000_0000;
    private const long PaymentIds = 0x2000_0000;

    private readonly bool _pg = database.Kind == DatabaseKind.Postgres;

    /// <summary>Subscriber n's number: +383 49 then six digits, +383 43 for the second million.</summary>
    public static string SubscriberE164(int n) => string.Create(CultureInfo.InvariantCulture, $"+383{(n < 1_000_000 ? 49 : 43)}{n % 1_000_000:D6}");

    /// <summary>Top-up n's id: 32 hex characters, like the product's.</summary>
    public static string TopUpId(long n) => string.Create(CultureInfo.InvariantCulture, $"{n:x8}{n:x8}{n:x8}{n:x8}");

    /// <summary>The id of USSD payment <paramref name="u"/> (and the reference its receipt quotes is its last 8 characters).</summary>
    public static string PaymentId(long u) => TopUpId(u + PaymentIds);

    /// <summary>Subscriber n's bank account, the IBAN its registration names.</summary>
    public static Iban HolderIban(int n) => Iban.ForKosovoAccount(string.Create(CultureInfo.InvariantCulture, $"1212{n:D12}"));

    /// <summary>The bank subscriber n is registered at (and tops up through), by its place in <c>banks</c>.</summary>
    public static int BankOf(int n, int banks) => n % banks;

    public async Task<string> RunAsync()
    {
        string[] statements = Statements();
        await using DbConnection connection = await database.OpenOwnAsync();
        // The seed's own connection only: room for the indexes it fills (the product's connections keep their settings).
        foreach (string sql in _pg ? new[] { "SET work_mem = '256MB'", "SET maintenance_work_mem = '512MB'" } : ["PRAGMA cache_size = -400000"])
        {
            await ExecuteAsync(connection, null, sql);
        }

        await using (DbTransaction tx = await connection.BeginTransactionAsync())
        {
            foreach (string sql in statements)
            {
                var took = Stopwatch.StartNew();
                await ExecuteAsync(connection, tx, sql);
                if (took.Elapsed > TimeSpan.FromSeconds(10))
                {
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"    {took.Elapsed.TotalSeconds:F0} s: {sql[..Math.Min(100, sql.Length)]}"));
                }
            }

            await tx.CommitAsync();
        }

        var checking = Stopwatch.StartNew();
        string check = await CheckLedgerAsync(connection);

        // The dashboard's daily roll-ups, as `mbushja rollups rebuild` writes them (docs/design/dashboard-rollups.md): the
        // seed writes the rows by SQL, not through the commits that keep them.
        var rebuilding = Stopwatch.StartNew();
        int rollups;
        await using (var commits = new CommitQueue(database, TimeProvider.System))
        {
            rollups = await DashboardRollups.RebuildAsync(commits, clock);
        }

        TimeSpan rebuilt = rebuilding.Elapsed;

        // What autovacuum (PostgreSQL) and the planner's statistics would have by the time a table is this big. And the
        // load written out now (a checkpoint on PostgreSQL, the WAL into the file on SQLite) rather than in the middle of
        // the timings.
        foreach (string sql in _pg ? new[] { "VACUUM ANALYZE", "CHECKPOINT" } : ["ANALYZE", "PRAGMA wal_checkpoint(TRUNCATE)"])
        {
            await ExecuteAsync(connection, null, sql);
        }

        return string.Create(
            CultureInfo.InvariantCulture,
            $"{check} (checked in {(checking.Elapsed - rebuilt).TotalSeconds:F0} s); roll-ups rebuilt: {rollups:N0} rows in {rebuilt.TotalSeconds:F1} s");
    }

    /// <summary>
    /// Every ledger balance equals its transfers (posted credits less posted debits; pending debits and credits equal the
    /// holds not yet posted or voided), and the balances sum to zero. Throws otherwise: a bench on a wrong ledger measures nothing.
    /// </summary>
    public static async Task<string> CheckLedgerAsync(DbConnection connection)
    {
        const string Sql =
            "SELECT COUNT(*), COALESCE(SUM(a.balance), 0) FROM ledger_accounts a LEFT JOIN ("
            + " SELECT account, SUM(balance) AS balance, SUM(pending_debits) AS pending_debits, SUM(pending_credits) AS pending_credits FROM ("
            + "  SELECT credit_account AS account, amount AS balance, 0 AS pending_debits, 0 AS pending_credits FROM ledger_transfers WHERE kind IN ('single', 'post')"
            + "  UNION ALL SELECT debit_account, -amount, 0, 0 FROM ledger_transfers WHERE kind IN ('single', 'post')"
            + "  UNION ALL SELECT p.debit_account, 0, p.amount, 0 FROM ledger_transfers p WHERE p.kind = 'pending' AND NOT EXISTS (SELECT 1 FROM ledger_transfers r WHERE r.pending_id = p.id)"
            + "  UNION ALL SELECT p.credit_account, 0, 0, p.amount FROM ledger_transfers p WHERE p.kind = 'pending' AND NOT EXISTS (SELECT 1 FROM ledger_transfers r WHERE r.pending_id = p.id)"
            + " ) AS moves GROUP BY account"
            + ") AS t ON t.account = a.id "
            + "WHERE a.balance <> COALESCE(t.balance, 0) OR a.pending_debits <> COALESCE(t.pending_debits, 0) OR a.pending_credits <> COALESCE(t.pending_credits, 0)";
        long wrong;
        await using (DbCommand command = connection.Command(Sql))
        {
            command.CommandTimeout = 0;
            await using DbDataReader r = await command.ExecuteReaderAsync();
            await r.ReadAsync();
            wrong = r.GetInt64(0);
        }

        long accounts, transfers, sum;
        await using (DbCommand command = connection.Command(
            "SELECT COUNT(*), COALESCE(SUM(balance), 0), COALESCE(SUM(pending_debits - pending_credits), 0), (SELECT COUNT(*) FROM ledger_transfers) FROM ledger_accounts"))
        {
            command.CommandTimeout = 0;
            await using DbDataReader r = await command.ExecuteReaderAsync();
            await r.ReadAsync();
            (accounts, sum, transfers) = (r.GetInt64(0), Convert.ToInt64(r.GetValue(1), CultureInfo.InvariantCulture), r.GetInt64(3));
            sum += Math.Abs(Convert.ToInt64(r.GetValue(2), CultureInfo.InvariantCulture));
        }

        if (wrong != 0 || sum != 0)
        {
            throw new InvalidOperationException($"The ledger is wrong: {wrong} accounts differ from their transfers; the balances sum to {sum}.");
        }

        return string.Create(CultureInfo.InvariantCulture,
            $"ledger: {accounts:N0} accounts, {transfers:N0} transfers; every balance equals its transfers, the sum is 0");
    }

    private static async Task ExecuteAsync(DbConnection connection, DbTransaction? tx, string sql)
    {
        await using DbCommand command = connection.Command(sql, tx);
        command.CommandTimeout = 0;
        await command.ExecuteNonQueryAsync();
    }

    private string[] Statements()
    {
        long step = Math.Max(1, (now - start) / Math.Max(1, s.TopUps));
        long ussdStep = Math.Max(1, (now - start) / Math.Max(1, s.UssdPayments));
        string t = _pg ? "true" : "1", f = _pg ? "false" : "0";
        int perSubscriber = s.TopUps / s.Subscribers, remainder = s.TopUps % s.Subscribers;

        // Top-up n: its subscriber k (sender and target), bank, id, time. n is an expression over the series.
        string K(string n) => $"({n} % {s.Subscribers})";
        string Bank(string k) => Case($"{k} % {banks.Count}", banks.Select(b => $"'{b.Code}'"));
        string ShortCode(string k) => Case($"{k} % {banks.Count}", banks.Select(b => $"'{b.ShortCode}'"));
        string At(string n) => $"({start} + {n} * {step})";
        string Id(string n) => Hex32(n);
        string TopUpReply(string n) => $"'U krye: ' || {Msisdn(K(n))} || ' +5.00 €. Ref ' || upper({Hex8(n)})";

        // The plan a validated top-up keeps (TopUpPlan as JSON, as the product writes it): the sender's own number by 5 €.
        string PlanOf(string n) =>
            $"'{{\"bankCode\":\"' || {Bank(K(n))} || '\",\"accountRef\":\"' || {IbanSql(K(n))} || '\",\"credits\":[{{\"kind\":\"Mobile\",\"ledgerAccount\":\"sub:' || {Msisdn(K(n))} "
            + $"|| '\",\"amountCents\":{TopUpCents},\"target\":\"0' || substr({Msisdn(K(n))}, 5) || '\",\"serviceAccountId\":null,\"packageCode\":null,\"packageName\":null}}]}}'";

        // Each top-up's trail, as the product writes it: eight lines, in order (series of 8 per top-up: line = m % 8).
        string TrailLine(string n, string line) => Case(line, [
            $"'{{\"from\":\"' || {Msisdn(K(n))} || '\",\"to\":\"' || {ShortCode(K(n))} || '\",\"text\":\"5\",\"messageId\":\"m' || {n} || '\"}}'",
            $"'{{\"ok\":true,\"bank\":\"' || {Bank(K(n))} || '\",\"command\":{{\"kind\":\"mobile\",\"targets\":[{{\"msisdn\":\"' || {Msisdn(K(n))} || '\",\"amountCents\":{TopUpCents}}}]}}}}'",
            $"'{{\"transfers\":[{{\"id\":\"sms:' || {Id(n)} || ':hold\",\"debit\":\"bank:' || {Bank(K(n))} || '\",\"credit\":\"clearing:' || {Bank(K(n))} || '\",\"amountCents\":{TopUpCents},\"pendingId\":null}}]}}'",
            $"'{{\"amountCents\":{TopUpCents},\"status\":\"held\",\"code\":null,\"failure\":null,\"attempts\":1}}'",
            $"'{{\"transfers\":[{{\"id\":\"sms:' || {Id(n)} || ':1\",\"debit\":\"clearing:' || {Bank(K(n))} || '\",\"credit\":\"sub:' || {Msisdn(K(n))} || '\",\"amountCents\":{TopUpCents},\"pendingId\":null}}]}}'",
            $"'{{\"text\":\"' || {TopUpReply(n)} || '\",\"route\":\"response\"}}'",
            "'{\"amountCents\":null,\"status\":\"captured\",\"code\":null,\"failure\":null,\"attempts\":1}'",
            $"'{{\"transfers\":[{{\"id\":\"sms:' || {Id(n)} || ':capture\",\"debit\":null,\"credit\":null,\"amountCents\":0,\"pendingId\":\"sms:' || {Id(n)} || ':hold\"}}]}}'",
        ]);
        string[] trailKinds = ["received", "interpreted", "ledger.hold", "bank.hold", "ledger", "reply", "bank.capture", "ledger.capture"];
        int[] trailDelays = [0, 0, 0, 700, 700, 700, 1_200, 1_200];

        // Reversal r: of top-up n = 1000 r + 999, a minute after it; refunded.
        string Rev(string r) => $"({r} * 1000 + 999)";
        string RevAt(string r) => $"({At(Rev(r))} + 60000)";
        string ReversalLine(string r, string line) => Case(line, [
            $"'{{\"by\":\"bench.supervisor\",\"reason\":\"customer asked\",\"refundId\":\"rf-' || {Id(Rev(r))} || '\",\"amountCents\":{TopUpCents}}}'",
            $"'{{\"transfers\":[{{\"id\":\"reversal:' || {Id(Rev(r))} || ':1\",\"debit\":\"sub:' || {Msisdn(K(Rev(r)))} || '\",\"credit\":\"bank:' || {Bank(K(Rev(r)))} || '\",\"amountCents\":{TopUpCents},\"pendingId\":null}}]}}'",
            $"'{{\"refundId\":\"rf-' || {Id(Rev(r))} || '\",\"amountCents\":{TopUpCents},\"status\":\"refunded\",\"code\":null,\"failure\":null,\"attempts\":1}}'",
        ]);

        // USSD payment u: subscriber u pays INTERNET_1 for service account u % A, once (a number pays once a month).
        string PayId(string u) => Hex32($"({u} + {PaymentIds})");
        string PayAt(string u) => $"({start} + {u} * {ussdStep} + 12345)";
        string Account(string u) => $"({u} % {s.ServiceAccounts})";

        long provisioning = (s.Subscribers * OpeningSubscriber) + (s.ServiceAccounts * OpeningService);
        string[] list =
        [
            // The system accounts, as the product makes them (their balances follow from the business rows, at the end).
            .. new[] { SystemAccounts.Provisioning, SystemAccounts.PackageRevenue, SystemAccounts.FeeRevenue }
                .Concat(banks.SelectMany(b => new[] { TopUpAccounts.Bank(b.Code), TopUpAccounts.Clearing(b.Code) }))
                .Select(a => $"INSERT INTO ledger_accounts (id, kind, no_negative, balance, created_at) VALUES ('{a.Id.Value}', '{a.Kind}', {(a.NoNegative ? t : f)}, 0, {start}) ON CONFLICT (id) DO NOTHING"),

            // Subscribers: the opening credit, each top-up's 5 €, less a USSD payment for the first UssdPayments of them.
            $"INSERT INTO ledger_accounts (id, kind, no_negative, balance, created_at) SELECT 'sub:' || {Msisdn("g.n")}, 'subscriber', {t}, "
                + $"{OpeningSubscriber} + {TopUpCents} * ({perSubscriber} + CASE WHEN g.n < {remainder} THEN 1 ELSE 0 END) - CASE WHEN g.n < {s.UssdPayments} THEN {PackageCents + FeeCents} ELSE 0 END, "
                + $"{start} FROM {Series(s.Subscribers)}",
            $"INSERT INTO subscribers (msisdn, language, account_id, created_at) SELECT {Msisdn("g.n")}, 'sq', 'sub:' || {Msisdn("g.n")}, {start} FROM {Series(s.Subscribers)}",
            $"INSERT INTO ledger_transfers (id, kind, debit_account, credit_account, amount, state, code, created_at) "
                + $"SELECT 'open:' || {Msisdn("g.n")}, 'single', '{SystemAccounts.Provisioning.Id.Value}', 'sub:' || {Msisdn("g.n")}, {OpeningSubscriber}, 'posted', 'subscriber.opening', {start} FROM {Series(s.Subscribers)}",

            // Service accounts: named by username, contract and SMART card.
            $"INSERT INTO ledger_accounts (id, kind, no_negative, balance, created_at) SELECT 'svc:sa' || {Pad("g.n", 10)}, 'service', {t}, {OpeningService}, {start} FROM {Series(s.ServiceAccounts)}",
            $"INSERT INTO service_accounts (id, kind, package_code, username, contract, smart_card, number, paid_until, account_id, created_at) "
                + $"SELECT 'sa' || {Pad("g.n", 10)}, 'internet', 'INTERNET_1', 'user' || g.n, 'C' || {Pad("g.n", 8)}, {Pad("g.n + 100000000000", 12)}, NULL, NULL, 'svc:sa' || {Pad("g.n", 10)}, {start} FROM {Series(s.ServiceAccounts)}",
            $"INSERT INTO service_account_identifiers (key, kind, account_id) SELECT 'user' || g.n, 'username', 'sa' || {Pad("g.n", 10)} FROM {Series(s.ServiceAccounts)}",
            $"INSERT INTO service_account_identifiers (key, kind, account_id) SELECT 'c' || {Pad("g.n", 8)}, 'contract', 'sa' || {Pad("g.n", 10)} FROM {Series(s.ServiceAccounts)}",
            $"INSERT INTO service_account_identifiers (key, kind, account_id) SELECT {Pad("g.n + 100000000000", 12)}, 'smartCard', 'sa' || {Pad("g.n", 10)} FROM {Series(s.ServiceAccounts)}",
            $"INSERT INTO ledger_transfers (id, kind, debit_account, credit_account, amount, state, code, created_at) "
                + $"SELECT 'open:sa' || {Pad("g.n", 10)}, 'single', '{SystemAccounts.Provisioning.Id.Value}', 'svc:sa' || {Pad("g.n", 10)}, {OpeningService}, 'posted', 'service.opening', {start} FROM {Series(s.ServiceAccounts)}",

            // Registrations: every subscriber who tops up is the holder of one, at one bank.
            "INSERT INTO bank_registrations (id, bank_code, holder_msisdn, account_ref, created_at) "
                + $"SELECT {Hex32($"(g.n + {RegistrationIds})")}, {Bank("g.n")}, {Msisdn("g.n")}, {IbanSql("g.n")}, {start} FROM {Series(s.Registrations)}",
            "INSERT INTO registration_members (bank_code, msisdn, registration_id, role, slot, added_at) "
                + $"SELECT {Bank("g.n")}, {Msisdn("g.n")}, {Hex32($"(g.n + {RegistrationIds})")}, 'holder', 0, {start} FROM {Series(s.Registrations)}",
            "INSERT INTO registration_audit (registration_id, bank_code, at, actor, action, details) "
                + $"SELECT {Hex32($"(g.n + {RegistrationIds})")}, {Bank("g.n")}, {start}, 'bench', 'created', "
                + $"'{{\"holder\":\"' || {Msisdn("g.n")} || '\",\"accountRef\":\"' || {IbanSql("g.n")} || '\",\"authorized\":[],\"contractAccounts\":[]}}' FROM {Series(s.Registrations)}",

            // SMS top-ups, completed, spread evenly over the days.
            "INSERT INTO sms_transactions (id, message_id, sender, msisdn, short_code, text, bank_code, language, state, code, account_ref, amount, plan, reply, reply_route, received_at, updated_at, lease_until) "
                + $"SELECT {Id("g.n")}, 'm' || g.n, {Msisdn(K("g.n"))}, {Msisdn(K("g.n"))}, {ShortCode(K("g.n"))}, '5', {Bank(K("g.n"))}, 'sq', 'completed', NULL, {IbanSql(K("g.n"))}, {TopUpCents}, "
                + $"{PlanOf("g.n")}, {TopUpReply("g.n")}, 'response', {At("g.n")}, {At("g.n")} + 1200, 0 FROM {Series(s.TopUps)}",
            "INSERT INTO sms_targets (target, received_at, transaction_id) "
                + $"SELECT {Msisdn(K("g.n"))}, {At("g.n")}, {Id("g.n")} FROM {Series(s.TopUps)}",
            "INSERT INTO sms_events (transaction_id, at, kind, detail) "
                + $"SELECT {Id("(g.n / 8)")}, {At("(g.n / 8)")} + {Case("g.n % 8", trailDelays.Select(d => d.ToString(CultureInfo.InvariantCulture)))}, "
                + $"{Case("g.n % 8", trailKinds.Select(k => $"'{k}'"))}, {TrailLine("(g.n / 8)", "g.n % 8")} FROM {Series(8L * s.TopUps)}",
            "INSERT INTO ledger_transfers (id, kind, debit_account, credit_account, amount, pending_id, state, code, linked_id, created_at) "
                + $"SELECT 'sms:' || {Id("g.n")} || ':hold', 'pending', 'bank:' || {Bank(K("g.n"))}, 'clearing:' || {Bank(K("g.n"))}, {TopUpCents}, NULL, 'pending', 'sms.hold', NULL, {At("g.n")} FROM {Series(s.TopUps)}",
            "INSERT INTO ledger_transfers (id, kind, debit_account, credit_account, amount, pending_id, state, code, linked_id, created_at) "
                + $"SELECT 'sms:' || {Id("g.n")} || ':1', 'single', 'clearing:' || {Bank(K("g.n"))}, 'sub:' || {Msisdn(K("g.n"))}, {TopUpCents}, NULL, 'posted', 'sms.topup', NULL, {At("g.n")} + 700 FROM {Series(s.TopUps)}",
            "INSERT INTO ledger_transfers (id, kind, debit_account, credit_account, amount, pending_id, state, code, linked_id, created_at) "
                + $"SELECT 'sms:' || {Id("g.n")} || ':capture', 'post', 'bank:' || {Bank(K("g.n"))}, 'clearing:' || {Bank(K("g.n"))}, {TopUpCents}, 'sms:' || {Id("g.n")} || ':hold', 'posted', 'sms.capture', NULL, {At("g.n")} + 1200 FROM {Series(s.TopUps)}",
            "INSERT INTO sms_outbox (transaction_id, recipient, sender, text, state, attempts, next_at, created_at, source) "
                + $"SELECT {Id("g.n")}, {Msisdn(K("g.n"))}, {ShortCode(K("g.n"))}, {TopUpReply("g.n")}, 'inline', 0, {At("g.n")} + 700, {At("g.n")} + 700, 'sms' FROM {Series(s.TopUps)}",

            // Reversals: the credit given back to the bank's account, the refund done, three more trail lines.
            "INSERT INTO sms_reversals (transaction_id, refund_id, bank_code, account_ref, amount, reason, requested_by, state, refund_code, attempts, requested_at, updated_at, lease_until) "
                + $"SELECT {Id(Rev("g.n"))}, 'rf-' || {Id(Rev("g.n"))}, {Bank(K(Rev("g.n")))}, {IbanSql(K(Rev("g.n")))}, {TopUpCents}, 'customer asked', 'bench.supervisor', 'refunded', NULL, 1, "
                + $"{RevAt("g.n")}, {RevAt("g.n")} + 500, {RevAt("g.n")} FROM {Series(s.Reversals)}",
            "INSERT INTO ledger_transfers (id, kind, debit_account, credit_account, amount, pending_id, state, code, linked_id, created_at) "
                + $"SELECT 'reversal:' || {Id(Rev("g.n"))} || ':1', 'single', 'sub:' || {Msisdn(K(Rev("g.n")))}, 'bank:' || {Bank(K(Rev("g.n")))}, {TopUpCents}, NULL, 'posted', '{TopUpReversals.TransferCode}', NULL, {RevAt("g.n")} FROM {Series(s.Reversals)}",
            "INSERT INTO sms_events (transaction_id, at, kind, detail) "
                + $"SELECT {Id(Rev("(g.n / 3)"))}, {RevAt("(g.n / 3)")} + {Case("g.n % 3", ["0", "0", "500"])}, {Case("g.n % 3", ["'reversal.requested'", "'reversal.ledger'", "'bank.refund'"])}, "
                + $"{ReversalLine("(g.n / 3)", "g.n % 3")} FROM {Series(3L * s.Reversals)}",

            // USSD payments: the package to its revenue, the fee to the fee's, linked; the receipt sent.
            "INSERT INTO ussd_payments (id, session_id, msisdn, month, package_code, service_account_id, account, amount, fee, paid_until, balance, created_at) "
                + $"SELECT {PayId("g.n")}, 'bench-' || g.n, {Msisdn("g.n")}, {Month(PayAt("g.n"))}, 'INTERNET_1', 'sa' || {Pad(Account("g.n"), 10)}, 'user' || {Account("g.n")}, "
                + $"{PackageCents}, {FeeCents}, {PayAt("g.n")} + {30L * 86_400_000}, NULL, {PayAt("g.n")} FROM {Series(s.UssdPayments)}",
            "INSERT INTO ledger_transfers (id, kind, debit_account, credit_account, amount, pending_id, state, code, linked_id, created_at) "
                + $"SELECT 'ussd:' || {PayId("g.n")} || ':pay', 'single', 'sub:' || {Msisdn("g.n")}, '{SystemAccounts.PackageRevenue.Id.Value}', {PackageCents}, NULL, 'posted', 'ussd.package', "
                + $"'ussd:' || {PayId("g.n")} || ':pay', {PayAt("g.n")} FROM {Series(s.UssdPayments)}",
            "INSERT INTO ledger_transfers (id, kind, debit_account, credit_account, amount, pending_id, state, code, linked_id, created_at) "
                + $"SELECT 'ussd:' || {PayId("g.n")} || ':fee', 'single', 'sub:' || {Msisdn("g.n")}, '{SystemAccounts.FeeRevenue.Id.Value}', {FeeCents}, NULL, 'posted', 'ussd.fee', "
                + $"'ussd:' || {PayId("g.n")} || ':pay', {PayAt("g.n")} FROM {Series(s.UssdPayments)}",
            "INSERT INTO sms_outbox (transaction_id, recipient, sender, text, state, attempts, next_at, created_at, source) "
                + $"SELECT {PayId("g.n")}, {Msisdn("g.n")}, 'IPKO', 'IPKO: U pagua Internet Pako 1 për user' || {Account("g.n")} || ': 14.90 € + tarifa 0.50 € = 15.40 € nga krediti. Ref ' || upper(substr({PayId("g.n")}, 25)), "
                + $"'sent', 1, {PayAt("g.n")}, {PayAt("g.n")}, 'ussd' FROM {Series(s.UssdPayments)}",

            // Balances from the business rows: reversals took 5 € back from their subscribers and gave it to the bank;
            // each bank owes what was captured less what was reversed; the revenues what the payments paid.
            "UPDATE ledger_accounts SET balance = balance - d.amount FROM ("
                + "SELECT 'sub:' || t.msisdn AS id, SUM(r.amount) AS amount FROM sms_reversals r JOIN sms_transactions t ON t.id = r.transaction_id GROUP BY t.msisdn"
                + ") AS d WHERE ledger_accounts.id = d.id",
            .. banks.Select(b =>
                $"UPDATE ledger_accounts SET balance = (SELECT COALESCE(SUM(r.amount), 0) FROM sms_reversals r WHERE r.bank_code = '{b.Code}') "
                + $"- (SELECT COALESCE(SUM(amount), 0) FROM sms_transactions WHERE bank_code = '{b.Code}' AND state = 'completed') WHERE id = '{TopUpAccounts.Bank(b.Code).Id.Value}'"),
            $"UPDATE ledger_accounts SET balance = (SELECT COALESCE(SUM(amount), 0) FROM ussd_payments) WHERE id = '{SystemAccounts.PackageRevenue.Id.Value}'",
            $"UPDATE ledger_accounts SET balance = (SELECT COALESCE(SUM(fee), 0) FROM ussd_payments) WHERE id = '{SystemAccounts.FeeRevenue.Id.Value}'",
            $"UPDATE ledger_accounts SET balance = -{provisioning} WHERE id = '{SystemAccounts.Provisioning.Id.Value}'",
        ];
        return list;
    }

    /// <summary>The rows 0 to n - 1 as g.n.</summary>
    private string Series(long n) => _pg
        ? $"generate_series(0, {n - 1}::bigint) AS g(n)"
        : $"(WITH RECURSIVE c(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM c WHERE n < {n - 1}) SELECT n FROM c) AS g";

    private string Pad(string e, int width) => _pg ? $"lpad(({e})::text, {width}, '0')" : $"printf('%0{width}d', {e})";

    private string Hex8(string e) => _pg ? $"lpad(to_hex({e}), 8, '0')" : $"printf('%08x', {e})";

    private string Hex32(string e) => $"{Hex8(e)} || {Hex8(e)} || {Hex8(e)} || {Hex8(e)}";

    /// <summary>Subscriber e's number, as <see cref="SubscriberE164"/> writes it.</summary>
    private string Msisdn(string e) => $"('+383' || CASE WHEN {e} < 1000000 THEN '49' ELSE '43' END || {Pad($"{e} % 1000000", 6)})";

    /// <summary>The IBAN of subscriber k's account at its bank: XK, the ISO 7064 check digits, 1212 and k in twelve digits.</summary>
    private string IbanSql(string k) =>
        $"('XK' || {Pad($"98 - (((1212000000000000 + {k}) % 97) * 1000000 + 332000) % 97", 2)} || '1212' || {Pad(k, 12)})";

    /// <summary>The operator-local calendar month of a time (ms), as the once-a-month rule keys it.</summary>
    private string Month(string at)
    {
        var cases = new List<string>();
        DateOnly first = clock.LocalDate(DateTimeOffset.FromUnixTimeMilliseconds(start));
        DateOnly last = clock.LocalDate(DateTimeOffset.FromUnixTimeMilliseconds(now));
        for (var month = new DateOnly(first.Year, first.Month, 1); month <= last; month = month.AddMonths(1))
        {
            long next = clock.DayBounds(month.AddMonths(1)).From.ToUnixTimeMilliseconds();
            cases.Add(string.Create(CultureInfo.InvariantCulture, $"WHEN {at} < {next} THEN '{month:yyyy-MM}'"));
        }

        return $"(CASE {string.Join(" ", cases)} END)";
    }

    private static string Case(string on, IEnumerable<string> values) =>
        $"(CASE {on} {string.Concat(values.Select((v, i) => $"WHEN {i} THEN {v} "))}END)";
}
