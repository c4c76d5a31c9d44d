using Mbushja.Banks.Connector;
using Mbushja.Domain;
using Mbushja.Ledger;
using Mbushja.Messaging;
using Mbushja.Storage;

namespace Mbushja.TopUp.Tests;

/// <summary>
/// A message's money through its bank, step by step, as the ledger keeps it: the hold is a pending transfer bank →
/// clearing from the moment the message is recorded, the credits leave clearing, the capture posts the hold and a
/// decline or a release voids it. Each step with its change of state, on the message's trail; exactly one reply. On both
/// engines: on PostgreSQL the bank's and clearing accounts are hot (docs/design/hot-accounts.md).
/// </summary>
public abstract class HoldFlowSpec : IAsyncLifetime
{
    private TopUpHarness _h = null!;

    protected abstract DatabaseKind Kind { get; }

    public async Task InitializeAsync() => _h = await TopUpHarness.StartAsync(Kind);

    public async Task DisposeAsync() => await _h.DisposeAsync();

    private TopUpProcessor Processor => _h.Get<TopUpProcessor>();

    [Fact]
    public async Task Accept_AValidMessage_TheLedgerHoldsItsTotalAtTheBank()
    {
        AcceptedSms accepted = await Processor.AcceptAsync(_h.Sms("5"));

        SmsTransaction row = accepted.Row!;
        Assert.Equal(TopUpState.Holding, row.State);
        Transfer hold = (await _h.Get<LedgerQueries>().GetTransferAsync(row.Id.HoldTransfer))!;
        Assert.Equal((TransferKind.Pending, TransferState.Pending, "bank:BEK", "clearing:BEK", 500L), (hold.Kind, hold.State, hold.Debit, hold.Credit, hold.Amount.Cents));
        Assert.Equal(500, (await _h.AccountAsync("bank:BEK"))!.PendingDebits.Cents);
        Assert.Contains(await _h.Get<TopUpTransfers>().HeldAtBanksAsync(["BEK"]), h => h == ("BEK", Money.FromCents(500)));
        Assert.Contains(await TrailAsync(row.Id), line => line == "ledger.hold");
        await _h.AssertLedgerWholeAsync();
    }

    [Fact]
    public async Task Accept_ARefusedMessage_HoldsNothing()
    {
        AcceptedSms accepted = await Processor.AcceptAsync(_h.Sms("what?"));

        Assert.Equal(TopUpState.Rejected, accepted.Row!.State);
        Assert.Null(await _h.Get<LedgerQueries>().GetTransferAsync(accepted.Row.Id.HoldTransfer));
    }

    [Fact]
    public async Task Process_BankHoldsThenCaptures_CreditsFromClearing_CaptureTakesItFromTheBank()
    {
        TopUpResult result = await Processor.ProcessAsync(_h.Sms("5"));
        await _h.SettleAsync();

        Assert.Equal(TopUpStatus.Completed, result.Status);
        SmsTransaction row = (await _h.RowAsync(result.TransactionId))!;
        Assert.Equal(TopUpState.Completed, row.State);
        TransactionId id = row.Id;
        Assert.Equal(
            [(id.HoldTransfer, TransferKind.Pending, TransferState.Posted), (id.CreditTransfer(1), TransferKind.Single, TransferState.Posted), (id.CaptureTransfer, TransferKind.Post, TransferState.Posted)],
            (await _h.Get<TopUpTransfers>().OfAsync(row)).Select(t => (t.Id, t.Kind, t.State)));
        Assert.Equal((-500L, 0L), await BalanceAsync("bank:BEK"));
        Assert.Equal((0L, 0L), await BalanceAsync("clearing:BEK"));
        Assert.Equal(500, (await _h.AccountAsync("sub:" + _h.Holder.E164))!.Balance.Cents);
        Assert.Equal(["received", "interpreted", "ledger.hold", "bank.hold", "ledger", "reply", "bank.capture", "ledger.capture"], await TrailAsync(id));
        Assert.Equal(1, await RepliesAsync(id));
        await _h.AssertLedgerWholeAsync();
    }

