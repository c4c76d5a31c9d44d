using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Mbushja.TopUp;

/// <summary>
/// How long each step of an SMS top-up takes (the messages themselves are counted by <see cref="Messaging.MessageMetrics"/>) (<c>mbushja.sms.step.duration</c>, seconds, tagged by step: decide,
/// accept, hold, credit, capture, complete), for operators' dashboards and the benchmark's breakdown.
/// </summary>
public static class TopUpMetrics
{
    public const string MeterName = "Mbushja.Sms";

    private static readonly Meter Meter = new(MeterName);

    private static readonly Histogram<double> StepDuration = Meter.CreateHistogram<double>(
        "step.duration", unit: "s", description: "Duration of one step of an SMS top-up.");

    private static readonly Counter<long> Reversals = Meter.CreateCounter<long>(
        "reversals", unit: "{reversal}", description: "Reversals asked, by bank and outcome (reversed, or the refusal's code).");

    private static readonly Counter<long> Refunds = Meter.CreateCounter<long>(
        "refunds", unit: "{refund}", description: "Refund answers recorded for reversals, by bank and state (refunded, rejected, no_answer).");

    internal static void Reversal(string bank, string outcome) => Reversals.Add(1, new("bank", bank), new("outcome", outcome));

    internal static void Refund(string bank, string state) => Refunds.Add(1, new("bank", bank), new("state", state));

    internal static void Phase(string step, long startedTimestamp) =>
        StepDuration.Record(Stopwatch.GetElapsedTime(startedTimestamp).TotalSeconds, new KeyValuePair<string, object?>("step", step));
}
