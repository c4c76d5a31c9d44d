using System.Globalization;
using Mbushja.Accounts;
using Mbushja.Banks.Connector;
using Mbushja.Domain;
using Mbushja.Ledger;
using Mbushja.Messaging;
using Mbushja.Sandbox;
using Mbushja.Sms;
using Mbushja.Storage;
using Mbushja.TopUp;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Mbushja.Server;

/// <summary>
/// The demo's settled past day (README "Demo data"): SMS top-ups at TEB, BEK and PCB on <see cref="Day"/>, made through
/// the real pipeline (the record with the ledger's hold, the sandbox bank's hold, the credits, the capture; a reversal
/// through <see cref="TopUpReversals"/>) by processing services of their own whose clock is set to that day, then each
/// sandbox bank's statement of that day, in CSV and camt.053, in the data folder's <see cref="StatementsFolder"/>.
/// Loaded once: a database that has the day's first message already is left as it is (docs/design/demo-day.md).
/// </summary>
public static partial class DemoDay
{
    /// <summary>The settled day, in the operator's time zone: a Monday before the clocks change, in the past.</summary>
    public static DateOnly Day { get; } = new(2026, 3, 2);

    /// <summary>The data folder's subfolder the statements are written to.</summary>
    public const string StatementsFolder = DataFolder.StatementsFolder;

    /// <summary>Who asked the day's reversal, as its trail and the settlement show it.</summary>
    public const string ReversedBy = "supervisor";

    /// <summary>What the holder's current account at each bank holds when the day begins: BEK's too little for the last top-up there.</summary>
    public static IReadOnlyDictionary<string, Money> OpeningBalances { get; } = new Dictionary<string, Money>(StringComparer.OrdinalIgnoreCase)
    {
        ["TEB"] = Money.FromCents(50_000),
        ["BEK"] = Money.FromCents(3_000),
        ["PCB"] = Money.FromCents(50_000),
    };

    /// <summary>The day's messages, in order: at what local time, to which bank, from whom, what, and how it ends.</summary>
    public static IReadOnlyList<DemoMessage> Messages { get; } =
    [
        new("demo-2026-03-02-1", new TimeOnly(8, 47), "TEB", "+38349111111", "ipko drita int", TopUpState.Completed),
        new("demo-2026-03-02-2", new TimeOnly(10, 20), "BEK", "+38349111111", "tv arta.tv", TopUpState.Completed),
        // Two numbers in one message (a batch): the sender's own and another, reversed at 12:40.
        new("demo-2026-03-02-3", new TimeOnly(12, 5), "TEB", "+38349222222", "49222222 5 # 43333333 2,50", TopUpState.Completed, Reversal: new TimeOnly(12, 40)),
        new("demo-2026-03-02-4", new TimeOnly(15, 32), "BEK", "+38349222222", "DUOTV besa.duo", TopUpState.Completed),
        // 14.90 EUR when the account at BEK holds 3.60: the bank declines the hold, nothing moves.
        new("demo-2026-03-02-5", new TimeOnly(17, 55), "BEK", "+38349111111", "internet drita", TopUpState.Declined),
        new("demo-2026-03-02-6", new TimeOnly(19, 10), "PCB", "+38349111111", "flaka INTERNET", TopUpState.Completed),
    ];

    /// <summary>The file a bank's statement of <see cref="Day"/> is written to, under the data folder: <c>statements/TEB-2026-03-02.csv</c>, <c>statements/camt.053.001.08-TEB-2026-03-02.xml</c>.</summary>
    public static string StatementFile(string dataDirectory, string bankCode, bool camt) =>
        Path.Combine(dataDirectory, StatementsFolder, camt ? $"{SandboxStatements.CamtMessage}-{bankCode}-{Date}.xml" : $"{bankCode}-{Date}.csv");

