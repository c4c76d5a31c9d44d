using System.Data.Common;
using Mbushja.Accounts;
using Mbushja.Domain;
using Mbushja.Ledger;
using Mbushja.Storage;
using Mbushja.Storage.Commits;
using Mbushja.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Mbushja.Ussd.Tests;

/// <summary>
/// The USSD service on a real database (SQLite or PostgreSQL) with the real ledger, and a fake clock: what a server
/// runs behind <c>POST /ussd</c>, without HTTP. Subscribers and accounts are fresh for each test.
/// </summary>
internal sealed class ServiceWorld : IAsyncDisposable
{
    private static int _next = 100_000;

    private ServiceWorld(TestDatabase database, FakeClock clock, OperatorConfig config, UssdMenu menu)
    {
        TestDatabase = database;
        Clock = clock;
        Config = config;
        Menu = menu;
        OperatorClock = new OperatorClock(clock, config.TimeZone);
        Commits = new CommitQueue(database.Database, clock);
        Ledger = new LedgerEngine(Commits);
        Subscribers = new Subscribers(database.Database, Ledger);
        Accounts = new ServiceAccounts(database.Database, Ledger, config.Numbering);
        Payments = new UssdPayments(database.Database, Ledger, OperatorClock);
        Sessions = new UssdSessions(database.Database, Commits, clock);
        Renewals = new UssdRenewals(database.Database, Commits);
        Engine = new UssdEngine(menu, config, OperatorClock, new UssdData(Accounts, Subscribers, Payments, Renewals));
        Prices = new CatalogChanges(database.Database, Commits, config, OperatorClock);
        Sweep = new UssdRenewalSweep(Renewals, Payments, Engine, config, OperatorClock, NullLogger<UssdRenewalSweep>.Instance, Prices);
        Service = new UssdService(Engine, Sessions, Payments, Subscribers, config, OperatorClock, NullLogger<UssdService>.Instance);
        Queries = new LedgerQueries(database.Database);
    }

    public TestDatabase TestDatabase { get; }

    public Database Database => TestDatabase.Database;

    public FakeClock Clock { get; }

    public OperatorConfig Config { get; }

    public UssdMenu Menu { get; }

    public OperatorClock OperatorClock { get; }

    public CommitQueue Commits { get; }

    public LedgerEngine Ledger { get; }

    public LedgerQueries Queries { get; }

    public Subscribers Subscribers { get; }

    public ServiceAccounts Accounts { get; }

    public UssdPayments Payments { get; }

    public UssdSessions Sessions { get; }

    public UssdRenewals Renewals { get; }

    /// <summary>Prices and fees an administrator recorded over the catalog file (the renewal sweep reads them).</summary>
    public CatalogChanges Prices { get; }

    /// <summary>The renewal sweep of this world's server.</summary>
    public UssdRenewalSweep Sweep { get; }

    public UssdEngine Engine { get; }

    public UssdService Service { get; }

    public static async Task<ServiceWorld> CreateAsync(DatabaseKind kind, DateTimeOffset now, string? configDirectory = null)
    {
        string directory = configDirectory ?? ShippedConfig.Directory;
        OperatorConfig config = OperatorConfig.Load(directory);
        return new ServiceWorld(await TestDatabase.CreateAsync(kind), new FakeClock(now), config, UssdMenu.Load(directory, config.Catalog));
    }

    /// <summary>A new subscriber; returns the national number (<c>049100123</c>).</summary>
    public async Task<string> SubscriberAsync(long creditCents, Language language = Language.Sq)
    {
        string national = $"049{Interlocked.Increment(ref _next):D6}";
        LedgerOutcome outcome = await Subscribers.CreateAsync(Config.Numbering.ParseMsisdn(national).Value, Money.FromCents(creditCents), language);
        Assert.True(outcome.Succeeded, outcome.Error?.ToString());
        return national;
    }

