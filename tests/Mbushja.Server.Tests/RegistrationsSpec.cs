using System.Net;
using System.Text.Json;

namespace Mbushja.Server.Tests;

/// <summary>
/// Registrations at partner banks over real HTTP, the same on every engine: up to four authorised
/// persons, one registration per number per bank, all-or-nothing changes, each one audited.
/// </summary>
public abstract class RegistrationsSpec(ServerFixture server) : IAsyncLifetime
{
    private const string Iban = "XK051212012345678906";

    protected ServerFixture Server { get; } = server;

    protected HttpClient Http => Server.Http;

    public Task InitializeAsync() => Task.CompletedTask;

    /// <summary>Registrations move no money: the ledger stays balanced.</summary>
    public Task DisposeAsync() => Server.AssertLedgerInvariantsAsync();

    private string Fresh() => "0" + Server.NextMobile();

    private static string E164(string national) => "+383" + national[1..];

    private Task<HttpResponseMessage> CreateAsync(string bank, string holder, string[]? authorized = null, string[]? accounts = null, string accountRef = Iban) =>
        Http.PostJsonAsync(
            $"/api/v1/banks/{bank}/registrations",
            Api.Json(new { holderMsisdn = holder, accountRef, authorized = authorized ?? [], contractAccounts = accounts ?? [] }));

    private async Task<JsonElement> CreatedAsync(string bank, string holder, params string[] authorized) =>
        await (await CreateAsync(bank, holder, authorized)).ExpectAsync(HttpStatusCode.Created);

    private Task<HttpResponseMessage> AddAsync(string bank, string id, string msisdn) =>
        Http.PostJsonAsync($"/api/v1/banks/{bank}/registrations/{id}/authorized", Api.Json(new { msisdn }));

    private Task<HttpResponseMessage> RemoveAsync(string bank, string id, string msisdn) =>
        Http.SendAsync(HttpMethod.Delete, $"/api/v1/banks/{bank}/registrations/{id}/authorized/{Uri.EscapeDataString(msisdn)}", null, Api.Admin);

    private async Task<JsonElement> GetAsync(string bank, string id) =>
        await (await Http.GetAsAdminAsync($"/api/v1/banks/{bank}/registrations/{id}")).ExpectAsync(HttpStatusCode.OK);

    private Task<HttpResponseMessage> FindAsync(string bank, string msisdn) =>
        Http.GetAsAdminAsync($"/api/v1/banks/{bank}/registrations?msisdn={Uri.EscapeDataString(msisdn)}");

    private async Task<JsonElement[]> AuditAsync(string bank, string id)
    {
        JsonElement trail = await (await Http.GetAsAdminAsync($"/api/v1/banks/{bank}/registrations/{id}/audit")).ExpectAsync(HttpStatusCode.OK);
        return [.. trail.GetProperty("entries").EnumerateArray()];
    }

    private static string[] Authorized(JsonElement registration) =>
        [.. registration.GetProperty("authorized").EnumerateArray().Select(e => e.GetString()!)];

    private static string[] Actions(JsonElement[] audit) => [.. audit.Select(e => e.String("action"))];

    // ---------------------------------------------------------------- creating --

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public async Task Create_WithZeroToFourAuthorized_Returns201AndEveryNumberFindsIt(int count)
    {
        string nsn = Server.NextMobile();
        string[] authorized = [.. Enumerable.Range(0, count).Select(_ => Fresh())];

        HttpResponseMessage response = await CreateAsync("BEK", "+383" + nsn, [.. authorized.Select(a => a[1..])]); // E.164 and bare forms

        JsonElement created = await response.ExpectAsync(HttpStatusCode.Created);
        string id = created.String("id");
        Assert.Equal($"/api/v1/banks/BEK/registrations/{id}", response.Headers.Location?.OriginalString);
        Assert.Equal("BEK", created.String("bank"));
        Assert.Equal("+383" + nsn, created.String("holderMsisdn"));
        Assert.Equal(Iban, created.String("accountRef"));
        Assert.Equal(authorized.Select(E164), Authorized(created));
        Assert.Empty(created.GetProperty("contractAccounts").EnumerateArray());
        Assert.Equal(JsonValueKind.String, created.GetProperty("createdAt").ValueKind);
        Assert.Equal(created.ToString(), (await GetAsync("BEK", id)).ToString());
        Assert.Equal(created.ToString(), (await GetAsync("bek", id.ToUpperInvariant())).ToString());
        foreach (string number in authorized.Append("0" + nsn))
        {
            JsonElement found = await (await FindAsync("BEK", number)).ExpectAsync(HttpStatusCode.OK);
            Assert.Equal(id, found.String("id"));
        }
    }

