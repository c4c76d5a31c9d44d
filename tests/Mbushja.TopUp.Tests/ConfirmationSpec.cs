using Mbushja.Domain;
using Mbushja.Ledger;
using Mbushja.Sms;
using Mbushja.Storage;
using Mbushja.Testing;

namespace Mbushja.TopUp.Tests;

/// <summary>
/// Confirmation of larger top-ups (README "Confirmation above a threshold"; docs/design/confirmation.md) as a state
/// machine, with a fake clock: BEK asks for a confirmation above 30.00 EUR, or past 5 payments or 100.00 EUR since the
/// last one, within 5 minutes and 3 tries. A message that asks holds nothing; only the confirming message holds, credits
/// and captures, and it alone; whatever else comes (a wrong code, twice, too late, from another number) charges nothing.
/// </summary>
public abstract partial class ConfirmationSpec : IAsyncLifetime
{
    private const string OtherNumber = "049700002";

    private TopUpHarness _h = null!;

    private string? _code;

    protected abstract DatabaseKind Kind { get; }

    public async Task InitializeAsync() => _h = await TopUpHarness.StartAsync(Kind, banks: b => b.Code == "BEK" ? b with { Confirmation = BankConfirmation.Default } : b);

    public async Task DisposeAsync() => await _h.DisposeAsync();

    private TopUpProcessor Processor => _h.Get<TopUpProcessor>();

    /// <summary>
    /// One row per story: steps joined by <c>|</c>, each <c>what &gt; answer</c>. What: an SMS text from the holder
    /// (<c>YES ok</c>: the code of the last request; <c>YES bad</c>: a wrong one), <c>other:</c> the same from another
    /// number, <c>+N</c> seconds on the clock, <c>sweep</c> (the expiry sweep). Answer: <c>completed</c> or the code.
    /// Then what the holder's number was credited in all, in cents.
    /// </summary>
    [Theory]
    [InlineData("50 > CONFIRMATION_REQUIRED | YES ok > completed", 5000)]
    [InlineData("50 > CONFIRMATION_REQUIRED | yes ok > completed", 5000)]
    [InlineData("50 > CONFIRMATION_REQUIRED | YES ok > completed | YES ok > CONFIRMATION_USED", 5000)]
    [InlineData("50 > CONFIRMATION_REQUIRED | YES bad > WRONG_CONFIRMATION_CODE | YES ok > completed", 5000)]
    [InlineData("50 > CONFIRMATION_REQUIRED | YES bad > WRONG_CONFIRMATION_CODE | YES bad > WRONG_CONFIRMATION_CODE | YES bad > CONFIRMATION_FAILED | YES ok > CONFIRMATION_FAILED", 0)]
    [InlineData("50 > CONFIRMATION_REQUIRED | YES > WRONG_CONFIRMATION_CODE | YES ok > completed", 5000)]
    [InlineData("50 > CONFIRMATION_REQUIRED | +299 | YES ok > completed", 5000)]
    [InlineData("50 > CONFIRMATION_REQUIRED | +300 | YES ok > CONFIRMATION_EXPIRED | YES ok > CONFIRMATION_EXPIRED", 0)]
    [InlineData("50 > CONFIRMATION_REQUIRED | +300 | sweep | YES ok > CONFIRMATION_EXPIRED", 0)]
    [InlineData("50 > CONFIRMATION_REQUIRED | other:YES ok > NO_CONFIRMATION_PENDING | YES ok > completed", 5000)]
    [InlineData("YES 123456 > NO_CONFIRMATION_PENDING", 0)]
    [InlineData("50 > CONFIRMATION_REQUIRED | 60 > CONFIRMATION_REQUIRED | YES ok > completed", 6000)]
    [InlineData("30 > completed", 3000)]
    [InlineData("20 > completed | 20 > completed | 20 > completed | 20 > completed | 20 > completed | 1 > CONFIRMATION_REQUIRED | YES ok > completed | 5 > completed", 10600)]
    [InlineData("30 > completed | 30 > completed | 30 > completed | 20 > CONFIRMATION_REQUIRED | YES ok > completed | 10 > completed", 12000)]
    [InlineData("30 > completed | 30 > completed | 30 > completed | 10 > completed | 1 > CONFIRMATION_REQUIRED", 10000)]
    public async Task Story_EachStep_AnsweredAsTheTableSays_OnlyConfirmedTopUpsCharged(string story, long creditedCents)
    {
        await _h.Get<Mbushja.Accounts.Subscribers>().CreateAsync(_h.Get<NumberingPlan>().ParseMsisdn(OtherNumber).Value, Money.Zero, Language.En);
        foreach (string step in story.Split('|', StringSplitOptions.TrimEntries))
        {
            if (step.StartsWith('+'))
            {
                _h.Clock.Advance(TimeSpan.FromSeconds(int.Parse(step[1..], System.Globalization.CultureInfo.InvariantCulture)));
                continue;
            }

            if (step == "sweep")
            {
                Assert.Equal(1, await _h.Get<SmsConfirmations>().ExpireAsync(_h.Clock.GetUtcNow(), 100));
                continue;
            }

            string[] parts = step.Split('>', StringSplitOptions.TrimEntries);
            (string from, string text) = parts[0].StartsWith("other:", StringComparison.Ordinal) ? (OtherNumber, parts[0][6..]) : (TopUpHarness.HolderNational, parts[0]);
            text = text.Replace("ok", _code, StringComparison.Ordinal).Replace("bad", "000000", StringComparison.Ordinal);
            TopUpResult result = await Processor.ProcessAsync(new InboundSms(from, "50005", text, "m-" + Guid.NewGuid().ToString("N")));
            Assert.Equal(parts[1], result.Status == TopUpStatus.Completed ? "completed" : result.Code);
            if (result.Code == ConfirmationCodes.Required)
            {
                _code = ConfirmationReplies.CodeOf(result.Reply);
                Assert.Matches(@"^Reply YES \d{6} within 5 minutes to pay \d+\.\d\d € from your Banka Ekonomike account\.", result.Reply);
            }
        }

        await _h.SettleAsync();
        Assert.Equal(creditedCents, (await _h.AccountAsync("sub:" + _h.Holder.E164))?.Balance.Cents ?? 0);
        Assert.Equal(creditedCents, -((await _h.AccountAsync("bank:BEK"))?.Balance.Cents ?? 0));
        Assert.Equal(0, (await _h.AccountAsync("bank:BEK"))?.PendingDebits.Cents ?? 0);
        await _h.AssertLedgerWholeAsync();
    }

