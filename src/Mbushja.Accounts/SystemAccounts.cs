using Mbushja.Ledger;

namespace Mbushja.Accounts;

/// <summary>The ledger accounts the platform itself holds, and how the others are named.</summary>
public static class SystemAccounts
{
    /// <summary>Where opening balances set by provisioning come from; it runs negative by what was issued.</summary>
    public static readonly LedgerAccountSpec Provisioning = new(new LedgerAccountId("sys:provisioning"), "system", NoNegative: false);

    public static LedgerAccountId Subscriber(string e164) => new("sub:" + e164);

    public static LedgerAccountId Service(string id) => new("svc:" + id);
}
