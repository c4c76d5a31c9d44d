using Mbushja.Domain;
using Mbushja.Sms;
using Mbushja.TopUp;
using Mbushja.Ussd;
using Mbushja.WebConsole.Users;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace Mbushja.WebConsole.Pages;

/// <summary>
/// The phone emulator (sandbox demos only, see <see cref="PhoneEmulatorOptions"/>): as a chosen number, send an SMS to
/// a bank's short code through the path of <c>POST /api/v1/sms/inbound</c> (a fresh message id, so it is a new top-up:
/// the sandbox bank holds and captures, the ledger credits), or walk <c>*101#</c> through the path of <c>POST /ussd</c>
/// (the session id and the <c>*</c>-joined inputs travel in the form, as an aggregator keeps them). Every message and
/// every USSD step is audited: who sent what as whom.
/// </summary>
public sealed class PhoneModel(
    TopUpProcessor processor,
    UssdService ussd,
    UssdMenu menu,
    BankDirectory banks,
    NumberingPlan numbering,
    PhoneEmulatorOptions options,
    ConsoleAudit audit,
    ConsoleText texts,
    Mbushja.Messaging.SmsOutbox outbox) : ConsolePage
{
    /// <summary>How many of the SMS sent to the number the page shows.</summary>
    public const int InboxSize = 10;

    /// <summary>
    /// The newest SMS the platform sent to the number, whatever the route: replies, and those nobody asked for in the
    /// moment (a renewal's reminder, its reply, a report). A demo has no outbound gateway, so they wait in the outbox.
    /// </summary>
    public IReadOnlyList<Mbushja.Messaging.OutboxMessage> Inbox { get; private set; } = [];

    /// <summary>Shows the phone, with the SMS sent to its number.</summary>
    public async Task OnGetAsync() => await ReadInboxAsync();

    /// <summary>Longest number, text or input taken from the form (the gateways' own limits are larger than any phone's).</summary>
    public const int MaxFieldLength = 200;

    /// <summary>The number the phone is, as typed (the processing paths read it, as they read a gateway's).</summary>
    [BindProperty(SupportsGet = true, Name = "msisdn")]
    public string? Msisdn { get; set; }

    [BindProperty]
    public string? ShortCode { get; set; }

    [BindProperty]
    public string? SmsText { get; set; }

    /// <summary>What was dialled to start a session (<c>*101#</c>, or with answers in it: <c>*101*1#</c>).</summary>
    [BindProperty]
    public string? Dialled { get; set; }

    [BindProperty]
    public string? SessionId { get; set; }

    [BindProperty]
    public string? ServiceCode { get; set; }

    /// <summary>Every input of the session so far, <c>*</c>-joined: the callback's <c>text</c>.</summary>
    [BindProperty]
    public string? Inputs { get; set; }

    [BindProperty]
    public string? Answer { get; set; }

    public IReadOnlyList<Bank> Banks => banks.Banks;

    /// <summary>The known subscribers offered, national form.</summary>
    public IReadOnlyList<string> KnownNumbers => [.. options.KnownNumbers.Select(numbering.ToNational)];

    public string DefaultCode => menu.Settings.ServiceCode;

    /// <summary>The answer to the SMS just sent.</summary>
    public TopUpResult? Sms { get; private set; }

    /// <summary>The USSD screen shown now, without its <c>CON </c>/<c>END </c>.</summary>
    public string? Screen { get; private set; }

    /// <summary>Whether the session goes on (the screen asks for an answer).</summary>
    public bool SessionOpen { get; private set; }

    public bool HasNumber => !string.IsNullOrWhiteSpace(Msisdn);

    public async Task<IActionResult> OnPostSmsAsync()
    {
        if (Refused(Msisdn, ShortCode, SmsText) is { } refused)
        {
            return refused;
        }

        if (string.IsNullOrWhiteSpace(ShortCode))
        {
            return Refuse(texts["phone.error.shortcode"]);
        }

        CancellationToken ct = HttpContext.RequestAborted;
        // A fresh message id, as a gateway gives each SMS its own: this is a new top-up, never the repeat of another.
        string messageId = "console-" + Guid.NewGuid().ToString("N");
        try
        {
            Sms = await processor.ProcessAsync(new InboundSms(Msisdn, ShortCode, SmsText ?? "", messageId), ct);
        }
        catch (TimeoutException)
        {
            Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            Problem = texts["phone.stillprocessing"];
        }

        await audit.RecordAsync(Username, ConsoleActions.PhoneSms, Who(Msisdn!), new
        {
            to = ShortCode,
            text = SmsText,
            messageId,
            status = Sms?.Status.ToWire(),
            code = Sms?.Code,
            transactionId = Sms?.TransactionId,
        }, ct);
        await ReadInboxAsync();
        return Page();
    }

    public async Task<IActionResult> OnPostDialAsync()
    {
        if (UssdDial.Read(Dialled) is not { } dialled)
        {
            return Refuse(texts.Format("phone.error.dial", Dialled, DefaultCode));
        }

        // A new session, as the network opens one per call.
        SessionId = "console-" + Guid.NewGuid().ToString("N");
        ServiceCode = dialled.ServiceCode;
        Inputs = dialled.Text;
        return await StepAsync();
    }

    public async Task<IActionResult> OnPostAnswerAsync()
    {
        if (string.IsNullOrWhiteSpace(Answer) || string.IsNullOrWhiteSpace(SessionId))
        {
            return Refuse(texts["phone.error.answer"]);
        }

        Inputs = UssdDial.Append(Inputs ?? "", Answer.Trim());
        return await StepAsync();
    }

    /// <summary>One request of the aggregator convention, answered by the USSD service as <c>POST /ussd</c> is.</summary>
    private async Task<IActionResult> StepAsync()
    {
        if (Refused(Msisdn, SessionId, Inputs) is { } refused)
        {
            return refused;
        }

        CancellationToken ct = HttpContext.RequestAborted;
        UssdOutcome outcome = await ussd.HandleAsync(new UssdRequest(SessionId, ServiceCode, Msisdn, Inputs), ct);
        await audit.RecordAsync(Username, ConsoleActions.PhoneUssd, Who(Msisdn!), new
        {
            sessionId = SessionId,
            serviceCode = ServiceCode,
            text = Inputs,
            refused = outcome.Refusal?.Code,
            ended = outcome.Body is { } b && !b.StartsWith("CON ", StringComparison.Ordinal),
        }, ct);
        if (outcome.Refusal is { } refusal)
        {
            return Refuse($"{refusal.Code}: {refusal.Message}");
        }

        string body = outcome.Body!;
        SessionOpen = body.StartsWith("CON ", StringComparison.Ordinal);
        Screen = body.Length >= 4 ? body[4..] : body;
        Answer = null;
        await ReadInboxAsync();
        return Page();
    }

    private async Task ReadInboxAsync()
    {
        if (HasNumber && numbering.ParseMsisdn(Msisdn).TryGetValue(out Msisdn number))
        {
            Inbox = await outbox.ToRecipientAsync(number.E164, InboxSize, HttpContext.RequestAborted);
        }
    }

    /// <summary>A form whose fields no phone could send: refused before anything is asked of the platform.</summary>
    private Microsoft.AspNetCore.Mvc.RazorPages.PageResult? Refused(params string?[] fields)
    {
        if (!HasNumber)
        {
            return Refuse(texts["phone.error.number"]);
        }

        return fields.Any(f => f is { Length: > MaxFieldLength }) ? Refuse(texts.Format("phone.error.long", MaxFieldLength)) : null;
    }

    private Microsoft.AspNetCore.Mvc.RazorPages.PageResult Refuse(string problem)
    {
        Response.StatusCode = StatusCodes.Status422UnprocessableEntity;
        Problem = problem;
        SessionOpen = false;
        return Page();
    }

    /// <summary>The audit's "as whom": the number in E.164 when it is one, else as typed.</summary>
    private string Who(string typed) => numbering.ParseMsisdn(typed).TryGetValue(out Msisdn msisdn) ? msisdn.E164 : typed.Trim();
}
