using System.Data.Common;
using System.Globalization;
using System.Text;
using Mbushja.Storage.Commits;

namespace Mbushja.Storage.Rollups;

/// <summary>What a roll-up counts: a message by the day it was received, a payment by its day, a reversal by the day it was asked.</summary>
public static class RollupKinds
{
    public const string Sms = "sms";

    public const string Ussd = "ussd";

    public const string Reversal = "reversal";
}

/// <summary>
/// One row of <c>daily_rollups</c>: an operator-local day, what is counted (<see cref="RollupKinds"/>), the bank (empty for
/// none), the state and the code (empty for none).
/// </summary>
public readonly record struct RollupKey(DateOnly Day, string Kind, string Bank, string State, string Code)
{
    /// <summary>Field by field, ordinally: the order rows are written in.</summary>
    public static IComparer<RollupKey> Order { get; } = Comparer<RollupKey>.Create(Compare);

    /// <summary>The day as stored: <c>2026-12-07</c>.</summary>
    public string DayText => Day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static int Compare(RollupKey a, RollupKey b)
    {
        int c = a.Day.CompareTo(b.Day);
        c = c != 0 ? c : string.CompareOrdinal(a.Kind, b.Kind);
        c = c != 0 ? c : string.CompareOrdinal(a.Bank, b.Bank);
        c = c != 0 ? c : string.CompareOrdinal(a.State, b.State);
        return c != 0 ? c : string.CompareOrdinal(a.Code, b.Code);
    }

    public static DateOnly ParseDay(string text) => DateOnly.ParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture);
}

/// <summary>How many, and their value in cents.</summary>
public readonly record struct RollupFigure(long Count, long Value)
{
    public RollupFigure Add(long count, long value) => new(checked(Count + count), checked(Value + value));

    public bool IsZero => Count == 0 && Value == 0;
}

/// <summary>
/// The dashboard's daily roll-ups (<c>daily_rollups</c>, docs/design/dashboard-rollups.md). Written by the commit that
/// changes what they count (<see cref="CommitContext.AddToRollup"/>, in key order just before the COMMIT), or all at
/// once by <see cref="Rebuild"/>; read here.
/// </summary>
public sealed class DailyRollups(Database database)
{
    /// <summary>Rows per statement when the table is written whole.</summary>
    private const int RowsPerInsert = 400;

    /// <summary>The rows of the days <paramref name="first"/> to <paramref name="last"/> with something counted, in key order.</summary>
    public async Task<IReadOnlyList<(RollupKey Key, RollupFigure Figure)>> ReadAsync(DateOnly first, DateOnly last, CancellationToken ct = default)
    {
        await using DbConnection connection = await database.OpenReaderAsync(ct);
        return await ReadAsync(
            connection.Reused(
                "SELECT day, kind, bank_code, state, code, count, value FROM daily_rollups WHERE day >= @first AND day <= @last AND count <> 0 "
                + "ORDER BY day, kind, bank_code, state, code",
                null,
                ("first", new RollupKey(first, "", "", "", "").DayText),
                ("last", new RollupKey(last, "", "", "", "").DayText)),
            ct);
    }

    /// <summary>Every row with something counted, in key order (to compare what was kept with a rebuild).</summary>
    public async Task<IReadOnlyList<(RollupKey Key, RollupFigure Figure)>> ReadAllAsync(CancellationToken ct = default)
    {
        await using DbConnection connection = await database.OpenReaderAsync(ct);
        await using DbCommand command = connection.Command(
            "SELECT day, kind, bank_code, state, code, count, value FROM daily_rollups WHERE count <> 0 ORDER BY day, kind, bank_code, state, code");
        return await ReadAsync(command, ct);
    }

    /// <summary>Whether the table has no row at all (a database upgraded to it, or one nothing happened in yet).</summary>
    public async Task<bool> IsEmptyAsync(CancellationToken ct = default)
    {
        await using DbConnection connection = await database.OpenReaderAsync(ct);
        await using DbCommand command = connection.Command("SELECT 1 FROM daily_rollups LIMIT 1");
        return await command.ExecuteScalarAsync(ct) is null;
    }

