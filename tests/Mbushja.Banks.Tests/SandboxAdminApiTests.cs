using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Mbushja.Domain;
using Mbushja.Sandbox;
using static Mbushja.Banks.Tests.SandboxBankApiTests;

namespace Mbushja.Banks.Tests;

/// <summary>
/// The sandbox bank's endpoints (README "Demo data"): fake accounts and failure settings, behind the admin key.
/// </summary>
public sealed class SandboxAdminApiTests(SandboxHost host) : IClassFixture<SandboxHost>, IDisposable
{
    private const string Admin = "Bearer " + SandboxHost.AdminKey;

    public void Dispose()
    {
        foreach (string bank in host.Bank.BankCodes)
        {
            host.Bank.Configure(bank, SandboxSettings.Default);
        }
    }

    [Fact]
    public async Task PutAccount_ThenGet_ReturnsBalanceAndHeld()
    {
        using HttpResponseMessage put = await SendAsync(HttpMethod.Put, "/sandbox/banks/BEK/accounts/XK05%201212%200123%204567%208906", """{"balanceCents":12345}""");
        using HttpResponseMessage get = await SendAsync(HttpMethod.Get, "/sandbox/banks/bek/accounts/xk051212012345678906");

        JsonElement created = await ExpectAsync(put, HttpStatusCode.OK);
        Assert.Equal("XK051212012345678906", created.GetProperty("accountRef").GetString());
        JsonElement account = await ExpectAsync(get, HttpStatusCode.OK);
        Assert.Equal(12_345, account.GetProperty("balanceCents").GetInt64());
        Assert.Equal(0, account.GetProperty("heldCents").GetInt64());
        Assert.Equal("BEK", account.GetProperty("bank").GetString());
    }

    [Fact]
    public async Task PutAccount_ExistingWithHold_KeepsTheHold()
    {
        string iban = host.NextIban("BPB", 5_000);
        host.Bank.Hold("BPB", host.NextId(), iban, Money.FromCents(1_500), "");

        using HttpResponseMessage put = await SendAsync(HttpMethod.Put, $"/sandbox/banks/BPB/accounts/{iban}", """{"balanceCents":7000}""");

        JsonElement account = await ExpectAsync(put, HttpStatusCode.OK);
        Assert.Equal(7_000, account.GetProperty("balanceCents").GetInt64());
        Assert.Equal(1_500, account.GetProperty("heldCents").GetInt64());
        Assert.Equal(5_500, account.GetProperty("availableCents").GetInt64());
    }

    [Theory]
    [InlineData("GET", "/sandbox/banks/BEK/accounts/XK051212012345678906", null)]
    [InlineData("PUT", "/sandbox/banks/BEK/accounts/XK051212012345678906", """{"balanceCents":1}""")]
    [InlineData("PUT", "/sandbox/banks/BEK/settings", """{"latencyMs":0}""")]
    [InlineData("GET", "/sandbox/banks/BEK/settings", null)]
    public async Task AdminEndpoints_WithoutKey_Are401(string method, string path, string? json)
    {
        using HttpResponseMessage none = await SendAsync(new HttpMethod(method), path, json, authorization: null);
        using HttpResponseMessage wrong = await SendAsync(new HttpMethod(method), path, json, authorization: "Bearer not-the-key");

        await ExpectProblemAsync(none, HttpStatusCode.Unauthorized, "UNAUTHENTICATED");
        await ExpectProblemAsync(wrong, HttpStatusCode.Unauthorized, "UNAUTHENTICATED");
    }

    [Fact]
    public async Task GetAccount_Unknown_Is404()
    {
        using HttpResponseMessage response = await SendAsync(HttpMethod.Get, "/sandbox/banks/BEK/accounts/XK059999999999999990");

        await ExpectProblemAsync(response, HttpStatusCode.NotFound, "ACCOUNT_NOT_FOUND", "accountRef");
    }