    /// <summary>The hidden cost (docs/design/confirmation.md, "Cost"): the count travels with the record's own round trips.</summary>
    [Fact]
    public async Task Accept_UnderTheLimits_TheUnconfirmedCountTakesNoRoundTripOfItsOwn()
    {
        await using TopUpHarness plain = await TopUpHarness.StartAsync(Kind);
        await Processor.AcceptAsync(_h.Sms("5"));
        await plain.Get<TopUpProcessor>().AcceptAsync(plain.Sms("5"));

        string[] counted, uncounted;
        using (var trips = new RoundTrips())
        {
            await Processor.AcceptAsync(_h.Sms("5"));
            counted = trips.SentByWork();
        }

        using (var trips = new RoundTrips())
        {
            await plain.Get<TopUpProcessor>().AcceptAsync(plain.Sms("5"));
            uncounted = trips.SentByWork();
        }

        Assert.Equal(uncounted.Length, counted.Length);
        Assert.Equal(Kind == DatabaseKind.Postgres, counted.Any(t => t.Contains("sms_unconfirmed", StringComparison.Ordinal)));
    }

    /// <summary>
    /// The controls are consumed where the money is held (docs/design/controls.md), so a confirmed top-up meets them when
    /// its confirming message holds it, not when it asked: past the registration's daily cap, the confirming message is
    /// refused with the cap's reply and nothing is charged; the confirmation stays pending for its window, so once the
    /// cap allows it the same code carries the top-up on.
    /// </summary>
    [Fact]
    public async Task Confirm_PastADailyCap_RefusedWithTheCapsReply_NothingCharged_TheConfirmationStaysPending()
    {
        Registration registration = (await _h.Get<Registrations>().FindMemberAsync("BEK", _h.Holder))!.Registration;
        await SetDailyCapAsync(registration, "40");
        TopUpResult asked = await Processor.ProcessAsync(_h.Sms("50"));
        Assert.Equal(ConfirmationCodes.Required, asked.Code);
        string yes = "YES " + ConfirmationReplies.CodeOf(asked.Reply);

        TopUpResult refused = await Processor.ProcessAsync(_h.Sms(yes));
        await _h.SettleAsync();

        Assert.Equal((TopUpStatus.Rejected, ControlCodes.DailyCap), (refused.Status, refused.Code));
        Assert.Equal(
            "Refused: 50.00 € would pass the daily limit of 40.00 € of your Banka Ekonomike account; 40.00 € left today. Nothing was charged.",
            refused.Reply);
        Assert.Equal(0, (await _h.AccountAsync("sub:" + _h.Holder.E164))?.Balance.Cents ?? 0);
        Assert.Equal(0, (await _h.AccountAsync("bank:BEK"))?.Balance.Cents ?? 0);
        Assert.Equal(0, (await _h.AccountAsync("bank:BEK"))?.PendingDebits.Cents ?? 0);
        Assert.Null(await _h.Get<LedgerQueries>().GetTransferAsync(refused.TransactionId.HoldTransfer));
        Assert.Equal(
            ["received", "interpreted", "confirmation", "control", "reply"],
            (await _h.Get<SmsTrail>().ReadAsync(refused.TransactionId)).Select(e => e.Kind));
        Assert.Equal(ConfirmationState.Pending, (await _h.Get<SmsConfirmations>().GetAsync(asked.TransactionId))!.State);
        Assert.Equal(Money.Zero, (await _h.Get<TopUpControls>().CapsOfAsync(registration)).Registration.UsedToday);

        await SetDailyCapAsync(registration, "60");
        TopUpResult confirmed = await Processor.ProcessAsync(_h.Sms(yes));
        await _h.SettleAsync();

        Assert.Equal(TopUpStatus.Completed, confirmed.Status);
        Assert.Equal(5000, (await _h.AccountAsync("sub:" + _h.Holder.E164))?.Balance.Cents);
        Assert.Equal(Money.FromCents(5000), (await _h.Get<TopUpControls>().CapsOfAsync(registration)).Registration.UsedToday);
        await _h.AssertLedgerWholeAsync();
    }

