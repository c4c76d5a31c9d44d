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
// each client sends its next SMS when the answer to the last one arrives. See bench/README.md.
string? pg = null;
double seconds = 10, warmup = 5;
string[] engines = ["sqlite", "postgres"];
int[] latencies = [0, 50];
int? clientsOverride = null;
string? outFile = null;
for (int i = 0; i < args.Length; i++)
{
    string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
    switch (args[i])
    {
        case "--pg": pg = Next(); break;
        case "--duration": seconds = double.Parse(Next(), CultureInfo.InvariantCulture); break;
        case "--warmup": warmup = double.Parse(Next(), CultureInfo.InvariantCulture); break;
        case "--engines": engines = Next().Split(','); break;
        case "--bank-latency": latencies = [.. Next().Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture))]; break;
        case "--clients": clientsOverride = int.Parse(Next(), CultureInfo.InvariantCulture); break;
        case "--out": outFile = Next(); break;
        case "--quick": seconds = 4; warmup = 2; break;
        default:
            Console.Error.WriteLine($"Mbushja.Bench.Sms: unknown argument {args[i]}. Options: --duration S --warmup S --engines sqlite,postgres --bank-latency 0,50 --clients N --quick --out FILE");
            return 2;
    }
}

// Round trips and allocations per top-up (bench/README.md, "Counts"): before the server builds its data source.
DbCounts.Install();
var rows = new List<string>();
bool allOk = true;
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
        (string row, bool ok) = await Scenario.RunAsync(engine, pg, latency, clients, TimeSpan.FromSeconds(warmup), TimeSpan.FromSeconds(seconds));
        rows.Add(row);
        allOk &= ok;
        Console.WriteLine(row);
    }
}

string table = string.Create(CultureInfo.InvariantCulture, $"""
    Mbushja.Bench.Sms {DateTime.UtcNow:yyyy-MM-dd HH:mm}Z: {Environment.ProcessorCount} cores; at least {warmup:0.#} s warm-up (then until the JIT is quiet) + {seconds:0.#} s measured per scenario; one process runs the clients, the server and the sandbox bank

    | engine | bank latency ms | clients | top-ups/s | p50 ms | p99 ms | CPU µs per top-up | DB round trips per top-up | KB allocated per top-up | completed | other answers | after the run |
    |---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|
    {string.Join(Environment.NewLine, rows)}

    DB round trips: on PostgreSQL, Npgsql commands and batches run plus NpgsqlTransaction's own COMMIT/ROLLBACK/RELEASE (each one wait for the server); "-" on SQLite (not counted). KB allocated: the whole process (clients, server and sandbox bank) over the measured window, per top-up. Both count what happened in the window: the captures that follow earlier answers included.

    """);
Console.WriteLine();
Console.WriteLine(table);
if (outFile is not null)
{
    await File.WriteAllTextAsync(outFile, table);
}

return allOk ? 0 : 1;

internal static class Scenario
{
    private const int Holders = 500;

    /// <summary>Waits until the JIT compiles for less than 1 % of a second in a second (tiering has settled), at most <paramref name="atMost"/>.</summary>
    private static async Task JitQuietAsync(TimeSpan atMost)
    {
        long until = Stopwatch.GetTimestamp() + (long)(atMost.TotalSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < until)
        {
            TimeSpan before = System.Runtime.JitInfo.GetCompilationTime();
            await Task.Delay(TimeSpan.FromSeconds(1));
            if (System.Runtime.JitInfo.GetCompilationTime() - before < TimeSpan.FromMilliseconds(10))
            {
                return;
            }
        }
    }

