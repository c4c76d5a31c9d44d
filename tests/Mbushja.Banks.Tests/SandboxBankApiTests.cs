using System.Net;
using System.Text;
using System.Text.Json;
using Mbushja.Banks.Connector;
using Mbushja.Domain;
using Mbushja.Sandbox;

namespace Mbushja.Banks.Tests;

/// <summary>The sandbox bank's signed API as a bank implementer reads the contract: raw signed requests over HTTP.</summary>
public sealed class SandboxBankApiTests(SandboxHost host) : IClassFixture<SandboxHost>
{
    [Fact]
    public async Task Hold_EnoughFunds_IsHeldAndReserves()
    {
        string iban = host.NextIban("BEK", 10_000);
        string id = host.NextId();

        using HttpResponseMessage response = await host.SendSignedAsync(HttpMethod.Post, "BEK", "holds", SandboxHost.HoldJson(id, iban, 2_500));

        JsonElement body = await ExpectAsync(response, HttpStatusCode.OK);
        Assert.Equal(id, body.GetProperty("holdId").GetString());
        Assert.Equal("held", body.GetProperty("status").GetString());
        Assert.Equal(new SandboxAccount(iban, Money.FromCents(10_000), Money.FromCents(2_500)), host.Bank.GetAccount("BEK", iban));
    }

    [Fact]
    public async Task Hold_SameIdSameContent_AnswersTheSameAndReservesOnce()
    {
        string iban = host.NextIban("BEK", 10_000);
        string id = host.NextId();
        string json = SandboxHost.HoldJson(id, iban, 1_000);

        using HttpResponseMessage first = await host.SendSignedAsync(HttpMethod.Post, "BEK", "holds", json);
        using HttpResponseMessage again = await host.SendSignedAsync(HttpMethod.Post, "BEK", "holds", json);
        // The account written otherwise is the same account.
        using HttpResponseMessage spaced = await host.SendSignedAsync(
            HttpMethod.Post, "BEK", "holds", SandboxHost.HoldJson(id, string.Join(' ', iban.Chunk(4).Select(c => new string(c))).ToLowerInvariant(), 1_000));

        Assert.Equal(await first.Content.ReadAsStringAsync(), await again.Content.ReadAsStringAsync());
        Assert.Equal("held", (await ExpectAsync(spaced, HttpStatusCode.OK)).GetProperty("status").GetString());
        Assert.Equal(1_000, host.Bank.GetAccount("BEK", iban)!.Held.Cents);
    }

    [Theory]
    [InlineData(999, "Mbushja top-up")]
    [InlineData(1_000, "another reference")]
    public async Task Hold_SameIdOtherContent_IsHoldIdConflict(long amount, string reference)
    {
        string iban = host.NextIban("BEK", 10_000);
        string id = host.NextId();
        using HttpResponseMessage first = await host.SendSignedAsync(HttpMethod.Post, "BEK", "holds", SandboxHost.HoldJson(id, iban, 1_000));

        using HttpResponseMessage other = await host.SendSignedAsync(HttpMethod.Post, "BEK", "holds", SandboxHost.HoldJson(id, iban, amount, reference));

        JsonElement body = await ExpectAsync(other, HttpStatusCode.Conflict);
        Assert.Equal("HOLD_ID_CONFLICT", body.GetProperty("code").GetString());
        Assert.Equal("held", body.GetProperty("status").GetString());
        Assert.Equal(1_000, host.Bank.GetAccount("BEK", iban)!.Held.Cents);
    }

    [Fact]
    public async Task Void_UnknownId_IsRememberedSoTheLateHoldIsVoidedAndReservesNothing()
    {
        string iban = host.NextIban("BPB", 10_000);
        string id = host.NextId();

        using HttpResponseMessage voided = await host.SendSignedAsync(HttpMethod.Post, "BPB", $"holds/{id}/void");
        using HttpResponseMessage late = await host.SendSignedAsync(HttpMethod.Post, "BPB", "holds", SandboxHost.HoldJson(id, iban, 1_000));
        using HttpResponseMessage capture = await host.SendSignedAsync(HttpMethod.Post, "BPB", $"holds/{id}/capture");

        Assert.Equal("voided", (await ExpectAsync(voided, HttpStatusCode.OK)).GetProperty("status").GetString());
        Assert.Equal("voided", (await ExpectAsync(late, HttpStatusCode.OK)).GetProperty("status").GetString());
        Assert.Equal("voided", (await ExpectAsync(capture, HttpStatusCode.Conflict)).GetProperty("status").GetString());
        Assert.Equal(new SandboxAccount(iban, Money.FromCents(10_000), Money.FromCents(0)), host.Bank.GetAccount("BPB", iban));
    }

