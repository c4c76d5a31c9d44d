using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.RegularExpressions;
using Mbushja.Accounts;
using Mbushja.Domain;
using Mbushja.Sandbox;
using Mbushja.Server;
using Mbushja.Sms;
using Mbushja.Storage;
using Mbushja.TopUp;
using Mbushja.WebConsole;
using Mbushja.WebConsole.Users;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Mbushja.Bench.Scale;

/// <summary>Milliseconds per call, and the rows one call returned (the mean).</summary>
internal sealed record Timing(double Median, double P95, double Rows);

/// <summary>One database's timings, in the order the operations ran, and what its build and checks said.</summary>
internal sealed record ScaleResult(IReadOnlyList<(string Name, Timing Timing)> Timings, string Note);

/// <summary>Times calls by name, in the order they first ran; only while <see cref="Measuring"/>.</summary>
internal sealed class Probe
{
    private readonly Dictionary<string, (List<double> Ms, long Rows)> _samples = [];
    private readonly List<string> _order = [];

    public bool Measuring { get; set; }

    public async Task TimeAsync(string name, Func<Task<int>> call)
    {
        long t0 = Stopwatch.GetTimestamp();
        int rows = await call();
        Add(name, Stopwatch.GetElapsedTime(t0).TotalMilliseconds, rows);
    }

    public void Add(string name, double ms, int rows)
    {
        if (!_samples.TryGetValue(name, out (List<double> Ms, long Rows) sample))
        {
            sample = ([], 0);
            _order.Add(name);
        }

        if (Measuring)
        {
            sample.Ms.Add(ms);
            sample.Rows += rows;
        }

        _samples[name] = sample;
    }

    public List<(string Name, Timing Timing)> Timings() => [.. _order.Select(name =>
    {
        (List<double> ms, long rows) = _samples[name];
        ms.Sort();
        int n = Math.Max(1, ms.Count);
        return (name, ms.Count == 0 ? new Timing(double.NaN, double.NaN, 0) : new Timing(ms[ms.Count / 2], ms[Math.Min(ms.Count - 1, (int)(ms.Count * 0.95))], rows / (double)n));
    })];
}

/// <summary>An operation of a round: every <paramref name="Every"/>-th round, timed by the probe (some time more than one step).</summary>
internal sealed record Operation(int Every, Func<Probe, Task> Run);

internal static partial class ScaleRun
{
    /// <summary>The USSD menu's choices (config/ipko/ussd.json): 1 Payments, 3 the last payments; confirm 1.</summary>
    private const string PaymentsChoice = "1";
    private const string LastPaymentsChoice = "3";
    private const string ConfirmChoice = "1";

    /// <summary>Holders at the first bank whose sandbox account is funded: the senders of the timed top-ups.</summary>
    private const int LiveHolders = 500;

