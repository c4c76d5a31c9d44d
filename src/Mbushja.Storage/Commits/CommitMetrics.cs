using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Mbushja.Storage.Commits;

/// <summary>
/// The group commit as operators see it: requests per committed batch (<c>mbushja.commit.batch.size</c>) and how long
/// a batch takes from its first statement to its commit (<c>mbushja.commit.batch.duration</c>, s; on SQLite the sync
/// to disk follows the commit, shared with the batches committed meanwhile).
/// </summary>
public static class CommitMetrics
{
    public const string MeterName = "Mbushja.Commit";

    private static readonly Meter Meter = new(MeterName);

    private static readonly Histogram<int> BatchSize = Meter.CreateHistogram<int>(
        "batch.size", unit: "{request}", description: "Requests committed in one database transaction.");

    private static readonly Histogram<double> BatchDuration = Meter.CreateHistogram<double>(
        "batch.duration", unit: "s", description: "From a batch's first statement to its commit.");

    internal static void Batch(int requests, long startedTimestamp)
    {
        BatchSize.Record(requests);
        BatchDuration.Record(Stopwatch.GetElapsedTime(startedTimestamp).TotalSeconds);
    }
}
