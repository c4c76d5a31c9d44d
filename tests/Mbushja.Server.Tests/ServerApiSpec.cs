using System.Net;
using System.Text.Json;

namespace Mbushja.Server.Tests;

/// <summary>
/// The public HTTP API over real HTTP on loopback, the same on every engine. One server per engine and class;
/// every test takes its own numbers and identifiers, and leaves the ledger balanced (checked after each test).
/// </summary>
public abstract partial class ServerApiSpec(ServerFixture server) : IAsyncLifetime
{
    protected ServerFixture Server { get; } = server;

    protected HttpClient Http => Server.Http;

    public Task InitializeAsync() => Task.CompletedTask;

    /// <summary>After every test: money was neither created nor destroyed, and no subscriber is overdrawn.</summary>
    public Task DisposeAsync() => Server.AssertLedgerInvariantsAsync();

    /// <summary>The accepted written forms of a mobile number, from its national significant number.</summary>
    public static string Form(string nsn, string form) => form switch
    {
        "national" => "0" + nsn,
        "bare" => nsn,
        "plus" => "+383" + nsn,
        "country" => "383" + nsn,
        "international" => "00383" + nsn,
        "spaced" => $"0{nsn[..2]} {nsn[2..5]} {nsn[5..]}",
        _ => throw new ArgumentOutOfRangeException(nameof(form), form, null),
    };

    public static TheoryData<string> NumberForms => ["national", "bare", "plus", "country", "international", "spaced"];

    private Task<HttpResponseMessage> CreateSubscriberAsync(string msisdn, long creditCents, string? language = null) =>
        Http.PostJsonAsync("/api/v1/subscribers", Api.Json(new { msisdn, creditCents, language }));

    private async Task<JsonElement> GetSubscriberAsync(string msisdn) =>
        await (await Http.GetAsAdminAsync("/api/v1/subscribers/" + Uri.EscapeDataString(msisdn))).ExpectAsync(HttpStatusCode.OK);

    // ---------------------------------------------------------------- health, OpenAPI --

    [Fact]
    public async Task Health_Get_Returns200WithoutKey()
    {
        HttpResponseMessage response = await Http.GetAsync("/health", authorization: null);

        JsonElement body = await response.ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("ok", body.String("status"));
    }

    [Fact]
    public async Task OpenApi_Get_ServesDocumentListingTheApiPaths()
    {
        HttpResponseMessage response = await Http.GetAsync("/openapi/v1.json", authorization: null);

        JsonElement document = await response.ExpectAsync(HttpStatusCode.OK);
        Assert.StartsWith("3.", document.String("openapi"), StringComparison.Ordinal);
        JsonElement paths = document.GetProperty("paths");
        string[] listed = [.. paths.EnumerateObject().Select(p => p.Name)];
        Assert.Contains("/health", listed);
        Assert.Contains("/api/v1/subscribers", listed);
        Assert.Contains("/api/v1/subscribers/{msisdn}", listed);
        Assert.Contains("/api/v1/service-accounts", listed);
        Assert.Contains("/api/v1/service-accounts/{identifier}", listed);
        Assert.Contains("/api/v1/catalog", listed);
        Assert.True(paths.GetProperty("/api/v1/subscribers").TryGetProperty("post", out _));
        Assert.True(paths.GetProperty("/api/v1/service-accounts").TryGetProperty("post", out _));
    }

    [Theory]
    [InlineData("GET", "/api/v1/nothing-here", HttpStatusCode.NotFound, "NOT_FOUND")]
    [InlineData("GET", "/api/v1/subscribers", HttpStatusCode.MethodNotAllowed, "METHOD_NOT_ALLOWED")]
    [InlineData("DELETE", "/api/v1/subscribers/049123456", HttpStatusCode.MethodNotAllowed, "METHOD_NOT_ALLOWED")]
    [InlineData("PUT", "/api/v1/catalog", HttpStatusCode.MethodNotAllowed, "METHOD_NOT_ALLOWED")]
    public async Task UnknownRouteOrMethod_Returns4xxProblemWithCode(string method, string path, HttpStatusCode status, string code)
    {
        HttpResponseMessage response = await Http.SendAsync(new HttpMethod(method), path, null, Api.Admin);

        await response.ExpectProblemAsync(status, code);
    }

