using System.Net;
using System.Text.Json;
using Mbushja.Messaging;
using Mbushja.Storage;
using Mbushja.Testing;
using Mbushja.TopUp;
using Microsoft.Extensions.DependencyInjection;

namespace Mbushja.Server.Tests;

/// <summary>
/// A server whose sms-service answers with the reply in its response, and which sends the replies nobody reads in a
/// response through Kannel's sendsms (a fake Kannel); on a clock the test steps, with the recovery sweep run by the test.
/// </summary>
public abstract class ReplyRouteServerFixture : ServerFixture
{
    public FakeKannel Kannel { get; private set; } = null!;

    public SteppingClock Clock { get; } = new(DateTimeOffset.UtcNow);

    protected override async Task BeforeServerAsync() => Kannel = await FakeKannel.StartAsync();

    protected override Task AfterServerAsync() => Kannel.DisposeAsync().AsTask();

    protected override ServerSettings Configure(ServerSettings settings) => settings with
    {
        Kannel = OutboundServerFixture.KannelAt(Kannel) with { ReplyVia = ReplyRoute.Response },
        Outbox = OutboundServerFixture.FastOutbox,
        Time = Clock,
        RecoveryInterval = null,
    };
}

public sealed class SqliteReplyRouteServerFixture : ReplyRouteServerFixture
{
    protected override DatabaseKind Kind => DatabaseKind.Sqlite;
}

public sealed class PostgresReplyRouteServerFixture : ReplyRouteServerFixture
{
    protected override DatabaseKind Kind => DatabaseKind.Postgres;
}

/// <summary>
/// Exactly one reply per inbound message, whichever way it leaves (docs/design/replies-and-leases.md): a message caught
/// by a crash is finished by the recovery sweep with its reply in the outbox, and the gateway's resend of the same
/// message id must not carry that reply a second time. Counted over everything the subscriber could receive: every
/// HTTP answer that carries a reply, and every sendsms request Kannel got.
/// </summary>
public abstract class ReplyRouteSpec(ReplyRouteServerFixture server) : IAsyncLifetime
{
    private const long Funds = 100_000;

    private readonly TopUpWorld _world = new(server);

    private FakeKannel Kannel => server.Kannel;

    private IServiceProvider Services => server.Server.App.Services;

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => server.AssertLedgerInvariantsAsync();

    [Fact]
    public async Task CrashThenResend_JsonEndpoint_OneReplyInAll()
    {
        (string holder, string messageId) = await CrashAfterTheRecordAsync();
        await SweepAsync();

        JsonElement resend = await _world.SmsAsync("BEK", holder, "5", messageId, settle: false);

        Assert.Equal("completed", resend.String("status"));
        await OutboxSettledAsync(resend.String("transactionId"));
        Assert.Equal(1, (resend.String("reply").Length > 0 ? 1 : 0) + Kannel.To(TopUpWorld.E164(holder)).Count);
    }

    [Fact]
    public async Task CrashThenResend_KannelSmsService_OneReplyInAll()
    {
        (string holder, string messageId) = await CrashAfterTheRecordAsync();
        await SweepAsync();

        string body = await KannelDeliversAsync(holder, messageId);

        await OutboxSettledAsync((await RowAsync(messageId)).Id.Value);
        Assert.Equal(1, (body.Length > 0 ? 1 : 0) + Kannel.To(TopUpWorld.E164(holder)).Count);
    }

    /// <summary>The reply went out through sendsms before the resend came: the resend's answer says so and carries none.</summary>
    [Fact]
    public async Task ResendAfterTheReplyWentOutSeparately_AnswersWithoutIt()
    {
        (string holder, string messageId) = await CrashAfterTheRecordAsync();
        await SweepAsync();
        string to = TopUpWorld.E164(holder);
        FakeKannel.SendSmsRequest sent = Assert.Single(await Kannel.WaitForAsync(to, 1));
        SmsTransaction row = await RowAsync(messageId);
        await OutboxSettledAsync(row.Id.Value);

        JsonElement resend = await _world.SmsAsync("BEK", holder, "5", messageId, settle: false);
        string body = await KannelDeliversAsync(holder, messageId);

        Assert.Equal(("completed", row.Id.Value, "", "separately"), (resend.String("status"), resend.String("transactionId"), resend.String("reply"), resend.String("replySent")));
        Assert.Equal(row.Reply, sent.Text);
        Assert.Equal("", body);
        Assert.Single(Kannel.To(to));
    }

    /// <summary>
    /// The resend comes while the message is still unfinished and waits for it; the sweep finishes it meanwhile, its
    /// reply bound for the outbox: the reply reaches the subscriber once, in the answer or through sendsms.
    /// </summary>
    [Fact]
    public async Task ResendRacingTheSweep_OneReplyInAll()
    {
        (string holder, string messageId) = await CrashAfterTheRecordAsync();

        Task<JsonElement> resend = _world.SmsAsync("BEK", holder, "5", messageId, settle: false);
        await SweepAsync();
        JsonElement answer = await resend;

        Assert.Equal("completed", answer.String("status"));
        await OutboxSettledAsync(answer.String("transactionId"));
        Assert.Equal(1, (answer.String("reply").Length > 0 ? 1 : 0) + Kannel.To(TopUpWorld.E164(holder)).Count);
    }

