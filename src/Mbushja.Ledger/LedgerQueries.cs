using System.Data.Common;
using Mbushja.Domain;
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
    /// <summary>A transfer's columns, and how its pending transfer is resolved (the kind of the post or void naming it).</summary>
    private static readonly string TransferWithResolution =
        $"SELECT t.{LedgerStatements.TransferColumns.Replace(", ", ", t.", StringComparison.Ordinal)}, r.kind "
        + "FROM ledger_transfers t LEFT JOIN ledger_transfers r ON r.pending_id = t.id";

    public async Task<LedgerAccount?> GetAccountAsync(string id, CancellationToken ct = default)
    {
        await using DbConnection connection = await database.OpenAsync(ct);
        await using DbCommand command = connection.Command(
            $"SELECT {LedgerStatements.AccountColumns} FROM ledger_accounts WHERE id = @id", null, ("id", id));
        await using DbDataReader r = await command.ExecuteReaderAsync(ct);
        if (!await r.ReadAsync(ct))
        {
            return null;
        }

        AccountRow row = LedgerStatements.ReadAccountRow(r);
        return new LedgerAccount(row.Id, row.Kind, row.NoNegative, Money.FromCents(row.Balance), Money.FromCents(row.PendingDebits), Money.FromCents(row.PendingCredits));
    }

    /// <summary>A transfer; a pending one stands as the post or void that resolved it says.</summary>
    public async Task<Transfer?> GetTransferAsync(string id, CancellationToken ct = default) =>
        await GetTransfersAsync([id], ct) is [var transfer] ? transfer : null;

    /// <summary>The transfers of these ids that exist, in the order given.</summary>
    public async Task<IReadOnlyList<Transfer>> GetTransfersAsync(IReadOnlyList<string> ids, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var found = new Dictionary<string, Transfer>(ids.Count, StringComparer.Ordinal);
        await using DbConnection connection = await database.OpenAsync(ct);
        foreach (string id in ids)
        {
            await using DbCommand command = connection.Command($"{TransferWithResolution} WHERE t.id = @id", null, ("id", id));
            await using DbDataReader r = await command.ExecuteReaderAsync(ct);
            if (await r.ReadAsync(ct))
            {
                found[id] = Read(r);
            }
        }

        return [.. ids.Where(found.ContainsKey).Select(id => found[id])];
    }

    /// <summary>The transfers in and out of an account, newest first.</summary>
    public async Task<IReadOnlyList<Transfer>> ListTransfersAsync(string accountId, int limit = 100, CancellationToken ct = default)
    {
        await using DbConnection connection = await database.OpenAsync(ct);
        await using DbCommand command = connection.Command(
            $"{TransferWithResolution} WHERE t.debit_account = @a OR t.credit_account = @a ORDER BY t.created_at DESC, t.id LIMIT @n",
            null, ("a", accountId), ("n", limit));
        await using DbDataReader r = await command.ExecuteReaderAsync(ct);
        var list = new List<Transfer>();
        while (await r.ReadAsync(ct))
        {
            list.Add(Read(r));
        }

        return list;
    }

    public async Task<LedgerTotals> GetTotalsAsync(CancellationToken ct = default)
    {
        await using DbConnection connection = await database.OpenAsync(ct);
        await using DbCommand command = connection.Command(
            "SELECT COALESCE(SUM(balance), 0), COALESCE(SUM(pending_debits), 0), COALESCE(SUM(pending_credits), 0), "
            + $"COALESCE(SUM(CASE WHEN {database.Sql.IsTrue("no_negative")} AND balance - pending_debits < 0 THEN 1 ELSE 0 END), 0), COUNT(*), "
            + "(SELECT COUNT(*) FROM ledger_transfers) FROM ledger_accounts");
        await using DbDataReader r = await command.ExecuteReaderAsync(ct);
        await r.ReadAsync(ct);
        return new LedgerTotals(
            Convert.ToInt64(r.GetValue(0)), Convert.ToInt64(r.GetValue(1)), Convert.ToInt64(r.GetValue(2)),
            Convert.ToInt64(r.GetValue(3)), r.GetInt64(4), r.GetInt64(5));
    }

    private static Transfer Read(DbDataReader r)
    {
        Transfer t = LedgerStatements.ReadTransfer(r);
        if (t.Kind != TransferKind.Pending)
        {
            return t;
        }

        string? resolvedBy = r.GetNullableString(10);
        return t with { State = resolvedBy switch { "post" => TransferState.Posted, "void" => TransferState.Voided, _ => TransferState.Pending } };
    }
}
