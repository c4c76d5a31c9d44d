using System.Diagnostics;

namespace Mbushja.Bench;

/// <summary>
/// The clock of one scenario: a warm-up, then a measured window. A command counts when it completes inside the
/// window; writers stop starting commands when the window closes.
/// </summary>
internal sealed class RunWindow(TimeSpan warmup, TimeSpan duration)
{
    private readonly long _start = Stopwatch.GetTimestamp();

    public long MeasureStart => _start + Ticks(warmup);

    public long MeasureEnd => MeasureStart + Ticks(duration);

    public TimeSpan Duration => duration;

    public bool Running => Stopwatch.GetTimestamp() < MeasureEnd;

    private static long Ticks(TimeSpan span) => (long)(span.TotalSeconds * Stopwatch.Frequency);
}

/// <summary>What one writer did; only that writer touches it while the run goes on.</summary>
internal sealed class WriterStats(RunWindow window)
{
    public List<long> Latencies { get; } = new(1 << 14);

    /// <summary>Commands and transfers completed inside the measured window.</summary>
    public long Commands { get; private set; }

    public long Transfers { get; private set; }

    /// <summary>Transfers committed over the whole run (warm-up included), for the end-of-run checks.</summary>
    public long CommittedTransfers { get; private set; }

    /// <summary>Commands refused, failed, or (for the ceiling) transactions retried.</summary>
    public long Errors { get; set; }

    public void Record(long started, long ended, int transfers)
    {
        CommittedTransfers += transfers;
        if (ended >= window.MeasureStart && ended < window.MeasureEnd)
        {
            Commands++;
            Transfers += transfers;
            Latencies.Add(ended - started);
        }
    }
}

/// <summary>Process and machine counters at one instant, to turn into per-command costs.</summary>
internal readonly record struct Snapshot(long Timestamp, TimeSpan ProcessCpu, long AllocatedBytes, CpuTimes Machine, long Batches)
{
    public static Snapshot Take(Func<long> batches)
    {
        using var process = Process.GetCurrentProcess();
        return new(Stopwatch.GetTimestamp(), process.TotalProcessorTime, GC.GetTotalAllocatedBytes(), CpuTimes.Read(), batches());
    }
}

/// <summary>The raw figures of one measured window (a slice of a scenario).</summary>
internal sealed record Slice(
    double Seconds,
    long Commands,
    long Transfers,
    long[] Latencies,
    long Errors,
    long CommittedTransfers,
    CpuTimes Machine,
    TimeSpan ProcessCpu,
    long AllocatedBytes,
    long Batches)
{
    public double TransfersPerSecond => Transfers / Seconds;
}

/// <summary>
/// The figures of one scenario over its slices. Rates are the median of the slices' rates (a burst of other load
/// on the machine spoils a slice, not the figure); latencies and costs are over every measured command.
/// </summary>
internal sealed record Measurement(IReadOnlyList<Slice> Slices)
{
    private readonly long[] _latencies = Sorted(Slices);

    public long Commands => Slices.Sum(s => s.Commands);

    public double TransfersPerSecond => Median(Slices.Select(s => s.TransfersPerSecond));

    public double CommandsPerSecond => TransfersPerSecond * Commands / Math.Max(1, Slices.Sum(s => s.Transfers));

    /// <summary>The slowest and fastest slice, transfers per second: how much the machine's other load moved the figure.</summary>
    public (double Min, double Max) Spread => (Slices.Min(s => s.TransfersPerSecond), Slices.Max(s => s.TransfersPerSecond));

    public double MeanMs => _latencies.Length == 0 ? double.NaN : _latencies.Average() * 1000.0 / Stopwatch.Frequency;

    public double P50Ms => Percentile(0.50);

    public double P99Ms => Percentile(0.99);

    /// <summary>Refused or failed commands and retried transactions, over the whole run (warm-up included).</summary>
    public long Errors => Slices.Sum(s => s.Errors);

    public long CommittedTransfers => Slices.Sum(s => s.CommittedTransfers);