    /// <summary>
    /// A repeat of a message still unfinished (its worker gone, its lease not yet run out, no sweep): after its wait, 503
    /// <c>STILL_PROCESSING</c> with <c>Retry-After</c>, on both gateway endpoints; and no reply went anywhere.
    /// </summary>
    [Fact]
    public async Task ResendWhileStillUnfinished_AfterTheWait_503WithRetryAfter()
    {
        (string holder, string messageId) = await CrashAfterTheRecordAsync();

        Task<HttpResponseMessage> json = server.Http.SendAsync(
            HttpMethod.Post, "/api/v1/sms/inbound", new StringContent(Api.Json(new { from = holder, to = "50005", text = "5", messageId }), System.Text.Encoding.UTF8, "application/json"), null);
        Task<HttpResponseMessage> kannel = server.Http.GetAsync($"/kannel/sms-service?from={holder}&to=50005&text=5&id={messageId}", null);
        // Past the wait, whether the repeats are waiting already or begin now (the clock also runs with real time).
        server.Clock.Advance(Services.GetRequiredService<TopUpOptions>().DuplicateWait + TimeSpan.FromSeconds(1));

        foreach (HttpResponseMessage response in await Task.WhenAll(json, kannel))
        {
            await response.ExpectProblemAsync(HttpStatusCode.ServiceUnavailable, "STILL_PROCESSING");
            Assert.True(response.Headers.RetryAfter?.Delta is { TotalSeconds: >= 1 }, $"Retry-After: {response.Headers.RetryAfter}");
        }

        Assert.Empty(Kannel.To(TopUpWorld.E164(holder)));
        await SweepAsync(); // leaves the message finished for the fixture's ledger check
    }

    /// <summary>
    /// What a SIGKILL right after the record leaves: the message recorded and holding (the bank's hold asked of nobody
    /// yet), under the lease of a worker that is gone. Returns the sender and the message id.
    /// </summary>
    private async Task<(string Holder, string MessageId)> CrashAfterTheRecordAsync()
    {
        string holder = await _world.SubscriberAsync();
        await _world.RegisterAsync("BEK", holder, Funds);
        string messageId = "crash-" + Guid.NewGuid().ToString("N");
        AcceptedSms accepted = await Services.GetRequiredService<TopUpProcessor>().AcceptAsync(new InboundSms(holder, "50005", "5", messageId));
        Assert.Equal(TopUpState.Holding, accepted.Row!.State);
        return (holder, messageId);
    }

    /// <summary>What the recovery sweep does once the dead worker's lease has run out: finishes the message, its reply outbound.</summary>
    private async Task SweepAsync()
    {
        server.Clock.Advance(Services.GetRequiredService<TopUpOptions>().Lease + TimeSpan.FromSeconds(1));
        // Work an earlier test left (a capture still on its way) may be taken too.
        Assert.True(await Services.GetRequiredService<TopUpRecovery>().RecoverAsync() >= 1);
    }

    private async Task<SmsTransaction> RowAsync(string messageId) =>
        (await Services.GetRequiredService<SmsTransactions>().FindByMessageIdAsync(messageId))!;

    /// <summary>Waits until the reply is no longer waiting for the outbound gateway: sent by it, or answered in a response.</summary>
    private async Task OutboxSettledAsync(string transactionId)
    {
        SmsOutbox outbox = Services.GetRequiredService<SmsOutbox>();
        DateTime deadline = DateTime.UtcNow.AddSeconds(20);
        while ((await outbox.GetAsync(transactionId))?.State is null or OutboxStates.Pending)
        {
            Assert.True(DateTime.UtcNow < deadline, $"The reply to {transactionId} still waits for the outbound gateway after 20 s.");
            await Task.Delay(20);
        }
    }

    /// <summary>Kannel's get-url for the message again (<c>/kannel/sms-service?from=%p&amp;to=%P&amp;text=%a&amp;id=%I</c>): the body is the reply Kannel sends back.</summary>
    private async Task<string> KannelDeliversAsync(string from, string messageId)
    {
        HttpResponseMessage response = await server.Http.GetAsync($"/kannel/sms-service?from={from}&to=50005&text=5&id={messageId}", null);
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        return body;
    }
}

public sealed class SqliteReplyRouteTests(SqliteReplyRouteServerFixture server) : ReplyRouteSpec(server), IClassFixture<SqliteReplyRouteServerFixture>;

public sealed class PostgresReplyRouteTests(PostgresReplyRouteServerFixture server) : ReplyRouteSpec(server), IClassFixture<PostgresReplyRouteServerFixture>;
