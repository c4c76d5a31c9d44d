using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Runtime;
using System.Text;
using Mbushja.Accounts;
using Mbushja.Domain;
using Mbushja.Ledger;
using Mbushja.Server;
using Mbushja.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Mbushja.Bench;

// USSD *101# (bench/README.md "USSD"): steps per second and latency at POST /ussd over loopback, against the ceiling of
// an empty ASP.NET Core endpoint on the same machine, with the same load generator and the same request bodies; then
// the latency of /ussd at a fixed rate of steps. Every session walks to a payment: dial, Payments, a package, the
// account, (the amount), confirm; a second walk cancels at the confirmation instead. The ceiling and /ussd take
// turns in short slices (ABAB), each round after waiting for the machine to be quiet, and the share of the ceiling
// is the median over the rounds: load from other programs then spoils little. See bench/README.md.
string? pg = null;
double slice = 3, warmup = 0.5, paceSeconds = 10;
int rounds = 5;
string[] engines = ["sqlite", "postgres"];
int clients = 64;
int rate = 1000;
double quietWait = 10;
string? outFile = null;
for (int i = 0; i < args.Length; i++)
{
    string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
    double Seconds() => double.Parse(Next(), CultureInfo.InvariantCulture);
    switch (args[i])
    {
        case "--pg": pg = Next(); break;
        case "--slice": slice = Seconds(); break;
        case "--warmup": warmup = Seconds(); break;
        case "--rounds": rounds = int.Parse(Next(), CultureInfo.InvariantCulture); break;
        case "--rate-duration": paceSeconds = Seconds(); break;
        case "--engines": engines = Next().Split(','); break;
        case "--clients": clients = int.Parse(Next(), CultureInfo.InvariantCulture); break;
        case "--rate": rate = int.Parse(Next(), CultureInfo.InvariantCulture); break;
        case "--quiet-wait": quietWait = Seconds(); break;
        case "--out": outFile = Next(); break;
        case "--quick": slice = 1.5; rounds = 3; paceSeconds = 5; break;
        default:
            Console.Error.WriteLine(
                $"Mbushja.Bench.Ussd: unknown argument {args[i]}. Options: --engines sqlite,postgres --clients N --rounds N --slice S --warmup S "
                + "--rate STEPS_PER_S --rate-duration S --quiet-wait S --quick --out FILE");
            return 2;
    }
}

// Round trips and allocations per step (bench/README.md, "Counts"): before the server builds its data source.
DbCounts.Install();
var plan = new Plan(clients, rate, rounds, TimeSpan.FromSeconds(warmup), TimeSpan.FromSeconds(slice), TimeSpan.FromSeconds(paceSeconds), TimeSpan.FromSeconds(quietWait));
var rows = new List<string>();
var notes = new List<string>();
var byEngine = new List<EngineFigures>();
bool allOk = true;
foreach (string engine in engines)
{
    if (engine == "postgres" && pg is null)
    {
        Console.Error.WriteLine("Mbushja.Bench.Ussd: skipping PostgreSQL (no --pg; bench/ussd passes one)");
        continue;
    }

    (List<string> engineRows, string note, bool ok, EngineFigures figures) = await Scenario.RunAsync(engine, pg, plan);
    rows.AddRange(engineRows);
    notes.Add(note);
    allOk &= ok;
    byEngine.Add(figures);
}

// The issue's target: PostgreSQL's steps/s at least 0.6 of SQLite's in the same run (closed loop, sessions paying).
if (byEngine.Find(f => f.Engine == "sqlite") is { } lite && byEngine.Find(f => f.Engine == "postgres") is { } postgres)
{
    double paying = postgres.Paying / lite.Paying;
    notes.Add(string.Create(CultureInfo.InvariantCulture,
        $"PG/SQLite, closed loop: sessions paying {paying:F2} of SQLite's steps/s (target >= 0.6: {(paying >= 0.6 ? "met" : "missed")}), "
        + $"CPU µs per step {postgres.PayingCpu / lite.PayingCpu:F2}; sessions cancelling {postgres.Cancelling / lite.Cancelling:F2}, CPU {postgres.CancellingCpu / lite.CancellingCpu:F2}."));
}