    /// <param name="keep">Leave the database (to EXPLAIN its reads): the SQLite file in its folder, or the PostgreSQL database.</param>
    public static async Task<ScaleResult> RunAsync(string engine, string? pgAdmin, string label, Sizes sizes, int reps, int restarts, bool keep)
    {
        string data = Path.Combine(Path.GetTempPath(), "mbushja-bench-scale-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(data);
        ServerDatabase serverDb = await ServerDatabase.CreateAsync(engine, pgAdmin, "scale", data);
        var settings = new ServerSettings
        {
            Urls = "http://127.0.0.1:0",
            DataDirectory = data,
            Db = serverDb.Option,
            AdminKey = "bench-" + Guid.NewGuid().ToString("N"),
            MinimumLogLevel = Microsoft.Extensions.Logging.LogLevel.Warning,
        };

        WebApplication? app = await MbushjaServer.BuildAsync(settings);
        await app.StartAsync(); // the server's own migrations
        try
        {
            IServiceProvider services = app.Services;
            Database database = services.GetRequiredService<Database>();
            OperatorClock clock = services.GetRequiredService<OperatorClock>();
            Bank[] banks = [.. services.GetRequiredService<BankDirectory>().Banks.OrderBy(b => b.Code, StringComparer.Ordinal)];
            long now = clock.UtcNow.ToUnixTimeMilliseconds();
            long start = now - ((long)sizes.Days * 86_400_000);
            var seeding = Stopwatch.StartNew();
            string check = await new ScaleSeed(database, sizes, banks, clock, start, now).RunAsync();
            string seeded = string.Create(CultureInfo.InvariantCulture, $"built in {seeding.Elapsed.TotalSeconds:F0} s; {check}");
            Console.WriteLine($"  {engine} {label}: {sizes}: {seeded}");

            var probe = new Probe();
            Operation[] operations = await OperationsAsync(app, settings, sizes, banks, start);

            // Warm-up, unmeasured, every operation every round (the eighth-round ones too): a tenth of the rounds, then
            // on until a round compiles under 10 ms (at most as many rounds again). Until the JIT's tiers settle, a
            // figure is the JIT's, not the database's; and the first database measured would pay for it alone.
            int warmRounds = 0;
            for (bool quiet = false; warmRounds < reps / 10 || (!quiet && warmRounds < reps); warmRounds++)
            {
                TimeSpan compiled = System.Runtime.JitInfo.GetCompilationTime();
                foreach (Operation operation in operations)
                {
                    await operation.Run(probe);
                }

                quiet = System.Runtime.JitInfo.GetCompilationTime() - compiled < TimeSpan.FromMilliseconds(10);
            }

            // Then every operation once per round, in turn, so that a slow moment of a shared machine (a checkpoint,
            // another engineer's build) falls on all of them alike.
            probe.Measuring = true;
            for (int round = 0; round < reps; round++)
            {
                foreach (Operation operation in operations)
                {
                    if (round % operation.Every == 0)
                    {
                        await operation.Run(probe);
                    }
                }
            }

            string after = await CheckAfterAsync(services);
            await app.StopAsync();
            await app.DisposeAsync();
            app = null;

            // Start-up on this database: from building the server (configuration, schema check, catalog changes) to
            // /health/ready answering 200, in this process (the JIT's start is not the database's).
            for (int i = -2; i < restarts; i++)
            {
                probe.Measuring = i >= 0;
                var started = Stopwatch.StartNew();
                WebApplication again = await MbushjaServer.BuildAsync(settings);
                await again.StartAsync();
                using (var http = new HttpClient { BaseAddress = new Uri(again.Urls.First()) })
                {
                    while ((await http.GetAsync("/health/ready")).StatusCode != HttpStatusCode.OK)
                    {
                        await Task.Delay(5);
                    }
                }

                probe.Add("start-up to /health/ready", started.Elapsed.TotalMilliseconds, 0);
                await again.StopAsync();
                await again.DisposeAsync();
            }

            List<(string Name, Timing Timing)> timings = probe.Timings();
            foreach ((string name, Timing t) in timings)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"    {engine} {label}: {name}: p50 {t.Median:F2} ms, p95 {t.P95:F2} ms, {t.Rows:0.#} rows"));
            }

