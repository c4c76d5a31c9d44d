using Mbushja.Banks.Connector;
using Mbushja.Domain;

namespace Mbushja.Sandbox;

/// <summary>
/// The sandbox bank called in-process instead of over its signed HTTP API, with what it books dated by a clock of the
/// caller's: for the demo's settled past day (README "Demo data"), made before the server listens and booked on that day.
/// The sandbox decides as over HTTP (its answer, 409 and 404 included, read as <see cref="HttpBankConnector"/> reads
/// them); only the transport and the signatures are left out. Every call is answered at once, in one attempt.
/// </summary>
public sealed class SandboxConnector(SandboxBank bank, TimeProvider time) : IBankConnector
{
    public Task<BankCall> HoldAsync(string bankCode, HoldRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return Task.FromResult(Answer(bank.Hold(bankCode, request.HoldId, request.AccountRef, request.Amount, request.Reference)));
    }

    public Task<BankCall> CaptureAsync(string bankCode, string holdId, CancellationToken cancellationToken = default) =>
        Task.FromResult(Answer(bank.Capture(bankCode, holdId, time.GetUtcNow())));

    public Task<BankCall> VoidAsync(string bankCode, string holdId, CancellationToken cancellationToken = default) =>
        Task.FromResult(Answer(bank.Void(bankCode, holdId)));

    public Task<BankCall> StatusAsync(string bankCode, string holdId, CancellationToken cancellationToken = default) =>
        Task.FromResult(Answer(bank.Status(bankCode, holdId)));

    public Task<RefundCall> RefundAsync(string bankCode, RefundRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return Task.FromResult(Answer(bank.Refund(bankCode, request.RefundId, request.HoldId, request.AccountRef, request.Amount, request.Reference, time.GetUtcNow())));
    }

    public Task<RefundCall> RefundStatusAsync(string bankCode, string refundId, CancellationToken cancellationToken = default) =>
        Task.FromResult(Answer(bank.RefundStatusOf(bankCode, refundId)));

    private static BankCall Answer(SandboxAnswer answer) =>
        BankWire.ParseStatus(answer.Body.Status) is { } status
            ? BankCall.Answer(new BankReply(status, answer.Body.Code, answer.Body.Message) { Amount = answer.Body.AmountCents is { } cents ? Money.FromCents(cents) : null }, 1)
            : BankCall.NoAnswer($"the sandbox answered status '{answer.Body.Status}' (HTTP {answer.HttpStatus})", 1);

    private static RefundCall Answer(SandboxRefundAnswer answer) =>
        BankWire.ParseRefundStatus(answer.Body.Status) is { } status
            ? new RefundCall(new RefundReply(status, answer.Body.Code, answer.Body.Message), null, 1)
            : new RefundCall(null, $"the sandbox answered status '{answer.Body.Status}' (HTTP {answer.HttpStatus})", 1);
}
