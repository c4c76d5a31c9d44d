using System.Globalization;

namespace Mbushja.Bench.Crash;

/// <summary>One layout the harness runs: an engine and how many servers share its database.</summary>
internal sealed record Layout(string Engine, int Servers)
{
    public override string ToString() => $"{Engine} ×{Servers}";
}

/// <summary>What <c>bench/crash</c> was asked for (bench/README.md "Crash"). Immutable; <see cref="Parse"/> reads the command line.</summary>
internal sealed record CrashOptions
{
    public const string Usage =
        "bench/crash [--engine sqlite|postgres] [--servers N] [--kills N] [--rate R] [--holders N] [--bank-latency MS] [--bank-faults F] "
        + "[--kill-gap MIN-MAX] [--gateway-timeout S] [--retry-after-cap S] [--drain-timeout S] [--kannel-reply-via response|sendsms] "
        + "[--server-arg ARG]... [--keep] [--out FILE]";

    /// <summary>The layouts in turn: SQLite with one server; PostgreSQL with two and with three on one database.</summary>
    public IReadOnlyList<Layout> Layouts { get; init; } = [new("sqlite", 1), new("postgres", 2), new("postgres", 3)];

    /// <summary>SIGKILLs per layout.</summary>
    public int Kills { get; init; } = 5;

    /// <summary>Seconds between two kills, drawn at random in this range (the first after as long again for warm-up).</summary>
    public (double Min, double Max) KillGap { get; init; } = (3, 6);

    /// <summary>New messages per second from all gateways together (open loop: they arrive whatever the servers do).</summary>
    public double Rate { get; init; } = 25;

    /// <summary>Subscribers registered at the bank who send top-ups.</summary>
    public int Holders { get; init; } = 300;