    /// <summary>
    /// Work that writes the table again from what <paramref name="count"/> finds in the rows themselves. On PostgreSQL
    /// the table is locked first: a commit that adds to a roll-up meanwhile waits for this one, and adds its change to
    /// the rebuilt rows (its own rows are not committed yet, so the count did not see them); one committed before is
    /// seen by the count.
    /// </summary>
    public static ICommitWork Rebuild(Func<CommitContext, CancellationToken, Task<IReadOnlyDictionary<RollupKey, RollupFigure>>> count) =>
        new RebuildWork(count);

    private static async Task<IReadOnlyList<(RollupKey, RollupFigure)>> ReadAsync(DbCommand command, CancellationToken ct)
    {
        await using DbDataReader r = await command.ExecuteReaderAsync(ct);
        var rows = new List<(RollupKey, RollupFigure)>();
        while (await r.ReadAsync(ct))
        {
            rows.Add((
                new RollupKey(RollupKey.ParseDay(r.GetString(0)), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4)),
                new RollupFigure(r.GetInt64(5), r.GetInt64(6))));
        }

        return rows;
    }

    /// <summary>
    /// The statement that adds <paramref name="rows"/> (in key order: PostgreSQL locks them in that order, so two commits
    /// never wait for each other in a cycle) to the table, each to its row or as a new one.
    /// </summary>
    internal static (string Sql, (string Name, object? Value)[] Parameters) Upsert(IReadOnlyList<KeyValuePair<RollupKey, RollupFigure>> rows) =>
        Insert(rows, "ON CONFLICT (day, kind, bank_code, state, code) DO UPDATE SET count = daily_rollups.count + excluded.count, "
            + "value = daily_rollups.value + excluded.value");

    private static (string Sql, (string Name, object? Value)[] Parameters) Insert(IReadOnlyList<KeyValuePair<RollupKey, RollupFigure>> rows, string tail)
    {
        var sql = new StringBuilder("INSERT INTO daily_rollups (day, kind, bank_code, state, code, count, value) VALUES ");
        var parameters = new (string, object?)[rows.Count * 7];
        for (int i = 0; i < rows.Count; i++)
        {
            (RollupKey key, RollupFigure figure) = (rows[i].Key, rows[i].Value);
            string n = i.ToString(CultureInfo.InvariantCulture);
            sql.Append(i == 0 ? "" : ", ").Append($"(@d{n}, @k{n}, @b{n}, @s{n}, @c{n}, @n{n}, @v{n})");
            parameters[i * 7] = ("d" + n, key.DayText);
            parameters[(i * 7) + 1] = ("k" + n, key.Kind);
            parameters[(i * 7) + 2] = ("b" + n, key.Bank);
            parameters[(i * 7) + 3] = ("s" + n, key.State);
            parameters[(i * 7) + 4] = ("c" + n, key.Code);
            parameters[(i * 7) + 5] = ("n" + n, figure.Count);
            parameters[(i * 7) + 6] = ("v" + n, figure.Value);
        }

        return (sql.Append(' ').Append(tail).ToString(), parameters);
    }

    private sealed class RebuildWork(Func<CommitContext, CancellationToken, Task<IReadOnlyDictionary<RollupKey, RollupFigure>>> count) : ICommitWork
    {
        public async Task<CommitRefusal?> ApplyAsync(CommitContext context, CancellationToken cancellationToken)
        {
            if (context.Sql.Kind == DatabaseKind.Postgres)
            {
                await context.ExecuteAsync("LOCK TABLE daily_rollups IN EXCLUSIVE MODE", cancellationToken);
            }

            IReadOnlyDictionary<RollupKey, RollupFigure> counted = await count(context, cancellationToken);
            await context.ExecuteAsync("DELETE FROM daily_rollups", cancellationToken);
            KeyValuePair<RollupKey, RollupFigure>[] rows = [.. counted.Where(r => !r.Value.IsZero).OrderBy(r => r.Key, RollupKey.Order)];
            for (int i = 0; i < rows.Length; i += RowsPerInsert)
            {
                (string sql, (string, object?)[] parameters) = Insert(rows[i..Math.Min(rows.Length, i + RowsPerInsert)], "");
                await context.ExecuteAsync(sql, cancellationToken, parameters);
            }

            return null;
        }
    }
}
