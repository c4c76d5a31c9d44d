using Mbushja.Accounts;
using Mbushja.Domain;

namespace Mbushja.Ussd;

/// <summary>What the menu reads, from the platform's database.</summary>
public sealed class UssdData(ServiceAccounts accounts, Subscribers subscribers, UssdPayments payments) : IUssdData
{
    public Task<ServiceAccount?> FindAccountAsync(string identifier, CancellationToken ct) => accounts.FindAsync(identifier, ct);

    public async Task<Money?> CreditAsync(Msisdn msisdn, CancellationToken ct) => (await subscribers.FindAsync(msisdn, ct))?.Credit;

    public Task<bool> PaidInMonthAsync(Msisdn msisdn, string month, CancellationToken ct) => payments.PaidInMonthAsync(msisdn, month, ct);

    public Task<IReadOnlyList<PaymentRecord>> LastPaymentsAsync(Msisdn msisdn, int count, CancellationToken ct) => payments.LastAsync(msisdn, count, ct);
}
