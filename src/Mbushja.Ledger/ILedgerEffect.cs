using System.Data.Common;
using Mbushja.Storage;

namespace Mbushja.Ledger;

/// <summary>Where an effect runs: the ledger's own connection and transaction.</summary>
public sealed record EffectContext(DbConnection Connection, DbTransaction Transaction, DatabaseKind Kind, DateTimeOffset Now)
{
    /// <summary>
    /// An account's available balance (balance minus pending debits) as the command leaves it, transfers included:
    /// the database has not seen this batch's transfers yet when the effect runs. Null for an unknown account.
    /// </summary>
    public Func<LedgerAccountId, long?> AvailableCents { get; init; } = _ => null;
}

/// <summary>
/// Work on the platform's own tables that must commit together with a command's transfers (a new subscriber row,
/// a paid-until date). It runs inside a savepoint: when it refuses, or throws, its writes are undone and the
/// command's transfers are not made.
/// </summary>
public interface ILedgerEffect
{
    /// <summary>Returns null to go on, or the reason to refuse the whole command.</summary>
    Task<LedgerError?> ApplyAsync(EffectContext context, CancellationToken cancellationToken);

    /// <summary>
    /// True when the effect refuses, if ever, before it writes anything: a single statement that does all its work or
    /// changes no row (a conditional update), or several whose first is that conditional one. Nothing to undo when it
    /// refuses, so the ledger runs it without a savepoint, two statements fewer (two round trips on PostgreSQL). Should
    /// it throw, whatever it wrote is undone with its batch, which is tried again without it.
    /// </summary>
    bool RefusesBeforeWriting => false;
}
