namespace Mbushja.Ledger;

/// <summary>How the ledger batches its work (group commit).</summary>
public sealed record LedgerOptions
{
    public static LedgerOptions Default { get; } = new();

    /// <summary>Most commands committed in one database transaction.</summary>
    public int MaxBatch { get; init; } = 512;

    /// <summary>
    /// Writer loops, each with its own connection. SQLite has one writer whatever this says; on PostgreSQL a second
    /// writer fills the time the first spends waiting for its commit.
    /// </summary>
    public int PostgresWriters { get; init; } = 2;

    /// <summary>Times a batch is tried again after a deadlock, serialization failure or a race with another server.</summary>
    public int MaxRetries { get; init; } = 8;
}
