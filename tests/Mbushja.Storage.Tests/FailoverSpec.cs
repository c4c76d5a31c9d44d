using System.Data.Common;
using Mbushja.Domain;
using Mbushja.Storage.Commits;
using Mbushja.Testing;
using Npgsql;

namespace Mbushja.Storage.Tests;

/// <summary>
/// What a server sees of a PostgreSQL failover, and how the storage takes it: the URL a failover cluster prints, the
/// errors that mean "no database takes writes now", and a commit queue that waits out a short cut.
/// </summary>
public sealed class FailoverSpec
{
    public static TheoryData<string, string> Urls => new()
    {
        // What `pg_autoctl show uri --formation default` prints.
        {
            "postgres://mbushja@127.0.0.1:5501,127.0.0.1:5502/mbushja?target_session_attrs=read-write&sslmode=prefer",
            "Host=127.0.0.1:5501,127.0.0.1:5502;Database=mbushja;Username=mbushja;Target Session Attributes=read-write;SSL Mode=Prefer"
        },
        { "postgresql://u:p%40ss@db/mbushja", "Host=db;Database=mbushja;Username=u;Password=p@ss" },
        { "postgres://db.example:6432/x?application_name=edge&connect_timeout=3", "Host=db.example:6432;Database=x;Application Name=edge;Timeout=3" },
        { "postgres://[::1]:5432,[::1]:5433/x", "Host=[::1]:5432,[::1]:5433;Database=x" },
        { "postgres://a,b/x?sslmode=verify-full", "Host=a,b;Database=x;SSL Mode=VerifyFull" },
    };

    [Theory]
    [MemberData(nameof(Urls))]
    public void PostgresUrl_ReadsAsNpgsqlsKeywords(string url, string expected)
    {
        var read = new NpgsqlConnectionStringBuilder(PostgresUrl.ToConnectionString(url));
        var want = new NpgsqlConnectionStringBuilder(expected);

        Assert.True(read.EquivalentTo(want), $"{read} is not {want}");
    }

