using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Mbushja.Domain;
using Mbushja.Ledger;
using Mbushja.Sandbox;
using Mbushja.Server;
using Mbushja.Storage;
using Mbushja.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Mbushja.Failover.Tests;

/// <summary>
/// Production in small (README "Running it on more than one machine"): two Mbushja servers on the pg_auto_failover
/// cluster's multi-host URI, one bank outside both (the sandbox bank's connector API in a process of its own, as a real
/// bank is), and gateways that send SMS Top Up and USSD to either server and resend what is refused. The primary's
/// machine is killed while the load runs; what came of every message is kept for the checks and the figures.
/// Used by the failover tier (tests/Mbushja.Failover.Tests) and by bench/failover.
/// </summary>
public sealed class FailoverRun : IAsyncDisposable
{
    public const string AdminKey = "failover-admin-key-3b8e5c-9d41a7f2e06b";
    private const string Bank = "BEK";
    private const string ShortCode = "50005";
    private static readonly Money Funds = Money.FromCents(10_000_000);

    private readonly PgAutoFailoverCluster _cluster;
    private readonly Action<string> _log;
    private readonly List<(WebApplication App, HttpClient Http, string Data)> _servers = [];
    private readonly ConcurrentQueue<Sent> _sent = new();
    private readonly ConcurrentDictionary<string, int> _statuses = new();
    private readonly List<string> _holders = [];
    private readonly Dictionary<string, string> _accounts = [];
    private WebApplication _bankApp = null!;
    private SandboxBank _bank = null!;
    private long _ussdSteps;
    private int _next;

    public FailoverRun(PgAutoFailoverCluster cluster, Action<string> log)
    {
        _cluster = cluster;
        _log = log;
    }

    /// <summary>What a gateway got for one message, in the end (after resending what was refused).</summary>
    public sealed record Sent(string MessageId, string Holder, long Cents, TimeSpan FirstSent, TimeSpan Answered, string Status, int Refusals);

    /// <summary>The moment of each kill and of the new primary's first commit, on the run's clock.</summary>
    public sealed record Kill(string Node, TimeSpan At, TimeSpan PrimaryAt);

    public Stopwatch Clock { get; } = new();

    public IReadOnlyCollection<Sent> Messages => _sent;

    public List<Kill> Kills { get; } = [];

    /// <summary>HTTP statuses answered to gateways, by code, resends included.</summary>
    public IReadOnlyDictionary<int, int> Statuses => _statuses.ToDictionary(p => int.Parse(p.Key, CultureInfo.InvariantCulture), p => p.Value);

    public long UssdSteps => Interlocked.Read(ref _ussdSteps);

    /// <summary>The cluster's URI as pg_autoctl prints it, with the user Mbushja connects as.</summary>
    public string Db => _cluster.Uri.Replace("://", $"://{PgAutoFailoverCluster.Username}@", StringComparison.Ordinal);

