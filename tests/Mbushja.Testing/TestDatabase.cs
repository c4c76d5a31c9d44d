using Mbushja.Storage;
using Npgsql;

namespace Mbushja.Testing;

/// <summary>
/// A fresh, migrated database for one test: a SQLite file in a temp folder, or a new database in the PostgreSQL
/// cluster that <c>./test.sh</c> starts (its connection string in <c>MBUSHJA_TEST_PG</c>). Dropped on dispose.
/// </summary>
public sealed class TestDatabase : IAsyncDisposable
{
    public const string PostgresVariable = "MBUSHJA_TEST_PG";

    private readonly string? _folder;
    private readonly string? _postgresName;

    private TestDatabase(Database database, string? folder, string? postgresName)
    {
        Database = database;
        _folder = folder;
        _postgresName = postgresName;
    }

    public Database Database { get; }

    /// <summary>The server's <c>--db</c> value that reaches this database.</summary>
    public string Option => Database.Kind == DatabaseKind.Sqlite
        ? new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(Database.ConnectionString).DataSource
        : Database.ConnectionString;

    public static async Task<TestDatabase> CreateAsync(DatabaseKind kind, bool migrate = true)
    {
        TestDatabase test;
        if (kind == DatabaseKind.Sqlite)
        {
            string folder = Path.Combine(Path.GetTempPath(), "mbushja-test-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(folder);
            test = new TestDatabase(Database.Sqlite(Path.Combine(folder, "test.db")), folder, null);
        }
        else
        {
            string admin = AdminConnectionString();
            string name = "t_" + Guid.NewGuid().ToString("N");
            await using (var connection = new NpgsqlConnection(admin))
            {
                await connection.OpenAsync();
                await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
                await create.ExecuteNonQueryAsync();
            }

            var builder = new NpgsqlConnectionStringBuilder(admin) { Database = name };
            test = new TestDatabase(Database.Postgres(builder.ToString()), null, name);
        }

        if (migrate)
        {
            await test.Database.MigrateAsync();
        }

        return test;
    }

    /// <summary>The cluster's connection string; a missing one is a failure, not a skip: run the tests with ./test.sh.</summary>
    public static string AdminConnectionString() =>
        Environment.GetEnvironmentVariable(PostgresVariable) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                $"{PostgresVariable} is not set: run the tests with ./test.sh, which starts a throwaway PostgreSQL cluster.");

    public async ValueTask DisposeAsync()
    {
        await Database.DisposeAsync();
        if (_folder is not null)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try
            {
                Directory.Delete(_folder, recursive: true);
            }
            catch (IOException)
            {
                // A pooled handle may still hold the file for a moment; the temp folder is cleaned by the OS later.
            }
        }

        if (_postgresName is not null)
        {
            NpgsqlConnection.ClearAllPools();
            await using var connection = new NpgsqlConnection(AdminConnectionString());
            await connection.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {_postgresName} WITH (FORCE)", connection);
            await drop.ExecuteNonQueryAsync();
        }
    }
}