    // ---------------------------------------------------------------- authentication --

    public static TheoryData<string, string, string?> UnauthenticatedRequests()
    {
        string[] badKeys =
        [
            "", // no Authorization header at all
            "Bearer wrong-key",
            "Bearer " + RunningServer.AdminKey + "x",
            "Bearer",
            "Basic " + Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("admin:" + RunningServer.AdminKey)),
            "Token " + RunningServer.AdminKey,
            RunningServer.AdminKey,
        ];
        (string Method, string Path)[] endpoints =
        [
            ("POST", "/api/v1/subscribers"),
            ("GET", "/api/v1/subscribers/049123456"),
            ("POST", "/api/v1/service-accounts"),
            ("GET", "/api/v1/service-accounts/someone"),
            ("GET", "/api/v1/catalog"),
        ];
        var data = new TheoryData<string, string, string?>();
        foreach ((string method, string path) in endpoints)
        {
            foreach (string key in badKeys)
            {
                data.Add(method, path, key.Length == 0 ? null : key);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(UnauthenticatedRequests))]
    public async Task AnyApiEndpoint_WithoutTheAdminKey_Returns401Unauthenticated(string method, string path, string? authorization)
    {
        HttpContent? content = method == "POST" ? new StringContent("""{"msisdn":"049123456","creditCents":100}""", System.Text.Encoding.UTF8, "application/json") : null;

        HttpResponseMessage response = await Http.SendAsync(new HttpMethod(method), path, content, authorization);

        await response.ExpectProblemAsync(HttpStatusCode.Unauthorized, "UNAUTHENTICATED");
        Assert.Contains(response.Headers.WwwAuthenticate, h => h.Scheme == "Bearer");
    }

