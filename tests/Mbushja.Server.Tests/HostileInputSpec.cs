using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Mbushja.Server.Tests;

/// <summary>
/// Hostile input against the endpoints the server maps, over real HTTP, on every engine: whatever a caller sends, the
/// answer is never a 5xx, and refused input changes nothing.
/// </summary>
public abstract class HostileInputSpec(ServerFixture server) : IAsyncLifetime
{
    private readonly TopUpWorld _world = new(server);

    protected ServerFixture Server { get; } = server;

    private HttpClient Http => Server.Http;

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => Server.AssertLedgerInvariantsAsync();

    // ---------------------------------------------------------------- finance: dates at the calendar's edges --

    [Theory]
    [InlineData("GET", "/api/v1/banks/BEK/settlement?date=9999-12-31")]
    [InlineData("GET", "/api/v1/banks/BEK/settlement?date=0001-01-01")]
    [InlineData("GET", "/api/v1/banks/BEK/settlement.csv?date=9999-12-31")]
    [InlineData("GET", "/api/v1/banks/BEK/settlement.csv?date=0001-01-01")]
    [InlineData("POST", "/api/v1/banks/BEK/reconciliation?date=9999-12-31")]
    [InlineData("POST", "/api/v1/banks/BEK/reconciliation?date=0001-01-01")]
    public async Task Finance_DateAtTheEdgeOfTheCalendar_Returns400InvalidDateNot500(string method, string path)
    {
        HttpContent? content = method == "POST" ? new StringContent("reference,date,amount\r\n", Encoding.UTF8, "text/csv") : null;

        HttpResponseMessage response = await Http.SendAsync(new HttpMethod(method), path, content, Api.Admin);

        await response.ExpectProblemAsync(HttpStatusCode.BadRequest, "INVALID_DATE", "date");
    }

    // ---------------------------------------------------------------- Kannel sms-service: unreadable forms --

    public static TheoryData<string, string> UnreadableForms() => new()
    {
        { "application/x-www-form-urlencoded", string.Join('&', Enumerable.Range(0, 1_100).Select(i => $"f{i}=1")) },
        { "multipart/form-data", "not a multipart body" },
        { "multipart/form-data; boundary=xyz", "not a multipart body" },
    };

    [Theory]
    [MemberData(nameof(UnreadableForms))]
    public async Task KannelSmsService_UnreadableForm_Returns4xxProblemNot500(string contentType, string body)
    {
        var content = new StringContent(body, Encoding.UTF8);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);

        HttpResponseMessage response = await Http.SendAsync(HttpMethod.Post, "/kannel/sms-service", content, null);

        await response.ExpectClientErrorAsync();
    }

    [Theory]
    [InlineData("from")]
    [InlineData("text")]
    public async Task KannelSmsService_FieldGivenTwice_Returns400AndChargesNothing(string field)
    {
        // As POST /ussd does for its fields: a field given twice is a malformed request, not "take the first".
        string holder = await _world.SubscriberAsync();
        string other = await _world.SubscriberAsync();
        string iban = await _world.RegisterAsync("BEK", holder, 10_000);
        string query = field == "from"
            ? $"from={holder}&from={other}&to=50005&text=5"
            : $"from={holder}&to=50005&text=5&text=100";

        HttpResponseMessage response = await Http.SendAsync(HttpMethod.Get, "/kannel/sms-service?" + query, null, null);

        string answer = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode is >= 400 and < 500, $"Expected a 4xx for '{field}' given twice, got {(int)response.StatusCode}: {answer}");
        Assert.Equal(0, await _world.CreditAsync(holder));
        Assert.Equal((10_000L, 0L), await _world.BankAccountAsync("BEK", iban));
    }

    // ---------------------------------------------------------------- NUL in free text (PostgreSQL text cannot hold it) --

    [Theory]
    [InlineData("a\0b", "r", "by")]
    [InlineData("b", "a\0b", "reason")]
    public async Task CatalogChange_NulInByOrReason_Returns400AndRecordsNothing(string by, string reason, string field)
    {
        const string Date = "2099-03-03";

        HttpResponseMessage response = await Http.PostJsonAsync(
            "/api/v1/catalog/changes", JsonSerializer.Serialize(new { kind = "fee", amountCents = 10, effectiveFrom = Date, by, reason }));

        await response.ExpectProblemAsync(HttpStatusCode.BadRequest, "MALFORMED_FIELD", field);
        string changes = await (await Http.GetAsAdminAsync("/api/v1/catalog/changes")).Content.ReadAsStringAsync();
        Assert.DoesNotContain(Date, changes, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Registration_NulInContractAccount_Returns4xx()
    {
        string holder = _world.FreshMobile();
        string body = JsonSerializer.Serialize(new { holderMsisdn = holder, accountRef = _world.FreshIban(), contractAccounts = new[] { "user\0x" } });

        HttpResponseMessage response = await Http.PostJsonAsync("/api/v1/banks/BEK/registrations", body);

        await response.ExpectClientErrorAsync();
    }

    [Fact]
    public async Task Reconciliation_NulInBy_Returns400()
    {
        HttpResponseMessage response = await Http.SendAsync(
            HttpMethod.Post, "/api/v1/banks/BEK/reconciliation?date=2026-01-01&by=a%00b", new StringContent("reference,date,amount\r\n", Encoding.UTF8, "text/csv"), Api.Admin);

        await response.ExpectProblemAsync(HttpStatusCode.BadRequest, "MALFORMED_FIELD", "by");
    }

    [Theory]
    [InlineData("a\0b", "drita", "reason")]
    [InlineData("Sent by mistake", "a\0b", "by")]
    public async Task Reversal_NulInReasonOrBy_Returns400AndReversesNothing(string reason, string by, string field)
    {
        string holder = await _world.SubscriberAsync();
        string iban = await _world.RegisterAsync("BEK", holder, 10_000);
        string id = (await _world.SmsAsync("BEK", holder, "5")).String("transactionId");

        HttpResponseMessage response = await Http.PostJsonAsync($"/api/v1/transactions/{id}/reversal", JsonSerializer.Serialize(new { reason, by }));

        await response.ExpectProblemAsync(HttpStatusCode.BadRequest, "MALFORMED_FIELD", field);
        Assert.Equal(500, await _world.CreditAsync(holder));
        Assert.Equal((9_500L, 0L), await _world.BankAccountAsync("BEK", iban));
    }
}

public sealed class SqliteHostileInputTests(SqliteServerFixture server) : HostileInputSpec(server), IClassFixture<SqliteServerFixture>;

public sealed class PostgresHostileInputTests(PostgresServerFixture server) : HostileInputSpec(server), IClassFixture<PostgresServerFixture>;
