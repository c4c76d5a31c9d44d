using System.Data.Common;
using Mbushja.Storage;

namespace Mbushja.Ledger.Tests;

/// <summary>An effect that writes a row to a table of its own, then accepts or refuses the command.</summary>
internal sealed class MarkerEffect(string marker, bool refuse) : ILedgerEffect
{
    private const string Create = "CREATE TABLE IF NOT EXISTS test_markers (id TEXT PRIMARY KEY)";

    public async Task<LedgerError?> ApplyAsync(EffectContext context, CancellationToken cancellationToken)
    {
        await using DbCommand create = context.Connection.Command(Create, context.Transaction);
        await create.ExecuteNonQueryAsync(cancellationToken);
        await using DbCommand insert = context.Connection.Command("INSERT INTO test_markers (id) VALUES (@id)", context.Transaction, ("id", marker));
        await insert.ExecuteNonQueryAsync(cancellationToken);
        return refuse ? new LedgerError("REFUSED", "The effect refused.") : null;
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

internal sealed class ThrowingEffect : ILedgerEffect
{
    public Task<LedgerError?> ApplyAsync(EffectContext context, CancellationToken cancellationToken) =>
        throw new InvalidOperationException("A bug in an effect.");
}

/// <summary>
/// An effect that refuses only before it writes, run without a savepoint: inserts its marker and then the marker with
/// "+" (the table must exist); or updates a row that is not there and refuses; or throws at once; or throws after
/// inserting its marker.
/// </summary>
internal sealed class RefusesFirstEffect(string marker, string mode) : ILedgerEffect
{
    public bool RefusesBeforeWriting => true;

    public async Task<LedgerError?> ApplyAsync(EffectContext context, CancellationToken cancellationToken)
    {
        if (mode == "throw")
        {
            throw new InvalidOperationException("A bug in an effect.");
        }

        string sql = mode == "update" ? "UPDATE test_markers SET id = @id WHERE id = 'nobody'" : "INSERT INTO test_markers (id) VALUES (@id)";
        await using DbCommand command = context.Connection.Command(sql, context.Transaction, ("id", marker));
        if (await command.ExecuteNonQueryAsync(cancellationToken) != 1)
        {
            return new LedgerError("REFUSED", "Nothing to update.");
        }

        if (mode == "write, then throw")
        {
            throw new InvalidOperationException("A bug in an effect, after its first write.");
        }

        await using DbCommand second = context.Connection.Command("INSERT INTO test_markers (id) VALUES (@id)", context.Transaction, ("id", marker + "+"));
        await second.ExecuteNonQueryAsync(cancellationToken);
        return null;
    }
}
