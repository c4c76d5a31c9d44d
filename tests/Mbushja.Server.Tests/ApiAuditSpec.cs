using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Mbushja.Domain;
using Mbushja.WebConsole.Users;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Mbushja.Server.Tests;

/// <summary>
/// Every change made through the admin API (<c>/api/v1</c>) is in the one audit log the console searches
/// (docs/design/audit-log.md), the same on every engine: who (<c>api</c>, the admin key's caller), what, on what object,
/// when, and from which client address; a refused change leaves nothing there.
/// </summary>
public abstract class ApiAuditSpec(ServerFixture server) : IAsyncLifetime
{
    private readonly TopUpWorld _world = new(server);

    /// <summary>This test's own client address (127.x.y.z): the entries it makes are told apart by it.</summary>
    private readonly IPAddress _from = new([127, (byte)Random.Shared.Next(1, 255), (byte)Random.Shared.Next(0, 256), (byte)Random.Shared.Next(1, 255)]);

    private HttpClient? _http;

    protected ServerFixture Server { get; } = server;

    /// <summary>Requests from <see cref="_from"/>, with the admin key.</summary>
    private HttpClient Http => _http ??= FromAddress(_from);

    private ConsoleAudit Audit => Server.Server.App.Services.GetRequiredService<ConsoleAudit>();

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        _http?.Dispose();
        return Task.CompletedTask;
    }

    /// <summary>Every endpoint of <c>/api/v1</c> that changes something, as the routing table spells it; each is audited.</summary>
    public static readonly string[] Changing =
    [
        "POST /api/v1/subscribers",
        "POST /api/v1/service-accounts",
        "POST /api/v1/banks/{bankCode}/registrations",
        "POST /api/v1/banks/{bankCode}/registrations/{id}/authorized",
        "DELETE /api/v1/banks/{bankCode}/registrations/{id}/authorized/{msisdn}",
        "POST /api/v1/transactions/{id}/reversal",
        "POST /api/v1/catalog/changes",
        "POST /api/v1/banks/{code}/reconciliation",
        "PUT /api/v1/banks/{bankCode}/registrations/{id}/caps",
        "PUT /api/v1/banks/{bankCode}/registrations/{id}/authorized/{msisdn}/caps",
        // Audited with the number, never the PIN: ConfirmationRoundTripSpec.PinApi_….
        "PUT /api/v1/banks/{bankCode}/registrations/{id}/pins/{msisdn}",
        "POST /api/v1/sim-changes",
    ];

    [Fact]
    public void EveryChangingEndpoint_IsOneThisSpecAudits()
    {
        string[] routes =
        [
            .. Server.Server.App.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
                .Where(e => e.RoutePattern.RawText is { } raw && raw.StartsWith("/api/v1/", StringComparison.Ordinal))
                .SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? []).Select(m => $"{m} {e.RoutePattern.RawText}"))
                .Where(r => !r.StartsWith("GET ", StringComparison.Ordinal))
                // The SMS gateway's callback: a subscriber's message, on its trail, not an administrator's change.
                .Where(r => r != "POST /api/v1/sms/inbound")
                .Order(StringComparer.Ordinal),
        ];

        Assert.Equal(Changing.Order(StringComparer.Ordinal), routes);
    }

    [Fact]
    public async Task CreateSubscriber_IsAuditedAsTheApiFromItsAddress()
    {
        string national = _world.FreshMobile();
        await (await Http.PostJsonAsync("/api/v1/subscribers", Api.Json(new { msisdn = national, creditCents = 1500, language = "en" }))).ExpectAsync(HttpStatusCode.Created);

        ConsoleAuditEntry entry = await OneAsync(TopUpWorld.E164(national), ConsoleActions.SubscriberCreated);
        Assert.Equal(1500, Details(entry).GetProperty("creditCents").GetInt64());
        Assert.Equal("en", Details(entry).String("language"));
    }

    [Fact]
    public async Task CreateSubscriber_Refused_LeavesNoEntry()
    {
        string national = await _world.SubscriberAsync();

        await (await Http.PostJsonAsync("/api/v1/subscribers", Api.Json(new { msisdn = national, creditCents = 1 }))).ExpectProblemAsync(HttpStatusCode.Conflict, "SUBSCRIBER_EXISTS");

        Assert.DoesNotContain(await EntriesAsync(TopUpWorld.E164(national)), e => e.Address == _from.ToString());
    }

    [Fact]
    public async Task CreateServiceAccount_IsAuditedUnderItsUsername()
    {
        string username = $"audit{Server.NextSuffix()}";
        JsonElement created = await (await Http.PostJsonAsync(
            "/api/v1/service-accounts", Api.Json(new { kind = "internet", packageCode = "INTERNET_2", username, contract = $"K-{username}" }))).ExpectAsync(HttpStatusCode.Created);

        ConsoleAuditEntry entry = await OneAsync(username, ConsoleActions.ServiceAccountCreated);
        Assert.Equal(created.String("id"), Details(entry).String("id"));
        Assert.Equal("INTERNET_2", Details(entry).String("packageCode"));
        Assert.Equal($"K-{username}", Details(entry).String("contract"));
    }

    [Fact]
    public async Task Registration_CreatedPersonAddedPersonRemoved_EachIsAudited()
    {
        string holder = await _world.SubscriberAsync();
        string first = _world.FreshMobile();
        string second = _world.FreshMobile();
        string iban = _world.FreshIban();
        JsonElement created = await (await Http.PostJsonAsync(
            "/api/v1/banks/NLB/registrations",
            Api.Json(new { holderMsisdn = holder, accountRef = iban, authorized = new[] { first }, contractAccounts = Array.Empty<string>() }))).ExpectAsync(HttpStatusCode.Created);
        string target = "NLB/" + created.String("id");
        await (await Http.PostJsonAsync($"/api/v1/banks/NLB/registrations/{created.String("id")}/authorized", Api.Json(new { msisdn = second }))).ExpectAsync(HttpStatusCode.Created);
        await (await Http.SendAsync(HttpMethod.Delete, $"/api/v1/banks/NLB/registrations/{created.String("id")}/authorized/{first}", null, Api.Admin)).ExpectAsync(HttpStatusCode.NoContent);

        IReadOnlyList<ConsoleAuditEntry> entries = await EntriesAsync(target);

        Assert.Equal(
            [ConsoleActions.AuthorizedRemoved, ConsoleActions.AuthorizedAdded, ConsoleActions.RegistrationCreated],
            entries.Select(e => e.Action));
        Assert.All(entries, AssertFromTheApi);
        Assert.Equal(TopUpWorld.E164(holder), Details(entries[2]).String("holder"));
        Assert.Equal(iban, Details(entries[2]).String("accountRef"));
        Assert.Equal(TopUpWorld.E164(second), Details(entries[1]).String("msisdn"));
        Assert.Equal(TopUpWorld.E164(first), Details(entries[0]).String("msisdn"));
        // The registration's own history names the same caller.
        JsonElement history = await (await Http.GetAsAdminAsync($"/api/v1/banks/NLB/registrations/{created.String("id")}/audit")).ExpectAsync(HttpStatusCode.OK);
        Assert.All(history.GetProperty("entries").EnumerateArray(), e => Assert.Equal(ConsoleAudit.ApiActor, e.String("actor")));
    }

    [Fact]
    public async Task Caps_OfTheRegistrationAndOfAPerson_EachIsAuditedOnTheRegistration()
    {
        string holder = await _world.SubscriberAsync();
        string person = await _world.SubscriberAsync();
        await _world.RegisterAsync("BPB", holder, 10_000, [person]);
        string id = (await (await Http.GetAsAdminAsync($"/api/v1/banks/BPB/registrations?msisdn={holder}")).ExpectAsync(HttpStatusCode.OK)).String("id");
        await (await Http.SendAsync(HttpMethod.Put, $"/api/v1/banks/BPB/registrations/{id}/caps", Body("{\"dailyCents\": 1000}"), Api.Admin)).ExpectAsync(HttpStatusCode.OK);
        await (await Http.SendAsync(HttpMethod.Put, $"/api/v1/banks/BPB/registrations/{id}/authorized/{person}/caps", Body("{\"monthlyCents\": 5000}"), Api.Admin))
            .ExpectAsync(HttpStatusCode.OK);

        ConsoleAuditEntry[] entries = [.. (await EntriesAsync("BPB/" + id)).Where(e => e.Action == ConsoleActions.CapsSet)];

        Assert.Equal(2, entries.Length);
        Assert.All(entries, AssertFromTheApi);
        Assert.Equal((TopUpWorld.E164(person), 5000L), (Details(entries[0]).String("msisdn"), Details(entries[0]).GetProperty("monthlyCents").GetInt64()));
        Assert.Equal(1000, Details(entries[1]).GetProperty("dailyCents").GetInt64());

        static StringContent Body(string json) => new(json, Encoding.UTF8, "application/json");
    }

    [Fact]
    public async Task Reversal_IsAuditedWithTheReasonAndWhoAskedIt()
    {
        string holder = await _world.SubscriberAsync();
        await _world.RegisterAsync("RBKO", holder, 10_000);
        string id = (await _world.SmsAsync("RBKO", holder, $"{holder} 2")).String("transactionId");

        await (await Http.PostJsonAsync($"/api/v1/transactions/{id}/reversal", Api.Json(new { reason = "wrong number", by = "teuta.care" }))).ExpectAsync(HttpStatusCode.OK);

        ConsoleAuditEntry entry = await OneAsync(id, ConsoleActions.TransactionReversed);
        Assert.Equal("wrong number", Details(entry).String("reason"));
        Assert.Equal("teuta.care", Details(entry).String("by"));
        Assert.Equal(200, Details(entry).GetProperty("amountCents").GetInt64());
    }

    [Fact]
    public async Task CatalogChange_IsAuditedUnderThePackage()
    {
        OperatorClock clock = Server.Server.App.Services.GetRequiredService<OperatorClock>();
        string from = clock.Today.AddDays(30 + Server.NextSuffix() % 300).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

        await (await Http.PostJsonAsync(
            "/api/v1/catalog/changes",
            Api.Json(new { kind = "price", packageCode = "DUO_MAXI", amountCents = 3190, effectiveFrom = from, by = "besa.admin", reason = "new tariff" }))).ExpectAsync(HttpStatusCode.Created);

        ConsoleAuditEntry entry = (await EntriesAsync("DUO_MAXI")).First(e => Details(e).String("effectiveFrom") == from);
        AssertFromTheApi(entry);
        Assert.Equal(ConsoleActions.CatalogChangeScheduled, entry.Action);
        Assert.Equal(3190, Details(entry).GetProperty("amountCents").GetInt64());
        Assert.Equal("besa.admin", Details(entry).String("by"));
    }

    [Fact]
    public async Task Reconciliation_IsAuditedUnderTheBankAndDay()
    {
        string day = Server.Server.App.Services.GetRequiredService<OperatorClock>().Today.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        string statement = "Reference,Date,Amount,Description\r\n" + $"AUDIT-{Server.NextSuffix()},{day},1.00,unknown\r\n";

        JsonElement report = await (await Http.SendAsync(
            HttpMethod.Post, $"/api/v1/banks/PCB/reconciliation?by=arta.finance&date={day}", new StringContent(statement, Encoding.UTF8, "text/csv"), Api.Admin))
            .ExpectAsync(HttpStatusCode.OK);

        ConsoleAuditEntry entry = (await EntriesAsync($"PCB/{day}")).First(e => Details(e).String("report") == report.String("id"));
        AssertFromTheApi(entry);
        Assert.Equal(ConsoleActions.StatementReconciled, entry.Action);
        Assert.Equal("arta.finance", Details(entry).String("by"));
        Assert.Equal(1, Details(entry).GetProperty("missingHere").GetInt32());
    }

    /// <summary>The one entry on <paramref name="target"/>: the action, from the API at this test's address, within the last minutes.</summary>
    private async Task<ConsoleAuditEntry> OneAsync(string target, string action)
    {
        ConsoleAuditEntry entry = Assert.Single(await EntriesAsync(target));
        AssertFromTheApi(entry);
        Assert.Equal(action, entry.Action);
        return entry;
    }

    private void AssertFromTheApi(ConsoleAuditEntry entry)
    {
        Assert.Equal(ConsoleAudit.ApiActor, entry.Actor);
        Assert.Equal(_from.ToString(), entry.Address);
        Assert.InRange(entry.At, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(1));
    }

    private async Task<IReadOnlyList<ConsoleAuditEntry>> EntriesAsync(string target) =>
        (await Audit.SearchAsync(new AuditSearch(Target: target), null, 100)).Rows;

    private static JsonElement Details(ConsoleAuditEntry entry) => JsonDocument.Parse(entry.Details).RootElement.Clone();

    /// <summary>A client whose connections come from <paramref name="from"/> (any of 127.0.0.0/8): another machine, as the server sees it.</summary>
    private HttpClient FromAddress(IPAddress from)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (context, ct) =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    socket.Bind(new IPEndPoint(from, 0));
                    await socket.ConnectAsync(context.DnsEndPoint, ct);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        return new HttpClient(handler) { BaseAddress = Server.Http.BaseAddress };
    }
}

public sealed class SqliteApiAuditTests(SqliteServerFixture server) : ApiAuditSpec(server), IClassFixture<SqliteServerFixture>;

public sealed class PostgresApiAuditTests(PostgresServerFixture server) : ApiAuditSpec(server), IClassFixture<PostgresServerFixture>;