    public static TheoryData<string, string, string?, HttpStatusCode, string, string?> BadRequests => new()
    {
        { "PUT", "/sandbox/banks/XXX/accounts/XK051212012345678906", """{"balanceCents":1}""", HttpStatusCode.NotFound, "UNKNOWN_BANK", "bankCode" },
        { "GET", "/sandbox/banks/XXX/accounts/XK051212012345678906", null, HttpStatusCode.NotFound, "UNKNOWN_BANK", "bankCode" },
        { "PUT", "/sandbox/banks/XXX/settings", """{}""", HttpStatusCode.NotFound, "UNKNOWN_BANK", "bankCode" },
        { "PUT", "/sandbox/banks/BEK/accounts/XK051212012345678906", """{"balanceCents":-1}""", HttpStatusCode.UnprocessableEntity, "INVALID_AMOUNT", "balanceCents" },
        { "PUT", "/sandbox/banks/BEK/accounts/XK051212012345678906", """{}""", HttpStatusCode.BadRequest, "MISSING_FIELD", "balanceCents" },
        { "PUT", "/sandbox/banks/BEK/accounts/XK051212012345678906", """{"balanceCents":"5"}""", HttpStatusCode.BadRequest, "MALFORMED_BODY", "balanceCents" },
        { "PUT", "/sandbox/banks/BEK/accounts/XK051212012345678906", """{"balanceCents":5,"extra":1}""", HttpStatusCode.BadRequest, "MALFORMED_BODY", "extra" },
        { "PUT", "/sandbox/banks/BEK/accounts/XK051212012345678906", """{"balanceCents":""", HttpStatusCode.BadRequest, "MALFORMED_BODY", null },
        { "PUT", "/sandbox/banks/BEK/accounts/XK05-1212", """{"balanceCents":5}""", HttpStatusCode.UnprocessableEntity, "INVALID_ACCOUNT_REF", "accountRef" },
        { "PUT", "/sandbox/banks/BEK/settings", """{"latencyMs":-1}""", HttpStatusCode.UnprocessableEntity, "INVALID_SETTING", "latencyMs" },
        { "PUT", "/sandbox/banks/BEK/settings", """{"declineAll":"NOPE"}""", HttpStatusCode.UnprocessableEntity, "INVALID_SETTING", "declineAll" },
        { "PUT", "/sandbox/banks/BEK/settings", """{"failNext":1,"failMode":"explode"}""", HttpStatusCode.UnprocessableEntity, "INVALID_SETTING", "failMode" },
        { "PUT", "/sandbox/banks/BEK/settings", """{"failNext":-2}""", HttpStatusCode.UnprocessableEntity, "INVALID_SETTING", "failNext" },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task AdminEndpoints_BadInput_AreProblemsWithCodeAndField(string method, string path, string? json, HttpStatusCode status, string code, string? field)
    {
        using HttpResponseMessage response = await SendAsync(new HttpMethod(method), path, json);

        await ExpectProblemAsync(response, status, code, field);
    }

    [Fact]
    public async Task PutSettings_DeclineAll_DeclinesEveryHoldWithThatCode()
    {
        string iban = host.NextIban("PCB", 10_000);

        using HttpResponseMessage put = await SendAsync(HttpMethod.Put, "/sandbox/banks/PCB/settings", """{"declineAll":"ACCOUNT_BLOCKED"}""");
        SandboxAnswer answer = host.Bank.Hold("PCB", host.NextId(), iban, Money.FromCents(100), "");

        JsonElement settings = await ExpectAsync(put, HttpStatusCode.OK);
        Assert.Equal("ACCOUNT_BLOCKED", settings.GetProperty("declineAll").GetString());
        Assert.Equal("error500", settings.GetProperty("failMode").GetString());
        Assert.Equal(("declined", "ACCOUNT_BLOCKED"), (answer.Body.Status, answer.Body.Code));
    }

    [Fact]
    public async Task GetSettings_ShowsWhatIsLeftOfTheCountdown()
    {
        using HttpResponseMessage put = await SendAsync(HttpMethod.Put, "/sandbox/banks/TEB/settings", """{"failNext":3,"failMode":"applyThenError500","latencyMs":5}""");
        await ExpectAsync(put, HttpStatusCode.OK);
        using HttpResponseMessage failed = await host.SendSignedAsync(HttpMethod.Get, "TEB", $"holds/{host.NextId()}");
        Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);

        using HttpResponseMessage get = await SendAsync(HttpMethod.Get, "/sandbox/banks/TEB/settings");

        JsonElement settings = await ExpectAsync(get, HttpStatusCode.OK);
        Assert.Equal(2, settings.GetProperty("failNext").GetInt32());
        Assert.Equal("applyThenError500", settings.GetProperty("failMode").GetString());
        Assert.Equal(5, settings.GetProperty("latencyMs").GetInt32());
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? json = null, string? authorization = Admin)
    {
        using var request = new HttpRequestMessage(method, path);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }

        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        return await host.Http.SendAsync(request);
    }
}