    /// <summary>
    /// A new account that can be paid for a package (for a package sold by amount, a TV account on a monthly package);
    /// returns the identifier the package's USSD question asks for.
    /// </summary>
    public async Task<string> AccountAsync(string packageCode)
    {
        Package package = Config.Catalog.Find(packageCode)!;
        if (package.Price is null)
        {
            package = Config.Catalog.Packages.First(p => p.Kind == package.Kind && p.Price is not null);
        }

        int n = Interlocked.Increment(ref _next);
        bool card = package.AsksFor[0] == IdentifierKind.SmartCard;
        (LedgerOutcome outcome, _) = await Accounts.CreateAsync(new NewServiceAccount(
            package.Kind,
            package,
            AccountIdentifier.Parse($"user{n}", IdentifierKind.Username).Value,
            AccountIdentifier.Parse($"K-{n}", IdentifierKind.Contract).Value,
            card ? AccountIdentifier.Parse($"70{n}", IdentifierKind.SmartCard).Value : null,
            null,
            Money.Zero));
        Assert.True(outcome.Succeeded, outcome.Error?.ToString());
        return card ? $"70{n}" : $"user{n}";
    }

    /// <summary>
    /// Another server on the same database: its own memory of sessions, the same ledger and data (disposed with the world).
    /// </summary>
    public UssdService OtherServer()
    {
        var other = new UssdService(Engine, Sessions, Payments, Subscribers, Config, OperatorClock, NullLogger<UssdService>.Instance);
        _others.Add(other);
        return other;
    }

    private readonly List<UssdService> _others = [];

    /// <summary>
    /// The renewal sweep of another server on the same database: its own commit queue and ledger (disposed with the
    /// world), so the two race as two processes do.
    /// </summary>
    public UssdRenewalSweep OtherSweep()
    {
        var commits = new CommitQueue(Database, Clock);
        _otherCommits.Add(commits);
        var ledger = new LedgerEngine(commits);
        var payments = new UssdPayments(Database, ledger, OperatorClock);
        var renewals = new UssdRenewals(Database, commits);
        var engine = new UssdEngine(Menu, Config, OperatorClock, new UssdData(Accounts, Subscribers, payments, renewals));
        return new UssdRenewalSweep(renewals, payments, engine, Config, OperatorClock, NullLogger<UssdRenewalSweep>.Instance);
    }

    private readonly List<CommitQueue> _otherCommits = [];

    /// <summary>One request of the gateway (to <paramref name="server"/>, by default this world's); the body it answers (a refusal fails the test).</summary>
    public async Task<string> SendAsync(string session, string phone, string text, UssdService? server = null)
    {
        UssdOutcome outcome = await (server ?? Service).HandleAsync(new UssdRequest(session, "*101#", phone, text));
        Assert.True(outcome.Refusal is null, $"Refused: {outcome.Refusal}");
        return outcome.Body!;
    }

    /// <summary>A whole session as a gateway sends it: "", then the inputs so far, one more each time; the last answer.</summary>
    public async Task<string> SessionAsync(string session, string phone, params string[] inputs)
    {
        string body = await SendAsync(session, phone, "");
        for (int i = 1; i <= inputs.Length; i++)
        {
            body = await SendAsync(session, phone, string.Join('*', inputs[..i]));
        }

        return body;
    }

    public async Task<long> CreditAsync(string phone) => (await Subscribers.FindAsync(Config.Numbering.ParseMsisdn(phone).Value))!.Credit.Cents;

    public async Task<ServiceAccount> AccountNamedAsync(string identifier) => (await Accounts.FindAsync(identifier))!;

    public async Task<long> CountAsync(string sql, params (string, object?)[] parameters)
    {
        await using DbConnection connection = await Database.OpenAsync();
        await using DbCommand command = connection.Command(sql, null, parameters);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public async Task<string?> TextAsync(string sql, params (string, object?)[] parameters)
    {
        await using DbConnection connection = await Database.OpenAsync();
        await using DbCommand command = connection.Command(sql, null, parameters);
        return await command.ExecuteScalarAsync() as string;
    }

    /// <summary>The ledger sums to zero (money is never made or lost) and no protected account is below zero.</summary>
    public async Task AssertLedgerAsync()
    {
        LedgerTotals totals = await Queries.GetTotalsAsync();
        Assert.Equal(0, totals.BalanceSum);
        Assert.Equal(0, totals.OverdrawnAccounts);
    }

    public static string E164(string national) => "+383" + national[1..];

    public async ValueTask DisposeAsync()
    {
        Service.Dispose();
        _others.ForEach(o => o.Dispose());
        foreach (CommitQueue commits in _otherCommits)
        {
            await commits.DisposeAsync();
        }

        await Commits.DisposeAsync();
        await TestDatabase.DisposeAsync();
    }
}
