using System.Diagnostics;
using Npgsql;
using Xunit.Abstractions;

namespace Mbushja.Failover.Tests;

/// <summary>
/// The primary's machine dies: what it committed is on the standby (synchronous replication), the monitor promotes
/// the standby, and a client with the multi-host connection string finds the row there and writes on.
/// </summary>
public sealed class PrimaryNodeDeathSpec(FailoverCluster cluster, ITestOutputHelper output) : IClassFixture<FailoverCluster>
{
    private static readonly TimeSpan FailoverDeadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task KillPrimaryNode_CommittedRowIsOnThePromotedStandby_WhichTakesTheNextWrite()
    {
        int oldPrimary = await cluster.PrimaryPortAsync();
        await using (NpgsqlDataSource before = NpgsqlDataSource.Create(cluster.KeywordConnectionString))
        {
            await using NpgsqlConnection connection = await before.OpenConnectionAsync();
            Assert.Equal(oldPrimary, connection.Port);
            Assert.NotEqual("", await ScalarAsync<string>(connection, "SHOW synchronous_standby_names"));
            await ExecuteAsync(connection, "CREATE TABLE failover_smoke (name text PRIMARY KEY)");
            await ExecuteAsync(connection, "INSERT INTO failover_smoke VALUES ('A')");
        }

        var clock = Stopwatch.StartNew();
        string killed = await cluster.KillPrimaryNodeAsync();
        int newPrimary = await cluster.WaitForPrimaryAsync(oldPrimary, FailoverDeadline);
        output.WriteLine($"{killed} (port {oldPrimary}) killed; port {newPrimary} took a write {clock.Elapsed.TotalSeconds:0.0} s later");

        await using (NpgsqlDataSource after = NpgsqlDataSource.Create(cluster.KeywordConnectionString))
        {
            await using NpgsqlConnection connection = await after.OpenConnectionAsync();
            Assert.Equal(newPrimary, connection.Port);
            Assert.Equal(["A"], await NamesAsync(connection));
            await ExecuteAsync(connection, "INSERT INTO failover_smoke VALUES ('B')");
            Assert.Equal(["A", "B"], await NamesAsync(connection));
        }

        clock.Restart();
        await cluster.RestartNodeAsync(killed);
        output.WriteLine($"{killed} rejoined as the secondary in {clock.Elapsed.TotalSeconds:0.0} s");
        Assert.Equal(newPrimary, await cluster.PrimaryPortAsync());
    }

    private static async Task<List<string>> NamesAsync(NpgsqlConnection connection)
    {
        await using var select = new NpgsqlCommand("SELECT name FROM failover_smoke ORDER BY name", connection);
        await using NpgsqlDataReader reader = await select.ExecuteReaderAsync();
        var names = new List<string>();
        while (await reader.ReadAsync())
        {
            names.Add(reader.GetString(0));
        }

        return names;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }
}
