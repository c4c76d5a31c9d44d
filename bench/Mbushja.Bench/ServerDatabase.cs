using Npgsql;

namespace Mbushja.Bench;

/// <summary>
/// The database a benchmark's server runs on: a SQLite file in the scenario's data folder, or a new database in the
/// bench's throwaway PostgreSQL cluster, dropped on dispose. <see cref="Option"/> is the server's <c>--db</c>.
/// Linked into the SMS, USSD and scale benchmarks.
/// </summary>
internal sealed class ServerDatabase : IAsyncDisposable
{
    private readonly string? _postgresAdmin;
    private readonly string? _postgresName;

    private ServerDatabase(string option, string? postgresAdmin, string? postgresName)
    {
        Option = option;
        _postgresAdmin = postgresAdmin;
        _postgresName = postgresName;
    }

    public string Option { get; }

    public static async Task<ServerDatabase> CreateAsync(string engine, string? postgresAdmin, string bench, string dataFolder)
    {
        if (engine != "postgres")
        {
            return new ServerDatabase(Path.Combine(dataFolder, "bench.db"), null, null);
        }

        string name = $"bench_{bench}_" + Guid.NewGuid().ToString("N")[..12];
        await using (var admin = new NpgsqlConnection(postgresAdmin))
        {
            await admin.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", admin);
            await create.ExecuteNonQueryAsync();
        }

        return new ServerDatabase(new NpgsqlConnectionStringBuilder(postgresAdmin) { Database = name }.ConnectionString, postgresAdmin, name);
    }

    public async ValueTask DisposeAsync()
    {
        if (_postgresName is null)
        {
            return;
        }

        NpgsqlConnection.ClearAllPools();
        await using var admin = new NpgsqlConnection(_postgresAdmin);
        await admin.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {_postgresName} WITH (FORCE)", admin);
        await drop.ExecuteNonQueryAsync();
    }
}
