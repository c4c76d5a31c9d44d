using Mbushja.Domain;
using Mbushja.Ledger;
using Mbushja.Messaging;
using Mbushja.Ussd;
using Microsoft.AspNetCore.Mvc;

namespace Mbushja.WebConsole.Pages;

/// <summary>
/// One USSD payment and its story: what was paid from whose credit, the ledger's transfers, the receipt SMS and its
/// delivery (docs/design/trail-story.md). A payment keeps no trail of its own; its rows are told instead.
/// </summary>
public sealed class PaymentModel(UssdPayments payments, LedgerQueries ledger, SmsOutbox outbox, SmsSubmits submits, ConsoleText texts, OperatorClock clock)
    : ConsolePage
{
    public UssdPaymentFacts Facts { get; private set; } = null!;

    public IReadOnlyList<StoryLine> Story { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(string id)
    {
        CancellationToken ct = HttpContext.RequestAborted;
        if (await payments.GetAsync(id, ct) is not { } facts)
        {
            return NotFound();
        }

        Facts = facts;
        IReadOnlyList<Transfer> transfers = await ledger.GetTransfersAsync(UssdPayments.TransferIds(id), ct);
        OutboxMessage? receipt = await outbox.GetAsync(id, ct);
        List<SubmittedPartState> parts = await submits.StatesAsync(id, ct);
        Story = texts.Story(code => code ?? "—").TellPayment(facts, transfers, receipt, parts, at => Show.Date(clock, at));
        return Page();
    }
}
