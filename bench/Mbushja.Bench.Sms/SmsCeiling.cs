using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using System.IO.Pipelines;
using System.Net;
using System.Text;
using Mbushja.Banks.Connector;
using Mbushja.Bench;
using Mbushja.Server;
using Mbushja.Storage;
using Mbushja.Storage.Commits;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

/// <summary>
/// The ceiling of an SMS top-up (bench/README.md, "SMS Top Up"): the work no top-up can go without, and nothing else.
/// Each <c>POST /api/v1/sms/inbound</c> is read, a row is committed, a signed hold goes over HTTP to a bank endpoint that
/// checks nothing and answers a fixed body, a second row is committed, and a fixed answer goes back; after it, as the real
/// top-up does, a signed capture and a third commit. The three commits are the real path's three (the accept with the
/// hold, the credits with the reply, the capture), each a one-row insert, durable, through the product's own commit
/// queue on the scenario's engine, in a database of its own. No parsing, validation or ledger.
/// </summary>
internal sealed class SmsCeiling : IAsyncDisposable
{
    public const string Path = "/api/v1/sms/inbound";

    private const string BankPath = "/bank/";

    private static readonly CommitRefusal NotWritten = new("CEILING_NOT_WRITTEN", "The ceiling's row was not inserted.");

    // Shaped and sized like the real ones: a hold request (docs/bank-connector.openapi.yaml), a bank's answer, and the
    // answer to the gateway with a reply of the usual length.
    private static readonly byte[] HoldBody =
        """{"holdId":"0123456789abcdef0123456789abcdef","accountRef":"XK051212000000000042","amountCents":500,"currency":"EUR","reference":"MBUSHJA TOPUP 0123456789AB"}"""u8.ToArray();

    private static readonly byte[] BankAnswer = """{"holdId":"0123456789abcdef0123456789abcdef","status":"held","amountCents":500}"""u8.ToArray();

    private static readonly byte[] Answer =
        """{"status":"completed","code":null,"transactionId":"0123456789abcdef0123456789abcdef","reply":"U mbush 0497000042 me 5.00 EUR, bilanci 5.00 EUR. Gjithsej 5.00 EUR nga BEK. Ref 0123456789AB"}"""u8.ToArray();

    private readonly WebApplication _app;
    private readonly Database _database;
    private readonly ServerDatabase _serverDatabase;
    private readonly CommitQueue _commits;
    private readonly HttpClient _bank;
    private readonly byte[] _key = Encoding.UTF8.GetBytes("ceiling-" + Guid.NewGuid().ToString("N"));
    private readonly int _bankLatencyMs;
    private readonly string _data;
    private Uri _bankBase = null!;
    private long _topUps;
    private long _capturing;
    private long _failures;
    private string? _firstFailure;

