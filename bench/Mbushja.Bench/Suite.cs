using System.Diagnostics;
using System.Globalization;
using Mbushja.Ledger;
using Mbushja.Storage;
using Mbushja.Storage.Commits;

namespace Mbushja.Bench;

/// <summary>One scenario: who moves the money, on which engine, with how many writers, in which shape.</summary>
internal sealed record Scenario(Side Side, DatabaseKind Engine, int Writers, Workload Workload)
{
    public string Name => (Side switch
    {
        Side.Ledger => "ledger ",
        Side.Ceiling => "ceiling ",
        _ => "ceiling-queued ",
    }) + Workload.ToString().ToLowerInvariant();

    public string EngineName => Engine == DatabaseKind.Sqlite ? "sqlite" : "postgres";
}

/// <summary>What the database held after a scenario, against what it must hold.</summary>
internal sealed record Invariants(LedgerTotals Totals, long ExpectedTransfers)
{
    public bool Hold => Totals.BalanceSum == 0 && Totals.OverdrawnAccounts == 0
        && Totals.PendingDebitSum == Totals.PendingCreditSum && Totals.Transfers == ExpectedTransfers;

    public override string ToString() =>
        $"{(Hold ? "ok" : "BROKEN")}: balance sum {Totals.BalanceSum}, overdrawn {Totals.OverdrawnAccounts}, "
        + $"transfers {Totals.Transfers.ToString(CultureInfo.InvariantCulture)} (expected {ExpectedTransfers.ToString(CultureInfo.InvariantCulture)})";
}

/// <param name="BackgroundCpuPercent">The highest CPU use of the machine seen just before a slice, the bench idle: other load.</param>
/// <param name="EngineRetries">Batches the ledger retried and commands it failed (its log), over the whole run.</param>
internal sealed record ScenarioResult(Scenario Scenario, Measurement Measurement, Invariants Invariants, double BackgroundCpuPercent, long EngineRetries);

/// <summary>
/// Runs every scenario the options ask for. The sides of one configuration (ceiling and ledger, each on its own
/// fresh database) take turns in short slices, ABAB, so that other load on the machine falls on both alike.
/// </summary>
internal sealed class Suite(BenchOptions options, TextWriter output)
{
    private readonly AccountPool _pool = new(options.Accounts);
    private readonly TextWriter _output = output;

    public CommitQueueOptions LedgerOptions { get; } = CommitQueueOptions.Default with
    {
        MaxBatch = options.MaxBatch ?? CommitQueueOptions.Default.MaxBatch,
        PostgresWriters = options.PostgresWriters ?? CommitQueueOptions.Default.PostgresWriters,
    };

