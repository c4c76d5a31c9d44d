// The scale benchmark (bench/README.md, "Scale"): the per-request operations (SMS top-up, each USSD step, the API
// reads, the console's lookup and transaction page, the reads under them, start-up) on a small and a large database,
// on SQLite and PostgreSQL, timed by wall clock (median and p95 of many calls through the product's own code), with
// the ratio large/small beside the target (at most 1.5).
using System.Globalization;
using Mbushja.Bench.Scale;

string? pg = null;
string? outFile = null;
string[] engines = ["sqlite", "postgres"];
// About as many top-ups and payments a day in both: a bank's day is the same size, only the history grows.
var small = new Sizes(Subscribers: 10_000, ServiceAccounts: 2_000, TopUps: 50_000, UssdPayments: 6_250, Days: 2);
var large = new Sizes(Subscribers: 1_000_000, ServiceAccounts: 200_000, TopUps: 2_000_000, UssdPayments: 250_000, Days: 90);
int reps = 300;
int restarts = 5;
bool keep = false;
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
        case "--restarts": restarts = Int(); break;
        case "--keep": keep = true; break;
        case "--small-subscribers": small = small with { Subscribers = Int() }; break;
        case "--small-service-accounts": small = small with { ServiceAccounts = Int() }; break;
        case "--small-topups": small = small with { TopUps = Int() }; break;
        case "--small-ussd-payments": small = small with { UssdPayments = Int() }; break;
        case "--small-days": small = small with { Days = Int() }; break;
        case "--large-subscribers": large = large with { Subscribers = Int() }; break;
        case "--large-service-accounts": large = large with { ServiceAccounts = Int() }; break;
        case "--large-topups": large = large with { TopUps = Int() }; break;
        case "--large-ussd-payments": large = large with { UssdPayments = Int() }; break;
        case "--large-days": large = large with { Days = Int() }; break;
        case "--quick":
            large = new Sizes(Subscribers: 200_000, ServiceAccounts: 40_000, TopUps: 400_000, UssdPayments: 50_000, Days: 18); // a day as full as small's
            reps = 150;
            restarts = 3;
            break;
        default:
            Console.Error.WriteLine(
                $"Mbushja.Bench.Scale: unknown argument {args[i]}. Options: --engines sqlite,postgres --reps N --restarts N --quick --keep --out FILE, "
                + "--small-|--large- subscribers, service-accounts, topups, ussd-payments, days");
            return 2;
    }
}

foreach (Sizes sizes in new[] { small, large })
{
    if (sizes.UssdPayments + (2 * reps) + 10 > sizes.Subscribers) // the warm-up pays too, up to reps rounds
    {
        Console.Error.WriteLine($"Mbushja.Bench.Scale: {sizes} leaves too few numbers that have not paid by USSD this month for {reps} rounds.");
        return 2;
    }
}

var rows = new List<string>();
var notes = new List<string>();
foreach (string engine in engines)
{
    if (engine == "postgres" && pg is null)
    {
        Console.Error.WriteLine("Mbushja.Bench.Scale: skipping PostgreSQL (no --pg; bench/scale passes one)");
        continue;
    }

    ScaleResult smallResult = await ScaleRun.RunAsync(engine, pg, "small", small, reps, restarts, keep);
    ScaleResult largeResult = await ScaleRun.RunAsync(engine, pg, "large", large, reps, restarts, keep);
    notes.Add($"{engine} small: {smallResult.Note}");
    notes.Add($"{engine} large: {largeResult.Note}");
    foreach ((string operation, Timing s) in smallResult.Timings)
    {
        Timing l = largeResult.Timings.First(t => t.Name == operation).Timing;
        double ratio = l.Median / s.Median;
        rows.Add(string.Create(CultureInfo.InvariantCulture,
            $"| {engine} | {operation} | {s.Median:F2} | {s.P95:F2} | {s.Rows:0.#} | {l.Median:F2} | {l.P95:F2} | {l.Rows:0.#} | {ratio:F2} | {(ratio <= 1.5 ? "PASS" : "MISS")} |"));
    }

    // The dashboard has a target of its own besides the ratio (docs/design/dashboard-rollups.md): under 100 ms at the large size.
    Timing dashboard = largeResult.Timings.First(t => t.Name == DashboardOperation).Timing;
    notes.Add(string.Create(CultureInfo.InvariantCulture,
        $"{engine} dashboard at large: p50 {dashboard.Median:F2} ms, p95 {dashboard.P95:F2} ms; target < 100 ms: {(dashboard.P95 < 100 ? "PASS" : "MISS")} (p95)"));
}

string table = string.Create(CultureInfo.InvariantCulture, $"""
    Mbushja.Bench.Scale {DateTime.UtcNow:yyyy-MM-dd HH:mm}Z: {Environment.ProcessorCount} cores; {reps} rounds of every operation in turn (settlement and reconciliation every eighth round; after at least {reps / 10} unmeasured rounds, on until the JIT is quiet), one at a time, wall clock per call; start-up {restarts} times after the rounds (after 2 unmeasured)
    small: {small}
    large: {large}

    | engine | operation | small p50 ms | small p95 ms | small rows | large p50 ms | large p95 ms | large rows | large/small p50 | target ≤ 1.5 |
    |---|---|--:|--:|--:|--:|--:|--:|--:|---|
    {string.Join(Environment.NewLine, rows)}

    {string.Join(Environment.NewLine, notes)}

    """);
Console.WriteLine();
Console.WriteLine(table);
if (outFile is not null)
{
    await File.WriteAllTextAsync(outFile, table);
}

return 0;

internal static partial class Program
{
    /// <summary>The dashboard's row (ScaleRun), which has an absolute target too.</summary>
    public const string DashboardOperation = "console: dashboard (today and 30 days)";
}
