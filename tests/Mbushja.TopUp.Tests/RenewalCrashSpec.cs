using Mbushja.Accounts;
using Mbushja.Banks.Connector;
using Mbushja.Domain;
using Mbushja.Ledger;
using Mbushja.Storage;
using Mbushja.Testing;

namespace Mbushja.TopUp.Tests;

/// <summary>
/// The recovery property for renewals, over every crash point rather than random ones (the space is small): the
/// server dies around a bank call of the due day's try (before or after the bank acted), with the bank declining 0, 1
/// or 3 of the tries; the server restarts, recovers, and sweeps through the due day. Then the period is paid exactly
/// once (or, after 3 declines, not at all and reported once), every try has exactly one reply, and the ledger is whole.
/// </summary>
public abstract class RenewalCrashSpec
{
    private const string Account = "crash.user";

    private static readonly TimeZoneInfo Belgrade = OperatorClock.FindZone("Europe/Belgrade");

    protected abstract DatabaseKind Kind { get; }

    public static TheoryData<string, int> CrashesAndDeclines()
    {
        var data = new TheoryData<string, int>();
        foreach (string crash in new[] { "none", "hold:before", "hold:after", "capture:before", "capture:after" })
        {
            foreach (int declines in new[] { 0, 1, 3 })
            {
                data.Add(crash, declines);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(CrashesAndDeclines))]
    public async Task Renewal_ServerDiesAroundABankCall_AfterRestartThePeriodIsPaidOnce(string crash, int declines)
    {
        string instance = "crash-" + Guid.NewGuid().ToString("N")[..8];
        await using TopUpHarness setup = await TopUpHarness.StartAsync(Kind, clock: new FakeClock(Local(2026, 1, 31, 10, 0)));
        await PayAndSetAsync(setup);
        setup.Clock.Set(Local(2026, 2, 25, 0, 0));
        Assert.Equal(1, (await setup.Get<RenewalSweep>().RunAsync()).Reminded);

        // The due day's first sweep, on a server that dies at the crash point (the exception stops its work dead).
        var failing = new FailingBank(crash, declines);
        setup.Clock.Set(Local(2026, 2, 28, 0, 0));
        await using (TopUpHarness dying = await TopUpHarness.StartAsync(Kind, setup.Test, instance, setup.Clock, setup.Bank, connector: failing.Over))
        {
            await dying.Get<RenewalSweep>().RunAsync();
            await dying.SettleAsync();
        }

        // It restarts (same instance: it takes its work back at once), and sweeps through the day as the tries come due.
        await using TopUpHarness restarted = await TopUpHarness.StartAsync(Kind, setup.Test, instance, setup.Clock, setup.Bank, connector: failing.Recovered);
        await restarted.StartServerAsync();
        foreach (DateTimeOffset at in new[] { Local(2026, 2, 28, 0, 0), Local(2026, 2, 28, 6, 1), Local(2026, 2, 28, 12, 2), Local(2026, 2, 28, 18, 3), Local(2026, 3, 1, 9, 0) })
        {
            setup.Clock.Set(at);
            await RecoverAllAsync(restarted);
            await restarted.Get<RenewalSweep>().RunAsync();
            await restarted.SettleAsync();
            await RecoverAllAsync(restarted);
        }

        bool paid = declines < 3;
        Assert.Equal(paid ? Local(2026, 3, 28, 10, 0) : Local(2026, 2, 28, 10, 0), (await restarted.Get<ServiceAccounts>().FindAsync(Account))!.PaidUntil);
        Assert.Equal(-(paid ? 2 : 1) * 1490, (await restarted.AccountAsync("bank:BEK"))!.Balance.Cents);
        List<SmsTransaction> tries = await TriesAsync(restarted);
        Assert.Equal(paid ? 1 : 0, tries.Count(t => TopUpStates.IsCharged(t.State)));
        Assert.All(tries, t => Assert.False(TopUpStates.IsUnfinished(t.State), $"{t.MessageId} is {t.State}"));
        foreach (SmsTransaction t in tries)
        {
            Assert.NotNull(await restarted.Get<Messaging.SmsOutbox>().GetAsync(t.Id.Value));
        }

        Assert.Equal(paid ? 0 : 1, await CountAsync(restarted, "SELECT COUNT(*) FROM sms_outbox WHERE transaction_id LIKE 'renew-failed:%'"));
        await restarted.AssertLedgerWholeAsync();
    }

    private static async Task RecoverAllAsync(TopUpHarness h)
    {
        // Leases here run out only as the fake clock moves: a restart ends its own, and the sweep takes what is due.
        while (await h.Get<TopUpRecovery>().RecoverAsync() > 0)
        {
            await h.SettleAsync();
        }
    }

    private static async Task PayAndSetAsync(TopUpHarness h)
    {
        OperatorConfig config = h.Get<OperatorConfig>();
        (LedgerOutcome outcome, _) = await h.Get<ServiceAccounts>().CreateAsync(new NewServiceAccount(
            ServiceKind.Internet, config.Catalog.Find("INTERNET_1")!, AccountIdentifier.Parse(Account, IdentifierKind.Username).Value, null, null, null, Money.Zero));
        Assert.True(outcome.Succeeded);
        Assert.Equal(TopUpStatus.Completed, (await h.Get<TopUpProcessor>().ProcessAsync(h.Sms("internet " + Account))).Status);
        await h.SettleAsync();
        Assert.Equal(RenewalCodes.On, (await h.Get<TopUpProcessor>().ProcessAsync(h.Sms("AUTO internet " + Account))).Code);
    }

    private static async Task<List<SmsTransaction>> TriesAsync(TopUpHarness h)
    {
        var tries = new List<SmsTransaction>();
        for (int attempt = 1; attempt <= 3; attempt++)
        {
            string id = Renewals.TryId((await h.Get<ServiceAccounts>().FindAsync(Account))!.Id, Local(2026, 2, 28, 10, 0).ToUnixTimeMilliseconds(), 0, attempt);
            if (await h.Get<SmsTransactions>().FindByMessageIdAsync(id) is { } row)
            {
                tries.Add(row);
            }
        }

        return tries;
    }

    private static async Task<long> CountAsync(TopUpHarness h, string sql)
    {
        await using System.Data.Common.DbConnection connection = await h.Test.Database.OpenReaderAsync();
        await using System.Data.Common.DbCommand command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static DateTimeOffset Local(int year, int month, int day, int hour, int minute)
    {
        var local = new DateTime(year, month, day, hour, minute, 0, DateTimeKind.Unspecified);
        return new DateTimeOffset(local, Belgrade.GetUtcOffset(local));
    }

    /// <summary>The crash of a server around one bank call (it throws, as a process that stops dead never returns), and a bank that declines the first tries.</summary>
    private sealed class FailingBank(string crash, int declines)
    {
        private readonly string _crash = crash;
        private readonly int _declines = declines;
        private int _crashed;
        private int _holds;

        /// <summary>The dying server's connector: crashes once at the point, declines as told.</summary>
        public IBankConnector Over(ScriptedBank bank) => new Connector(this, bank, crashes: true);

        /// <summary>The restarted server's: declines as told, never crashes.</summary>
        public IBankConnector Recovered(ScriptedBank bank) => new Connector(this, bank, crashes: false);

        private sealed class Connector(FailingBank f, ScriptedBank bank, bool crashes) : IBankConnector
        {
            public async Task<BankCall> HoldAsync(string bankCode, HoldRequest request, CancellationToken cancellationToken = default)
            {
                Crash("hold:before");
                // Declined tries are new holds (a repeat of one hold id gets the bank's first answer).
                bool decline = bank.HoldOf(request.HoldId) is null && Interlocked.Increment(ref f._holds) <= f._declines;
                bank.HoldAnswer = decline ? HoldStatus.Declined : HoldStatus.Held;
                BankCall call = await bank.HoldAsync(bankCode, request, cancellationToken);
                Crash("hold:after");
                return call;
            }

            public Task<BankCall> StatusAsync(string bankCode, string holdId, CancellationToken cancellationToken = default) => bank.StatusAsync(bankCode, holdId, cancellationToken);

            public async Task<BankCall> CaptureAsync(string bankCode, string holdId, CancellationToken cancellationToken = default)
            {
                Crash("capture:before");
                BankCall call = await bank.CaptureAsync(bankCode, holdId, cancellationToken);
                Crash("capture:after");
                return call;
            }

            public Task<BankCall> VoidAsync(string bankCode, string holdId, CancellationToken cancellationToken = default) => bank.VoidAsync(bankCode, holdId, cancellationToken);

            public Task<RefundCall> RefundAsync(string bankCode, RefundRequest request, CancellationToken cancellationToken = default) => bank.RefundAsync(bankCode, request, cancellationToken);

            public Task<RefundCall> RefundStatusAsync(string bankCode, string refundId, CancellationToken cancellationToken = default) => bank.RefundStatusAsync(bankCode, refundId, cancellationToken);

            private void Crash(string point)
            {
                if (crashes && point == f._crash && Interlocked.Exchange(ref f._crashed, 1) == 0)
                {
                    throw new InvalidOperationException("The server died here (" + point + ").");
                }
            }
        }
    }
}

public sealed class SqliteRenewalCrashTests : RenewalCrashSpec
{
    protected override DatabaseKind Kind => DatabaseKind.Sqlite;
}

public sealed class PostgresRenewalCrashTests : RenewalCrashSpec
{
    protected override DatabaseKind Kind => DatabaseKind.Postgres;
}
