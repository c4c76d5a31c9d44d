using System.Net;
using System.Text.Json;
using Mbushja.Storage;
using Mbushja.Testing;

namespace Mbushja.Server.Tests;

/// <summary>
/// <c>GET /metrics</c> (docs/money.md): Prometheus' text format with the series operators watch, after real traffic; no
/// personal data.
/// </summary>
public abstract class MetricsSpec(ServerFixture server)
{
    private readonly TopUpWorld _world = new(server);

    protected ServerFixture Server { get; } = server;

    [Fact]
    public async Task Metrics_AfterTopUps_HaveMessagesLatenciesBankCallsAndQueueDepths_WithoutPersonalData()
    {
        string holder = await _world.SubscriberAsync();
        string iban = await _world.RegisterAsync("BEK", holder, 10_000);
        JsonElement done = await _world.SmsAsync("BEK", holder, "5");
        await _world.SmsAsync("BEK", holder, "hello");
        await (await Server.Http.PostJsonAsync($"/api/v1/transactions/{done.String("transactionId")}/reversal", Api.Json(new { reason = "test", by = "ops" })))
            .ExpectAsync(HttpStatusCode.OK);

        HttpResponseMessage response = await Server.Http.GetAsync("/metrics", null);
        string text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        // The meter adapter names a series <meter>_<instrument>, dots as underscores; counters are exported as gauges.
        Assert.Contains("mbushja_messages{bank=\"BEK\",channel=\"sms\",code=\"\",outcome=\"completed\"}", text, StringComparison.Ordinal);
        Assert.Contains("mbushja_messages{bank=\"BEK\",channel=\"sms\",code=\"UNKNOWN_COMMAND\",outcome=\"rejected\"}", text, StringComparison.Ordinal);
        Assert.Contains("mbushja_sms_step_duration_bucket{step=\"hold\",le=", text, StringComparison.Ordinal);
        Assert.Contains("mbushja_bank_calls{bank=\"BEK\",operation=\"hold\",outcome=\"held\"}", text, StringComparison.Ordinal);
        Assert.Contains("mbushja_bank_calls{bank=\"BEK\",operation=\"refund\",outcome=\"refunded\"}", text, StringComparison.Ordinal);
        Assert.Contains("mbushja_bank_call_duration_count{bank=\"BEK\",operation=\"capture\"}", text, StringComparison.Ordinal);
        Assert.Contains("mbushja_sms_reversals{bank=\"BEK\",outcome=\"reversed\"}", text, StringComparison.Ordinal);
        Assert.Contains("mbushja_commit_batch_duration_count", text, StringComparison.Ordinal);
        Assert.Contains("microsoft_aspnetcore_hosting_http_server_request_duration_bucket{", text, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^mbushja_inbox_depth \d+", text);
        Assert.Matches(@"(?m)^mbushja_outbox_depth \d+", text);
        Assert.Matches(@"(?m)^mbushja_refunds_pending \d+", text);
        Assert.Matches(@"(?m)^mbushja_bank_held_cents\{bank=""BEK""\} \d+", text);
        Assert.DoesNotContain(holder[1..], text, StringComparison.Ordinal);
        Assert.DoesNotContain(iban, text, StringComparison.Ordinal);
        Assert.DoesNotContain(RunningServer.AdminKey, text, StringComparison.Ordinal);
    }
}

/// <summary>The SMPP bind state on /metrics: 1 per bound session and per slot held, PDUs waiting to be written, by bind name.</summary>
public sealed class SmppMetricsSpec
{
    [Fact]
    public async Task Metrics_WithAnSmscBound_ShowTheBindUp()
    {
        await using FakeSmsc smsc = FakeSmsc.Start();
        await using TestDatabase database = await TestDatabase.CreateAsync(DatabaseKind.Sqlite);
        await using RunningServer server = await RunningServer.StartAsync(
            database.Option, configure: s => s with { Smpp = SmppServerFixture.SettingsFor(SmppServerFixture.BindTo(smsc, "metrics-bind")) });
        DateTime deadline = DateTime.UtcNow + Timeouts.Hang;
        string text;
        do
        {
            Assert.True(DateTime.UtcNow < deadline, $"The bind is not shown as up after {Timeouts.Hang}.");
            await Task.Delay(20);
            text = await server.Http.GetStringAsync("/metrics");
        }
        while (!text.Contains("mbushja_smpp_binds{bind=\"metrics-bind\"} 1", StringComparison.Ordinal));

        Assert.Contains("mbushja_smpp_pdus{bind=\"metrics-bind\",", text, StringComparison.Ordinal);
        // The bind request went through the outgoing queue, so its gauge is shown.
        Assert.Contains("mbushja_smpp_outgoing_queued{bind=\"metrics-bind\"}", text, StringComparison.Ordinal);
        // Binds shared by lease (the default): the slot is held before the bind connects.
        Assert.Contains("mbushja_smpp_bind_slots_held{bind=\"metrics-bind\"} 1", text, StringComparison.Ordinal);
    }
}

public sealed class SqliteMetricsTests(SqliteServerFixture server) : MetricsSpec(server), IClassFixture<SqliteServerFixture>;

public sealed class PostgresMetricsTests(PostgresServerFixture server) : MetricsSpec(server), IClassFixture<PostgresServerFixture>;