            return new ScaleResult(timings, $"{seeded}; warmed up in {warmRounds} rounds; after the rounds {after}");
        }
        finally
        {
            if (app is not null)
            {
                await app.StopAsync();
                await app.DisposeAsync();
            }

            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            if (keep)
            {
                string kept = engine == "postgres" ? "database " + new Npgsql.NpgsqlConnectionStringBuilder(serverDb.Option).Database : serverDb.Option;
                Console.WriteLine($"  {engine} {label}: kept {kept}");
            }
            else
            {
                Directory.Delete(data, recursive: true);
                await serverDb.DisposeAsync();
            }
        }
    }

    /// <summary>What a round does, in order: the reads through the product's classes, then the requests over HTTP.</summary>
    private static async Task<Operation[]> OperationsAsync(WebApplication app, ServerSettings settings, Sizes sizes, Bank[] banks, long start)
    {
        IServiceProvider services = app.Services;
        ServiceAccounts accounts = services.GetRequiredService<ServiceAccounts>();
        Subscribers subscribers = services.GetRequiredService<Subscribers>();
        SmsTransactions transactions = services.GetRequiredService<SmsTransactions>();
        Settlements settlements = services.GetRequiredService<Settlements>();
        NumberingPlan numbering = services.GetRequiredService<NumberingPlan>();
        OperatorClock clock = services.GetRequiredService<OperatorClock>();
        OperatorConfig config = services.GetRequiredService<OperatorConfig>();
        var random = new Random(42);
        var server = new Uri(app.Urls.First());

        int Account() => random.Next(sizes.ServiceAccounts);
        int Subscriber() => random.Next(sizes.Registrations); // one with top-ups, registered at its bank
        int TopUp() => random.Next(sizes.TopUps);
        Bank BankOf(int subscriber) => banks[ScaleSeed.BankOf(subscriber, banks.Length)];
        string Local(int subscriber) => "0" + ScaleSeed.SubscriberE164(subscriber)[4..];
        string Reference(int topUp) => ScaleSeed.TopUpId(topUp)[^8..].ToUpperInvariant();
        DateOnly Day()
        {
            // A whole day inside the seeded span: not the first nor today.
            long at = start + (random.Next(1, Math.Max(2, sizes.Days - 1)) * 86_400_000L);
            return clock.LocalDate(DateTimeOffset.FromUnixTimeMilliseconds(at));
        }

        // The senders of the timed top-ups: holders at the first bank, their sandbox accounts funded.
        SandboxBank sandbox = services.GetRequiredService<SandboxBank>();
        int[] holders = [.. Enumerable.Range(0, LiveHolders).Select(i => i * banks.Length).Where(k => k < sizes.Registrations)];
        foreach (int k in holders)
        {
            sandbox.SetAccount(banks[0].Code, ScaleSeed.HolderIban(k).Value, Money.FromCents(1_000_000_000));
        }

        // Numbers that have not paid by USSD this month (the seeded payers are the first UssdPayments), from the last down.
        int nextPayer = sizes.Subscribers;
        int package = config.Catalog.UssdPackages.ToList().FindIndex(p => p.Code == "INTERNET_1") + 1;

        HttpClient api = Client(server);
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", settings.AdminKey);
        HttpClient gateway = Client(server);
        HttpClient console = await SignInAsync(server, services.GetRequiredService<ConsoleUsers>());

        return
        [
            // The reads under the requests, through the product's classes.
            Read("read: service account by username", async () => await accounts.FindAsync($"user{Account()}") is null ? 0 : 1),
            Read("read: service account by contract", async () => await accounts.FindAsync($"C{Account():D8}") is null ? 0 : 1),
            Read("read: service account by SMART card", async () => await accounts.FindAsync($"{Account() + 100_000_000_000L:D12}") is null ? 0 : 1),
            Read("read: service account, unknown name", async () => await accounts.FindAsync($"nobody{Account()}") is null ? 1 : 0),
            Read("read: subscriber by msisdn", async () => await subscribers.FindAsync(numbering.ParseMsisdn(ScaleSeed.SubscriberE164(Subscriber())).Value) is null ? 0 : 1),
            Read("read: transactions of an msisdn (50)", async () => (await transactions.ListAsync(ScaleSeed.SubscriberE164(Subscriber()), null, null, 50)).Count),
            Read("read: transactions, latest page (50)", async () => (await transactions.ListAsync(null, null, null, 50)).Count),
            Read("read: transaction by reference", async () => (await transactions.ByReferenceAsync(Reference(TopUp()))).Count),
            Read("read: top-ups a number received (a page)", async () =>
                (await transactions.ToTargetAsync(ScaleSeed.SubscriberE164(Subscriber()), null, Mbushja.WebConsole.Pages.LookupModel.PageSize)).Rows.Count),
            new Operation(8, p => p.TimeAsync("read: settlement of a bank's day", async () =>
                (await settlements.ForDayAsync(banks[random.Next(banks.Length)].Code, Day())).Lines.Count)),

            // SMS Top Up end to end: a registered holder tops up their own number by 5 €; answered once credited.
            Read("SMS top-up (POST /api/v1/sms/inbound)", async () =>
            {
                int holder = holders[random.Next(holders.Length)];
                string body = $"{{\"from\":\"{ScaleSeed.SubscriberE164(holder)}\",\"to\":\"{banks[0].ShortCode}\",\"text\":\"5\",\"messageId\":\"bench-{Guid.NewGuid():N}\"}}";
                string answer = await SendAsync(gateway, HttpMethod.Post, "/api/v1/sms/inbound", new StringContent(body, Encoding.UTF8, "application/json"));
                return answer.Contains("\"status\":\"completed\"", StringComparison.Ordinal) ? 1 : throw new InvalidOperationException($"SMS top-up: {answer}");
            }),

            // USSD *101#: a session walks to a package's payment, each step timed; another reads the last payments.
            new Operation(1, async p =>
            {
                int payer = --nextPayer;
                if (payer < sizes.UssdPayments)
                {
                    throw new InvalidOperationException("Every number that had not paid this month has paid now.");
                }

                string session = "bench-" + Guid.NewGuid().ToString("N");
                string account = $"user{Account()}";
                await p.TimeAsync("USSD dial *101#", () => UssdAsync(gateway, session, Local(payer), "", "CON "));
                await p.TimeAsync("USSD menu: Payments", () => UssdAsync(gateway, session, Local(payer), PaymentsChoice, "CON "));
                await p.TimeAsync("USSD menu: a package", () => UssdAsync(gateway, session, Local(payer), $"{PaymentsChoice}*{package}", "CON "));
                await p.TimeAsync("USSD username entry (the quote)", () => UssdAsync(gateway, session, Local(payer), $"{PaymentsChoice}*{package}*{account}", "CON "));
                await p.TimeAsync("USSD confirm (the payment)", () => UssdAsync(gateway, session, Local(payer), $"{PaymentsChoice}*{package}*{account}*{ConfirmChoice}", "END "));
            }),
            new Operation(1, async p =>
            {
                string session = "bench-" + Guid.NewGuid().ToString("N");
                string number = Local(random.Next(sizes.UssdPayments)); // one that paid
                await UssdAsync(gateway, session, number, "", "CON ");
                await p.TimeAsync("USSD menu: last payments", () => UssdAsync(gateway, session, number, LastPaymentsChoice, "CON "));
            }),

            // The console, signed in as a supervisor: the lookup of a number, an account and a reference, a transaction's
            // page (its trail, transfers and reversal), and the dashboard every sign-in lands on.
            Read("console: lookup of a number", () => PageAsync(console, $"/console/lookup?q={Local(Subscriber())}")),
            Read("console: lookup of a username", () => PageAsync(console, $"/console/lookup?q=user{Account()}")),
            Read("console: lookup of a reference", () => PageAsync(console, $"/console/lookup?q={Reference(TopUp())}")),
            Read("console: lookup of a USSD receipt's reference", () =>
                PageAsync(console, $"/console/lookup?q={ScaleSeed.PaymentId(random.Next(sizes.UssdPayments))[^8..].ToUpperInvariant()}")),
            Read("console: transaction page", () => PageAsync(console, $"/console/transactions/{ScaleSeed.TopUpId(TopUp())}")),
            Read(Program.DashboardOperation, () => PageAsync(console, "/console/dashboard")),

            // The API's reads, with the admin key.
            Read("API: GET subscribers/{msisdn}", () => GetAsync(api, $"/api/v1/subscribers/{Uri.EscapeDataString(ScaleSeed.SubscriberE164(Subscriber()))}")),
            Read("API: GET service-accounts/{username}", () => GetAsync(api, $"/api/v1/service-accounts/user{Account()}")),
            Read("API: GET a number's registration", () =>
            {
                int k = Subscriber();
                return GetAsync(api, $"/api/v1/banks/{BankOf(k).Code}/registrations?msisdn={Local(k)}");
            }),
            Read("API: GET transactions?msisdn=", () => GetAsync(api, $"/api/v1/transactions?msisdn={Local(Subscriber())}")),
            Read("API: GET transactions (latest 50)", () => GetAsync(api, "/api/v1/transactions")),
            Read("API: GET transactions/{id}", () => GetAsync(api, $"/api/v1/transactions/{ScaleSeed.TopUpId(TopUp())}")),
            new Operation(8, p => p.TimeAsync("API: GET a bank's settlement of a day", () =>
                GetAsync(api, $"/api/v1/banks/{banks[random.Next(banks.Length)].Code}/settlement?date={Day():yyyy-MM-dd}"))),
            new Operation(8, async p =>
            {
                // The bank's statement of the day agrees with the settlement: every line matched.
                Bank bank = banks[random.Next(banks.Length)];
                DateOnly day = Day();
                Settlement settlement = await settlements.ForDayAsync(bank.Code, day);
                var csv = new StringBuilder("reference,date,amount\n");
                foreach (SettlementLine line in settlement.Lines)
                {
                    csv.Append(line.Kind == SettlementKinds.Reversal ? "rf-" : "").Append(line.TransactionId).Append(',')
                        .Append(day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)).Append(',').Append(line.Amount.ToDecimalString()).Append('\n');
                }

                await p.TimeAsync("API: POST a bank's reconciliation of a day", async () =>
                {
                    using var content = new StringContent(csv.ToString(), Encoding.UTF8, "text/csv");
                    string report = await SendAsync(api, HttpMethod.Post, $"/api/v1/banks/{bank.Code}/reconciliation?date={day:yyyy-MM-dd}&by=bench", content);
                    using var json = System.Text.Json.JsonDocument.Parse(report);
                    return json.RootElement.GetProperty("matched").GetArrayLength() == settlement.Lines.Count
                        ? settlement.Lines.Count
                        : throw new InvalidOperationException($"Reconciliation of {settlement.Lines.Count} lines: {report[..Math.Min(400, report.Length)]}");
                });
            }),
        ];
    }

    private static Operation Read(string name, Func<Task<int>> call) => new(1, p => p.TimeAsync(name, call));

    private static HttpClient Client(Uri server, CookieContainer? cookies = null) =>
        new(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false, CookieContainer = cookies ?? new CookieContainer(), UseCookies = cookies is not null })
        {
            BaseAddress = server,
            Timeout = TimeSpan.FromMinutes(2),
        };

    /// <summary>A request's answer, which must be a success; its text.</summary>
    private static async Task<string> SendAsync(HttpClient http, HttpMethod method, string path, HttpContent? content = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        using HttpResponseMessage response = await http.SendAsync(request);
        string body = await response.Content.ReadAsStringAsync();
        return response.IsSuccessStatusCode
            ? body
            : throw new InvalidOperationException($"{method} {path}: {(int)response.StatusCode} {body[..Math.Min(400, body.Length)]}");
    }

    private static async Task<int> GetAsync(HttpClient http, string path) => (await SendAsync(http, HttpMethod.Get, path)).Length > 0 ? 1 : 0;

    /// <summary>A console page: 200, with the page's own content (not the sign-in form).</summary>
    private static async Task<int> PageAsync(HttpClient console, string path)
    {
        string page = await SendAsync(console, HttpMethod.Get, path);
        return page.Contains("name=\"password\"", StringComparison.Ordinal) ? throw new InvalidOperationException($"{path}: signed out") : 1;
    }

    /// <summary>One USSD step as the aggregator sends it; the answer must start as expected (CON or END).</summary>
    private static async Task<int> UssdAsync(HttpClient gateway, string session, string phone, string text, string expected)
    {
        using var content = new StringContent(
            $"sessionId={session}&serviceCode=%2A101%23&phoneNumber={phone}&text={Uri.EscapeDataString(text)}", Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-www-form-urlencoded");
        string answer = await SendAsync(gateway, HttpMethod.Post, "/ussd", content);
        return answer.StartsWith(expected, StringComparison.Ordinal) ? 1 : throw new InvalidOperationException($"USSD [{text}]: {answer}");
    }

    /// <summary>A console user made for the run, signed in as a browser does: the sign-in form's antiforgery token, then the post.</summary>
    private static async Task<HttpClient> SignInAsync(Uri server, ConsoleUsers users)
    {
        string password = Guid.NewGuid().ToString("N");
        if (await users.CreateAsync("bench.supervisor", ConsoleRole.Supervisor, null, password, "bench") is { } refused)
        {
            throw new InvalidOperationException(refused.Message);
        }

        HttpClient console = Client(server, new CookieContainer());
        string form = await SendAsync(console, HttpMethod.Get, ConsoleSetup.SignInPath);
        Match token = CsrfToken().Match(form);
        if (!token.Success)
        {
            throw new InvalidOperationException("No antiforgery token on the sign-in page.");
        }

        using var fields = new FormUrlEncodedContent([new("username", "bench.supervisor"), new("password", password), new("__csrf", WebUtility.HtmlDecode(token.Groups[1].Value))]);
        using HttpResponseMessage signedIn = await console.PostAsync(ConsoleSetup.SignInPath, fields);
        return signedIn.StatusCode == HttpStatusCode.Redirect
            ? console
            : throw new InvalidOperationException($"Sign-in: {(int)signedIn.StatusCode}");
    }

    /// <summary>After the rounds: the captures finished, nothing unfinished, and the ledger still balances to its transfers.</summary>
    private static async Task<string> CheckAfterAsync(IServiceProvider services)
    {
        await services.GetRequiredService<TopUpProcessor>().DrainAsync(TimeSpan.FromSeconds(60));
        Database database = services.GetRequiredService<Database>();
        await using DbConnection connection = await database.OpenOwnAsync();
        await using (DbCommand unfinished = connection.Command($"SELECT COUNT(*) FROM sms_transactions WHERE state IN ({TopUpStates.UnfinishedSql})"))
        {
            long open = Convert.ToInt64(await unfinished.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
            if (open != 0)
            {
                throw new InvalidOperationException($"{open} top-ups left unfinished.");
            }
        }

        return await ScaleSeed.CheckLedgerAsync(connection);
    }

    [GeneratedRegex("name=\"__csrf\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex CsrfToken();
}
