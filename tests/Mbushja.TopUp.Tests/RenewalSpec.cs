using Mbushja.Accounts;
using Mbushja.Banks.Connector;
using Mbushja.Domain;
using Mbushja.Ledger;
using Mbushja.Messaging;
using Mbushja.Storage;
using Mbushja.Testing;

namespace Mbushja.TopUp.Tests;

/// <summary>
/// Automatic renewals (README "Automatic renewal"; docs/design/renewals.md) with a fake clock in Europe/Belgrade: set
/// and stopped by SMS, reminded three days before, renewed on the due day through the SMS Top Up path once per period,
/// across month ends and the clocks' change, on several servers and after a crash; a declined renewal tried a bounded
/// number of times, then reported; a renewal that can no longer be made ended with nothing charged. On both engines.
/// </summary>
public abstract class RenewalSpec : IAsyncLifetime
{
    private const string Account = "renew.user";

    private TopUpHarness _h = null!;

    protected abstract DatabaseKind Kind { get; }

    private static readonly TimeZoneInfo Belgrade = OperatorClock.FindZone("Europe/Belgrade");

    public async Task InitializeAsync() => _h = await TopUpHarness.StartAsync(Kind, clock: new FakeClock(Local(2026, 1, 31, 10, 0)));

    public async Task DisposeAsync() => await _h.DisposeAsync();

    [Fact]
    public async Task Auto_APackagePayment_SetsTheRenewal_AnsweredCompleted_NothingCharged()
    {
        await PayFirstMonthAsync();
        TopUpResult result = await _h.Get<TopUpProcessor>().ProcessAsync(_h.Sms("AUTO internet " + Account));

        Assert.Equal((TopUpStatus.Completed, RenewalCodes.On), (result.Status, result.Code));
        Assert.Contains("14.90", result.Reply, StringComparison.Ordinal);
        Assert.Contains("28.02.2026", result.Reply, StringComparison.Ordinal);
        Assert.Contains("STOP AUTO internet " + Account, result.Reply, StringComparison.Ordinal);
        Renewal renewal = (await _h.Get<Renewals>().FindAsync(await AccountIdAsync()))!;
        Assert.Equal((_h.Holder.E164, "BEK", "internet " + Account), (renewal.Msisdn, renewal.BankCode, renewal.Text));
        Assert.Null(await _h.Get<LedgerQueries>().GetTransferAsync(result.TransactionId.HoldTransfer));
    }

    [Fact]
    public async Task Auto_SameMessageTwice_OneRecordOneReply()
    {
        await PayFirstMonthAsync();
        InboundSms sms = _h.Sms("AUTO internet " + Account);

        TopUpResult first = await _h.Get<TopUpProcessor>().ProcessAsync(sms);
        await _h.Get<TopUpProcessor>().ProcessAsync(sms with { Text = "STOP AUTO" });

        Assert.Equal(RenewalCodes.On, first.Code);
        Assert.NotNull(await _h.Get<Renewals>().FindAsync(await AccountIdAsync()));
    }

    [Theory]
    [InlineData("AUTO 5", RenewalCodes.NotPackage)]
    [InlineData("AUTO", RenewalCodes.NotPackage)]
    [InlineData("AUTO internet nobody.here", ErrorCodes.UnknownAccount)]
    [InlineData("STOP AUTO", RenewalCodes.None)]
    [InlineData("STOP AUTO internet " + Account, RenewalCodes.None)]
    public async Task Auto_TextsThatSetNothing_AnsweredWithTheirCode_NoRenewal(string text, string code)
    {
        await PayFirstMonthAsync();

        TopUpResult result = await _h.Get<TopUpProcessor>().ProcessAsync(_h.Sms(text));

        Assert.Equal((TopUpStatus.Rejected, code), (result.Status, result.Code));
        Assert.Null(await _h.Get<Renewals>().FindAsync(await AccountIdAsync()));
    }

