// The scale benchmark (bench/README.md, "Scale"): the per-request reads on a small and a large database, on SQLite
// and PostgreSQL, timed by wall clock (median and p95 of many calls through the product's own classes), with the
// ratio large/small beside the target (at most 1.5).
using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using Mbushja.Accounts;
using Mbushja.Bench;
using Mbushja.Domain;
using Mbushja.Server;
using Mbushja.Storage;
using Mbushja.TopUp;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

string? pg = null;
string? outFile = null;
string[] engines = ["sqlite", "postgres"];
var small = new Sizes(Subscribers: 10_000, ServiceAccounts: 2_000, TopUps: 50_000, Days: 2); // about as many top-ups a day as large
var large = new Sizes(Subscribers: 1_000_000, ServiceAccounts: 200_000, TopUps: 2_000_000, Days: 90);
int reps = 400;
for (int i = 0; i < args.Length; i++)
{
    string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
    int Int() => int.Parse(Next().Replace("_", "", StringComparison.Ordinal), CultureInfo.InvariantCulture);
    switch (args[i])
    {
        case "--pg": pg = Next(); break;
        case "--out": outFile = Next(); break;
        case "--engines": engines = Next().Split(','); break;
        case "--reps": reps = Int(); break;
        case "--small-subscribers": small = small with { Subscribers = Int() }; break;
        case "--small-service-accounts": small = small with { ServiceAccounts = Int() }; break;
        case "--small-topups": small = small with { TopUps = Int() }; break;
        case "--small-days": small = small with { Days = Int() }; break;
        case "--large-subscribers": large = large with { Subscribers = Int() }; break;
        case "--large-service-accounts": large = large with { ServiceAccounts = Int() }; break;
        case "--large-topups": large = large with { TopUps = Int() }; break;
        case "--large-days": large = large with { Days = Int() }; break;
        case "--quick":
            large = new Sizes(Subscribers: 200_000, ServiceAccounts: 40_000, TopUps: 400_000, Days: 90);
            reps = 200;
            break;
        default:
            Console.Error.WriteLine(
                $"Mbushja.Bench.Scale: unknown argument {args[i]}. Options: --engines sqlite,postgres --reps N --quick --out FILE, "
                + "--small-|--large- subscribers, service-accounts, topups, days");
            return 2;
    }
}

var rows = new List<string>();
foreach (string engine in engines)
{
    if (engine == "postgres" && pg is null)
    {
        Console.Error.WriteLine("Mbushja.Bench.Scale: skipping PostgreSQL (no --pg; bench/scale passes one)");
        continue;
    }

    Dictionary<string, Timing> smallTimes = await Scale.RunAsync(engine, pg, "small", small, reps);
    Dictionary<string, Timing> largeTimes = await Scale.RunAsync(engine, pg, "large", large, reps);
    foreach ((string read, Timing s) in smallTimes)
    {
        Timing l = largeTimes[read];
        double ratio = l.Median / s.Median;
        string verdict = ratio <= 1.5 ? "flat" : "GROWS";
        rows.Add(string.Create(CultureInfo.InvariantCulture,
            $"| {engine} | {read} | {s.Median:F3} | {s.P95:F3} | {s.Rows:F0} | {l.Median:F3} | {l.P95:F3} | {l.Rows:F0} | {ratio:F2} | {verdict} |"));
    }
}

string table = string.Create(CultureInfo.InvariantCulture, $"""
    Mbushja.Bench.Scale {DateTime.UtcNow:yyyy-MM-dd HH:mm}Z: {Environment.ProcessorCount} cores; {reps} rounds of every read in turn (a settlement every eighth round; after {reps / 10} unmeasured rounds), wall clock per call through the product's classes
    small: {small}
    large: {large}
    Both have the same top-ups per day when their TopUps/Days agree; a bank's day then has the same size in both, and only the history grows.

    | engine | read | small p50 ms | small p95 ms | small rows | large p50 ms | large p95 ms | large rows | large/small p50 | target ≤ 1.5 |
    |---|---|--:|--:|--:|--:|--:|--:|--:|---|
    {string.Join(Environment.NewLine, rows)}

    """);
Console.WriteLine();
Console.WriteLine(table);
if (outFile is not null)
{
    await File.WriteAllTextAsync(outFile, table);
}

return 0;

/// <summary>How big a database is: subscribers, service accounts and top-ups spread over days up to now.</summary>
internal sealed record Sizes(int Subscribers, int ServiceAccounts, int TopUps, int Days)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Subscribers:N0} subscribers, {ServiceAccounts:N0} service accounts, {TopUps:N0} top-ups over {Days} days ({TopUps / Days:N0} a day)");
}