    [Theory]
    [InlineData("Bearer " + RunningServer.AdminKey)]
    [InlineData("bearer " + RunningServer.AdminKey)]
    [InlineData("BEARER " + RunningServer.AdminKey)]
    public async Task Catalog_WithTheAdminKeyInAnySchemeCase_Returns200(string authorization)
    {
        HttpResponseMessage response = await Http.GetAsync("/api/v1/catalog", authorization);

        await response.ExpectAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task CreateSubscriber_WithWrongKey_CreatesNothing()
    {
        string nsn = Server.NextMobile();

        HttpResponseMessage refused = await Http.PostJsonAsync("/api/v1/subscribers", Api.Json(new { msisdn = "0" + nsn, creditCents = 100 }), "Bearer wrong");

        await refused.ExpectProblemAsync(HttpStatusCode.Unauthorized, "UNAUTHENTICATED");
        await (await Http.GetAsAdminAsync("/api/v1/subscribers/0" + nsn)).ExpectProblemAsync(HttpStatusCode.NotFound, "NOT_FOUND");
    }

    // ---------------------------------------------------------------- subscribers --

    [Fact]
    public async Task CreateSubscriber_ValidBody_Returns201WithLocationAndSubscriber()
    {
        string nsn = Server.NextMobile();

        HttpResponseMessage response = await CreateSubscriberAsync("0" + nsn, 1250, "en");

        JsonElement body = await response.ExpectAsync(HttpStatusCode.Created);
        Assert.Equal("+383" + nsn, body.String("msisdn"));
        Assert.Equal(1250, body.Long("creditCents"));
        Assert.Equal("en", body.String("language"));
        Assert.Equal("EUR", body.String("currency"));
        Uri location = Assert.IsType<Uri>(response.Headers.Location);
        HttpResponseMessage again = await Http.GetAsAdminAsync(location.OriginalString);
        JsonElement found = await again.ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(("+383" + nsn, 1250L, "en"), (found.String("msisdn"), found.Long("creditCents"), found.String("language")));
    }

    [Theory]
    [InlineData(null, "sq")]
    [InlineData("sq", "sq")]
    [InlineData("en", "en")]
    [InlineData("sr", "sr")]
    [InlineData("EN", "en")]
    [InlineData(" sr ", "sr")]
    public async Task CreateSubscriber_Language_IsStoredOrDefaultsToSq(string? language, string expected)
    {
        string nsn = Server.NextMobile();

        JsonElement body = await (await CreateSubscriberAsync("0" + nsn, 0, language)).ExpectAsync(HttpStatusCode.Created);

        Assert.Equal(expected, body.String("language"));
        Assert.Equal(expected, (await GetSubscriberAsync("0" + nsn)).String("language"));
    }

    [Fact]
    public async Task CreateSubscriber_ZeroCredit_Returns201WithZero()
    {
        string nsn = Server.NextMobile("43");

        JsonElement body = await (await CreateSubscriberAsync("0" + nsn, 0)).ExpectAsync(HttpStatusCode.Created);

        Assert.Equal(0, body.Long("creditCents"));
        Assert.Equal(0, (await GetSubscriberAsync("+383" + nsn)).Long("creditCents"));
    }

    [Theory]
    [MemberData(nameof(NumberForms))]
    public async Task CreateSubscriber_EachNumberForm_StoresE164(string form)
    {
        string nsn = Server.NextMobile();

        JsonElement body = await (await CreateSubscriberAsync(Form(nsn, form), 300)).ExpectAsync(HttpStatusCode.Created);

        Assert.Equal("+383" + nsn, body.String("msisdn"));
        Assert.Equal("+383" + nsn, (await GetSubscriberAsync("+383" + nsn)).String("msisdn"));
    }

    [Theory]
    [MemberData(nameof(NumberForms))]
    public async Task GetSubscriber_EachNumberForm_FindsTheSameSubscriber(string form)
    {
        string nsn = Server.NextMobile("43");
        await (await CreateSubscriberAsync("+383" + nsn, 777, "sr")).ExpectAsync(HttpStatusCode.Created);

        JsonElement found = await GetSubscriberAsync(Form(nsn, form));

        Assert.Equal(("+383" + nsn, 777L, "sr"), (found.String("msisdn"), found.Long("creditCents"), found.String("language")));
    }

    [Fact]
    public async Task GetSubscriber_PlusUnescapedInThePath_FindsTheSubscriber()
    {
        string nsn = Server.NextMobile();
        await (await CreateSubscriberAsync("0" + nsn, 10)).ExpectAsync(HttpStatusCode.Created);

        JsonElement found = await (await Http.GetAsAdminAsync("/api/v1/subscribers/+383" + nsn)).ExpectAsync(HttpStatusCode.OK);

        Assert.Equal("+383" + nsn, found.String("msisdn"));
    }

    [Fact]
    public async Task GetSubscriber_Unknown_Returns404NotFound()
    {
        HttpResponseMessage response = await Http.GetAsAdminAsync("/api/v1/subscribers/0" + Server.NextMobile());

        await response.ExpectProblemAsync(HttpStatusCode.NotFound, "NOT_FOUND");
    }

    [Theory]
    [InlineData("04912", "INVALID_NUMBER")]
    [InlineData("hello", "INVALID_NUMBER")]
    [InlineData("044123456", "NOT_OPERATOR_NUMBER")]
    [InlineData("038123456", "INVALID_NUMBER")]
    public async Task GetSubscriber_NotAnOperatorMobileNumber_Returns400WithCode(string msisdn, string code)
    {
        HttpResponseMessage response = await Http.GetAsAdminAsync("/api/v1/subscribers/" + msisdn);

        await response.ExpectProblemAsync(HttpStatusCode.BadRequest, code, "msisdn");
    }

    [Theory]
    [InlineData("national", "plus")]
    [InlineData("plus", "bare")]
    [InlineData("international", "country")]
    [InlineData("national", "national")]
    public async Task CreateSubscriber_ExistingNumberInAnyForm_Returns409AndKeepsTheFirstCredit(string firstForm, string secondForm)
    {
        string nsn = Server.NextMobile();
        await (await CreateSubscriberAsync(Form(nsn, firstForm), 500, "en")).ExpectAsync(HttpStatusCode.Created);

        HttpResponseMessage again = await CreateSubscriberAsync(Form(nsn, secondForm), 9_999, "sr");

        await again.ExpectProblemAsync(HttpStatusCode.Conflict, "SUBSCRIBER_EXISTS", "msisdn");
        JsonElement found = await GetSubscriberAsync("0" + nsn);
        Assert.Equal((500L, "en"), (found.Long("creditCents"), found.String("language")));
    }

    [Theory]
    [InlineData("04912345")] // one digit short
    [InlineData("0491234567")] // one digit too many
    [InlineData("+38149123456")] // another country
    [InlineData("0038149123456")]
    [InlineData("038123456")] // a fixed line
    [InlineData("049-abc-456")]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("+")]
    [InlineData("++38349123456")]
    [InlineData("4912345ä")]
    public async Task CreateSubscriber_InvalidNumber_Returns422InvalidNumber(string msisdn)
    {
        HttpResponseMessage response = await CreateSubscriberAsync(msisdn, 100);

        await response.ExpectProblemAsync(HttpStatusCode.UnprocessableEntity, "INVALID_NUMBER", "msisdn");
    }