    [Fact]
    public async Task StopAuto_AfterAuto_StopsIt_NothingRenewedOnTheDueDay()
    {
        await PayFirstMonthAsync();
        await SetAsync();

        TopUpResult stopped = await _h.Get<TopUpProcessor>().ProcessAsync(_h.Sms("stop auto internet " + Account));
        _h.Clock.Set(Local(2026, 2, 28, 0, 0));
        RenewalSweepResult swept = await SweepAsync();

        Assert.Equal((TopUpStatus.Completed, RenewalCodes.Off), (stopped.Status, stopped.Code));
        Assert.Equal(new RenewalSweepResult(0, 0, 0, 0), swept);
        Assert.Equal(-1490, await BankBalanceAsync());
    }

    [Fact]
    public async Task Renewal_AcrossMonthEndsAndTheClocksChange_RemindedThreeDaysBefore_RenewedOnTheDueDayOnce()
    {
        // Paid on 31 January until 28 February (a month from the 31st); the clocks go forward on 29 March.
        DateTimeOffset paidUntil = await PayFirstMonthAsync();
        Assert.Equal(Local(2026, 2, 28, 10, 0), paidUntil);
        await SetAsync();

        // The reminder goes on the first moment of 25 February, once; the renewal on the first moment of 28 February.
        await AtAsync(Local(2026, 2, 25, 0, 0) - Tick, new RenewalSweepResult(0, 0, 0, 0));
        await AtAsync(Local(2026, 2, 25, 0, 0), new RenewalSweepResult(1, 0, 0, 0));
        await AtAsync(Local(2026, 2, 26, 12, 0), new RenewalSweepResult(0, 0, 0, 0));
        Assert.Contains("28.02.2026", await RenewalSmsAsync("renew-remind:"), StringComparison.Ordinal);
        await AtAsync(Local(2026, 2, 28, 0, 0) - Tick, new RenewalSweepResult(0, 0, 0, 0));
        await AtAsync(Local(2026, 2, 28, 0, 0), new RenewalSweepResult(0, 1, 0, 0));
        await AtAsync(Local(2026, 2, 28, 0, 5), new RenewalSweepResult(0, 0, 0, 0));
        Assert.Equal(Local(2026, 3, 28, 10, 0), await PaidUntilAsync());

        // 28 March is in winter time, 28 April in summer time: each day begins at its own local midnight.
        await AtAsync(Local(2026, 3, 25, 0, 0), new RenewalSweepResult(1, 0, 0, 0));
        await AtAsync(Local(2026, 3, 28, 0, 0) - Tick, new RenewalSweepResult(0, 0, 0, 0));
        await AtAsync(Local(2026, 3, 28, 0, 0), new RenewalSweepResult(0, 1, 0, 0));
        Assert.Equal(Local(2026, 4, 28, 10, 0), await PaidUntilAsync());
        await AtAsync(Local(2026, 4, 25, 0, 0) - Tick, new RenewalSweepResult(0, 0, 0, 0));
        Assert.Equal(TimeSpan.FromHours(2), Belgrade.GetUtcOffset(Local(2026, 4, 25, 0, 0)));
        await AtAsync(Local(2026, 4, 25, 0, 0), new RenewalSweepResult(1, 0, 0, 0));
        await AtAsync(Local(2026, 4, 28, 0, 0), new RenewalSweepResult(0, 1, 0, 0));
        Assert.Equal(Local(2026, 5, 28, 10, 0), await PaidUntilAsync());

        // Four months paid, each once: the first by hand, three by renewal, each through the bank's hold and capture.
        Assert.Equal(-4 * 1490, await BankBalanceAsync());
        Assert.Equal(4, _h.Bank.Calls.Count(c => c.Operation == "hold"));
        await _h.AssertLedgerWholeAsync();
    }

