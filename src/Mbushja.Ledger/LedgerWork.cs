using System.Data.Common;
using Mbushja.Domain;
using Mbushja.Storage;
using Mbushja.Storage.Commits;

namespace Mbushja.Ledger;

/// <summary>
/// The rows that go with a command's transfers (a payment's row, a paid-until date, a reply): committed in the same
/// transaction, once the transfers were found valid, or the whole command is refused. Work that moves no money is
/// <see cref="ICommitWork"/>, submitted to the <see cref="CommitQueue"/> as what it is.
/// </summary>
public interface ILedgerWork
{
    /// <summary>Returns null to go on, or the reason to refuse the whole command (its transfers are not made).</summary>
    Task<CommitRefusal?> ApplyAsync(LedgerContext context, CancellationToken cancellationToken);

    /// <summary>See <see cref="ICommitWork.RefusesBeforeWriting"/>.</summary>
    bool RefusesBeforeWriting => false;

    /// <summary>See <see cref="ICommitWork.Pipelined"/>.</summary>
    bool Pipelined => false;
}

/// <summary>Where a command's work runs: the commit's transaction, and the balances as the command leaves them.</summary>
public sealed class LedgerContext(CommitContext commit, Func<LedgerAccountId, Money?> available)
{
    /// <summary>The commit this command is part of: work that also runs alone takes this.</summary>
    public CommitContext Commit { get; } = commit;

    public DbConnection Connection => Commit.Connection;

    public DbTransaction Transaction => Commit.Transaction;

    public SqlDialect Sql => Commit.Sql;

    public DateTimeOffset Now => Commit.Now;

    public DbCommand Statement(string sql, params (string Name, object? Value)[] parameters) => Commit.Statement(sql, parameters);

    /// <summary>See <see cref="CommitContext.ExecuteAsync"/>.</summary>
    public Task<int> ExecuteAsync(string sql, CancellationToken ct, params (string Name, object? Value)[] parameters) => Commit.ExecuteAsync(sql, ct, parameters);

    /// <summary>See <see cref="CommitContext.Defer"/>.</summary>
    public void Defer(string sql, params (string Name, object? Value)[] parameters) => Commit.Defer(sql, parameters);

    /// <summary>
    /// An account's available balance (balance minus pending debits) as the command leaves it, its transfers included:
    /// the database has not seen this batch's transfers yet when the work runs. Null for an unknown account. Only for a
    /// protected one (never negative): a hot account's balance is not known inside a batch, and asking throws
    /// (docs/design/hot-accounts.md).
    /// </summary>
    public Money? Available(LedgerAccountId account) => available(account);
}

/// <summary>Makes work that needs no balances a command's work.</summary>
public static class LedgerWork
{
    /// <summary>Runs <paramref name="work"/> as the work of a command, in the command's commit.</summary>
    public static ILedgerWork Of(ICommitWork work) => new Adapter(work);

    private sealed class Adapter(ICommitWork work) : ILedgerWork
    {
        public bool RefusesBeforeWriting => work.RefusesBeforeWriting;

        public bool Pipelined => work.Pipelined;

        public Task<CommitRefusal?> ApplyAsync(LedgerContext context, CancellationToken cancellationToken) => work.ApplyAsync(context.Commit, cancellationToken);
    }
}