    [Fact]
    public async Task Capture_HeldHold_MovesTheMoneyOnceAndCannotBeVoided()
    {
        string iban = host.NextIban("NLB", 10_000);
        string id = host.NextId();
        using HttpResponseMessage hold = await host.SendSignedAsync(HttpMethod.Post, "NLB", "holds", SandboxHost.HoldJson(id, iban, 4_000));

        using HttpResponseMessage capture = await host.SendSignedAsync(HttpMethod.Post, "NLB", $"holds/{id}/capture");
        using HttpResponseMessage again = await host.SendSignedAsync(HttpMethod.Post, "NLB", $"holds/{id}/capture");
        using HttpResponseMessage voided = await host.SendSignedAsync(HttpMethod.Post, "NLB", $"holds/{id}/void");
        using HttpResponseMessage status = await host.SendSignedAsync(HttpMethod.Get, "NLB", $"holds/{id}");

        Assert.Equal("captured", (await ExpectAsync(capture, HttpStatusCode.OK)).GetProperty("status").GetString());
        Assert.Equal("captured", (await ExpectAsync(again, HttpStatusCode.OK)).GetProperty("status").GetString());
        Assert.Equal("captured", (await ExpectAsync(voided, HttpStatusCode.Conflict)).GetProperty("status").GetString());
        JsonElement state = await ExpectAsync(status, HttpStatusCode.OK);
        Assert.Equal("captured", state.GetProperty("status").GetString());
        Assert.Equal(4_000, state.GetProperty("amountCents").GetInt64());
        Assert.Equal(new SandboxAccount(iban, Money.FromCents(6_000), Money.FromCents(0)), host.Bank.GetAccount("NLB", iban));
    }

    [Fact]
    public async Task UnknownHold_CaptureAndStatus_AreNotFound()
    {
        string id = host.NextId();

        using HttpResponseMessage capture = await host.SendSignedAsync(HttpMethod.Post, "NLB", $"holds/{id}/capture");
        using HttpResponseMessage status = await host.SendSignedAsync(HttpMethod.Get, "NLB", $"holds/{id}");

        Assert.Equal("notFound", (await ExpectAsync(capture, HttpStatusCode.NotFound)).GetProperty("status").GetString());
        Assert.Equal("notFound", (await ExpectAsync(status, HttpStatusCode.NotFound)).GetProperty("status").GetString());
        Assert.Null(host.Bank.GetHold("NLB", id));
    }

    [Fact]
    public async Task Hold_NotEnoughAvailable_IsDeclinedInsufficientFunds()
    {
        string iban = host.NextIban("RBKO", 1_000);
        using HttpResponseMessage first = await host.SendSignedAsync(HttpMethod.Post, "RBKO", "holds", SandboxHost.HoldJson(host.NextId(), iban, 600));

        using HttpResponseMessage second = await host.SendSignedAsync(HttpMethod.Post, "RBKO", "holds", SandboxHost.HoldJson(host.NextId(), iban, 401));

        JsonElement body = await ExpectAsync(second, HttpStatusCode.OK);
        Assert.Equal("declined", body.GetProperty("status").GetString());
        Assert.Equal("INSUFFICIENT_FUNDS", body.GetProperty("code").GetString());
        Assert.Equal(600, host.Bank.GetAccount("RBKO", iban)!.Held.Cents);
    }

    [Fact]
    public async Task Hold_UnknownAccount_IsDeclinedAccountNotFound()
    {
        using HttpResponseMessage response = await host.SendSignedAsync(HttpMethod.Post, "RBKO", "holds", SandboxHost.HoldJson(host.NextId(), "XK059999999999999999", 100));

        JsonElement body = await ExpectAsync(response, HttpStatusCode.OK);
        Assert.Equal("declined", body.GetProperty("status").GetString());
        Assert.Equal("ACCOUNT_NOT_FOUND", body.GetProperty("code").GetString());
    }

    [Fact]
    public async Task Void_HeldHold_ReleasesTheReservation()
    {
        string iban = host.NextIban("RBKO", 1_000);
        string id = host.NextId();
        using HttpResponseMessage hold = await host.SendSignedAsync(HttpMethod.Post, "RBKO", "holds", SandboxHost.HoldJson(id, iban, 1_000));

        using HttpResponseMessage voided = await host.SendSignedAsync(HttpMethod.Post, "RBKO", $"holds/{id}/void");
        using HttpResponseMessage again = await host.SendSignedAsync(HttpMethod.Post, "RBKO", $"holds/{id}/void");

        Assert.Equal("voided", (await ExpectAsync(voided, HttpStatusCode.OK)).GetProperty("status").GetString());
        Assert.Equal("voided", (await ExpectAsync(again, HttpStatusCode.OK)).GetProperty("status").GetString());
        Assert.Equal(new SandboxAccount(iban, Money.FromCents(1_000), Money.FromCents(0)), host.Bank.GetAccount("RBKO", iban));
    }

