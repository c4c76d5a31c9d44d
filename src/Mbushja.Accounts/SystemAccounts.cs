using Mbushja.Ledger;

namespace Mbushja.Accounts;

/// <summary>The ledger accounts the platform itself holds, and how the others are named.</summary>
public static class SystemAccounts
{
    /// <summary>The ledger account that package payments (SMS and USSD) credit: the operator's revenue for services.</summary>
    public const string PackageRevenueId = "rev:packages";

    /// <summary>Where opening balances set by provisioning come from; it runs negative by what was issued.</summary>
    public static readonly LedgerAccountSpec Provisioning = new(new LedgerAccountId("sys:provisioning"), "system", NoNegative: false);

    /// <summary>The operator's revenue from paid packages.</summary>
    public static readonly LedgerAccountSpec PackageRevenue = new(new LedgerAccountId(PackageRevenueId), "system", NoNegative: false);

    /// <summary>The service fee charged per USSD payment (README "USSD *101#").</summary>
    public static readonly LedgerAccountSpec FeeRevenue = new(new LedgerAccountId("fee:revenue"), "system", NoNegative: false);

    public static LedgerAccountId Subscriber(string e164) => new("sub:" + e164);

    public static LedgerAccountId Service(string id) => new("svc:" + id);
}