    public async Task StartAsync(int holders)
    {
        Clock.Start();
        _bank = new SandboxBank([KeyValuePair.Create(Bank, Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)))]);
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseSetting("urls", "http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.AddAuthorization();
        builder.Services.AddAuthentication();
        _bankApp = builder.Build();
        _bankApp.MapSandboxBank(_bank);
        await _bankApp.StartAsync();
        Uri bankUrl = new(_bankApp.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());

        for (int i = 0; i < 2; i++)
        {
            await StartServerAsync(bankUrl);
        }

        HttpClient admin = _servers[0].Http;
        for (int i = 0; i < holders; i++)
        {
            string holder = "0496" + (70000 + i).ToString("D5", CultureInfo.InvariantCulture);
            string iban = Iban.ForKosovoAccount("0100" + (70000 + i).ToString("D5", CultureInfo.InvariantCulture) + "0001234").Value;
            await Expect(await admin.PostAsJsonAsync("/api/v1/subscribers", new { msisdn = holder, creditCents = 0, language = "en" }), HttpStatusCode.Created);
            await Expect(await admin.PostAsJsonAsync($"/api/v1/banks/{Bank}/registrations", new { holderMsisdn = holder, accountRef = iban }), HttpStatusCode.Created);
            _bank.SetAccount(Bank, iban, Funds);
            _holders.Add(holder);
            _accounts[holder] = iban;
        }
    }

    private async Task StartServerAsync(Uri bankUrl)
    {
        string data = Path.Combine(Path.GetTempPath(), "mbushja-failover-" + Guid.NewGuid().ToString("N"));
        var settings = new ServerSettings
        {
            Urls = "http://127.0.0.1:0",
            DataDirectory = data,
            // Its 20 holders top up several times a second each: far past the banks' shipped velocity limits.
            ConfigDirectory = ConfigCopies.WithoutVelocityLimits,
            Db = Db,
            AdminKey = AdminKey,
            BankEndpoints = _bank.EndpointsAt(bankUrl),
            // Short leases: what a failover leaves unfinished is finished within seconds by either server.
            TopUp = Mbushja.TopUp.TopUpOptions.Default with { Lease = TimeSpan.FromSeconds(5), LeaseRenewal = TimeSpan.FromSeconds(1) },
            RecoveryInterval = TimeSpan.FromSeconds(1),
            MinimumLogLevel = LogLevel.Critical,
        };
        WebApplication app = await MbushjaServer.BuildAsync(settings);
        await app.StartAsync();
        var http = new HttpClient { BaseAddress = new Uri(app.Urls.Single()), Timeout = TimeSpan.FromSeconds(90) };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", AdminKey);
        _servers.Add((app, http, data));
    }

    /// <summary>
    /// Sends SMS top-ups from <paramref name="gateways"/> gateways at once, and USSD sessions from one more, to either
    /// server in turn, until <paramref name="stop"/>. A 503 (or a connection the server dropped) is resent, with the same
    /// message id, after a short wait; any other answer is final.
    /// </summary>
    public Task LoadAsync(int gateways, CancellationToken stop) =>
        Task.WhenAll([.. Enumerable.Range(0, gateways).Select(g => SmsGatewayAsync(g, stop)), UssdGatewayAsync(stop)]);

    private async Task SmsGatewayAsync(int gateway, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            int n = Interlocked.Increment(ref _next);
            string holder = _holders[n % _holders.Count];
            string id = $"fo-{n}";
            long cents = 100 * (1 + (n % 5));
            TimeSpan first = Clock.Elapsed;
            int refusals = 0;
            while (true)
            {
                HttpClient http = _servers[(n + refusals + gateway) % _servers.Count].Http;
                try
                {
                    using HttpResponseMessage response = await http.PostAsJsonAsync(
                        "/api/v1/sms/inbound", new { from = holder, to = ShortCode, text = (cents / 100).ToString(CultureInfo.InvariantCulture), messageId = id }, CancellationToken.None);
                    _statuses.AddOrUpdate(((int)response.StatusCode).ToString(CultureInfo.InvariantCulture), 1, (_, c) => c + 1);
                    if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
                    {
                        refusals++;
                        await Task.Delay(100, CancellationToken.None);
                        continue;
                    }

                    string status = response.IsSuccessStatusCode
                        ? (await response.Content.ReadFromJsonAsync<JsonElement>(CancellationToken.None)).GetProperty("status").GetString()!
                        : $"http {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(CancellationToken.None)}";
                    _sent.Enqueue(new Sent(id, holder, cents, first, Clock.Elapsed, status, refusals));
                    break;
                }
                catch (HttpRequestException)
                {
                    // The server closed the connection without an answer: the gateway cannot know, and resends.
                    refusals++;
                    _statuses.AddOrUpdate("0", 1, (_, c) => c + 1);
                    await Task.Delay(100, CancellationToken.None);
                }
            }
        }
    }

    private async Task UssdGatewayAsync(CancellationToken stop)
    {
        int session = 0;
        while (!stop.IsCancellationRequested)
        {
            session++;
            string holder = _holders[session % _holders.Count];
            foreach (string text in new[] { "", "2" })
            {
                HttpClient http = _servers[session % _servers.Count].Http;
                using var form = new FormUrlEncodedContent(new Dictionary<string, string>
                {
                    ["sessionId"] = $"fo-ussd-{session}",
                    ["serviceCode"] = "*101#",
                    ["phoneNumber"] = holder,
                    ["text"] = text,
                });
                try
                {
                    using HttpResponseMessage response = await http.PostAsync("/ussd", form, CancellationToken.None);
                    _statuses.AddOrUpdate(((int)response.StatusCode).ToString(CultureInfo.InvariantCulture), 1, (_, c) => c + 1);
                    Interlocked.Increment(ref _ussdSteps);
                    if (!response.IsSuccessStatusCode)
                    {
                        // As an aggregator does after a refusal: the subscriber dials again a little later.
                        await Task.Delay(100, CancellationToken.None);
                        break;
                    }
                }
                catch (HttpRequestException)
                {
                    _statuses.AddOrUpdate("0", 1, (_, c) => c + 1);
                    await Task.Delay(100, CancellationToken.None);
                    break;
                }
            }
        }
    }

    /// <summary>Kills the primary's machine, waits for the new primary's first commit, and brings the killed node back as the standby.</summary>
    public async Task<Kill> KillPrimaryAsync()
    {
        int old = await _cluster.PrimaryPortAsync();
        TimeSpan at = Clock.Elapsed;
        string node = await _cluster.KillPrimaryNodeAsync();
        await _cluster.WaitForPrimaryAsync(old, TimeSpan.FromSeconds(90));
        var kill = new Kill(node, at, Clock.Elapsed);
        Kills.Add(kill);
        _log($"{node} killed at {at.TotalSeconds:0.0} s; the new primary took a commit {(kill.PrimaryAt - at).TotalSeconds:0.0} s later");
        await _cluster.RestartNodeAsync(node);
        _log($"{node} back as the standby at {Clock.Elapsed.TotalSeconds:0.0} s");
        return kill;
    }

    /// <summary>Kills the primary's postmaster alone: its keeper starts Postgres again, no failover.</summary>
    public async Task<TimeSpan> KillPrimaryPostmasterAsync()
    {
        TimeSpan at = Clock.Elapsed;
        string node = await _cluster.KillPrimaryPostmasterAsync();
        _log($"{node}'s postmaster (the primary's) killed at {at.TotalSeconds:0.0} s");
        return at;
    }

    /// <summary>
    /// Kills the standby's machine: the primary waits for it, then pg_auto_failover drops synchronous replication and
    /// writes go on (on one machine until the standby is back). Brings it back.
    /// </summary>
    public async Task<TimeSpan> KillStandbyAsync()
    {
        TimeSpan at = Clock.Elapsed;
        string node = await _cluster.KillStandbyNodeAsync();
        _log($"{node} (the standby) killed at {at.TotalSeconds:0.0} s");
        await _cluster.RestartNodeAsync(node);
        _log($"{node} back as the standby at {Clock.Elapsed.TotalSeconds:0.0} s");
        return at;
    }

    /// <summary>
    /// The figures of the run: per kill, the time to the new primary's first commit and to the first top-up completed
    /// after it; top-ups completed per second before, during and after; and what gateways were answered.
    /// </summary>
    public IEnumerable<string> Figures()
    {
        Sent[] done = [.. _sent.Where(m => m.Status == "completed")];
        foreach (Kill kill in Kills)
        {
            Sent? first = done.Where(m => m.Answered > kill.PrimaryAt).MinBy(m => m.Answered);
            TimeSpan window = kill.PrimaryAt - kill.At;
            double Rate(TimeSpan from, TimeSpan to) => done.Count(m => m.Answered >= from && m.Answered < to) / Math.Max(0.001, (to - from).TotalSeconds);
            string after = first is null
                ? "never"
                : FormattableString.Invariant($"{(first.Answered - kill.PrimaryAt).TotalSeconds:0.00} s after it ({(first.Answered - kill.At).TotalSeconds:0.0} s after the death)");
            yield return FormattableString.Invariant(
                $"{kill.Node} killed at {kill.At.TotalSeconds:0.0} s: new primary's first commit after {window.TotalSeconds:0.0} s; first top-up completed {after}; top-ups/s 10 s before {Rate(kill.At - TimeSpan.FromSeconds(10), kill.At):0}, during {Rate(kill.At, kill.PrimaryAt):0}, 10 s after {Rate(kill.PrimaryAt, kill.PrimaryAt + TimeSpan.FromSeconds(10)):0}");
        }

        yield return $"{_sent.Count} SMS answered ({done.Length} completed, {_sent.Count(m => m.Refusals > 0)} after being refused at least once), {UssdSteps} USSD steps; " +
            $"HTTP answers: {string.Join(", ", Statuses.OrderBy(s => s.Key).Select(s => $"{(s.Key == 0 ? "connection dropped" : s.Key.ToString(CultureInfo.InvariantCulture))}: {s.Value}"))}";
    }

    /// <summary>Waits until no message is left between its bank hold and its end (the servers' recovery finishes them).</summary>
    public async Task SettleAsync(TimeSpan timeout)
    {
        await using Database database = Database.Postgres(Db);
        var clock = Stopwatch.StartNew();
        while (await ScalarAsync(database, "SELECT COUNT(*) FROM sms_transactions WHERE state IN ('holding', 'credited', 'voiding')") > 0)
        {
            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"Messages still unfinished {timeout.TotalSeconds:0} s after the load stopped.");
            }

            await Task.Delay(200);
        }
    }

    /// <summary>What the database and the bank say, for the checks.</summary>
    public async Task<Books> BooksAsync()
    {
        await using Database database = Database.Postgres(Db);
        LedgerTotals totals = await new LedgerQueries(database).GetTotalsAsync();
        var rows = new Dictionary<string, (string State, long Cents, string Holder)>();
        await using (System.Data.Common.DbConnection connection = await database.OpenAsync())
        await using (System.Data.Common.DbCommand command = connection.CreateCommand())
        {
            command.CommandText = "SELECT message_id, state, COALESCE(amount, 0), sender FROM sms_transactions WHERE message_id LIKE 'fo-%'";
            await using System.Data.Common.DbDataReader reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                if (!rows.TryAdd(reader.GetString(0), (reader.GetString(1), reader.GetInt64(2), reader.GetString(3))))
                {
                    throw new InvalidOperationException($"Message {reader.GetString(0)} is recorded twice.");
                }
            }
        }

        long bankTaken = _holders.Sum(h => (Funds - _bank.GetAccount(Bank, _accounts[h])!.Balance).Cents);
        long bankHeld = _holders.Sum(h => _bank.GetAccount(Bank, _accounts[h])!.Held.Cents);
        long credits = 0;
        foreach (string holder in _holders)
        {
            // As any client: a 503 (a pooled connection a killed postmaster left broken) is asked again.
            HttpResponseMessage response;
            int tries = 0;
            while ((response = await _servers[0].Http.GetAsync("/api/v1/subscribers/" + holder)).StatusCode == HttpStatusCode.ServiceUnavailable && ++tries < 100)
            {
                response.Dispose();
                await Task.Delay(100);
            }

            using (response)
            {
                await Expect(response, HttpStatusCode.OK);
                credits += (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("creditCents").GetInt64();
            }
        }

        return new Books(totals, rows, bankTaken, bankHeld, credits);
    }

    /// <param name="Rows">Each recorded message by its id: state, total and sender.</param>
    /// <param name="BankTaken">What the bank's accounts paid out, captured.</param>
    /// <param name="BankHeld">What the bank still holds.</param>
    /// <param name="Credits">The holders' prepaid credit.</param>
    public sealed record Books(LedgerTotals Ledger, Dictionary<string, (string State, long Cents, string Holder)> Rows, long BankTaken, long BankHeld, long Credits);

    private static async Task<long> ScalarAsync(Database database, string sql)
    {
        await using System.Data.Common.DbConnection connection = await database.OpenAsync();
        await using System.Data.Common.DbCommand command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    private static async Task Expect(HttpResponseMessage response, HttpStatusCode status)
    {
        if (response.StatusCode != status)
        {
            throw new InvalidOperationException($"Expected {(int)status}, got {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach ((WebApplication app, HttpClient http, string data) in _servers)
        {
            http.Dispose();
            await app.StopAsync();
            await app.DisposeAsync();
            if (Directory.Exists(data))
            {
                Directory.Delete(data, recursive: true);
            }
        }

        if (_bankApp is not null)
        {
            await _bankApp.StopAsync();
            await _bankApp.DisposeAsync();
        }
    }
}
