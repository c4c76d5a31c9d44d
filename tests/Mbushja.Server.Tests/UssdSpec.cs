using System.Net;
using System.Text.Json;

namespace Mbushja.Server.Tests;

/// <summary>
/// USSD <c>*101#</c> end to end over real HTTP (README "USSD *101#"): the aggregator callback <c>POST /ussd</c>,
/// every package paid from prepaid credit, repeated and racing requests, and every way a request can be wrong.
/// On every engine.
/// </summary>
public abstract class UssdSpec(ServerFixture server) : IAsyncLifetime
{
    private readonly TopUpWorld _world = new(server);

    protected ServerFixture Server { get; } = server;

    public Task InitializeAsync() => Task.CompletedTask;

    /// <summary>Whatever a test did, the ledger balances and no protected account is below zero.</summary>
    public Task DisposeAsync() => Server.AssertLedgerInvariantsAsync();

    /// <summary>Every package of the USSD list (the seed's order), its kind, and what it costs; PPV by the amount chosen.</summary>
    public static TheoryData<int, string, string, bool, string?, long> EveryPackage => new()
    {
        { 1, "DTV_FAMILJARE", "tv", true, null, 850 },
        { 2, "DUO_TV", "duo", true, null, 1790 },
        { 3, "INTERNET_1", "internet", false, null, 1490 },
        { 4, "INTERNET_2", "internet", false, null, 1990 },
        { 5, "INTERNET_3", "internet", false, null, 2490 },
        { 6, "DUO_MINI", "duo", false, null, 2190 },
        { 7, "DUO_MAXI", "duo", false, null, 2990 },
        { 8, "PPV", "tv", true, "3", 1000 },
    };

    [Theory]
    [MemberData(nameof(EveryPackage))]
    public async Task Package_PaidByUssd_ChargesPricePlusFee_AndPaysTheAccount(int choice, string package, string kind, bool smartCard, string? amount, long price)
    {
        string phone = await _world.SubscriberAsync(5000, language: "en");
        // PPV credit is bought for a TV account, which subscribes to a monthly package of its own.
        JsonElement account = await _world.ServiceAccountAsync(kind, amount is null ? package : "DTV_FAMILJARE", smartCard: smartCard);
        string identifier = smartCard ? account.String("smartCard") : account.String("username");
        string session = NewSession();

        List<string> screens = await WalkAsync(session, phone, ["1", $"{choice}", identifier, .. amount is null ? Array.Empty<string>() : [amount], "1"]);

        Assert.StartsWith("CON IPKO\n1. Payments\n", screens[0], StringComparison.Ordinal);
        Assert.Contains($"\n{choice}. ", screens[1], StringComparison.Ordinal);
        Assert.Contains($"Total: {Euro(price + 50)}\n1. Confirm\n2. Cancel", screens[^2], StringComparison.Ordinal);
        Assert.StartsWith(amount is null ? "END Paid " : "END Topped up PPV kredit 10.00 €", screens[^1], StringComparison.Ordinal);
        Assert.Equal(5000 - price - 50, await _world.CreditAsync(phone));
        JsonElement after = await _world.AccountAsync(identifier);
        if (amount is null)
        {
            Assert.True(after.GetProperty("paidUntil").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddDays(27));
            Assert.Equal(package, after.String("packageCode"));
        }
        else
        {
            Assert.Equal(price, after.Long("balanceCents"));
        }
    }

