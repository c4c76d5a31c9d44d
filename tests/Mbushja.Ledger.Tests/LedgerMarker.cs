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
