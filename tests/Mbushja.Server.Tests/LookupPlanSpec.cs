using System.Data.Common;
using System.Text;
using Mbushja.Storage;
using Mbushja.Testing;
using Mbushja.TopUp;
using Mbushja.Ussd;
using Mbushja.WebConsole.Users;

namespace Mbushja.Server.Tests;

/// <summary>
/// Every read of the console's lookup and audit search is answered from an index on both engines (docs/design/lookup.md),
/// so that it costs the same at two years of data as on the first day (bench/scale measures them at 2M top-ups): on
/// tables with enough rows and statistics, where the key asked for holds the oldest quarter of them, each plan enters its
/// indexes at the key, reads no table from end to end, and takes the rows in the index's order.
/// </summary>
public sealed partial class LookupPlanSpec(LookupPlanData data, Xunit.Abstractions.ITestOutputHelper output) : IClassFixture<LookupPlanData>
{
    private const int Rows = 20_000;

    /// <summary>
    /// Each query, and whether its rows must come in the index's order: all but a reference's (two index lookups joined,
    /// a handful of rows) and a number's USSD payments (one a month at most: PostgreSQL may put its few in order).
    /// </summary>
    public static TheoryData<DatabaseKind, string, bool> Queries()
    {
        var data = new TheoryData<DatabaseKind, string, bool>();
        foreach (DatabaseKind kind in new[] { DatabaseKind.Sqlite, DatabaseKind.Postgres })
        {
            foreach ((string name, bool ordered) in Named.Select(q => (q.Key, q.Value.Ordered)))
            {
                data.Add(kind, name, ordered);
            }
        }

        return data;
    }

    private static readonly (string, object?)[] Cursor = [("before_at", 15_000_000L), ("before_id", "3a98")];

    private static readonly Dictionary<string, (string Sql, (string, object?)[] Parameters, bool Ordered)> Named = new()
    {
        ["sms by reference"] = (SmsTransactions.ByReferenceSql, [("id", "00000000000000000000000000003039"), ("ref", "00003039"), ("limit", 20)], false),
        ["sms sent"] = (SmsTransactions.BySenderSql(false), [("m", "+38349000123"), ("limit", 21)], true),
        ["sms sent, older"] = (SmsTransactions.BySenderSql(true), [("m", "+38349000123"), ("limit", 21), .. Cursor], true),
        ["sms received"] = (SmsTransactions.ToTargetSql(false), [("target", "+38349000123"), ("limit", 21)], true),
        ["sms received, older"] = (SmsTransactions.ToTargetSql(true), [("target", "+38349000123"), ("limit", 21), .. Cursor], true),
        ["ussd by reference"] = (UssdPayments.ByReferenceSql, [("id", "00000000000000000000000000003039"), ("ref", "00003039"), ("limit", 20)], false),
        ["ussd by number"] = (UssdPayments.PageSql("msisdn", false), [("v", "+38349000124"), ("limit", 21)], false),
        ["ussd by number, older"] = (UssdPayments.PageSql("msisdn", true), [("v", "+38349000124"), ("limit", 21), .. Cursor], false),
        ["ussd by account"] = (UssdPayments.PageSql("service_account_id", false), [("v", "sa17"), ("limit", 21)], true),
        ["ussd by account, older"] = (UssdPayments.PageSql("service_account_id", true), [("v", "sa17"), ("limit", 21), .. Cursor], true),
        ["audit, all"] = Audit(AuditSearch.All),
        ["audit, all, older"] = Audit(AuditSearch.All, before: true),
        ["audit by actor"] = Audit(new AuditSearch(Actor: "user7")),
        ["audit by actor, older"] = Audit(new AuditSearch(Actor: "user7"), before: true),
        ["audit by object"] = Audit(new AuditSearch(Target: "t77")),
        ["audit by day"] = Audit(new AuditSearch(From: At(1_000_000), To: At(18_000_000))),
        ["audit by actor and day"] = Audit(new AuditSearch(Actor: "user7", From: At(1_000_000), To: At(18_000_000))),
        ["audit by object and day, older"] = Audit(new AuditSearch(Target: "t77", From: At(1_000_000), To: At(18_000_000)), before: true),
    };

