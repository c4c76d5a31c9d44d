using System.Diagnostics;
using Mbushja.Domain;
using Mbushja.Ledger;
using Microsoft.Extensions.Logging;

namespace Mbushja.Bench;

/// <summary>The ledger's side of a scenario: each writer submits a command and waits for it to be durable.</summary>
internal static class LedgerSide
{
    public static ClosedLoop.Writer Writer(LedgerEngine engine, AccountPool pool, Workload workload) => async (index, window, stats) =>
    {
        var source = new MoveSource(pool, workload, index);
        var moves = new Move[MoveSource.TransfersPer(workload)];
        string code = "bench." + workload.ToString().ToLowerInvariant();
        while (window.Running)
        {
            source.Next(moves);
            var transfers = new TransferRequest[moves.Length];
            for (int i = 0; i < moves.Length; i++)
            {
                Move m = moves[i];
                transfers[i] = TransferRequest.Single(
                    m.Id, new LedgerAccountId(m.Debit), new LedgerAccountId(m.Credit), Money.FromCents(m.AmountCents), code);
            }

            long started = Stopwatch.GetTimestamp();
            LedgerOutcome outcome = await engine.SubmitAsync(new LedgerCommand(transfers));
            long ended = Stopwatch.GetTimestamp();
            if (outcome.Status == LedgerStatus.Committed)
            {
                stats.Record(started, ended, transfers.Length);
            }
            else
            {
                stats.Errors++;
            }
        }
    };
}

/// <summary>
/// The system clock, counting its reads: the ledger reads the time once per batch it commits (and per retry),
/// so the count is the number of database transactions the ledger made.
/// </summary>
internal sealed class CountingClock : TimeProvider
{
    private long _reads;

    public long Reads => Interlocked.Read(ref _reads);

    public override DateTimeOffset GetUtcNow()
    {
        Interlocked.Increment(ref _reads);
        return base.GetUtcNow();
    }
}

/// <summary>Counts the ledger's retried batches (event 2001) and failed commands (event 2002); remembers the first reason.</summary>
internal sealed class CountingLogger : ILogger<Mbushja.Storage.Commits.CommitQueue>
{
    private long _retries;
    private long _failures;

    public long Retries => Interlocked.Read(ref _retries);

    public long Failures => Interlocked.Read(ref _failures);

    public string? FirstReason { get; private set; }

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        switch (eventId.Id)
        {
            case 2001:
                Interlocked.Increment(ref _retries);
                break;
            case 2002:
                Interlocked.Increment(ref _failures);
                break;
            default:
                return;
        }

        FirstReason ??= exception?.Message ?? formatter(state, exception);
    }
}
