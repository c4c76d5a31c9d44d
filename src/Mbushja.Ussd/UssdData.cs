using Mbushja.Accounts;
using Mbushja.Domain;

namespace Mbushja.Ussd;

/// <summary>What the menu reads, from the platform's database.</summary>
public sealed class UssdData(ServiceAccounts accounts, Subscribers subscribers, UssdPayments payments, UssdRenewals renewals) : IUssdData
{
    public async Task<(ServiceAccount? Account, Money? Credit)> FindAccountAsync(string identifier, Msisdn msisdn, CancellationToken ct)
    {
        (ServiceAccount? account, Subscriber? subscriber) = await accounts.FindWithSubscriberAsync(identifier, msisdn, ct);
        return (account, subscriber?.Credit);
    }

    public async Task<Money?> CreditAsync(Msisdn msisdn, CancellationToken ct) => (await subscribers.FindAsync(msisdn, ct))?.Credit;

    public Task<bool> PaidInMonthAsync(Msisdn msisdn, string month, CancellationToken ct) => payments.PaidInMonthAsync(msisdn, month, ct);

    public Task<IReadOnlyList<PaymentRecord>> LastPaymentsAsync(Msisdn msisdn, int count, CancellationToken ct) => payments.LastAsync(msisdn, count, ct);

    public async Task<IReadOnlyList<UssdRenewalDue>> RenewalsAsync(Msisdn msisdn, CancellationToken ct) => await renewals.OfNumberAsync(msisdn, ct);
}