    private async Task SetDailyCapAsync(Registration registration, string daily)
    {
        (RegistrationCaps? caps, RegistrationError? error) = await _h.Get<SpendingCaps>().SetAsync(
            "BEK", registration.Id, null, new CapsChange(Money.ParseAmount(daily).Value, null), "test");
        Assert.True(caps is not null, error?.Message);
    }

    [Fact]
    public async Task Confirm_TwoRepliesAtOnce_OneCarriesTheTopUpOn_TheOtherIsTold_ChargedOnce()
    {
        TopUpResult asked = await Processor.ProcessAsync(_h.Sms("50"));
        string text = "YES " + ConfirmationReplies.CodeOf(asked.Reply);

        TopUpResult[] answers = await Task.WhenAll(Processor.ProcessAsync(_h.Sms(text)), Processor.ProcessAsync(_h.Sms(text)));
        await _h.SettleAsync();

        Assert.Equal(
            [ConfirmationCodes.Used, "completed"],
            answers.Select(a => a.Status == TopUpStatus.Completed ? "completed" : a.Code).Order(StringComparer.Ordinal));
        Assert.Equal(5000, (await _h.AccountAsync("sub:" + _h.Holder.E164))!.Balance.Cents);
        await _h.AssertLedgerWholeAsync();
    }

    [Fact]
    public async Task Sweep_TwoServersAtOnce_CloseEachConfirmationOnce_ALateReplyToEitherIsToldItExpired()
    {
        await using TopUpHarness other = await TopUpHarness.StartAsync(
            Kind, database: _h.Test, clock: _h.Clock, bank: _h.Bank, banks: b => b.Code == "BEK" ? b with { Confirmation = BankConfirmation.Default } : b);
        TopUpResult asked = await Processor.ProcessAsync(_h.Sms("50"));
        _h.Clock.Advance(BankConfirmation.Default.Window);

        int[] closed = await Task.WhenAll(
            _h.Get<SmsConfirmations>().ExpireAsync(_h.Clock.GetUtcNow(), 10), other.Get<SmsConfirmations>().ExpireAsync(_h.Clock.GetUtcNow(), 10));
        TopUpResult late = await other.Get<TopUpProcessor>().ProcessAsync(_h.Sms("YES " + ConfirmationReplies.CodeOf(asked.Reply)));

        Assert.Equal(1, closed.Sum());
        Assert.Equal(ConfirmationCodes.Expired, late.Code);
        Assert.Equal(ConfirmationState.Expired, (await _h.Get<SmsConfirmations>().GetAsync(asked.TransactionId))!.State);
        Assert.Contains(await _h.Get<SmsTrail>().ReadAsync(asked.TransactionId), e => e.Kind == "confirmation.expired");
        Assert.Equal(0, (await _h.AccountAsync("sub:" + _h.Holder.E164))?.Balance.Cents ?? 0);
    }

