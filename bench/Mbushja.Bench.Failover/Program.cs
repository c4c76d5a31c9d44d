using System.Globalization;
using Mbushja.Failover.Tests;
using Mbushja.Testing;

// bench/failover (bench/README.md): two servers under SMS Top Up and USSD load on a pg_auto_failover cluster, the
// primary's machine killed --failovers times; prints top-ups/s before, during and after each failover, the time to
// the new primary's first commit and to the first completed top-up, what gateways were answered, and the books.
int failovers = 3;
int gateways = 4;
string? outPath = null;
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--failovers":
            failovers = int.Parse(args[++i], CultureInfo.InvariantCulture);
            break;
        case "--gateways":
            gateways = int.Parse(args[++i], CultureInfo.InvariantCulture);
            break;
        case "--out":
            outPath = args[++i];
            break;
        default:
            Console.Error.WriteLine($"bench/failover: unknown option {args[i]} (--failovers N, --gateways N, --out FILE)");
            return 2;
    }
}

var cluster = new PgAutoFailoverCluster();
Console.WriteLine("bench/failover: starting the pg_auto_failover cluster (monitor, primary, synchronous standby)");
await cluster.InitializeAsync();
var lines = new List<string>();
try
{
    await using var run = new FailoverRun(cluster, Console.WriteLine);
    await run.StartAsync(holders: 20);
    using var stop = new CancellationTokenSource();
    Task load = run.LoadAsync(gateways, stop.Token);
    await Task.Delay(TimeSpan.FromSeconds(10));
    for (int i = 0; i < failovers; i++)
    {
        await run.KillPrimaryAsync();
        await Task.Delay(TimeSpan.FromSeconds(10));
    }

    await stop.CancelAsync();
    await load;
    await run.SettleAsync(TimeSpan.FromSeconds(60));
    FailoverRun.Books books = await run.BooksAsync();

    lines.AddRange(run.Figures());
    long completed = books.Rows.Values.Where(r => r.State == "completed").Sum(r => r.Cents);
    int lost = run.Messages.Count(m => !books.Rows.ContainsKey(m.MessageId));
    int errors = run.Statuses.GetValueOrDefault(500);
    lines.Add(FormattableString.Invariant($"answered 500: {errors} (must be 0); messages answered but not recorded: {lost} (must be 0); recorded twice: none (checked)"));
    lines.Add(FormattableString.Invariant($"ledger sum {books.Ledger.BalanceSum}, pending {books.Ledger.PendingDebitSum} (both must be 0)"));
    lines.Add(FormattableString.Invariant($"bank paid {books.BankTaken / 100.0:0.00} EUR and holds {books.BankHeld / 100.0:0.00}; subscribers credited {books.Credits / 100.0:0.00}; completed top-ups {completed / 100.0:0.00}"));
    bool ok = errors == 0 && lost == 0 && books.Ledger.BalanceSum == 0 && books.Ledger.PendingDebitSum == 0 && books.BankHeld == 0
        && books.BankTaken == completed && books.Credits == completed;
    lines.Add("Goal: first completed top-up within 2 s of the new primary's first commit, within 30 s of the death.");
    lines.Add(ok ? "books: balanced" : "books: NOT BALANCED");
}
finally
{
    await cluster.DisposeAsync();
}

Console.WriteLine();
foreach (string line in lines)
{
    Console.WriteLine(line);
}

if (outPath is not null)
{
    await File.WriteAllLinesAsync(outPath, lines.Prepend($"# bench/failover {DateTimeOffset.UtcNow:u}").Select(l => l.StartsWith('#') ? l : "- " + l));
}

return lines.Last() == "books: balanced" ? 0 : 1;