/// <summary>Milliseconds per call, and the rows one call returned (the mean).</summary>
internal sealed record Timing(double Median, double P95, double Rows);

internal static class Scale
{
    private static readonly string[] Banks = ["BEK", "BPB", "NLB", "PCB", "RBKO", "TEB"];

    /// <summary>As the product's PlanJson (Mbushja.TopUp, internal): web defaults, enums as names.</summary>
    private static readonly System.Text.Json.JsonSerializerOptions PlanJson =
        new(System.Text.Json.JsonSerializerDefaults.Web) { Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() } };

    public static async Task<Dictionary<string, Timing>> RunAsync(string engine, string? pgAdmin, string label, Sizes sizes, int reps)
    {
        string data = Path.Combine(Path.GetTempPath(), "mbushja-bench-scale-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(data);
        ServerDatabase serverDb = await ServerDatabase.CreateAsync(engine, pgAdmin, "scale", data);
        string db = serverDb.Option;

        WebApplication app = await MbushjaServer.BuildAsync(new ServerSettings
        {
            Urls = "http://127.0.0.1:0",
            DataDirectory = data,
            Db = db,
            AdminKey = "bench-" + Guid.NewGuid().ToString("N"),
            MinimumLogLevel = Microsoft.Extensions.Logging.LogLevel.Warning,
        });
        await app.StartAsync(); // the server's own migrations
        try
        {
            IServiceProvider services = app.Services;
            Database database = services.GetRequiredService<Database>();
            long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            long start = now - (long)sizes.Days * 86_400_000;
            var seed = Stopwatch.StartNew();
            await SeedAsync(database, sizes, start, now);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {engine} {label}: seeded {sizes} in {seed.Elapsed.TotalSeconds:F0} s"));

            ServiceAccounts accounts = services.GetRequiredService<ServiceAccounts>();
            Subscribers subscribers = services.GetRequiredService<Subscribers>();
            SmsTransactions transactions = services.GetRequiredService<SmsTransactions>();
            Settlements settlements = services.GetRequiredService<Settlements>();
            NumberingPlan numbering = services.GetRequiredService<NumberingPlan>();
            OperatorClock clock = services.GetRequiredService<OperatorClock>();
            var random = new Random(42);
            int Account() => random.Next(sizes.ServiceAccounts);
            int Subscriber() => random.Next(Math.Min(sizes.Subscribers, sizes.TopUps)); // one with top-ups
            int TopUp() => random.Next(sizes.TopUps);
            DateOnly Day()
            {
                // A whole day inside the seeded span: not the first nor today.
                long at = start + (random.Next(1, Math.Max(2, sizes.Days - 1)) * 86_400_000L);
                return DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(DateTimeOffset.FromUnixTimeMilliseconds(at), clock.Zone).DateTime);
            }

            Msisdn Number(int n) => numbering.ParseMsisdn(SubscriberE164(n)).Value;
            var reads = new (string Name, Func<Task<int>> Call)[]
            {
                ("service account by username", async () => await accounts.FindAsync($"user{Account()}") is null ? 0 : 1),
                ("service account by contract", async () => await accounts.FindAsync($"C{Account():D8}") is null ? 0 : 1),
                ("service account by SMART card", async () => await accounts.FindAsync($"{Account() + 100_000_000_000L:D12}") is null ? 0 : 1),
                ("service account, unknown name", async () => await accounts.FindAsync($"nobody{Account()}") is null ? 1 : 0),
                ("subscriber by msisdn", async () => await subscribers.FindAsync(Number(Subscriber())) is null ? 0 : 1),
                ("transactions of an msisdn (50)", async () => (await transactions.ListAsync(SubscriberE164(Subscriber()), null, null, 50)).Count),
                ("transactions, latest page (50)", async () => (await transactions.ListAsync(null, null, null, 50)).Count),
                ("transaction by reference", async () => await transactions.FindByReferenceAsync(TopUpId(TopUp())[^8..]) is null ? 0 : 1),
                ("settlement of a bank's day", async () => (await settlements.ForDayAsync(Banks[random.Next(Banks.Length)], Day())).Lines.Count),
            };

            // Every read once (the JIT, the first pages), then rounds: each read once per round, in turn, so that a
            // slow moment of a shared machine (a checkpoint, another engineer's build) falls on all of them alike.
            // A settlement returns thousands of lines: it takes part in every eighth round only.
            bool Settles(string name) => name.StartsWith("settlement", StringComparison.Ordinal);
            var samples = reads.ToDictionary(r => r.Name, _ => new List<double>());
            var rowsSeen = reads.ToDictionary(r => r.Name, _ => 0L);
            for (int round = -reps / 10; round < reps; round++)
            {
                foreach ((string name, Func<Task<int>> call) in reads)
                {
                    if (Settles(name) && round % 8 != 0)
                    {
                        continue;
                    }

                    long t0 = Stopwatch.GetTimestamp();
                    int rows = await call();
                    double ms = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
                    if (round >= 0)
                    {
                        samples[name].Add(ms);
                        rowsSeen[name] += rows;
                    }
                }
            }

            var timings = new Dictionary<string, Timing>();
            foreach ((string name, List<double> ms) in samples)
            {
                ms.Sort();
                int n = ms.Count;
                timings[name] = new Timing(ms[n / 2], ms[Math.Min(n - 1, (int)(n * 0.95))], rowsSeen[name] / (double)n);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"    {engine} {label}: {name}: p50 {timings[name].Median:F3} ms, p95 {timings[name].P95:F3} ms, {timings[name].Rows:F1} rows ({n} calls)"));
            }

            return timings;
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(data, recursive: true);
            await serverDb.DisposeAsync();
        }
    }

    /// <summary>Subscriber n's number: +383 49 then six digits, +383 43 for the second million.</summary>
    private static string SubscriberE164(int n) => string.Create(CultureInfo.InvariantCulture, $"+383{(n < 1_000_000 ? 49 : 43)}{n % 1_000_000:D6}");

    /// <summary>Top-up n's id: 32 hex characters, like the product's (a UUID without dashes).</summary>
    private static string TopUpId(int n) => string.Create(CultureInfo.InvariantCulture, $"{n:x8}{n:x8}{n:x8}{n:x8}");

    /// <summary>
    /// Rows in the product's schema, by set-based SQL: every subscriber and service account with its ledger account and
    /// an opening transfer from sys:provisioning (so each balance is its transfers' credits minus debits, and the sum is
    /// zero), three identifiers per service account, and completed top-ups spread evenly over the days (their ledger
    /// transfers are left out: no read here looks at them).
    /// </summary>
    private static async Task SeedAsync(Database database, Sizes s, long start, long now)
    {
        bool pg = database.Kind == DatabaseKind.Postgres;
        string Series(long n) => pg ? $"generate_series(0, {n - 1}::bigint) AS g(n)" : $"(WITH RECURSIVE c(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM c WHERE n < {n - 1}) SELECT n FROM c) AS g";
        string Pad(string e, int w) => pg ? $"lpad(({e})::text, {w}, '0')" : $"printf('%0{w}d', {e})";
        string Hex8(string e) => pg ? $"lpad(to_hex({e}), 8, '0')" : $"printf('%08x', {e})";
        string Msisdn(string e) => $"('+383' || CASE WHEN {e} < 1000000 THEN '49' ELSE '43' END || {Pad($"{e} % 1000000", 6)})";
        string bank = "CASE g.n % 6 " + string.Concat(Banks.Select((b, i) => $"WHEN {i} THEN '{b}' ")) + "END";
        long openingSub = 500, openingSvc = 1_000;
        string t = pg ? "true" : "1";

        // The plan a validated top-up keeps (TopUpPlan as JSON, as the product writes it), here a BEK-style account
        // topping up the sender's own number by 5 €: written as SQL that puts each row's bank and number in.
        string planJson = System.Text.Json.JsonSerializer.Serialize(
            new TopUpPlan("@BANK@", "XK051212012345678906", [new PlannedCredit(CreditKind.Mobile, "sub:@MSISDN@", Money.FromCents(500), "@TARGET@")]),
            PlanJson);
        string msisdnOfRow = Msisdn($"g.n % {s.Subscribers}");
        string plan = "'" + planJson.Replace("'", "''", StringComparison.Ordinal)
            .Replace("@BANK@", $"' || {bank} || '", StringComparison.Ordinal)
            .Replace("@MSISDN@", $"' || {msisdnOfRow} || '", StringComparison.Ordinal)
            .Replace("@TARGET@", $"' || {msisdnOfRow} || '", StringComparison.Ordinal) + "'";
        long step = Math.Max(1, (now - start) / Math.Max(1, s.TopUps));

        string[] statements =
        [
            $"INSERT INTO ledger_accounts (id, kind, no_negative, balance, created_at) VALUES ('sys:provisioning', 'system', {(pg ? "false" : "0")}, 0, {start}) ON CONFLICT (id) DO NOTHING",
            $"INSERT INTO ledger_accounts (id, kind, no_negative, balance, created_at) SELECT 'sub:' || {Msisdn("g.n")}, 'subscriber', {t}, {openingSub}, {start} FROM {Series(s.Subscribers)}",
            $"INSERT INTO subscribers (msisdn, language, account_id, created_at) SELECT {Msisdn("g.n")}, 'sq', 'sub:' || {Msisdn("g.n")}, {start} FROM {Series(s.Subscribers)}",
            $"INSERT INTO ledger_transfers (id, kind, debit_account, credit_account, amount, state, code, created_at) "
                + $"SELECT 'open:' || {Msisdn("g.n")}, 'single', 'sys:provisioning', 'sub:' || {Msisdn("g.n")}, {openingSub}, 'posted', 'subscriber.opening', {start} FROM {Series(s.Subscribers)}",
            $"INSERT INTO ledger_accounts (id, kind, no_negative, balance, created_at) SELECT 'svc:sa' || {Pad("g.n", 10)}, 'service', {t}, {openingSvc}, {start} FROM {Series(s.ServiceAccounts)}",
            $"INSERT INTO service_accounts (id, kind, package_code, username, contract, smart_card, number, paid_until, account_id, created_at) "
                + $"SELECT 'sa' || {Pad("g.n", 10)}, 'internet', 'INTERNET_1', 'user' || g.n, 'C' || {Pad("g.n", 8)}, {Pad("g.n + 100000000000", 12)}, NULL, NULL, 'svc:sa' || {Pad("g.n", 10)}, {start} FROM {Series(s.ServiceAccounts)}",
            $"INSERT INTO service_account_identifiers (key, kind, account_id) SELECT 'user' || g.n, 'username', 'sa' || {Pad("g.n", 10)} FROM {Series(s.ServiceAccounts)}",
            $"INSERT INTO service_account_identifiers (key, kind, account_id) SELECT 'c' || {Pad("g.n", 8)}, 'contract', 'sa' || {Pad("g.n", 10)} FROM {Series(s.ServiceAccounts)}",
            $"INSERT INTO service_account_identifiers (key, kind, account_id) SELECT {Pad("g.n + 100000000000", 12)}, 'smartCard', 'sa' || {Pad("g.n", 10)} FROM {Series(s.ServiceAccounts)}",
            $"INSERT INTO ledger_transfers (id, kind, debit_account, credit_account, amount, state, code, created_at) "
                + $"SELECT 'open:sa' || {Pad("g.n", 10)}, 'single', 'sys:provisioning', 'svc:sa' || {Pad("g.n", 10)}, {openingSvc}, 'posted', 'service.opening', {start} FROM {Series(s.ServiceAccounts)}",
            $"UPDATE ledger_accounts SET balance = -{(s.Subscribers * openingSub) + (s.ServiceAccounts * openingSvc)} WHERE id = 'sys:provisioning'",
            "INSERT INTO sms_transactions (id, message_id, sender, msisdn, short_code, text, bank_code, language, state, code, account_ref, amount, plan, reply, reply_route, received_at, updated_at, lease_until) "
                + $"SELECT {Hex8("g.n")} || {Hex8("g.n")} || {Hex8("g.n")} || {Hex8("g.n")}, NULL, {Msisdn($"g.n % {s.Subscribers}")}, {Msisdn($"g.n % {s.Subscribers}")}, '1234', "
                + $"'TOP 5', {bank}, 'sq', 'completed', NULL, NULL, 500, {plan}, 'Done.', 'http', {start} + g.n * {step}, {start} + g.n * {step}, 0 FROM {Series(s.TopUps)}",
        ];

        await using DbConnection connection = await database.OpenOwnAsync();
        await using (DbTransaction tx = await connection.BeginTransactionAsync())
        {
            foreach (string sql in statements)
            {
                await using DbCommand command = connection.Command(sql, tx);
                command.CommandTimeout = 0;
                await command.ExecuteNonQueryAsync();
            }

            await tx.CommitAsync();
        }

        // What autovacuum (PostgreSQL) and the planner's statistics would have by the time a table is this big.
        // And the load written out now (a checkpoint on PostgreSQL, the WAL into the file on SQLite) rather than in the
        // middle of the timings.
        foreach (string sql in pg ? new[] { "VACUUM ANALYZE", "CHECKPOINT" } : ["ANALYZE", "PRAGMA wal_checkpoint(TRUNCATE)"])
        {
            await using DbCommand command = connection.Command(sql);
            command.CommandTimeout = 0;
            await command.ExecuteNonQueryAsync();
        }
    }
}