    /// <summary>How long the bank takes to answer every request (a real bank is not instant: a crash catches this many top-ups in flight).</summary>
    public TimeSpan BankLatency { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>The share of bank requests that meet a fault (slow, 5xx, applied then dropped, no answer).</summary>
    public double BankFaults { get; init; } = 0.08;

    /// <summary>How long a gateway waits for an answer before it gives up on the request and resends.</summary>
    public TimeSpan GatewayTimeout { get; init; } = TimeSpan.FromSeconds(35);

    /// <summary>The longest Retry-After a gateway honours.</summary>
    public TimeSpan RetryAfterCap { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>After the load stops: how long every message may take to be answered, and the servers to finish and send what is left.</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(180);

    /// <summary>The servers' <c>--kannel-reply-via</c>.</summary>
    public string KannelReplyVia { get; init; } = "response";

    /// <summary>Arguments added to every server's command line (e.g. timings a later version takes as flags).</summary>
    public IReadOnlyList<string> ServerArgs { get; init; } = [];

    /// <summary>The built server: <c>mbushja.dll</c> (bench/crash builds it).</summary>
    public string? ServerDll { get; init; }

    /// <summary>An admin connection string to a PostgreSQL cluster; each layout gets a database of its own in it.</summary>
    public string? Postgres { get; init; }

    /// <summary>Leave the data folders, server logs and PostgreSQL databases behind (they are kept anyway when a check fails).</summary>
    public bool Keep { get; init; }

    public string? Out { get; init; }

    /// <summary>The options, or the reason they cannot be used.</summary>
    public static (CrashOptions? Options, string? Error) Parse(string[] args)
    {
        var options = new CrashOptions();
        string? engine = null;
        int? servers = null;
        var serverArgs = new List<string>();
        try
        {
            for (int i = 0; i < args.Length; i++)
            {
                string Next() => i + 1 < args.Length ? args[++i] : throw new FormatException($"{args[i]} needs a value.");
                double Number() => double.Parse(Next(), CultureInfo.InvariantCulture);
                switch (args[i])
                {
                    case "--engine":
                        engine = Next();
                        break;
                    case "--servers":
                        servers = (int)Number();
                        break;
                    case "--kills":
                        options = options with { Kills = (int)Number() };
                        break;
                    case "--kill-gap":
                        string[] gap = Next().Split('-');
                        options = options with
                        {
                            KillGap = (double.Parse(gap[0], CultureInfo.InvariantCulture), double.Parse(gap[^1], CultureInfo.InvariantCulture)),
                        };
                        break;
                    case "--rate":
                        options = options with { Rate = Number() };
                        break;
                    case "--holders":
                        options = options with { Holders = (int)Number() };
                        break;
                    case "--bank-latency":
                        options = options with { BankLatency = TimeSpan.FromMilliseconds(Number()) };
                        break;
                    case "--bank-faults":
                        options = options with { BankFaults = Number() };
                        break;
                    case "--gateway-timeout":
                        options = options with { GatewayTimeout = TimeSpan.FromSeconds(Number()) };
                        break;
                    case "--retry-after-cap":
                        options = options with { RetryAfterCap = TimeSpan.FromSeconds(Number()) };
                        break;
                    case "--drain-timeout":
                        options = options with { DrainTimeout = TimeSpan.FromSeconds(Number()) };
                        break;
                    case "--kannel-reply-via":
                        options = options with { KannelReplyVia = Next() };
                        break;
                    case "--server-arg":
                        serverArgs.Add(Next());
                        break;
                    case "--server-dll":
                        options = options with { ServerDll = Next() };
                        break;
                    case "--pg":
                        options = options with { Postgres = Next() };
                        break;
                    case "--keep":
                        options = options with { Keep = true };
                        break;
                    case "--out":
                        options = options with { Out = Next() };
                        break;
                    default:
                        return (null, $"unknown option {args[i]}");
                }
            }
        }
        catch (FormatException e)
        {
            return (null, e.Message);
        }

        if (engine is not (null or "sqlite" or "postgres"))
        {
            return (null, "--engine is sqlite or postgres");
        }

        if (engine == "sqlite" && servers is > 1)
        {
            return (null, "SQLite is one server's database: --servers 1 with --engine sqlite");
        }

        if (servers is < 1)
        {
            return (null, "--servers is at least 1");
        }

        // --servers N alone: PostgreSQL with N servers (and SQLite's one when N is 1).
        List<Layout> layouts = (engine, servers) switch
        {
            (null, null) => [.. options.Layouts],
            ("sqlite", _) => [new("sqlite", 1)],
            ("postgres", null) => [new("postgres", 2), new("postgres", 3)],
            ("postgres", { } n) => [new("postgres", n)],
            (_, 1) => [new("sqlite", 1), new("postgres", 1)],
            (_, { } n) => [new("postgres", n)],
            _ => [],
        };
        options = options with { Layouts = layouts, ServerArgs = serverArgs };
        if (options.Kills < 0 || options.Rate <= 0 || options.Holders < 1 || options.BankFaults is < 0 or > 1 || options.BankLatency.TotalMilliseconds is < 0 or > 60_000 || options.KillGap.Min <= 0 || options.KillGap.Max < options.KillGap.Min)
        {
            return (null, "--kills ≥ 0, --rate > 0, --holders ≥ 1, --bank-latency 0..60000 ms, --bank-faults in 0..1, --kill-gap MIN-MAX with 0 < MIN ≤ MAX");
        }

        if (options.KannelReplyVia is not ("response" or "sendsms"))
        {
            return (null, "--kannel-reply-via is response or sendsms");
        }

        if (options.ServerDll is null || !File.Exists(options.ServerDll))
        {
            return (null, "--server-dll names the built mbushja.dll (bench/crash builds it and passes it)");
        }

        if (options.Layouts.Any(l => l.Engine == "postgres") && options.Postgres is null)
        {
            return (null, "PostgreSQL layouts need --pg (bench/crash starts a throwaway cluster and passes it)");
        }

        return (options, null);
    }
}
