using Mbushja.Accounts;
using Mbushja.Domain;
using Mbushja.Testing;

namespace Mbushja.Ussd.Tests;

/// <summary>
/// The engine over the shipped configuration and an in-memory stand-in for the database: walks the menu as a phone
/// would, without a server. Accounts, credit and payments are whatever a test puts here.
/// </summary>
internal sealed class MenuWorld : IUssdData
{
    public static readonly Msisdn Phone = NumberingPlan.Kosovo.ParseMsisdn("049123456").Value;

    private readonly List<ServiceAccount> _accounts = [];

    public MenuWorld(string? configDirectory = null, DateTimeOffset? now = null)
    {
        string directory = configDirectory ?? ShippedConfig.Directory;
        Config = OperatorConfig.Load(directory);
        Menu = UssdMenu.Load(directory, Config.Catalog);
        Clock = new FakeClock(now ?? new DateTimeOffset(2026, 3, 10, 12, 0, 0, TimeSpan.Zero));
        Engine = new UssdEngine(Menu, Config, new OperatorClock(Clock, Config.TimeZone), this);
    }

    public OperatorConfig Config { get; }

    public UssdMenu Menu { get; }

    public FakeClock Clock { get; }

    public UssdEngine Engine { get; }

    public long CreditCents { get; set; } = 10_000;

    public bool PaidThisMonth { get; set; }

    public List<PaymentRecord> Payments { get; } = [];

    /// <summary>The caller's automatic renewals from credit, as the database would list them.</summary>
    public List<UssdRenewalDue> Renewals { get; } = [];

    /// <summary>The orders of renewals set or stopped, as the service would commit them with the session's end.</summary>
    public List<RenewalOrder> Orders { get; } = [];

    public ServiceAccount Account(
        ServiceKind kind, string package, string? username = null, string? contract = null, string? smartCard = null, DateTimeOffset? paidUntil = null)
    {
        var account = new ServiceAccount(
            Guid.NewGuid().ToString("N"), kind, package, username, contract, smartCard, null, paidUntil, Money.Zero, DateTimeOffset.UnixEpoch);
        _accounts.Add(account);
        return account;
    }

    /// <summary>The account every package of the shipped catalog can be paid for, by the identifier its prompt asks.</summary>
    public string AccountFor(Package package)
    {
        int n = _accounts.Count + 1;
        return package.AsksFor[0] switch
        {
            IdentifierKind.SmartCard => Account(package.Kind, package.Code, username: $"tv{n}", smartCard: $"7001{n:D5}").SmartCard!,
            _ => Account(package.Kind, package.Code, username: $"user{n}", contract: $"K-{n}").Username!,
        };
    }

    /// <summary>Dials and takes the inputs one by one; the text of the last screen, <c>CON </c> or <c>END </c> first.</summary>
    public async Task<string> WalkAsync(params string[] inputs) => (await WalkAllAsync(new Caller(Phone, Language.Sq), inputs))[^1];

    public async Task<string> WalkAsync(Language language, params string[] inputs) => (await WalkAllAsync(new Caller(Phone, language), inputs))[^1];

    /// <summary>Every screen on the way: the start screen, then one per input, until the session ends.</summary>
    public async Task<List<string>> WalkAllAsync(Caller caller, params string[] inputs)
    {
        var screens = new List<string>();
        StepResult step = await Engine.StartAsync(caller, default);
        screens.Add(await ShowAsync(caller, step));
        foreach (string input in inputs)
        {
            if (step is not Proceed proceed)
            {
                break;
            }

            step = await Engine.ApplyAsync(caller, proceed.State, input, default);
            if (step is Proceed { NewLanguage: { } language })
            {
                caller = caller with { Language = language };
            }

            screens.Add(await ShowAsync(caller, step));
        }

        return screens;
    }

    /// <summary>Where a walk stands after the inputs: the state of the last screen (the walk must not have ended).</summary>
    public async Task<UssdState> StateAfterAsync(Caller caller, params string[] inputs)
    {
        StepResult step = await Engine.StartAsync(caller, default);
        foreach (string input in inputs)
        {
            step = await Engine.ApplyAsync(caller, Assert.IsType<Proceed>(step).State, input, default);
        }

        return Assert.IsType<Proceed>(step).State;
    }

    public async Task<string> ShowAsync(Caller caller, StepResult step) => step switch
    {
        Proceed p => "CON " + await Engine.RenderAsync(caller, p.State, p.Notice, default),
        Finish f => "END " + Engine.RenderEnd(f.Text),
        RenewalChange r => Ordered(r),
        Confirmed c => $"PAY {c.Quote.Package.Code} {c.Quote.Account} {c.Quote.Price.Cents}+{c.Quote.Fee.Cents}",
        _ => throw new InvalidOperationException(),
    };

    private string Ordered(RenewalChange change)
    {
        Orders.Add(change.Order);
        return "END " + Engine.RenderEnd(change.Text);
    }

    Task<IReadOnlyList<UssdRenewalDue>> IUssdData.RenewalsAsync(Msisdn msisdn, CancellationToken ct) =>
        Task.FromResult<IReadOnlyList<UssdRenewalDue>>([.. Renewals]);

    Task<(ServiceAccount? Account, Money? Credit)> IUssdData.FindAccountAsync(string identifier, Msisdn msisdn, CancellationToken ct)
    {
        string key = identifier.Trim();
        ServiceAccount? account = _accounts.FirstOrDefault(a =>
            new[] { a.Id, a.Username, a.Contract, a.SmartCard }.Any(v => string.Equals(v, key, StringComparison.OrdinalIgnoreCase)));
        return Task.FromResult<(ServiceAccount?, Money?)>((account, Money.FromCents(CreditCents)));
    }

    Task<Money?> IUssdData.CreditAsync(Msisdn msisdn, CancellationToken ct) => Task.FromResult<Money?>(Money.FromCents(CreditCents));

    Task<bool> IUssdData.PaidInMonthAsync(Msisdn msisdn, string month, CancellationToken ct) => Task.FromResult(PaidThisMonth);

    Task<IReadOnlyList<PaymentRecord>> IUssdData.LastPaymentsAsync(Msisdn msisdn, int count, CancellationToken ct) =>
        Task.FromResult<IReadOnlyList<PaymentRecord>>([.. Payments.Take(count)]);
}
