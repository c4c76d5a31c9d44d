using Mbushja.Messaging;
using Mbushja.Storage;

namespace Mbushja.TopUp.Tests;

/// <summary>
/// Exactly one route for a message's reply (docs/design/replies-and-leases.md): the answer to a repeat of the message
/// carries the reply only when no other route has it, decided by a conditional write the outbox's claim excludes. Each
/// case as the processor sees it, on both engines; a crash is a message recorded and never finished.
/// </summary>
public abstract class OneReplySpec : IAsyncLifetime
{
    private TopUpHarness _h = null!;

    protected abstract DatabaseKind Kind { get; }

    public async Task InitializeAsync() => _h = await TopUpHarness.StartAsync(Kind);

    public async Task DisposeAsync() => await _h.DisposeAsync();

    private TopUpProcessor Processor => _h.Get<TopUpProcessor>();

    private SmsOutbox Outbox => _h.Get<SmsOutbox>();

    [Fact]
    public async Task CrashThenResend_BeforeAnyAttempt_TheAnswerTakesTheReplyBack()
    {
        InboundSms sms = _h.Sms("5");
        SmsTransaction row = await CrashAndRecoverAsync(sms);
        Assert.Equal(OutboxStates.Pending, (await Outbox.GetAsync(row.Id.Value))!.State);

        TopUpResult resend = await Processor.ProcessAsync(sms);

        Assert.Equal((TopUpStatus.Completed, row.Id, ReplyDelivery.InAnswer), (resend.Status, resend.TransactionId, resend.Delivery));
        Assert.Equal((await _h.RowAsync(row.Id))!.Reply, resend.Reply);
        Assert.Equal(OutboxStates.Inline, (await Outbox.GetAsync(row.Id.Value))!.State);
        Assert.DoesNotContain(await Outbox.DueAsync(DateTimeOffset.MaxValue, 100), m => m.TransactionId == row.Id.Value);
        SmsEvent taken = (await _h.Get<SmsTrail>().ReadAsync(row.Id)).Last(e => e.Kind == "reply");
        Assert.Contains("\"route\":\"response\"", taken.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CrashThenResend_AfterTheOutboxClaimedIt_TheAnswerCarriesNoReply()
    {
        InboundSms sms = _h.Sms("5");
        SmsTransaction row = await CrashAndRecoverAsync(sms);
        OutboxMessage due = Assert.Single(await Outbox.DueAsync(DateTimeOffset.MaxValue, 100), m => m.TransactionId == row.Id.Value);
        Assert.NotNull(await Outbox.ClaimAsync(due, _h.Clock.GetUtcNow() + TimeSpan.FromMinutes(2)));

        TopUpResult resend = await Processor.ProcessAsync(sms);

        Assert.Equal((TopUpStatus.Completed, row.Id, ReplyDelivery.Separately), (resend.Status, resend.TransactionId, resend.Delivery));
        OutboxMessage claimed = (await Outbox.GetAsync(row.Id.Value))!;
        Assert.Equal((OutboxStates.Pending, 1), (claimed.State, claimed.Attempts));
    }

    /// <summary>The caller stopped waiting while the bank held: its reply goes outbound, and the gateway's repeat takes it back.</summary>
    [Fact]
    public async Task CallerGaveUpDuringTheBanksHold_ReplyGoesOutbound_ThenARepeatTakesItBack()
    {
        var bankAnswers = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _h.Bank.HoldGate = bankAnswers.Task;
        InboundSms sms = _h.Sms("5");
        using var caller = new CancellationTokenSource();

        Task<TopUpResult> first = Processor.ProcessAsync(sms, caller.Token);
        await _h.Bank.HoldAsked.Task;
        await caller.CancelAsync();
        bankAnswers.SetResult();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first);
        SmsTransaction row = (await _h.Get<SmsTransactions>().FindByMessageIdAsync(sms.MessageId!))!;
        Assert.Equal(OutboxStates.Pending, (await Outbox.GetAsync(row.Id.Value))!.State);

        TopUpResult resend = await Processor.ProcessAsync(sms);

        Assert.Equal((ReplyDelivery.InAnswer, row.Reply), (resend.Delivery, resend.Reply));
        Assert.Equal(OutboxStates.Inline, (await Outbox.GetAsync(row.Id.Value))!.State);
    }

    /// <summary>
    /// A repeat answered with the first request's inline reply: should the first request's caller then give up, the reply
    /// is not handed to the outbound gateway as well.
    /// </summary>
    [Fact]
    public async Task RepeatCarriedTheInlineReply_TheFirstCallerGivingUp_SendsNothingMore()
    {
        InboundSms sms = _h.Sms("5");
        TopUpResult first = await Processor.ProcessAsync(sms);
        TopUpResult repeat = await Processor.ProcessAsync(sms);
        Assert.Equal((ReplyDelivery.InAnswer, ReplyDelivery.InAnswer), (first.Delivery, repeat.Delivery));

        await _h.Get<SmsTransactions>().SendInlineReplyAsync(first.TransactionId);

        Assert.Equal(OutboxStates.Inline, (await Outbox.GetAsync(first.TransactionId.Value))!.State);
    }

    /// <summary>The first caller gave up before any repeat: its inline reply goes outbound, as before.</summary>
    [Fact]
    public async Task NoRepeat_TheFirstCallerGivingUp_HandsTheReplyToTheOutbox()
    {
        TopUpResult first = await Processor.ProcessAsync(_h.Sms("5"));

        await _h.Get<SmsTransactions>().SendInlineReplyAsync(first.TransactionId);

        Assert.Equal(OutboxStates.Pending, (await Outbox.GetAsync(first.TransactionId.Value))!.State);
    }

    /// <summary>Through a gateway that reads no reply in its answers (Kannel with sendsms, SMPP), a repeat never takes the reply.</summary>
    [Fact]
    public async Task RepeatThroughAnOutboundGateway_NeverCarriesTheReply()
    {
        InboundSms sms = _h.Sms("5", ReplyRoute.Outbound);
        TopUpResult first = await Processor.ProcessAsync(sms);

        TopUpResult repeat = await Processor.ProcessAsync(sms);

        Assert.Equal((ReplyDelivery.Separately, ReplyDelivery.Separately), (first.Delivery, repeat.Delivery));
        Assert.Equal(OutboxStates.Pending, (await Outbox.GetAsync(first.TransactionId.Value))!.State);
    }

    /// <summary>A refusal answered at the record is the first request's to carry, and a repeat's after it.</summary>
    [Fact]
    public async Task Refusal_RepeatCarriesTheSameReply()
    {
        InboundSms sms = _h.Sms("what?");
        TopUpResult first = await Processor.ProcessAsync(sms);

        TopUpResult repeat = await Processor.ProcessAsync(sms);

        Assert.Equal((ReplyDelivery.InAnswer, first.Reply, first.TransactionId), (repeat.Delivery, repeat.Reply, repeat.TransactionId));
    }

    /// <summary>Records the message and "dies"; once the lease has run out, the recovery sweep finishes it, its reply outbound.</summary>
    private async Task<SmsTransaction> CrashAndRecoverAsync(InboundSms sms)
    {
        SmsTransaction row = (await Processor.AcceptAsync(sms)).Row!;
        _h.Clock.Advance(TopUpOptions.Default.Lease + TimeSpan.FromSeconds(1));
        Assert.Equal(1, await _h.Get<TopUpRecovery>().RecoverAsync());
        await _h.SettleAsync();
        return row;
    }
}

public sealed class SqliteOneReplyTests : OneReplySpec
{
    protected override DatabaseKind Kind => DatabaseKind.Sqlite;
}

public sealed class PostgresOneReplyTests : OneReplySpec
{
    protected override DatabaseKind Kind => DatabaseKind.Postgres;
}
