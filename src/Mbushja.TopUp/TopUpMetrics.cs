using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Mbushja.TopUp;

/// <summary>
/// How long each step of an SMS top-up takes (<c>mbushja.sms.step.duration</c>, seconds, tagged by step: decide,
/// accept, hold, credit, capture, complete), for operators' dashboards and the benchmark's breakdown.
/// </summary>
public static class TopUpMetrics
{
    public const string MeterName = "Mbushja.TopUp";

    private static readonly Meter Meter = new(MeterName);

    private static readonly Histogram<double> StepDuration = Meter.CreateHistogram<double>(
        "mbushja.sms.step.duration", unit: "s", description: "Duration of one step of an SMS top-up.");

    internal static void Phase(string step, long startedTimestamp) =>
        StepDuration.Record(Stopwatch.GetElapsedTime(startedTimestamp).TotalSeconds, new KeyValuePair<string, object?>("step", step));
}
