using Mbushja.Storage;
using Mbushja.Storage.Commits;
using Mbushja.Testing;
using Mbushja.TopUp;

namespace Mbushja.Server.Tests;

/// <summary>
/// The parts of long inbound messages in the database: a part acknowledged is kept across a restart, parts stored at
/// once on two servers complete the message once, a part again is a duplicate, and a recorded message's key is kept
/// for the redelivery window only.
/// </summary>
public sealed class InboundPartsSpec
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(10);

    [Theory]
    [InlineData(DatabaseKind.Sqlite)]
    [InlineData(DatabaseKind.Postgres)]
    public async Task PartStoredBeforeARestart_TheNextPartAfterItCompletesTheMessage(DatabaseKind kind)
    {
        await using TestDatabase database = await TestDatabase.CreateAsync(kind);
        PartOutcome first;
        await using (var before = new CommitQueue(database.Database, TimeProvider.System))
        {
            first = await new InboundParts(database.Database, before).StoreAsync("k", 2, 1, [1, 2, 3], Window);
        }

        await using var after = new CommitQueue(database.Database, TimeProvider.System);
        PartOutcome second = await new InboundParts(database.Database, after).StoreAsync("k", 2, 2, [4, 5], Window);

        Assert.Equal(PartStatus.Pending, first.Status);
        Assert.Equal(PartStatus.Complete, second.Status);
        Assert.Equal(first.MessageId, second.MessageId);
        Assert.Equal([[1, 2, 3], [4, 5]], second.Parts.Select(p => p.Octets));
        Assert.Equal([1, 2], second.Parts.Select(p => p.Sequence));
    }

    [Theory]
    [InlineData(DatabaseKind.Sqlite)]
    [InlineData(DatabaseKind.Postgres)]
    public async Task APartAgain_IsADuplicate_AndOnceDoneEveryPartIs(DatabaseKind kind)
    {
        await using TestDatabase database = await TestDatabase.CreateAsync(kind);
        await using var ledger = new CommitQueue(database.Database, TimeProvider.System);
        var parts = new InboundParts(database.Database, ledger);

        PartOutcome once = await parts.StoreAsync("k", 3, 2, [2], Window);
        PartOutcome twice = await parts.StoreAsync("k", 3, 2, [2], Window);
        await parts.StoreAsync("k", 3, 1, [1], Window);
        PartOutcome complete = await parts.StoreAsync("k", 3, 3, [3], Window);
        PartOutcome lastAgainBeforeDone = await parts.StoreAsync("k", 3, 3, [3], Window);
        await parts.DoneAsync(complete.MessageId);
        PartOutcome afterDone = await parts.StoreAsync("k", 3, 1, [1], Window);

        Assert.Equal(
            [PartStatus.Pending, PartStatus.Duplicate, PartStatus.Complete, PartStatus.Complete, PartStatus.Duplicate],
            [once.Status, twice.Status, complete.Status, lastAgainBeforeDone.Status, afterDone.Status]);
        Assert.Empty(await parts.OpenBeforeAsync(DateTimeOffset.MaxValue, 10));
    }

    [Theory]
    [InlineData(DatabaseKind.Sqlite)]
    [InlineData(DatabaseKind.Postgres)]
    public async Task PastTheRedeliveryWindow_TheKeyStartsANewMessage(DatabaseKind kind)
    {
        await using TestDatabase database = await TestDatabase.CreateAsync(kind);
        var clock = new FakeClock(DateTimeOffset.UtcNow);
        await using var ledger = new CommitQueue(database.Database, clock);
        var parts = new InboundParts(database.Database, ledger);
        await parts.StoreAsync("k", 2, 1, [1], Window);
        PartOutcome done = await parts.StoreAsync("k", 2, 2, [2], Window);
        await parts.DoneAsync(done.MessageId);

        clock.Advance(Window + TimeSpan.FromSeconds(1));
        PartOutcome later = await parts.StoreAsync("k", 2, 1, [9], Window);

        Assert.Equal(PartStatus.Pending, later.Status);
        Assert.NotEqual(done.MessageId, later.MessageId);
    }

    [Theory]
    [InlineData(DatabaseKind.Sqlite)]
    [InlineData(DatabaseKind.Postgres)]
    public async Task Forget_DropsRecordedMessagesPastTheWindow_NotWaitingOnes(DatabaseKind kind)
    {
        await using TestDatabase database = await TestDatabase.CreateAsync(kind);
        var clock = new FakeClock(DateTimeOffset.UtcNow);
        await using var ledger = new CommitQueue(database.Database, clock);
        var parts = new InboundParts(database.Database, ledger);
        await parts.StoreAsync("done", 2, 1, [1], Window);
        await parts.DoneAsync((await parts.StoreAsync("done", 2, 2, [2], Window)).MessageId);
        await parts.StoreAsync("open", 2, 1, [1], Window);

        clock.Advance(Window + TimeSpan.FromSeconds(1));

        Assert.Equal(1, await parts.ForgetAsync(clock.GetUtcNow() - Window));
        Assert.Single(await parts.OpenBeforeAsync(clock.GetUtcNow(), 10));
    }

    [Fact]
    public async Task LastPartsAtOnceOnTwoServers_CompleteTheMessageOnce()
    {
        await using TestDatabase database = await TestDatabase.CreateAsync(DatabaseKind.Postgres);
        await using var first = new CommitQueue(database.Database, TimeProvider.System);
        await using var second = new CommitQueue(database.Database, TimeProvider.System);
        var one = new InboundParts(database.Database, first);
        var two = new InboundParts(database.Database, second);

        for (int round = 0; round < 20; round++)
        {
            string key = "race" + round;
            PartOutcome[] outcomes = await Task.WhenAll(one.StoreAsync(key, 2, 1, [1], Window), two.StoreAsync(key, 2, 2, [2], Window));

            Assert.Equal(1, outcomes.Count(o => o.Status == PartStatus.Complete));
            Assert.Single(outcomes.Select(o => o.MessageId).Distinct());
        }
    }

    [Theory]
    [InlineData(DatabaseKind.Sqlite)]
    [InlineData(DatabaseKind.Postgres)]
    public async Task OpenBefore_GivesTheWaitingMessagesWithTheirParts(DatabaseKind kind)
    {
        await using TestDatabase database = await TestDatabase.CreateAsync(kind);
        await using var ledger = new CommitQueue(database.Database, TimeProvider.System);
        var parts = new InboundParts(database.Database, ledger);
        await parts.StoreAsync("a", 3, 3, [3], Window);
        await parts.StoreAsync("a", 3, 1, [1], Window);

        OpenLongMessage open = Assert.Single(await parts.OpenBeforeAsync(DateTimeOffset.UtcNow.AddSeconds(1), 10));

        Assert.Equal(3, open.Total);
        Assert.Equal([1, 3], open.Parts.Select(p => p.Sequence));
        Assert.Empty(await parts.OpenBeforeAsync(DateTimeOffset.UtcNow.AddMinutes(-1), 10));
    }
}