    public async Task<List<ScenarioResult>> RunAsync()
    {
        var results = new List<ScenarioResult>();
        TimeSpan slice = options.Duration / options.Slices;
        foreach (DatabaseKind engine in options.Engines)
        {
            await using (BenchDatabase probe = await CreateDatabaseAsync(engine, Side.Ceiling))
            {
                _output.WriteLine($"{Name(engine)}: {await probe.DescribeDurabilityAsync()}");
            }

            // Every code path once, unmeasured, so that the JIT has tiered up before the first measured scenario
            // (otherwise whichever side runs first pays for the compiler).
            foreach (Workload workload in options.Workloads)
            {
                await RunConfigurationAsync(engine, options.Writers.Max(), workload, 1, TimeSpan.Zero, options.Warmup + options.Warmup);
            }

            foreach (int writers in options.Writers)
            {
                foreach (Workload workload in options.Workloads)
                {
                    foreach (ScenarioResult result in await RunConfigurationAsync(engine, writers, workload, options.Slices, options.Warmup, slice))
                    {
                        results.Add(result);
                        Measurement m = result.Measurement;
                        _output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                            $"  {result.Scenario.Name,-21} {result.Scenario.EngineName,-8} {writers,2} writers: {m.TransfersPerSecond,7:F0} transfers/s "
                            + $"(slices {m.Spread.Min:F0}..{m.Spread.Max:F0}), p50 {m.P50Ms,6:F2} ms, p99 {m.P99Ms,7:F2} ms, "
                            + $"{m.AverageBatch ?? 1,5:F1} commands/tx; {result.Invariants}"));
                    }
                }
            }
        }

        return results;
    }

    /// <summary>The sides of one configuration, in turns; the ceiling-queued side only where writers queue on a file lock.</summary>
    private async Task<List<ScenarioResult>> RunConfigurationAsync(
        DatabaseKind engine, int writers, Workload workload, int slices, TimeSpan firstWarmup, TimeSpan slice)
    {
        var sides = new List<Side>(options.Sides);
        if (engine == DatabaseKind.Sqlite && writers > 1 && sides.Contains(Side.Ceiling))
        {
            sides.Insert(sides.IndexOf(Side.Ceiling) + 1, Side.QueuedCeiling);
        }

        var runs = new List<SideRun>();
        try
        {
            foreach (Side side in sides)
            {
                runs.Add(await SideRun.StartAsync(new Scenario(side, engine, writers, workload), this));
            }

            var background = new List<double>();
            TimeSpan laterWarmup = options.Warmup / 4;
            for (int i = 0; i < slices; i++)
            {
                background.Add(await WaitForQuietAsync());
                for (int j = 0; j < runs.Count; j++)
                {
                    SideRun run = runs[(i + j) % runs.Count];
                    GC.Collect();
                    run.Slices.Add(await ClosedLoop.RunAsync(
                        writers, i == 0 ? firstWarmup : laterWarmup, slice, run.Writer, run.DedicatedThreads, run.Batches));
                }
            }

            var results = new List<ScenarioResult>();
            foreach (SideRun run in runs)
            {
                results.Add(await run.FinishAsync(background.Max()));
            }

            return results;
        }
        finally
        {
            foreach (SideRun run in runs)
            {
                await run.DisposeAsync();
            }
        }
    }

    private Task<BenchDatabase> CreateDatabaseAsync(DatabaseKind engine, Side side) =>
        BenchDatabase.CreateAsync(engine, options.PostgresAdmin, side == Side.Ledger ? options.LedgerPostgresExtra : null, _pool);

    /// <summary>
    /// Waits (at most <see cref="BenchOptions.QuietWait"/>, and <see cref="QuietBudget"/> over the whole run) for the
    /// machine to be quiet: the CPU use of other programs, and of the databases' own after-work (autovacuum,
    /// checkpoints), below <see cref="QuietPercent"/>. Returns the last use seen.
    /// </summary>
    private async Task<double> WaitForQuietAsync()
    {
        long started = Stopwatch.GetTimestamp();
        TimeSpan limit = options.QuietWait < QuietBudget - QuietWaited ? options.QuietWait : QuietBudget - QuietWaited;
        try
        {
            while (true)
            {
                CpuTimes before = CpuTimes.Read();
                await Task.Delay(TimeSpan.FromMilliseconds(200));
                CpuTimes after = CpuTimes.Read();
                long total = after.Total - before.Total;
                double busy = total > 0 ? 100.0 * (after.Busy - before.Busy) / total : 0;
                if (busy < QuietPercent || Stopwatch.GetElapsedTime(started) >= limit)
                {
                    return busy;
                }
            }
        }
        finally
        {
            QuietWaited += Stopwatch.GetElapsedTime(started);
        }
    }

    private const double QuietPercent = 20;

    private static readonly TimeSpan QuietBudget = TimeSpan.FromMinutes(2);

    /// <summary>How long the run waited for other load to pass.</summary>
    public TimeSpan QuietWaited { get; private set; }

    private static string Name(DatabaseKind engine) => engine == DatabaseKind.Sqlite ? "sqlite" : "postgres";

    /// <summary>One side of a configuration: its database, its ledger (if it is the ledger's side) and its slices.</summary>
    private sealed class SideRun : IAsyncDisposable
    {
        private readonly Suite _suite;
        private readonly BenchDatabase _database;
        private readonly CommitQueue? _engine;
        private readonly CountingClock? _clock;
        private readonly CountingLogger? _log;
        private bool _engineStopped;

        private SideRun(Suite suite, Scenario scenario, BenchDatabase database)
        {
            _suite = suite;
            _database = database;
            Scenario = scenario;
            if (scenario.Side == Side.Ledger)
            {
                _clock = new CountingClock();
                _log = new CountingLogger();
                _engine = new CommitQueue(database.Database, _clock, suite.LedgerOptions, _log);
                Writer = LedgerSide.Writer(new LedgerEngine(_engine), suite._pool, scenario.Workload);
            }
            else
            {
                Writer = CeilingSide.Writer(database.Database, suite._pool, scenario.Workload, scenario.Side == Side.QueuedCeiling ? new Lock() : null);
            }
        }

        public Scenario Scenario { get; }

        public ClosedLoop.Writer Writer { get; }

        /// <summary>The ceiling blocks in synchronous ADO.NET calls: one thread per writer. The ledger's callers are async.</summary>
        public bool DedicatedThreads => _engine is null;

        public Func<long> Batches => _clock is null ? () => 0 : () => _clock.Reads;

        public List<Slice> Slices { get; } = [];

        public static async Task<SideRun> StartAsync(Scenario scenario, Suite suite) =>
            new(suite, scenario, await suite.CreateDatabaseAsync(scenario.Engine, scenario.Side));

        /// <summary>Stops the ledger (every command is then answered) and checks what the database holds.</summary>
        public async Task<ScenarioResult> FinishAsync(double background)
        {
            await StopEngineAsync();
            var m = new Measurement(Slices);
            LedgerTotals totals = await new LedgerQueries(_database.Database).GetTotalsAsync();
            if (_log?.FirstReason is { } reason)
            {
                _suite._output.WriteLine($"  ({Scenario.Name}: the ledger retried {_log.Retries} batches, failed {_log.Failures} commands; first reason: {reason})");
            }

            return new ScenarioResult(
                Scenario, m, new Invariants(totals, _suite._pool.SeedTransfers + m.CommittedTransfers), background,
                (_log?.Retries ?? 0) + (_log?.Failures ?? 0));
        }

        private async Task StopEngineAsync()
        {
            if (_engine is not null && !_engineStopped)
            {
                _engineStopped = true;
                await _engine.DisposeAsync();
            }
        }

        public async ValueTask DisposeAsync()
        {
            await StopEngineAsync();
            await _database.DisposeAsync();
        }
    }
}
