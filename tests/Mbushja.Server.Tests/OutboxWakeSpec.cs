using Mbushja.Smpp;
using Mbushja.Smpp.Pdus;
using Mbushja.Storage;

namespace Mbushja.Server.Tests;

/// <summary>A server on a scripted SMSC whose outbox looks for due replies only once an hour.</summary>
public sealed class SlowPollSmppServerFixture : SmppServerFixture
{
    protected override DatabaseKind Kind => DatabaseKind.Sqlite;

    protected override ServerSettings Configure(ServerSettings settings) =>
        base.Configure(settings) with { Outbox = OutboundServerFixture.FastOutbox with { PollInterval = TimeSpan.FromHours(1) } };
}

/// <summary>
/// A reply to a message from the SMSC leaves as soon as it is committed: the processor wakes the outbox, which would
/// otherwise find it only at its next look (here an hour away).
/// </summary>
public sealed class OutboxWakeSpec(SlowPollSmppServerFixture server) : IClassFixture<SlowPollSmppServerFixture>, IAsyncLifetime
{
    private readonly TopUpWorld _world = new(server);

    public async Task InitializeAsync() => await server.Smsc.WaitForBindAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task ReplyToAnSmppMessage_LeavesAtOnce_NotAtTheNextPoll()
    {
        string holder = await _world.SubscriberAsync(language: "en");
        await _world.RegisterAsync("BEK", holder, 10_000);

        Pdu answer = await server.Smsc.Bound!.RequestAsync(new DeliverSm
        {
            Source = SmppAddress.International("383" + holder[1..]),
            Destination = SmppAddress.ShortCode("50005"),
            ShortMessage = "5"u8.ToArray(),
        });

        Assert.Equal(CommandStatus.Ok, answer.CommandStatus);
        IReadOnlyList<SubmitSm> reply = await server.Smsc.WaitForSubmitsAsync(1, which: s => s.Destination.Address == "383" + holder[1..]);
        Assert.NotEmpty(reply);
        Assert.Equal(500, await _world.CreditAsync(holder));
    }
}