    [Theory]
    [InlineData("044123456")]
    [InlineData("+38345123456")]
    [InlineData("48123456")]
    [InlineData("0038344123456")]
    public async Task CreateSubscriber_OtherOperatorsNumber_Returns422NotOperatorNumber(string msisdn)
    {
        HttpResponseMessage response = await CreateSubscriberAsync(msisdn, 100);

        await response.ExpectProblemAsync(HttpStatusCode.UnprocessableEntity, "NOT_OPERATOR_NUMBER", "msisdn");
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(-500)]
    [InlineData(long.MinValue)]
    [InlineData(1_000_000_001)] // above the 10 million EUR any API takes
    [InlineData(long.MaxValue)]
    public async Task CreateSubscriber_CreditOutOfRange_Returns422OnCreditCentsAndCreatesNothing(long creditCents)
    {
        string nsn = Server.NextMobile();

        HttpResponseMessage response = await CreateSubscriberAsync("0" + nsn, creditCents);

        await response.ExpectProblemAsync(HttpStatusCode.UnprocessableEntity, "INVALID_AMOUNT", "creditCents");
        await (await Http.GetAsAdminAsync("/api/v1/subscribers/0" + nsn)).ExpectProblemAsync(HttpStatusCode.NotFound, "NOT_FOUND");
    }

    [Theory]
    [InlineData("1e40")]
    [InlineData("9223372036854775808")]
    [InlineData("-9223372036854775809")]
    [InlineData("1e2")]
    [InlineData("12.5")]
    [InlineData("\"100\"")]
    [InlineData("true")]
    [InlineData("{}")]
    [InlineData("[100]")]
    public async Task CreateSubscriber_CreditNotAWholeNumberOfCents_Returns400OnCreditCents(string credit)
    {
        string nsn = Server.NextMobile();

        HttpResponseMessage response = await Http.PostJsonAsync("/api/v1/subscribers", $$"""{"msisdn":"0{{nsn}}","creditCents":{{credit}}}""");

        await response.ExpectProblemAsync(HttpStatusCode.BadRequest, "MALFORMED_BODY", "creditCents");
        await (await Http.GetAsAdminAsync("/api/v1/subscribers/0" + nsn)).ExpectProblemAsync(HttpStatusCode.NotFound, "NOT_FOUND");
    }