    [Fact]
    public async Task Create_WithFiveAuthorized_Returns422AndRegistersNobody()
    {
        string holder = Fresh();
        string[] five = [Fresh(), Fresh(), Fresh(), Fresh(), Fresh()];

        HttpResponseMessage response = await CreateAsync("BEK", holder, five);

        await response.ExpectProblemAsync(HttpStatusCode.UnprocessableEntity, "TOO_MANY_AUTHORIZED", "authorized");
        foreach (string number in five.Append(holder))
        {
            await (await FindAsync("BEK", number)).ExpectProblemAsync(HttpStatusCode.NotFound, "NOT_FOUND");
        }
    }

    [Fact]
    public async Task Create_LowerCaseBankCode_RegistersAtTheBank()
    {
        JsonElement created = await CreatedAsync("teb", Fresh());

        Assert.Equal("TEB", created.String("bank"));
    }

    [Theory]
    [InlineData("POST")]
    [InlineData("GET")]
    public async Task UnknownBank_Returns404UnknownBank(string method)
    {
        HttpResponseMessage response = method == "POST"
            ? await CreateAsync("NOPE", Fresh())
            : await FindAsync("NOPE", Fresh());

        await response.ExpectProblemAsync(HttpStatusCode.NotFound, "UNKNOWN_BANK", "bankCode");
    }

    public static TheoryData<string, string> IbanForms => new()
    {
        { "XK051212012345678906", "XK051212012345678906" },
        { "XK05 1212 0123 4567 8906", "XK051212012345678906" },
        { "xk05 1212 0123 4567 8906", "XK051212012345678906" },
        { "DE89370400440532013000", "DE89370400440532013000" },
    };

    [Theory]
    [MemberData(nameof(IbanForms))]
    public async Task Create_ValidIbanInAnyForm_StoresItNormalised(string accountRef, string expected)
    {
        JsonElement created = await (await CreateAsync("PCB", Fresh(), accountRef: accountRef)).ExpectAsync(HttpStatusCode.Created);

        Assert.Equal(expected, created.String("accountRef"));
    }

    [Theory]
    [InlineData("XK061212012345678906")] // wrong checksum
    [InlineData("XK0512120123456789")] // wrong length
    [InlineData("XK05121201234567890600")]
    [InlineData("garbage")]
    [InlineData("")]
    public async Task Create_InvalidIban_Returns422InvalidAccountRefAndRegistersNobody(string accountRef)
    {
        string holder = Fresh();

        HttpResponseMessage response = await CreateAsync("PCB", holder, accountRef: accountRef);

        await response.ExpectProblemAsync(HttpStatusCode.UnprocessableEntity, "INVALID_ACCOUNT_REF", "accountRef");
        await (await FindAsync("PCB", holder)).ExpectProblemAsync(HttpStatusCode.NotFound, "NOT_FOUND");
    }

    [Fact]
    public async Task Create_InvalidNumbers_Returns422NamingTheField()
    {
        await (await CreateAsync("BEK", "12345")).ExpectProblemAsync(HttpStatusCode.UnprocessableEntity, "INVALID_NUMBER", "holderMsisdn");
        await (await CreateAsync("BEK", Fresh(), [Fresh(), Fresh(), "044123456"]))
            .ExpectProblemAsync(HttpStatusCode.UnprocessableEntity, "NOT_OPERATOR_NUMBER", "authorized[2]");
        await (await CreateAsync("BEK", Fresh(), ["038123456"])).ExpectProblemAsync(HttpStatusCode.UnprocessableEntity, "INVALID_NUMBER", "authorized[0]");
    }

    [Fact]
    public async Task Create_MissingFields_Returns400MissingField()
    {
        await (await Http.PostJsonAsync("/api/v1/banks/BEK/registrations", Api.Json(new { accountRef = Iban })))
            .ExpectProblemAsync(HttpStatusCode.BadRequest, "MISSING_FIELD", "holderMsisdn");
        await (await Http.PostJsonAsync("/api/v1/banks/BEK/registrations", Api.Json(new { holderMsisdn = Fresh() })))
            .ExpectProblemAsync(HttpStatusCode.BadRequest, "MISSING_FIELD", "accountRef");
    }