    [Fact]
    public async Task Renewal_ItsTry_IsAnSmsTopUp_WithTheWholeTrail_AndItsReply()
    {
        await PayFirstMonthAsync();
        await SetAsync();
        await RemindedAsync();
        _h.Clock.Set(Local(2026, 2, 28, 0, 0));

        await SweepAsync();
        await _h.SettleAsync();

        string id = Renewals.TryId(await AccountIdAsync(), Local(2026, 2, 28, 10, 0).ToUnixTimeMilliseconds(), 0, 1);
        SmsTransaction row = (await _h.Get<SmsTransactions>().FindByMessageIdAsync(id))!;
        Assert.Equal((TopUpState.Completed, ReplyRoute.Outbound, _h.Holder.E164), (row.State, row.Route, row.Msisdn));
        Assert.Equal(
            ["received", "renewal", "interpreted", "ledger.hold", "bank.hold", "ledger", "reply", "bank.capture", "ledger.capture"],
            [.. (await _h.Get<SmsTrail>().ReadAsync(row.Id)).Select(e => e.Kind)]);
        OutboxMessage reply = (await _h.Get<SmsOutbox>().GetAsync(row.Id.Value))!;
        Assert.Equal(OutboxStates.Pending, reply.State);
        Assert.Contains("28.03.2026", reply.Text, StringComparison.Ordinal);
    }

    /// <summary>
    /// A try is made by the sweep, not sent from the phone (docs/design/renewals.md, "With the controls and the
    /// confirmation"): with one top-up a minute allowed per sender and per target, the payer's own top-up and the due
    /// renewal in the same minute both pass, and the renewal leaves the payer's allowance as it was.
    /// </summary>
    [Fact]
    public async Task Renewal_InTheMinuteOfThePayersOwnTopUp_NotRefusedByTheVelocityLimits_NorCountedInThem()
    {
        await _h.DisposeAsync();
        var oneAMinute = new BankControls(DefaultCaps.None, new VelocityLimits(1, null, 1, null), BankControls.DefaultCoolDown);
        _h = await TopUpHarness.StartAsync(
            Kind, clock: new FakeClock(Local(2026, 1, 31, 10, 0)), controls: new ControlSettings(new Dictionary<string, BankControls> { ["BEK"] = oneAMinute }));
        await PayFirstMonthAsync();
        await SetAsync();
        await RemindedAsync();
        _h.Clock.Set(Local(2026, 2, 28, 0, 0));
        Assert.Equal(TopUpStatus.Completed, (await _h.Get<TopUpProcessor>().ProcessAsync(_h.Sms("5"))).Status);

        Assert.Equal(new RenewalSweepResult(0, 1, 0, 0), await SweepAsync());
        await _h.SettleAsync();

        string id = Renewals.TryId(await AccountIdAsync(), Local(2026, 2, 28, 10, 0).ToUnixTimeMilliseconds(), 0, 1);
        SmsTransaction renewed = (await _h.Get<SmsTransactions>().FindByMessageIdAsync(id))!;
        Assert.Equal((TopUpState.Completed, null), (renewed.State, renewed.Code));
        Assert.Equal(Local(2026, 3, 28, 10, 0), await PaidUntilAsync());
        Assert.Equal(1, await SenderCountAsync(Local(2026, 2, 28, 0, 0)));
        Assert.Equal(ControlCodes.SenderVelocity, (await _h.Get<TopUpProcessor>().ProcessAsync(_h.Sms("5"))).Code);
        await _h.AssertLedgerWholeAsync();
    }