string table = string.Create(CultureInfo.InvariantCulture, $"""
    Mbushja.Bench.Ussd {DateTime.UtcNow:yyyy-MM-dd HH:mm}Z: {Environment.ProcessorCount} cores; one process runs the load generator, the ceiling and the server, over loopback HTTP/1.1
    Closed loop: {clients} clients, {rounds} rounds of {slice:0.#} s slices (after {warmup:0.#} s warm-up each) per side, taking turns; steps/s is the median of the rounds, latencies are over all of them.
    Fixed rate: {rate:N0} steps/s for {paceSeconds:0.#} s after a warm-up; a step's latency counts from when it was due.

    | engine | endpoint | load | steps/s | p50 ms | p99 ms | max ms | DB round trips (PG) or statements (SQLite) per step | per payment | CPU µs per step | KB allocated per step | errors | result |
    |---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|
    {string.Join(Environment.NewLine, rows)}

    {string.Join(Environment.NewLine, notes)}

    DB round trips: on PostgreSQL, Npgsql commands and batches run plus NpgsqlTransaction's own COMMIT/ROLLBACK/RELEASE (each one wait for the server), over the measured windows, per step answered. Statements: on SQLite, each run of a statement SQLite reports through its profile trace (BEGIN, COMMIT and SAVEPOINT included). Per payment: all the window's round trips (statements) less those made in the requests of the other steps (a ledger batch runs in one payment's request for all it commits, or in none), per confirmation step that pays. CPU and KB allocated: the whole process (load generator and server; the ceiling's row is the load generator and an empty endpoint) over the measured windows, per step.

    Targets: /ussd at least 50% of the empty endpoint's steps/s, and p99 under 10 ms at {rate:N0} steps/s.

    """);
Console.WriteLine();
Console.WriteLine(table);
if (outFile is not null)
{
    await File.WriteAllTextAsync(outFile, table);
}

return allOk ? 0 : 1;

/// <summary>One engine's closed-loop figures: steps/s (median of the rounds) and CPU µs per step, paying and cancelling.</summary>
internal sealed record EngineFigures(string Engine, double Paying, double PayingCpu, double Cancelling, double CancellingCpu);

/// <summary>How the run is cut up.</summary>
internal sealed record Plan(int Clients, int Rate, int Rounds, TimeSpan Warmup, TimeSpan Slice, TimeSpan Paced, TimeSpan QuietWait);

internal sealed record Timing(TimeSpan Warmup, TimeSpan Duration);

/// <summary>Latencies of a run, in stopwatch ticks, and what came back.</summary>
internal sealed class Samples
{
    private readonly ConcurrentBag<long> _ticks = [];
    private long _errors;

    public void Add(long ticks) => _ticks.Add(ticks);

    public void Error() => Interlocked.Increment(ref _errors);

    public long Errors => Interlocked.Read(ref _errors);

    public int Count => _ticks.Count;

    public (double P50, double P99, double Max) Quantiles()
    {
        long[] all = [.. _ticks.Order()];
        double Ms(long t) => t * 1000.0 / Stopwatch.Frequency;
        return all.Length == 0 ? (0, 0, 0) : (Ms(all[(int)(0.50 * (all.Length - 1))]), Ms(all[(int)(0.99 * (all.Length - 1))]), Ms(all[^1]));
    }
}

internal static class Scenario
{
    /// <summary>Numbers that pay, each once (a number pays once a month), and numbers whose sessions only cancel.</summary>
    private const int Subscribers = 120_000;

    private const int Cancellers = 2_000;

    private const int AccountsPerPackage = 250;