    private static string Date => Day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>
    /// Loads the day unless its first message is recorded already (an earlier start loaded it), or one of its banks is not
    /// the sandbox (a real bank's API is given): then nothing changes. <paramref name="accounts"/> are the holder's
    /// current accounts at the banks; they hold <see cref="OpeningBalances"/> while the day runs. True when loaded now.
    /// </summary>
    public static async Task<bool> LoadAsync(
        IServiceProvider services, ServerSettings settings, IReadOnlyDictionary<string, Iban> accounts, CancellationToken ct)
    {
        SandboxBank sandbox = services.GetRequiredService<SandboxBank>();
        if (Messages.Any(m => !sandbox.Knows(m.Bank))
            || await services.GetRequiredService<SmsTransactions>().FindByMessageIdAsync(Messages[0].MessageId, ct) is not null)
        {
            return false;
        }

        OperatorConfig config = services.GetRequiredService<OperatorConfig>();
        BankDirectory banks = services.GetRequiredService<BankDirectory>();
        foreach ((string bank, Money balance) in OpeningBalances)
        {
            sandbox.SetAccount(bank, accounts[bank].Value, balance);
        }

        var clock = new DayClock();
        var operatorClock = new OperatorClock(clock, config.TimeZone);
        await using (ServiceProvider day = Compose(services, settings, clock, operatorClock))
        {
            // Prices as recorded over the catalog file, as the server reads them at start.
            await day.GetRequiredService<CatalogChanges>().RefreshAsync(ct);
            await RunAsync(day, config, banks, clock, operatorClock, ct);
        }

        WriteStatements(settings.DataDirectory, sandbox, banks, operatorClock);
        return true;
    }

    /// <summary>
    /// The processing services of SMS Top Up as the server composes them (MbushjaServer), on the same database and as the
    /// same server instance, with two differences: the clock is <paramref name="clock"/>, and the bank is the sandbox
    /// called in-process (the server does not listen yet), which books on that clock.
    /// </summary>
    private static ServiceProvider Compose(IServiceProvider server, ServerSettings settings, DayClock clock, OperatorClock operatorClock)
    {
        OperatorConfig config = server.GetRequiredService<OperatorConfig>();
        var services = new ServiceCollection();
        // Its messages are the demo's, told in one line by the caller.
        services.AddSingleton<ILoggerFactory>(NullLoggerFactory.Instance);
        services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
        services.AddSingleton(config);
        services.AddSingleton(config.Numbering);
        services.AddSingleton<TimeProvider>(clock);
        services.AddSingleton(operatorClock);
        services.AddStorage(server.GetRequiredService<Database>(), clock);
        services.AddServerInstance(server.GetRequiredService<ServerInstance>());
        services.AddLedger();
        services.AddAccounts();
        services.AddMessaging(settings.Outbox);
        services.AddSmsGrammars(server.GetRequiredService<BankDirectory>());
        services.AddSmsTopUp(server.GetRequiredService<ReplyTexts>(), settings.TopUp);
        services.AddSingleton<IBankConnector>(new SandboxConnector(server.GetRequiredService<SandboxBank>(), clock));
        return services.BuildServiceProvider();
    }

