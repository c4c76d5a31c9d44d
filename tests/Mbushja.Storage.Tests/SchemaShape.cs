using System.Data.Common;

namespace Mbushja.Storage.Tests;

/// <summary>
/// A migrated schema in a form both engines can be compared in, read by one reader from PostgreSQL's catalog. SQLite's
/// schema gets there by being spelt again in a scratch schema of the PostgreSQL database (<see cref="SqliteSchema"/>),
/// so every CHECK, default and index predicate of both engines is printed by the same deparser: the comparison is of
/// texts, yet blind to spacing, parentheses and the way each engine was written.
/// </summary>
internal sealed class SchemaShape
{
    /// <summary>DbUp's journal, which each engine names in its own case; not part of the schema the migrations define.</summary>
    private static readonly HashSet<string> Ignored = new(StringComparer.OrdinalIgnoreCase) { "schemaversions" };

    public SortedDictionary<string, TableShape> Tables { get; } = new(StringComparer.Ordinal);

    /// <summary>Indexes that only speed up reads, by name: <c>table (keys) WHERE predicate</c>. Unique ones are table rules.</summary>
    public SortedDictionary<string, string> Indexes { get; } = new(StringComparer.Ordinal);

    /// <summary>Parts of SQLite's schema that PostgreSQL could not read (so they could not be compared).</summary>
    public List<string> Unreadable { get; } = [];

    public static bool IsIgnored(string table) => Ignored.Contains(table);

    /// <summary>Reads the tables of one schema (<c>public</c>, or the scratch copy of SQLite's) inside the transaction.</summary>
    public static async Task<SchemaShape> ReadAsync(DbConnection connection, DbTransaction transaction, string schema)
    {
        var shape = new SchemaShape();
        // Constraints name tables relative to the search path: with only this schema on it, both print the same.
        await using (DbCommand path = connection.Command("SELECT set_config('search_path', @schema, true)", transaction, ("schema", schema)))
        {
            await path.ExecuteScalarAsync();
        }

        const string Columns = """
            SELECT c.table_name, c.column_name, c.data_type, c.is_nullable = 'NO', c.column_default, c.is_identity = 'YES'
            FROM information_schema.columns c
            JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
            WHERE c.table_schema = @schema AND t.table_type = 'BASE TABLE'
            ORDER BY c.table_name, c.ordinal_position
            """;
        await foreach (DbDataReader row in RowsAsync(connection, transaction, Columns, schema))
        {
            string? dflt = row.GetNullableString(4);
            // A serial column is generated like an identity one.
            bool generated = row.GetBoolean(5) || dflt?.StartsWith("nextval(", StringComparison.Ordinal) == true;
            shape.Table(row.GetString(0)).Columns[row.GetString(1)] =
                new ColumnShape(Family(row.GetString(2)), row.GetBoolean(3), generated, generated ? null : dflt);
        }

        const string Constraints = """
            SELECT t.relname, pg_get_constraintdef(k.oid)
            FROM pg_constraint k
            JOIN pg_class t ON t.oid = k.conrelid
            JOIN pg_namespace n ON n.oid = t.relnamespace
            WHERE n.nspname = @schema AND k.contype IN ('p', 'u', 'c', 'f')
            """;
        await foreach (DbDataReader row in RowsAsync(connection, transaction, Constraints, schema))
        {
            shape.Table(row.GetString(0)).Rules.Add(row.GetString(1));
        }

        // Indexes made by CREATE INDEX (those behind a PRIMARY KEY or UNIQUE are read above as constraints).
        const string Indexes = """
            SELECT t.relname, x.relname, i.indisunique,
                   array_to_string(ARRAY(SELECT pg_get_indexdef(i.indexrelid, k, false) FROM generate_series(1, i.indnkeyatts) AS k ORDER BY k), ', '),
                   pg_get_expr(i.indpred, i.indrelid)
            FROM pg_index i
            JOIN pg_class x ON x.oid = i.indexrelid
            JOIN pg_class t ON t.oid = i.indrelid
            JOIN pg_namespace n ON n.oid = t.relnamespace
            WHERE n.nspname = @schema
              AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.conrelid = i.indrelid AND k.contype IN ('p', 'u', 'x'))
            """;
        await foreach (DbDataReader row in RowsAsync(connection, transaction, Indexes, schema))
        {
            string table = row.GetString(0);
            string keys = $"({row.GetString(3)})" + (row.GetNullableString(4) is { } predicate ? $" WHERE {predicate}" : "");
            if (row.GetBoolean(2))
            {
                // A unique index decides duplicates like a UNIQUE constraint does: compared with them, whichever was written.
                shape.Table(table).Rules.Add("UNIQUE " + keys);
            }
            else if (!IsIgnored(table))
            {
                shape.Indexes[row.GetString(1)] = $"{table} {keys}";
            }
        }

        foreach (string table in shape.Tables.Keys.Where(IsIgnored).ToList())
        {
            shape.Tables.Remove(table);
        }

        return shape;
    }