    [Fact]
    public async Task Ask_TheRequest_HoldsNothing_AndTheCodeIsKeptNowhere()
    {
        TopUpResult asked = await Processor.ProcessAsync(_h.Sms("50"));
        string code = ConfirmationReplies.CodeOf(asked.Reply);
        TopUpResult confirmed = await Processor.ProcessAsync(_h.Sms("YES " + code));
        await _h.SettleAsync();

        SmsTransaction first = (await _h.RowAsync(asked.TransactionId))!;
        Assert.Equal((TopUpState.Rejected, ConfirmationCodes.Required, null), (first.State, first.Code, first.Plan));
        Assert.Null(await _h.Get<LedgerQueries>().GetTransferAsync(first.Id.HoldTransfer));
        SmsTransaction second = (await _h.RowAsync(confirmed.TransactionId))!;
        Assert.Equal((TopUpState.Completed, "YES ******"), (second.State, second.Text));
        List<SmsEvent> trail = await _h.Get<SmsTrail>().ReadAsync(second.Id);
        Assert.DoesNotContain(trail, e => e.Detail.Contains(code, StringComparison.Ordinal));
        Assert.Contains(await _h.Get<SmsTrail>().ReadAsync(first.Id), e => e.Kind == "confirmation.confirmed" && e.Detail.Contains(second.Id.Value, StringComparison.Ordinal));
        SmsConfirmation stored = (await _h.Get<SmsConfirmations>().GetAsync(first.Id))!;
        Assert.Equal((ConfirmationState.Confirmed, second.Id, null), (stored.State, stored.ConfirmedBy, stored.SecretHash));
    }

    [Fact]
    public async Task Pin_BankAsksForOne_NoneSet_Refused_OnceSet_ThePinConfirms()
    {
        await using TopUpHarness pin = await TopUpHarness.StartAsync(
            Kind, banks: b => b.Code == "BEK" ? b with { Confirmation = BankConfirmation.Default with { Method = ConfirmationMethod.Pin } } : b);
        TopUpProcessor processor = pin.Get<TopUpProcessor>();

        TopUpResult none = await processor.ProcessAsync(pin.Sms("50"));
        await pin.Get<SmsConfirmations>().SetPinAsync("BEK", pin.Holder.E164, "4321", "test");
        TopUpResult asked = await processor.ProcessAsync(pin.Sms("50"));
        TopUpResult wrong = await processor.ProcessAsync(pin.Sms("YES 1234"));
        TopUpResult right = await processor.ProcessAsync(pin.Sms("YES 4321"));
        await pin.SettleAsync();

        Assert.Equal(ConfirmationCodes.PinNotSet, none.Code);
        Assert.Equal(
            (ConfirmationCodes.Required, "Reply YES and your PIN within 5 minutes to pay 50.00 € from your Banka Ekonomike account. Nothing is charged before."),
            (asked.Code, asked.Reply));
        Assert.Equal(ConfirmationCodes.WrongCode, wrong.Code);
        Assert.Equal(TopUpStatus.Completed, right.Status);
        string? hash = await pin.Get<SmsConfirmations>().PinHashAsync("BEK", pin.Holder.E164);
        Assert.StartsWith("pbkdf2-sha256$", hash, StringComparison.Ordinal);
        Assert.DoesNotContain("4321", hash!, StringComparison.Ordinal);
    }

}

public sealed class SqliteConfirmationTests : ConfirmationSpec
{
    protected override DatabaseKind Kind => DatabaseKind.Sqlite;
}

public sealed class PostgresConfirmationTests : ConfirmationSpec
{
    protected override DatabaseKind Kind => DatabaseKind.Postgres;
}
