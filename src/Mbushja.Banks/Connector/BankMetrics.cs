using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Mbushja.Banks.Connector;

/// <summary>
/// Calls to banks as operators see them (meter <c>Mbushja.Banks</c>): <c>mbushja.bank.calls</c> counts calls by bank,
/// operation and outcome (the answer's status word, or <c>no_answer</c> after every attempt), and
/// <c>mbushja.bank.call.duration</c> (s) how long a call took across its attempts.
/// </summary>
public static class BankMetrics
{
    public const string MeterName = "Mbushja.Bank";

    /// <summary>The outcome of a call that got no usable answer (timeouts, 5xx, unsigned or malformed answers).</summary>
    public const string NoAnswer = "no_answer";

    private static readonly Meter Meter = new(MeterName);

    private static readonly Counter<long> Calls = Meter.CreateCounter<long>(
        "calls", unit: "{call}", description: "Bank connector calls by bank, operation and outcome.");

    private static readonly Histogram<double> CallDuration = Meter.CreateHistogram<double>(
        "call.duration", unit: "s", description: "Duration of one bank connector call, its retries included.");

    internal static void Call(string bank, string operation, string outcome) =>
        Calls.Add(1, new("bank", bank), new("operation", operation.ToLowerInvariant()), new("outcome", outcome));

    internal static void Duration(string bank, string operation, long startedTimestamp) =>
        CallDuration.Record(Stopwatch.GetElapsedTime(startedTimestamp).TotalSeconds, new("bank", bank), new("operation", operation.ToLowerInvariant()));
}