    [Theory]
    [InlineData("""{"creditCents":100}""", "msisdn")]
    [InlineData("""{"msisdn":null,"creditCents":100}""", "msisdn")]
    [InlineData("""{"msisdn":"049123456"}""", "creditCents")]
    [InlineData("""{"msisdn":"049123456","creditCents":null}""", "creditCents")]
    [InlineData("""{"language":"en"}""", "msisdn")]
    [InlineData("{}", "msisdn")]
    public async Task CreateSubscriber_MissingField_Returns400MissingFieldNamingIt(string json, string field)
    {
        HttpResponseMessage response = await Http.PostJsonAsync("/api/v1/subscribers", json);

        JsonElement problem = await response.ExpectProblemAsync(HttpStatusCode.BadRequest, "MISSING_FIELD", field);
        Assert.Contains(field, problem.String("detail"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{")]
    [InlineData("""{"msisdn":"049123456","creditCents":100""")]
    [InlineData("""{"msisdn":"049123456","creditCents":100,}""")]
    [InlineData("""{"msisdn":'049123456',"creditCents":100}""")]
    [InlineData("""{msisdn:"049123456","creditCents":100}""")]
    [InlineData("""{"msisdn":"049123456","creditCents":100} trailing""")]
    [InlineData("""{"msisdn":"049123456","creditCents":100}{}""")]
    [InlineData("not json")]
    [InlineData("// just a comment")]
    public async Task CreateSubscriber_MalformedJson_Returns400MalformedBody(string json)
    {
        HttpResponseMessage response = await Http.PostJsonAsync("/api/v1/subscribers", json);

        await response.ExpectProblemAsync(HttpStatusCode.BadRequest, "MALFORMED_BODY");
        await (await Http.GetAsAdminAsync("/api/v1/subscribers/049123456")).ExpectProblemAsync(HttpStatusCode.NotFound, "NOT_FOUND");
    }

    [Theory]
    [InlineData("""{"msisdn":"0{0}","creditCents":100,"extra":1}""", "extra")]
    [InlineData("""{"msisdn":"0{0}","credit":100}""", "credit")]
    [InlineData("""{"msisdn":"0{0}","creditCents":100,"Language ":"en"}""", "Language ")]
    public async Task CreateSubscriber_UnknownField_Returns400NamingItAndCreatesNothing(string template, string field)
    {
        string nsn = Server.NextMobile();

        HttpResponseMessage response = await Http.PostJsonAsync("/api/v1/subscribers", template.Replace("{0}", nsn, StringComparison.Ordinal));

        await response.ExpectProblemAsync(HttpStatusCode.BadRequest, "MALFORMED_BODY", field);
        await (await Http.GetAsAdminAsync("/api/v1/subscribers/0" + nsn)).ExpectProblemAsync(HttpStatusCode.NotFound, "NOT_FOUND");
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/xml")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData("multipart/form-data; boundary=x")]
    [InlineData(null)]
    public async Task CreateSubscriber_NotJsonContentType_Returns415(string? contentType)
    {
        string nsn = Server.NextMobile();
        var content = new ByteArrayContent(System.Text.Encoding.UTF8.GetBytes(Api.Json(new { msisdn = "0" + nsn, creditCents = 100 })));
        if (contentType is not null)
        {
            Assert.True(content.Headers.TryAddWithoutValidation("Content-Type", contentType));
        }

        HttpResponseMessage response = await Http.SendAsync(HttpMethod.Post, "/api/v1/subscribers", content, Api.Admin);

        await response.ExpectProblemAsync(HttpStatusCode.UnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE");
        await (await Http.GetAsAdminAsync("/api/v1/subscribers/0" + nsn)).ExpectProblemAsync(HttpStatusCode.NotFound, "NOT_FOUND");
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData(null)]
    public async Task CreateServiceAccount_NotJsonContentType_Returns415(string? contentType)
    {
        var content = new ByteArrayContent("""{"kind":"internet","packageCode":"INTERNET_1","username":"typed.wrong"}"""u8.ToArray());
        if (contentType is not null)
        {
            Assert.True(content.Headers.TryAddWithoutValidation("Content-Type", contentType));
        }

        HttpResponseMessage response = await Http.SendAsync(HttpMethod.Post, "/api/v1/service-accounts", content, Api.Admin);

        await response.ExpectProblemAsync(HttpStatusCode.UnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE");
        await (await Http.GetAsAdminAsync("/api/v1/service-accounts/typed.wrong")).ExpectProblemAsync(HttpStatusCode.NotFound, "NOT_FOUND");
    }

    [Theory]
    [InlineData("application/json")]
    [InlineData("application/json; charset=utf-8")]
    [InlineData("APPLICATION/JSON")]
    public async Task CreateSubscriber_JsonContentTypeVariants_Returns201(string contentType)
    {
        string nsn = Server.NextMobile();
        var content = new ByteArrayContent(System.Text.Encoding.UTF8.GetBytes(Api.Json(new { msisdn = "0" + nsn, creditCents = 100 })));
        Assert.True(content.Headers.TryAddWithoutValidation("Content-Type", contentType));

        HttpResponseMessage response = await Http.SendAsync(HttpMethod.Post, "/api/v1/subscribers", content, Api.Admin);

        await response.ExpectAsync(HttpStatusCode.Created);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task CreateSubscriber_BodyOver64KiB_Returns413BodyTooLarge(bool withContentLength)
    {
        string nsn = Server.NextMobile();
        byte[] json = System.Text.Encoding.UTF8.GetBytes(Api.Json(new { msisdn = "0" + nsn, creditCents = 100, language = new string('x', 70_000) }));
        HttpContent content = withContentLength ? new ByteArrayContent(json) : new StreamContent(new UnknownLengthStream(json));
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");

        HttpResponseMessage response = await Http.SendAsync(HttpMethod.Post, "/api/v1/subscribers", content, Api.Admin);

        await response.ExpectProblemAsync(HttpStatusCode.RequestEntityTooLarge, "BODY_TOO_LARGE");
        await (await Http.GetAsAdminAsync("/api/v1/subscribers/0" + nsn)).ExpectProblemAsync(HttpStatusCode.NotFound, "NOT_FOUND");
    }

    [Fact]
    public async Task CreateSubscriber_BodyJustUnder64KiB_IsRead()
    {
        string nsn = Server.NextMobile();
        string json = Api.Json(new { msisdn = "0" + nsn, creditCents = 100 });
        // Padding with whitespace keeps it valid JSON of 64 KiB minus one byte.
        string padded = json + new string(' ', (64 * 1024) - 1 - json.Length);

        HttpResponseMessage response = await Http.PostJsonAsync("/api/v1/subscribers", padded);

        await response.ExpectAsync(HttpStatusCode.Created);
    }

    [Theory]
    [InlineData("de")]
    [InlineData("english")]
    [InlineData("")]
    [InlineData("s q")]
    [InlineData("sq-AL")]
    [InlineData("🇦🇱")]
    public async Task CreateSubscriber_UnknownLanguage_Returns422OnLanguage(string language)
    {
        string nsn = Server.NextMobile();

        HttpResponseMessage response = await CreateSubscriberAsync("0" + nsn, 100, language);

        await response.ExpectProblemAsync(HttpStatusCode.UnprocessableEntity, "INVALID_LANGUAGE", "language");
        await (await Http.GetAsAdminAsync("/api/v1/subscribers/0" + nsn)).ExpectProblemAsync(HttpStatusCode.NotFound, "NOT_FOUND");
    }

    [Fact]
    public async Task CreateSubscriber_TwentyAtOnceForTheSameNumber_CreatesOneWithOneOpeningCredit()
    {
        string nsn = Server.NextMobile();
        string[] forms = ["national", "bare", "plus", "country", "international"];

        HttpResponseMessage[] responses = await Task.WhenAll(Enumerable.Range(0, 20)
            .Select(i => CreateSubscriberAsync(Form(nsn, forms[i % forms.Length]), 1_000)));

        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.Created);
        Assert.Equal(19, responses.Count(r => r.StatusCode == HttpStatusCode.Conflict));
        foreach (HttpResponseMessage conflict in responses.Where(r => r.StatusCode == HttpStatusCode.Conflict))
        {
            await conflict.ExpectProblemAsync(HttpStatusCode.Conflict, "SUBSCRIBER_EXISTS", "msisdn");
        }

        Assert.Equal(1_000, (await GetSubscriberAsync("0" + nsn)).Long("creditCents"));
    }

    /// <summary>A body whose length is not known up front: sent chunked, so only reading it can find it too large.</summary>
    private sealed class UnknownLengthStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
    }
}

public sealed class SqliteServerApiTests(SqliteServerFixture server) : ServerApiSpec(server), IClassFixture<SqliteServerFixture>;

public sealed class PostgresServerApiTests(PostgresServerFixture server) : ServerApiSpec(server), IClassFixture<PostgresServerFixture>;
