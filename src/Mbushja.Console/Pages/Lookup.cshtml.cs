using System.Text.RegularExpressions;
using Mbushja.Accounts;
using Mbushja.Domain;
using Mbushja.Sms;
using Mbushja.Storage;
using Mbushja.TopUp;
using Mbushja.Ussd;

namespace Mbushja.WebConsole.Pages;

/// <summary>
/// Finds whatever a subscriber quotes (docs/design/lookup.md): a reference from an SMS reply or a USSD screen or receipt;
/// a mobile number, with its credit, its registrations (as holder or authorised person), the top-ups it sent, those it
/// received and its USSD payments; a service account by username, contract, SMART card or fixed number, with every
/// payment to it by SMS and by USSD. Lists are newest first, a page at a time, each read from an index.
/// </summary>
public sealed partial class LookupModel(
    NumberingPlan numbering,
    Subscribers subscribers,
    ServiceAccounts accounts,
    Mbushja.TopUp.Registrations registrations,
    BankDirectory banks,
    SmsTransactions transactions,
    SmsConfirmations confirmations,
    UssdPayments payments,
    SimChanges simChanges,
    Renewals renewals,
    UssdRenewals creditRenewals,
    OperatorConfig config) : ConsolePage
{
    /// <summary>The automatic renewals the number pays from a bank account (it set them, or its bank did for it: docs/design/renewals.md).</summary>
    public IReadOnlyList<Renewal> NumberRenewals { get; private set; } = [];

    /// <summary>The automatic renewals the number pays from its credit, set in <c>*101#</c>, with their accounts.</summary>
    public IReadOnlyList<UssdRenewalDue> NumberCreditRenewals { get; private set; } = [];

    /// <summary>A package's name as the catalog has it (its code when the catalog no longer has it).</summary>
    public string PackageName(string code) => config.Catalog.Find(code)?.Name ?? code;

    public const int PageSize = 20;

    /// <summary>The query parameter of each list's next page (its cursor).</summary>
    public const string SentList = "sent", ReceivedList = "received", UssdList = "ussd", AccountSmsList = "acctsms", AccountUssdList = "acctussd";

    [Microsoft.AspNetCore.Mvc.BindProperty(SupportsGet = true, Name = "q")]
    public string? Query { get; set; }

    [Microsoft.AspNetCore.Mvc.BindProperty(SupportsGet = true, Name = SentList)]
    public string? SentFrom { get; set; }

    [Microsoft.AspNetCore.Mvc.BindProperty(SupportsGet = true, Name = ReceivedList)]
    public string? ReceivedFrom { get; set; }

    [Microsoft.AspNetCore.Mvc.BindProperty(SupportsGet = true, Name = UssdList)]
    public string? UssdFrom { get; set; }

    [Microsoft.AspNetCore.Mvc.BindProperty(SupportsGet = true, Name = AccountSmsList)]
    public string? AccountSmsFrom { get; set; }

    [Microsoft.AspNetCore.Mvc.BindProperty(SupportsGet = true, Name = AccountUssdList)]
    public string? AccountUssdFrom { get; set; }

    public bool Searched => !string.IsNullOrWhiteSpace(Query);

    /// <summary>SMS top-ups whose reply quotes the reference asked for.</summary>
    public IReadOnlyList<SmsTransaction> ReferenceMessages { get; private set; } = [];

    /// <summary>USSD payments whose screen and receipt quote the reference asked for.</summary>
    public IReadOnlyList<UssdPaymentRow> ReferencePayments { get; private set; } = [];

    public Msisdn? Number { get; private set; }

    public Subscriber? Subscriber { get; private set; }

    /// <summary>The number's reported SIM changes, newest first (docs/design/controls.md).</summary>
    public IReadOnlyList<SimChange> SimChanges { get; private set; } = [];

    /// <summary>The banks at which SMS Top Up from the number is paused by its last SIM change, and until when.</summary>
    public IReadOnlyList<SimPause> SimPaused { get; private set; } = [];

    public IReadOnlyList<RegistrationMember> Registrations { get; private set; } = [];

    /// <summary>The number's newest top-ups that asked it for a confirmation (README "Confirmation above a threshold"), pending ones among them.</summary>
    public IReadOnlyList<SmsConfirmation> Confirmations { get; private set; } = [];

    /// <summary>How many confirmations the number's page shows, newest first.</summary>
    public const int ConfirmationsShown = 10;

    /// <summary>The top-ups the number sent.</summary>
    public Paged<SmsTransaction> Sent { get; private set; } = Paged<SmsTransaction>.Empty;

    /// <summary>The top-ups that credited the number, whoever sent them.</summary>
    public Paged<SmsTransaction> Received { get; private set; } = Paged<SmsTransaction>.Empty;

    /// <summary>The number's USSD payments.</summary>
    public Paged<UssdPaymentRow> Payments { get; private set; } = Paged<UssdPaymentRow>.Empty;

    public ServiceAccount? Account { get; private set; }

    /// <summary>The SMS top-ups that paid the account.</summary>
    public Paged<SmsTransaction> AccountMessages { get; private set; } = Paged<SmsTransaction>.Empty;

    /// <summary>The USSD payments that paid the account.</summary>
    public Paged<UssdPaymentRow> AccountPayments { get; private set; } = Paged<UssdPaymentRow>.Empty;

    public bool FoundNumber =>
        Number is not null && (Subscriber is not null || Registrations.Count > 0 || Sent.Rows.Count > 0 || Received.Rows.Count > 0 || Payments.Rows.Count > 0);

    public bool FoundAnything => ReferenceMessages.Count > 0 || ReferencePayments.Count > 0 || FoundNumber || Account is not null;

    public async Task OnGetAsync()
    {
        if (!Searched)
        {
            return;
        }

        string q = Query!.Trim();
        CancellationToken ct = HttpContext.RequestAborted;
        if (Reference(q) is { } reference)
        {
            ReferenceMessages = await transactions.ByReferenceAsync(reference, ct);
            ReferencePayments = await payments.ByReferenceAsync(reference, ct);
        }

        if (numbering.ParseMsisdn(q).TryGetValue(out Msisdn msisdn))
        {
            Number = msisdn;
            Subscriber = await subscribers.FindAsync(msisdn, ct);
            var members = new List<RegistrationMember>();
            foreach (Bank bank in banks.Banks)
            {
                // One lookup by the members' primary key (bank, number) per bank: as holder or as authorised person.
                if (await registrations.FindMemberAsync(bank.Code, msisdn, ct) is { } member)
                {
                    members.Add(member);
                }
            }

            Registrations = members;
            Confirmations = await confirmations.OfSenderAsync(msisdn.E164, ConfirmationsShown, ct);
            Sent = await transactions.BySenderAsync(msisdn.E164, PageCursor.Parse(SentFrom), PageSize, ct);
            Received = await transactions.ToTargetAsync(msisdn.E164, PageCursor.Parse(ReceivedFrom), PageSize, ct);
            Payments = await payments.ByNumberAsync(msisdn, PageCursor.Parse(UssdFrom), PageSize, ct);
            (SimChanges, SimPaused) = await simChanges.OfAsync(msisdn, ct);
            NumberRenewals = [.. (await renewals.OfNumberAsync(msisdn.E164, ct)).Where(r => r.Channel == Renewal.Sms)];
            NumberCreditRenewals = await creditRenewals.OfNumberAsync(msisdn, ct);
        }

        Account = await accounts.FindAsync(q, ct);
        if (Account is not null)
        {
            AccountMessages = await transactions.ToTargetAsync(Account.Id, PageCursor.Parse(AccountSmsFrom), PageSize, ct);
            AccountPayments = await payments.ForAccountAsync(Account.Id, PageCursor.Parse(AccountUssdFrom), PageSize, ct);
        }
    }

    /// <summary>A list's page as the page shows it, with the link to the next page when there is one.</summary>
    public ListSection<T> Section<T>(Paged<T> page, string list) =>
        new(page.Rows, list, page.Next is { } next ? NextPage(list, next) : null);

    /// <summary>The link to a list's next page: the same query, the list from <paramref name="next"/> on.</summary>
    public string NextPage(string list, PageCursor next) =>
        $"/console/lookup?q={Uri.EscapeDataString(Query?.Trim() ?? "")}&{list}={Uri.EscapeDataString(next.ToString())}";

    /// <summary>The link that looks a number or an identifier up.</summary>
    public static string LookupOf(string text) => "/console/lookup?q=" + Uri.EscapeDataString(text);

    /// <summary>
    /// The reference in what was quoted: the text itself (<c>F73BB564</c>, a whole id), or its last word when it is
    /// eight hex digits, as a reply writes it (<c>Ref F73BB564</c>) or a bank statement (<c>IPKO F73BB564</c>,
    /// <c>IPKO reversal F73BB564</c>); a refund's id (<c>rf-</c> and the id) names its top-up.
    /// </summary>
    public static string? Reference(string quoted)
    {
        string text = quoted.Trim();
        if (text.StartsWith("rf-", StringComparison.OrdinalIgnoreCase))
        {
            text = text[3..];
        }

        if (text.Length is >= 8 and <= TransactionId.MaxLength && text.All(char.IsAsciiLetterOrDigit))
        {
            return text;
        }

        Match last = LastWord().Match(text);
        return last.Success ? last.Groups[1].Value : null;
    }

    [GeneratedRegex(@"\s([0-9A-Fa-f]{8})[.,;]?$")]
    private static partial Regex LastWord();
}

/// <summary>One list of a lookup's page: its rows, its name (<c>sent</c>, <c>received</c>...), the link to older rows.</summary>
public sealed record ListSection<T>(IReadOnlyList<T> Rows, string List, string? Older);