    public static async Task<(List<string> Rows, string Note, bool Ok, EngineFigures Figures)> RunAsync(string engine, string? pgAdmin, Plan plan)
    {
        string data = Path.Combine(Path.GetTempPath(), "mbushja-bench-ussd-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(data);
        ServerDatabase serverDb = await ServerDatabase.CreateAsync(engine, pgAdmin, "ussd", data);
        string db = serverDb.Option;

        WebApplication app = await MbushjaServer.BuildAsync(new ServerSettings
        {
            Urls = "http://127.0.0.1:0",
            DataDirectory = data,
            Db = db,
            AdminKey = "bench-" + Guid.NewGuid().ToString("N"),
            MinimumLogLevel = LogLevel.Warning,
        });
        DbCounts.Attach(app.Services.GetRequiredService<Database>());
        // Which step a round trip (or SQLite statement) was made for: each request's own tally (bench/README.md, "Counts").
        app.Use(async (context, next) =>
        {
            DbCounts.Tally tally = DbCounts.Track();
            await next(context);
            StepCounts.Add(context.Request.Headers.ContainsKey(Session.PaymentHeader), tally.Operations);
        });
        await app.StartAsync();
        WebApplication ceiling = await CeilingAsync();
        try
        {
            Console.WriteLine($"  {engine}: provisioning {Subscribers:N0} subscribers and {AccountsPerPackage} accounts per package");
            Walker walker = await SetUpAsync(app.Services);
            Console.WriteLine($"  {engine}: provisioned; the slices follow");
            using var http = new HttpClient(new SocketsHttpHandler
            {
                MaxConnectionsPerServer = Math.Max(plan.Clients, 256),
                PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
                UseProxy = false,
            });
            var ussd = new Uri(new Uri(app.Urls.First()), "/ussd");
            var empty = new Uri(new Uri(ceiling.Urls.First()), "/ussd");
            var quiet = new Quiet(plan.QuietWait);

            // Every code path once, unmeasured: the JIT settles before the first slice counts.
            // The ceiling's sessions take numbers from the pool that never pays: they pay nothing there.
            var unmeasured = new Samples();
            long warming = Stopwatch.GetTimestamp();
            var shortSlice = new Timing(TimeSpan.Zero, TimeSpan.FromSeconds(1));
            walker.Cancel = true;
            await ClosedLoopAsync(http, empty, walker, plan.Clients, shortSlice, unmeasured);
            await ClosedLoopAsync(http, ussd, walker, plan.Clients, shortSlice, unmeasured);
            walker.Cancel = false;
            await ClosedLoopAsync(http, ussd, walker, plan.Clients, shortSlice, unmeasured);

            // Then on, paying and cancelling by turns, until the JIT is quiet (under 10 ms of compiling in a slice, 20
            // slices at most): its tiers settle only some 10 s into the load, taking up to 40 % of a 2-core machine.
            for (int i = 0; i < 20; i++)
            {
                TimeSpan compiled = JitInfo.GetCompilationTime();
                walker.Cancel = i % 2 == 1;
                await ClosedLoopAsync(http, ussd, walker, plan.Clients, shortSlice, unmeasured);
                if (JitInfo.GetCompilationTime() - compiled < TimeSpan.FromMilliseconds(10))
                {
                    break;
                }
            }

            walker.Cancel = false;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {engine}: the JIT is quiet after {Stopwatch.GetElapsedTime(warming).TotalSeconds:F0} s of unmeasured load"));

            var top = new Samples();
            var paying = new Samples();
            var cancelling = new Samples();
            var rates = (Top: new List<double>(), Paying: new List<double>(), Cancelling: new List<double>());
            var counted = (Top: new Counted(), Paying: new Counted(), Cancelling: new Counted());
            var others = new List<double>();
            var timing = new Timing(plan.Warmup, plan.Slice);
            using (var phases = new PhaseListener())
            {
                for (int round = 1; round <= plan.Rounds; round++)
                {
                    await quiet.WaitAsync();
                    var load = Load.Start();
                    walker.Cancel = true;
                    rates.Top.Add(await ClosedLoopAsync(http, empty, walker, plan.Clients, timing, top, counted.Top) / plan.Slice.TotalSeconds);
                    walker.Cancel = false;
                    rates.Paying.Add(await ClosedLoopAsync(http, ussd, walker, plan.Clients, timing, paying, counted.Paying) / plan.Slice.TotalSeconds);
                    walker.Cancel = true;
                    rates.Cancelling.Add(await ClosedLoopAsync(http, ussd, walker, plan.Clients, timing, cancelling, counted.Cancelling) / plan.Slice.TotalSeconds);
                    others.Add(load.OtherPercent());
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"  {engine} round {round}: ceiling {rates.Top[^1]:N0}/s, /ussd {rates.Paying[^1]:N0}/s ({rates.Paying[^1] / rates.Top[^1]:P0}), cancelling {rates.Cancelling[^1]:N0}/s; other load {others[^1]:F0}% CPU"));
                }

                Console.WriteLine($"  {engine}, closed loop: mean ms per phase of a /ussd step: {phases.Summary()}");
            }

            Samples paced = new();
            var pacedCounted = new Counted();
            walker.Cancel = false;
            await quiet.WaitAsync();
            var pacedLoad = Load.Start();
            using (var phases = new PhaseListener(tails: true))
            using (var pool = PoolWaits.Start())
            {
                await FixedRateAsync(http, ussd, walker, plan.Rate, new Timing(TimeSpan.FromSeconds(1), plan.Paced), paced, pacedCounted);
                Console.WriteLine($"  {engine}, {plan.Rate} steps/s: ms per phase (mean, p99, max): {phases.Summary()}");
                Console.WriteLine($"  {engine}, {plan.Rate} steps/s: {pool.Summary()}");
            }

            double pacedOther = pacedLoad.OtherPercent();
            List<double> payingShares = [.. rates.Paying.Zip(rates.Top, (u, c) => c == 0 ? 0 : u / c)];
            List<double> cancellingShares = [.. rates.Cancelling.Zip(rates.Top, (u, c) => c == 0 ? 0 : u / c)];
            double share = Median(payingShares);
            string check = await CheckAsync(app.Services, walker);
            bool ok = check.StartsWith("ok", StringComparison.Ordinal) && paying.Errors + cancelling.Errors + paced.Errors == 0;
            (_, double p99, _) = paced.Quantiles();
            string Shares(List<double> list) => string.Join(" ", list.Select(x => x.ToString("P0", CultureInfo.InvariantCulture)));
            var rows = new List<string>
            {
                Row(engine, "empty endpoint (ceiling)", $"{plan.Clients} clients", Median(rates.Top), top, counted.Top.Columns(engine, ceiling: true), ""),
                Row(engine, "/ussd, sessions paying", $"{plan.Clients} clients", Median(rates.Paying), paying, counted.Paying.Columns(engine),
                    $"{share:P0} of ceiling (rounds: {Shares(payingShares)}): {(share >= 0.5 && paying.Errors == 0 ? "PASS" : "FAIL")}"),
                Row(engine, "/ussd, sessions cancelling", $"{plan.Clients} clients", Median(rates.Cancelling), cancelling, counted.Cancelling.Columns(engine),
                    $"{Median(cancellingShares):P0} of ceiling (rounds: {Shares(cancellingShares)})"),
                Row(engine, "/ussd, sessions paying", $"{plan.Rate:N0} steps/s", paced.Count / plan.Paced.TotalSeconds, paced, pacedCounted.Columns(engine),
                    // A step that failed has no latency: a run with errors passes nothing.
                    $"p99 {(p99 < 10 && paced.Errors == 0 && paced.Count > 0 ? "PASS" : "FAIL")}"),
            };
            foreach (string row in rows)
            {
                Console.WriteLine(row);
            }

            Console.WriteLine($"  {engine}, counted: paying (closed loop) {counted.Paying.Summary(engine)}");
            Console.WriteLine($"  {engine}, counted: cancelling (closed loop) {counted.Cancelling.Summary(engine)}");
            Console.WriteLine($"  {engine}, counted: paying ({plan.Rate} steps/s) {pacedCounted.Summary(engine)}");

            string beyond = walker.BeyondThePool == 0 ? "" : $" {walker.BeyondThePool:N0} paying sessions came after every number of the pool had paid, and were refused.";
            string note = string.Create(CultureInfo.InvariantCulture,
                $"{engine}: after the run {check}.{beyond} CPU used outside this process (other programs{(engine == "postgres" ? ", PostgreSQL among them" : "")}): "
                + $"median {Median(others):F0}% of the machine during the rounds, {pacedOther:F0}% during the fixed rate; waited {quiet.Waited.TotalSeconds:F0} s for quiet.");
            return (rows, note, ok, new EngineFigures(engine, Median(rates.Paying), counted.Paying.CpuPerStep, Median(rates.Cancelling), counted.Cancelling.CpuPerStep));
        }
        finally
        {
            await ceiling.StopAsync();
            await ceiling.DisposeAsync();
            await app.StopAsync();
            await app.DisposeAsync();
            Directory.Delete(data, recursive: true);
            await serverDb.DisposeAsync();
        }
    }

    private static double Median(List<double> values)
    {
        double[] sorted = [.. values.Order()];
        return sorted.Length == 0 ? 0 : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static string Row(string engine, string endpoint, string load, double perSecond, Samples samples, string counts, string result)
    {
        (double p50, double p99, double max) = samples.Quantiles();
        return string.Create(CultureInfo.InvariantCulture,
            $"| {engine} | {endpoint} | {load} | {perSecond:N0} | {p50:F2} | {p99:F2} | {max:F1} | {counts} | {samples.Errors:N0} | {result} |");
    }

    /// <summary>Waits until a stopwatch timestamp.</summary>
    private static async Task UntilAsync(long timestamp)
    {
        long now = Stopwatch.GetTimestamp();
        if (timestamp > now)
        {
            await Task.Delay(TimeSpan.FromSeconds((timestamp - now) / (double)Stopwatch.Frequency));
        }
    }

    /// <summary>The counts of a measured window (round trips, bytes allocated, steps by kind), taken at its two ends.</summary>
    private static async Task<(DbSnapshot Counts, StepSnapshot Steps)> CountAsync(long from, long to)
    {
        await UntilAsync(from);
        DbSnapshot counts = DbCounts.Take();
        StepSnapshot steps = StepCounts.Take();
        await UntilAsync(to);
        return (DbCounts.Take() - counts, StepCounts.Take() - steps);
    }

    /// <summary>The ceiling: an empty endpoint on the framework's own server, built the way the real server is (slim builder, no logging).</summary>
    private static async Task<WebApplication> CeilingAsync()
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.WebHost.ConfigureKestrel(k => k.AddServerHeader = false);
        builder.Logging.ClearProviders();
        WebApplication app = builder.Build();
        // "CON": the load generator walks its sessions through the ceiling just as through /ussd.
        app.MapPost("/ussd", () => TypedResults.Text("CON ok", "text/plain; charset=utf-8"));
        await app.StartAsync();
        return app;
    }

    /// <summary>Closed loop: each client sends its session's next step when the answer to the last arrives. Returns the steps answered in the window.</summary>
    private static async Task<long> ClosedLoopAsync(HttpClient http, Uri target, Walker walker, int clients, Timing timing, Samples samples, Counted? counted = null)
    {
        long start = Stopwatch.GetTimestamp();
        long measureFrom = start + (long)(timing.Warmup.TotalSeconds * Stopwatch.Frequency);
        long measureTo = measureFrom + (long)(timing.Duration.TotalSeconds * Stopwatch.Frequency);
        long answered = 0;
        Task<(DbSnapshot Counts, StepSnapshot Steps)> window = CountAsync(measureFrom, measureTo);
        await Task.WhenAll(Enumerable.Range(0, clients).Select(_ => Task.Run(async () =>
        {
            Session session = walker.Next();
            while (Stopwatch.GetTimestamp() < measureTo)
            {
                long t0 = Stopwatch.GetTimestamp();
                (bool ok, bool ended) = await StepAsync(http, target, session);
                long t1 = Stopwatch.GetTimestamp();
                if (t1 >= measureFrom && t1 < measureTo)
                {
                    if (ok)
                    {
                        samples.Add(t1 - t0);
                        Interlocked.Increment(ref answered);
                    }
                    else
                    {
                        samples.Error();
                    }
                }

                if (ended || !ok)
                {
                    session = walker.Next();
                }
            }
        })));
        (DbSnapshot counts, StepSnapshot steps) = await window;
        counted?.Add(counts, steps, answered);
        return answered;
    }

    /// <summary>
    /// Open loop at a fixed rate: a step is due every 1/rate s, whatever the answers do, and its latency is counted
    /// from when it was due (a server that falls behind shows it, rather than slowing the load down).
    /// </summary>
    private static async Task FixedRateAsync(HttpClient http, Uri target, Walker walker, int rate, Timing timing, Samples samples, Counted counted)
    {
        var ready = new ConcurrentQueue<Session>();
        var inFlight = new List<Task>();
        long start = Stopwatch.GetTimestamp();
        long measureFrom = start + (long)(timing.Warmup.TotalSeconds * Stopwatch.Frequency);
        long measureTo = measureFrom + (long)(timing.Duration.TotalSeconds * Stopwatch.Frequency);
        Task<(DbSnapshot Counts, StepSnapshot Steps)> window = CountAsync(measureFrom, measureTo);
        long answered = 0;
        double interval = (double)Stopwatch.Frequency / rate;
        long sent = 0;
        while (true)
        {
            long due = start + (long)(sent * interval);
            if (due >= measureTo)
            {
                break;
            }

            long now = Stopwatch.GetTimestamp();
            if (due > now)
            {
                // Timers tick about every millisecond: wake a little early and send what is due.
                await Task.Delay(TimeSpan.FromTicks(Math.Max(0, (due - now) * TimeSpan.TicksPerSecond / Stopwatch.Frequency)));
                continue;
            }

            Session session = ready.TryDequeue(out Session? waiting) ? waiting : walker.Next();
            long scheduled = due;
            inFlight.Add(Task.Run(async () =>
            {
                (bool ok, bool ended) = await StepAsync(http, target, session);
                long done = Stopwatch.GetTimestamp();
                if (done >= measureFrom && done < measureTo && ok)
                {
                    // Counted like the round trips: answered in the window.
                    Interlocked.Increment(ref answered);
                }

                if (scheduled >= measureFrom && scheduled < measureTo)
                {
                    if (ok)
                    {
                        samples.Add(done - scheduled);
                    }
                    else
                    {
                        samples.Error();
                    }
                }

                if (ok && !ended)
                {
                    ready.Enqueue(session);
                }
            }));
            sent++;
            if (inFlight.Count > 4096)
            {
                inFlight.RemoveAll(t => t.IsCompleted);
            }
        }

        await Task.WhenAll(inFlight);
        (DbSnapshot counts, StepSnapshot steps) = await window;
        counted.Add(counts, steps, Interlocked.Read(ref answered));
    }

    private static async Task<(bool Ok, bool Ended)> StepAsync(HttpClient http, Uri target, Session session)
    {
        using var content = new ByteArrayContent(session.Body());
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/x-www-form-urlencoded");
        if (session.Pays)
        {
            // Tells the server's tally which requests are payments (bench/README.md, "Counts").
            content.Headers.Add(Session.PaymentHeader, "1");
        }

        try
        {
            using HttpResponseMessage response = await http.PostAsync(target, content);
            string answer = await response.Content.ReadAsStringAsync();
            if (response.StatusCode != HttpStatusCode.OK || !(answer.StartsWith("CON ", StringComparison.Ordinal) || answer.StartsWith("END ", StringComparison.Ordinal)))
            {
                return (false, true);
            }

            session.Answered(answer);
            return (true, answer.StartsWith("END ", StringComparison.Ordinal) || session.Done);
        }
        catch (HttpRequestException)
        {
            return (false, true);
        }
    }

    private static async Task<Walker> SetUpAsync(IServiceProvider services)
    {
        OperatorConfig config = services.GetRequiredService<OperatorConfig>();
        Subscribers subscribers = services.GetRequiredService<Subscribers>();
        ServiceAccounts accounts = services.GetRequiredService<ServiceAccounts>();
        var phones = new string[Subscribers + Cancellers];
        await Parallel.ForAsync(0, phones.Length, new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (i, ct) =>
        {
            phones[i] = $"049{i:D6}";
            LedgerOutcome outcome = await subscribers.CreateAsync(config.Numbering.ParseMsisdn(phones[i]).Value, Money.FromCents(100_000), Language.Sq, ct);
            if (!outcome.Succeeded)
            {
                throw new InvalidOperationException(outcome.Error?.Message);
            }
        });

        // Accounts for every package of the list, named by what the list asks for them (PPV tops up TV accounts), enough
        // that sessions rarely pay the same account at once: one account is one subscriber's, not everybody's.
        var ways = new List<string[]>();
        Package[] list = [.. config.Catalog.UssdPackages];
        await Parallel.ForAsync(0, AccountsPerPackage * list.Length, new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (n, ct) =>
        {
            Package package = list[n % list.Length];
            Package subscribed = package.Price is null ? config.Catalog.Packages.First(p => p.Kind == package.Kind && p.Price is not null) : package;
            (LedgerOutcome outcome, _) = await accounts.CreateAsync(
                new NewServiceAccount(
                    subscribed.Kind,
                    subscribed,
                    AccountIdentifier.Parse($"bench{n}", IdentifierKind.Username).Value,
                    null,
                    AccountIdentifier.Parse($"99{n:D6}", IdentifierKind.SmartCard).Value,
                    null,
                    Money.Zero),
                ct);
            if (!outcome.Succeeded)
            {
                throw new InvalidOperationException(outcome.Error?.Message);
            }
        });
        for (int n = 0; n < AccountsPerPackage * list.Length; n++)
        {
            Package package = list[n % list.Length];
            string choice = $"{(n % list.Length) + 1}";
            string identifier = package.AsksFor[0] == IdentifierKind.SmartCard ? $"99{n:D6}" : $"bench{n}";
            ways.Add(package.Price is null ? ["1", choice, identifier, "2", "1"] : ["1", choice, identifier, "1"]);
        }

        // The same walks, cancelled at the confirmation: what the menu costs without a payment's flush to disk.
        List<string[]> cancelled = [.. ways.Select(w => w[..^1].Append("2").ToArray())];
        return new Walker(phones[..Subscribers], phones[Subscribers..], ways, cancelled);
    }

    /// <summary>After the run: the ledger balances, and every payment a session was told of is in the database, once.</summary>
    private static async Task<string> CheckAsync(IServiceProvider services, Walker walker)
    {
        LedgerTotals totals = await services.GetRequiredService<LedgerQueries>().GetTotalsAsync();
        Database database = services.GetRequiredService<Database>();
        await using var connection = await database.OpenAsync();
        await using var count = connection.Command("SELECT COUNT(*) FROM ussd_payments");
        long payments = Convert.ToInt64(await count.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
        await using var receipts = connection.Command("SELECT COUNT(*) FROM sms_outbox WHERE source = 'ussd'");
        long queued = Convert.ToInt64(await receipts.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
        long told = walker.Paid;
        return totals.BalanceSum == 0 && totals.OverdrawnAccounts == 0 && payments == told && queued == told
            ? $"ok: {told:N0} payments, each once with its receipt; ledger sums to 0"
            : $"BROKEN: ledger sum {totals.BalanceSum}, overdrawn {totals.OverdrawnAccounts}, payments {payments} vs {told} told, receipts {queued}";
    }
}

/// <summary>
/// Hands out sessions: each paying one a fresh number of the pool walking to one package's payment; each cancelling one
/// a number that never pays, walking to the confirmation and cancelling.
/// </summary>
internal sealed class Walker(string[] payers, string[] cancellers, List<string[]> ways, List<string[]> cancelled)
{
    private long _nextPayer = -1;
    private long _nextCanceller = -1;
    private long _paid;

    /// <summary>Walk to the confirmation and cancel, instead of paying.</summary>
    public bool Cancel { get; set; }

    /// <summary>Payments sessions were told of (the receipt screen).</summary>
    public long Paid => Interlocked.Read(ref _paid);

    /// <summary>Paying sessions started after every number of the pool had paid (they are refused, once a month).</summary>
    public long BeyondThePool => Math.Max(0, Interlocked.Read(ref _nextPayer) + 1 - payers.Length);

    public Session Next()
    {
        string id = "bench-" + Guid.NewGuid().ToString("N");
        if (Cancel)
        {
            long c = Interlocked.Increment(ref _nextCanceller);
            return new Session(this, id, cancellers[c % cancellers.Length], cancelled[(int)(c % cancelled.Count)], paying: false);
        }

        long n = Interlocked.Increment(ref _nextPayer);
        return new Session(this, id, payers[n % payers.Length], ways[(int)(n % ways.Count)], paying: true);
    }

    public void CountPaid() => Interlocked.Increment(ref _paid);
}

/// <summary>One session's walk: the form body of its next step, and where it stands.</summary>
internal sealed class Session(Walker walker, string id, string phone, string[] way, bool paying)
{
    /// <summary>The request header that marks a paying session's confirmation, the step that pays.</summary>
    public const string PaymentHeader = "X-Bench-Payment";

    private int _step;

    public bool Done => _step > way.Length;

    /// <summary>Whether the next step is the confirmation of a paying walk (its full text).</summary>
    public bool Pays => paying && _step == way.Length;

    public byte[] Body()
    {
        string text = string.Join('*', way[..Math.Min(_step, way.Length)]);
        return Encoding.UTF8.GetBytes($"sessionId={id}&serviceCode=%2A101%23&phoneNumber={phone}&text={Uri.EscapeDataString(text)}");
    }

    public void Answered(string answer)
    {
        _step++;
        if (answer.StartsWith("END U pagua ", StringComparison.Ordinal) || answer.StartsWith("END U mbush ", StringComparison.Ordinal))
        {
            walker.CountPaid();
        }
    }
}

/// <summary>
/// Mean duration and count of each phase of a USSD step (the service's <c>mbushja.ussd.step.duration</c>); with
/// <c>tails</c>, each phase's p99 and maximum too (every duration is kept: for the fixed rate's few thousand steps).
/// </summary>
internal sealed class PhaseListener : IDisposable
{
    private readonly System.Diagnostics.Metrics.MeterListener _listener = new();
    private readonly ConcurrentDictionary<string, (double Sum, long Count)> _phases = new();
    private readonly ConcurrentDictionary<string, Samples>? _durations;

    public PhaseListener(bool tails = false)
    {
        _durations = tails ? new() : null;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name is Mbushja.Ussd.UssdMetrics.MeterName or Mbushja.Storage.Commits.CommitMetrics.MeterName)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        // A ledger batch's size: commands per transaction, the group commit's sharing.
        _listener.SetMeasurementEventCallback<int>((_, value, _, _) =>
        {
            Interlocked.Add(ref _batchCommands, value);
            Interlocked.Increment(ref _batches);
        });
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) =>
        {
            string phase = instrument.Meter.Name == Mbushja.Storage.Commits.CommitMetrics.MeterName
                ? "ledger batch"
                : tags.Length > 0 ? tags[0].Value as string ?? "?" : "?";
            _phases.AddOrUpdate(phase, (value, 1), (_, old) => (old.Sum + value, old.Count + 1));
            _durations?.GetOrAdd(phase, _ => new Samples()).Add((long)(value * Stopwatch.Frequency));
        });
        _listener.Start();
    }

    private long _batchCommands;
    private long _batches;

    public string Summary() => string.Join(", ", _phases.OrderBy(s => s.Key, StringComparer.Ordinal)
        .Select(s => string.Create(CultureInfo.InvariantCulture, $"{s.Key} {s.Value.Sum * 1000 / s.Value.Count:F2}{Tail(s.Key)} (x{s.Value.Count:N0})")))
        + string.Create(CultureInfo.InvariantCulture, $"; {(double)Interlocked.Read(ref _batchCommands) / Math.Max(1, Interlocked.Read(ref _batches)):F2} commands per ledger batch");

    private string Tail(string phase)
    {
        if (_durations is null || !_durations.TryGetValue(phase, out Samples? samples))
        {
            return "";
        }

        (_, double p99, double max) = samples.Quantiles();
        return string.Create(CultureInfo.InvariantCulture, $" p99 {p99:F2} max {max:F2}");
    }

    public void Dispose() => _listener.Dispose();
}

