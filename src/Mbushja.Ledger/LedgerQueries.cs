using System.Data.Common;
using Mbushja.Storage;

namespace Mbushja.Ledger;

/// <summary>The sums that must hold after every commit.</summary>
/// <param name="BalanceSum">Sum of all balances: zero, always.</param>
/// <param name="PendingDebitSum">Sum of pending debits, equal to <paramref name="PendingCreditSum"/>.</param>
/// <param name="OverdrawnAccounts">Protected accounts below zero: none, always.</param>
public sealed record LedgerTotals(long BalanceSum, long PendingDebitSum, long PendingCreditSum, long OverdrawnAccounts, long Accounts, long Transfers);

/// <summary>Reads of the ledger, on their own connections (they never wait behind the writer on SQLite's WAL).</summary>
public sealed class LedgerQueries(Database database)
{
    public async Task<LedgerAccount?> GetAccountAsync(string id, CancellationToken ct = default)
    {
        await using DbConnection connection = await database.OpenAsync(ct);
        await using DbCommand command = connection.Command(
            $"SELECT {LedgerWriter.AccountColumns} FROM ledger_accounts WHERE id = @id", null, ("id", id));
        await using DbDataReader r = await command.ExecuteReaderAsync(ct);
        if (!await r.ReadAsync(ct))
        {
            return null;
        }

        AccountRow row = LedgerWriter.ReadAccountRow(r);
        return new LedgerAccount(row.Id, row.Kind, row.NoNegative, row.Balance, row.PendingDebits, row.PendingCredits);
    }

    public async Task<Transfer?> GetTransferAsync(string id, CancellationToken ct = default)
    {
        await using DbConnection connection = await database.OpenAsync(ct);
        await using DbCommand command = connection.Command(
            $"SELECT {LedgerWriter.TransferColumns} FROM ledger_transfers WHERE id = @id", null, ("id", id));
        await using DbDataReader r = await command.ExecuteReaderAsync(ct);
        return await r.ReadAsync(ct) ? LedgerWriter.ReadTransfer(r) : null;
    }

    /// <summary>The transfers in and out of an account, newest first.</summary>
    public async Task<IReadOnlyList<Transfer>> ListTransfersAsync(string accountId, int limit = 100, CancellationToken ct = default)
    {
        await using DbConnection connection = await database.OpenAsync(ct);
        await using DbCommand command = connection.Command(
            $"SELECT {LedgerWriter.TransferColumns} FROM ledger_transfers WHERE debit_account = @a OR credit_account = @a ORDER BY created_at DESC, id LIMIT @n",
            null, ("a", accountId), ("n", limit));
        await using DbDataReader r = await command.ExecuteReaderAsync(ct);
        var list = new List<Transfer>();
        while (await r.ReadAsync(ct))
        {
            list.Add(LedgerWriter.ReadTransfer(r));
        }

        return list;
    }

    public async Task<LedgerTotals> GetTotalsAsync(CancellationToken ct = default)
    {
        await using DbConnection connection = await database.OpenAsync(ct);
        string overdrawn = database.Kind == DatabaseKind.Sqlite ? "no_negative = 1" : "no_negative";
        await using DbCommand command = connection.Command(
            "SELECT COALESCE(SUM(balance), 0), COALESCE(SUM(pending_debits), 0), COALESCE(SUM(pending_credits), 0), "
            + $"COALESCE(SUM(CASE WHEN {overdrawn} AND balance - pending_debits < 0 THEN 1 ELSE 0 END), 0), COUNT(*), "
            + "(SELECT COUNT(*) FROM ledger_transfers) FROM ledger_accounts");
        await using DbDataReader r = await command.ExecuteReaderAsync(ct);
        await r.ReadAsync(ct);
        return new LedgerTotals(
            Convert.ToInt64(r.GetValue(0)), Convert.ToInt64(r.GetValue(1)), Convert.ToInt64(r.GetValue(2)),
            Convert.ToInt64(r.GetValue(3)), r.GetInt64(4), r.GetInt64(5));
    }
}
