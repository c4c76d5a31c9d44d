using System.Diagnostics;
using System.Globalization;
using System.Text;
using Mbushja.Accounts;
using Mbushja.Bench;
using Mbushja.Domain;
using Mbushja.Ledger;
using Mbushja.Server;
using Mbushja.Sandbox;
using Mbushja.Storage;
using Mbushja.TopUp;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

// SMS Top Up end to end: POST /api/v1/sms/inbound over real HTTP → whole-message validation → a hold at the
// sandbox bank over its signed HTTP API → credits and reply committed → the HTTP answer (the capture follows it). Closed loop:
// each client sends its next SMS when the answer to the last one arrives. Against its ceiling (SmsCeiling), in slices
// taken by turns. See bench/README.md.
string? pg = null;
double seconds = 10, warmup = 5;
int rounds = 2;
string[] engines = ["sqlite", "postgres"];
int[] latencies = [0, 50];
int? clientsOverride = null;
string? outFile = null;
bool statements = false;
double profile = 0;
for (int i = 0; i < args.Length; i++)
{
    string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
    switch (args[i])
    {
        case "--pg": pg = Next(); break;
        case "--duration": seconds = double.Parse(Next(), CultureInfo.InvariantCulture); break;
        case "--warmup": warmup = double.Parse(Next(), CultureInfo.InvariantCulture); break;
        case "--rounds": rounds = int.Parse(Next(), CultureInfo.InvariantCulture); break;
        case "--engines": engines = Next().Split(','); break;
        case "--bank-latency": latencies = [.. Next().Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture))]; break;
        case "--clients": clientsOverride = int.Parse(Next(), CultureInfo.InvariantCulture); break;
        case "--out": outFile = Next(); break;
        case "--quick": seconds = 4; warmup = 2; break;
        case "--statements": statements = true; break;
        case "--profile": profile = double.Parse(Next(), CultureInfo.InvariantCulture); break;
        default:
            Console.Error.WriteLine($"Mbushja.Bench.Sms: unknown argument {args[i]}. Options: --duration S --warmup S --rounds N --engines sqlite,postgres --bank-latency 0,50 --clients N --quick --statements --profile S --out FILE");
            return 2;
    }
}

// Round trips, statements and allocations per top-up (bench/README.md, "Counts"): before any database is opened.
DbCounts.Install();
var results = new List<ScenarioResult>();
foreach (string engine in engines)
{
    if (engine == "postgres" && pg is null)
    {
        Console.Error.WriteLine("Mbushja.Bench.Sms: skipping PostgreSQL (no --pg; bench/sms passes one)");
        continue;
    }

    foreach (int latency in latencies)
    {
        // Enough messages in flight to keep the pipeline full while the bank waits: waits must overlap.
        int clients = clientsOverride ?? (latency == 0 ? 64 : 384);
        ScenarioResult result = await Scenario.RunAsync(engine, pg, latency, clients, TimeSpan.FromSeconds(warmup), TimeSpan.FromSeconds(seconds), rounds, statements, profile);
        results.Add(result);
        Console.WriteLine(result.Row);
    }
}

// The issue's targets: PostgreSQL at least 0.6 of SQLite's top-ups/s for at most 1.5 times its CPU per top-up, and
// each engine at least 0.6 of its ceiling.
var ratios = new List<string>();
foreach (int latency in latencies)
{
    if (results.FirstOrDefault(r => r.Engine == "sqlite" && r.BankLatencyMs == latency) is { } lite
        && results.FirstOrDefault(r => r.Engine == "postgres" && r.BankLatencyMs == latency) is { } postgres)
    {
        double rate = postgres.PerSecond / lite.PerSecond;
        double cpu = postgres.CpuPerTopUp / lite.CpuPerTopUp;
        ratios.Add(string.Create(CultureInfo.InvariantCulture,
            $"PG/SQLite, bank {latency} ms: top-ups/s {rate:F2} (target >= 0.6: {(rate >= 0.6 ? "met" : "missed")}), CPU µs per top-up {cpu:F2} (target <= 1.5: {(cpu <= 1.5 ? "met" : "missed")})."));
    }
}