    [Fact]
    public async Task Renewal_BankDeclines_TriedThreeTimesSixHoursApart_ThenReportedOnce_NothingCharged()
    {
        await PayFirstMonthAsync();
        await SetAsync();
        await RemindedAsync();
        _h.Bank.HoldAnswer = HoldStatus.Declined;

        await AtAsync(Local(2026, 2, 28, 0, 0), new RenewalSweepResult(0, 1, 0, 0));
        await AtAsync(Local(2026, 2, 28, 5, 59), new RenewalSweepResult(0, 0, 0, 0));
        await AtAsync(Local(2026, 2, 28, 6, 0, 1), new RenewalSweepResult(0, 1, 0, 0));
        await AtAsync(Local(2026, 2, 28, 12, 0, 2), new RenewalSweepResult(0, 1, 0, 0));
        await AtAsync(Local(2026, 2, 28, 18, 0, 3), new RenewalSweepResult(0, 0, 1, 0));
        await AtAsync(Local(2026, 3, 2, 0, 0), new RenewalSweepResult(0, 0, 0, 0));

        Assert.Contains("3", await RenewalSmsAsync("renew-failed:"), StringComparison.Ordinal);
        Assert.Equal(1 + 3, _h.Bank.Calls.Count(c => c.Operation == "hold"));
        Assert.Equal(-1490, await BankBalanceAsync());
        Assert.Equal(Local(2026, 2, 28, 10, 0), await PaidUntilAsync());
        await _h.AssertLedgerWholeAsync();
    }

    [Fact]
    public async Task Renewal_RefusedByAControlEachTry_ReportedAsRefusedBeforeTheBank_NotAsDeclined()
    {
        await PayFirstMonthAsync();
        await SetAsync();
        await RemindedAsync();
        // The payer's SIM changed the day before: the 72 h cool-down covers the due day's three tries.
        await AtAsync(Local(2026, 2, 27, 12, 0), new RenewalSweepResult(0, 0, 0, 0));
        (_, SimChangeError? error) = await _h.Get<SimChanges>().RecordAsync([(_h.Holder, Local(2026, 2, 27, 12, 0))], "test");
        Assert.Null(error);

        await AtAsync(Local(2026, 2, 28, 0, 0), new RenewalSweepResult(0, 1, 0, 0));
        await AtAsync(Local(2026, 2, 28, 6, 0, 1), new RenewalSweepResult(0, 1, 0, 0));
        await AtAsync(Local(2026, 2, 28, 12, 0, 2), new RenewalSweepResult(0, 1, 0, 0));
        await AtAsync(Local(2026, 2, 28, 18, 0, 3), new RenewalSweepResult(0, 0, 1, 0));

        string report = await RenewalSmsAsync("renew-failed:");
        Assert.Contains("3 tries were refused before Banka Ekonomike was asked", report, StringComparison.Ordinal);
        Assert.DoesNotContain("declined", report, StringComparison.Ordinal);
        Assert.Equal(1, _h.Bank.Calls.Count(c => c.Operation == "hold"));
        Assert.Equal(Local(2026, 2, 28, 10, 0), await PaidUntilAsync());
        await _h.AssertLedgerWholeAsync();
    }

    [Fact]
    public async Task Renewal_GivenUp_AutoAgain_StartsANewRoundOfTries()
    {
        await PayFirstMonthAsync();
        await SetAsync();
        await RemindedAsync();
        _h.Bank.HoldAnswer = HoldStatus.Declined;
        foreach (int hour in new[] { 0, 6, 12, 18 })
        {
            _h.Clock.Set(Local(2026, 2, 28, hour, 0, 1));
            await SweepAsync();
        }

        _h.Bank.HoldAnswer = HoldStatus.Held;
        await SetAsync();
        RenewalSweepResult swept = await SweepAsync();

        // Paid late in the due day, after the paid-until: a month from then (max(now, paid-until)).
        Assert.Equal(new RenewalSweepResult(0, 1, 0, 0), swept);
        Assert.Equal(Local(2026, 3, 28, 18, 0, 1), await PaidUntilAsync());
        Assert.Equal(1, (await _h.Get<Renewals>().FindAsync(await AccountIdAsync()))!.Round);
    }