/// <summary>Waits, before a round, for other programs' load on the machine to pass (at most a while each time, two minutes in all).</summary>
internal sealed class Quiet(TimeSpan each)
{
    private const double QuietPercent = 20;
    private static readonly TimeSpan Budget = TimeSpan.FromMinutes(2);

    public TimeSpan Waited { get; private set; }

    public async Task WaitAsync()
    {
        long started = Stopwatch.GetTimestamp();
        TimeSpan limit = each < Budget - Waited ? each : Budget - Waited;
        while (Stopwatch.GetElapsedTime(started) < limit)
        {
            CpuTimes before = CpuTimes.Read();
            await Task.Delay(TimeSpan.FromMilliseconds(200));
            CpuTimes after = CpuTimes.Read();
            long total = after.Total - before.Total;
            if (total <= 0 || 100.0 * (after.Busy - before.Busy) / total < QuietPercent)
            {
                break;
            }
        }

        Waited += Stopwatch.GetElapsedTime(started);
    }
}

/// <summary>
/// How long work queued to the thread pool waits to start, sampled every 10 ms: a long wait is a starved pool (threads
/// blocked in synchronous I/O, say), which stalls every request at once whatever the database does.
/// </summary>
internal sealed class PoolWaits : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Samples _waits = new();
    private Task _sampling = Task.CompletedTask;

    public static PoolWaits Start()
    {
        var waits = new PoolWaits();
        waits._sampling = waits.SampleAsync();
        return waits;
    }

    private async Task SampleAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            await Task.Delay(10);
            long queued = Stopwatch.GetTimestamp();
            var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            ThreadPool.UnsafeQueueUserWorkItem(s => s.SetResult(), started, preferLocal: false);
            await started.Task;
            _waits.Add(Stopwatch.GetTimestamp() - queued);
        }
    }

    public string Summary()
    {
        if (_waits.Count == 0)
        {
            return "thread pool: not sampled";
        }

        (_, double p99, double max) = _waits.Quantiles();
        return string.Create(CultureInfo.InvariantCulture,
            $"work queued to the thread pool waited p99 {p99:F1} ms, at most {max:F1} ms ({_waits.Count:N0} samples)");
    }

    public void Dispose()
    {
        _stop.Cancel();
        _sampling.Wait();
        _stop.Dispose();
    }
}

