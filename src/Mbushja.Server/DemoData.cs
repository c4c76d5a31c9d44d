using System.Globalization;
using Mbushja.Accounts;
using Mbushja.Domain;
using Mbushja.Ledger;
using Mbushja.Sandbox;
using Mbushja.Sms;
using Mbushja.TopUp;
using Mbushja.WebConsole.Users;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Mbushja.Server;

/// <summary>
/// The demo data set of <c>serve --demo</c> (listed in the README): subscribers with credit and a service account for
/// every package, so every SMS form and every package of the USSD menu can be tried at once. Loading it twice changes
/// nothing.
/// </summary>
public static partial class DemoData
{
    public static IReadOnlyList<(string Msisdn, Money Credit, Language Language)> Subscribers { get; } =
    [
        ("+38349111111", Money.FromCents(2000), Language.Sq),
        ("+38349222222", Money.FromCents(500), Language.En),
        ("+38343333333", Money.FromCents(10000), Language.Sr),
        ("+38349444444", Money.Zero, Language.Sq),
        // One number per USSD package (a number pays once a month), so every package can be paid by *101# at once.
        ("+38349600001", Money.FromCents(3000), Language.Sq),
        ("+38349600002", Money.FromCents(3000), Language.Sq),
        ("+38349600003", Money.FromCents(3000), Language.En),
        ("+38349600004", Money.FromCents(3000), Language.En),
        ("+38349600005", Money.FromCents(3000), Language.Sr),
        ("+38349600006", Money.FromCents(3000), Language.Sr),
        ("+38349600007", Money.FromCents(3000), Language.Sq),
        ("+38349600008", Money.FromCents(3000), Language.Sq),
    ];

    public static IReadOnlyList<(ServiceKind Kind, string Package, string? Username, string? Contract, string? SmartCard, string? Number, Money Balance)> ServiceAccounts { get; } =
    [
        (ServiceKind.Tv, "DTV_FAMILJARE", "arta.tv", null, "700100200", null, Money.Zero),
        (ServiceKind.Duo, "DUO_TV", "besa.duo", null, "700300400", null, Money.Zero),
        (ServiceKind.Internet, "INTERNET_1", "drita", null, null, null, Money.Zero),
        (ServiceKind.Internet, "INTERNET_2", "edon", "K-1002", null, null, Money.Zero),
        (ServiceKind.Internet, "INTERNET_3", "flaka", "K-1003", null, null, Money.Zero),
        (ServiceKind.Duo, "DUO_MINI", "genti", "K-2001", null, null, Money.Zero),
        (ServiceKind.Duo, "DUO_MAXI", "hana", "K-2002", null, null, Money.Zero),
        (ServiceKind.Fixed, "FIXED_LINE", "ilir.fix", "K-3001", null, "038123456", Money.Zero),
    ];

    /// <summary>Who is registered at every bank: the holder, one authorised person, and the holder's own service accounts.</summary>
    public static (string Holder, string Authorized, string[] ContractAccounts) Registration { get; } =
        ("+38349111111", "+38349222222", ["arta.tv", "besa.duo", "drita"]);

    /// <summary>The demo console users, one per role; they share one password (<see cref="ConsolePasswordFile"/>).</summary>
    public static IReadOnlyList<(string Username, ConsoleRole Role, string? Bank)> ConsoleUsers { get; } =
    [
        ("admin", ConsoleRole.Admin, null),
        ("supervisor", ConsoleRole.Supervisor, null),
        ("agent", ConsoleRole.Agent, null),
        ("teb.officer", ConsoleRole.BankOfficer, "TEB"),
    ];

    /// <summary>The file of the data folder that keeps the demo console users' password.</summary>
    public const string ConsolePasswordFile = Storage.DataFolder.ConsolePasswordFile;

    /// <summary>What the holder's current account at each sandbox bank holds when the demo starts: 500.00 EUR.</summary>
    public static Money BankBalance { get; } = Money.FromCents(50_000);

    /// <summary>Loads the demo data and the demo console users into the server <paramref name="services"/> belong to.</summary>
    public static async Task LoadAsync(IServiceProvider services, ServerSettings settings, CancellationToken ct)
    {
        T Get<T>()
            where T : notnull => services.GetRequiredService<T>();
        IReadOnlyDictionary<string, Iban> accounts = await LoadAsync(
            Get<OperatorConfig>(), Get<Subscribers>(), Get<ServiceAccounts>(), Get<Registrations>(), Get<BankDirectory>().Banks.Select(b => b.Code), Get<SandboxBank>(), ct);
        ILogger logger = Get<ILoggerFactory>().CreateLogger("Mbushja.Demo");
        if (await DemoDay.LoadAsync(services, settings, accounts, ct))
        {
            string banks = string.Join(", ", DemoDay.Messages.Select(m => m.Bank).Distinct());
            string folder = Path.Combine(settings.DataDirectory, DemoDay.StatementsFolder);
            string day = DemoDay.Day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            LogDayLoaded(logger, day, DemoDay.Messages.Count, banks, folder);
        }

        // The day spent at the banks; every start funds the accounts afresh, as the README says.
        FundAccounts(Get<SandboxBank>(), accounts);
        await LoadConsoleUsersAsync(
            Get<ConsoleUsers>(), settings.ConsoleDemoPassword ?? SecretFile.ReadOrCreate(Path.Combine(settings.DataDirectory, ConsolePasswordFile)).Value, ct);
    }