    [Theory]
    [InlineData("postgres://a:5432,b:70000/x", "'70000' is not a port")]
    [InlineData("postgres://a:5432,,b/x", "a host is missing")]
    [InlineData("postgres://a/x?target_session_attrs=master", "'master' is not a value of its parameter 'target_session_attrs'")]
    [InlineData("postgres://a/x?options=-c%20x", "parameter 'options' has no equivalent")]
    [InlineData("postgres://[::1/x", "is not an address in brackets")]
    public void PostgresUrl_ThatCannotBeRead_IsRefusedWithTheReason(string url, string reason)
    {
        ConfigurationException refused = Assert.Throws<ConfigurationException>(() => Database.Postgres(url));

        Assert.Contains(reason, refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void PostgresUrl_Refused_NeverShowsThePassword()
    {
        ConfigurationException refused = Assert.Throws<ConfigurationException>(() => Database.Postgres("postgres://u:s3cr3t@a:99999/x"));

        Assert.DoesNotContain("s3cr3t", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MultiHost_WritesGoToTheHostThatTakesThem_PastOneThatIsDown()
    {
        var admin = new NpgsqlConnectionStringBuilder(TestDatabase.AdminConnectionString());
        await using var dead = new TcpProxy(admin.Host!, admin.Port);
        dead.Cut();
        // The dead host first: the server must go on to the live one, the way it reaches a new primary after a failover.
        var both = new NpgsqlConnectionStringBuilder(admin.ConnectionString) { Host = $"127.0.0.1:{dead.Port},{admin.Host}:{admin.Port}" };
        await using Database database = Database.Postgres(both.ConnectionString);

        Assert.True(await database.CanWriteAsync());
        await using DbConnection connection = await database.OpenAsync();
        Assert.Equal(admin.Port, ((NpgsqlConnection)connection).Port);
    }

    [Fact]
    public async Task Unavailable_IsWhatPassesWithAFailover_NotWhatIsWrongWithARequest()
    {
        var admin = new NpgsqlConnectionStringBuilder(TestDatabase.AdminConnectionString());
        await using var proxy = new TcpProxy(admin.Host!, admin.Port);
        proxy.Cut();
        var cut = new NpgsqlConnectionStringBuilder(admin.ConnectionString) { Host = "127.0.0.1", Port = proxy.Port, Pooling = false };

        Exception noHost = await Assert.ThrowsAnyAsync<Exception>(async () => await OpenAsync(cut.ConnectionString));
        Exception readOnly = await Assert.ThrowsAnyAsync<Exception>(() => RunAsync(admin.ConnectionString, "SET default_transaction_read_only = on", "CREATE TABLE read_only_probe (x int)"));
        Exception duplicate = await Assert.ThrowsAnyAsync<Exception>(() => RunAsync(admin.ConnectionString, "CREATE TEMP TABLE u (x int PRIMARY KEY); INSERT INTO u VALUES (1), (1)"));
        Exception syntax = await Assert.ThrowsAnyAsync<Exception>(() => RunAsync(admin.ConnectionString, "SELEC 1"));

        Assert.True(DbErrors.IsUnavailable(noHost), noHost.ToString());
        Assert.True(DbErrors.IsUnavailable(readOnly), readOnly.ToString());
        Assert.True(DbErrors.IsTransient(readOnly));
        Assert.False(DbErrors.IsUnavailable(duplicate));
        Assert.False(DbErrors.IsUnavailable(syntax));
        Assert.False(DbErrors.IsUnavailable(new InvalidOperationException("a bug")));
    }

    [Fact]
    public async Task CommitQueue_DuringACut_WaitsAndCommitsOnceTheDatabaseIsBack()
    {
        await using var cut = await BehindARelay.CreateAsync(TimeSpan.FromMinutes(1));
        (TcpProxy proxy, CommitQueue commits, TestDatabase test) = (cut.Proxy, cut.Commits, cut.Test);

        proxy.Cut();
        Task<CommitRefusal?> during = commits.CommitAsync(new MarkerWork("during", refuse: false));
        await proxy.WaitForRefusalsAsync(2, Timeouts.Hang);
        Assert.False(during.IsCompleted);
        proxy.Restore();

        Assert.Null(await during.WaitAsync(Timeouts.Hang));
        Assert.True(await MarkerWork.ExistsAsync(test.Database, "during"));
    }

    [Fact]
    public async Task CommitQueue_ACutLongerThanItWaits_FailsTheRequestsAsUnavailable_AndTakesNone()
    {
        await using var cut = await BehindARelay.CreateAsync(TimeSpan.FromMilliseconds(300));
        (TcpProxy proxy, CommitQueue commits, TestDatabase test) = (cut.Proxy, cut.Commits, cut.Test);

        proxy.Cut();
        Exception failed = await Assert.ThrowsAnyAsync<Exception>(() => commits.CommitAsync(new MarkerWork("lost", refuse: false)));
        proxy.Restore();

        Assert.True(DbErrors.IsUnavailable(failed), failed.ToString());
        Assert.False(await MarkerWork.ExistsAsync(test.Database, "lost"));
        Assert.Null(await commits.CommitAsync(new MarkerWork("after", refuse: false)));
    }

    /// <summary>A fresh database reached through a relay the test can cut, and a commit queue on it that has committed once.</summary>
    private sealed record BehindARelay(TestDatabase Test, TcpProxy Proxy, Database Database, CommitQueue Commits) : IAsyncDisposable
    {
        public static async Task<BehindARelay> CreateAsync(TimeSpan unavailableWait)
        {
            TestDatabase test = await TestDatabase.CreateAsync(DatabaseKind.Postgres);
            var direct = new NpgsqlConnectionStringBuilder(test.Database.ConnectionString);
            var proxy = new TcpProxy(direct.Host!, direct.Port);
            Database database = Database.Postgres(new NpgsqlConnectionStringBuilder(direct.ConnectionString) { Host = "127.0.0.1", Port = proxy.Port }.ConnectionString);
            var commits = new CommitQueue(database, TimeProvider.System, new CommitQueueOptions { UnavailableWait = unavailableWait });
            Assert.Null(await commits.CommitAsync(new MarkerWork("before", refuse: false)));
            return new BehindARelay(test, proxy, database, commits);
        }

        public async ValueTask DisposeAsync()
        {
            await Commits.DisposeAsync();
            await Database.DisposeAsync();
            await Proxy.DisposeAsync();
            await Test.DisposeAsync();
        }
    }

    private static async Task OpenAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
    }

    private static async Task RunAsync(string connectionString, params string[] statements)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        foreach (string sql in statements)
        {
            await using var command = new NpgsqlCommand(sql, connection);
            await command.ExecuteNonQueryAsync();
        }
    }

    [Fact]
    public async Task Patiently_RunsAStepAgain_OnlyWhileNoDatabaseTakesWrites()
    {
        Polly.ResiliencePipeline patience = Failover.Patience(TimeProvider.System, TimeSpan.FromSeconds(5));
        int runs = 0;
        // A failover: the first try finds no primary, the next one commits.
        int done = await Failover.PatientlyAsync(patience, () => ++runs == 1 ? throw Unavailable() : Task.FromResult(runs));
        Assert.Equal(2, done);

        // Anything else is the request's own error: it goes to the caller after one try.
        runs = 0;
        await Assert.ThrowsAsync<InvalidOperationException>(() => Failover.PatientlyAsync<int>(patience, () => ++runs > 0 ? throw new InvalidOperationException("no") : Task.FromResult(0)));
        Assert.Equal(1, runs);
    }

    private static PostgresException Unavailable() => new("the database system is shutting down", "FATAL", "FATAL", PostgresErrorCodes.AdminShutdown);
}