    [Fact]
    public async Task Create_NumberRepeatedInTheRequest_Returns422NamingTheRepeat()
    {
        string holder = Fresh();
        string other = Fresh();

        await (await CreateAsync("BEK", holder, [other, E164(holder)]))
            .ExpectProblemAsync(HttpStatusCode.UnprocessableEntity, "DUPLICATE_NUMBER", "authorized[1]");
        await (await CreateAsync("BEK", holder, [other, Fresh(), other[1..]]))
            .ExpectProblemAsync(HttpStatusCode.UnprocessableEntity, "DUPLICATE_NUMBER", "authorized[2]");
        await (await FindAsync("BEK", holder)).ExpectProblemAsync(HttpStatusCode.NotFound, "NOT_FOUND");
    }

    // ---------------------------------------------------------------- one registration per number per bank --

    [Fact]
    public async Task Create_NumberRegisteredAtTheBankAsHolderOrAuthorized_Returns409AndRegistersNobodyElse()
    {
        string holder = Fresh();
        string authorized = Fresh();
        await CreatedAsync("RBKO", holder, authorized);
        string newcomer = Fresh();

        await (await CreateAsync("RBKO", holder)).ExpectProblemAsync(HttpStatusCode.Conflict, "ALREADY_REGISTERED", "holderMsisdn");
        await (await CreateAsync("RBKO", authorized)).ExpectProblemAsync(HttpStatusCode.Conflict, "ALREADY_REGISTERED", "holderMsisdn");
        JsonElement problem = await (await CreateAsync("RBKO", newcomer, [Fresh(), holder]))
            .ExpectProblemAsync(HttpStatusCode.Conflict, "ALREADY_REGISTERED", "authorized[1]");
        Assert.Contains(E164(holder), problem.String("detail"), StringComparison.Ordinal);

        // All or nothing: the refused registration left no trace of its other numbers.
        await (await FindAsync("RBKO", newcomer)).ExpectProblemAsync(HttpStatusCode.NotFound, "NOT_FOUND");
    }

    [Fact]
    public async Task Create_SameNumbersAtAnotherBank_Returns201()
    {
        string holder = Fresh();
        string authorized = Fresh();
        JsonElement atBek = await CreatedAsync("BEK", holder, authorized);

        JsonElement atTeb = await CreatedAsync("TEB", holder, authorized);
        JsonElement swapped = await CreatedAsync("NLB", authorized, holder);

        Assert.NotEqual(atBek.String("id"), atTeb.String("id"));
        Assert.Equal(atTeb.String("id"), (await (await FindAsync("TEB", authorized)).ExpectAsync(HttpStatusCode.OK)).String("id"));
        Assert.Equal(swapped.String("id"), (await (await FindAsync("NLB", holder)).ExpectAsync(HttpStatusCode.OK)).String("id"));
    }

    [Fact]
    public async Task AddAuthorized_NumberRegisteredAtTheBank_Returns409AndChangesNothing()
    {
        string otherHolder = Fresh();
        string otherAuthorized = Fresh();
        await CreatedAsync("BPB", otherHolder, otherAuthorized);
        string holder = Fresh();
        JsonElement registration = await CreatedAsync("BPB", holder);
        string id = registration.String("id");

        await (await AddAsync("BPB", id, otherHolder)).ExpectProblemAsync(HttpStatusCode.Conflict, "ALREADY_REGISTERED", "msisdn");
        await (await AddAsync("BPB", id, otherAuthorized)).ExpectProblemAsync(HttpStatusCode.Conflict, "ALREADY_REGISTERED", "msisdn");
        await (await AddAsync("BPB", id, holder)).ExpectProblemAsync(HttpStatusCode.Conflict, "ALREADY_REGISTERED", "msisdn");

        Assert.Equal(registration.ToString(), (await GetAsync("BPB", id)).ToString());
        Assert.Equal(["created"], Actions(await AuditAsync("BPB", id)));
    }

    // ---------------------------------------------------------------- adding and removing authorised persons --

    [Fact]
    public async Task AddAuthorized_WhenFourAreThere_Returns422AndChangesNothing()
    {
        JsonElement registration = await CreatedAsync("BEK", Fresh(), Fresh(), Fresh(), Fresh(), Fresh());
        string id = registration.String("id");
        string fifth = Fresh();

        HttpResponseMessage response = await AddAsync("BEK", id, fifth);

        await response.ExpectProblemAsync(HttpStatusCode.UnprocessableEntity, "TOO_MANY_AUTHORIZED");
        Assert.Equal(registration.ToString(), (await GetAsync("BEK", id)).ToString());
        Assert.Equal(["created"], Actions(await AuditAsync("BEK", id)));
        await (await FindAsync("BEK", fifth)).ExpectProblemAsync(HttpStatusCode.NotFound, "NOT_FOUND");
    }

