using Mbushja.Domain;
using Mbushja.Ledger;

namespace Mbushja.Bench;

/// <summary>One transfer to make: the same data whether the ledger or the bare SQL makes it.</summary>
internal readonly record struct Move(string Id, string Debit, string Credit, long AmountCents);

/// <summary>
/// The accounts every scenario starts with: a pool of protected (never negative) subscriber accounts, a hot one,
/// all funded from an unprotected system account, so that no transfer of a run can be refused for lack of money.
/// </summary>
internal sealed class AccountPool
{
    public const string Issuance = "sys:issuance";
    public const string Hot = "sub:hot";
    private const long PoolBalance = 1_000_000_000;
    private const long HotBalance = 1_000_000_000_000;

    public AccountPool(int size)
    {
        Ids = [.. Enumerable.Range(0, size).Select(i => $"sub:{i:D6}")];
    }

    /// <summary>The pool's account ids (the hot and the system account aside).</summary>
    public IReadOnlyList<string> Ids { get; }

    /// <summary>Transfers the seed makes, so that a run can check the transfer count it ends with.</summary>
    public int SeedTransfers => Ids.Count + 1;

    /// <summary>Opens and funds every account in one ledger command.</summary>
    public LedgerCommand SeedCommand()
    {
        var issuance = new LedgerAccountId(Issuance);
        var accounts = new List<LedgerAccountSpec> { new(issuance, "system", false), new(new LedgerAccountId(Hot), "subscriber", true) };
        var transfers = new List<TransferRequest>
        {
            TransferRequest.Single("seed:hot", issuance, new LedgerAccountId(Hot), Money.FromCents(HotBalance), "bench.seed"),
        };
        foreach (string id in Ids)
        {
            var account = new LedgerAccountId(id);
            accounts.Add(new LedgerAccountSpec(account, "subscriber", true));
            transfers.Add(TransferRequest.Single("seed:" + id, issuance, account, Money.FromCents(PoolBalance), "bench.seed"));
        }

        return new LedgerCommand(transfers) { Accounts = accounts };
    }
}

/// <summary>
/// Makes the moves of one writer: its own seeded random source, so a run is repeatable and writers do not share
/// state. Ids are random (GUIDs), as callers' idempotency keys are, so inserts land all over the primary key index.
/// </summary>
internal sealed class MoveSource(AccountPool pool, Workload workload, int writer)
{
    private readonly Random _random = new(7919 * (writer + 1));

    /// <summary>Transfers per command (and per ceiling transaction).</summary>
    public static int TransfersPer(Workload workload) => workload == Workload.Linked ? 3 : 1;

    /// <summary>Fills <paramref name="moves"/> with the next command's transfers.</summary>
    public void Next(Span<Move> moves)
    {
        for (int i = 0; i < moves.Length; i++)
        {
            (string debit, string credit) = workload == Workload.Hot ? (AccountPool.Hot, Pick()) : PickPair();
            moves[i] = new Move(Guid.NewGuid().ToString("N"), debit, credit, 1);
        }
    }

    private string Pick() => pool.Ids[_random.Next(pool.Ids.Count)];

    private (string, string) PickPair()
    {
        int n = pool.Ids.Count;
        int d = _random.Next(n);
        int c = _random.Next(n - 1);
        return (pool.Ids[d], pool.Ids[c >= d ? c + 1 : c]);
    }
}
