using Mbushja.Accounts;
using Mbushja.Domain;
using Mbushja.Sms;
using Mbushja.TopUp;
using Mbushja.Ussd;

namespace Mbushja.WebConsole.Pages;

/// <summary>
/// Finds what a customer names: a mobile number (credit, registrations, SMS and USSD history), a
/// service account by username, contract, SMART card or fixed number (its package, paid-until, payments), or a
/// transaction by the reference its reply quotes.
/// </summary>
public sealed class LookupModel(
    NumberingPlan numbering,
    Subscribers subscribers,
    ServiceAccounts accounts,
    Mbushja.TopUp.Registrations registrations,
    BankDirectory banks,
    SmsTransactions transactions,
    UssdPayments payments) : ConsolePage
{
    public const int HistoryLength = 50;

    [Microsoft.AspNetCore.Mvc.BindProperty(SupportsGet = true, Name = "q")]
    public string? Query { get; set; }

    public bool Searched => !string.IsNullOrWhiteSpace(Query);

    public Msisdn? Number { get; private set; }

    public Subscriber? Subscriber { get; private set; }

    public IReadOnlyList<RegistrationMember> Registrations { get; private set; } = [];

    public IReadOnlyList<SmsTransaction> Messages { get; private set; } = [];

    public IReadOnlyList<UssdPaymentRow> Payments { get; private set; } = [];

    public ServiceAccount? Account { get; private set; }

    public IReadOnlyList<UssdPaymentRow> AccountPayments { get; private set; } = [];

    public SmsTransaction? Transaction { get; private set; }

    public bool FoundAnything => Subscriber is not null || Registrations.Count > 0 || Messages.Count > 0 || Payments.Count > 0 || Account is not null || Transaction is not null;

    public async Task OnGetAsync()
    {
        if (!Searched)
        {
            return;
        }

        string q = Query!.Trim();
        CancellationToken ct = HttpContext.RequestAborted;
        if (numbering.ParseMsisdn(q).TryGetValue(out Msisdn msisdn))
        {
            Number = msisdn;
            Subscriber = await subscribers.FindAsync(msisdn, ct);
            var members = new List<RegistrationMember>();
            foreach (Bank bank in banks.Banks)
            {
                if (await registrations.FindMemberAsync(bank.Code, msisdn, ct) is { } member)
                {
                    members.Add(member);
                }
            }

            Registrations = members;
            Messages = await transactions.ListAsync(msisdn.E164, null, null, HistoryLength, ct);
            Payments = await payments.ByNumberAsync(msisdn, HistoryLength, ct);
        }

        Account = await accounts.FindAsync(q, ct);
        if (Account is not null)
        {
            AccountPayments = await payments.ForAccountAsync(Account.Id, HistoryLength, ct);
        }

        Transaction = await transactions.FindByReferenceAsync(q, ct);
    }
}
