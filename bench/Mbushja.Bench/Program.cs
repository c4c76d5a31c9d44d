using System.Globalization;
using Mbushja.Bench;

// Ledger throughput against the bare-SQL ceiling; see bench/README.md. Exit code 1 when the ledger broke an invariant.
(BenchOptions? options, string? error) = BenchOptions.Parse(args);
if (options is null)
{
    Console.Error.WriteLine($"Mbushja.Bench: {error}");
    return 2;
}

if (options.Help)
{
    Console.WriteLine(BenchOptions.Usage);
    return 0;
}

var suite = new Suite(options, Console.Out);
string extra = string.IsNullOrWhiteSpace(options.LedgerPostgresExtra) ? "" : $"; ledger's PostgreSQL connection string + \"{options.LedgerPostgresExtra}\"";
string header = string.Create(CultureInfo.InvariantCulture,
    $"Mbushja.Bench {DateTime.UtcNow:yyyy-MM-dd HH:mm}Z: {Environment.ProcessorCount} cores, {options.Warmup.TotalSeconds:0.##} s warm-up + {options.Duration.TotalSeconds:0.##} s in {options.Slices} slices per scenario, {options.Accounts} accounts; ledger {suite.LedgerOptions}{extra}");
Console.WriteLine(header);

List<ScenarioResult> results = await suite.RunAsync();
string table = header + Environment.NewLine + Environment.NewLine + ResultTable.Format(results)
    + string.Create(CultureInfo.InvariantCulture, $"Waited {suite.QuietWaited.TotalSeconds:F0} s in all for other load on the machine to pass.{Environment.NewLine}");
Console.WriteLine();
Console.WriteLine(table);
if (options.OutFile is not null)
{
    Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(options.OutFile))!);
    await File.WriteAllTextAsync(options.OutFile, table);
}

return ResultTable.AllInvariantsHold(results) ? 0 : 1;
