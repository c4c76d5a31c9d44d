using Mbushja.Accounts;
using Mbushja.Domain;
using Mbushja.Ledger;
using Mbushja.Storage;
using Mbushja.Storage.Commits;

namespace Mbushja.Ussd.Tests;

/// <summary>
/// Automatic renewals from prepaid credit (README "Automatic renewal"; docs/design/renewals.md, "From mobile credit") on
/// a real database and ledger, with a fake clock in Europe/Belgrade: set and stopped in <c>*101#</c>, reminded three days
/// before, paid on the due day as a confirmed USSD payment once per period, across month ends and the clocks' change, on
/// two servers at once and after a crash; not enough credit tried again a bounded number of times, then reported; a
/// renewal whose account or package is gone ended with nothing charged. On both engines.
/// </summary>
public abstract class UssdRenewalSpec
{
    private static readonly TimeZoneInfo Belgrade = OperatorClock.FindZone("Europe/Belgrade");

    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(1);

    protected abstract DatabaseKind Kind { get; }

    private static string NewSession() => "ATUid_" + Guid.NewGuid().ToString("N");

    private static DateTimeOffset Local(int year, int month, int day, int hour, int minute)
    {
        var local = new DateTime(year, month, day, hour, minute, 0, DateTimeKind.Unspecified);
        return new DateTimeOffset(local, Belgrade.GetUtcOffset(local));
    }

    private static UssdRenewalSweepResult Result(int reminded = 0, int paid = 0, int refused = 0, int reported = 0, int ended = 0) =>
        new(reminded, paid, refused, reported, ended);

    private static async Task AtAsync(ServiceWorld w, DateTimeOffset at, UssdRenewalSweepResult expected)
    {
        w.Clock.Set(at);
        Assert.Equal(expected, await w.Sweep.RunAsync());
    }

    /// <summary>Sets the renewal of an Internet Pako 1 account (3rd of the monthly packages) in the menu; the last screen.</summary>
    private static Task<string> SetAsync(ServiceWorld w, string phone, string account) => w.SessionAsync(NewSession(), phone, "5", "2", "3", account, "1");

    private static Task<long> SmsAsync(ServiceWorld w, string prefix) =>
        w.CountAsync("SELECT COUNT(*) FROM sms_outbox WHERE transaction_id LIKE @p", ("p", prefix + "%"));

    [Fact]
    public async Task Set_InTheMenu_WritesTheRenewal_ChargesNothing_TheSameRequestAgainChangesNothing()
    {
        await using ServiceWorld w = await ServiceWorld.CreateAsync(Kind, Local(2026, 3, 10, 13, 0));
        string phone = await w.SubscriberAsync(2000);
        string account = await w.AccountAsync("INTERNET_1");
        string session = NewSession();
        string[] inputs = ["5", "2", "3", account, "1"];

        string end = await w.SessionAsync(session, phone, inputs);
        w.Clock.Advance(TimeSpan.FromSeconds(5));
        string again = await w.SendAsync(session, phone, string.Join('*', inputs));

        Assert.Equal($"END U vendos: Internet Pako 1 per {account}, 15.40 € nga krediti cdo muaj, e para me 10.03.2026; fatura vjen me SMS.", end);
        Assert.Equal(end, again);
        UssdRenewalDue renewal = Assert.Single(await w.Renewals.OfNumberAsync(w.Config.Numbering.ParseMsisdn(phone).Value));
        Assert.Equal(("INTERNET_1", account, 0L, 1540L), (renewal.Renewal.PackageCode, renewal.Label, renewal.Renewal.NotifiedFor, renewal.Renewal.NotifiedAmount.Cents));
        Assert.Equal(1, await w.CountAsync("SELECT COUNT(*) FROM renewals WHERE channel = 'ussd' AND bank_code = '' AND set_at = @at", ("at", Local(2026, 3, 10, 13, 0).ToUnixTimeMilliseconds())));
        Assert.Equal(2000, await w.CreditAsync(phone));
    }