    public double MachineCpuPercent => Ratio(100.0 * Slices.Sum(s => s.Machine.Busy), Slices.Sum(s => s.Machine.Total));

    /// <summary>CPU time of the bench process (ledger or ADO.NET client, user and kernel) per command.</summary>
    public double ProcessCpuUsPerCommand => Ratio(Slices.Sum(s => s.ProcessCpu.TotalMicroseconds), Commands);

    public double AllocatedBytesPerCommand => Ratio(Slices.Sum(s => s.AllocatedBytes), Commands);

    /// <summary>Commands per database transaction, when the transactions were counted.</summary>
    public double? AverageBatch => Slices.Sum(s => s.Batches) is > 0 and long b ? (double)Commands / b : null;

    public static double Median(IEnumerable<double> values)
    {
        double[] v = [.. values.Order()];
        return v.Length == 0 ? double.NaN : v.Length % 2 == 1 ? v[v.Length / 2] : (v[(v.Length / 2) - 1] + v[v.Length / 2]) / 2;
    }

    private double Percentile(double p) =>
        _latencies.Length == 0 ? double.NaN : _latencies[Math.Min(_latencies.Length - 1, (int)(p * _latencies.Length))] * 1000.0 / Stopwatch.Frequency;

    private static double Ratio(double numerator, double denominator) => denominator > 0 ? numerator / denominator : double.NaN;

    private static long[] Sorted(IReadOnlyList<Slice> slices)
    {
        long[] all = [.. slices.SelectMany(s => s.Latencies)];
        Array.Sort(all);
        return all;
    }
}

/// <summary>Runs N writers in a closed loop (each submits, waits, submits the next) through a warm-up and a window.</summary>
internal static class ClosedLoop
{
    /// <summary>A writer: loops while <see cref="RunWindow.Running"/>, recording each command in its stats.</summary>
    public delegate Task Writer(int index, RunWindow window, WriterStats stats);

    /// <param name="dedicatedThreads">Run each writer on its own thread: for writers that block (synchronous I/O).</param>
    /// <param name="batches">A counter of database transactions, read at both ends of the window; zero when unknown.</param>
    public static async Task<Slice> RunAsync(
        int writers, TimeSpan warmup, TimeSpan duration, Writer writer, bool dedicatedThreads, Func<long> batches)
    {
        var window = new RunWindow(warmup, duration);
        var stats = Enumerable.Range(0, writers).Select(_ => new WriterStats(window)).ToArray();
        Task[] tasks = [.. Enumerable.Range(0, writers).Select(i => dedicatedThreads
            ? Task.Factory.StartNew(() => writer(i, window, stats[i]), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap()
            : Task.Run(() => writer(i, window, stats[i])))];

        await DelayUntilAsync(window.MeasureStart, tasks);
        Snapshot first = Snapshot.Take(batches);
        await DelayUntilAsync(window.MeasureEnd, tasks);
        Snapshot last = Snapshot.Take(batches);
        await Task.WhenAll(tasks);

        return new Slice(
            window.Duration.TotalSeconds,
            stats.Sum(s => s.Commands),
            stats.Sum(s => s.Transfers),
            [.. stats.SelectMany(s => s.Latencies)],
            stats.Sum(s => s.Errors),
            stats.Sum(s => s.CommittedTransfers),
            new CpuTimes(last.Machine.Busy - first.Machine.Busy, last.Machine.Total - first.Machine.Total),
            last.ProcessCpu - first.ProcessCpu,
            last.AllocatedBytes - first.AllocatedBytes,
            last.Batches - first.Batches);
    }

    /// <summary>Waits for a moment of the run; a writer that fails ends the wait (and the run) at once.</summary>
    private static async Task DelayUntilAsync(long timestamp, Task[] writers)
    {
        TimeSpan wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), timestamp);
        if (wait > TimeSpan.Zero)
        {
            await Task.WhenAny(Task.WhenAny(writers), Task.Delay(wait));
        }

        if (writers.FirstOrDefault(t => t.IsFaulted) is { } failed)
        {
            await failed;
        }
    }
}