    [Fact]
    public async Task AddAuthorized_ToRegistrationWithRoom_Returns201WithTheUpdatedRegistration()
    {
        string holder = Fresh();
        string first = Fresh();
        string id = (await CreatedAsync("NLB", holder, first)).String("id");
        string added = Fresh();

        HttpResponseMessage response = await AddAsync("NLB", id, "00383" + added[1..]);

        JsonElement updated = await response.ExpectAsync(HttpStatusCode.Created);
        Assert.Equal([E164(first), E164(added)], Authorized(updated));
        Assert.Equal(updated.ToString(), (await GetAsync("NLB", id)).ToString());
        Assert.Equal(id, (await (await FindAsync("NLB", added)).ExpectAsync(HttpStatusCode.OK)).String("id"));
    }

    [Fact]
    public async Task RemoveThenAdd_OnAFullRegistration_FreesTheSlotForSomeoneElse()
    {
        string[] four = [Fresh(), Fresh(), Fresh(), Fresh()];
        string id = (await CreatedAsync("PCB", Fresh(), four)).String("id");
        string newcomer = Fresh();

        HttpResponseMessage removed = await RemoveAsync("PCB", id, E164(four[1])); // any accepted form
        await removed.ExpectAsync(HttpStatusCode.NoContent);
        Assert.Equal([E164(four[0]), E164(four[2]), E164(four[3])], Authorized(await GetAsync("PCB", id)));
        await (await FindAsync("PCB", four[1])).ExpectProblemAsync(HttpStatusCode.NotFound, "NOT_FOUND");

        JsonElement updated = await (await AddAsync("PCB", id, newcomer)).ExpectAsync(HttpStatusCode.Created);

        Assert.Equal([E164(four[0]), E164(newcomer), E164(four[2]), E164(four[3])], Authorized(updated)); // the freed slot
        await (await AddAsync("PCB", id, Fresh())).ExpectProblemAsync(HttpStatusCode.UnprocessableEntity, "TOO_MANY_AUTHORIZED");
        // The removed number may register again, here or elsewhere at the bank.
        await CreatedAsync("PCB", four[1]);
    }

    [Fact]
    public async Task RemoveAuthorized_NotAnAuthorizedPerson_Returns404AndChangesNothing()
    {
        string holder = Fresh();
        string authorized = Fresh();
        JsonElement registration = await CreatedAsync("TEB", holder, authorized);
        string id = registration.String("id");

        await (await RemoveAsync("TEB", id, holder)).ExpectProblemAsync(HttpStatusCode.NotFound, "NOT_FOUND");
        await (await RemoveAsync("TEB", id, Fresh())).ExpectProblemAsync(HttpStatusCode.NotFound, "NOT_FOUND");
        await (await RemoveAsync("BEK", id, authorized)).ExpectProblemAsync(HttpStatusCode.NotFound, "NOT_FOUND"); // another bank's path
        await (await RemoveAsync("TEB", "0123456789abcdef0123456789abcdef", authorized)).ExpectProblemAsync(HttpStatusCode.NotFound, "NOT_FOUND");

        Assert.Equal(registration.ToString(), (await GetAsync("TEB", id)).ToString());
        Assert.Equal(["created"], Actions(await AuditAsync("TEB", id)));
    }

    [Fact]
    public async Task UnknownRegistration_Returns404()
    {
        const string id = "0123456789abcdef0123456789abcdef";

        await (await Http.GetAsAdminAsync($"/api/v1/banks/BEK/registrations/{id}")).ExpectProblemAsync(HttpStatusCode.NotFound, "NOT_FOUND");
        await (await Http.GetAsAdminAsync($"/api/v1/banks/BEK/registrations/{id}/audit")).ExpectProblemAsync(HttpStatusCode.NotFound, "NOT_FOUND");
        await (await AddAsync("BEK", id, Fresh())).ExpectProblemAsync(HttpStatusCode.NotFound, "NOT_FOUND");
    }

    // ---------------------------------------------------------------- contract accounts --