    [Theory]
    [MemberData(nameof(Queries))]
    public async Task Query_OnManyRows_ReadsAnIndexAndNoWholeTable(DatabaseKind kind, string query, bool ordered)
    {
        await using DbConnection connection = await data.Of(kind).Database.OpenAsync();
        (string text, (string, object?)[] parameters, _) = Named[query];
        string plan = await PlanAsync(connection, kind, text, parameters);
        output.WriteLine(plan);

        // Only the whole log, newest first, has no key to enter its index at: it reads the time index from its end, and
        // the page's LIMIT stops it. Every other index is entered at the key asked for; one read from end to end while
        // filtering would be the whole table again.
        bool keyed = query != "audit, all";
        if (kind == DatabaseKind.Postgres)
        {
            Assert.False(plan.Contains("Seq Scan", StringComparison.Ordinal), plan);
            Assert.Contains("Index", plan, StringComparison.Ordinal);
            if (keyed)
            {
                Assert.True(EveryIndexScanHasACondition(plan), plan);
            }

            if (ordered)
            {
                // Rows come in the index's order; at most the ties of one time are put in order (an incremental sort).
                Assert.False(SortsAll().IsMatch(plan), plan);
            }
        }
        else
        {
            Assert.False(ScansATable().IsMatch(plan), plan);
            if (keyed)
            {
                Assert.False(plan.Split('\n').Any(line => line.TrimStart().StartsWith("SCAN ", StringComparison.Ordinal)), plan);
            }

            if (ordered)
            {
                Assert.False(plan.Contains("USE TEMP B-TREE FOR ORDER BY", StringComparison.Ordinal), plan);
            }
        }
    }

    /// <summary>Whether each index scan node of a PostgreSQL plan has an "Index Cond" (is entered at a key or range).</summary>
    private static bool EveryIndexScanHasACondition(string plan)
    {
        string[] lines = plan.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            if (!IndexScanNode().IsMatch(lines[i]))
            {
                continue;
            }

            bool conditioned = false;
            for (int j = i + 1; j < lines.Length && !lines[j].Contains("->", StringComparison.Ordinal) && !lines[j].TrimStart().StartsWith("SubPlan", StringComparison.Ordinal); j++)
            {
                conditioned |= lines[j].TrimStart().StartsWith("Index Cond:", StringComparison.Ordinal);
            }

            if (!conditioned)
            {
                return false;
            }
        }