    /// <summary>
    /// A type's family: SQLite keeps only an affinity, so a width is no difference. A boolean is an integer: SQLite
    /// stores flags as 0 and 1.
    /// </summary>
    private static string Family(string type) => type switch
    {
        "smallint" or "integer" or "bigint" or "boolean" => "integer",
        "text" or "character varying" or "character" => "text",
        "bytea" => "blob",
        "real" or "double precision" => "real",
        _ => type,
    };

    private TableShape Table(string name)
    {
        if (!Tables.TryGetValue(name, out TableShape? table))
        {
            Tables[name] = table = new TableShape();
        }

        return table;
    }

    private static async IAsyncEnumerable<DbDataReader> RowsAsync(DbConnection connection, DbTransaction transaction, string sql, string schema)
    {
        await using DbCommand command = connection.Command(sql, transaction, ("schema", schema));
        await using DbDataReader reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            yield return reader;
        }
    }
}

/// <summary>A table's columns, and the rules on its rows in PostgreSQL's spelling: keys, UNIQUEs, CHECKs and foreign keys.</summary>
internal sealed class TableShape
{
    public SortedDictionary<string, ColumnShape> Columns { get; } = new(StringComparer.Ordinal);

    public List<string> Rules { get; } = [];
}

/// <param name="Generated">Numbered by the database when not given (an identity, or SQLite's INTEGER PRIMARY KEY).</param>
internal sealed record ColumnShape(string Family, bool NotNull, bool Generated, string? Default)
{
    public override string ToString() =>
        Family + (NotNull ? " NOT NULL" : " NULL") + (Generated ? " generated" : "") + (Default is null ? "" : " DEFAULT " + Default);
}

/// <summary>
/// A rule that the two engines cannot spell alike, kept out of the comparison by name and exact text: when either side
/// changes, the comparison sees it again.
/// </summary>
internal sealed record SchemaAllowance(string Table, string Sqlite, string Postgres);

/// <summary>Every difference between SQLite's schema and PostgreSQL's, one readable line each.</summary>
internal static class SchemaComparison
{
    public static List<string> Differences(SchemaShape sqlite, SchemaShape postgres, IReadOnlyCollection<SchemaAllowance> allowed)
    {
        var differences = new List<string>(sqlite.Unreadable);
        var used = new HashSet<SchemaAllowance>();
        foreach (string table in sqlite.Tables.Keys.Union(postgres.Tables.Keys).Order(StringComparer.Ordinal))
        {
            if (!postgres.Tables.TryGetValue(table, out TableShape? pg))
            {
                differences.Add($"{table}: table only on SQLite");
                continue;
            }

            if (!sqlite.Tables.TryGetValue(table, out TableShape? lite))
            {
                differences.Add($"{table}: table only on PostgreSQL");
                continue;
            }

            CompareColumns(table, lite, pg, differences);
            CompareRules(table, lite, pg, allowed, used, differences);
        }

        foreach (string index in sqlite.Indexes.Keys.Union(postgres.Indexes.Keys).Order(StringComparer.Ordinal))
        {
            string? lite = sqlite.Indexes.GetValueOrDefault(index);
            string? pg = postgres.Indexes.GetValueOrDefault(index);
            if (lite != pg)
            {
                differences.Add($"index {index}: {lite ?? "none"} on SQLite, {pg ?? "none"} on PostgreSQL");
            }
        }

        differences.AddRange(allowed.Except(used).Select(a => $"{a.Table}: allowed difference no longer found, remove it: {a.Sqlite} / {a.Postgres}"));
        return differences;
    }

