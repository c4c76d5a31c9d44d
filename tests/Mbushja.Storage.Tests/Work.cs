using System.Data.Common;
using Mbushja.Storage.Commits;

namespace Mbushja.Storage.Tests;

/// <summary>Work that writes a row to a table of its own, then commits or refuses.</summary>
internal sealed class MarkerWork(string marker, bool refuse) : ICommitWork
{
    private const string Create = "CREATE TABLE IF NOT EXISTS test_markers (id TEXT PRIMARY KEY)";

    public async Task<CommitRefusal?> ApplyAsync(CommitContext context, CancellationToken cancellationToken)
    {
        await context.ExecuteAsync(Create, cancellationToken);
        await context.ExecuteAsync("INSERT INTO test_markers (id) VALUES (@id)", cancellationToken, ("id", marker));
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

internal sealed class ThrowingWork : ICommitWork
{
    public Task<CommitRefusal?> ApplyAsync(CommitContext context, CancellationToken cancellationToken) =>
        throw new InvalidOperationException("A bug in the work.");
}

/// <summary>
/// Work that refuses only before it writes, run without a savepoint: inserts its marker and then the marker with
/// "+" (the table must exist); or updates a row that is not there and refuses; or throws at once; or throws after
/// inserting its marker.
/// </summary>
internal sealed class RefusesFirstWork(string marker, string mode) : ICommitWork
{
    public bool RefusesBeforeWriting => true;

    public async Task<CommitRefusal?> ApplyAsync(CommitContext context, CancellationToken cancellationToken)
    {
        if (mode == "throw")
        {
            throw new InvalidOperationException("A bug in the work.");
        }

        string sql = mode == "update" ? "UPDATE test_markers SET id = @id WHERE id = 'nobody'" : "INSERT INTO test_markers (id) VALUES (@id)";
        if (await context.ExecuteAsync(sql, cancellationToken, ("id", marker)) != 1)
        {
            return new CommitRefusal("REFUSED", "Nothing to update.");
        }

        if (mode == "write, then throw")
        {
            throw new InvalidOperationException("A bug in the work, after its first write.");
        }

        await context.ExecuteAsync("INSERT INTO test_markers (id) VALUES (@id)", cancellationToken, ("id", marker + "+"));
        return null;
    }
}

/// <summary>
/// Pipelined work (<see cref="ICommitWork.Pipelined"/>): inserts its marker, defers the insert of the marker with "+"
/// (<see cref="CommitContext.Defer"/>), then, by its mode: commits ("accept"); refuses ("refuse"); defers a statement
/// that fails ("fail"); or asks for a statement of its own while one is deferred ("statement": a bug).
/// </summary>
internal sealed class DeferringWork(string marker, string mode) : ICommitWork
{
    public bool Pipelined => true;

    public async Task<CommitRefusal?> ApplyAsync(CommitContext context, CancellationToken cancellationToken)
    {
        await context.ExecuteAsync("INSERT INTO test_markers (id) VALUES (@id)", cancellationToken, ("id", marker));
        context.Defer("INSERT INTO test_markers (id) VALUES (@id)", ("id", marker + "+"));
        switch (mode)
        {
            case "refuse":
                return new CommitRefusal("REFUSED", "The work refused after deferring.");
            case "fail":
                context.Defer("INSERT INTO test_no_such_table (id) VALUES (@id)", ("id", marker));
                break;
            case "statement":
                await context.Statement("SELECT 1").ExecuteScalarAsync(cancellationToken);
                break;
        }

        return null;
    }
}

/// <summary>
/// Pipelined work that expects its statement to change one row (<see cref="CommitContext.ExpectOneAsync"/>): renames
/// marker <c>from</c> to <c>to</c>, refused when there is no such marker; then defers the insert of <c>to</c> with "+".
/// </summary>
internal sealed class ExpectingWork(string from, string to) : ICommitWork
{
    public bool Pipelined => true;

    public bool RefusesBeforeWriting => true;

    public async Task<CommitRefusal?> ApplyAsync(CommitContext context, CancellationToken cancellationToken)
    {
        if (!await context.ExpectOneAsync("UPDATE test_markers SET id = @to WHERE id = @from", cancellationToken, ("to", to), ("from", from)))
        {
            return new CommitRefusal("REFUSED", "No such marker.");
        }

        context.Defer("INSERT INTO test_markers (id) VALUES (@id)", ("id", to + "+"));
        return null;
    }
}

/// <summary>
/// Pipelined work that defers the insert of its marker, then reads the markers it names (<see cref="CommitContext.QueryAsync"/>):
/// what it deferred travels ahead of the read, which therefore finds it.
/// </summary>
internal sealed class DeferThenQueryWork(string marker, params string[] read) : ICommitWork
{
    public bool Pipelined => true;

    /// <summary>The markers the read found, in order.</summary>
    public IReadOnlyList<string> Found { get; private set; } = [];

    public async Task<CommitRefusal?> ApplyAsync(CommitContext context, CancellationToken cancellationToken)
    {
        context.Defer("INSERT INTO test_markers (id) VALUES (@id)", ("id", marker));
        string slots = string.Join(", ", read.Select((_, i) => "@m" + i));
        IReadOnlyList<object?[]> rows = await context.QueryAsync(
            $"SELECT id FROM test_markers WHERE id IN ({slots}) ORDER BY id", cancellationToken, [.. read.Select((m, i) => ("m" + i, (object?)m))]);
        Found = [.. rows.Select(r => (string)r[0]!)];
        return null;
    }
}
