using System.Data.Common;
using Mbushja.Ledger;
using Mbushja.Storage;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Mbushja.Bench;

/// <summary>
/// A fresh database for one scenario, migrated and seeded with the account pool: a SQLite file in a temp folder,
/// or a new database in the PostgreSQL cluster. Removed on dispose, so every scenario starts from the same state.
/// </summary>
internal sealed class BenchDatabase : IAsyncDisposable
{
    private readonly string? _folder;
    private readonly string? _postgresAdmin;
    private readonly string? _postgresName;

    private BenchDatabase(Database database, string? folder, string? postgresAdmin, string? postgresName)
    {
        Database = database;
        _folder = folder;
        _postgresAdmin = postgresAdmin;
        _postgresName = postgresName;
    }

    public Database Database { get; }

    /// <param name="connectionExtra">Appended to the PostgreSQL connection string (e.g. Npgsql's auto-prepare).</param>
    public static async Task<BenchDatabase> CreateAsync(DatabaseKind kind, string? postgresAdmin, string? connectionExtra, AccountPool pool)
    {
        BenchDatabase bench;
        if (kind == DatabaseKind.Sqlite)
        {
            string folder = Path.Combine(Path.GetTempPath(), "mbushja-bench-" + Guid.NewGuid().ToString("N"));
            bench = new BenchDatabase(Database.Sqlite(Path.Combine(folder, "bench.db")), folder, null, null);
        }
        else
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(postgresAdmin);
            string name = "bench_" + Guid.NewGuid().ToString("N");
            await using (var admin = new NpgsqlConnection(postgresAdmin))
            {
                await admin.OpenAsync();
                await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", admin);
                await create.ExecuteNonQueryAsync();
            }

            string cs = new NpgsqlConnectionStringBuilder(postgresAdmin) { Database = name, ApplicationName = "mbushja-bench" }.ToString();
            if (!string.IsNullOrWhiteSpace(connectionExtra))
            {
                cs += ";" + connectionExtra;
            }

            bench = new BenchDatabase(Database.Postgres(cs), null, postgresAdmin, name);
        }

        try
        {
            await bench.Database.MigrateAsync();
            await using var commits = new Mbushja.Storage.Commits.CommitQueue(bench.Database, TimeProvider.System);
            LedgerOutcome seeded = await new LedgerEngine(commits).SubmitAsync(pool.SeedCommand());
            if (seeded.Status != LedgerStatus.Committed)
            {
                throw new InvalidOperationException($"Seeding the accounts failed: {seeded.Error}");
            }

            await bench.CheckpointAsync();
            return bench;
        }
        catch
        {
            await bench.DisposeAsync();
            throw;
        }
    }

    /// <summary>Writes the log back to the tables, so that no scenario pays for the checkpoint of the one before.</summary>
    private async Task CheckpointAsync()
    {
        if (Database.Kind == DatabaseKind.Sqlite)
        {
            await using DbConnection connection = await Database.OpenAsync();
            await using DbCommand command = connection.Command("PRAGMA wal_checkpoint(TRUNCATE)");
            await command.ExecuteNonQueryAsync();
            return;
        }

        await using var admin = new NpgsqlConnection(_postgresAdmin);
        await admin.OpenAsync();
        await using var checkpoint = new NpgsqlCommand("CHECKPOINT", admin);
        await checkpoint.ExecuteNonQueryAsync();
    }

    /// <summary>What the engine is set to for durability, read back from a connection like the ones the run uses.</summary>
    public async Task<string> DescribeDurabilityAsync()
    {
        await using DbConnection connection = await Database.OpenAsync();
        string[] settings = Database.Kind == DatabaseKind.Sqlite
            ? ["journal_mode", "synchronous", "busy_timeout"]
            : ["server_version", "synchronous_commit", "fsync", "wal_sync_method", "commit_delay"];
        var parts = new List<string>();
        foreach (string setting in settings)
        {
            await using DbCommand command = connection.Command(Database.Kind == DatabaseKind.Sqlite ? $"PRAGMA {setting}" : $"SHOW {setting}");
            parts.Add($"{setting}={await command.ExecuteScalarAsync()}");
        }

        return string.Join(", ", parts);
    }

    public async ValueTask DisposeAsync()
    {
        await Database.DisposeAsync();
        if (_folder is not null)
        {
            SqliteConnection.ClearAllPools();
            try
            {
                Directory.Delete(_folder, recursive: true);
            }
            catch (IOException)
            {
                // A leftover temp folder is not worth failing a run for.
            }
        }

        if (_postgresName is not null)
        {
            await using var admin = new NpgsqlConnection(_postgresAdmin);
            await admin.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {_postgresName} WITH (FORCE)", admin);
            await drop.ExecuteNonQueryAsync();
        }
    }
}
