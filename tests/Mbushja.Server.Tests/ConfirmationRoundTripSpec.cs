using System.Data.Common;
using System.Net;
using System.Text.Json;
using Mbushja.Server.Smpp;
using Mbushja.Smpp;
using Mbushja.Smpp.Pdus;
using Mbushja.Smpp.Session;
using Mbushja.Smpp.Text;
using Mbushja.Storage;
using Mbushja.Testing;
using Mbushja.Text;

namespace Mbushja.Server.Tests;

/// <summary>
/// Confirmation of larger top-ups end to end (README "Confirmation above a threshold"), through each gateway: TEB asks
/// for one above 30.00 EUR (config/ipko/banks/TEB.json). The top-up's message gets the request as its one reply and
/// nothing is held at the bank; the reply "YES code" is a new message (over SMPP a new deliver_sm) that holds, credits and
/// captures through the sandbox bank and gets the normal reply; a second use, or a wrong code three times, charges nothing.
/// </summary>
public abstract partial class ConfirmationRoundTripSpec(ServerFixture server) : IAsyncLifetime
{
    private const long Funds = 100_000;

    private readonly TopUpWorld _world = new(server);

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => server.AssertLedgerInvariantsAsync();

    [Fact]
    public async Task Http_AboveTheThreshold_AsksForTheCode_TheReplyCarriesItOn_ChargedOnce()
    {
        string holder = await _world.SubscriberAsync(language: "en");
        string iban = await _world.RegisterAsync("TEB", holder, Funds);

        JsonElement asked = await _world.SmsAsync("TEB", holder, "50");
        (long Balance, long Held) before = await _world.BankAccountAsync("TEB", iban);
        string code = ConfirmationReplies.CodeOf(asked.String("reply"));
        JsonElement confirmed = await _world.SmsAsync("TEB", holder, "YES " + code);
        JsonElement again = await _world.SmsAsync("TEB", holder, "YES " + code);

        Assert.Equal(("rejected", "CONFIRMATION_REQUIRED"), (asked.String("status"), asked.String("code")));
        Assert.Equal($"Reply YES {code} within 5 minutes to pay 50.00 € from your TEB Bank account. Nothing is charged before.", asked.String("reply"));
        Assert.Equal((Funds, 0L), before);
        Assert.Equal("completed", confirmed.String("status"));
        Assert.StartsWith("Done: ", confirmed.String("reply"), StringComparison.Ordinal);
        Assert.Equal(("rejected", "CONFIRMATION_USED"), (again.String("status"), again.String("code")));
        Assert.Equal(5000, await _world.CreditAsync(holder));
        Assert.Equal((Funds - 5000, 0L), await _world.BankAccountAsync("TEB", iban));
        JsonElement trail = await _world.TransactionAsync(confirmed.String("transactionId"));
        Assert.Equal("YES ******", trail.String("text"));
        Assert.DoesNotContain(code, trail.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Http_WrongCodeThreeTimes_Cancelled_TheRightOneThenChargesNothing()
    {
        string holder = await _world.SubscriberAsync(language: "en");
        string iban = await _world.RegisterAsync("TEB", holder, Funds);
        string code = ConfirmationReplies.CodeOf((await _world.SmsAsync("TEB", holder, "40")).String("reply"));
        string wrong = code == "000000" ? "111111" : "000000";

        string[] answers =
        [
            (await _world.SmsAsync("TEB", holder, "YES " + wrong)).String("code"),
            (await _world.SmsAsync("TEB", holder, "YES " + wrong)).String("code"),
            (await _world.SmsAsync("TEB", holder, "YES " + wrong)).String("code"),
            (await _world.SmsAsync("TEB", holder, "YES " + code)).String("code"),
        ];

        Assert.Equal(["WRONG_CONFIRMATION_CODE", "WRONG_CONFIRMATION_CODE", "CONFIRMATION_FAILED", "CONFIRMATION_FAILED"], answers);
        Assert.Equal(0, await _world.CreditAsync(holder));
        Assert.Equal((Funds, 0L), await _world.BankAccountAsync("TEB", iban));
    }

    [Fact]
    public async Task Http_FromAnotherNumber_NothingWaits_TheHoldersCodeStillWorks()
    {
        string holder = await _world.SubscriberAsync(language: "en");
        string other = await _world.SubscriberAsync(language: "en");
        await _world.RegisterAsync("TEB", holder, Funds, authorized: [other]);
        string code = ConfirmationReplies.CodeOf((await _world.SmsAsync("TEB", holder, "35")).String("reply"));

        JsonElement stranger = await _world.SmsAsync("TEB", other, "YES " + code);
        JsonElement confirmed = await _world.SmsAsync("TEB", holder, "YES " + code);

        Assert.Equal(("rejected", "NO_CONFIRMATION_PENDING"), (stranger.String("status"), stranger.String("code")));
        Assert.Equal("completed", confirmed.String("status"));
        Assert.Equal((3500, 0), (await _world.CreditAsync(holder), await _world.CreditAsync(other)));
    }

    [Fact]
    public async Task Kannel_TheRequestAndTheDoneReplyAreTheAnswersBodies()
    {
        string holder = await _world.SubscriberAsync(language: "en");
        await _world.RegisterAsync("TEB", holder, Funds);

        string asked = await KannelAsync(holder, "50", "k-" + Guid.NewGuid().ToString("N"));
        string done = await KannelAsync(holder, "YES " + ConfirmationReplies.CodeOf(asked), "k-" + Guid.NewGuid().ToString("N"));

        Assert.StartsWith("Reply YES ", asked, StringComparison.Ordinal);
        Assert.StartsWith("Done: ", done, StringComparison.Ordinal);
        Assert.Equal(5000, await _world.CreditAsync(holder));
    }

    [Fact]
    public async Task PinApi_SetForAMember_204AndAudited_WithoutThePin_BadPin422_Stranger404()
    {
        string holder = await _world.SubscriberAsync(language: "en");
        await _world.RegisterAsync("TEB", holder, Funds);
        JsonElement registration = await (await server.Http.GetAsAdminAsync("/api/v1/banks/TEB/registrations?msisdn=" + holder)).ExpectAsync(HttpStatusCode.OK);
        string path = $"/api/v1/banks/TEB/registrations/{registration.String("id")}/pins/";

        HttpResponseMessage set = await server.Http.SendAsync(HttpMethod.Put, path + holder, Body(new { pin = "482915" }), Api.Admin);
        HttpResponseMessage bad = await server.Http.SendAsync(HttpMethod.Put, path + holder, Body(new { pin = "12ab" }), Api.Admin);
        HttpResponseMessage stranger = await server.Http.SendAsync(HttpMethod.Put, path + _world.FreshMobile(), Body(new { pin = "482915" }), Api.Admin);

        Assert.Equal(HttpStatusCode.NoContent, set.StatusCode);
        await bad.ExpectProblemAsync(HttpStatusCode.UnprocessableEntity, "INVALID_PIN");
        Assert.Equal(HttpStatusCode.NotFound, stranger.StatusCode);
        await using DbConnection connection = await server.Database.Database.OpenAsync();
        await using DbCommand audit = connection.Command("SELECT details FROM console_audit WHERE action = 'registration.confirmation_pin_set'");
        string details = Assert.IsType<string>(await audit.ExecuteScalarAsync());
        Assert.Contains(TopUpWorld.E164(holder), details, StringComparison.Ordinal);
        Assert.DoesNotContain("482915", details, StringComparison.Ordinal);
    }

    private static StringContent Body(object body) => new(Api.Json(body), System.Text.Encoding.UTF8, "application/json");

    private async Task<string> KannelAsync(string from, string text, string id)
    {
        HttpResponseMessage response = await server.Http.GetAsync(
            $"/kannel/sms-service?from={from}&to=50001&text={Uri.EscapeDataString(text)}&id={id}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

}

public sealed class SqliteConfirmationRoundTripTests(SqliteServerFixture server) : ConfirmationRoundTripSpec(server), IClassFixture<SqliteServerFixture>;

public sealed class PostgresConfirmationRoundTripTests(PostgresServerFixture server) : ConfirmationRoundTripSpec(server), IClassFixture<PostgresServerFixture>;

/// <summary>
/// The confirmation round trip over SMPP with the scripted SMSC (FakeSmsc): the request leaves by submit_sm, the reply
/// "YES code" comes as a new deliver_sm, and the normal reply leaves by submit_sm; on SQLite and on PostgreSQL.
/// </summary>
public abstract class SmppConfirmationSpec(SmppServerFixture server) : IAsyncLifetime
{
    private readonly TopUpWorld _world = new(server);

    public async Task InitializeAsync() => await server.Smsc.WaitForBindAsync();

    public Task DisposeAsync() => server.AssertLedgerInvariantsAsync();

    [Fact]
    public async Task DeliverSm_AboveTheThreshold_RequestBySubmitSm_ConfirmationIsANewDeliverSm_ChargedOnce()
    {
        string holder = await _world.SubscriberAsync(language: "en");
        string iban = await _world.RegisterAsync("TEB", holder, 100_000);
        string address = "383" + holder[1..];

        Pdu first = await DeliverAsync(address, "50");
        SubmitSm[] request = [.. await server.Smsc.WaitForSubmitsAsync(1, null, s => s.Destination.Address == address)];
        string code = ConfirmationReplies.CodeOf(TextOf(request));
        Assert.Equal((100_000L, 0L), await _world.BankAccountAsync("TEB", iban));
        Pdu second = await DeliverAsync(address, "YES " + code);
        IReadOnlyList<SubmitSm> replies = await server.Smsc.WaitForSubmitsAsync(2, null, s => s.Destination.Address == address);

        Assert.Equal((CommandStatus.Ok, CommandStatus.Ok), (first.CommandStatus, second.CommandStatus));
        Assert.StartsWith("Reply YES ", TextOf(request), StringComparison.Ordinal);
        Assert.StartsWith("Done: ", TextOf([replies[^1]]), StringComparison.Ordinal);
        Assert.Equal(5000, await _world.CreditAsync(holder));
        DateTime deadline = DateTime.UtcNow + Timeouts.Hang;
        while ((await _world.BankAccountAsync("TEB", iban)) != (95_000L, 0L))
        {
            Assert.True(DateTime.UtcNow < deadline, "The bank never captured the confirmed top-up.");
            await Task.Delay(20);
        }
    }

    private Task<Pdu> DeliverAsync(string address, string text)
    {
        byte[] septets = new byte[Gsm7.Septets(text)!.Value];
        Gsm7.Encode(text, septets);
        return server.Smsc.Bound!.RequestAsync(new DeliverSm
        {
            Source = SmppAddress.International(address),
            Destination = SmppAddress.ShortCode("50001"),
            DataCoding = DataCoding.SmscDefault,
            ShortMessage = septets,
        });
    }

    private static string TextOf(IEnumerable<SubmitSm> parts) =>
        InboundPart.Join(parts
            .Select(p => InboundPart.From(p.Source, p.Destination, p.EsmClass, p.DataCoding, p.ShortMessage, p.Tlvs))
            .OrderBy(p => p.Concat?.Sequence ?? 1));
}

public sealed class SqliteSmppConfirmationTests(SqliteSmppServerFixture server) : SmppConfirmationSpec(server), IClassFixture<SqliteSmppServerFixture>;

public sealed class PostgresSmppConfirmationTests(PostgresSmppServerFixture server) : SmppConfirmationSpec(server), IClassFixture<PostgresSmppServerFixture>;

/// <summary>
/// The real server bound to node-smpp as the SMSC (tests/smpp-interop), on either engine; the ESME checks idle links
/// every half second here, so that the interoperability spec sees enquire_link both ways.
/// </summary>
public abstract class NodeSmscFixture : ServerFixture
{
    public NodeSmsc Smsc { get; private set; } = null!;

    protected override async Task BeforeServerAsync() => Smsc = await NodeSmsc.StartAsync();

    protected override Task AfterServerAsync() => Smsc.DisposeAsync().AsTask();

    protected override ServerSettings Configure(ServerSettings settings) => settings with
    {
        Smpp = new SmppSettings
        {
            Binds =
            [
                new SmppSessionOptions
                {
                    Name = "node",
                    Host = "127.0.0.1",
                    Port = Smsc.Port,
                    SystemId = NodeSmsc.SystemId,
                    Password = NodeSmsc.Password,
                    EnquireLinkInterval = TimeSpan.FromMilliseconds(500),
                    Reconnect = new Backoff(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(1)),
                },
            ],
        },
        Outbox = OutboundServerFixture.FastOutbox with { MaxAttempts = 10 },
    };
}

public sealed class SqliteNodeSmscFixture : NodeSmscFixture
{
    protected override DatabaseKind Kind => DatabaseKind.Sqlite;
}

public sealed class PostgresNodeSmscFixture : NodeSmscFixture
{
    protected override DatabaseKind Kind => DatabaseKind.Postgres;
}

/// <summary>The confirmation round trip with node-smpp as the SMSC: two deliver_sm from node, two replies decoded by node.</summary>
public abstract class NodeSmscConfirmationSpec(NodeSmscFixture server) : IAsyncLifetime
{
    private readonly TopUpWorld _world = new(server);

    public async Task InitializeAsync() => await server.Smsc.WaitForAsync("bound");

    public Task DisposeAsync() => server.AssertLedgerInvariantsAsync();

    [Fact]
    public async Task NodeDelivers_TheTopUpThenTheConfirmation_NodeReadsTheRequestAndTheDoneReply()
    {
        string holder = await _world.SubscriberAsync(language: "en");
        await _world.RegisterAsync("TEB", holder, 100_000);
        string address = "383" + holder[1..];

        Assert.Equal(0, await server.Smsc.DeliverAsync(address, "50001", "50", 0));
        string request = (await server.Smsc.WaitForAsync("submit_sm", e => e.GetProperty("destination").GetString() == address)).GetProperty("message").GetString()!;
        Assert.Equal(0, await server.Smsc.DeliverAsync(address, "50001", "YES " + ConfirmationReplies.CodeOf(request), 0));
        JsonElement done = await server.Smsc.WaitForAsync(
            "submit_sm", e => e.GetProperty("destination").GetString() == address && e.GetProperty("message").GetString()!.StartsWith("Done", StringComparison.Ordinal));

        Assert.StartsWith("Reply YES ", request, StringComparison.Ordinal);
        Assert.Contains("50.00", done.GetProperty("message").GetString()!, StringComparison.Ordinal);
        Assert.Equal(5000, await _world.CreditAsync(holder));
    }
}

public sealed class SqliteNodeSmscConfirmationTests(SqliteNodeSmscFixture server) : NodeSmscConfirmationSpec(server), IClassFixture<SqliteNodeSmscFixture>;

public sealed class PostgresNodeSmscConfirmationTests(PostgresNodeSmscFixture server) : NodeSmscConfirmationSpec(server), IClassFixture<PostgresNodeSmscFixture>;
