using Mbushja.Domain;
using Mbushja.Ledger;

namespace Mbushja.TopUp;

/// <summary>The ledger transfers of a message, for its trail: its hold, its credits, the hold's capture or void, and a reversal's transfers.</summary>
public sealed class TopUpTransfers(LedgerQueries ledger)
{
    /// <summary>Money in flight at each bank: the pending debits of its settlement account, what the ledger holds for it now.</summary>
    public async Task<IReadOnlyList<(string Bank, Money Held)>> HeldAtBanksAsync(IEnumerable<string> bankCodes, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(bankCodes);
        var held = new List<(string, Money)>();
        foreach (string bank in bankCodes)
        {
            LedgerAccount? account = await ledger.GetAccountAsync(TopUpAccounts.Bank(bank).Id.Value, ct);
            held.Add((bank, account?.PendingDebits ?? Money.Zero));
        }

        return held;
    }

    /// <summary>The transfers the message made so far, in that order.</summary>
    public Task<IReadOnlyList<Transfer>> OfAsync(SmsTransaction row, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(row);
        int credits = row.Plan?.Credits.Count ?? 0;
        if (credits == 0)
        {
            return Task.FromResult<IReadOnlyList<Transfer>>([]);
        }

        TransactionId id = row.Id;
        string[] ids =
        [
            id.HoldTransfer,
            .. Enumerable.Range(1, credits).Select(id.CreditTransfer),
            id.CaptureTransfer,
            id.VoidTransfer,
            .. Enumerable.Range(1, credits).Select(id.ReversalTransfer),
        ];
        return ledger.GetTransfersAsync(ids, ct);
    }
}
