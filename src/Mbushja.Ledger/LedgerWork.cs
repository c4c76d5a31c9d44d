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

    /// <summary>
    /// What the work decides on, read for the batch's commit (its time, its dialect): see <see cref="LedgerRead"/>. The
    /// work finds them read in <see cref="LedgerContext.Reads"/>, in this order.
    /// </summary>
    IReadOnlyList<LedgerRead> Reads(CommitContext context) => [];
}

/// <summary>
/// A read a command's work decides on: rows it writes next (locked with <c>FOR UPDATE</c> where the engine has it), or
/// that the rows the command locks keep still (a number's payments, under its account's lock). Where round trips cost
/// (PostgreSQL) the ledger sends it with the batch's load, after the accounts' locks, so it costs none; elsewhere it is
/// read as the work's turn comes. Read with the load, it has not seen the batch's work: any work of the transaction
/// that writes those rows says so (<see cref="CommitContext.Wrote"/>, by <see cref="Key"/>), and the read is made again
/// before the work runs, with the next round trip (docs/design/write-path.md, "Round trips").
/// </summary>
/// <param name="key">The rows read, named as their writers name them to <see cref="CommitContext.Wrote"/>.</param>
public sealed class LedgerRead(string key, string sql, params (string Name, object? Value)[] parameters)
{
    public string Key { get; } = key;

    public string Sql { get; } = sql;

    public IReadOnlyList<(string Name, object? Value)> Parameters { get; } = parameters;

    /// <summary>The rows read, each its columns' values (null for NULL).</summary>
    public IReadOnlyList<object?[]> Rows => Loaded ?? throw new InvalidOperationException($"The read of {Key} has not run.");

    /// <summary>The rows, once read; null before.</summary>
    internal IReadOnlyList<object?[]>? Loaded { get; set; }
}

/// <summary>Where a command's work runs: the commit's transaction, and the balances as the command leaves them.</summary>
/// <param name="reads">The work's reads (<see cref="ILedgerWork.Reads"/>), read.</param>
public sealed class LedgerContext(CommitContext commit, Func<LedgerAccountId, Money?> available, IReadOnlyList<LedgerRead>? reads = null)
{
    /// <summary>What the work asked to read (<see cref="ILedgerWork.Reads"/>), read, in its order.</summary>
    public IReadOnlyList<LedgerRead> Reads { get; } = reads ?? [];

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
