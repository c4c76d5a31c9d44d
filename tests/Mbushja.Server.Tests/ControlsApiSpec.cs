using System.Net;
using System.Text;
using System.Text.Json;
using Mbushja.Storage;
using Mbushja.WebConsole.Users;
using Microsoft.Extensions.DependencyInjection;

namespace Mbushja.Server.Tests;

/// <summary>
/// The controls over HTTP (docs/design/controls.md): caps set through the registration API refuse an SMS that would
/// pass them, with the reply naming the cap and what is left and the refusal on the trail; SIM changes reported as JSON
/// or CSV refuse SMS Top Up from the number and tell the holder; bad input is refused whole. On both engines.
/// </summary>
public abstract class ControlsApiSpec(ServerFixture server) : IAsyncLifetime
{
    private const long Funds = 100_000;

    private readonly TopUpWorld _world = new(server);

    private HttpClient Http => server.Http;

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => server.AssertLedgerInvariantsAsync();

    [Fact]
    public async Task Caps_SetThroughTheApi_RefuseTheSmsThatWouldPassThem_TrailAndAuditSayWhy()
    {
        string holder = await _world.SubscriberAsync(language: "en");
        string authorized = await _world.SubscriberAsync(language: "en");
        await _world.RegisterAsync("TEB", holder, Funds, [authorized]);
        string id = await RegistrationIdAsync("TEB", holder);

        JsonElement set = await PutCapsAsync($"TEB/registrations/{id}/authorized/{authorized}", new { dailyCents = 800, monthlyCents = (long?)null });
        Assert.Equal(800, set.GetProperty("authorized")[0].GetProperty("caps").Long("dailyCents"));
        await PutCapsAsync($"TEB/registrations/{id}", new { dailyCents = 5_000, monthlyCents = 20_000 });

        Assert.Equal("completed", (await _world.SmsAsync("TEB", authorized, "5")).String("status"));
        JsonElement refused = await _world.SmsAsync("TEB", authorized, "4");

        Assert.Equal(("rejected", "DAILY_CAP"), (refused.String("status"), refused.String("code")));
        Assert.Equal("Refused: 4.00 € would pass the daily limit of 8.00 € for your number at TEB Bank; 3.00 € left today. Nothing was charged.", refused.String("reply"));
        JsonElement trail = (await _world.TransactionAsync(refused.String("transactionId"))).GetProperty("trail");
        Assert.Contains(trail.EnumerateArray(), line => line.String("kind") == "control");
        JsonElement caps = await (await Http.GetAsAdminAsync($"/api/v1/banks/TEB/registrations/{id}/caps")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal((500L, 4_500L), (caps.GetProperty("registration").Long("usedTodayCents"), caps.GetProperty("registration").Long("leftTodayCents")));
        Assert.Equal((500L, 300L), (caps.GetProperty("authorized")[0].GetProperty("caps").Long("usedTodayCents"), caps.GetProperty("authorized")[0].GetProperty("caps").Long("leftTodayCents")));
        JsonElement audit = await (await Http.GetAsAdminAsync($"/api/v1/banks/TEB/registrations/{id}/audit")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(2, audit.GetProperty("entries").EnumerateArray().Count(e => e.String("action") == "caps_changed"));
    }

    [Fact]
    public async Task Caps_OverKannel_TheRefusalIsTheAnswersBody_NothingCharged()
    {
        string holder = await _world.SubscriberAsync(language: "en");
        string authorized = await _world.SubscriberAsync(language: "en");
        await _world.RegisterAsync("BEK", holder, Funds, [authorized]);
        string id = await RegistrationIdAsync("BEK", holder);
        await PutCapsAsync($"BEK/registrations/{id}/authorized/{authorized}", new { dailyCents = 800, monthlyCents = (long?)null });

        string done = await KannelAsync(authorized, "50005", "5");
        string refused = await KannelAsync(authorized, "50005", "4");

        Assert.StartsWith("Done: ", done, StringComparison.Ordinal);
        Assert.Equal("Refused: 4.00 € would pass the daily limit of 8.00 € for your number at Banka Ekonomike; 3.00 € left today. Nothing was charged.", refused);
        Assert.Equal(500, await _world.CreditAsync(authorized));
    }

    [Theory]
    [InlineData("{\"dailyCents\": 5000, \"monthlyCents\": 1000}", 422, "DAILY_ABOVE_MONTHLY", "dailyCents")]
    [InlineData("{\"dailyCents\": -1}", 422, "INVALID_AMOUNT", "dailyCents")]
    [InlineData("{\"dailyCents\": \"ten\"}", 400, "MALFORMED_BODY", "dailyCents")]
    [InlineData("{\"daily\": 10}", 400, "MALFORMED_BODY", "daily")]
    public async Task Caps_BadInput_RefusedNamingTheField(string body, int status, string code, string field)
    {
        string holder = await _world.SubscriberAsync();
        await _world.RegisterAsync("BEK", holder, Funds);
        string id = await RegistrationIdAsync("BEK", holder);

        HttpResponseMessage response = await Http.SendAsync(HttpMethod.Put, $"/api/v1/banks/BEK/registrations/{id}/caps", Json(body), Api.Admin);

        await response.ExpectProblemAsync((HttpStatusCode)status, code, field);
    }

    [Fact]
    public async Task Caps_OfANumberThatIsNoAuthorisedPerson_NotFound()
    {
        string holder = await _world.SubscriberAsync();
        await _world.RegisterAsync("BEK", holder, Funds);
        string id = await RegistrationIdAsync("BEK", holder);

        HttpResponseMessage response = await Http.SendAsync(
            HttpMethod.Put, $"/api/v1/banks/BEK/registrations/{id}/authorized/{holder}/caps", Json("{\"dailyCents\": 100}"), Api.Admin);

        await response.ExpectProblemAsync(HttpStatusCode.NotFound, "NOT_FOUND", "msisdn");
    }

    [Fact]
    public async Task SimChange_ReportedAsJson_RefusesSmsTopUpFromTheNumber_AndTellsTheHolder()
    {
        string holder = await _world.SubscriberAsync(language: "en");
        string authorized = await _world.SubscriberAsync(language: "en");
        await _world.RegisterAsync("BEK", holder, Funds, [authorized]);

        JsonElement recorded = await (await Http.PostJsonAsync("/api/v1/sim-changes", Api.Json(new { msisdn = authorized }))).ExpectAsync(HttpStatusCode.Created);
        Assert.Equal((1, 1, 1), (recorded.GetProperty("lines").GetInt32(), recorded.GetProperty("new").GetInt32(), recorded.GetProperty("holdersNotified").GetInt32()));
        // The same report again: known, nobody told twice.
        string changedAt = recorded.GetProperty("changes")[0].String("changedAt");
        JsonElement again = await (await Http.PostJsonAsync("/api/v1/sim-changes", Api.Json(new { msisdn = authorized, changedAt }))).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(0, again.GetProperty("new").GetInt32());

        JsonElement refused = await _world.SmsAsync("BEK", authorized, "5");

        Assert.Equal(("rejected", "SIM_CHANGED"), (refused.String("status"), refused.String("code")));
        Assert.Contains("works again from", refused.String("reply"), StringComparison.Ordinal);
        Assert.Equal("completed", (await _world.SmsAsync("BEK", holder, "5")).String("status"));
        JsonElement changes = await (await Http.GetAsAdminAsync("/api/v1/sim-changes/" + authorized)).ExpectAsync(HttpStatusCode.OK);
        Assert.Single(changes.GetProperty("changes").EnumerateArray());
        Assert.Contains(changes.GetProperty("smsTopUpPaused").EnumerateArray(), p => p.String("bank") == "BEK");
        Paged<ConsoleAuditEntry> audit = await server.Server.App.Services.GetRequiredService<ConsoleAudit>()
            .SearchAsync(new AuditSearch(Target: TopUpWorld.E164(authorized)), null, 10);
        Assert.Contains(audit.Rows, e => e.Action == ConsoleActions.SimChangeRecorded && e.Actor == ConsoleAudit.ApiActor);
    }

    [Fact]
    public async Task SimChange_DatedInTheFuture_RefusedWhole()
    {
        string number = await _world.SubscriberAsync();

        HttpResponseMessage response = await Http.PostJsonAsync(
            "/api/v1/sim-changes", Api.Json(new { msisdn = number, changedAt = DateTimeOffset.UtcNow.AddHours(1) }));

        await response.ExpectProblemAsync(HttpStatusCode.UnprocessableEntity, "CHANGED_AT_IN_FUTURE", "changedAt");
        JsonElement changes = await (await Http.GetAsAdminAsync("/api/v1/sim-changes/" + number)).ExpectAsync(HttpStatusCode.OK);
        Assert.Empty(changes.GetProperty("changes").EnumerateArray());
    }

    [Fact]
    public async Task SimChanges_AsCsv_RecordedAll_ABadLineRefusesTheWholeReportNamingIt()
    {
        string first = await _world.SubscriberAsync();
        string second = await _world.SubscriberAsync();
        string bad = $"msisdn,changedAt\n{first},2026-01-05T10:00:00+01:00\n12345,\n";
        HttpResponseMessage refused = await Http.SendAsync(HttpMethod.Post, "/api/v1/sim-changes", Csv(bad), Api.Admin);
        JsonElement problem = await refused.ExpectProblemAsync(HttpStatusCode.BadRequest, "INVALID_NUMBER", "msisdn");
        Assert.Equal(3, problem.GetProperty("line").GetInt32());
        Assert.Empty((await (await Http.GetAsAdminAsync("/api/v1/sim-changes/" + first)).ExpectAsync(HttpStatusCode.OK)).GetProperty("changes").EnumerateArray());

        string good = $"msisdn,changedAt\n{first},2026-01-05T10:00:00+01:00\n{second},\n";
        JsonElement recorded = await (await Http.SendAsync(HttpMethod.Post, "/api/v1/sim-changes", Csv(good), Api.Admin)).ExpectAsync(HttpStatusCode.Created);

        Assert.Equal((2, 2), (recorded.GetProperty("lines").GetInt32(), recorded.GetProperty("new").GetInt32()));
        JsonElement firstChanges = await (await Http.GetAsAdminAsync("/api/v1/sim-changes/" + first)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(DateTimeOffset.Parse("2026-01-05T09:00:00Z", System.Globalization.CultureInfo.InvariantCulture), firstChanges.GetProperty("changes")[0].GetProperty("changedAt").GetDateTimeOffset());
    }

    private async Task<string> KannelAsync(string from, string to, string text)
    {
        HttpResponseMessage response = await Http.GetAsync(
            $"/kannel/sms-service?from={from}&to={to}&text={Uri.EscapeDataString(text)}&id=k-{Guid.NewGuid():N}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    private async Task<string> RegistrationIdAsync(string bank, string holder) =>
        (await (await Http.GetAsAdminAsync($"/api/v1/banks/{bank}/registrations?msisdn={holder}")).ExpectAsync(HttpStatusCode.OK)).String("id");

    private async Task<JsonElement> PutCapsAsync(string path, object body) =>
        await (await Http.SendAsync(HttpMethod.Put, $"/api/v1/banks/{path}/caps", Json(Api.Json(body)), Api.Admin)).ExpectAsync(HttpStatusCode.OK);

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private static StringContent Csv(string body) => new(body, Encoding.UTF8, "text/csv");
}

public sealed class SqliteControlsApiTests(SqliteServerFixture server) : ControlsApiSpec(server), IClassFixture<SqliteServerFixture>;

public sealed class PostgresControlsApiTests(PostgresServerFixture server) : ControlsApiSpec(server), IClassFixture<PostgresServerFixture>;