    [Fact]
    public async Task Renewal_TwoServersDueAtOnce_OneTryOnePayment()
    {
        await PayFirstMonthAsync();
        await SetAsync();
        await RemindedAsync();
        await using TopUpHarness other = await TopUpHarness.StartAsync(Kind, _h.Test, clock: _h.Clock, bank: _h.Bank);
        _h.Clock.Set(Local(2026, 2, 28, 0, 0));

        RenewalSweepResult[] both = await Task.WhenAll(SweepAsync(), other.Get<RenewalSweep>().RunAsync());
        // Whichever server made the try captures it in its background work: both are settled.
        await other.SettleAsync();
        await _h.SettleAsync();
        await Task.WhenAll(SweepAsync(), other.Get<RenewalSweep>().RunAsync());

        Assert.Equal(1, both.Sum(r => r.Tried));
        Assert.Equal(1 + 1, _h.Bank.Calls.Count(c => c.Operation == "hold"));
        Assert.Equal(Local(2026, 3, 28, 10, 0), await PaidUntilAsync());
        Assert.Equal(-2 * 1490, await BankBalanceAsync());
        await _h.AssertLedgerWholeAsync();
    }

    [Fact]
    public async Task Renewal_ServerDiesAfterRecordingItsTry_RestartFinishesIt_NoSecondTry()
    {
        await PayFirstMonthAsync();
        await SetAsync();
        await RemindedAsync();
        _h.Clock.Set(Local(2026, 2, 28, 0, 0));
        string instance = "renewal-crash-" + Guid.NewGuid().ToString("N")[..6];
        long period = Local(2026, 2, 28, 10, 0).ToUnixTimeMilliseconds();
        string accountId = await AccountIdAsync();

        // The first server records the try (as its sweep does) and dies before the bank is asked.
        await using (TopUpHarness dying = await TopUpHarness.StartAsync(Kind, _h.Test, instance, _h.Clock, _h.Bank))
        {
            var sms = new InboundSms(_h.Holder.E164, "50005", "internet " + Account, Renewals.TryId(accountId, period, 0, 1), ReplyRoute.Outbound)
            {
                Renewal = new RenewalTry(accountId, period, 0, 1),
            };
            Assert.NotNull((await dying.Get<TopUpProcessor>().AcceptAsync(sms)).Row);
        }

        // Before it restarts, another server's sweep leaves the try alone (it is under its lease).
        Assert.Equal(new RenewalSweepResult(0, 0, 0, 0), await SweepAsync());

        await using TopUpHarness restarted = await TopUpHarness.StartAsync(Kind, _h.Test, instance, _h.Clock, _h.Bank);
        await restarted.StartServerAsync();
        Assert.Equal(1, await restarted.Get<TopUpRecovery>().RecoverAsync());
        await restarted.SettleAsync();
        RenewalSweepResult after = await restarted.Get<RenewalSweep>().RunAsync();

        Assert.Equal(new RenewalSweepResult(0, 0, 0, 0), after);
        Assert.Equal(Local(2026, 3, 28, 10, 0), await PaidUntilAsync());
        Assert.Equal(-2 * 1490, await BankBalanceAsync());
        await _h.AssertLedgerWholeAsync();
    }

    [Fact]
    public async Task Renewal_SetterNoLongerRegistered_EndedWithAnSms_NothingCharged()
    {
        NumberingPlan numbering = _h.Get<NumberingPlan>();
        Msisdn authorised = numbering.ParseMsisdn("049700002").Value;
        await _h.Get<Subscribers>().CreateAsync(authorised, Money.Zero, Language.Sq);
        Registration registration = (await _h.Get<Registrations>().FindSenderAsync("BEK", _h.Holder)).Member!.Registration;
        Assert.True((await _h.Get<Registrations>().AddAuthorizedAsync("BEK", registration.Id, authorised, "test")).Succeeded);
        await PayFirstMonthAsync();
        TopUpResult set = await _h.Get<TopUpProcessor>().ProcessAsync(new InboundSms("049700002", "50005", "AUTO internet " + Account, "m-auth"));
        Assert.Equal(RenewalCodes.On, set.Code);
        Assert.True((await _h.Get<Registrations>().RemoveAuthorizedAsync("BEK", registration.Id, authorised, "test")).Succeeded);
        _h.Clock.Set(Local(2026, 2, 28, 0, 0));

        Assert.Equal(new RenewalSweepResult(0, 0, 0, 1), await SweepAsync());

        Assert.Contains("regjistruar", await RenewalSmsAsync("renew-end:"), StringComparison.Ordinal);
        Assert.Null(await _h.Get<Renewals>().FindAsync(await AccountIdAsync()));
        Assert.Equal(-1490, await BankBalanceAsync());
    }

