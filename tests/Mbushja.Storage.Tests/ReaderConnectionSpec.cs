using System.Data;
using System.Data.Common;
using Mbushja.Testing;

namespace Mbushja.Storage.Tests;

/// <summary>
/// <see cref="Database.OpenReaderAsync"/> on SQLite: a reader given back stays open for the next caller with its
/// statements prepared, and still reads what was committed since; one given back in the middle of something (a
/// transaction, a statement not finished, which would hold an old snapshot) is closed instead.
/// </summary>
public sealed class ReaderConnectionSpec : IAsyncLifetime
{
    private TestDatabase _test = null!;

    private Database Database => _test.Database;

    public async Task InitializeAsync()
    {
        _test = await TestDatabase.CreateAsync(DatabaseKind.Sqlite, migrate: false);
        await using DbConnection connection = await Database.OpenAsync();
        await using DbCommand create = connection.Command("CREATE TABLE notes (n INTEGER NOT NULL)");
        await create.ExecuteNonQueryAsync();
    }

    public async Task DisposeAsync() => await _test.DisposeAsync();

    [Fact]
    public async Task Reader_GivenBack_IsHandedOutAgain_AndReadsWhatWasCommittedSince()
    {
        DbConnection first = await Database.OpenReaderAsync();
        Assert.Equal(0L, await CountAsync(first));
        await first.DisposeAsync();

        await AddNoteAsync(7);

        await using DbConnection second = await Database.OpenReaderAsync();
        Assert.Same(first, second);
        Assert.Equal(ConnectionState.Open, second.State);
        Assert.Equal(1L, await CountAsync(second));
    }

    [Fact]
    public async Task Reader_GivenBackWithAStatementUnfinished_IsClosed_AndTheNextIsAnother()
    {
        await AddNoteAsync(1);
        await AddNoteAsync(2);
        DbConnection first = await Database.OpenReaderAsync();
        DbDataReader rows = await first.Reused("SELECT n FROM notes ORDER BY n", null).ExecuteReaderAsync();
        Assert.True(await rows.ReadAsync());

        // The rows are not read to the end nor disposed: the statement holds its snapshot.
        await first.DisposeAsync();

        await AssertClosed_AndTheNextIsAnotherThatReadsNewCommitsAsync(first, note: 3, expectedNotes: 3);
    }

    [Fact]
    public async Task Reader_GivenBackInATransaction_IsClosed_AndTheNextIsAnother()
    {
        DbConnection first = await Database.OpenReaderAsync();
        DbTransaction tx = await first.BeginTransactionAsync();
        await first.DisposeAsync();

        await AssertClosed_AndTheNextIsAnotherThatReadsNewCommitsAsync(first, note: 4, expectedNotes: 1);
        await tx.DisposeAsync();
    }

    [Fact]
    public async Task Readers_ManyAtOnce_AreEachTheirCallersAlone_AndAtMostTheLimitIsKept()
    {
        DbConnection[] readers = await Task.WhenAll(Enumerable.Range(0, 40).Select(_ => Database.OpenReaderAsync().AsTask()));
        Assert.Equal(readers.Length, readers.Distinct().Count());
        foreach (DbConnection reader in readers)
        {
            await reader.DisposeAsync();
        }

        Assert.Equal(8, readers.Count(r => r.State == ConnectionState.Closed));
    }

    [Fact]
    public async Task Database_Disposed_ClosesItsIdleReaders()
    {
        DbConnection reader = await Database.OpenReaderAsync();
        await reader.DisposeAsync();
        Assert.Equal(ConnectionState.Open, reader.State);

        await Database.DisposeAsync();

        Assert.Equal(ConnectionState.Closed, reader.State);
    }

    /// <summary>The reader given back was closed; the next is another, and it reads a note committed after it came.</summary>
    private async Task AssertClosed_AndTheNextIsAnotherThatReadsNewCommitsAsync(DbConnection first, long note, long expectedNotes)
    {
        Assert.Equal(ConnectionState.Closed, first.State);
        await using DbConnection second = await Database.OpenReaderAsync();
        Assert.NotSame(first, second);
        await AddNoteAsync(note);
        Assert.Equal(expectedNotes, await CountAsync(second));
    }

    private async Task AddNoteAsync(long n)
    {
        await using DbConnection connection = await Database.OpenAsync();
        await using DbCommand insert = connection.Command("INSERT INTO notes (n) VALUES (@n)", null, ("n", n));
        await insert.ExecuteNonQueryAsync();
    }

    private static async Task<long> CountAsync(DbConnection reader) =>
        Convert.ToInt64(await reader.Reused("SELECT COUNT(*) FROM notes", null).ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
}
