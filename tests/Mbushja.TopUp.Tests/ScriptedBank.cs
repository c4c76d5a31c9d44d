using System.Collections.Concurrent;
using Mbushja.Banks.Connector;

namespace Mbushja.TopUp.Tests;

/// <summary>
/// A bank connector whose answers a test writes down: per operation, what the bank says (or nothing: no answer). It
/// keeps the holds it was asked for, as a bank would, so a status query and a repeated hold tell the truth.
/// </summary>
internal sealed class ScriptedBank : IBankConnector
{
    private readonly ConcurrentDictionary<string, HoldStatus> _holds = new(StringComparer.Ordinal);

    /// <summary>What the bank answers a hold: held, declined, or null (no answer; the hold may or may not be made, see <see cref="HoldsWhenSilent"/>).</summary>
    public HoldStatus? HoldAnswer { get; set; } = HoldStatus.Held;

    /// <summary>With no answer to a hold, whether the bank made it anyway (its answer was lost).</summary>
    public bool HoldsWhenSilent { get; set; }

    /// <summary>Whether the bank answers status queries, captures and voids.</summary>
    public bool AnswersStatus { get; set; } = true;

    public bool AnswersCapture { get; set; } = true;

    public bool AnswersVoid { get; set; } = true;

    public ConcurrentQueue<(string Operation, string HoldId)> Calls { get; } = new();

    public HoldStatus? HoldOf(string holdId) => _holds.TryGetValue(holdId, out HoldStatus status) ? status : null;

    /// <summary>
    /// When set, a hold waits for this before the bank answers (a slow bank), having first completed
    /// <see cref="HoldAsked"/>; it does not stop for its caller's token, as a bank's answer does not.
    /// </summary>
    public Task? HoldGate { get; set; }

    /// <summary>Completed when a hold reaches <see cref="HoldGate"/>.</summary>
    public TaskCompletionSource HoldAsked { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async Task<BankCall> HoldAsync(string bankCode, HoldRequest request, CancellationToken cancellationToken = default)
    {
        if (HoldGate is { } gate)
        {
            HoldAsked.TrySetResult();
            await gate;
        }

        return await AnswerHoldAsync(request);
    }

    private Task<BankCall> AnswerHoldAsync(HoldRequest request)
    {
        Calls.Enqueue(("hold", request.HoldId));
        if (HoldAnswer is not { } answer)
        {
            if (HoldsWhenSilent)
            {
                _holds.TryAdd(request.HoldId, HoldStatus.Held);
            }

            return Task.FromResult(BankCall.NoAnswer("timeout", 3));
        }

        HoldStatus status = _holds.GetOrAdd(request.HoldId, answer);
        return Task.FromResult(BankCall.Answer(new BankReply(status, status == HoldStatus.Declined ? "INSUFFICIENT_FUNDS" : null), 1));
    }

    public Task<BankCall> StatusAsync(string bankCode, string holdId, CancellationToken cancellationToken = default)
    {
        Calls.Enqueue(("status", holdId));
        return Task.FromResult(AnswersStatus
            ? BankCall.Answer(new BankReply(HoldOf(holdId) ?? HoldStatus.NotFound), 1)
            : BankCall.NoAnswer("timeout", 3));
    }

    public Task<BankCall> CaptureAsync(string bankCode, string holdId, CancellationToken cancellationToken = default)
    {
        Calls.Enqueue(("capture", holdId));
        if (!AnswersCapture)
        {
            return Task.FromResult(BankCall.NoAnswer("timeout", 3));
        }

        _holds[holdId] = HoldStatus.Captured;
        return Task.FromResult(BankCall.Answer(new BankReply(HoldStatus.Captured), 1));
    }

    public Task<BankCall> VoidAsync(string bankCode, string holdId, CancellationToken cancellationToken = default)
    {
        Calls.Enqueue(("void", holdId));
        if (!AnswersVoid)
        {
            return Task.FromResult(BankCall.NoAnswer("timeout", 3));
        }

        _holds[holdId] = HoldStatus.Voided;
        return Task.FromResult(BankCall.Answer(new BankReply(HoldStatus.Voided), 1));
    }

    /// <summary>What the bank answers a refund: refunded, rejected, or null (no answer: it is asked again later).</summary>
    public RefundStatus? RefundAnswer { get; set; } = RefundStatus.Refunded;

    public Task<RefundCall> RefundAsync(string bankCode, RefundRequest request, CancellationToken cancellationToken = default) =>
        Task.FromResult(RefundAnswer is { } answer
            ? new RefundCall(new RefundReply(answer, answer == RefundStatus.Rejected ? "ACCOUNT_CLOSED" : null), null, 1)
            : new RefundCall(null, "no answer", 1));

    public Task<RefundCall> RefundStatusAsync(string bankCode, string refundId, CancellationToken cancellationToken = default) =>
        Task.FromResult(new RefundCall(new RefundReply(RefundStatus.Refunded), null, 1));
}