    [Fact]
    public async Task ListedAndStopped_InTheMenu_NothingPaidOnTheDueDay()
    {
        await using ServiceWorld w = await ServiceWorld.CreateAsync(Kind, Local(2026, 3, 10, 13, 0));
        string phone = await w.SubscriberAsync(2000);
        string account = await w.AccountAsync("INTERNET_1");
        await SetAsync(w, phone, account);

        string list = await w.SessionAsync(NewSession(), phone, "5", "1");
        string stopped = await w.SessionAsync(NewSession(), phone, "5", "1", "1", "1");

        Assert.Equal($"CON Zgjidhni per ta ndalur:\n1. Internet Pako 1 {account} 15.40 € 10.03\n0 Kthehu  00 Menyja", list);
        Assert.Equal($"END U ndal pagesa automatike e Internet Pako 1 per {account}.", stopped);
        Assert.Equal(0, await w.CountAsync("SELECT COUNT(*) FROM renewals"));
        Assert.Equal(Result(), await w.Sweep.RunAsync());
        Assert.Equal(2000, await w.CreditAsync(phone));
    }

    [Fact]
    public async Task Renewal_AcrossMonthEndsAndTheClocksChange_RemindedThreeDaysBefore_PaidOnTheDueDayOnce()
    {
        // Paid by hand on 31 January until 28 February (a month from the 31st); the clocks go forward on 29 March.
        await using ServiceWorld w = await ServiceWorld.CreateAsync(Kind, Local(2026, 1, 31, 10, 0));
        string phone = await w.SubscriberAsync(10_000, Language.En);
        string account = await w.AccountAsync("INTERNET_1");
        await w.SessionAsync(NewSession(), phone, "1", "3", account, "1");
        Assert.Equal(Local(2026, 2, 28, 10, 0), (await w.AccountNamedAsync(account)).PaidUntil);
        Assert.Contains("first on 28.02.2026", await SetAsync(w, phone, account), StringComparison.Ordinal);

        await AtAsync(w, Local(2026, 2, 25, 0, 0) - Tick, Result());
        await AtAsync(w, Local(2026, 2, 25, 0, 0), Result(reminded: 1));
        await AtAsync(w, Local(2026, 2, 26, 12, 0), Result());
        string reminder = (await w.TextAsync("SELECT text FROM sms_outbox WHERE transaction_id LIKE 'renew-remind:%'"))!;
        Assert.Equal(
            $"IPKO: On 28.02.2026 Internet Pako 1 for {account} is paid automatically: 15.40 € from your credit (14.90 € + fee 0.50 €). To stop it: *101# > Automatic payments",
            reminder);
        await AtAsync(w, Local(2026, 2, 28, 0, 0) - Tick, Result());
        await AtAsync(w, Local(2026, 2, 28, 0, 0), Result(paid: 1));
        await AtAsync(w, Local(2026, 2, 28, 0, 5), Result());
        Assert.Equal(Local(2026, 3, 28, 10, 0), (await w.AccountNamedAsync(account)).PaidUntil);

        // 28 March is in winter time, 28 April in summer time: each day begins at its own local midnight.
        await AtAsync(w, Local(2026, 3, 25, 0, 0), Result(reminded: 1));
        await AtAsync(w, Local(2026, 3, 28, 0, 0) - Tick, Result());
        await AtAsync(w, Local(2026, 3, 28, 0, 0), Result(paid: 1));
        Assert.Equal(Local(2026, 4, 28, 10, 0), (await w.AccountNamedAsync(account)).PaidUntil);
        Assert.Equal(TimeSpan.FromHours(2), Belgrade.GetUtcOffset(Local(2026, 4, 25, 0, 0)));
        await AtAsync(w, Local(2026, 4, 25, 0, 0) - Tick, Result());
        await AtAsync(w, Local(2026, 4, 25, 0, 0), Result(reminded: 1));
        await AtAsync(w, Local(2026, 4, 28, 0, 0), Result(paid: 1));
        Assert.Equal(Local(2026, 5, 28, 10, 0), (await w.AccountNamedAsync(account)).PaidUntil);

        // Four months paid, each once, each a USSD payment with its receipt: the first by hand, three by renewal.
        Assert.Equal(10_000 - (4 * 1540), await w.CreditAsync(phone));
        Assert.Equal(4, await w.CountAsync("SELECT COUNT(*) FROM ussd_payments WHERE msisdn = @m", ("m", ServiceWorld.E164(phone))));
        Assert.Equal(3, await w.CountAsync("SELECT COUNT(*) FROM ussd_payments WHERE session_id = id"));
        Assert.Equal(3, await SmsAsync(w, "renew-remind:"));
        string receipt = (await w.TextAsync(
            "SELECT o.text FROM sms_outbox o JOIN ussd_payments p ON p.id = o.transaction_id WHERE p.session_id = p.id AND p.paid_until = @until",
            ("until", Local(2026, 3, 28, 10, 0).ToUnixTimeMilliseconds())))!;
        Assert.StartsWith($"IPKO: Paid Internet Pako 1 for {account}: 14.90 € + fee 0.50 € = 15.40 € from your credit. Paid until 28.03.2026.", receipt, StringComparison.Ordinal);
        Assert.Matches(@"\. Ref [0-9A-F]{8}$", receipt); // a reference as any payment's, which Lookup finds
        await w.AssertLedgerAsync();
    }