/// <summary>The machine's CPU used by other programs over a stretch of time, in percent of all cores.</summary>
internal sealed class Load
{
    private readonly CpuTimes _machine = CpuTimes.Read();
    private readonly TimeSpan _process = Process.GetCurrentProcess().TotalProcessorTime;

    public static Load Start() => new();

    public double OtherPercent()
    {
        CpuTimes now = CpuTimes.Read();
        long total = now.Total - _machine.Total;
        if (total <= 0)
        {
            return 0;
        }

        // /proc/stat counts clock ticks of all cores: 100 a second on Linux.
        double ownTicks = (Process.GetCurrentProcess().TotalProcessorTime - _process).TotalSeconds * 100;
        return Math.Max(0, 100.0 * (now.Busy - _machine.Busy - ownTicks) / total);
    }
}

/// <summary>
/// Steps the server answered, and the round trips (PostgreSQL) or statements (SQLite) each request made, apart for the
/// payments (marked by the load generator).
/// </summary>
internal static class StepCounts
{
    private static long s_payments;
    private static long s_paymentOperations;
    private static long s_others;
    private static long s_otherOperations;

    public static void Add(bool payment, long operations)
    {
        if (payment)
        {
            Interlocked.Increment(ref s_payments);
            Interlocked.Add(ref s_paymentOperations, operations);
        }
        else
        {
            Interlocked.Increment(ref s_others);
            Interlocked.Add(ref s_otherOperations, operations);
        }
    }