    [Fact]
    public async Task Renewal_PriceRaisedAfterTheReminder_RemindedAgainAtTheNewPrice_ChargedOnlyAfterADaysNotice()
    {
        await PayFirstMonthAsync();
        await SetAsync();
        await AtAsync(Local(2026, 2, 25, 0, 0), new RenewalSweepResult(1, 0, 0, 0));
        CatalogChangeOutcome changed = await _h.Get<CatalogChanges>().ScheduleAsync(
            CatalogChangeKind.Price, "INTERNET_1", Money.FromCents(1690), new DateOnly(2026, 2, 28), "test", "new prices");
        Assert.True(changed.Succeeded, changed.Error?.Message);
        await _h.Get<CatalogChanges>().RefreshAsync();

        // On the due day the price is higher than the reminder said: told again, and charged a day later.
        await AtAsync(Local(2026, 2, 28, 0, 0), new RenewalSweepResult(1, 0, 0, 0));
        Assert.Contains("16.90", await RenewalSmsAsync("renew-remind:", newest: true), StringComparison.Ordinal);
        await AtAsync(Local(2026, 2, 28, 23, 59), new RenewalSweepResult(0, 0, 0, 0));
        await AtAsync(Local(2026, 3, 1, 0, 0, 1), new RenewalSweepResult(0, 1, 0, 0));

        Assert.Equal(-1490 - 1690, await BankBalanceAsync());
    }

    [Fact]
    public async Task Renewal_NoServerUpOnTheReminderDay_RemindedLate_ChargedOnlyADayAfterTheReminder()
    {
        await PayFirstMonthAsync();
        await SetAsync();

        await AtAsync(Local(2026, 2, 28, 8, 0), new RenewalSweepResult(1, 0, 0, 0));
        await AtAsync(Local(2026, 3, 1, 7, 59), new RenewalSweepResult(0, 0, 0, 0));
        await AtAsync(Local(2026, 3, 1, 8, 0), new RenewalSweepResult(0, 1, 0, 0));

        Assert.Contains("28.02.2026", await RenewalSmsAsync("renew-remind:"), StringComparison.Ordinal);
        Assert.Equal(-2 * 1490, await BankBalanceAsync());
    }

    [Fact]
    public async Task Auto_WithinTheReminderDays_TheAnswerIsTheReminder_RenewedOnTheDueDay()
    {
        await PayFirstMonthAsync();
        _h.Clock.Set(Local(2026, 2, 26, 15, 0));
        await SetAsync();

        await AtAsync(Local(2026, 2, 27, 12, 0), new RenewalSweepResult(0, 0, 0, 0));
        await AtAsync(Local(2026, 2, 28, 0, 0), new RenewalSweepResult(0, 1, 0, 0));

        Assert.Equal(Local(2026, 3, 28, 10, 0), await PaidUntilAsync());
    }

    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(1);

    /// <summary>The reminder of the first renewal (due 28 February), on the first moment of 25 February.</summary>
    private Task RemindedAsync() => AtAsync(Local(2026, 2, 25, 0, 0), new RenewalSweepResult(1, 0, 0, 0));

    private static DateTimeOffset Local(int year, int month, int day, int hour, int minute, int second = 0)
    {
        var local = new DateTime(year, month, day, hour, minute, second, DateTimeKind.Unspecified);
        return new DateTimeOffset(local, Belgrade.GetUtcOffset(local));
    }