    [Fact]
    public async Task SameConfirmation_SentAtOnceManyTimes_ChargesOnce()
    {
        string phone = await _world.SubscriberAsync(5000, language: "en");
        string user = (await _world.ServiceAccountAsync("internet", "INTERNET_2")).String("username");
        string session = NewSession();
        await WalkAsync(session, phone, "1", "4", user);

        string[] answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => UssdAsync(session, phone, $"1*4*{user}*1")));

        Assert.All(answers, a => Assert.Equal(answers[0], a));
        Assert.StartsWith("END Paid Internet Pako 2", answers[0], StringComparison.Ordinal);
        Assert.Equal(5000 - 2040, await _world.CreditAsync(phone));
    }

    [Fact]
    public async Task TwoSessionsOfOneNumber_ConfirmingAtOnce_ChargeOnce()
    {
        string phone = await _world.SubscriberAsync(10_000, language: "en");
        string a = (await _world.ServiceAccountAsync("internet", "INTERNET_1")).String("username");
        string b = (await _world.ServiceAccountAsync("duo", "DUO_MINI")).String("username");
        string first = NewSession(), second = NewSession();
        await WalkAsync(first, phone, "1", "3", a);
        await WalkAsync(second, phone, "1", "6", b);

        string[] answers = await Task.WhenAll(UssdAsync(first, phone, $"1*3*{a}*1"), UssdAsync(second, phone, $"1*6*{b}*1"));

        Assert.Single(answers, x => x.StartsWith("END Paid ", StringComparison.Ordinal));
        Assert.Single(answers, x => x.StartsWith("END You can use this service once a month.", StringComparison.Ordinal));
        Assert.Contains(10_000 - await _world.CreditAsync(phone), new long[] { 1540, 2240 });
    }

    public static TheoryData<string, string> BadInputs => new()
    {
        { "1*abc", "CON Not a valid choice.\nChoose a package:" },
        { "1*9", "CON Not a valid choice.\nChoose a package:" },
        { "1*3*nobody", "CON No account nobody.\nInternet Pako 1\nEnter your username:" },
        { "1*3*" + new string('x', 200), "CON Too long.\nInternet Pako 1\nEnter your username:" },
        { "1*3*a b", "CON Not valid.\nInternet Pako 1\nEnter your username:" },
        { "1*1*arta.tv", "CON Not valid.\nDTV Familjare\nEnter your SMART card number:" },
    };

    [Theory]
    [MemberData(nameof(BadInputs))]
    public async Task BadInput_ReasksTheQuestion_WithAShortReason(string text, string expected)
    {
        string phone = await _world.SubscriberAsync(5000, language: "en");
        string session = NewSession();
        string[] inputs = text.Split('*');
        await WalkAsync(session, phone, inputs[..^1]);

        string answer = await UssdAsync(session, phone, text);

        Assert.StartsWith(expected, answer, StringComparison.Ordinal);
        Assert.EndsWith("\n0 Back  00 Menu", answer, StringComparison.Ordinal);
        Assert.Equal(5000, await _world.CreditAsync(phone));
    }

    [Fact]
    public async Task NumberOfAnotherOperator_IsToldSo()
    {
        Assert.Equal("END Ky sherbim eshte vetem per numrat IPKO.", await UssdAsync(NewSession(), "044123456", ""));
    }

    public static TheoryData<string?, string?, string?, string?, string, string> Malformed => new()
    {
        { null, "*101#", "049123456", "", "MISSING_FIELD", "sessionId" },
        { "s1", null, "049123456", "", "MISSING_FIELD", "serviceCode" },
        { "s1", "*101#", null, "", "MISSING_FIELD", "phoneNumber" },
        { "s1", "*101#", "049123456", null, "MISSING_FIELD", "text" },
        { new string('s', 129), "*101#", "049123456", "", "TOO_LONG", "sessionId" },
        { "s1", "*101#", "049123456", new string('1', 1001), "TOO_LONG", "text" },
        { "s\u00e71", "*101#", "049123456", "", "MALFORMED_FIELD", "sessionId" },
        { "s1", "*101#", "049123456", "1\n2", "MALFORMED_FIELD", "text" },
        { "s1", "*999#", "049123456", "", "UNKNOWN_SERVICE_CODE", "serviceCode" },
        { "s1", "*101#", "hello", "", "INVALID_NUMBER", "phoneNumber" },
        { "s1", "*101#", "038123456", "", "INVALID_NUMBER", "phoneNumber" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public async Task MalformedRequest_Is400_WithTheFieldToBlame(string? session, string? code, string? phone, string? text, string expected, string field)
    {
        var fields = new Dictionary<string, string>();
        foreach ((string name, string? value) in new[] { ("sessionId", session), ("serviceCode", code), ("phoneNumber", phone), ("text", text) })
        {
            if (value is not null)
            {
                fields[name] = value;
            }
        }

        HttpResponseMessage response = await Server.Http.SendAsync(HttpMethod.Post, "/ussd", new FormUrlEncodedContent(fields), null);

        await response.ExpectProblemAsync(HttpStatusCode.BadRequest, expected, field);
    }

    [Fact]
    public async Task FieldGivenTwice_Is400()
    {
        var body = new StringContent("sessionId=a&sessionId=b&serviceCode=*101%23&phoneNumber=049123456&text=", System.Text.Encoding.UTF8, "application/x-www-form-urlencoded");

        await (await Server.Http.SendAsync(HttpMethod.Post, "/ussd", body, null)).ExpectProblemAsync(HttpStatusCode.BadRequest, "MALFORMED_FIELD", "sessionId");
    }

    [Fact]
    public async Task JsonInsteadOfAForm_Is415()
    {
        var body = new StringContent("{\"sessionId\":\"a\"}", System.Text.Encoding.UTF8, "application/json");

        await (await Server.Http.SendAsync(HttpMethod.Post, "/ussd", body, null)).ExpectProblemAsync(HttpStatusCode.UnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE");
    }

    [Fact]
    public async Task SessionOfAnotherNumber_Is409()
    {
        string phone = await _world.SubscriberAsync(5000);
        string other = await _world.SubscriberAsync(5000);
        string session = NewSession();
        await UssdAsync(session, phone, "");

        HttpResponseMessage response = await PostAsync(session, other, "1");

        await response.ExpectProblemAsync(HttpStatusCode.Conflict, "SESSION_MISMATCH", "sessionId");
    }

    /// <summary>The language chosen on *101# is the one SMS replies use too: one choice, remembered for both.</summary>
    [Fact]
    public async Task LanguageChosenByUssd_IsTheLanguageOfSmsReplies()
    {
        string phone = await _world.SubscriberAsync(5000, language: "sq");

        Assert.StartsWith("CON Jezik: srpski.", (await WalkAsync(NewSession(), phone, "4", "3"))[^1], StringComparison.Ordinal);
        JsonElement reply = await _world.SmsAsync("RBKO", phone, "5");

        Assert.Equal("sr", (await (await Server.Http.GetAsAdminAsync("/api/v1/subscribers/" + phone)).ExpectAsync(HttpStatusCode.OK)).String("language"));
        Assert.StartsWith("Niste registrovani", reply.String("reply"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenApi_DescribesTheUssdCallback()
    {
        JsonElement openApi = await (await Server.Http.GetAsync("/openapi/v1.json", null)).ExpectAsync(HttpStatusCode.OK);

        Assert.True(openApi.GetProperty("paths").TryGetProperty("/ussd", out JsonElement ussd), "no /ussd in the OpenAPI description");
        Assert.True(ussd.TryGetProperty("post", out _));
    }

    private static string NewSession() => "ATUid_" + Guid.NewGuid().ToString("N");

    private static string Euro(long cents) => $"{cents / 100}.{cents % 100:00} €";

    private Task<HttpResponseMessage> PostAsync(string session, string phone, string text) =>
        Server.Http.SendAsync(
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

    /// <summary>One callback as an aggregator sends it, from loopback without credentials; the plain-text answer.</summary>
    private async Task<string> UssdAsync(string session, string phone, string text)
    {
        HttpResponseMessage response = await PostAsync(session, phone, text);
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {body}");
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        return body;
    }

    /// <summary>A session from its start: "", then every input so far, one more each time; every answer.</summary>
    private async Task<List<string>> WalkAsync(string session, string phone, params string[] inputs)
    {
        var answers = new List<string> { await UssdAsync(session, phone, "") };
        for (int i = 1; i <= inputs.Length; i++)
        {
            answers.Add(await UssdAsync(session, phone, string.Join('*', inputs[..i])));
        }

        return answers;
    }
}

public sealed class SqliteUssdTests(SqliteServerFixture server) : UssdSpec(server), IClassFixture<SqliteServerFixture>;

public sealed class PostgresUssdTests(PostgresServerFixture server) : UssdSpec(server), IClassFixture<PostgresServerFixture>;
