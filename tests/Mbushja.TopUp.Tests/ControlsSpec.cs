using System.Text.Json;
using Mbushja.Accounts;
using Mbushja.Banks.Connector;
using Mbushja.Domain;
using Mbushja.Messaging;
using Mbushja.Storage;
using Mbushja.Testing;

namespace Mbushja.TopUp.Tests;

/// <summary>
/// The controls on SMS Top Up (docs/design/controls.md) with a fake clock, on both engines: caps per registration and
/// per authorised person per operator-local day and month, consumed in the commit that holds the money (so messages at
/// once cannot both pass) and given back by a decline; velocity per sender and per target; the SIM-swap cool-down.
/// </summary>
public abstract class ControlsSpec : IAsyncLifetime
{
    private const string AuthorizedNational = "049700002";

    private TopUpHarness? _h;

    protected abstract DatabaseKind Kind { get; }

    private TopUpHarness H => _h ?? throw new InvalidOperationException("Start the harness first.");

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_h is not null)
        {
            await _h.AssertLedgerWholeAsync();
            await _h.DisposeAsync();
        }
    }

    /// <summary>
    /// Each row: whose cap is set (the registration's, an authorised person's, or the bank's default for authorised
    /// persons), the daily and monthly cap, who sends, the amounts sent one after another, and what each got (a refusal
    /// with what its reply says is left).
    /// </summary>
    [Theory]
    [InlineData("registration", "10", null, "holder", "5,5,1", "completed,completed,DAILY_CAP 0.00")]
    [InlineData("registration", null, "12", "holder", "5,5,5", "completed,completed,MONTHLY_CAP 2.00")]
    [InlineData("registration", "10", null, "authorized", "5,6", "completed,DAILY_CAP 5.00")]
    [InlineData("person", "6", null, "authorized", "5,2", "completed,DAILY_CAP 1.00")]
    [InlineData("person", "6", null, "holder", "5,5", "completed,completed")]
    [InlineData("person", null, "8", "authorized", "5,5,3", "completed,MONTHLY_CAP 3.00,completed")]
    [InlineData("bank default", "3", null, "authorized", "5,3", "DAILY_CAP 3.00,completed")]
    [InlineData("bank default", "3", null, "holder", "5", "completed")]
    public async Task Caps_EachMessageInTurn_PassesOrIsRefusedWholeNamingWhatIsLeft(
        string whose, string? daily, string? monthly, string sender, string amounts, string expected)
    {
        DefaultCaps defaults = whose == "bank default" ? new DefaultCaps(null, null, Amount(daily), Amount(monthly)) : DefaultCaps.None;
        await StartAsync(new BankControls(defaults, VelocityLimits.None, BankControls.DefaultCoolDown));
        if (whose != "bank default")
        {
            await SetCapsAsync(whose == "person" ? AuthorizedNational : null, daily, monthly);
        }

        var got = new List<string>();
        foreach (string amount in amounts.Split(','))
        {
            TopUpResult result = await SendAsync(sender == "holder" ? TopUpHarness.HolderNational : AuthorizedNational, amount);
            got.Add(result.Status == TopUpStatus.Completed ? "completed" : $"{result.Code} {LeftIn(result.Reply)}");
        }

        Assert.Equal(expected, string.Join(',', got));
    }

    [Fact]
    public async Task Caps_Refusal_ReplyNamesTheCapAndWhatIsLeft_TrailSaysWhichControl()
    {
        await StartAsync(BankControls.Default);
        await SetCapsAsync(AuthorizedNational, "6", null);
        await SendAsync(AuthorizedNational, "5");

        TopUpResult refused = await SendAsync(AuthorizedNational, "2");

        Assert.Equal((TopUpStatus.Rejected, ControlCodes.DailyCap), (refused.Status, refused.Code));
        Assert.Equal("Refused: 2.00 € would pass the daily limit of 6.00 € for your number at Banka Ekonomike; 1.00 € left today. Nothing was charged.", refused.Reply);
        List<SmsEvent> trail = await H.Get<SmsTrail>().ReadAsync(refused.TransactionId);
        Assert.Equal(["received", "interpreted", "control", "reply"], trail.Select(e => e.Kind));
        using JsonDocument control = JsonDocument.Parse(trail[2].Detail);
        Assert.Equal(("cap", "daily", "authorized", 600L, 500L, 100L), (
            control.RootElement.GetProperty("control").GetString(),
            control.RootElement.GetProperty("cap").GetString(),
            control.RootElement.GetProperty("of").GetString(),
            control.RootElement.GetProperty("capCents").GetInt64(),
            control.RootElement.GetProperty("usedCents").GetInt64(),
            control.RootElement.GetProperty("leftCents").GetInt64()));
        Assert.Null(await H.Get<Ledger.LedgerQueries>().GetTransferAsync(refused.TransactionId.HoldTransfer));
    }

    [Fact]
    public async Task Caps_DayAndMonth_AreTheOperatorsLocalOnes_AcrossTheChangeToSummerTime()
    {
        await StartAsync(BankControls.Default);
        await SetCapsAsync(null, "15", "20");
        // 30 March 2026, 23:30 in Europe/Belgrade (summer time since the 29th: UTC+2).
        H.Clock.Set(new DateTimeOffset(2026, 3, 30, 21, 30, 0, TimeSpan.Zero));
        Assert.Equal(TopUpStatus.Completed, (await SendAsync(TopUpHarness.HolderNational, "10")).Status);
        H.Clock.Advance(TimeSpan.FromMinutes(20));
        TopUpResult day = await SendAsync(TopUpHarness.HolderNational, "6");
        Assert.Equal((ControlCodes.DailyCap, "5.00"), (day.Code, LeftIn(day.Reply)));

        // 00:10 on the 31st: a new day, the same month.
        H.Clock.Advance(TimeSpan.FromMinutes(20));
        Assert.Equal(TopUpStatus.Completed, (await SendAsync(TopUpHarness.HolderNational, "10")).Status);
        TopUpResult month = await SendAsync(TopUpHarness.HolderNational, "1");
        Assert.Equal((ControlCodes.MonthlyCap, "0.00"), (month.Code, LeftIn(month.Reply)));

        // 00:10 on 1 April: a new month.
        H.Clock.Advance(TimeSpan.FromDays(1));
        Assert.Equal(TopUpStatus.Completed, (await SendAsync(TopUpHarness.HolderNational, "10")).Status);
    }

    [Fact]
    public async Task Caps_ADeclinedTopUp_GivesItsAmountBack()
    {
        await StartAsync(BankControls.Default);
        await SetCapsAsync(null, "10", null);
        H.Bank.HoldAnswer = HoldStatus.Declined;
        Assert.Equal(ErrorCodes.BankDeclined, (await SendAsync(TopUpHarness.HolderNational, "10")).Code);

        H.Bank.HoldAnswer = HoldStatus.Held;
        Assert.Equal(TopUpStatus.Completed, (await SendAsync(TopUpHarness.HolderNational, "10")).Status);
        Assert.Equal(ControlCodes.DailyCap, (await SendAsync(TopUpHarness.HolderNational, "1")).Code);
    }

    [Fact]
    public async Task Caps_LoweredWhileATopUpIsPending_ItKeepsWhatItTook_AndGivesItBackWhenDeclined()
    {
        await StartAsync(BankControls.Default);
        await SetCapsAsync(null, "10", null);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        H.Bank.HoldGate = gate.Task;
        H.Bank.HoldAnswer = HoldStatus.Declined;
        Task<TopUpResult> pending = H.Get<TopUpProcessor>().ProcessAsync(Sms(TopUpHarness.HolderNational, "8"));
        await H.Bank.HoldAsked.Task.WaitAsync(Timeouts.Hang);

        await SetCapsAsync(null, "5", null);
        RegistrationCaps lowered = await CapsAsync();
        Assert.Equal((800L, 0L), (lowered.Registration.UsedToday.Cents, lowered.Registration.LeftToday!.Value.Cents));
        H.Bank.HoldGate = null;
        Assert.Equal(ControlCodes.DailyCap, (await SendAsync(TopUpHarness.HolderNational, "1")).Code);

        gate.SetResult();
        Assert.Equal(ErrorCodes.BankDeclined, (await pending).Code);
        await H.SettleAsync();
        Assert.Equal(0, (await CapsAsync()).Registration.UsedToday.Cents);
        H.Bank.HoldAnswer = HoldStatus.Held;
        Assert.Equal(TopUpStatus.Completed, (await SendAsync(TopUpHarness.HolderNational, "5")).Status);
    }

    [Fact]
    public async Task Caps_AReversedTopUp_GivesItsAmountBack()
    {
        await StartAsync(BankControls.Default);
        await SetCapsAsync(null, "10", null);
        TopUpResult paid = await SendAsync(TopUpHarness.HolderNational, "10");
        await H.SettleAsync();

        ReversalOutcome reversed = await H.Get<TopUpReversals>().ReverseAsync(paid.TransactionId.Value, "asked by the holder", "test");

        Assert.True(reversed.Succeeded, reversed.Error?.Message);
        Assert.Equal(TopUpStatus.Completed, (await SendAsync(TopUpHarness.HolderNational, "10")).Status);
    }

    [Fact]
    public async Task Caps_ManyMessagesAtOnce_NoMoreThanTheCapIsHeld()
    {
        await StartAsync(BankControls.Default);
        await SetCapsAsync(null, "5", null);

        AcceptedSms[] accepted = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ =>
            Task.Run(() => H.Get<TopUpProcessor>().AcceptAsync(Sms(TopUpHarness.HolderNational, "1")))));

        Assert.Equal(5, accepted.Count(a => a.Row!.State == TopUpState.Holding));
        Assert.Equal(7, accepted.Count(a => a.Row!.Code == ControlCodes.DailyCap));
        Assert.Equal(500, (await H.AccountAsync("bank:BEK"))!.PendingDebits.Cents);
        RegistrationCaps caps = await CapsAsync();
        Assert.Equal((500L, 0L), (caps.Registration.UsedToday.Cents, caps.Registration.LeftToday!.Value.Cents));
        foreach (AcceptedSms a in accepted.Where(a => a.Row!.State == TopUpState.Holding))
        {
            await H.Get<TopUpProcessor>().FinishAsync(a.Row!);
        }
    }

    [Fact]
    public async Task Velocity_PerSender_RefusedPastTheLimitUntilTheMinuteEnds()
    {
        await StartAsync(BankControls.Default with { Velocity = new VelocityLimits(2, null, null, null) });
        Assert.Equal(TopUpStatus.Completed, (await SendAsync(TopUpHarness.HolderNational, "1")).Status);
        Assert.Equal(TopUpStatus.Completed, (await SendAsync(TopUpHarness.HolderNational, "1")).Status);

        TopUpResult third = await SendAsync(TopUpHarness.HolderNational, "1");

        // 09:00 UTC is 10:00 in Belgrade; the minute ends at 10:01.
        Assert.Equal((TopUpStatus.Rejected, ControlCodes.SenderVelocity), (third.Status, third.Code));
        Assert.Equal("Too many top-ups from your number: at most 2 a minute. Try again after 10:01. Nothing was charged.", third.Reply);
        H.Clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(TopUpStatus.Completed, (await SendAsync(TopUpHarness.HolderNational, "1")).Status);
    }

    [Fact]
    public async Task Velocity_PerTarget_CountsEverySenderOfTheNumber()
    {
        await StartAsync(BankControls.Default with { Velocity = new VelocityLimits(null, null, null, 1) });
        Assert.Equal(TopUpStatus.Completed, (await SendAsync(TopUpHarness.HolderNational, AuthorizedNational + " 1")).Status);

        TopUpResult second = await SendAsync(AuthorizedNational, "1");

        Assert.Equal(ControlCodes.TargetVelocity, second.Code);
        Assert.StartsWith($"Too many top-ups for {AuthorizedNational}: at most 1 an hour. Try again after 11:00.", second.Reply, StringComparison.Ordinal);
        Assert.Equal(TopUpStatus.Completed, (await SendAsync(TopUpHarness.HolderNational, "1")).Status);
    }

    [Fact]
    public async Task SimSwap_WithinTheCoolDown_RefusedSayingWhen_TheHolderIsTold()
    {
        await StartAsync(BankControls.Default);
        Msisdn authorized = Number(AuthorizedNational);
        DateTimeOffset changed = H.Clock.GetUtcNow() - TimeSpan.FromHours(1);
        (IReadOnlyList<SimChangeRecorded>? recorded, SimChangeError? error) = await H.Get<SimChanges>().RecordAsync([(authorized, changed)], "test");
        Assert.Null(error);
        Assert.Equal((true, 1), (recorded![0].New, recorded[0].HoldersNotified));
        OutboxMessage notice = (await H.Get<SmsOutbox>().GetAsync($"sim:{authorized.E164}:{changed.ToUnixTimeMilliseconds()}:BEK"))!;
        Assert.Equal((H.Holder.E164, "50005"), (notice.Recipient, notice.Sender));
        Assert.Equal("The SIM of 049700002, authorised on your Banka Ekonomike account, was changed. SMS Top Up from it is paused until 13.03.2026 09:00.", notice.Text);

        TopUpResult refused = await SendAsync(AuthorizedNational, "5");
        Assert.Equal((TopUpStatus.Rejected, ControlCodes.SimChanged), (refused.Status, refused.Code));
        Assert.Contains("works again from 13.03.2026 09:00", refused.Reply, StringComparison.Ordinal);
        Assert.Equal(TopUpStatus.Completed, (await SendAsync(TopUpHarness.HolderNational, "5")).Status);

        // Reported again: known, nobody told twice.
        (recorded, _) = await H.Get<SimChanges>().RecordAsync([(authorized, changed)], "test");
        Assert.Equal((false, 0), (recorded![0].New, recorded[0].HoldersNotified));

        H.Clock.Advance(TimeSpan.FromHours(71) - TimeSpan.FromMinutes(1));
        Assert.Equal(ControlCodes.SimChanged, (await SendAsync(AuthorizedNational, "5")).Code);
        H.Clock.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(TopUpStatus.Completed, (await SendAsync(AuthorizedNational, "5")).Status);
    }

    [Fact]
    public async Task SimSwap_AChangeDatedInTheFuture_IsRefused_NothingRecorded()
    {
        await StartAsync(BankControls.Default);
        Msisdn authorized = Number(AuthorizedNational);

        (IReadOnlyList<SimChangeRecorded>? recorded, SimChangeError? error) = await H.Get<SimChanges>().RecordAsync(
            [(authorized, H.Clock.GetUtcNow().AddMinutes(5))], "test");

        Assert.Null(recorded);
        Assert.Equal((SimChanges.InFuture, "changedAt"), (error!.Code, error.Field));
        Assert.Empty((await H.Get<SimChanges>().OfAsync(authorized)).Changes);
        Assert.Equal(TopUpStatus.Completed, (await SendAsync(AuthorizedNational, "5")).Status);
    }

    [Fact]
    public async Task SimSwap_ACoolDownOfTheBank_IsItsOwn()
    {
        await StartAsync(BankControls.Default with { SimSwapCoolDown = TimeSpan.FromHours(2) });
        await H.Get<SimChanges>().RecordAsync([(H.Holder, H.Clock.GetUtcNow() - TimeSpan.FromHours(1))], "test");
        Assert.Equal(ControlCodes.SimChanged, (await SendAsync(TopUpHarness.HolderNational, "5")).Code);

        H.Clock.Advance(TimeSpan.FromHours(1) + TimeSpan.FromSeconds(1));

        Assert.Equal(TopUpStatus.Completed, (await SendAsync(TopUpHarness.HolderNational, "5")).Status);
    }

    private async Task StartAsync(BankControls bek)
    {
        _h = await TopUpHarness.StartAsync(Kind, controls: new ControlSettings(new Dictionary<string, BankControls> { ["BEK"] = bek }));
        Msisdn authorized = Number(AuthorizedNational);
        await H.Get<Subscribers>().CreateAsync(authorized, Money.Zero, Language.En);
        RegistrationOutcome added = await H.Get<Registrations>().AddAuthorizedAsync("BEK", (await RegistrationAsync()).Id, authorized, "test");
        Assert.True(added.Succeeded, added.Error?.Message);
    }

    private async Task<Registration> RegistrationAsync() => (await H.Get<Registrations>().FindMemberAsync("BEK", H.Holder))!.Registration;

    private async Task<RegistrationCaps> CapsAsync() => await H.Get<TopUpControls>().CapsOfAsync(await RegistrationAsync());

    private async Task SetCapsAsync(string? person, string? daily, string? monthly)
    {
        (RegistrationCaps? caps, RegistrationError? error) = await H.Get<SpendingCaps>().SetAsync(
            "BEK", (await RegistrationAsync()).Id, person is null ? null : Number(person), new CapsChange(Amount(daily), Amount(monthly)), "test");
        Assert.True(caps is not null, error?.Message);
    }

    private async Task<TopUpResult> SendAsync(string from, string text)
    {
        TopUpResult result = await H.Get<TopUpProcessor>().ProcessAsync(Sms(from, text));
        await H.SettleAsync();
        return result;
    }

    private static InboundSms Sms(string from, string text) => new(from, "50005", text, "m-" + Guid.NewGuid().ToString("N"));

    private Msisdn Number(string national) => H.Get<NumberingPlan>().ParseMsisdn(national).Value;

    private static Money? Amount(string? text) => text is null ? null : Money.ParseAmount(text).Value;

    /// <summary>What a cap's reply says is left ("...; 1.00 € left today."), or the velocity's and SIM's nothing.</summary>
    private static string LeftIn(string reply)
    {
        int end = reply.IndexOf(" € left", StringComparison.Ordinal);
        return end < 0 ? "" : reply[(reply.LastIndexOf(' ', end - 1) + 1)..end];
    }
}

public sealed class SqliteControlsTests : ControlsSpec
{
    protected override DatabaseKind Kind => DatabaseKind.Sqlite;
}

public sealed class PostgresControlsTests : ControlsSpec
{
    protected override DatabaseKind Kind => DatabaseKind.Postgres;
}
