using System.Data.Common;
using System.Text;
using Mbushja.Accounts;
using Mbushja.Storage;
using Mbushja.Testing;

namespace Mbushja.Server.Tests;

/// <summary>
/// The service-account lookup (a USSD step, the console) stays an index lookup on PostgreSQL as the table grows: its
/// plan, on enough accounts with statistics, reads no table from end to end. (An OR across the id and the identifiers
/// was a sequential scan of service_accounts.)
/// </summary>
public sealed class ServiceAccountLookupPlanSpec
{
    private const int Accounts = 20_000;

    [Theory]
    [InlineData("sa0000012345")] // an id
    [InlineData("user12345")] // a username
    public async Task FindSql_OnManyAccounts_UsesIndexesOnly(string identifier)
    {
        await using TestDatabase test = await TestDatabase.CreateAsync(DatabaseKind.Postgres);
        await using DbConnection connection = await test.Database.OpenAsync();
        foreach (string sql in new[]
        {
            $"INSERT INTO ledger_accounts (id, kind, no_negative, balance, created_at) SELECT 'svc:sa' || lpad(n::text, 10, '0'), 'service', true, 0, 0 FROM generate_series(0, {Accounts - 1}) n",
            "INSERT INTO service_accounts (id, kind, package_code, username, account_id, created_at) "
                + $"SELECT 'sa' || lpad(n::text, 10, '0'), 'internet', 'INTERNET_1', 'user' || n, 'svc:sa' || lpad(n::text, 10, '0'), 0 FROM generate_series(0, {Accounts - 1}) n",
            $"INSERT INTO service_account_identifiers (key, kind, account_id) SELECT 'user' || n, 'username', 'sa' || lpad(n::text, 10, '0') FROM generate_series(0, {Accounts - 1}) n",
            "ANALYZE",
        })
        {
            await using DbCommand command = connection.Command(sql);
            await command.ExecuteNonQueryAsync();
        }

        await using DbCommand explain = connection.Command(
            "EXPLAIN " + ServiceAccounts.FindSql, null, ("id", identifier), ("k1", identifier), ("k2", identifier));
        var plan = new StringBuilder();
        await using (DbDataReader r = await explain.ExecuteReaderAsync())
        {
            while (await r.ReadAsync())
            {
                plan.AppendLine(r.GetString(0));
            }
        }

        Assert.DoesNotContain("Seq Scan", plan.ToString(), StringComparison.Ordinal);
        Assert.Contains("Index", plan.ToString(), StringComparison.Ordinal);
    }
}