    [Fact]
    public async Task Process_BankDeclines_TheHoldIsVoidedWithTheDecision_NothingCredited()
    {
        _h.Bank.HoldAnswer = HoldStatus.Declined;

        TopUpResult result = await Processor.ProcessAsync(_h.Sms("5"));

        Assert.Equal((TopUpStatus.Rejected, ErrorCodes.BankDeclined), (result.Status, result.Code));
        SmsTransaction row = (await _h.RowAsync(result.TransactionId))!;
        Assert.Equal(TopUpState.Declined, row.State);
        Assert.Equal(
            [(row.Id.HoldTransfer, TransferState.Voided), (row.Id.VoidTransfer, TransferState.Voided)],
            (await _h.Get<TopUpTransfers>().OfAsync(row)).Select(t => (t.Id, t.State)));
        Assert.Equal((0L, 0L), await BalanceAsync("bank:BEK"));
        Assert.Equal(0, (await _h.AccountAsync("sub:" + _h.Holder.E164))!.Balance.Cents);
        Assert.Equal(["bank.hold", "ledger.void", "reply"], (await TrailAsync(row.Id))[^3..]);
        Assert.Equal(1, await RepliesAsync(row.Id));
        await _h.AssertLedgerWholeAsync();
    }

    /// <summary>A silent bank: its status is asked, still nothing; the message is given up and the hold released.</summary>
    [Fact]
    public async Task Process_BankSilent_VoidingThenFailed_TheHoldVoidedOnceTheBankConfirms()
    {
        _h.Bank.HoldAnswer = null;
        _h.Bank.AnswersStatus = false;

        TopUpResult result = await Processor.ProcessAsync(_h.Sms("5"));

        Assert.Equal((TopUpStatus.Failed, ErrorCodes.BankUnavailable), (result.Status, result.Code));
        SmsTransaction row = (await _h.RowAsync(result.TransactionId))!;
        Assert.Equal(TopUpState.Failed, row.State);
        Assert.Equal(["hold", "status", "void"], _h.Bank.Calls.Select(c => c.Operation));
        Assert.Equal(TransferState.Voided, (await _h.Get<LedgerQueries>().GetTransferAsync(row.Id.HoldTransfer))!.State);
        Assert.Equal((0L, 0L), await BalanceAsync("bank:BEK"));
        await _h.AssertLedgerWholeAsync();
    }

    /// <summary>
    /// The bank silent for the void too: the message stays voiding and its hold stays in the ledger (money in flight,
    /// as the bank may hold it), until the recovery sweep hears the bank's void.
    /// </summary>
    [Fact]
    public async Task Process_BankSilentForTheVoidToo_HoldStaysInFlight_UntilTheSweepVoidsIt()
    {
        _h.Bank.HoldAnswer = null;
        _h.Bank.HoldsWhenSilent = true;
        _h.Bank.AnswersStatus = false;
        _h.Bank.AnswersVoid = false;

        TopUpResult result = await Processor.ProcessAsync(_h.Sms("5"));

        Assert.Equal(TopUpState.Voiding, (await _h.RowAsync(result.TransactionId))!.State);
        Assert.Equal(500, (await _h.AccountAsync("bank:BEK"))!.PendingDebits.Cents);

        // The bank is asked again once the retry's wait is over, not at every lease.
        _h.Bank.AnswersVoid = true;
        _h.Clock.Advance(TopUpOptions.Default.Lease + TimeSpan.FromSeconds(1));
        Assert.Equal(0, await _h.Get<TopUpRecovery>().RecoverAsync());
        _h.Clock.Advance(TopUpOptions.Default.BankRetry);
        Assert.Equal(1, await _h.Get<TopUpRecovery>().RecoverAsync());

        Assert.Equal(TopUpState.Failed, (await _h.RowAsync(result.TransactionId))!.State);
        Assert.Equal(HoldStatus.Voided, _h.Bank.HoldOf(result.TransactionId.Value));
        Assert.Equal(0, (await _h.AccountAsync("bank:BEK"))!.PendingDebits.Cents);
        Assert.Equal(1, await RepliesAsync(result.TransactionId));
        await _h.AssertLedgerWholeAsync();
    }