string table = string.Create(CultureInfo.InvariantCulture, $"""
    Mbushja.Bench.Sms {DateTime.UtcNow:yyyy-MM-dd HH:mm}Z: {Environment.ProcessorCount} cores; at least {warmup:0.#} s warm-up (then until the JIT is quiet), then {seconds:0.#} s measured for the top-up and {seconds:0.#} s for its ceiling per scenario, in {rounds} rounds of ceiling and top-up slices taken by turns; one process runs the clients, the server and the sandbox bank (or the ceiling and its bank)

    | engine | bank latency ms | clients | top-ups/s | ceiling top-ups/s | vs ceiling | p50 ms | p99 ms | CPU µs per top-up | DB round trips (PG) or statements (SQLite) per top-up | KB allocated per top-up | completed | other answers | after the run |
    |---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|
    {string.Join(Environment.NewLine, results.Select(r => r.Row))}

    {(ratios.Count > 0 ? string.Join(Environment.NewLine, ratios) + Environment.NewLine + Environment.NewLine : "")}Ceiling: the same clients against an endpoint doing only what a top-up cannot go without: the request read, a signed hold and a signed capture over HTTP to a bank endpoint that checks nothing and answers a fixed body (after the same latency), a fixed answer, and three durable one-row commits through the product's commit queue on the same engine (the real path's three: the accept with the hold, the credits with the reply, the capture). vs ceiling: top-ups/s ÷ ceiling top-ups/s (target >= 0.6). DB round trips: on PostgreSQL, Npgsql commands and batches run plus NpgsqlTransaction's own COMMIT/ROLLBACK/RELEASE (each one wait for the server). Statements: on SQLite, each run of a statement SQLite reports through its profile trace, on any connection of the process (BEGIN, COMMIT, SAVEPOINT and PRAGMA included; each statement of a multi-statement command apart). KB allocated: the whole process (clients, server and sandbox bank) over the measured window, per top-up. Both count what happened in the top-up's windows: the captures that follow earlier answers included.

    """);
Console.WriteLine();
Console.WriteLine(table);
if (outFile is not null)
{
    await File.WriteAllTextAsync(outFile, table);
}

return results.All(r => r.Ok) ? 0 : 1;

/// <summary>One scenario's figures: the top-up's and its ceiling's.</summary>
internal sealed record ScenarioResult(string Engine, int BankLatencyMs, double PerSecond, double CpuPerTopUp, string Row, bool Ok);

/// <summary>What one closed loop measured in its window.</summary>
internal sealed record Slice(long Completed, long Others, long[] Latencies, TimeSpan Cpu, DbSnapshot Counts, double Seconds);

/// <summary>The slices of one side (the top-up or its ceiling), added up.</summary>
internal sealed class Side(string name)
{
    private readonly List<Slice> _slices = [];

    public string Name => name;

    public long Completed => _slices.Sum(s => s.Completed);

    public long Others => _slices.Sum(s => s.Others);

    public double PerSecond => Completed / Math.Max(1e-9, _slices.Sum(s => s.Seconds));

    public double CpuPerTopUp => _slices.Sum(s => s.Cpu.TotalMicroseconds) / Math.Max(1, Completed);

    public DbSnapshot Counts => _slices.Aggregate(default(DbSnapshot), (sum, s) => sum + s.Counts);

    public IEnumerable<double> Rates => _slices.Select(s => s.Completed / s.Seconds);

    public void Add(Slice slice) => _slices.Add(slice);

    public double Ms(double q)
    {
        long[] all = [.. _slices.SelectMany(s => s.Latencies).Order()];
        return all.Length == 0 ? 0 : all[Math.Min(all.Length - 1, (int)(q * all.Length))] * 1000.0 / Stopwatch.Frequency;
    }

    /// <summary>Per top-up: round trips on PostgreSQL, statements on SQLite.</summary>
    public double DbPerTopUp(string engine) =>
        (engine == "postgres" ? Counts.RoundTrips : Counts.SqliteStatements) / (double)Math.Max(1, Completed);

    public double KbPerTopUp => Counts.AllocatedBytes / 1024.0 / Math.Max(1, Completed);
}

/// <summary>Where a closed loop sends its SMS, and how to wait for the work its answers leave running.</summary>
internal sealed record Target(HttpClient Http, Func<Task> DrainAsync);

internal static class Scenario
{
    private const int Holders = 500;

    /// <summary>Each closed loop runs this long before its window opens: the clients' first messages all at once settle.</summary>
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(1);

