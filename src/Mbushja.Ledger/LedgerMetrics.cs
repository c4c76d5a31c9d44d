using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Mbushja.Ledger;

/// <summary>
/// The ledger's group commit as operators see it: commands per committed batch (<c>mbushja.ledger.batch.size</c>) and
/// how long a batch takes from its first statement to its commit (<c>mbushja.ledger.batch.duration</c>, s; on SQLite the
/// sync to disk follows the commit, shared with the batches committed meanwhile).
/// </summary>
public static class LedgerMetrics
{
    public const string MeterName = "Mbushja.Ledger";

    private static readonly Meter Meter = new(MeterName);

    private static readonly Histogram<int> BatchSize = Meter.CreateHistogram<int>(
        "mbushja.ledger.batch.size", unit: "{command}", description: "Commands committed in one database transaction.");

    private static readonly Histogram<double> BatchDuration = Meter.CreateHistogram<double>(
        "mbushja.ledger.batch.duration", unit: "s", description: "From a batch's first statement to its commit.");

    internal static void Batch(int commands, long startedTimestamp)
    {
        BatchSize.Record(commands);
        BatchDuration.Record(Stopwatch.GetElapsedTime(startedTimestamp).TotalSeconds);
    }
}