    private static void CompareColumns(string table, TableShape sqlite, TableShape postgres, List<string> differences)
    {
        foreach (string column in sqlite.Columns.Keys.Union(postgres.Columns.Keys).Order(StringComparer.Ordinal))
        {
            string name = $"{table}.{column}";
            ColumnShape? lite = sqlite.Columns.GetValueOrDefault(column);
            ColumnShape? pg = postgres.Columns.GetValueOrDefault(column);
            if (lite is null || pg is null)
            {
                differences.Add(lite is null ? $"{name}: column only on PostgreSQL ({pg})" : $"{name}: column only on SQLite ({lite})");
                continue;
            }

            if (lite.Family != pg.Family)
            {
                differences.Add($"{name}: type {lite.Family} on SQLite, {pg.Family} on PostgreSQL");
            }

            if (lite.NotNull != pg.NotNull)
            {
                differences.Add($"{name}: {Nullability(lite)} on SQLite, {Nullability(pg)} on PostgreSQL");
            }

            if (lite.Generated != pg.Generated)
            {
                differences.Add($"{name}: {Generation(lite)} on SQLite, {Generation(pg)} on PostgreSQL");
            }

            if (lite.Default != pg.Default)
            {
                differences.Add($"{name}: default {lite.Default ?? "none"} on SQLite, {pg.Default ?? "none"} on PostgreSQL");
            }
        }

        static string Nullability(ColumnShape c) => c.NotNull ? "NOT NULL" : "nullable";
        static string Generation(ColumnShape c) => c.Generated ? "generated" : "not generated";
    }

    private static void CompareRules(
        string table, TableShape sqlite, TableShape postgres, IReadOnlyCollection<SchemaAllowance> allowed, HashSet<SchemaAllowance> used, List<string> differences)
    {
        var lite = new List<string>(sqlite.Rules);
        var pg = new List<string>(postgres.Rules);
        foreach (SchemaAllowance allowance in allowed.Where(a => a.Table == table))
        {
            if (lite.Contains(allowance.Sqlite) && pg.Contains(allowance.Postgres))
            {
                lite.Remove(allowance.Sqlite);
                pg.Remove(allowance.Postgres);
                used.Add(allowance);
            }
        }

        // Multisets: the same CHECK twice on one engine and once on the other is a difference.
        foreach (string rule in lite.ToList())
        {
            if (pg.Remove(rule))
            {
                lite.Remove(rule);
            }
        }

        differences.AddRange(lite.Order(StringComparer.Ordinal).Select(r => $"{table}: only on SQLite: {r}"));
        differences.AddRange(pg.Order(StringComparer.Ordinal).Select(r => $"{table}: only on PostgreSQL: {r}"));
        int liteChecks = sqlite.Rules.Count(IsCheck), pgChecks = postgres.Rules.Count(IsCheck);
        if (liteChecks != pgChecks)
        {
            differences.Add($"{table}: {liteChecks} CHECK constraints on SQLite, {pgChecks} on PostgreSQL");
        }

        static bool IsCheck(string rule) => rule.StartsWith("CHECK ", StringComparison.Ordinal);
    }
}
