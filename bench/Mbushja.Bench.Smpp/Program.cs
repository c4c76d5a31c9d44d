using System.Globalization;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Mbushja.Bench.Smpp;

// In-process: the benchmark runs in this (Release) process instead of a generated project that BenchmarkDotNet would
// have to restore and build under the repository's build rules. One thread: figures are per core.
bool quick = args.Contains("--quick");
Job job = (quick ? Job.ShortRun : Job.Default).WithToolchain(InProcessEmitToolchain.Instance);
IConfig config = DefaultConfig.Instance.AddJob(job).WithOptions(ConfigOptions.DisableOptimizationsValidator);
string[] rest = [.. args.Where(a => a != "--quick")];

Summary summary = BenchmarkRunner.Run<DecodeBenchmarks>(config, rest);

const double Target = 1_000_000;
Console.WriteLine();
Console.WriteLine("| PDU | mean ns/decode | decodes/s per core | allocated B/decode | target 1,000,000/s |");
Console.WriteLine("|---|---:|---:|---:|---|");
bool allMet = true;
foreach (BenchmarkReport report in summary.Reports)
{
    if (report.ResultStatistics is not { } statistics)
    {
        Console.WriteLine($"| {report.BenchmarkCase.Descriptor.WorkloadMethod.Name} | failed | | | |");
        allMet = false;
        continue;
    }

    double perSecond = 1e9 / statistics.Mean;
    long allocated = report.GcStats.GetBytesAllocatedPerOperation(report.BenchmarkCase) ?? -1;
    bool met = perSecond >= Target;
    allMet &= met;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"| {report.BenchmarkCase.Descriptor.WorkloadMethod.Name} | {statistics.Mean:F1} | {perSecond:N0} | {allocated} | {(met ? "met" : "NOT met")} |"));
}

return allMet ? 0 : 1;
