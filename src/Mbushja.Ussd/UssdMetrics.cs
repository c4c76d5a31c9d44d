using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Mbushja.Ussd;

/// <summary>
/// How long each phase of a USSD step takes (<c>mbushja.ussd.step.duration</c>, seconds, tagged by phase: read,
/// decide, write, remember (a step kept in this server's memory only), pay, reply), for operators' dashboards and the
/// benchmark's breakdown.
/// </summary>
public static class UssdMetrics
{
    public const string MeterName = "Mbushja.Ussd";

    private static readonly Meter Meter = new(MeterName);

    private static readonly Histogram<double> PhaseDuration = Meter.CreateHistogram<double>(
        "step.duration", unit: "s", description: "Duration of one phase of a USSD step.");

    internal static void Phase(string phase, long startedTimestamp) =>
        PhaseDuration.Record(Stopwatch.GetElapsedTime(startedTimestamp).TotalSeconds, new KeyValuePair<string, object?>("phase", phase));
}