        return true;
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"\b(Index Scan|Index Only Scan|Bitmap Index Scan)\b")]
    private static partial System.Text.RegularExpressions.Regex IndexScanNode();

    /// <summary>A PostgreSQL sort node that is not incremental (its "Sort Key" lines are not nodes).</summary>
    [System.Text.RegularExpressions.GeneratedRegex(@"(?m)^\s*(->\s*)?Sort\b(?! Key)")]
    private static partial System.Text.RegularExpressions.Regex SortsAll();

    /// <summary>A SQLite scan of a table that is not through an index.</summary>
    [System.Text.RegularExpressions.GeneratedRegex(@"(?m)\bSCAN \w+(?! USING (COVERING )?INDEX)( |$)")]
    private static partial System.Text.RegularExpressions.Regex ScansATable();

    private static (string, (string, object?)[], bool) Audit(AuditSearch search, bool before = false)
    {
        (string sql, (string, object?)[] parameters) = ConsoleAudit.SearchSql(search, before ? (15_000_000L, 15_000L) : null, 201);
        return (sql, parameters, true);
    }

    private static DateTimeOffset At(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);

    private static async Task<string> PlanAsync(DbConnection connection, DatabaseKind kind, string sql, (string, object?)[] parameters)
    {
        await using DbCommand explain = connection.Command((kind == DatabaseKind.Postgres ? "EXPLAIN " : "EXPLAIN QUERY PLAN ") + sql, null, parameters);
        var plan = new StringBuilder();
        await using DbDataReader r = await explain.ExecuteReaderAsync();
        while (await r.ReadAsync())
        {
            plan.AppendLine(r.GetString(kind == DatabaseKind.Postgres ? 0 : 3));
        }

        return plan.ToString();
    }

    /// <summary>The rows below, in a database of each engine.</summary>
    internal static async Task<TestDatabase> FillAsync(DatabaseKind kind)
    {
        TestDatabase test = await TestDatabase.CreateAsync(kind);
        await using DbConnection connection = await test.Database.OpenAsync();
        foreach (string sql in kind == DatabaseKind.Postgres ? Postgres : Sqlite)
        {
            await using DbCommand command = connection.Command(sql);
            await command.ExecuteNonQueryAsync();
        }

        return test;
    }

    // 20,000 messages (each number also the target), 2,000 reversed; 20,000 USSD payments; 20,000 audit entries. A quarter
    // of the messages are of one number (+38349000123), a quarter of the entries of one actor (user7) and on one object
    // (t77), all of them the oldest: the lists asked for are long, and a plan that walked the table's time index back
    // from now, filtering for the key, would read three quarters of the table before its first row. USSD payments are
    // spread over 2,000 numbers and 200 accounts: a number pays once a month (README "USSD"), so none holds a share of
    // the table. Ids are hex, as the product's.
    private const string PgNumber = "CASE WHEN n <= 5000 THEN '+38349000123' ELSE '+38349' || lpad((n % 2000)::text, 6, '0') END";

    private const string SqliteNumber = "CASE WHEN n <= 5000 THEN '+38349000123' ELSE printf('+38349%06d', n % 2000) END";

    private static readonly string[] Postgres =
    [
        "INSERT INTO sms_transactions (id, sender, msisdn, short_code, text, language, state, reply_route, received_at, updated_at, lease_until) "
            + $"SELECT lpad(to_hex(n), 32, '0'), {PgNumber}, {PgNumber}, '50001', '5', 'sq', 'completed', 'response', n * 1000, n * 1000, 0 FROM generate_series(1, {Rows}) n",
        "INSERT INTO sms_targets (target, received_at, transaction_id) SELECT msisdn, received_at, id FROM sms_transactions",
        "INSERT INTO sms_reversals (transaction_id, refund_id, bank_code, account_ref, amount, reason, requested_by, state, requested_at, updated_at, lease_until) "
            + "SELECT id, 'rf-' || id, 'TEB', 'XK', 500, 'r', 'x', 'refunded', received_at, received_at, 0 FROM sms_transactions WHERE received_at % 10000 = 0",
        "INSERT INTO ledger_accounts (id, kind, no_negative, balance, created_at) SELECT 'svc:sa' || n, 'service', true, 0, 0 FROM generate_series(0, 199) n",
        "INSERT INTO service_accounts (id, kind, package_code, username, account_id, created_at) SELECT 'sa' || n, 'internet', 'INTERNET_1', 'u' || n, 'svc:sa' || n, 0 FROM generate_series(0, 199) n",
        "INSERT INTO ussd_payments (id, session_id, msisdn, package_code, service_account_id, account, amount, fee, created_at) "
            + $"SELECT lpad(to_hex(n), 32, '0'), 's' || n, '+38349' || lpad((n % 2000)::text, 6, '0'), 'INTERNET_1', 'sa' || (n % 200), 'u' || (n % 200), 100, 0, n * 1000 FROM generate_series(1, {Rows}) n",
        $"INSERT INTO console_audit (at, actor, action, target, details) SELECT n * 1000, CASE WHEN n <= 5000 THEN 'user7' ELSE 'user' || (n % 50) END, 'x', CASE WHEN n <= 5000 THEN 't77' ELSE 't' || (n % 500) END, '{{}}' FROM generate_series(1, {Rows}) n",
        "ANALYZE",
    ];

    private static readonly string Series = $"WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < {Rows}) ";

    private static readonly string[] Sqlite =
    [
        Series + "INSERT INTO sms_transactions (id, sender, msisdn, short_code, text, language, state, reply_route, received_at, updated_at, lease_until) "
            + $"SELECT printf('%032x', n), {SqliteNumber}, {SqliteNumber}, '50001', '5', 'sq', 'completed', 'response', n * 1000, n * 1000, 0 FROM g",
        "INSERT INTO sms_targets (target, received_at, transaction_id) SELECT msisdn, received_at, id FROM sms_transactions",
        "INSERT INTO sms_reversals (transaction_id, refund_id, bank_code, account_ref, amount, reason, requested_by, state, requested_at, updated_at, lease_until) "
            + "SELECT id, 'rf-' || id, 'TEB', 'XK', 500, 'r', 'x', 'refunded', received_at, received_at, 0 FROM sms_transactions WHERE received_at % 10000 = 0",
        "WITH RECURSIVE a(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM a WHERE n < 199) "
            + "INSERT INTO ledger_accounts (id, kind, no_negative, balance, created_at) SELECT 'svc:sa' || n, 'service', 1, 0, 0 FROM a",
        "WITH RECURSIVE a(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM a WHERE n < 199) "
            + "INSERT INTO service_accounts (id, kind, package_code, username, account_id, created_at) SELECT 'sa' || n, 'internet', 'INTERNET_1', 'u' || n, 'svc:sa' || n, 0 FROM a",
        Series + "INSERT INTO ussd_payments (id, session_id, msisdn, package_code, service_account_id, account, amount, fee, created_at) "
            + $"SELECT printf('%032x', n), 's' || n, printf('+38349%06d', n % 2000), 'INTERNET_1', 'sa' || (n % 200), 'u' || (n % 200), 100, 0, n * 1000 FROM g",
        Series + "INSERT INTO console_audit (at, actor, action, target, details) SELECT n * 1000, CASE WHEN n <= 5000 THEN 'user7' ELSE 'user' || (n % 50) END, 'x', CASE WHEN n <= 5000 THEN 't77' ELSE 't' || (n % 500) END, '{}' FROM g",
        "ANALYZE",
    ];
}

/// <summary>One filled database per engine for the whole class (filling one takes seconds).</summary>
public sealed class LookupPlanData : IAsyncLifetime
{
    private TestDatabase? _sqlite;
    private TestDatabase? _postgres;

    public TestDatabase Of(DatabaseKind kind) => (kind == DatabaseKind.Postgres ? _postgres : _sqlite)!;

    public async Task InitializeAsync()
    {
        _sqlite = await LookupPlanSpec.FillAsync(DatabaseKind.Sqlite);
        _postgres = await LookupPlanSpec.FillAsync(DatabaseKind.Postgres);
    }

    public async Task DisposeAsync()
    {
        if (_sqlite is not null)
        {
            await _sqlite.DisposeAsync();
        }

        if (_postgres is not null)
        {
            await _postgres.DisposeAsync();
        }
    }
}