    /// <summary>A crash right after the record: the sweep asks the bank for the hold under the same id, credits, and captures.</summary>
    [Fact]
    public async Task Recover_AMessageLeftHoldingByACrash_IsFinishedOnce_ReplyOutbound()
    {
        SmsTransaction row = (await Processor.AcceptAsync(_h.Sms("5"))).Row!;
        _h.Clock.Advance(TopUpOptions.Default.Lease + TimeSpan.FromSeconds(1));

        Assert.Equal(1, await _h.Get<TopUpRecovery>().RecoverAsync());
        await _h.SettleAsync();
        _h.Clock.Advance(TopUpOptions.Default.Lease + TimeSpan.FromSeconds(1));
        await _h.Get<TopUpRecovery>().RecoverAsync();

        Assert.Equal(TopUpState.Completed, (await _h.RowAsync(row.Id))!.State);
        Assert.Single(_h.Bank.Calls, c => c.Operation == "hold");
        Assert.Equal(500, (await _h.AccountAsync("sub:" + _h.Holder.E164))!.Balance.Cents);
        Assert.Equal(OutboxStates.Pending, (await _h.Get<SmsOutbox>().GetAsync(row.Id.Value))!.State);
        await _h.AssertLedgerWholeAsync();
    }

    /// <summary>A captured hold whose capture answer was lost: the capture is asked again, and the post made once.</summary>
    [Fact]
    public async Task Capture_AnswerLostThenAskedAgain_PostedOnce()
    {
        _h.Bank.AnswersCapture = false;
        TopUpResult result = await Processor.ProcessAsync(_h.Sms("5"));
        await _h.SettleAsync();
        Assert.Equal(TopUpState.Credited, (await _h.RowAsync(result.TransactionId))!.State);
        Assert.Equal(500, (await _h.AccountAsync("bank:BEK"))!.PendingDebits.Cents);

        _h.Bank.AnswersCapture = true;
        _h.Clock.Advance(TopUpOptions.Default.BankRetry + TimeSpan.FromSeconds(1));
        await _h.Get<TopUpRecovery>().RecoverAsync();
        SmsTransaction row = (await _h.RowAsync(result.TransactionId))!;
        await _h.Get<BankHoldFlow>().CaptureAsync(row with { State = TopUpState.Credited }, CancellationToken.None);

        Assert.Equal(TopUpState.Completed, (await _h.RowAsync(result.TransactionId))!.State);
        Assert.Equal((-500L, 0L), await BalanceAsync("bank:BEK"));
        Assert.Single(await TrailAsync(row.Id), line => line == "ledger.capture");
        await _h.AssertLedgerWholeAsync();
    }

    private async Task<(long Balance, long PendingDebits)> BalanceAsync(string account)
    {
        LedgerAccount? a = await _h.AccountAsync(account);
        return (a?.Balance.Cents ?? 0, a?.PendingDebits.Cents ?? 0);
    }

    private async Task<List<string>> TrailAsync(TransactionId id) => [.. (await _h.Get<SmsTrail>().ReadAsync(id)).Select(e => e.Kind)];

    private async Task<int> RepliesAsync(TransactionId id) => await _h.Get<SmsOutbox>().GetAsync(id.Value) is null ? 0 : 1;
}

public sealed class SqliteHoldFlowTests : HoldFlowSpec
{
    protected override DatabaseKind Kind => DatabaseKind.Sqlite;
}

public sealed class PostgresHoldFlowTests : HoldFlowSpec
{
    protected override DatabaseKind Kind => DatabaseKind.Postgres;
}