    public static async Task<(string Row, bool Ok)> RunAsync(string engine, string? pgAdmin, int bankLatencyMs, int clients, TimeSpan warmup, TimeSpan duration)
    {
        string data = Path.Combine(Path.GetTempPath(), "mbushja-bench-sms-" + Guid.NewGuid().ToString("N"));
        ServerDatabase serverDb = await ServerDatabase.CreateAsync(engine, pgAdmin, "sms", data);
        string db = serverDb.Option;

        Directory.CreateDirectory(data);
        WebApplication app = await MbushjaServer.BuildAsync(new ServerSettings
        {
            Urls = "http://127.0.0.1:0",
            DataDirectory = data,
            Db = db,
            AdminKey = "bench-" + Guid.NewGuid().ToString("N"),
            // One log line per message is right for operations and wrong for a benchmark: warnings only.
            MinimumLogLevel = Microsoft.Extensions.Logging.LogLevel.Warning,
        });
        DbCounts.Attach(app.Services.GetRequiredService<Database>());
        await app.StartAsync();
        try
        {
            IServiceProvider services = app.Services;
            OperatorConfig config = services.GetRequiredService<OperatorConfig>();
            SandboxBank sandbox = services.GetRequiredService<SandboxBank>();
            string[] holders = await SetUpAsync(services, config, sandbox);
            sandbox.Configure("BEK", new SandboxSettings(LatencyMs: bankLatencyMs));

            using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = clients, PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5) })
            {
                BaseAddress = new Uri(app.Urls.First()),
                Timeout = TimeSpan.FromSeconds(60),
            };
            using var steps = new StepListener();
            long start = Stopwatch.GetTimestamp();
            var window = new Window();
            // CPU of this process (clients, server and sandbox bank) over the measured window, per top-up. The window
            // opens after the warm-up and once the JIT is quiet: until its tiers settle, compiling takes up to 40 % of
            // this 2-core machine, and a figure measured through that is the JIT's, not the platform's.
            // The counts of the same window: round trips and bytes allocated (bench/README.md, "Counts").
            Task<(TimeSpan Cpu, DbSnapshot Counts)> cpu = Task.Run(async () =>
            {
                await Task.Delay(warmup);
                await JitQuietAsync(TimeSpan.FromSeconds(30));
                window.Open(duration);
                DbSnapshot counted = DbCounts.Take();
                TimeSpan from = Process.GetCurrentProcess().TotalProcessorTime;
                await Task.Delay(duration);
                TimeSpan used = Process.GetCurrentProcess().TotalProcessorTime - from;
                return (used, DbCounts.Take() - counted);
            });
            var perClient = await Task.WhenAll(Enumerable.Range(0, clients).Select(c => Task.Run(async () =>
            {
                var rng = new Random(c);
                var latenciesTicks = new List<long>();
                long completed = 0, other = 0, sent = 0;
                while (Stopwatch.GetTimestamp() < window.To)
                {
                    string holder = holders[rng.Next(holders.Length)];
                    string body = $"{{\"from\":\"{holder}\",\"to\":\"50005\",\"text\":\"{rng.Next(1, 10)}\",\"messageId\":\"b{c}-{sent++}-{Guid.NewGuid():N}\"}}";
                    long t0 = Stopwatch.GetTimestamp();
                    using HttpResponseMessage response = await http.PostAsync("/api/v1/sms/inbound", new StringContent(body, Encoding.UTF8, "application/json"));
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

            long done = perClient.Sum(p => p.completed);
            long others = perClient.Sum(p => p.other);
            long[] all = [.. perClient.SelectMany(p => p.latenciesTicks).Order()];
            double Ms(double q) => all.Length == 0 ? 0 : all[Math.Min(all.Length - 1, (int)(q * all.Length))] * 1000.0 / Stopwatch.Frequency;

            // After the run: nothing unfinished, no money held, the ledger balanced.
            double warmed = (window.From - start) / (double)Stopwatch.Frequency;
            Console.WriteLine($"  {engine}, bank {bankLatencyMs} ms: warmed up {warmed:F1} s; means: {steps.Summary()}");
            string check = await CheckAsync(services, sandbox, holders.Length);
            bool ok = check.StartsWith("ok", StringComparison.Ordinal) && others == 0;
            (TimeSpan cpuUsed, DbSnapshot counts) = await cpu;
            double cpuPerTopUp = cpuUsed.TotalMicroseconds / Math.Max(1, done);
            double perTopUp = 1.0 / Math.Max(1, done);
            string roundTrips = engine == "postgres" ? (counts.RoundTrips * perTopUp).ToString("F2", CultureInfo.InvariantCulture) : "-";
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {engine}, bank {bankLatencyMs} ms: in the window {counts.Operations:N0} Npgsql commands/batches + {counts.TransactionEnds:N0} NpgsqlTransaction ends, {counts.AllocatedBytes / 1e6:N1} MB allocated, for {done:N0} top-ups"));
            string row = string.Create(CultureInfo.InvariantCulture,
                $"| {engine} | {bankLatencyMs} | {clients} | {done / duration.TotalSeconds:N0} | {Ms(0.50):F1} | {Ms(0.99):F1} | {cpuPerTopUp:N0} | {roundTrips} | {counts.AllocatedBytes * perTopUp / 1024:N1} | {done:N0} | {others:N0} | {check} |");
            return (row, ok);
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
            Directory.Delete(data, recursive: true);
            await serverDb.DisposeAsync();
        }
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

/// <summary>
/// Mean duration of each step of a top-up (the processor's <c>mbushja.sms.step.duration</c>), of a ledger batch
/// (<c>mbushja.ledger.batch.duration</c>), in ms, and the mean ledger batch size (<c>mbushja.ledger.batch.size</c>).
/// </summary>
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

internal sealed class StepListener : IDisposable
{
    private const string LedgerBatch = "ledger batch";

    private readonly System.Diagnostics.Metrics.MeterListener _listener = new();
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, (double Sum, long Count)> _means = new();

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

    public string Summary() => string.Join(", ", _means.OrderBy(s => s.Key, StringComparer.Ordinal)
        .Select(s => string.Create(CultureInfo.InvariantCulture, $"{s.Key} {s.Value.Sum / s.Value.Count:F1}")));

    private void Add(string name, double value) => _means.AddOrUpdate(name, (value, 1), (_, old) => (old.Sum + value, old.Count + 1));

    public void Dispose() => _listener.Dispose();
}