    public static TheoryData<string, string> BadHolds => new()
    {
        { """{"accountRef":"XK051212012345678906","amountCents":1,"currency":"EUR"}""", "MISSING_FIELD holdId" },
        { """{"holdId":"a/b","accountRef":"XK051212012345678906","amountCents":1,"currency":"EUR"}""", "INVALID_HOLD_ID holdId" },
        { """{"holdId":"ok","accountRef":"XK051212012345678906","amountCents":0,"currency":"EUR"}""", "INVALID_AMOUNT amountCents" },
        { """{"holdId":"ok","accountRef":"XK051212012345678906","amountCents":"5","currency":"EUR"}""", "MALFORMED_BODY " },
        { """{"holdId":"ok","accountRef":"XK051212012345678906","amountCents":1,"currency":"USD"}""", "UNSUPPORTED_CURRENCY currency" },
        { """{"holdId":"ok","amountCents":1,"currency":"EUR"}""", "MISSING_FIELD accountRef" },
        { """{"holdId":"ok",""", "MALFORMED_BODY " },
    };

    [Theory]
    [MemberData(nameof(BadHolds))]
    public async Task Hold_BadBody_IsSigned400WithCodeAndField(string json, string expected)
    {
        using HttpResponseMessage response = await host.SendSignedAsync(HttpMethod.Post, "TEB", "holds", json);

        JsonElement problem = await ExpectAsync(response, HttpStatusCode.BadRequest);
        string field = problem.TryGetProperty("field", out JsonElement f) ? f.GetString()! : "";
        Assert.Equal(expected, $"{problem.GetProperty("code").GetString()} {field}");
        Assert.True(response.Headers.Contains(BankSignature.SignatureHeader));
    }

    [Fact]
    public async Task Request_Unsigned_Is401SignatureMissing()
    {
        using HttpResponseMessage response = await host.Http.PostAsync(
            "/sandbox/banks/TEB/api/holds", new StringContent(SandboxHost.HoldJson(host.NextId(), "XK051212012345678906", 100), Encoding.UTF8, "application/json"));

        await ExpectProblemAsync(response, HttpStatusCode.Unauthorized, "SIGNATURE_MISSING");
    }

    [Fact]
    public async Task Request_WrongSecret_Is401SignatureInvalid()
    {
        using HttpResponseMessage response = await host.SendSignedAsync(
            HttpMethod.Get, "TEB", $"holds/{host.NextId()}", secret: SandboxHost.Secrets["BEK"]);

        await ExpectProblemAsync(response, HttpStatusCode.Unauthorized, "SIGNATURE_INVALID");
    }

    [Fact]
    public async Task Request_StaleTimestamp_Is401TimestampOutOfWindow()
    {
        using HttpResponseMessage response = await host.SendSignedAsync(
            HttpMethod.Get, "TEB", $"holds/{host.NextId()}", at: DateTimeOffset.UtcNow.AddSeconds(-400));

        await ExpectProblemAsync(response, HttpStatusCode.Unauthorized, "TIMESTAMP_OUT_OF_WINDOW");
    }

    [Fact]
    public async Task Request_TamperedBody_Is401AndHoldsNothing()
    {
        string iban = host.NextIban("TEB", 10_000);
        string id = host.NextId();

        using HttpResponseMessage response = await host.SendSignedAsync(
            HttpMethod.Post,
            "TEB",
            "holds",
            SandboxHost.HoldJson(id, iban, 100),
            tamper: r => r.Content = new StringContent(SandboxHost.HoldJson(id, iban, 9_900), Encoding.UTF8, "application/json"));

        await ExpectProblemAsync(response, HttpStatusCode.Unauthorized, "SIGNATURE_INVALID");
        Assert.Null(host.Bank.GetHold("TEB", id));
        Assert.Equal(0, host.Bank.GetAccount("TEB", iban)!.Held.Cents);
    }

    [Fact]
    public async Task Request_UnknownBank_Is404UnknownBank()
    {
        using HttpResponseMessage response = await host.Http.GetAsync($"/sandbox/banks/NOPE/api/holds/{host.NextId()}");

        await ExpectProblemAsync(response, HttpStatusCode.NotFound, "UNKNOWN_BANK");
    }

    [Fact]
    public async Task Answers_AreSignedOverTheRequestLine()
    {
        string id = host.NextId();
        using HttpResponseMessage response = await host.SendSignedAsync(HttpMethod.Get, "PCB", $"holds/{id}");
        byte[] body = await response.Content.ReadAsByteArrayAsync();

        SignatureCheck check = BankSignature.Verify(
            Encoding.UTF8.GetBytes(SandboxHost.Secrets["PCB"]),
            "GET",
            $"/sandbox/banks/PCB/api/holds/{id}",
            response.Headers.GetValues(BankSignature.TimestampHeader).Single(),
            response.Headers.GetValues(BankSignature.SignatureHeader).Single(),
            body,
            DateTimeOffset.UtcNow);

        Assert.Equal(SignatureCheck.Valid, check);
    }

    internal static async Task<JsonElement> ExpectAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"Expected {(int)status}, got {(int)response.StatusCode}: {text}");
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    internal static async Task<JsonElement> ExpectProblemAsync(HttpResponseMessage response, HttpStatusCode status, string code, string? field = null)
    {
        JsonElement problem = await ExpectAsync(response, status);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(code, problem.GetProperty("code").GetString());
        if (field is not null)
        {
            Assert.Equal(field, problem.GetProperty("field").GetString());
        }

        return problem;
    }
}