    [Fact]
    public async Task Create_WithContractAccountsByAnyIdentifier_RecordsTheAccounts()
    {
        int n = Server.NextSuffix();
        JsonElement internet = await (await Http.PostJsonAsync(
            "/api/v1/service-accounts", Api.Json(new { kind = "internet", packageCode = "INTERNET_1", username = $"reg.user{n}" }))).ExpectAsync(HttpStatusCode.Created);
        JsonElement duo = await (await Http.PostJsonAsync(
            "/api/v1/service-accounts", Api.Json(new { kind = "duo", packageCode = "DUO_MINI", contract = $"REG-K{n}" }))).ExpectAsync(HttpStatusCode.Created);
        JsonElement tv = await (await Http.PostJsonAsync(
            "/api/v1/service-accounts", Api.Json(new { kind = "tv", packageCode = "DTV_FAMILJARE", smartCard = $"RegSc{n}" }))).ExpectAsync(HttpStatusCode.Created);

        JsonElement created = await (await CreateAsync("PCB", Fresh(), accounts: [$"REG.USER{n}", $"reg-k{n}", $"RegSc{n}"])).ExpectAsync(HttpStatusCode.Created);

        JsonElement[] accounts = [.. created.GetProperty("contractAccounts").EnumerateArray()];
        Assert.Equal([internet.String("id"), duo.String("id"), tv.String("id")], accounts.Select(a => a.String("id")));
        Assert.Equal(["internet", "duo", "tv"], accounts.Select(a => a.String("kind")));
        Assert.Equal($"RegSc{n}", accounts[2].String("smartCard"));
        Assert.Equal(created.ToString(), (await GetAsync("PCB", created.String("id"))).ToString());
    }

    [Fact]
    public async Task Create_WithUnknownOrRepeatedContractAccount_Returns422AndRegistersNobody()
    {
        int n = Server.NextSuffix();
        await (await Http.PostJsonAsync(
            "/api/v1/service-accounts", Api.Json(new { kind = "internet", packageCode = "INTERNET_2", username = $"reg.known{n}", contract = $"REG-C{n}" })))
            .ExpectAsync(HttpStatusCode.Created);
        string holder = Fresh();

        JsonElement unknown = await (await CreateAsync("PCB", holder, accounts: [$"reg.known{n}", $"nobody{n}"]))
            .ExpectProblemAsync(HttpStatusCode.UnprocessableEntity, "UNKNOWN_ACCOUNT", "contractAccounts[1]");
        Assert.Contains($"nobody{n}", unknown.String("detail"), StringComparison.Ordinal);
        await (await CreateAsync("PCB", holder, accounts: [$"reg.known{n}", $"REG-C{n}"]))
            .ExpectProblemAsync(HttpStatusCode.UnprocessableEntity, "DUPLICATE_ACCOUNT", "contractAccounts[1]");

        await (await FindAsync("PCB", holder)).ExpectProblemAsync(HttpStatusCode.NotFound, "NOT_FOUND");
    }

    // ---------------------------------------------------------------- audit --

    [Fact]
    public async Task Audit_RecordsEveryChangeOldestFirstWithActorAndFullNumbers()
    {
        string holder = Fresh();
        string first = Fresh();
        string second = Fresh();
        string id = (await CreatedAsync("BEK", holder, first)).String("id");
        await (await AddAsync("BEK", id, second)).ExpectAsync(HttpStatusCode.Created);
        await (await RemoveAsync("BEK", id, first)).ExpectAsync(HttpStatusCode.NoContent);

        JsonElement[] audit = await AuditAsync("BEK", id);

        Assert.Equal(["created", "authorized_added", "authorized_removed"], Actions(audit));
        Assert.All(audit, e => Assert.Equal("api", e.String("actor")));
        Assert.All(audit, e => Assert.Equal(JsonValueKind.String, e.GetProperty("at").ValueKind));
        JsonElement created = audit[0].GetProperty("details");
        Assert.Equal(E164(holder), created.String("holder"));
        Assert.Equal(Iban, created.String("accountRef"));
        Assert.Equal([E164(first)], created.GetProperty("authorized").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(E164(second), audit[1].GetProperty("details").String("msisdn"));
        Assert.Equal(2, audit[1].GetProperty("details").GetProperty("slot").GetInt32());
        Assert.Equal(E164(first), audit[2].GetProperty("details").String("msisdn"));
        Assert.Equal(1, audit[2].GetProperty("details").GetProperty("slot").GetInt32());
    }

    // ---------------------------------------------------------------- concurrency --

    [Fact]
    public async Task AddAuthorized_TenInParallelToAnEmptyRegistration_ExactlyFourSucceed()
    {
        string id = (await CreatedAsync("RBKO", Fresh())).String("id");
        string[] numbers = [.. Enumerable.Range(0, 10).Select(_ => Fresh())];

        HttpResponseMessage[] responses = await Task.WhenAll(numbers.Select(n => AddAsync("RBKO", id, n)));

        Assert.Equal(4, responses.Count(r => r.StatusCode == HttpStatusCode.Created));
        foreach (HttpResponseMessage refused in responses.Where(r => r.StatusCode != HttpStatusCode.Created))
        {
            await refused.ExpectProblemAsync(HttpStatusCode.UnprocessableEntity, "TOO_MANY_AUTHORIZED");
        }

        string[] winners = [.. numbers.Where((_, i) => responses[i].StatusCode == HttpStatusCode.Created).Select(E164)];
        Assert.Equal(winners.Order(StringComparer.Ordinal), Authorized(await GetAsync("RBKO", id)).Order(StringComparer.Ordinal));
        Assert.Equal(["created", "authorized_added", "authorized_added", "authorized_added", "authorized_added"], Actions(await AuditAsync("RBKO", id)));
    }

    [Fact]
    public async Task Create_TenInParallelWithTheSameHolder_OneSucceedsTheRestConflict()
    {
        string holder = Fresh();

        HttpResponseMessage[] responses = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => CreateAsync("NLB", holder, [Fresh()])));

