using System.Text.Json;
using Mbushja.Domain;
using Mbushja.Ledger;
using Mbushja.Messaging;
using Mbushja.Sms;
using Mbushja.TopUp;
using Mbushja.WebConsole.Users;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace Mbushja.WebConsole.Pages;

/// <summary>
/// One message's whole trail as the platform recorded it: what arrived, how it was read, the bank's
/// answers, the ledger transfers, the reply, the SMSC's delivery receipts; and its reversal, which a supervisor or an
/// admin asks here with a reason and a confirmation (<see cref="TopUpReversals"/> does it, as the signed-in user).
/// </summary>
public sealed class TransactionModel(
    SmsTransactions store, SmsTrail trail, TopUpTransfers transfers, TopUpReversals reversals, BankDirectory banks, ConsoleAudit audit, ConsoleText texts, IAuthorizationService authorization,
    OperatorClock clock)
    : ConsolePage
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public SmsTransaction Row { get; private set; } = null!;

    public IReadOnlyList<SmsEvent> Trail { get; private set; } = [];

    public IReadOnlyList<Transfer> Transfers { get; private set; } = [];

    public IEnumerable<SmsEvent> Receipts => Trail.Where(e => e.Kind == TrailKind.ReplyReceipt.Name);

    /// <summary>The trail told in words in the reader's language, each line with its JSON (docs/design/trail-story.md).</summary>
    public IReadOnlyList<StoryLine> Story { get; private set; } = [];

    /// <summary>The transaction's reversal, once asked: who, why, where its refund stands.</summary>
    public Reversal? Reversal { get; private set; }

    /// <summary>Why the supervisor reverses; required.</summary>
    [BindProperty]
    public string? Reason { get; set; }

    /// <summary>Set by the second step of the form: the supervisor saw the amount and the bank, and confirmed.</summary>
    [BindProperty]
    public bool Confirmed { get; set; }

    /// <summary>The reason is given; the page asks to confirm before anything moves.</summary>
    public bool Confirming { get; private set; }

    public async Task<IActionResult> OnGetAsync(string id) => await LoadAsync(id) ? Page() : NotFound();

    /// <summary>
    /// Reverses the transaction: refused (403, nothing changed) for a role the Reverse policy does not admit, whatever
    /// the form says; without a reason refused; without the confirmation, asks for it; then the service decides.
    /// </summary>
    public async Task<IActionResult> OnPostReverseAsync(string id)
    {
        CancellationToken ct = HttpContext.RequestAborted;
        if (!(await authorization.AuthorizeAsync(User, ConsolePolicies.Reverse)).Succeeded)
        {
            Response.StatusCode = StatusCodes.Status403Forbidden;
            Problem = texts["rev.denied"];
            return await LoadAsync(id) ? Page() : NotFound();
        }

        if (!await LoadAsync(id))
        {
            return NotFound();
        }

        if (string.IsNullOrWhiteSpace(Reason) || Reason.Trim().Length > TopUpReversals.MaxReasonLength)
        {
            Response.StatusCode = StatusCodes.Status422UnprocessableEntity;
            Problem = texts.Format("rev.error.reason", TopUpReversals.MaxReasonLength);
            return Page();
        }

        if (!Confirmed)
        {
            // The first step only asks to confirm; the service still decides on the second (another supervisor may be quicker).
            if (Reversal is not null)
            {
                Response.StatusCode = StatusCodes.Status409Conflict;
                Problem = texts.Format("rev.error.already_reversed");
            }

            Confirming = Reversal is null;
            return Page();
        }

        ReversalOutcome outcome = await reversals.ReverseAsync(Row.Id.Value, Reason, Username, TopUpReversals.ViaConsole, ct);
        if (outcome.Succeeded)
        {
            Reversal reversal = outcome.Reversal;
            await audit.RecordAsync(Username, ConsoleActions.TransactionReversed, Row.Id.Value, new
            {
                reference = Row.Id.ShortRef,
                bank = reversal.BankCode,
                amountCents = reversal.Amount.Cents,
                reason = reversal.Reason,
                refundState = reversal.State,
                refundCode = reversal.RefundCode,
            }, ct);
            Notice = texts.Format("rev.done." + reversal.State, reversal.RefundCode);
        }
        else
        {
            ReversalError error = outcome.Error;
            Response.StatusCode = error.Code switch
            {
                ErrorCodes.NotFound => StatusCodes.Status404NotFound,
                ErrorCodes.MissingField or ErrorCodes.TooLong => StatusCodes.Status422UnprocessableEntity,
                _ => StatusCodes.Status409Conflict,
            };
            Problem = error.Code switch
            {
                ErrorCodes.AlreadyReversed or ErrorCodes.CreditSpent or ErrorCodes.NotCaptured or ErrorCodes.NotFound =>
                    texts.Format("rev.error." + error.Code.ToLowerInvariant(), error.Message),
                ErrorCodes.MissingField or ErrorCodes.TooLong => texts.Format("rev.error.reason", TopUpReversals.MaxReasonLength),
                _ => texts.Format("rev.error.other", error.Message),
            };
        }

        Reason = null;
        await LoadAsync(Row.Id.Value);
        return Page();
    }

    /// <summary>A trail line's detail, indented for reading.</summary>
    public static string Pretty(string json)
    {
        using JsonDocument document = JsonDocument.Parse(json);
        return JsonSerializer.Serialize(document.RootElement, Indented);
    }

    private async Task<bool> LoadAsync(string id)
    {
        CancellationToken ct = HttpContext.RequestAborted;
        if (!TransactionId.TryParse(id, out TransactionId key) || await store.GetAsync(key, ct) is not { } row)
        {
            return false;
        }

        Row = row;
        Trail = await trail.ReadAsync(row.Id, ct);
        Reversal = await reversals.GetAsync(row.Id, ct);
        Transfers = await transfers.OfAsync(row, ct);
        Story = texts.Story(code => banks.ByCode(code)?.Name ?? code ?? "—", at => Show.Time(clock, at)).Tell(row, Trail);
        return true;
    }
}
