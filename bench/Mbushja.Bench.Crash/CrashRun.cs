using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Mbushja.Domain;
using Mbushja.Ledger;
using Mbushja.Sandbox;
using Mbushja.Storage;
using Npgsql;

namespace Mbushja.Bench.Crash;

/// <summary>A kill: which server, when, and how long until it answered <c>/health/ready</c> again.</summary>
internal sealed record KillAt(int Server, TimeSpan At, TimeSpan ReadyAfter);

/// <summary>
/// One layout of bench/crash (bench/README.md "Crash"): the servers started as processes on a fresh database, holders
/// registered, the gateways' load with SIGKILLs at random moments, a drain, then every message's replies counted and
/// the books checked.
/// </summary>
internal sealed class CrashRun
{
    private static readonly Money Funds = Money.FromCents(100_000_000);
    /// <summary>Issue 21's bound on the slowest 1 % of answers, in seconds.</summary>
    public const double SlowAnswer = 15;

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(120);

    private readonly Layout _layout;
    private readonly CrashOptions _options;
    private readonly Action<string> _log;
    private readonly Stopwatch _clock = new();
    private readonly List<ServerProcess> _servers = [];
    private readonly List<string> _holders = [];
    private readonly Dictionary<string, string> _accounts = [];
    private readonly List<KillAt> _kills = [];
    private string _work = "";
    private string? _postgresName;
    private string? _db;

    private CrashRun(Layout layout, CrashOptions options, Action<string> log)
    {
        _layout = layout;
        _options = options;
        _log = log;
    }

    public static async Task<LayoutResult> RunAsync(Layout layout, CrashOptions options, Action<string> log)
    {
        var run = new CrashRun(layout, options, log);
        return await run.RunAsync();
    }

    private void Log(string line) => _log(string.Create(CultureInfo.InvariantCulture, $"{_layout} {_clock.Elapsed.TotalSeconds,6:0.0} s  {line}"));

    private async Task<LayoutResult> RunAsync()
    {
        _clock.Start();
        // Owner-only (0700), as the server wants its data folders.
        _work = Directory.CreateTempSubdirectory("mbushja-crash-").FullName;
        LayoutResult? result = null;
        await using BankAndSink bank = await BankAndSink.StartAsync(_options.BankLatency, _options.BankFaults, _clock);
        string adminKey = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        using var admin = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", adminKey);
        try
        {
            if (_layout.Engine == "postgres")
            {
                await CreatePostgresDatabaseAsync();
            }

            StartServers(bank, adminKey);
            foreach (ServerProcess server in _servers)
            {
                // One by one: the first migrates the database, the others find it done.
                server.Start();
                await server.WaitReadyAsync(admin, StartTimeout);
            }

            Log($"{_servers.Count} server(s) ready; logs in {_work}");
            await RegisterHoldersAsync(admin, bank);
            Log($"{_holders.Count} holders registered at {BankAndSink.BankCode}");

            using var gateways = new Gateways(_servers, _holders, _options, _clock);
            using var stopNew = new CancellationTokenSource();
            using var giveUp = new CancellationTokenSource();
            Task load = gateways.LoadAsync(stopNew.Token, giveUp.Token);
            await KillAsync(admin);
            await Task.Delay(TimeSpan.FromSeconds(_options.Kills == 0 ? 20 : 4));
            await stopNew.CancelAsync();
            await load;
            TimeSpan stopped = _clock.Elapsed;
            Log($"load stopped: {gateways.Messages.Count} messages sent, {gateways.InFlight} not answered yet; draining");

            giveUp.CancelAfter(_options.DrainTimeout);
            await gateways.AnsweredAsync();
            TimeSpan answered = _clock.Elapsed - stopped;
            await using Database database = _db is null
                ? Database.Sqlite(Path.Combine(_servers[0].DataFolder, DataFolder.DatabaseFile))
                : Database.Postgres(_db);
            TimeSpan settled = await SettleAsync(database, stopped + _options.DrainTimeout, bank) - stopped;
            Log($"drained: every message answered {answered.TotalSeconds:0.0} s after the load stopped, the servers done {settled.TotalSeconds:0.0} s after");

            result = await TallyAsync(database, gateways, bank, admin);
            result = result with { AnsweredAfter = answered, SettledAfter = settled };
            return result;
        }
        finally
        {
            foreach (ServerProcess server in _servers)
            {
                server.Kill();
            }

            bool keep = _options.Keep || result is null || result.Failures.Count > 0;
            if (keep)
            {
                // The database goes with bench/crash's throwaway cluster; it stays in a cluster of one's own given by --pg.
                Log($"kept for a look: {_work} (server logs, data folders){(_postgresName is null ? "" : $", database {_postgresName}")}");
            }
            else
            {
                Directory.Delete(_work, recursive: true);
                if (_postgresName is not null)
                {
                    await using var connection = new NpgsqlConnection(_options.Postgres);
                    await connection.OpenAsync();
                    await using var drop = new NpgsqlCommand($"DROP DATABASE {_postgresName} WITH (FORCE)", connection);
                    await drop.ExecuteNonQueryAsync();
                }
            }
        }
    }