    [Fact]
    public async Task NotEnoughCredit_TriedAgainAfterSixHours_ThreeTimes_ThenReportedOnce_NothingCharged()
    {
        DateTimeOffset start = Local(2026, 3, 10, 13, 0);
        await using ServiceWorld w = await ServiceWorld.CreateAsync(Kind, start);
        string phone = await w.SubscriberAsync(500);
        string account = await w.AccountAsync("INTERNET_1");
        await SetAsync(w, phone, account); // never paid: due today, and the confirmation told the amount

        await AtAsync(w, start, Result(refused: 1));
        await AtAsync(w, start + TimeSpan.FromHours(5), Result());
        await AtAsync(w, start + TimeSpan.FromHours(6), Result(refused: 1));
        await AtAsync(w, start + TimeSpan.FromHours(12), Result(refused: 1, reported: 1));
        await AtAsync(w, start + TimeSpan.FromHours(18), Result());
        await AtAsync(w, start + TimeSpan.FromDays(2), Result());

        Assert.Equal(500, await w.CreditAsync(phone));
        Assert.Equal(0, await w.CountAsync("SELECT COUNT(*) FROM ussd_payments"));
        Assert.Null((await w.AccountNamedAsync(account)).PaidUntil);
        Assert.Equal(1, await SmsAsync(w, "renew-failed:"));
        Assert.Equal(
            $"IPKO: Internet Pako 1 për {account} nuk u pagua automatikisht: krediti nuk mjaftoi për 15.40 € pas 3 përpjekjeve. Asgjë nuk u tërhoq. Paguani me *101#.",
            await w.TextAsync("SELECT text FROM sms_outbox WHERE transaction_id LIKE 'renew-failed:%'"));
        await w.AssertLedgerAsync();
    }