    public static StepSnapshot Take() =>
        new(Interlocked.Read(ref s_payments), Interlocked.Read(ref s_paymentOperations), Interlocked.Read(ref s_others), Interlocked.Read(ref s_otherOperations));
}

internal readonly record struct StepSnapshot(long Payments, long PaymentOperations, long Others, long OtherOperations)
{
    public static StepSnapshot operator -(StepSnapshot a, StepSnapshot b) =>
        new(a.Payments - b.Payments, a.PaymentOperations - b.PaymentOperations, a.Others - b.Others, a.OtherOperations - b.OtherOperations);

    public static StepSnapshot operator +(StepSnapshot a, StepSnapshot b) =>
        new(a.Payments + b.Payments, a.PaymentOperations + b.PaymentOperations, a.Others + b.Others, a.OtherOperations + b.OtherOperations);
}

/// <summary>The counts of one side's measured windows, summed over its slices.</summary>
internal sealed class Counted
{
    private DbSnapshot _counts;
    private StepSnapshot _steps;
    private long _answered;

    public void Add(DbSnapshot counts, StepSnapshot steps, long answered)
    {
        _counts += counts;
        _steps += steps;
        _answered += answered;
    }

    /// <summary>Process CPU per step answered, in µs.</summary>
    public double CpuPerStep => TimeSpan.FromTicks(_counts.CpuTicks).TotalMicroseconds / Math.Max(1, _answered);