    private async Task CreatePostgresDatabaseAsync()
    {
        _postgresName = "crash_" + Guid.NewGuid().ToString("N")[..12];
        await using (var connection = new NpgsqlConnection(_options.Postgres))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {_postgresName}", connection);
            await create.ExecuteNonQueryAsync();
        }

        // Three servers' pools within the cluster's max_connections (test.sh gives 200).
        _db = new NpgsqlConnectionStringBuilder(_options.Postgres) { Database = _postgresName, MaxPoolSize = 40 }.ToString();
    }

    private void StartServers(BankAndSink bank, string adminKey)
    {
        // Secrets in the environment, never on a command line (README "Security").
        var environment = new Dictionary<string, string>
        {
            ["MBUSHJA_ADMIN_KEY"] = adminKey,
            ["MBUSHJA_BANK_SECRET_" + BankAndSink.BankCode] = bank.Secret,
            ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
        };
        for (int i = 0; i < _layout.Servers; i++)
        {
            int port = ServerProcess.FreePort();
            string data = Path.Combine(_work, $"server-{i}");
            var args = new List<string>
            {
                "serve",
                "--urls", $"http://127.0.0.1:{port}",
                "--data", data,
                "--bank-api", $"{BankAndSink.BankCode}={bank.BankUrl}",
                "--kannel-sendsms", bank.SendSmsUrl.ToString(),
                "--kannel-reply-via", _options.KannelReplyVia,
            };
            if (_db is not null)
            {
                args.AddRange(["--db", _db]);
            }

            args.AddRange(_options.ServerArgs);
            _servers.Add(new ServerProcess(i, _options.ServerDll!, args, environment, Path.Combine(_work, $"server-{i}.log"), new Uri($"http://127.0.0.1:{port}/"), data));
        }
    }

    private async Task RegisterHoldersAsync(HttpClient admin, BankAndSink bank)
    {
        Uri server = _servers[0].Url;
        for (int i = 0; i < _options.Holders; i++)
        {
            string number = (40000 + i).ToString("D5", CultureInfo.InvariantCulture);
            string holder = "0496" + number;
            string iban = Iban.ForKosovoAccount("0100" + number + "0001234").Value;
            bank.Bank.SetAccount(BankAndSink.BankCode, iban, Funds);
            await ExpectAsync(await admin.PostAsJsonAsync(new Uri(server, "/api/v1/subscribers"), new { msisdn = holder, creditCents = 0, language = "en" }), HttpStatusCode.Created);
            await ExpectAsync(
                await admin.PostAsJsonAsync(new Uri(server, $"/api/v1/banks/{BankAndSink.BankCode}/registrations"), new { holderMsisdn = holder, accountRef = iban }),
                HttpStatusCode.Created);
            _holders.Add(holder);
            _accounts[holder] = iban;
        }
    }

    /// <summary>SIGKILLs a server at random every few seconds and starts it again with the same arguments once it is dead.</summary>
    private async Task KillAsync(HttpClient probe)
    {
        // The first after a longer while: the servers' JIT warms up under load first.
        await Task.Delay(TimeSpan.FromSeconds(_options.KillGap.Max));
        for (int k = 0; k < _options.Kills; k++)
        {
            await Task.Delay(TimeSpan.FromSeconds(_options.KillGap.Min + (Random.Shared.NextDouble() * (_options.KillGap.Max - _options.KillGap.Min))));
            ServerProcess victim = _servers[Random.Shared.Next(_servers.Count)];
            TimeSpan at = _clock.Elapsed;
            victim.Kill();
            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(200, 2000)));
            victim.Start();
            await victim.WaitReadyAsync(probe, StartTimeout);
            var kill = new KillAt(victim.Index, at, _clock.Elapsed - at);
            _kills.Add(kill);
            Log($"kill {k + 1}/{_options.Kills}: server {victim.Index} SIGKILLed, ready again {kill.ReadyAfter.TotalSeconds:0.0} s later");
        }
    }

    /// <summary>
    /// Waits (until <paramref name="deadline"/>) for the servers to finish what is left: no message between its accept
    /// and its end, no reply waiting in the outbox, and no new reply at the sink for 2 s.
    /// </summary>
    private async Task<TimeSpan> SettleAsync(Database database, TimeSpan deadline, BankAndSink bank)
    {
        int sinkSeen = -1;
        TimeSpan quietSince = _clock.Elapsed;
        TimeSpan? doneSince = null;
        while (_clock.Elapsed < deadline)
        {
            long unfinished = await ScalarAsync(database, "SELECT COUNT(*) FROM sms_transactions WHERE state IN ('holding', 'credited', 'voiding')");
            long pending = await ScalarAsync(database, "SELECT COUNT(*) FROM sms_outbox WHERE state = 'pending'");
            if (bank.Replies.Count != sinkSeen)
            {
                sinkSeen = bank.Replies.Count;
                quietSince = _clock.Elapsed;
            }

            doneSince = unfinished == 0 && pending == 0 ? doneSince ?? _clock.Elapsed : null;
            if (doneSince is { } done && _clock.Elapsed - quietSince >= TimeSpan.FromSeconds(2))
            {
                return done > quietSince ? done : quietSince;
            }

            await Task.Delay(250);
        }

        return _clock.Elapsed;
    }

    private async Task<LayoutResult> TallyAsync(Database database, Gateways gateways, BankAndSink bank, HttpClient admin)
    {
        var failures = new List<string>();

        // What the servers recorded for each message, with the reply they kept for it (what the sink would get).
        var rows = new Dictionary<string, (string State, long Cents, string Recipient, string? Reply)>();
        await using (DbConnection connection = await database.OpenAsync())
        await using (DbCommand command = connection.CreateCommand())
        {
            command.CommandText = "SELECT t.message_id, t.state, COALESCE(t.amount, 0), COALESCE(o.recipient, t.sender), o.text "
                + "FROM sms_transactions t LEFT JOIN sms_outbox o ON o.transaction_id = t.id WHERE t.message_id LIKE 'cr-%'";
            await using DbDataReader reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                rows[reader.GetString(0)] = (reader.GetString(1), reader.GetInt64(2), reader.GetString(3), reader.IsDBNull(4) ? null : reader.GetString(4));
            }
        }

        // Each reply at the sink belongs to the message whose recipient and text it has (a done reply carries its Ref).
        var byReply = rows.Where(r => r.Value.Reply is not null)
            .GroupBy(r => (Last8(r.Value.Recipient), r.Value.Reply!))
            .ToDictionary(g => g.Key, g => g.Select(r => r.Key).ToList());
        var sinkCount = new Dictionary<string, int>();
        var firstSink = new Dictionary<string, TimeSpan>();
        int unattributed = 0;
        int ambiguous = 0;
        foreach (SinkReply reply in bank.Replies)
        {
            if (!byReply.TryGetValue((Last8(reply.To), reply.Text), out List<string>? candidates))
            {
                unattributed++;
                continue;
            }

            ambiguous += candidates.Count > 1 ? 1 : 0;
            string id = candidates.MinBy(c => sinkCount.GetValueOrDefault(c))!;
            sinkCount[id] = sinkCount.GetValueOrDefault(id) + 1;
            firstSink[id] = firstSink.TryGetValue(id, out TimeSpan seen) && seen < reply.At ? seen : reply.At;
        }

        SentMessage[] messages = [.. gateways.Messages];
        var latencies = new List<double>();
        int lost = 0;
        int doubled = 0;
        int viaSink = 0;
        int notRecorded = 0;
        foreach (SentMessage message in messages)
        {
            int replies = message.GatewayReplies + sinkCount.GetValueOrDefault(message.Id);
            lost += replies == 0 ? 1 : 0;
            doubled += replies > 1 ? 1 : 0;
            viaSink += sinkCount.ContainsKey(message.Id) ? 1 : 0;
            notRecorded += message.Answered is not null && !rows.ContainsKey(message.Id) ? 1 : 0;
            TimeSpan? first = (message.Answered, firstSink.TryGetValue(message.Id, out TimeSpan s) ? s : (TimeSpan?)null) switch
            {
                ({ } a, { } b) => a < b ? a : b,
                (var a, var b) => a ?? b,
            };
            if (first is { } at)
            {
                latencies.Add((at - message.FirstSent).TotalSeconds);
            }
        }

        latencies.Sort();
        IReadOnlyDictionary<string, int> answers = gateways.Answers;
        int errors = answers.Where(a => a.Key.StartsWith('5') && a.Key != "503").Sum(a => a.Value);
        int gaveUp = messages.Count(m => m.Status == "gave up");
        var states = rows.Values.GroupBy(r => r.State).ToDictionary(g => g.Key, g => g.Count());

        // The books: the ledger balanced with nothing held, the bank holding nothing, and each holder paid exactly what
        // they were credited, which is what the completed top-ups say.
        LedgerTotals ledger = await new LedgerQueries(database).GetTotalsAsync();
        long unfinished = await ScalarAsync(database, "SELECT COUNT(*) FROM sms_transactions WHERE state IN ('holding', 'credited', 'voiding')");
        long pending = await ScalarAsync(database, "SELECT COUNT(*) FROM sms_outbox WHERE state = 'pending'");
        long failedReplies = await ScalarAsync(database, "SELECT COUNT(*) FROM sms_outbox WHERE state = 'failed'");
        long bankTaken = 0;
        long bankHeld = 0;
        long credits = 0;
        int holdersOff = 0;
        foreach (string holder in _holders)
        {
            SandboxAccount account = bank.Bank.GetAccount(BankAndSink.BankCode, _accounts[holder])!;
            long taken = (Funds - account.Balance).Cents;
            long credit = await CreditOfAsync(admin, holder);
            bankTaken += taken;
            bankHeld += account.Held.Cents;
            credits += credit;
            holdersOff += taken != credit ? 1 : 0;
        }

        long completed = rows.Values.Where(r => r.State == "completed").Sum(r => r.Cents);
        bool booksOk = ledger.BalanceSum == 0 && ledger.PendingDebitSum == 0 && ledger.PendingCreditSum == 0 && unfinished == 0 && pending == 0
            && bankHeld == 0 && holdersOff == 0 && bankTaken == completed && credits == completed && notRecorded == 0;
        string books = string.Create(
            CultureInfo.InvariantCulture,
            $"ledger sum {ledger.BalanceSum}, pending {ledger.PendingDebitSum}/{ledger.PendingCreditSum}; unfinished {unfinished}; replies waiting {pending}, given up {failedReplies}; "
            + $"bank took {bankTaken / 100.0:0.00} € and holds {bankHeld / 100.0:0.00} €; credited {credits / 100.0:0.00} €; completed top-ups {completed / 100.0:0.00} €; "
            + $"holders paid ≠ credited: {holdersOff}; answered but not recorded: {notRecorded}");

        double P(double q) => latencies.Count == 0 ? 0 : latencies[Math.Clamp((int)Math.Ceiling(q * latencies.Count) - 1, 0, latencies.Count - 1)];
        if (doubled > 0)
        {
            failures.Add($"{doubled} messages got more than one reply");
        }

        if (lost > 0)
        {
            failures.Add($"{lost} messages got no reply");
        }

        if (P(0.99) > SlowAnswer)
        {
            failures.Add(string.Create(CultureInfo.InvariantCulture, $"p99 {P(0.99):0.0} s > {SlowAnswer} s"));
        }

        if (errors > 0)
        {
            failures.Add($"{errors} answers 5xx other than 503");
        }

        if (unattributed > 0)
        {
            failures.Add($"{unattributed} replies at the sink match no message");
        }

        if (!booksOk)
        {
            failures.Add("books off");
        }

        return new LayoutResult(
            _layout, messages.Length, _kills, lost, doubled, viaSink, gaveUp, unattributed, ambiguous,
            P(0.5), P(0.99), latencies.Count == 0 ? 0 : latencies[^1], latencies.Count(l => l > SlowAnswer),
            answers, bank.Faults, states, books, booksOk, failures, TimeSpan.Zero, TimeSpan.Zero);
    }

    private async Task<long> CreditOfAsync(HttpClient admin, string holder)
    {
        // Asked of any server that answers (each was started again after its last kill; a 503 is asked again).
        for (int attempt = 0; ; attempt++)
        {
            ServerProcess server = _servers[attempt % _servers.Count];
            try
            {
                using HttpResponseMessage response = await admin.GetAsync(new Uri(server.Url, "/api/v1/subscribers/" + holder));
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("creditCents").GetInt64();
                }
            }
            catch (HttpRequestException) when (attempt < 50)
            {
            }

            if (attempt >= 50)
            {
                throw new InvalidOperationException($"No server tells the credit of holder {holder}.");
            }

            await Task.Delay(200);
        }
    }

    private static string Last8(string number)
    {
        string digits = new([.. number.Where(char.IsAsciiDigit)]);
        return digits.Length > 8 ? digits[^8..] : digits;
    }

    private static async Task<long> ScalarAsync(Database database, string sql)
    {
        await using DbConnection connection = await database.OpenAsync();
        await using DbCommand command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    private static async Task ExpectAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        using (response)
        {
            if (response.StatusCode != status)
            {
                throw new InvalidOperationException($"Expected {(int)status}, got {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
            }
        }
    }
}

/// <summary>What one layout measured and found.</summary>
internal sealed record LayoutResult(
    Layout Layout,
    int Messages,
    IReadOnlyList<KillAt> Kills,
    int Lost,
    int Doubled,
    int ViaSink,
    int GaveUp,
    int Unattributed,
    int Ambiguous,
    double P50,
    double P99,
    double Max,
    int Slow,
    IReadOnlyDictionary<string, int> Answers,
    IReadOnlyDictionary<BankFault, int> BankFaults,
    IReadOnlyDictionary<string, int> States,
    string Books,
    bool BooksOk,
    IReadOnlyList<string> Failures,
    TimeSpan AnsweredAfter,
    TimeSpan SettledAfter);
