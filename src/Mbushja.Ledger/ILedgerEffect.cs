using System.Data.Common;
using Mbushja.Storage;

namespace Mbushja.Ledger;

/// <summary>Where an effect runs: the ledger's own connection and transaction.</summary>
public sealed record EffectContext(DbConnection Connection, DbTransaction Transaction, DatabaseKind Kind, DateTimeOffset Now);

/// <summary>
/// Work on the platform's own tables that must commit together with a command's transfers (a new subscriber row,
/// a paid-until date). It runs inside a savepoint: when it refuses, or throws, its writes are undone and the
/// command's transfers are not made.
/// </summary>
public interface ILedgerEffect
{
    /// <summary>Returns null to go on, or the reason to refuse the whole command.</summary>
    Task<LedgerError?> ApplyAsync(EffectContext context, CancellationToken cancellationToken);
}