    /// <summary>Loads what is missing of the demo data set; returns the holder's current account at each bank.</summary>
    public static async Task<IReadOnlyDictionary<string, Iban>> LoadAsync(
        OperatorConfig config,
        Subscribers subscribers,
        ServiceAccounts accounts,
        Registrations registrations,
        IEnumerable<string> bankCodes,
        SandboxBank sandbox,
        CancellationToken ct)
    {
        foreach ((string msisdn, Money credit, Language language) in Subscribers)
        {
            // Already there from an earlier start: the refusal is the expected answer.
            await subscribers.CreateAsync(config.Numbering.ParseMsisdn(msisdn).Value, credit, language, ct);
        }

        foreach ((ServiceKind kind, string package, string? username, string? contract, string? card, string? number, Money balance) in ServiceAccounts)
        {
            if (await accounts.FindAsync(username!, ct) is not null)
            {
                continue;
            }

            LedgerOutcome outcome = (await accounts.CreateAsync(
                new NewServiceAccount(
                    kind,
                    config.Catalog.Find(package) ?? throw new InvalidOperationException($"The demo uses package {package}, which the catalog lacks."),
                    Identifier(username, IdentifierKind.Username),
                    Identifier(contract, IdentifierKind.Contract),
                    Identifier(card, IdentifierKind.SmartCard),
                    number is null ? null : config.Numbering.ParseFixed(number).Value,
                    balance),
                ct)).Outcome;
            if (!outcome.Succeeded)
            {
                throw new InvalidOperationException($"Demo account {username} could not be created: {outcome.Error}");
            }
        }

        var ibans = new Dictionary<string, Iban>(StringComparer.OrdinalIgnoreCase);
        int n = 0;
        foreach (string bank in bankCodes)
        {
            n++;
            Iban iban = Iban.ForKosovoAccount($"{n:00}00{n:00}0000001234");
            RegistrationOutcome registered = await registrations.CreateAsync(
                new NewRegistration(
                    bank,
                    config.Numbering.ParseMsisdn(Registration.Holder).Value,
                    iban,
                    [config.Numbering.ParseMsisdn(Registration.Authorized).Value],
                    Registration.ContractAccounts),
                "demo",
                ct);
            if (registered.Error is { Code: not ErrorCodes.AlreadyRegistered } error)
            {
                throw new InvalidOperationException($"Demo registration at {bank} could not be created: {error.Message}");
            }

            ibans.Add(bank, iban);
        }

        FundAccounts(sandbox, ibans);
        return ibans;
    }

    /// <summary>The sandbox bank keeps its accounts in memory: every start funds them afresh. A real bank funds its own.</summary>
    private static void FundAccounts(SandboxBank sandbox, IReadOnlyDictionary<string, Iban> accounts)
    {
        foreach ((string bank, Iban iban) in accounts)
        {
            if (sandbox.Knows(bank))
            {
                sandbox.SetAccount(bank, iban.Value, BankBalance);
            }
        }
    }

    /// <summary>Creates the demo console users that are missing; one there already is left as it is (role, password, lockout).</summary>
    public static async Task LoadConsoleUsersAsync(ConsoleUsers users, string password, CancellationToken ct)
    {
        foreach ((string username, ConsoleRole role, string? bank) in ConsoleUsers)
        {
            if (await users.FindAsync(username, ct) is not null)
            {
                continue;
            }

            // Two servers starting at once may both try: the primary key lets one win, and the other's refusal is fine.
            if (await users.CreateAsync(username, role, bank, password, "demo", ct) is { Code: not UserChangeCodes.UsernameTaken } error)
            {
                throw new InvalidOperationException($"Demo console user {username} could not be created: {error.Message}");
            }
        }
    }

    [LoggerMessage(EventId = 1110, Level = LogLevel.Information, Message = "Demo: loaded the settled day {Day} ({Count} SMS top-ups at {Banks}) and its bank statements, in {Folder}")]
    private static partial void LogDayLoaded(ILogger logger, string day, int count, string banks, string folder);

    private static AccountIdentifier? Identifier(string? text, IdentifierKind kind) =>
        text is null ? null : AccountIdentifier.Parse(text, kind).Value;
}
