using Mbushja.Ledger;
using Mbushja.Storage;
using Mbushja.Testing;
using Mbushja.TopUp;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.AspNetCore.Builder;

namespace Mbushja.Server.Tests;

/// <summary>
/// A real server (Kestrel on <c>http://127.0.0.1:0</c>) with a known admin key, and an HTTP client without
/// credentials pointed at it: tests say per request which key they send.
/// </summary>
public sealed class RunningServer : IAsyncDisposable
{
    public const string AdminKey = "test-admin-key-7c1f0e9a-5d2b8e41c6f3";

    private readonly string _dataDirectory;

    private RunningServer(WebApplication app, HttpClient http, string dataDirectory)
    {
        App = app;
        Http = http;
        _dataDirectory = dataDirectory;
    }

    public WebApplication App { get; }

    public HttpClient Http { get; }

    /// <summary>The server's data folder (removed with the server).</summary>
    public string DataDirectory => _dataDirectory;

    /// <summary>
    /// Builds (migrating the database, loading demo data when asked) and starts a server on a free loopback port;
    /// <paramref name="prepare"/> sees the application built and not started (to watch its services from the first moment).
    /// </summary>
    public static async Task<RunningServer> StartAsync(
        string db, bool demo = false, Func<ServerSettings, ServerSettings>? configure = null, Action<WebApplication>? prepare = null)
    {
        string data = Path.Combine(Path.GetTempPath(), "mbushja-server-test-" + Guid.NewGuid().ToString("N"));
        var settings = new ServerSettings
        {
            Urls = "http://127.0.0.1:0",
            DataDirectory = data,
            Db = db,
            AdminKey = AdminKey,
            Demo = demo,
            // Short leases and bank retries, so that a test can watch the recovery sweep take over work a bank left unfinished.
            TopUp = TopUpOptions.Default with { Lease = TimeSpan.FromSeconds(1), LeaseRenewal = TimeSpan.FromMilliseconds(300), BankRetry = TimeSpan.FromSeconds(1) },
        };
        WebApplication app = await MbushjaServer.BuildAsync(configure is null ? settings : configure(settings));
        prepare?.Invoke(app);
        await app.StartAsync();
        // After StartAsync the addresses hold the port the OS chose.
        string address = Assert.Single(app.Urls);
        Assert.NotEqual(0, new Uri(address).Port);
        var http = new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromSeconds(60) };
        return new RunningServer(app, http, data);
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
        if (Directory.Exists(_dataDirectory))
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
    }
}

/// <summary>
/// One server on a fresh database for a whole test class. Tests share it, so each takes its own numbers and
/// identifiers from <see cref="NextMobile"/> and <see cref="NextSuffix"/>.
/// </summary>
public abstract class ServerFixture : IAsyncLifetime
{
    private int _next = 100_000;

    protected abstract DatabaseKind Kind { get; }

    public TestDatabase Database { get; private set; } = null!;

    public RunningServer Server { get; private set; } = null!;

    public HttpClient Http => Server.Http;

    public LedgerQueries Ledger { get; private set; } = null!;

    /// <summary>A mobile number of the operator nobody has used yet, as its 8-digit national significant number (<c>49100001</c>).</summary>
    public string NextMobile(string prefix = "49") => prefix + NextSuffix().ToString("D6");

    /// <summary>A number unique within this server's life, for identifiers.</summary>
    public int NextSuffix() => Interlocked.Increment(ref _next);

    public async Task InitializeAsync()
    {
        Database = await TestDatabase.CreateAsync(Kind);
        Ledger = new LedgerQueries(Database.Database);
        await BeforeServerAsync();
        Server = await RunningServer.StartAsync(Database.Option, configure: Configure);
    }

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        await AfterServerAsync();
        await Database.DisposeAsync();
    }

    /// <summary>Starts what the server talks to (a fake peer) before the server itself.</summary>
    protected virtual Task BeforeServerAsync() => Task.CompletedTask;

    protected virtual Task AfterServerAsync() => Task.CompletedTask;

    /// <summary>The server's settings for this fixture; the test defaults unless a fixture changes them.</summary>
    protected virtual ServerSettings Configure(ServerSettings settings) => settings;

    /// <summary>
    /// Runs the recovery sweep until no SMS top-up is left unfinished (leases are short here): what a restarted or
    /// still-running server does on its own every few seconds.
    /// </summary>
    public async Task RecoverAsync()
    {
        TopUpRecovery recovery = Server.App.Services.GetRequiredService<TopUpRecovery>();
        SmsTransactions store = Server.App.Services.GetRequiredService<SmsTransactions>();
        DateTime deadline = DateTime.UtcNow + Timeouts.Hang;
        while ((await store.ExpiredAsync(DateTimeOffset.MaxValue, 1)).Count > 0)
        {
            Assert.True(DateTime.UtcNow < deadline, $"Unfinished SMS top-ups remain after {Timeouts.Hang} of recovery.");
            await recovery.RecoverAsync();
            await Task.Delay(100);
        }
    }

    /// <summary>The ledger sums to zero and no protected account is below zero.</summary>
    public async Task AssertLedgerInvariantsAsync()
    {
        LedgerTotals totals = await Ledger.GetTotalsAsync();
        Assert.Equal(0, totals.BalanceSum);
        Assert.Equal(0, totals.OverdrawnAccounts);
        Assert.Equal(totals.PendingDebitSum, totals.PendingCreditSum);
    }
}

public sealed class SqliteServerFixture : ServerFixture
{
    protected override DatabaseKind Kind => DatabaseKind.Sqlite;
}

public sealed class PostgresServerFixture : ServerFixture
{
    protected override DatabaseKind Kind => DatabaseKind.Postgres;
}