    /// <summary>
    /// The table's columns: round trips (PostgreSQL) or statements (SQLite) per step and per payment, CPU µs per step,
    /// KB allocated per step.
    /// </summary>
    public string Columns(string engine, bool ceiling = false)
    {
        double perStep = 1.0 / Math.Max(1, _answered);
        long operations = _counts.DbOperations(engine);
        string perStepOps = (operations * perStep).ToString("F2", CultureInfo.InvariantCulture);
        // A ledger batch runs in the flow of whichever payment committed the queue, or in none (most of them, under
        // load: they reach no request's tally), so a payment's round trips are what the window made beyond the menu
        // steps' own tallies: all of it, less what the other steps' requests made, per payment step. With sessions
        // that only cancel, the same difference is about 0. Statements on SQLite likewise.
        string perPayment = !ceiling && _steps.Payments > 0
            ? ((double)(operations - _steps.OtherOperations) / _steps.Payments).ToString("F2", CultureInfo.InvariantCulture)
            : "-";
        return string.Create(CultureInfo.InvariantCulture,
            $"{(ceiling ? "-" : perStepOps)} | {perPayment} | {CpuPerStep:N0} | {_counts.AllocatedBytes * perStep / 1024:N1}");
    }

    public string Summary(string engine)
    {
        long stepsSeen = _steps.Payments + _steps.Others;
        string what = engine == "postgres" ? "round trips" : "statements";
        return string.Create(CultureInfo.InvariantCulture,
            $"{_answered:N0} steps answered in the windows, {_counts.Operations:N0} Npgsql commands/batches + {_counts.TransactionEnds:N0} NpgsqlTransaction ends, "
            + $"{_counts.SqliteStatements:N0} SQLite statements, {_counts.AllocatedBytes / 1e6:N1} MB allocated; by request: {_steps.Payments:N0} payment steps with {_steps.PaymentOperations:N0} {what}, "
            + $"{_steps.Others:N0} other steps with {_steps.OtherOperations:N0} ({(double)_steps.OtherOperations / Math.Max(1, _steps.Others):F2} each, the DB {what} per other step); "
            + $"{_counts.DbOperations(engine) - _steps.PaymentOperations - _steps.OtherOperations:N0} {what} outside any request's tally ({stepsSeen:N0} requests seen)");
    }
}
