using Mbushja.Accounts;
using Mbushja.Banks.Connector;
using Mbushja.Domain;
using Mbushja.Ledger;
using Mbushja.Messaging;
using Mbushja.Sms;
using Mbushja.Storage;
using Mbushja.Storage.Commits;
using Mbushja.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Mbushja.TopUp.Tests;

/// <summary>
/// SMS Top Up as the server composes it (each project's AddXxx), on a fresh database, with the shipped IPKO
/// configuration, a fake clock and a <see cref="ScriptedBank"/>: a holder registered at BEK with some accounts to top up.
/// </summary>
internal sealed class TopUpHarness : IAsyncDisposable
{
    public const string HolderNational = "049700001";

    private readonly ServiceProvider _services;

    /// <summary>False for a harness on another's database: that one deletes it.</summary>
    private bool _ownsDatabase = true;

    private TopUpHarness(TestDatabase database, ServiceProvider services, FakeClock clock, ScriptedBank bank)
    {
        Test = database;
        _services = services;
        Clock = clock;
        Bank = bank;
    }

    public TestDatabase Test { get; }

    public FakeClock Clock { get; }

    public ScriptedBank Bank { get; }

    public Msisdn Holder { get; private set; }

    public T Get<T>()
        where T : notnull => _services.GetRequiredService<T>();

    /// <summary>
    /// A harness on a fresh database, or on <paramref name="database"/> (another harness's: then the holder is
    /// registered already, and <paramref name="clock"/> and <paramref name="bank"/> may be shared too), as the server
    /// instance <paramref name="instanceId"/> (a fresh one when null). Several on one database are several servers.
    /// <paramref name="banks"/> changes the shipped banks' settings (a bank's confirmation, say).
    /// <paramref name="connector"/> puts a connector of the test's in front of the bank (one that fails on purpose).
    /// </summary>
    public static async Task<TopUpHarness> StartAsync(
        DatabaseKind kind = DatabaseKind.Sqlite,
        TestDatabase? database = null,
        string? instanceId = null,
        FakeClock? clock = null,
        ScriptedBank? bank = null,
        TopUpOptions? options = null,
        ControlSettings? controls = null,
        Func<Bank, Bank>? banks = null,
        Func<ScriptedBank, IBankConnector>? connector = null)
    {
        TestDatabase test = database ?? await TestDatabase.CreateAsync(kind);
        clock ??= new FakeClock(new DateTimeOffset(2026, 3, 10, 9, 0, 0, TimeSpan.Zero));
        bank ??= new ScriptedBank();
        OperatorConfig config = OperatorConfig.Load(ShippedConfig.Directory);
        var services = new ServiceCollection();
        services.AddSingleton<ILoggerFactory>(NullLoggerFactory.Instance);
        services.AddSingleton(typeof(ILogger<>), typeof(NullLogger<>));
        services.AddSingleton(config);
        services.AddSingleton(config.Numbering);
        services.AddSingleton<TimeProvider>(clock);
        services.AddSingleton(new OperatorClock(clock, config.TimeZone));
        services.AddStorage(test.Database, clock);
        services.AddServerInstance(ServerInstance.Start(instanceId ?? "harness-" + Guid.NewGuid().ToString("N")[..8]));
        services.AddLedger();
        services.AddAccounts();
        services.AddMessaging(OutboxOptions.Default);
        BankDirectory shipped = BankDirectory.Load(ShippedConfig.Directory);
        services.AddSmsGrammars(banks is null ? shipped : new BankDirectory(shipped.Banks.Select(banks)));
        services.AddSingleton(controls ?? ControlSettings.Load(ShippedConfig.Directory));
        services.AddSmsTopUp(ReplyTexts.Load(ShippedConfig.Directory), options ?? TopUpOptions.Default);
        services.AddSingleton<IBankConnector>(connector is null ? bank : connector(bank));
        var harness = new TopUpHarness(test, services.BuildServiceProvider(), clock, bank) { _ownsDatabase = database is null };
        if (database is null)
        {
            await harness.RegisterHolderAsync();
        }
        else
        {
            harness.Holder = harness.Get<NumberingPlan>().ParseMsisdn(HolderNational).Value;
        }

        return harness;
    }

    private async Task RegisterHolderAsync()
    {
        NumberingPlan numbering = Get<NumberingPlan>();
        Holder = numbering.ParseMsisdn(HolderNational).Value;
        await Get<Subscribers>().CreateAsync(Holder, Money.Zero, Language.En);
        RegistrationOutcome registered = await Get<Registrations>().CreateAsync(
            new NewRegistration("BEK", Holder, Iban.ForKosovoAccount("0500050000001234"), [], []), "test");
        Assert.True(registered.Succeeded, registered.Error?.Message);
    }

    /// <summary>An SMS from the holder to BEK's short code, as a gateway that reads the reply in its response sends it.</summary>
    public InboundSms Sms(string text, ReplyRoute route = ReplyRoute.Response) =>
        new(HolderNational, "50005", text, "m-" + Guid.NewGuid().ToString("N"), route);

    public Task<SmsTransaction?> RowAsync(TransactionId id) => Get<SmsTransactions>().GetAsync(id);

    public async Task<LedgerAccount?> AccountAsync(string id) => await Get<LedgerQueries>().GetAccountAsync(id);

    /// <summary>The ledger's invariants: zero sum, pending debits equal pending credits, no protected account below zero.</summary>
    public async Task AssertLedgerWholeAsync()
    {
        LedgerTotals totals = await Get<LedgerQueries>().GetTotalsAsync();
        Assert.Equal(0, totals.BalanceSum);
        Assert.Equal(totals.PendingDebitSum, totals.PendingCreditSum);
        Assert.Equal(0, totals.OverdrawnAccounts);
    }

    /// <summary>What a server does at its start after the database is up: registers its instance, ends its last run's leases.</summary>
    public async Task StartServerAsync()
    {
        await Get<ServerInstances>().RegisterAsync(Get<TopUpOptions>().Lease);
        await Get<WorkLeases>().EndOwnAsync();
    }

    /// <summary>Waits for the work an answer left running (the capture).</summary>
    public Task SettleAsync() => Get<TopUpWork>().DrainAsync(Timeouts.Hang);

    public async ValueTask DisposeAsync()
    {
        await Get<TopUpWork>().DrainAsync(Timeouts.Hang);
        await Get<CommitQueue>().DisposeAsync();
        await _services.DisposeAsync();
        if (_ownsDatabase)
        {
            await Test.DisposeAsync();
        }
    }
}
