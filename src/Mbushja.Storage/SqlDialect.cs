namespace Mbushja.Storage;

/// <summary>
/// What SQLite and PostgreSQL spell differently, in one place. Everything else the platform writes is SQL both
/// engines read alike (<c>ON CONFLICT</c>, <c>RETURNING</c>, <c>LIMIT</c>, integers for times and cents).
/// </summary>
public sealed class SqlDialect
{
    public static SqlDialect Sqlite { get; } = new(DatabaseKind.Sqlite);

    public static SqlDialect Postgres { get; } = new(DatabaseKind.Postgres);

    private SqlDialect(DatabaseKind kind) => Kind = kind;

    public DatabaseKind Kind { get; }

    /// <summary>
    /// Appended to a <c>SELECT</c> of a row the transaction is about to change: PostgreSQL locks it; SQLite has no row
    /// locks and needs none (its writer holds the whole database).
    /// </summary>
    public string ForUpdate => Kind == DatabaseKind.Postgres ? " FOR UPDATE" : "";

    /// <summary>A boolean column tested as true (SQLite stores booleans as 0 and 1).</summary>
    public string IsTrue(string column) => Kind == DatabaseKind.Postgres ? column : column + " = 1";

    /// <summary>
    /// Makes the current transaction's commit return before its log is on disk, or null where the engine does that by
    /// itself (the SQLite writer's commits never wait for the disk; see <see cref="Commits.CommitQueue"/>).
    /// </summary>
    public string? RelaxedCommit => Kind == DatabaseKind.Postgres ? "SET LOCAL synchronous_commit = off" : null;

    /// <summary>
    /// Tests a text column against a list given as one parameter, <see cref="TextList"/>'s value: one statement and one
    /// plan whatever the list's length (PostgreSQL reads an array, SQLite a JSON array).
    /// </summary>
    public string InTextList(string column, string parameter) => Kind == DatabaseKind.Postgres
        ? $"{column} = ANY(@{parameter})"
        : $"{column} IN (SELECT value FROM json_each(@{parameter}))";

    /// <summary>The value of the parameter that <see cref="InTextList"/> names.</summary>
    public object TextList(IReadOnlyCollection<string> values) =>
        Kind == DatabaseKind.Postgres ? values.ToArray() : System.Text.Json.JsonSerializer.Serialize(values);

    public static SqlDialect Of(DatabaseKind kind) => kind == DatabaseKind.Postgres ? Postgres : Sqlite;
}
