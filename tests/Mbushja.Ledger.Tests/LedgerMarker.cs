using System.Data.Common;
using Mbushja.Storage;
using Mbushja.Storage.Commits;

namespace Mbushja.Ledger.Tests;

/// <summary>A command's work that writes a row to a table of its own, then accepts or refuses the command (or throws).</summary>
internal sealed class LedgerMarker(string marker, bool refuse, bool throws = false) : ILedgerWork
{
    private const string Create = "CREATE TABLE IF NOT EXISTS test_markers (id TEXT PRIMARY KEY)";

    public async Task<CommitRefusal?> ApplyAsync(LedgerContext context, CancellationToken cancellationToken)
    {
        if (throws)
        {
            throw new InvalidOperationException("A bug in the work.");
        }

        await context.Commit.ExecuteAsync(Create, cancellationToken);
        await context.Commit.ExecuteAsync("INSERT INTO test_markers (id) VALUES (@id)", cancellationToken, ("id", marker));
        return refuse ? new CommitRefusal("REFUSED", "The work refused.") : null;
    }

    public static async Task<bool> ExistsAsync(Database database, string marker)
    {
        await using DbConnection c = await database.OpenAsync();
        await using (DbCommand create = c.Command(Create))
        {
            await create.ExecuteNonQueryAsync();
        }

        await using DbCommand query = c.Command("SELECT COUNT(*) FROM test_markers WHERE id = @id", null, ("id", marker));
        return Convert.ToInt64(await query.ExecuteScalarAsync()) == 1;
    }
}

/// <summary>
/// A command's work that adds one to a counter row from what it read (<see cref="ILedgerWork.Reads"/>), its write
/// deferred and said written (<see cref="CommitContext.Wrote"/>): the read-modify-write that work sharing a batch must
/// not lose. <see cref="Seen"/> is the count it read.
/// </summary>
internal sealed class CountingWork(string counter) : ILedgerWork
{
    public const string Create = "CREATE TABLE IF NOT EXISTS test_counters (id TEXT PRIMARY KEY, n INTEGER NOT NULL)";

    public long? Seen { get; private set; }

    public bool RefusesBeforeWriting => true;

    public bool Pipelined => true;

    private string Key => "test_counters:" + counter;

    public IReadOnlyList<LedgerRead> Reads(CommitContext context) =>
        [new LedgerRead(Key, $"SELECT n FROM test_counters WHERE id = @id{context.Sql.ForUpdate}", ("id", counter))];

    public Task<CommitRefusal?> ApplyAsync(LedgerContext context, CancellationToken cancellationToken)
    {
        long n = Convert.ToInt64(Assert.Single(context.Reads[0].Rows)[0], System.Globalization.CultureInfo.InvariantCulture);
        Seen = n;
        context.Commit.Wrote(Key);
        context.Defer("UPDATE test_counters SET n = @n WHERE id = @id", ("n", n + 1), ("id", counter));
        return Task.FromResult<CommitRefusal?>(null);
    }

    /// <summary>Makes the counters' table and the counter <paramref name="counter"/>, at 0.</summary>
    public static async Task CreateAsync(Database database, string counter)
    {
        await using DbConnection c = await database.OpenAsync();
        await using (DbCommand create = c.Command(Create))
        {
            await create.ExecuteNonQueryAsync();
        }

        await using DbCommand insert = c.Command("INSERT INTO test_counters (id, n) VALUES (@id, 0)", null, ("id", counter));
        await insert.ExecuteNonQueryAsync();
    }

    public static async Task<long> CountAsync(Database database, string counter)
    {
        await using DbConnection c = await database.OpenAsync();
        await using DbCommand query = c.Command("SELECT n FROM test_counters WHERE id = @id", null, ("id", counter));
        return Convert.ToInt64(await query.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }
}

/// <summary>
/// Work that holds its batch's writer until released, alone (what is submitted meanwhile queues up for one batch) or as
/// a command's work (its batch stays open, the command's accounts as its load left them).
/// </summary>
internal sealed class HoldingWork : ICommitWork, ILedgerWork
{
    private readonly TaskCompletionSource _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Entered => _entered.Task;

    public void Release() => _released.TrySetResult();

    public Task<CommitRefusal?> ApplyAsync(CommitContext context, CancellationToken cancellationToken) => HoldAsync();

    public Task<CommitRefusal?> ApplyAsync(LedgerContext context, CancellationToken cancellationToken) => HoldAsync();

    private async Task<CommitRefusal?> HoldAsync()
    {
        _entered.TrySetResult();
        await _released.Task;
        return null;
    }
}
