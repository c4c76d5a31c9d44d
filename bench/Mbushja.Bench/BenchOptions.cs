using System.Globalization;
using Mbushja.Storage;

namespace Mbushja.Bench;

/// <summary>What a run measures and for how long; read from the command line (see <see cref="Usage"/>).</summary>
internal sealed record BenchOptions
{
    public static BenchOptions Default { get; } = new();

    public const string Usage = """
        Mbushja.Bench: ledger transfers per second against the same database doing bare SQL (the ceiling).
        Run it through bench/run, which starts a throwaway PostgreSQL and passes --pg.

          --quick                 2 s per scenario after 0.5 s of warm-up, in 4 slices (default 5 s after 1 s, in 5 slices)
          --duration S            seconds measured per scenario
          --warmup S              seconds of warm-up per scenario (not measured; a quarter of it before each later slice)
          --slices N              the measured seconds come in N slices, the ceiling's and the ledger's taking turns
          --quiet-wait S          before each slice, wait up to S seconds (default 10; 2 minutes in all) for the machine's CPU
                                  use to drop below 20 % (0: do not wait)
          --engines LIST          sqlite,postgres (default both)
          --writers LIST          concurrent closed-loop writers (default 1,16)
          --workloads LIST        single,hot,linked (default all)
          --sides LIST            ledger,ceiling (default both)
          --accounts N            accounts in the random-pair pool (default 1000)
          --max-batch N           CommitQueueOptions.MaxBatch (default: the queue's own)
          --pg-writers N          CommitQueueOptions.PostgresWriters (default: the queue's own)
          --ledger-pg-extra S     appended to the ledger's PostgreSQL connection string, e.g. "Max Auto Prepare=16"
          --pg CONNSTRING         an admin connection to a PostgreSQL cluster; a fresh database is made per scenario
          --out FILE              also write the results table (markdown) to FILE
        """;

    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(5);

    public int Slices { get; init; } = 5;

    public TimeSpan QuietWait { get; init; } = TimeSpan.FromSeconds(10);

    public IReadOnlyList<DatabaseKind> Engines { get; init; } = [DatabaseKind.Sqlite, DatabaseKind.Postgres];

    public IReadOnlyList<int> Writers { get; init; } = [1, 16];

    public IReadOnlyList<Workload> Workloads { get; init; } = [Workload.Single, Workload.Hot, Workload.Linked];

    public IReadOnlyList<Side> Sides { get; init; } = [Side.Ceiling, Side.Ledger];

    public int Accounts { get; init; } = 1000;

    public int? MaxBatch { get; init; }

    public int? PostgresWriters { get; init; }

    public string? LedgerPostgresExtra { get; init; }

    public string? PostgresAdmin { get; init; }

    public string? OutFile { get; init; }

    public bool Help { get; init; }

    /// <summary>Reads the command line; returns the options or why they are wrong (never throws on bad input).</summary>
    public static (BenchOptions? Options, string? Error) Parse(IReadOnlyList<string> args)
    {
        BenchOptions o = Default;
        for (int i = 0; i < args.Count; i++)
        {
            string name = args[i];
            if (name is "--quick")
            {
                o = o with { Warmup = TimeSpan.FromSeconds(0.5), Duration = TimeSpan.FromSeconds(2), Slices = 4 };
                continue;
            }

            if (name is "--help" or "-h")
            {
                o = o with { Help = true };
                continue;
            }

            if (i + 1 >= args.Count)
            {
                return (null, $"{name} needs a value (or is unknown); see --help.");
            }

            string value = args[++i];
            (BenchOptions? next, string? error) = name switch
            {
                "--duration" => Seconds(value, s => o with { Duration = s }),
                "--warmup" => Seconds(value, s => o with { Warmup = s }),
                "--engines" => List(value, ParseEngine, l => o with { Engines = l }),
                "--writers" => List(value, ParsePositive, l => o with { Writers = l }),
                "--workloads" => List(value, ParseEnum<Workload>, l => o with { Workloads = l }),
                "--sides" => List(value, ParseEnum<Side>, l => o with { Sides = l }),
                "--quiet-wait" => Seconds(value, s => o with { QuietWait = s }),
                "--slices" => Positive(value, n => o with { Slices = n }),
                "--accounts" => Positive(value, n => o with { Accounts = Math.Max(n, 4) }),
                "--max-batch" => Positive(value, n => o with { MaxBatch = n }),
                "--pg-writers" => Positive(value, n => o with { PostgresWriters = n }),
                "--ledger-pg-extra" => (o with { LedgerPostgresExtra = value }, null),
                "--pg" => (o with { PostgresAdmin = value }, null),
                "--out" => (o with { OutFile = value }, null),
                _ => (null, $"Unknown option {name}; see --help."),
            };
            if (next is null)
            {
                return (null, error ?? $"Bad value '{value}' for {name}.");
            }

            o = next;
        }

        if (!o.Help && o.Engines.Contains(DatabaseKind.Postgres) && string.IsNullOrWhiteSpace(o.PostgresAdmin))
        {
            return (null, "PostgreSQL needs --pg (bench/run passes it), or leave it out with --engines sqlite.");
        }

        return (o, null);
    }

    private static (BenchOptions?, string?) Seconds(string value, Func<TimeSpan, BenchOptions> set) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double s) && s >= 0 && s <= 3600
            ? (set(TimeSpan.FromSeconds(s)), null)
            : (null, $"'{value}' is not a number of seconds.");

    private static (BenchOptions?, string?) Positive(string value, Func<int, BenchOptions> set) =>
        ParsePositive(value) is int n ? (set(n), null) : (null, $"'{value}' is not a positive whole number.");

    private static (BenchOptions?, string?) List<T>(string value, Func<string, T?> parse, Func<IReadOnlyList<T>, BenchOptions> set)
        where T : struct
    {
        var items = new List<T>();
        foreach (string part in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (parse(part) is not T item)
            {
                return (null, $"'{part}' is not a valid item in '{value}'.");
            }

            items.Add(item);
        }

        return items.Count == 0 ? (null, $"'{value}' lists nothing.") : (set(items), null);
    }

    private static int? ParsePositive(string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n > 0 ? n : null;

    private static T? ParseEnum<T>(string value)
        where T : struct, Enum =>
        Enum.TryParse(value, ignoreCase: true, out T parsed) && Enum.IsDefined(parsed) ? parsed : null;

    private static DatabaseKind? ParseEngine(string value) => value.ToUpperInvariant() switch
    {
        "SQLITE" => DatabaseKind.Sqlite,
        "POSTGRES" or "POSTGRESQL" or "PG" => DatabaseKind.Postgres,
        _ => null,
    };
}

/// <summary>The shape of the money movement a scenario repeats.</summary>
internal enum Workload
{
    /// <summary>One transfer per command, between random accounts of the pool.</summary>
    Single,

    /// <summary>One transfer per command, every one debiting the same hot account.</summary>
    Hot,

    /// <summary>Three linked transfers per command (all or nothing), between random accounts.</summary>
    Linked,
}

/// <summary>Who moves the money: the ledger, or bare SQL statements on the same schema (the ceiling).</summary>
internal enum Side
{
    /// <summary>Each writer its own transaction; on SQLite writers contend for the file lock (busy, retry).</summary>
    Ceiling,

    /// <summary>The ceiling with the writers taking turns through an in-process lock: SQLite's best without batching.</summary>
    QueuedCeiling,

    Ledger,
}
