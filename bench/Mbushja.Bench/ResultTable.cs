using System.Globalization;
using System.Text;

namespace Mbushja.Bench;

/// <summary>The results as markdown tables: throughput with the ledger/ceiling verdict, then where the time went.</summary>
internal static class ResultTable
{
    /// <summary>The ledger must reach this share of its ceiling's transfers per second.</summary>
    public const double Target = 0.80;

    public static string Format(IReadOnlyList<ScenarioResult> results)
    {
        var s = new StringBuilder();
        s.AppendLine("| scenario | engine | writers | transfers/s | slowest..fastest slice | commands/s | mean ms | p50 ms | p99 ms | ledger/ceiling | verdict |");
        s.AppendLine("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|---|");
        foreach (ScenarioResult r in results)
        {
            Measurement m = r.Measurement;
            (string ratio, string verdict) = Verdict(r, results);
            s.AppendLine(Row(r.Scenario.Name, r.Scenario.EngineName, Int(r.Scenario.Writers), Int(m.TransfersPerSecond),
                $"{Int(m.Spread.Min)}..{Int(m.Spread.Max)}", Int(m.CommandsPerSecond), Fixed(m.MeanMs, 2), Fixed(m.P50Ms, 2), Fixed(m.P99Ms, 2),
                ratio, verdict));
        }

        s.AppendLine();
        s.AppendLine("| scenario | engine | writers | commands/tx | CPU % before | machine CPU % | bench CPU µs/cmd | alloc B/cmd | refused/retried | invariants |");
        s.AppendLine("|---|---|--:|--:|--:|--:|--:|--:|--:|---|");
        foreach (ScenarioResult r in results)
        {
            Measurement m = r.Measurement;
            s.AppendLine(Row(r.Scenario.Name, r.Scenario.EngineName, Int(r.Scenario.Writers), Fixed(m.AverageBatch ?? 1, 1),
                Fixed(r.BackgroundCpuPercent, 0), Fixed(m.MachineCpuPercent, 0), Int(m.ProcessCpuUsPerCommand), Int(m.AllocatedBytesPerCommand),
                Int(m.Errors + r.EngineRetries), r.Invariants.ToString()));
        }

        int ledgers = results.Count(r => r.Scenario.Side == Side.Ledger && Ceilings(r, results).Count > 0);
        int passed = results.Count(r => Verdict(r, results).Verdict == "PASS");
        int broken = results.Count(r => !r.Invariants.Hold);
        s.AppendLine();
        s.AppendLine(string.Create(CultureInfo.InvariantCulture,
            $"{passed} of {ledgers} ledger scenarios at >= {Target:P0} of their ceiling; invariants broken in {broken} scenarios."));
        return s.ToString();
    }

    public static bool AllInvariantsHold(IReadOnlyList<ScenarioResult> results) => results.All(r => r.Invariants.Hold);

    /// <summary>
    /// The ledger's rate over the best ceiling's, slice by slice (the two ran back to back, under the same other load),
    /// and the median of those ratios.
    /// </summary>
    private static (string Ratio, string Verdict) Verdict(ScenarioResult r, IReadOnlyList<ScenarioResult> results)
    {
        if (r.Scenario.Side != Side.Ledger)
        {
            return ("", "ceiling");
        }

        if (!r.Invariants.Hold)
        {
            return ("", "WRONG");
        }

        List<ScenarioResult> ceilings = Ceilings(r, results);
        if (ceilings.Count == 0)
        {
            return ("", "");
        }

        IReadOnlyList<Slice> ledger = r.Measurement.Slices;
        double ratio = Measurement.Median(Enumerable.Range(0, ledger.Count)
            .Select(i => ledger[i].TransfersPerSecond / ceilings.Max(c => c.Measurement.Slices[i].TransfersPerSecond)));
        return (ratio.ToString("P0", CultureInfo.InvariantCulture), ratio >= Target ? "PASS" : "FAIL");
    }

    private static List<ScenarioResult> Ceilings(ScenarioResult ledger, IReadOnlyList<ScenarioResult> results) =>
        [.. results.Where(c => c.Scenario.Side != Side.Ledger
            && c.Scenario with { Side = Side.Ledger } == ledger.Scenario
            && c.Measurement.Slices.Count == ledger.Measurement.Slices.Count)];

    private static string Row(params string[] cells) => "| " + string.Join(" | ", cells) + " |";

    private static string Int(double value) =>
        double.IsFinite(value) ? value.ToString("N0", CultureInfo.InvariantCulture) : "-";

    private static string Fixed(double value, int decimals) =>
        double.IsFinite(value) ? value.ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture) : "-";
}