    private async Task AtAsync(DateTimeOffset at, RenewalSweepResult expected)
    {
        _h.Clock.Set(at);
        Assert.Equal(expected, await SweepAsync());
        await _h.SettleAsync();
    }

    private Task<RenewalSweepResult> SweepAsync() => _h.Get<RenewalSweep>().RunAsync();

    /// <summary>Creates the internet account and pays its first month by SMS (BEK's <c>internet user</c>); returns its paid-until.</summary>
    private async Task<DateTimeOffset> PayFirstMonthAsync()
    {
        OperatorConfig config = _h.Get<OperatorConfig>();
        (LedgerOutcome outcome, _) = await _h.Get<ServiceAccounts>().CreateAsync(new NewServiceAccount(
            ServiceKind.Internet,
            config.Catalog.Find("INTERNET_1")!,
            AccountIdentifier.Parse(Account, IdentifierKind.Username).Value,
            null,
            null,
            null,
            Money.Zero));
        Assert.True(outcome.Succeeded, outcome.Error?.Message);
        TopUpResult paid = await _h.Get<TopUpProcessor>().ProcessAsync(_h.Sms("internet " + Account));
        Assert.Equal(TopUpStatus.Completed, paid.Status);
        await _h.SettleAsync();
        return (await PaidUntilAsync())!.Value;
    }

    private async Task SetAsync()
    {
        TopUpResult set = await _h.Get<TopUpProcessor>().ProcessAsync(_h.Sms("AUTO internet " + Account));
        Assert.Equal(RenewalCodes.On, set.Code);
    }

    private async Task<string> AccountIdAsync() => (await _h.Get<ServiceAccounts>().FindAsync(Account))!.Id;

    private async Task<DateTimeOffset?> PaidUntilAsync() => (await _h.Get<ServiceAccounts>().FindAsync(Account))!.PaidUntil;

    private async Task<long> BankBalanceAsync() => (await _h.AccountAsync("bank:BEK"))?.Balance.Cents ?? 0;

    /// <summary>How many top-ups the holder's velocity counted in the clock minute of <paramref name="at"/>.</summary>
    private async Task<long> SenderCountAsync(DateTimeOffset at)
    {
        await using System.Data.Common.DbConnection connection = await _h.Test.Database.OpenReaderAsync();
        await using System.Data.Common.DbCommand command = connection.CreateCommand();
        command.CommandText = "SELECT used FROM sms_control_counters WHERE scope = 'from:" + _h.Holder.E164 + "' AND period = 'i"
            + (at.ToUnixTimeSeconds() / 60).ToString(System.Globalization.CultureInfo.InvariantCulture) + "'";
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The text of the renewal SMS in the outbox whose id begins with <paramref name="prefix"/> (the only one, or the newest).</summary>
    private async Task<string> RenewalSmsAsync(string prefix, bool newest = false)
    {
        await using System.Data.Common.DbConnection connection = await _h.Test.Database.OpenReaderAsync();
        await using System.Data.Common.DbCommand command = connection.CreateCommand();
        command.CommandText = "SELECT text FROM sms_outbox WHERE transaction_id LIKE '" + prefix + "%' ORDER BY created_at DESC, transaction_id DESC";
        var texts = new List<string>();
        await using (System.Data.Common.DbDataReader r = await command.ExecuteReaderAsync())
        {
            while (await r.ReadAsync())
            {
                texts.Add(r.GetString(0));
            }
        }

        return newest ? texts[0] : Assert.Single(texts);
    }
}

public sealed class SqliteRenewalTests : RenewalSpec
{
    protected override DatabaseKind Kind => DatabaseKind.Sqlite;
}

public sealed class PostgresRenewalTests : RenewalSpec
{
    protected override DatabaseKind Kind => DatabaseKind.Postgres;
}