    private SmsCeiling(WebApplication app, Database database, ServerDatabase serverDatabase, int bankLatencyMs, string data)
    {
        _app = app;
        _database = database;
        _serverDatabase = serverDatabase;
        _bankLatencyMs = bankLatencyMs;
        _data = data;
        _commits = new CommitQueue(database, TimeProvider.System);
        // The bank connector's HTTP settings (HttpBankConnector), its retries and checks of the answer left out.
        _bank = new HttpClient(new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
            MaxConnectionsPerServer = BankConnectorOptions.Default.MaxConnectionsPerBank,
            ConnectTimeout = BankConnectorOptions.Default.AttemptTimeout,
            AllowAutoRedirect = false,
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.None,
            ActivityHeadersPropagator = DistributedContextPropagator.CreateNoOutputPropagator(),
        })
        {
            Timeout = Timeout.InfiniteTimeSpan,
            MaxResponseContentBufferSize = BankConnectorOptions.Default.MaxAnswerBytes,
        };
    }

    /// <summary>Where the clients post their SMS.</summary>
    public Uri Address => new(_app.Urls.First());

    /// <summary>Top-ups started (each commits three rows, the last after its answer).</summary>
    public long TopUps => Interlocked.Read(ref _topUps);

    /// <summary>
    /// Starts the ceiling with the server's Kestrel settings (HostSetup: the slim builder, no Server header, the same
    /// body limit and log level), its database on <paramref name="engine"/> beside the server's.
    /// </summary>
    public static async Task<SmsCeiling> StartAsync(string engine, string? pgAdmin, ServerSettings like, int bankLatencyMs)
    {
        string data = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "mbushja-bench-sms-ceiling-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(data);
        ServerDatabase serverDatabase = await ServerDatabase.CreateAsync(engine, pgAdmin, "smsceiling", data);
        Database database = Database.FromOption(serverDatabase.Option, data);
        await using (DbConnection connection = await database.OpenAsync())
        {
            string key = database.Kind == DatabaseKind.Sqlite ? "INTEGER PRIMARY KEY" : "BIGINT PRIMARY KEY";
            await using DbCommand create = connection.Command($"CREATE TABLE bench_ceiling (id {key}, at BIGINT NOT NULL)");
            await create.ExecuteNonQueryAsync();
        }

        DbCounts.Attach(database);

        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = "Mbushja.Ceiling" });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = like.MaxRequestBodyBytes;
        });
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(like.MinimumLogLevel);
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        WebApplication app = builder.Build();
        var ceiling = new SmsCeiling(app, database, serverDatabase, bankLatencyMs, data);
        app.MapPost(Path, ceiling.TopUpAsync);
        app.MapPost(BankPath + "holds", ceiling.BankAsync);
        app.MapPost(BankPath + "holds/{holdId}/capture", ceiling.BankAsync);
        await app.StartAsync();
        ceiling._bankBase = new Uri(ceiling.Address, BankPath);
        return ceiling;
    }

    /// <summary>Waits for the captures still running (they follow the answers), up to 30 s.</summary>
    public async Task DrainAsync()
    {
        long until = Stopwatch.GetTimestamp() + (30 * Stopwatch.Frequency);
        while (Interlocked.Read(ref _capturing) > 0 && Stopwatch.GetTimestamp() < until)
        {
            await Task.Delay(5);
        }
    }

    /// <summary>After the run: every top-up's three rows are in, and nothing failed.</summary>
    public async Task<string> CheckAsync()
    {
        await DrainAsync();
        await using DbConnection connection = await _database.OpenAsync();
        await using DbCommand count = connection.Command("SELECT COUNT(*) FROM bench_ceiling");
        long rows = Convert.ToInt64(await count.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
        long expected = 3 * TopUps;
        return rows == expected && Interlocked.Read(ref _failures) == 0
            ? $"ceiling ok: {rows:N0} rows for {TopUps:N0} top-ups"
            : $"ceiling BROKEN: {rows:N0} rows for {TopUps:N0} top-ups (3 each), {_failures:N0} failed ({_firstFailure})";
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        await _commits.DisposeAsync();
        _bank.Dispose();
        await _database.DisposeAsync();
        Directory.Delete(_data, recursive: true);
        await _serverDatabase.DisposeAsync();
    }

    private async Task TopUpAsync(HttpContext context)
    {
        await ReadAllAsync(context.Request.BodyReader);
        long id = 3 * Interlocked.Increment(ref _topUps);
        await CommitAsync(id);
        await CallBankAsync("holds", HoldBody);
        await CommitAsync(id + 1);
        HttpResponse response = context.Response;
        response.ContentType = "application/json; charset=utf-8";
        response.ContentLength = Answer.Length;
        await response.Body.WriteAsync(Answer);

        // The capture follows the answer, on the thread pool, as the real top-up's does (TopUpWork).
        Interlocked.Increment(ref _capturing);
        _ = Task.Run(async () =>
        {
            try
            {
                await CallBankAsync(string.Create(CultureInfo.InvariantCulture, $"holds/h{id}/capture"), []);
                await CommitAsync(id + 2);
            }
            catch (Exception e)
            {
                Interlocked.Increment(ref _failures);
                _firstFailure ??= e.Message;
            }
            finally
            {
                Interlocked.Decrement(ref _capturing);
            }
        });
    }

    /// <summary>The bank: checks nothing, waits the scenario's latency, answers a fixed body.</summary>
    private async Task BankAsync(HttpContext context)
    {
        if (_bankLatencyMs > 0)
        {
            await Task.Delay(_bankLatencyMs);
        }

        HttpResponse response = context.Response;
        response.ContentType = "application/json";
        response.ContentLength = BankAnswer.Length;
        await response.Body.WriteAsync(BankAnswer);
    }

    /// <summary>One signed call, signed as <see cref="HttpBankConnector"/> signs (<see cref="BankSignature"/>).</summary>
    private async Task CallBankAsync(string path, byte[] body)
    {
        var uri = new Uri(_bankBase, path);
        long timestamp = TimeProvider.System.GetUtcNow().ToUnixTimeSeconds();
        using var request = new HttpRequestMessage(HttpMethod.Post, uri);
        request.Headers.TryAddWithoutValidation(BankSignature.TimestampHeader, timestamp.ToString(CultureInfo.InvariantCulture));
        request.Headers.TryAddWithoutValidation(BankSignature.SignatureHeader, BankSignature.Sign(_key, "POST", uri.PathAndQuery, timestamp, body));
        request.Content = new ByteArrayContent(body);
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        using HttpResponseMessage response = await _bank.SendAsync(request, HttpCompletionOption.ResponseContentRead);
        response.EnsureSuccessStatusCode();
        await response.Content.ReadAsByteArrayAsync();
    }

    private async Task CommitAsync(long id)
    {
        CommitStatement insert = CommitStatement.Conditional(
            "INSERT INTO bench_ceiling (id, at) VALUES (@id, @at)", NotWritten, ("id", id), ("at", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()));
        if (await _commits.CommitAsync(insert, Durability.Durable) is { } refused)
        {
            throw new InvalidOperationException(refused.Message);
        }
    }

    private static async Task ReadAllAsync(PipeReader reader)
    {
        while (true)
        {
            ReadResult read = await reader.ReadAsync();
            reader.AdvanceTo(read.Buffer.End);
            if (read.IsCompleted)
            {
                return;
            }
        }
    }
}
