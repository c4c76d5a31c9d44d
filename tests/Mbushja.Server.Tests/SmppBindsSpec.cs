using Mbushja.Smpp;
using Mbushja.Smpp.Pdus;
using Mbushja.Smpp.Session;
using Mbushja.Storage;
using Mbushja.Testing;

namespace Mbushja.Server.Tests;

/// <summary>Several binds from the configuration (a transceiver and a transmitter + receiver pair), and a clean unbind of each at shutdown.</summary>
public sealed class SmppBindsSpec
{
    [Fact]
    public async Task SeveralBinds_AllBind_MessagesComeOnTheReceivers_AndShutdownUnbindsEach()
    {
        await using FakeSmsc smsc = FakeSmsc.Start();
        await using TestDatabase database = await TestDatabase.CreateAsync(DatabaseKind.Sqlite);
        RunningServer server = await RunningServer.StartAsync(database.Option, configure: s => s with
        {
            Smpp = SmppServerFixture.SettingsFor(
                SmppServerFixture.BindTo(smsc, "one"),
                SmppServerFixture.BindTo(smsc, "two-tx") with { BindType = SmppBindType.Transmitter },
                SmppServerFixture.BindTo(smsc, "two-rx") with { BindType = SmppBindType.Receiver }),
        });
        try
        {
            DateTime deadline = DateTime.UtcNow + Timeouts.Hang;
            while (smsc.Connections.Count(c => c.IsBound) < 3)
            {
                Assert.True(DateTime.UtcNow < deadline, $"{smsc.Connections.Count(c => c.IsBound)} of 3 binds.");
                await Task.Delay(20);
            }

            Assert.Equal([typeof(BindReceiver), typeof(BindTransceiver), typeof(BindTransmitter)], smsc.Connections.Select(c => c.BindRequest!.GetType()).OrderBy(t => t.Name));
            FakeSmscConnection receiver = smsc.Connections.Single(c => c.BindRequest is BindReceiver);
            FakeSmscConnection transmitter = smsc.Connections.Single(c => c.BindRequest is BindTransmitter);
            Pdu received = await receiver.RequestAsync(new DeliverSm { Source = SmppAddress.International("38349555001"), Destination = SmppAddress.ShortCode("50005"), ShortMessage = "5"u8.ToArray() });
            Pdu refused = await transmitter.RequestAsync(new DeliverSm { ShortMessage = "5"u8.ToArray() });

            Assert.Equal(CommandStatus.Ok, received.CommandStatus);
            Assert.Equal(CommandStatus.InvalidBindStatus, refused.CommandStatus);
            await smsc.WaitForSubmitsAsync(1);
            Assert.Empty(receiver.Received.OfType<SubmitSm>());
        }
        finally
        {
            await server.DisposeAsync();
        }

        Assert.All(smsc.Connections.Where(c => c.BindRequest is not null), c =>
        {
            Assert.IsType<Unbind>(c.Received[^1]);
            Assert.False(c.IsOpen);
        });
    }
}