    private static async Task RunAsync(IServiceProvider day, OperatorConfig config, BankDirectory banks, DayClock clock, OperatorClock operatorClock, CancellationToken ct)
    {
        TopUpProcessor processor = day.GetRequiredService<TopUpProcessor>();
        TopUpReversals reversals = day.GetRequiredService<TopUpReversals>();
        SmsTransactions store = day.GetRequiredService<SmsTransactions>();
        foreach (DemoMessage message in Messages)
        {
            clock.Set(At(operatorClock, message.At));
            string shortCode = banks.ByCode(message.Bank)?.ShortCode ?? throw new InvalidOperationException($"The demo's day uses bank {message.Bank}, which the configuration lacks.");
            string from = config.Numbering.ToNational(message.From);
            TopUpResult result = await processor.ProcessAsync(new InboundSms(from, shortCode, message.Text, message.MessageId), ct);
            // The capture follows the answer, in the background: the day is settled once it is done.
            await processor.DrainAsync(TimeSpan.FromMinutes(2));
            SmsTransaction row = await store.GetAsync(result.TransactionId, ct) ?? throw new InvalidOperationException($"The demo's message {message.MessageId} was not recorded.");
            if (row.State != message.Ends)
            {
                throw new InvalidOperationException($"The demo's message {message.MessageId} ('{message.Text}' to {message.Bank}) ended {row.State.ToWire()} ({row.Code}), not {message.Ends.ToWire()}.");
            }

            if (message.Reversal is { } reversedAt)
            {
                clock.Set(At(operatorClock, reversedAt));
                ReversalOutcome reversed = await reversals.ReverseAsync(row.Id.Value, "sent by mistake", ReversedBy, TopUpReversals.ViaConsole, ct);
                if (reversed.Reversal?.State != ReversalStates.Refunded)
                {
                    throw new InvalidOperationException(
                        $"The demo's reversal of {message.MessageId} was not refunded: {reversed.Error?.Message ?? reversed.Reversal?.State}.");
                }
            }
        }
    }

    /// <summary>Each sandbox bank's statement of the day, CSV and camt.053 (the latter for a bank with a settlement account), owner-only.</summary>
    private static void WriteStatements(string dataDirectory, SandboxBank sandbox, BankDirectory banks, OperatorClock clock)
    {
        DataFolder.CreateOwnerOnlyFolder(Path.Combine(dataDirectory, StatementsFolder));
        (DateTimeOffset from, DateTimeOffset to) = clock.DayBounds(Day);
        foreach (Bank bank in banks.Banks.Where(b => sandbox.Knows(b.Code)))
        {
            IReadOnlyList<SandboxBooking> bookings = sandbox.BookingsOf(bank.Code, from, to);
            Money opening = sandbox.BookingsOf(bank.Code, DateTimeOffset.MinValue, from).Aggregate(Money.Zero, (sum, b) => sum + b.Amount);
            DataFolder.WriteOwnerOnlyFile(StatementFile(dataDirectory, bank.Code, camt: false), SandboxStatements.Csv(Day, bookings));
            if (bank.SettlementAccount is { } account)
            {
                DataFolder.WriteOwnerOnlyFile(StatementFile(dataDirectory, bank.Code, camt: true), SandboxStatements.Camt053(bank.Code, account, Day, clock, opening, bookings));
            }
        }
    }

    private static DateTimeOffset At(OperatorClock clock, TimeOnly time)
    {
        DateTime local = Day.ToDateTime(time);
        return new DateTimeOffset(local, clock.Zone.GetUtcOffset(local)).ToUniversalTime();
    }

    /// <summary>
    /// The day's clock: set to an instant, it runs on from there at the pace of the wall clock (so the steps of a message
    /// come one after the other, milliseconds apart); timers and timestamps are the system's.
    /// </summary>
    private sealed class DayClock : TimeProvider
    {
        private volatile Mark _set = new(DateTimeOffset.UnixEpoch, System.GetTimestamp());

        public void Set(DateTimeOffset at) => _set = new Mark(at, System.GetTimestamp());

        public override DateTimeOffset GetUtcNow()
        {
            Mark set = _set;
            return set.At + System.GetElapsedTime(set.Since);
        }

        private sealed record Mark(DateTimeOffset At, long Since);
    }
}

/// <summary>One message of the demo's settled day.</summary>
/// <param name="At">When it arrives, on the operator's wall clock that day.</param>
/// <param name="From">The sender in E.164: the registration's holder or authorised person.</param>
/// <param name="Ends">The state it ends in: completed (captured), or declined by the bank.</param>
/// <param name="Reversal">When a supervisor reverses it, the same day, if one does.</param>
public sealed record DemoMessage(string MessageId, TimeOnly At, string Bank, string From, string Text, TopUpState Ends, TimeOnly? Reversal = null);
