using System.Data.Common;
using System.Net;
using System.Text.Json;
using Mbushja.Messaging;
using Mbushja.Server.Kannel;
using Mbushja.Storage;
using Mbushja.Storage.Commits;
using Mbushja.Testing;
using Mbushja.TopUp;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Mbushja.Server.Tests;

/// <summary>A server whose Kannel sms-service replies via sendsms, to a fake Kannel; few attempts and short back-offs.</summary>
public abstract class OutboundServerFixture : ServerFixture
{
    public const int MaxAttempts = 3;

    public FakeKannel Kannel { get; private set; } = null!;

    public static OutboxOptions FastOutbox { get; } = OutboxOptions.Default with
    {
        MaxAttempts = MaxAttempts,
        FirstRetryDelay = TimeSpan.FromMilliseconds(50),
        MaxRetryDelay = TimeSpan.FromMilliseconds(200),
        PollInterval = TimeSpan.FromMilliseconds(50),
        Lease = TimeSpan.FromSeconds(30),
    };

    public static KannelSettings KannelAt(FakeKannel kannel) => new()
    {
        SendSmsUrl = kannel.SendSmsUrl,
        Username = FakeKannel.Username,
        Password = FakeKannel.Password,
        ReplyVia = ReplyRoute.Outbound,
    };

    protected override async Task BeforeServerAsync() => Kannel = await FakeKannel.StartAsync();

    protected override Task AfterServerAsync() => Kannel.DisposeAsync().AsTask();

    protected override ServerSettings Configure(ServerSettings settings) => settings with { Kannel = KannelAt(Kannel), Outbox = FastOutbox };
}

public sealed class SqliteOutboundServerFixture : OutboundServerFixture
{
    protected override DatabaseKind Kind => DatabaseKind.Sqlite;
}

public sealed class PostgresOutboundServerFixture : OutboundServerFixture
{
    protected override DatabaseKind Kind => DatabaseKind.Postgres;
}

/// <summary>
/// Replies the platform sends itself (Kannel's sendsms: README "SMS gateways"): the sms-service answers with an empty
/// body, the reply waits in the outbox and goes to Kannel once, retried after failures, given up after the limit.
/// Over real sockets, on every engine.
/// </summary>
public abstract class OutboundSmsSpec(OutboundServerFixture server) : IAsyncLifetime
{
    private const long Funds = 100_000;

    private readonly TopUpWorld _world = new(server);

    private FakeKannel Kannel => server.Kannel;

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => server.AssertLedgerInvariantsAsync();

