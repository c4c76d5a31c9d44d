using Mbushja.Accounts;
using Mbushja.Banks;
using Mbushja.Domain;
using Mbushja.Sms;
using Mbushja.TopUp;

namespace Mbushja.WebConsole.Pages;

/// <summary>
/// Finds what a customer names (issue 6 item 3): a mobile number (credit, registrations, SMS and USSD history), a
/// service account by username, contract, SMART card or fixed number (its package, paid-until, payments), or a
/// transaction by the reference its reply quotes.
/// </summary>
public sealed class LookupModel(
    NumberingPlan numbering,
    Subscribers subscribers,
    ServiceAccounts accounts,
    Mbushja.Banks.Registrations registrations,
    BankDirectory banks,
    SmsTransactions transactions,
    ConsoleQueries queries) : ConsolePage
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
            Payments = await queries.PaymentsByAsync(msisdn, HistoryLength, ct);
        }

        Account = await accounts.FindAsync(q, ct);
        if (Account is not null)
        {
            AccountPayments = await queries.PaymentsForAccountAsync(Account.Id, HistoryLength, ct);
        }

        if (await queries.FindTransactionIdAsync(q, ct) is { } id)
        {
            Transaction = await transactions.GetAsync(id, ct);
        }
    }
}