    [Fact]
    public async Task PriceRaisedAfterTheReminder_ToldAgain_ChargedTheNewPriceOnTheDueDay()
    {
        await using ServiceWorld w = await ServiceWorld.CreateAsync(Kind, Local(2026, 3, 10, 13, 0));
        string phone = await w.SubscriberAsync(10_000);
        string account = await w.AccountAsync("INTERNET_1");
        await w.SessionAsync(NewSession(), phone, "1", "3", account, "1"); // paid until 10 April
        await SetAsync(w, phone, account);
        await AtAsync(w, Local(2026, 4, 7, 0, 0), Result(reminded: 1));

        w.Clock.Set(Local(2026, 4, 8, 12, 0));
        Assert.True((await w.Prices.ScheduleAsync(CatalogChangeKind.Price, "INTERNET_1", Money.FromCents(1690), new DateOnly(2026, 4, 10), "admin", "new prices")).Succeeded);
        await AtAsync(w, Local(2026, 4, 8, 12, 0), Result(reminded: 1));
        await AtAsync(w, Local(2026, 4, 10, 0, 0), Result(paid: 1));

        Assert.Equal(10_000 - 1540 - 1740, await w.CreditAsync(phone));
        Assert.Equal(2, await SmsAsync(w, "renew-remind:"));
        Assert.Contains("17.40 € nga krediti (16.90 € + tarifa 0.50 €)", await w.TextAsync("SELECT text FROM sms_outbox WHERE transaction_id LIKE 'renew-remind:%:1740'"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task NotEnoughCredit_ThenToppedUp_TheNextTryPays()
    {
        DateTimeOffset start = Local(2026, 3, 10, 13, 0);
        await using ServiceWorld w = await ServiceWorld.CreateAsync(Kind, start);
        string phone = await w.SubscriberAsync(500);
        string account = await w.AccountAsync("INTERNET_1");
        await SetAsync(w, phone, account);
        await AtAsync(w, start, Result(refused: 1));

        LedgerOutcome topUp = await w.Ledger.SubmitAsync(new LedgerCommand(
            [TransferRequest.Single("test-topup:" + phone, SystemAccounts.Provisioning.Id, SystemAccounts.Subscriber(ServiceWorld.E164(phone)), Money.FromCents(2000), "test.topup")])
        {
            Accounts = [SystemAccounts.Provisioning],
        });
        Assert.True(topUp.Succeeded, topUp.Error?.ToString());
        await AtAsync(w, start + TimeSpan.FromHours(6), Result(paid: 1));

        Assert.Equal(500 + 2000 - 1540, await w.CreditAsync(phone));
        Assert.Equal(1, await w.CountAsync("SELECT COUNT(*) FROM ussd_payments WHERE id = @id", ("id", UssdRenewals.TryId((await w.AccountNamedAsync(account)).Id, 0, 0, 2))));
    }

    [Fact]
    public async Task TwoServers_SweepingAtOnce_PayThePeriodOnce()
    {
        DateTimeOffset start = Local(2026, 3, 10, 13, 0);
        await using ServiceWorld w = await ServiceWorld.CreateAsync(Kind, start);
        string phone = await w.SubscriberAsync(5000);
        string account = await w.AccountAsync("INTERNET_1");
        await SetAsync(w, phone, account);
        UssdRenewalSweep other = w.OtherSweep();

        UssdRenewalSweepResult[] both = await Task.WhenAll(w.Sweep.RunAsync(), other.RunAsync());
        UssdRenewalSweepResult[] again = await Task.WhenAll(w.Sweep.RunAsync(), other.RunAsync());

        Assert.Equal(1, both.Sum(r => r.Paid));
        Assert.All(both.Concat(again), r => Assert.Equal(0, r.Refused + r.Reported + r.Ended));
        Assert.Equal(0, again.Sum(r => r.Paid));
        Assert.Equal(5000 - 1540, await w.CreditAsync(phone));
        Assert.Equal(1, await w.CountAsync("SELECT COUNT(*) FROM ussd_payments"));
        await w.AssertLedgerAsync();
    }

    /// <summary>
    /// A server pays try 1 and dies before anything else; another server's sweep, or a late try made from what a server
    /// read before that payment, pays nothing more: the try's id is the same payment, and a try is made only while the
    /// account is still paid until the period it renews.
    /// </summary>
    [Fact]
    public async Task CrashAfterThePaymentsCommit_TheNextSweepPaysNothing_NorDoesALateTryOfThatPeriod()
    {
        DateTimeOffset start = Local(2026, 3, 10, 13, 0);
        await using ServiceWorld w = await ServiceWorld.CreateAsync(Kind, start);
        string phone = await w.SubscriberAsync(5000);
        string account = await w.AccountAsync("INTERNET_1");
        await SetAsync(w, phone, account);
        ServiceAccount paid = await w.AccountNamedAsync(account);
        var quote = new Quote(w.Config.Catalog.Find("INTERNET_1")!, paid.Id, account, Money.FromCents(1490), Money.FromCents(50), ByAmount: false);
        Msisdn payer = w.Config.Numbering.ParseMsisdn(phone).Value;
        static PaymentTexts Texts(PaymentFacts facts) => new("", "receipt " + facts.Id);

        // What the sweep's try 1 commits; the server dies right after.
        Payment first = await w.Payments.PayRenewalAsync(new RenewalCharge(UssdRenewals.TryId(paid.Id, 0, 0, 1), payer, 0), quote, true, "IPKO", Texts);
        Assert.Equal(LedgerStatus.Committed, first.Outcome.Status);

        await AtAsync(w, start + TimeSpan.FromMinutes(1), Result());
        // Once a month per number holds too, yet a period paid is what the late try is told: it is no refusal to count.
        Payment late = await w.Payments.PayRenewalAsync(new RenewalCharge(UssdRenewals.TryId(paid.Id, 0, 0, 2), payer, 0), quote, true, "IPKO", Texts);
        Payment replay = await w.Payments.PayRenewalAsync(new RenewalCharge(UssdRenewals.TryId(paid.Id, 0, 0, 1), payer, 0), quote, true, "IPKO", Texts);

        Assert.Equal(UssdPayments.PeriodPaid, late.Outcome.Error?.Code);
        Assert.True(replay.Outcome.Succeeded);
        Assert.NotEqual(LedgerStatus.Committed, replay.Outcome.Status);
        Assert.Equal(5000 - 1540, await w.CreditAsync(phone));
        Assert.Equal(1, await w.CountAsync("SELECT COUNT(*) FROM ussd_payments"));
        Assert.Equal(Local(2026, 4, 10, 13, 0), (await w.AccountNamedAsync(account)).PaidUntil);
        await w.AssertLedgerAsync();
    }

    [Fact]
    public async Task AccountGone_OrPackageNoLongerMonthly_EndedWithAnSms_NothingCharged()
    {
        DateTimeOffset start = Local(2026, 3, 10, 13, 0);
        await using ServiceWorld w = await ServiceWorld.CreateAsync(Kind, start);
        string phone = await w.SubscriberAsync(5000);
        Msisdn payer = w.Config.Numbering.ParseMsisdn(phone).Value;
        ServiceAccount tv = await w.AccountNamedAsync(await w.AccountAsync("DTV_FAMILJARE"));
        Assert.Null(await w.Commits.CommitAsync(new Written(context =>
        {
            UssdRenewals.Apply(context, payer, "ussd", new RenewalOrder("no-such-account", "INTERNET_1", false, 0, Money.FromCents(1540)));
            UssdRenewals.Apply(context, payer, "ussd", new RenewalOrder(tv.Id, "PPV", false, 0, Money.FromCents(550)));
        })));

        await AtAsync(w, start, Result(ended: 2));
        await AtAsync(w, start + TimeSpan.FromMinutes(1), Result());

        Assert.Equal(0, await w.CountAsync("SELECT COUNT(*) FROM renewals"));
        Assert.Equal(2, await SmsAsync(w, "renew-end:"));
        Assert.Equal(5000, await w.CreditAsync(phone));
    }

    /// <summary>Rows written as the menu's commit writes them, for renewals the menu would no longer let anyone set.</summary>
    private sealed class Written(Action<CommitContext> write) : ICommitWork
    {
        public bool RefusesBeforeWriting => true;

        public bool Pipelined => true;

        public Task<CommitRefusal?> ApplyAsync(CommitContext context, CancellationToken cancellationToken)
        {
            write(context);
            return Task.FromResult<CommitRefusal?>(null);
        }
    }
}

public sealed class SqliteUssdRenewalTests : UssdRenewalSpec
{
    protected override DatabaseKind Kind => DatabaseKind.Sqlite;
}

public sealed class PostgresUssdRenewalTests : UssdRenewalSpec
{
    protected override DatabaseKind Kind => DatabaseKind.Postgres;
}