    /// <param name="statements">SQLite: print which statements the top-up's windows ran, per top-up (a profile of its database work).</param>
    public static async Task<ScenarioResult> RunAsync(
        string engine, string? pgAdmin, int bankLatencyMs, int clients, TimeSpan warmup, TimeSpan duration, int rounds, bool statements = false, double profile = 0)
    {
        string data = Path.Combine(Path.GetTempPath(), "mbushja-bench-sms-" + Guid.NewGuid().ToString("N"));
        ServerDatabase serverDb = await ServerDatabase.CreateAsync(engine, pgAdmin, "sms", data);
        string db = serverDb.Option;

        Directory.CreateDirectory(data);
        var settings = new ServerSettings
        {
            Urls = "http://127.0.0.1:0",
            DataDirectory = data,
            // The shipped configuration, or another one (bench/README.md: BEK with a confirmation, to count what that
            // costs), with its velocity limits raised.
            ConfigDirectory = ConfigWithoutVelocityLimits(data, Environment.GetEnvironmentVariable("MBUSHJA_BENCH_CONFIG") ?? OperatorConfig.DefaultDirectory),
            Db = db,
            AdminKey = "bench-" + Guid.NewGuid().ToString("N"),
            // One log line per message is right for operations and wrong for a benchmark: warnings only.
            MinimumLogLevel = Microsoft.Extensions.Logging.LogLevel.Warning,
        };
        WebApplication app = await MbushjaServer.BuildAsync(settings);
        DbCounts.Attach(app.Services.GetRequiredService<Database>());
        await app.StartAsync();
        SmsCeiling ceiling = await SmsCeiling.StartAsync(engine, pgAdmin, settings, bankLatencyMs);
        try
        {
            IServiceProvider services = app.Services;
            OperatorConfig config = services.GetRequiredService<OperatorConfig>();
            SandboxBank sandbox = services.GetRequiredService<SandboxBank>();
            string[] holders = await SetUpAsync(services, config, sandbox);
            sandbox.Configure("BEK", new SandboxSettings(LatencyMs: bankLatencyMs));

            HttpClient Client(Uri address) => new(new SocketsHttpHandler { MaxConnectionsPerServer = clients, PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5) })
            {
                BaseAddress = address,
                Timeout = TimeSpan.FromSeconds(60),
            };
            using HttpClient toServer = Client(new Uri(app.Urls.First()));
            using HttpClient toCeiling = Client(ceiling.Address);
            TopUpProcessor processor = services.GetRequiredService<TopUpProcessor>();
            var real = new Target(toServer, () => processor.DrainAsync(TimeSpan.FromSeconds(30)));
            var bare = new Target(toCeiling, ceiling.DrainAsync);
            using var steps = new StepListener();
            async Task<Slice> RealAsync(int loop, TimeSpan measured)
            {
                steps.Listening = true;
                Slice slice = await ClosedLoopAsync(real, holders, clients, loop, measured, statements && measured > TimeSpan.Zero);
                steps.Listening = false;
                return slice;
            }

            // Both sides by turns, a second each, unmeasured: at least the warm-up, then until a turn of both compiled
            // under 20 ms (at most 30 s more). Until its tiers settle, compiling takes up to 40 % of this 2-core
            // machine for some 10 s after start, and a figure measured through it is the JIT's, not the platform's.
            long start = Stopwatch.GetTimestamp();
            int loop = 0;
            while (true)
            {
                TimeSpan compiled = System.Runtime.JitInfo.GetCompilationTime();
                await ClosedLoopAsync(bare, holders, clients, loop++, TimeSpan.Zero);
                await RealAsync(loop++, TimeSpan.Zero);
                TimeSpan warmed = Stopwatch.GetElapsedTime(start);
                bool quiet = System.Runtime.JitInfo.GetCompilationTime() - compiled < TimeSpan.FromMilliseconds(20);
                if ((warmed >= warmup && quiet) || warmed >= warmup + TimeSpan.FromSeconds(30))
                {
                    break;
                }
            }

            double warmedSeconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
            if (profile > 0)
            {
                // For a profiler attached from outside (dotnet-trace collect -p): the top-up alone, after the warm-up,
                // for the given seconds, between two lines it can wait for.
                Console.WriteLine($"  profile: top-up only for {profile} s, starting in 3 s (pid {Environment.ProcessId})");
                await Task.Delay(TimeSpan.FromSeconds(3));
                TimeSpan jitBefore = System.Runtime.JitInfo.GetCompilationTime();
                long methodsBefore = System.Runtime.JitInfo.GetCompiledMethodCount();
                Slice alone = await ClosedLoopAsync(real, holders, clients, loop++, TimeSpan.FromSeconds(profile));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  profile: done, {alone.Completed / alone.Seconds:N0} top-ups/s, {alone.Cpu.TotalMicroseconds / Math.Max(1, alone.Completed):N0} µs CPU each; "
                    + $"the JIT meanwhile: {(System.Runtime.JitInfo.GetCompilationTime() - jitBefore).TotalMilliseconds:N0} ms, {System.Runtime.JitInfo.GetCompiledMethodCount() - methodsBefore:N0} methods"));
            }

            // Measured: the ceiling and the top-up by turns (ABAB), each a slice of its own closed loop, so that the
            // machine's other load falls on both.
            var topUp = new Side("top-up");
            var top = new Side("ceiling");
            TimeSpan sliceLength = duration / rounds;
            for (int round = 0; round < rounds; round++)
            {
                top.Add(await ClosedLoopAsync(bare, holders, clients, loop++, sliceLength));
                topUp.Add(await RealAsync(loop++, sliceLength));
            }

            Console.WriteLine($"  {engine}, bank {bankLatencyMs} ms: warmed up {warmedSeconds:F1} s; means: {steps.Summary()}");
            if (statements)
            {
                // Which statements the top-up's windows ran, per top-up: where its SQLite statements come from.
                foreach ((string sql, long runs) in DbCounts.TakeBreakdown())
                {
                    string shown = sql.Length > 150 ? sql[..150] + "…" : sql;
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"    {runs / (double)Math.Max(1, topUp.Completed),6:F3} per top-up  {shown}"));
                }
            }

            string check = await CheckAsync(services, sandbox, holders.Length);
            string ceilingCheck = await ceiling.CheckAsync();
            bool ok = check.StartsWith("ok", StringComparison.Ordinal) && ceilingCheck.StartsWith("ceiling ok", StringComparison.Ordinal)
                && topUp.Others == 0 && top.Others == 0;
            foreach (Side side in new[] { top, topUp })
            {
                DbSnapshot counts = side.Counts;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  {engine}, bank {bankLatencyMs} ms, {side.Name}: slices {string.Join(" ", side.Rates.Select(r => r.ToString("N0", CultureInfo.InvariantCulture)))}/s; "
                    + $"p50 {side.Ms(0.50):F1} ms, p99 {side.Ms(0.99):F1} ms, {side.CpuPerTopUp:N0} µs CPU per top-up; in the windows {counts.Operations:N0} Npgsql commands/batches + "
                    + $"{counts.TransactionEnds:N0} NpgsqlTransaction ends, {counts.SqliteStatements:N0} SQLite statements, {counts.AllocatedBytes / 1e6:N1} MB allocated, "
                    + $"for {side.Completed:N0} top-ups ({side.DbPerTopUp(engine):F2} {(engine == "postgres" ? "round trips" : "statements")} and {side.KbPerTopUp:N1} KB each); {side.Others:N0} other answers"));
            }

            string byRound = string.Join(" ", topUp.Rates.Zip(top.Rates, (t, c) => (t / c).ToString("F2", CultureInfo.InvariantCulture)));
            Console.WriteLine($"  {engine}, bank {bankLatencyMs} ms: vs ceiling by round {byRound}; {ceilingCheck}");
            string row = string.Create(CultureInfo.InvariantCulture,
                $"| {engine} | {bankLatencyMs} | {clients} | {topUp.PerSecond:N0} | {top.PerSecond:N0} | {topUp.PerSecond / top.PerSecond:F2} | {topUp.Ms(0.50):F1} | {topUp.Ms(0.99):F1} | {topUp.CpuPerTopUp:N0} | "
                + $"{topUp.DbPerTopUp(engine):F2} | {topUp.KbPerTopUp:N1} | {topUp.Completed:N0} | {topUp.Others + top.Others:N0} | {check}{(ceilingCheck.StartsWith("ceiling ok", StringComparison.Ordinal) ? "" : "; " + ceilingCheck)} |");
            return new ScenarioResult(engine, bankLatencyMs, topUp.PerSecond, topUp.CpuPerTopUp, row, ok);
        }
        finally
        {
            await ceiling.DisposeAsync();
            await app.StopAsync();
            await app.DisposeAsync();
            Directory.Delete(data, recursive: true);
            await serverDb.DisposeAsync();
        }
    }

    /// <summary>
    /// One closed loop against <paramref name="target"/>: the clients start, settle for <see cref="Settle"/>, then are
    /// measured for <paramref name="measured"/> (nothing when zero: a warm-up); once they stop, the work their answers
    /// left running (the captures) finishes before the next loop.
    /// </summary>
    private static async Task<Slice> ClosedLoopAsync(Target target, string[] holders, int clients, int loop, TimeSpan measured, bool breakDown = false)
    {
        var window = new Window();
        // CPU of this process (clients, server and bank) and the counts (bench/README.md, "Counts") over the window.
        Task<(TimeSpan Cpu, DbSnapshot Counts)> cpu = Task.Run(async () =>
        {
            await Task.Delay(Settle);
            window.Open(measured);
            DbSnapshot counted = DbCounts.Take();
            DbCounts.BreakingDown = breakDown;
            TimeSpan from = Process.GetCurrentProcess().TotalProcessorTime;
            await Task.Delay(measured);
            TimeSpan used = Process.GetCurrentProcess().TotalProcessorTime - from;
            DbCounts.BreakingDown = false;
            return (used, DbCounts.Take() - counted);
        });
        var perClient = await Task.WhenAll(Enumerable.Range(0, clients).Select(c => Task.Run(async () =>
        {
            var rng = new Random((loop * 10_000) + c);
            var latenciesTicks = new List<long>();
            long completed = 0, other = 0, sent = 0;
            while (Stopwatch.GetTimestamp() < window.To)
            {
                string holder = holders[rng.Next(holders.Length)];
                string body = $"{{\"from\":\"{holder}\",\"to\":\"50005\",\"text\":\"{rng.Next(1, 10)}\",\"messageId\":\"b{loop}-{c}-{sent++}-{Guid.NewGuid():N}\"}}";
                long t0 = Stopwatch.GetTimestamp();
                using HttpResponseMessage response = await target.Http.PostAsync(SmsCeiling.Path, new StringContent(body, Encoding.UTF8, "application/json"));
                string answer = await response.Content.ReadAsStringAsync();
                long t1 = Stopwatch.GetTimestamp();
                if (t1 < window.From || t1 >= window.To)
                {
                    continue;
                }

                if (response.IsSuccessStatusCode && answer.Contains("\"status\":\"completed\"", StringComparison.Ordinal))
                {
                    completed++;
                    latenciesTicks.Add(t1 - t0);
                }
                else
                {
                    other++;
                }
            }

            return (completed, other, latenciesTicks);
        })));

        (TimeSpan used, DbSnapshot counts) = await cpu;
        await target.DrainAsync();
        return new Slice(
            perClient.Sum(p => p.completed), perClient.Sum(p => p.other), [.. perClient.SelectMany(p => p.latenciesTicks)], used, counts, measured.TotalSeconds);
    }

    /// <summary>
    /// An operator configuration (<paramref name="source"/>: the shipped one unless MBUSHJA_BENCH_CONFIG names another) with the banks' velocity limits raised far above what the bench's holders send (each
    /// tops up hundreds of times a minute): every top-up still pays for its controls (docs/design/controls.md), and none
    /// is refused by them.
    /// </summary>
    private static string ConfigWithoutVelocityLimits(string data, string source)
    {
        string config = Path.Combine(data, "config");
        foreach (string file in Directory.GetFiles(source, "*", SearchOption.AllDirectories))
        {
            string copy = Path.Combine(config, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
            string text = File.ReadAllText(file);
            if (Path.GetFileName(Path.GetDirectoryName(file)) == "banks")
            {
                text = System.Text.RegularExpressions.Regex.Replace(
                    text, "\"velocity\": \\{[^}]*\\}", "\"velocity\": { \"perSenderPerMinute\": 1000000, \"perSenderPerHour\": 1000000, \"perTargetPerMinute\": 1000000, \"perTargetPerHour\": 1000000 }");
            }

            File.WriteAllText(copy, text);
        }

        return config;
    }

    /// <summary>Holders registered at BEK with a funded sandbox account, each topping up their own number.</summary>
    private static async Task<string[]> SetUpAsync(IServiceProvider services, OperatorConfig config, SandboxBank sandbox)
    {
        Subscribers subscribers = services.GetRequiredService<Subscribers>();
        Registrations registrations = services.GetRequiredService<Registrations>();
        var holders = new string[Holders];
        for (int i = 0; i < Holders; i++)
        {
            Msisdn msisdn = config.Numbering.ParseMsisdn($"0497{i:D5}").Value;
            await subscribers.CreateAsync(msisdn, Money.Zero, Language.Sq);
            Iban iban = HolderIban(i);
            RegistrationOutcome registered = await registrations.CreateAsync(new NewRegistration("BEK", msisdn, iban, [], []), "bench");
            if (!registered.Succeeded)
            {
                throw new InvalidOperationException(registered.Error.Message);
            }

            sandbox.SetAccount("BEK", iban.Value, Money.FromCents(1_000_000_000));
            holders[i] = msisdn.E164;
        }

        return holders;
    }

    private static Iban HolderIban(int i) => Iban.ForKosovoAccount($"1212{i:D12}");

    private static async Task<string> CheckAsync(IServiceProvider services, SandboxBank sandbox, int holders)
    {
        // Answers do not wait for the captures: let the last ones finish first.
        await services.GetRequiredService<Mbushja.TopUp.TopUpProcessor>().DrainAsync(TimeSpan.FromSeconds(30));
        LedgerTotals totals = await services.GetRequiredService<LedgerQueries>().GetTotalsAsync();
        Database database = services.GetRequiredService<Database>();
        await using var connection = await database.OpenAsync();
        await using var unfinished = connection.Command("SELECT COUNT(*) FROM sms_transactions WHERE state NOT IN ('completed', 'rejected', 'declined', 'failed')");
        long open = Convert.ToInt64(await unfinished.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
        long held = 0;
        for (int i = 0; i < holders; i++)
        {
            held += sandbox.GetAccount("BEK", HolderIban(i).Value)?.Held.Cents ?? 0;
        }

        return totals.BalanceSum == 0 && totals.OverdrawnAccounts == 0 && open == 0 && held == 0
            ? $"ok: ledger sums to 0, {totals.Transfers:N0} transfers, 0 unfinished, 0 held"
            : $"BROKEN: ledger sum {totals.BalanceSum}, overdrawn {totals.OverdrawnAccounts}, unfinished {open}, held {held}";
    }
}

/// <summary>The measured window: closed (never reached) until the warm-up ends.</summary>
internal sealed class Window
{
    private long _from = long.MaxValue;
    private long _to = long.MaxValue;

    public long From => Volatile.Read(ref _from);

    public long To => Volatile.Read(ref _to);

    public void Open(TimeSpan duration)
    {
        long now = Stopwatch.GetTimestamp();
        Volatile.Write(ref _to, now + (long)(duration.TotalSeconds * Stopwatch.Frequency));
        Volatile.Write(ref _from, now);
    }
}

/// <summary>
/// Mean duration of each step of a top-up (the processor's <c>mbushja.sms.step.duration</c>), of a commit batch
/// (<c>mbushja.commit.batch.duration</c>), in ms, and the mean batch size (<c>mbushja.commit.batch.size</c>), while
/// <see cref="Listening"/>: the ceiling's commit queue reports to the same meter, and its loops are left out.
/// </summary>
internal sealed class StepListener : IDisposable
{
    private const string LedgerBatch = "ledger batch";

    private readonly System.Diagnostics.Metrics.MeterListener _listener = new();
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, (double Sum, long Count)> _means = new();
    private volatile bool _listening;

    public StepListener()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name is Mbushja.TopUp.TopUpMetrics.MeterName or Mbushja.Storage.Commits.CommitMetrics.MeterName)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<double>((instrument, seconds, tags, _) =>
        {
            string step = instrument.Meter.Name == Mbushja.Storage.Commits.CommitMetrics.MeterName ? LedgerBatch : tags.Length > 0 ? tags[0].Value as string ?? "?" : "?";
            Add(step + " ms", seconds * 1000);
        });
        _listener.SetMeasurementEventCallback<int>((_, commands, _, _) => Add(LedgerBatch + " size", commands));
        _listener.Start();
    }

    public bool Listening
    {
        get => _listening;
        set => _listening = value;
    }

    public string Summary() => string.Join(", ", _means.OrderBy(s => s.Key, StringComparer.Ordinal)
        .Select(s => string.Create(CultureInfo.InvariantCulture, $"{s.Key} {s.Value.Sum / s.Value.Count:F1}")));

    private void Add(string name, double value)
    {
        if (_listening)
        {
            _means.AddOrUpdate(name, (value, 1), (_, old) => (old.Sum + value, old.Count + 1));
        }
    }

    public void Dispose() => _listener.Dispose();
}