    [Fact]
    public async Task ReplyViaSendSms_SmsService_AnswersEmpty_AndKannelGetsTheReplyOnce()
    {
        string holder = await _world.SubscriberAsync(); // sq: the reply has ë, so UCS-2
        await _world.RegisterAsync("BEK", holder, Funds);
        string to = TopUpWorld.E164(holder);

        HttpResponseMessage response = await KannelDeliversAsync(to, "50005", "5", "k-" + Guid.NewGuid().ToString("N"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("", await response.Content.ReadAsStringAsync());
        FakeKannel.SendSmsRequest sent = Assert.Single(await Kannel.WaitForAsync(to, 1));
        JsonElement transaction = await SingleTransactionAsync(holder);
        Assert.Equal("completed", transaction.String("status"));
        Assert.Equal(transaction.String("reply"), sent.Text);
        Assert.StartsWith("U krye:", sent.Text, StringComparison.Ordinal);
        Assert.Equal(("50005", "UTF-8", "2"), (sent.From, sent.Charset, sent.Coding));
        Assert.Equal((FakeKannel.Username, FakeKannel.Password), (sent.Username, sent.Password));
        Assert.Equal(500, await _world.CreditAsync(holder));
        OutboxMessage row = await OutboxStateAsync(transaction.String("id"), OutboxStates.Sent);
        Assert.Equal(1, row.Attempts);
        await AssertStillAsync(to, 1);
        Assert.Contains("reply.sent", await TrailKindsAsync(transaction.String("id")));
    }

    [Fact]
    public async Task GsmReply_IsSentWithoutUcs2Coding()
    {
        string stranger = await _world.SubscriberAsync(language: "en"); // not registered: an English refusal
        string to = TopUpWorld.E164(stranger);

        HttpResponseMessage response = await KannelDeliversAsync(to, "50222", "5", null);

        Assert.Equal("", await response.Content.ReadAsStringAsync());
        FakeKannel.SendSmsRequest sent = Assert.Single(await Kannel.WaitForAsync(to, 1));
        Assert.StartsWith("You are not registered", sent.Text, StringComparison.Ordinal);
        Assert.Null(sent.Coding);
        Assert.Equal("UTF-8", sent.Charset);
    }

    [Fact]
    public async Task SameMessageDeliveredTwice_ReplyIsSentOnce()
    {
        string holder = await _world.SubscriberAsync();
        await _world.RegisterAsync("TEB", holder, Funds);
        string to = TopUpWorld.E164(holder);
        string id = "k-" + Guid.NewGuid().ToString("N");

        HttpResponseMessage first = await KannelDeliversAsync(to, "50001", "3", id);
        HttpResponseMessage second = await KannelDeliversAsync(to, "50001", "3", id);

        Assert.Equal(("", ""), (await first.Content.ReadAsStringAsync(), await second.Content.ReadAsStringAsync()));
        await Kannel.WaitForAsync(to, 1);
        await AssertStillAsync(to, 1);
        Assert.Equal(300, await _world.CreditAsync(holder));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task KannelFailsTwice_ReplyIsTriedAgain_AndSentOnce(bool dropConnection)
    {
        string stranger = await _world.SubscriberAsync();
        string to = TopUpWorld.E164(stranger);
        Kannel.FailNext(to, 2, dropConnection);

        await KannelDeliversAsync(to, "50333", "5", null);

        IReadOnlyList<FakeKannel.SendSmsRequest> requests = await Kannel.WaitForAsync(to, 3);
        Assert.Equal([dropConnection ? 0 : 503, dropConnection ? 0 : 503, 202], requests.Select(r => r.Status));
        Assert.Single(requests.Select(r => r.Text).Distinct());
        string id = (await SingleTransactionAsync(stranger)).String("id");
        OutboxMessage row = await OutboxStateAsync(id, OutboxStates.Sent);
        Assert.Equal(3, row.Attempts);
        await AssertStillAsync(to, 3);
        Assert.Equal(["reply.retry", "reply.retry", "reply.sent"], (await TrailKindsAsync(id)).Where(k => k.StartsWith("reply.", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task KannelKeepsFailing_ReplyEndsFailed_AfterTheLastAttempt()
    {
        string stranger = await _world.SubscriberAsync();
        string to = TopUpWorld.E164(stranger);
        Kannel.FailNext(to, 1_000);

        await KannelDeliversAsync(to, "50444", "5", null);

        string id = (await SingleTransactionAsync(stranger)).String("id");
        OutboxMessage row = await OutboxStateAsync(id, OutboxStates.Failed);
        Assert.Equal(OutboundServerFixture.MaxAttempts, row.Attempts);
        await AssertStillAsync(to, OutboundServerFixture.MaxAttempts);
        Assert.All(Kannel.To(to), r => Assert.Equal(503, r.Status));
        Assert.Equal("reply.failed", (await TrailKindsAsync(id))[^1]);
    }

    [Fact]
    public async Task JsonEndpoint_ReplyTravelsInTheResponse_AndIsNotSentAgain()
    {
        string stranger = await _world.SubscriberAsync();
        string to = TopUpWorld.E164(stranger);

        JsonElement result = await _world.SmsAsync("BPB", stranger, "5");

        Assert.Equal("NOT_REGISTERED", result.String("code"));
        Assert.Equal(OutboxStates.Inline, (await Outbox.GetAsync(result.String("transactionId")))!.State);
        await AssertStillAsync(to, 0);
    }

    /// <summary>
    /// Two dispatchers (two servers, on PostgreSQL each with its own ledger writer) race over the same pending
    /// replies on one database: every reply reaches Kannel exactly once.
    /// </summary>
    [Fact]
    public async Task TwoDispatchers_SameDatabase_SendEveryReplyExactlyOnce()
    {
        const int Replies = 60;
        await using TestDatabase database = await TestDatabase.CreateAsync(server.Database.Database.Kind);
        await using FakeKannel kannel = await FakeKannel.StartAsync();
        kannel.Delay = TimeSpan.FromMilliseconds(5);
        string[] ids = await PendingRepliesAsync(database.Database, Replies);
        await using var firstLedger = new CommitQueue(database.Database, TimeProvider.System);
        // SQLite has one writer per database: two servers there would share it. PostgreSQL takes a writer each.
        await using var secondLedger = new CommitQueue(database.Database, TimeProvider.System);
        CommitQueue second = database.Database.Kind == DatabaseKind.Sqlite ? firstLedger : secondLedger;
        using var gatewayA = new KannelSendSms(OutboundServerFixture.KannelAt(kannel));
        using var gatewayB = new KannelSendSms(OutboundServerFixture.KannelAt(kannel));
        OutboxDispatcher[] dispatchers =
        [
            new(new SmsOutbox(database.Database, firstLedger, new SmsTrail(database.Database)), gatewayA, OutboundServerFixture.FastOutbox, TimeProvider.System, NullLogger<OutboxDispatcher>.Instance),
            new(new SmsOutbox(database.Database, second, new SmsTrail(database.Database)), gatewayB, OutboundServerFixture.FastOutbox, TimeProvider.System, NullLogger<OutboxDispatcher>.Instance),
        ];
        var outbox = new SmsOutbox(database.Database, firstLedger, new SmsTrail(database.Database));

        int[] handled = await Task.WhenAll(dispatchers.Select(async d =>
        {
            int total = 0;
            for (int round = 0; round < 10; round++)
            {
                total += await d.DispatchDueAsync();
            }

            return total;
        }));

        Assert.Equal(Replies, handled.Sum());
        Assert.Equal(Replies, kannel.Requests.Count);
        Assert.Equal(ids.Order(), kannel.Requests.Select(r => r.Text!).Order());
        foreach (string id in ids)
        {
            OutboxMessage row = (await outbox.GetAsync(id))!;
            Assert.Equal((OutboxStates.Sent, 1), (row.State, row.Attempts));
        }
    }

    /// <summary>
    /// A worker that claimed replies and died: once its lease runs out another sends them; one whose last attempt
    /// never finished is given up without a further copy.
    /// </summary>
    [Fact]
    public async Task ClaimedByAWorkerThatDied_IsTakenOverAfterItsLease()
    {
        await using TestDatabase database = await TestDatabase.CreateAsync(server.Database.Database.Kind);
        await using FakeKannel kannel = await FakeKannel.StartAsync();
        string[] ids = await PendingRepliesAsync(database.Database, 2);
        await using var ledger = new CommitQueue(database.Database, TimeProvider.System);
        var outbox = new SmsOutbox(database.Database, ledger, new SmsTrail(database.Database));
        OutboxMessage[] due = [.. (await outbox.DueAsync(DateTimeOffset.UtcNow, 10)).OrderBy(r => Array.IndexOf(ids, r.TransactionId))];
        // The first was claimed once; the second used up every attempt. Their leases have run out.
        OutboxMessage? once = await outbox.ClaimAsync(due[0], DateTimeOffset.UtcNow.AddMilliseconds(-1));
        OutboxMessage? spent = due[1];
        for (int i = 0; i < OutboundServerFixture.MaxAttempts; i++)
        {
            spent = await outbox.ClaimAsync(spent!, DateTimeOffset.UtcNow.AddMilliseconds(-1 - i));
        }

        Assert.NotNull(once);
        Assert.Equal(OutboundServerFixture.MaxAttempts, spent!.Attempts);
        using var gateway = new KannelSendSms(OutboundServerFixture.KannelAt(kannel));
        var dispatcher = new OutboxDispatcher(outbox, gateway, OutboundServerFixture.FastOutbox, TimeProvider.System, NullLogger<OutboxDispatcher>.Instance);

        Assert.Equal(2, await dispatcher.DispatchDueAsync());

        Assert.Equal([ids[0]], kannel.Requests.Select(r => r.Text));
        Assert.Equal((OutboxStates.Sent, 2), ((await outbox.GetAsync(ids[0]))!.State, (await outbox.GetAsync(ids[0]))!.Attempts));
        Assert.Equal(OutboxStates.Failed, (await outbox.GetAsync(ids[1]))!.State);
        Assert.Equal(0, await dispatcher.DispatchDueAsync());
    }

    /// <summary>A receipt SMS follows a USSD payment, through the same outbox and gateway as SMS replies.</summary>
    [Fact]
    public async Task UssdPayment_ReceiptIsSentOnce_FromTheOperatorsName()
    {
        string phone = await _world.SubscriberAsync(5000); // sq: the receipt has ë, so UCS-2
        string user = (await _world.ServiceAccountAsync("internet", "INTERNET_1")).String("username");
        string to = TopUpWorld.E164(phone);
        string session = "ATUid_" + Guid.NewGuid().ToString("N");

        string end = "";
        foreach (string text in new[] { "", "1", "1*3", $"1*3*{user}", $"1*3*{user}*1" })
        {
            HttpResponseMessage response = await server.Http.SendAsync(
                HttpMethod.Post,
                "/ussd",
                new FormUrlEncodedContent(new Dictionary<string, string>
                {
                    ["sessionId"] = session,
                    ["serviceCode"] = "*101#",
                    ["phoneNumber"] = phone,
                    ["text"] = text,
                }),
                null);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            end = await response.Content.ReadAsStringAsync();
        }

        Assert.StartsWith("END U pagua Internet Pako 1", end, StringComparison.Ordinal);
        FakeKannel.SendSmsRequest sent = Assert.Single(await Kannel.WaitForAsync(to, 1));
        Assert.Equal(("IPKO", "UTF-8", "2"), (sent.From, sent.Charset, sent.Coding));
        Assert.StartsWith($"IPKO: U pagua Internet Pako 1 për {user}: 14.90 € + tarifa 0.50 € = 15.40 € nga krediti.", sent.Text, StringComparison.Ordinal);
        Assert.EndsWith(end[(end.IndexOf("Ref ", StringComparison.Ordinal) + 4)..][..8], sent.Text, StringComparison.Ordinal);
        string id;
        await using (DbConnection connection = await server.Database.Database.OpenAsync())
        {
            await using DbCommand command = connection.Command("SELECT id FROM ussd_payments WHERE msisdn = @m", null, ("m", to));
            id = (string)(await command.ExecuteScalarAsync())!;
        }

        OutboxMessage row = await OutboxStateAsync(id, OutboxStates.Sent);
        Assert.Equal((OutboxSources.Ussd, 1), (row.Source, row.Attempts));
        await AssertStillAsync(to, 1);
    }

    private SmsOutbox Outbox => server.Server.App.Services.GetRequiredService<SmsOutbox>();

    /// <summary>Kannel's get-url for an inbound SMS: <c>/kannel/sms-service?from=%p&amp;to=%P&amp;text=%a&amp;id=%I</c>.</summary>
    private async Task<HttpResponseMessage> KannelDeliversAsync(string from, string to, string text, string? id)
    {
        string query = $"from={Uri.EscapeDataString(from)}&to={to}&text={Uri.EscapeDataString(text)}&id={id}";
        HttpResponseMessage response = await server.Http.GetAsync("/kannel/sms-service?" + query, null);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return response;
    }

    private async Task<JsonElement> SingleTransactionAsync(string msisdn)
    {
        JsonElement list = await (await server.Http.GetAsAdminAsync("/api/v1/transactions?msisdn=" + msisdn)).ExpectAsync(HttpStatusCode.OK);
        return Assert.Single(list.GetProperty("transactions").EnumerateArray().ToArray());
    }

    private async Task<List<string>> TrailKindsAsync(string id) =>
        [.. (await _world.TransactionAsync(id)).GetProperty("trail").EnumerateArray().Select(e => e.String("kind"))];

    /// <summary>Waits for the reply to reach <paramref name="state"/>.</summary>
    private async Task<OutboxMessage> OutboxStateAsync(string id, string state)
    {
        DateTime deadline = DateTime.UtcNow + Timeouts.Hang;
        while (true)
        {
            OutboxMessage? row = await Outbox.GetAsync(id);
            if (row?.State == state)
            {
                return row;
            }

            Assert.True(DateTime.UtcNow < deadline, $"The reply to {id} is {row?.State ?? "missing"}, not {state}.");
            await Task.Delay(20);
        }
    }

    /// <summary>Gives the dispatcher several more rounds, then checks Kannel saw no more requests for the recipient.</summary>
    private async Task AssertStillAsync(string recipient, int count)
    {
        await Task.Delay(OutboundServerFixture.FastOutbox.PollInterval * 8);
        Assert.Equal(count, Kannel.To(recipient).Count);
    }

    /// <summary>Decided messages with their replies pending in the outbox, written straight to the tables; each reply's text is its id.</summary>
    private static async Task<string[]> PendingRepliesAsync(Database database, int count)
    {
        string[] ids = [.. Enumerable.Range(0, count).Select(_ => Guid.CreateVersion7().ToString("N"))];
        long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await using DbConnection connection = await database.OpenAsync();
        foreach ((string id, int i) in ids.Select((id, i) => (id, i)))
        {
            string recipient = $"+3834990{i:D4}";
            await using (DbCommand message = connection.Command(
                "INSERT INTO sms_transactions (id, sender, msisdn, short_code, text, language, state, code, reply, reply_route, received_at, updated_at, lease_until) "
                + "VALUES (@id, @to, @to, '50005', 'x', 'sq', 'rejected', 'UNKNOWN_COMMAND', @id, 'outbound', @now, @now, 0)",
                null,
                ("id", id),
                ("to", recipient),
                ("now", now)))
            {
                await message.ExecuteNonQueryAsync();
            }

            await using DbCommand reply = connection.Command(
                "INSERT INTO sms_outbox (transaction_id, recipient, sender, text, state, attempts, next_at, created_at) "
                + "VALUES (@id, @to, '50005', @id, 'pending', 0, @now, @now)",
                null,
                ("id", id),
                ("to", recipient),
                ("now", now - i));
            await reply.ExecuteNonQueryAsync();
        }

        return ids;
    }
}

public sealed class SqliteOutboundSmsTests(SqliteOutboundServerFixture server) : OutboundSmsSpec(server), IClassFixture<SqliteOutboundServerFixture>;

public sealed class PostgresOutboundSmsTests(PostgresOutboundServerFixture server) : OutboundSmsSpec(server), IClassFixture<PostgresOutboundServerFixture>;