        HttpResponseMessage winner = Assert.Single(responses, r => r.StatusCode == HttpStatusCode.Created);
        foreach (HttpResponseMessage refused in responses.Where(r => r != winner))
        {
            await refused.ExpectProblemAsync(HttpStatusCode.Conflict, "ALREADY_REGISTERED", "holderMsisdn");
        }

        string id = (await winner.ExpectAsync(HttpStatusCode.Created)).String("id");
        Assert.Equal(id, (await (await FindAsync("NLB", holder)).ExpectAsync(HttpStatusCode.OK)).String("id"));
    }

    [Fact]
    public async Task OpenApi_ListsTheRegistrationPaths()
    {
        JsonElement document = await (await Http.GetAsync("/openapi/v1.json", authorization: null)).ExpectAsync(HttpStatusCode.OK);

        string[] listed = [.. document.GetProperty("paths").EnumerateObject().Select(p => p.Name)];
        Assert.Contains("/api/v1/banks/{bankCode}/registrations", listed);
        Assert.Contains("/api/v1/banks/{bankCode}/registrations/{id}", listed);
        Assert.Contains("/api/v1/banks/{bankCode}/registrations/{id}/authorized", listed);
        Assert.Contains("/api/v1/banks/{bankCode}/registrations/{id}/authorized/{msisdn}", listed);
        Assert.Contains("/api/v1/banks/{bankCode}/registrations/{id}/audit", listed);
    }

    // ---------------------------------------------------------------- authentication --

    public static TheoryData<string, string> Endpoints => new()
    {
        { "POST", "/api/v1/banks/BEK/registrations" },
        { "GET", "/api/v1/banks/BEK/registrations?msisdn=049123456" },
        { "GET", "/api/v1/banks/BEK/registrations/0123456789abcdef0123456789abcdef" },
        { "POST", "/api/v1/banks/BEK/registrations/0123456789abcdef0123456789abcdef/authorized" },
        { "DELETE", "/api/v1/banks/BEK/registrations/0123456789abcdef0123456789abcdef/authorized/049123456" },
        { "GET", "/api/v1/banks/BEK/registrations/0123456789abcdef0123456789abcdef/audit" },
    };

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task AnyRegistrationEndpoint_WithoutTheAdminKey_Returns401(string method, string path)
    {
        HttpContent? content = method == "POST" ? new StringContent("""{"msisdn":"049123456"}""", System.Text.Encoding.UTF8, "application/json") : null;

        await (await Http.SendAsync(new HttpMethod(method), path, content, authorization: null)).ExpectProblemAsync(HttpStatusCode.Unauthorized, "UNAUTHENTICATED");
        await (await Http.SendAsync(new HttpMethod(method), path, null, "Bearer wrong")).ExpectProblemAsync(HttpStatusCode.Unauthorized, "UNAUTHENTICATED");
    }
}

public sealed class SqliteRegistrationsTests(SqliteServerFixture server) : RegistrationsSpec(server), IClassFixture<SqliteServerFixture>;

public sealed class PostgresRegistrationsTests(PostgresServerFixture server) : RegistrationsSpec(server), IClassFixture<PostgresServerFixture>;
