using System.Globalization;
using Mbushja.Bench.Crash;

// bench/crash (bench/README.md "Crash"): real server processes SIGKILLed and started again under SMS Top Up load
// through a faulty bank; every message's replies counted (lost, doubled), answer times, 503s and 500s, the books.
(CrashOptions? options, string? error) = CrashOptions.Parse(args);
if (options is null)
{
    Console.Error.WriteLine($"bench/crash: {error}{Environment.NewLine}usage: {CrashOptions.Usage}");
    return 2;
}

var results = new List<LayoutResult>();
foreach (Layout layout in options.Layouts)
{
    results.Add(await CrashRun.RunAsync(layout, options, Console.WriteLine));
}

static string S(double seconds) => seconds.ToString("0.00", CultureInfo.InvariantCulture);

var lines = new List<string>
{
    $"# bench/crash {DateTimeOffset.UtcNow:u}",
    "",
    string.Create(
        CultureInfo.InvariantCulture,
        $"{options.Rate:0.#} messages/s (half JSON, half Kannel sms-service), {options.Holders} holders, bank answering in {options.BankLatency.TotalMilliseconds:0} ms with faults on {options.BankFaults:P0} of its requests, "
        + $"gateway timeout {options.GatewayTimeout.TotalSeconds:0} s, Retry-After capped at {options.RetryAfterCap.TotalSeconds:0} s, "
        + $"kills every {options.KillGap.Min:0.#}-{options.KillGap.Max:0.#} s, Kannel replies via {options.KannelReplyVia}")
        + (options.ServerArgs.Count > 0 ? $", server arguments: {string.Join(' ', options.ServerArgs)}" : ""),
    "",
    "| layout | messages | kills | lost | doubled | via sendsms | p50 s | p99 s | max s | > 15 s | 503 | 500 | refused / dropped / timeout | books | checks |",
    "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|---|",
};
foreach (LayoutResult r in results)
{
    int A(string key) => r.Answers.GetValueOrDefault(key);
    lines.Add(string.Create(
        CultureInfo.InvariantCulture,
        $"| {r.Layout} | {r.Messages} | {r.Kills.Count} | {r.Lost} | {r.Doubled} | {r.ViaSink} | {S(r.P50)} | {S(r.P99)} | {S(r.Max)} | {r.Slow} | {A("503")} | {A("500")} | "
        + $"{A("refused")} / {A("dropped")} / {A("timeout")} | {(r.BooksOk ? "balanced" : "OFF")} | {(r.Failures.Count == 0 ? "PASS" : "FAIL")} |"));
}

lines.Add("");
foreach (LayoutResult r in results)
{
    lines.Add(string.Create(CultureInfo.InvariantCulture, $"- **{r.Layout}**: {(r.Failures.Count == 0 ? "every check passed" : string.Join("; ", r.Failures))}"));
    lines.Add(string.Create(
        CultureInfo.InvariantCulture,
        $"  - kills: {string.Join(", ", r.Kills.Select(k => $"server {k.Server} at {k.At.TotalSeconds:0.0} s (ready {k.ReadyAfter.TotalSeconds:0.0} s later)"))}"));
    lines.Add($"  - answers: {string.Join(", ", r.Answers.OrderBy(a => a.Key, StringComparer.Ordinal).Select(a => $"{a.Key}: {a.Value}"))}");
    lines.Add($"  - messages: {string.Join(", ", r.States.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => $"{s.Key} {s.Value}"))}; gave up by the gateways: {r.GaveUp}");
    lines.Add(string.Create(
        CultureInfo.InvariantCulture,
        $"  - drain: every message answered {r.AnsweredAfter.TotalSeconds:0.0} s after the load stopped, the servers done {r.SettledAfter.TotalSeconds:0.0} s after; "
        + $"sink replies matching no message {r.Unattributed}, matching several (same holder, same text) {r.Ambiguous}"));
    lines.Add($"  - bank faults met: {string.Join(", ", r.BankFaults.OrderBy(f => f.Key).Select(f => $"{f.Key} {f.Value}"))}");
    lines.Add($"  - books: {r.Books}");
}

lines.Add("");
lines.Add("Checks: no message without a reply, none with two, p99 from the first send to the first answer or sendsms reply ≤ 15 s, no 5xx but 503, books balanced.");

Console.WriteLine();
foreach (string line in lines)
{
    Console.WriteLine(line);
}

if (options.Out is not null)
{
    await File.WriteAllLinesAsync(options.Out, lines);
}

return results.All(r => r.Failures.Count == 0) ? 0 : 1;
