using System.Net;
using System.Text.Json;
using Mbushja.Domain;
using Mbushja.Sandbox;
using Mbushja.Testing;
using Mbushja.TopUp;
using Microsoft.Extensions.DependencyInjection;

namespace Mbushja.Server.Tests;

/// <summary>
/// Reversal of an SMS top-up by a supervisor (docs/money.md) over real HTTP: the credits given back on the ledger as
/// the exact inverse of the top-up, the money given back at the bank (the sandbox bank's signed refund API), everything
/// on the trail; refused when spent, twice, or not captured; a refund whose answer is lost asked again and made once.
/// </summary>
public abstract class ReversalSpec(ServerFixture server) : IAsyncLifetime
{
    private const long Funds = 100_000;

    /// <summary>A sandbox bank's failure countdown that no test reaches: the bank is down until the test says otherwise.</summary>
    private const int BankDown = 1_000_000;

    private readonly TopUpWorld _world = new(server);

    protected ServerFixture Server { get; } = server;

    private SandboxBank Sandbox => Server.Server.App.Services.GetRequiredService<SandboxBank>();

    public Task InitializeAsync() => Task.CompletedTask;

    /// <summary>Whatever a test did, the ledger balances and no protected account is below zero.</summary>
    public Task DisposeAsync() => Server.AssertLedgerInvariantsAsync();

    [Fact]
    public async Task Reverse_CompletedTopUp_CreditBackAtTheBank_LedgerInverse_OnTheTrail()
    {
        string holder = await _world.SubscriberAsync();
        string friend = await _world.SubscriberAsync();
        string iban = await _world.RegisterAsync("BEK", holder, Funds);
        string id = (await _world.SmsAsync("BEK", holder, $"{holder} 5 # {friend} 2,50")).String("transactionId");

        JsonElement reversal = await (await ReverseAsync(id, "Customer sent it by mistake", "drita.supervisor")).ExpectAsync(HttpStatusCode.OK);

        Assert.Equal("refunded", reversal.String("refundState"));
        Assert.Equal(750, reversal.Long("amountCents"));
        Assert.Equal("drita.supervisor", reversal.String("requestedBy"));
        Assert.Equal(0, await _world.CreditAsync(holder));
        Assert.Equal(0, await _world.CreditAsync(friend));
        Assert.Equal((Funds, 0L), await _world.BankAccountAsync("BEK", iban));
        Assert.Equal((1, Money.FromCents(750)), Sandbox.RefundsOf("BEK", id));

        JsonElement detail = await _world.TransactionAsync(id);
        string[] kinds = [.. detail.GetProperty("trail").EnumerateArray().Select(e => e.String("kind"))];
        Assert.Equal(["reversal.requested", "reversal.ledger", "bank.refund"], kinds[^3..]);
        JsonElement requested = detail.GetProperty("trail").EnumerateArray().First(e => e.String("kind") == "reversal.requested").GetProperty("detail");
        Assert.Equal("drita.supervisor", requested.String("by"));
        Assert.Equal("Customer sent it by mistake", requested.String("reason"));
        JsonElement[] transfers = [.. detail.GetProperty("transfers").EnumerateArray()];
        Assert.Equal(
            [$"sms:{id}:hold", $"sms:{id}:1", $"sms:{id}:2", $"sms:{id}:capture", $"reversal:{id}:1", $"reversal:{id}:2"],
            transfers.Select(t => t.String("id")));
        // Each reversal transfer is the exact inverse of a credit, and the capture posts the hold the credits came from:
        // what the transaction moved sums to zero per account, but for the bank's, which owes the refund it made.
        var net = new Dictionary<string, long>();
        foreach (JsonElement t in transfers.Where(t => t.String("kind") is "single" or "post"))
        {
            net[t.String("debit")] = net.GetValueOrDefault(t.String("debit")) - t.Long("amountCents");
            net[t.String("credit")] = net.GetValueOrDefault(t.String("credit")) + t.Long("amountCents");
        }

        Assert.All(net.Values, v => Assert.Equal(0, v));
        Assert.Equal("refunded", detail.GetProperty("reversal").String("refundState"));
    }

    [Fact]
    public async Task Reverse_PackagePayment_TakesThePaidMonthBack()
    {
        string holder = await _world.SubscriberAsync();
        string user = (await _world.ServiceAccountAsync("internet", "INTERNET_1")).String("username");
        string iban = await _world.RegisterAsync("BPB", holder, Funds);
        string id = (await _world.SmsAsync("BPB", holder, $"Int {user}")).String("transactionId");
        Assert.True((await _world.AccountAsync(user)).GetProperty("paidUntil").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddDays(27));

        await (await ReverseAsync(id, "Paid the wrong account", "agim")).ExpectAsync(HttpStatusCode.OK);

        Assert.True((await _world.AccountAsync(user)).GetProperty("paidUntil").GetDateTimeOffset() <= DateTimeOffset.UtcNow);
        Assert.Equal((Funds, 0L), await _world.BankAccountAsync("BPB", iban));
    }

    [Fact]
    public async Task Reverse_Twice_SecondIsRefused_AndRefundedOnce()
    {
        string holder = await _world.SubscriberAsync();
        string iban = await _world.RegisterAsync("TEB", holder, Funds);
        string id = (await _world.SmsAsync("TEB", holder, "5")).String("transactionId");
        await (await ReverseAsync(id, "Duplicate payment", "agim")).ExpectAsync(HttpStatusCode.OK);

        await (await ReverseAsync(id, "Duplicate payment", "agim")).ExpectProblemAsync(HttpStatusCode.Conflict, ErrorCodes.AlreadyReversed);

        Assert.Equal((Funds, 0L), await _world.BankAccountAsync("TEB", iban));
        Assert.Equal((1, Money.FromCents(500)), Sandbox.RefundsOf("TEB", id));
    }

    [Fact]
    public async Task Reverse_SameReversalAtOnce_OneWins_RefundedOnce()
    {
        string holder = await _world.SubscriberAsync();
        string iban = await _world.RegisterAsync("NLB", holder, Funds);
        string id = (await _world.SmsAsync("NLB", holder, "10")).String("transactionId");

        HttpResponseMessage[] answers = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => ReverseAsync(id, "Twice", "agim")));

        Assert.Single(answers, a => a.StatusCode == HttpStatusCode.OK);
        Assert.All(answers.Where(a => a.StatusCode != HttpStatusCode.OK), a => Assert.Equal(HttpStatusCode.Conflict, a.StatusCode));
        Assert.Equal((Funds, 0L), await _world.BankAccountAsync("NLB", iban));
        Assert.Equal((1, Money.FromCents(1_000)), Sandbox.RefundsOf("NLB", id));
    }

    [Fact]
    public async Task Reverse_CreditSpent_IsRefused_AndNothingChanges()
    {
        string holder = await _world.SubscriberAsync();
        string user = (await _world.ServiceAccountAsync("internet", "INTERNET_1")).String("username");
        string iban = await _world.RegisterAsync("RBKO", holder, Funds);
        string id = (await _world.SmsAsync("RBKO", holder, $"{holder}20")).String("transactionId");
        await _world.PayInternetByUssdAsync(holder, user);
        long credit = await _world.CreditAsync(holder);
        Assert.Equal(2_000 - 1_540, credit);

        JsonElement problem = await (await ReverseAsync(id, "Asked by the customer", "agim")).ExpectProblemAsync(HttpStatusCode.Conflict, ErrorCodes.CreditSpent);

        Assert.Contains("spent", problem.String("detail"), StringComparison.Ordinal);
        Assert.Equal(credit, await _world.CreditAsync(holder));
        Assert.Equal((Funds - 2_000, 0L), await _world.BankAccountAsync("RBKO", iban));
        Assert.Equal((0, Money.FromCents(0)), Sandbox.RefundsOf("RBKO", id));
        await (await Server.Http.GetAsAdminAsync($"/api/v1/transactions/{id}/reversal")).ExpectProblemAsync(HttpStatusCode.NotFound, "NOT_FOUND");
    }

    [Fact]
    public async Task Reverse_NotCaptured_IsRefused()
    {
        string holder = await _world.SubscriberAsync();
        await _world.RegisterAsync("PCB", holder, 100);
        string declined = (await _world.SmsAsync("PCB", holder, "5")).String("transactionId"); // 1.00 EUR on the account
        string rejected = (await _world.SmsAsync("PCB", holder, "hello")).String("transactionId");

        await (await ReverseAsync(declined, "Test", "agim")).ExpectProblemAsync(HttpStatusCode.Conflict, ErrorCodes.NotCaptured);
        await (await ReverseAsync(rejected, "Test", "agim")).ExpectProblemAsync(HttpStatusCode.Conflict, ErrorCodes.NotCaptured);
        await (await ReverseAsync("0123456789abcdef0123456789abcdef", "Test", "agim")).ExpectProblemAsync(HttpStatusCode.NotFound, ErrorCodes.NotFound);
    }

    [Theory]
    [InlineData("{\"by\":\"agim\"}", "reason")]
    [InlineData("{\"reason\":\"   \",\"by\":\"agim\"}", "reason")]
    [InlineData("{\"reason\":\"Wrong number\"}", "by")]
    public async Task Reverse_WithoutReasonOrWho_IsRefused(string body, string field)
    {
        string holder = await _world.SubscriberAsync();
        await _world.RegisterAsync("BEK", holder, Funds);
        string id = (await _world.SmsAsync("BEK", holder, "5")).String("transactionId");

        await (await Server.Http.PostJsonAsync($"/api/v1/transactions/{id}/reversal", body))
            .ExpectProblemAsync(HttpStatusCode.BadRequest, ErrorCodes.MissingField, field);

        Assert.Equal(500, await _world.CreditAsync(holder));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("Bearer wrong-key")]
    public async Task Reverse_WithoutTheAdminKey_Is401_AndNothingChanges(string? authorization)
    {
        string holder = await _world.SubscriberAsync();
        string iban = await _world.RegisterAsync("BEK", holder, Funds);
        string id = (await _world.SmsAsync("BEK", holder, "5")).String("transactionId");

        await (await Server.Http.SendAsync(
                HttpMethod.Post,
                $"/api/v1/transactions/{id}/reversal",
                new StringContent(Api.Json(new { reason = "x", by = "y" }), System.Text.Encoding.UTF8, "application/json"),
                authorization))
            .ExpectProblemAsync(HttpStatusCode.Unauthorized, "UNAUTHENTICATED");

        Assert.Equal(500, await _world.CreditAsync(holder));
        Assert.Equal((Funds - 500, 0L), await _world.BankAccountAsync("BEK", iban));
    }

    [Theory]
    [InlineData("error500")]
    [InlineData("applyThenError500")]
    public async Task Refund_WithoutAnAnswer_StaysRefunding_ThenTheSweepMakesItOnce(string failMode)
    {
        string holder = await _world.SubscriberAsync();
        string iban = await _world.RegisterAsync("BPB", holder, Funds);
        string id = (await _world.SmsAsync("BPB", holder, "5")).String("transactionId");
        // Every call fails until the test lifts it (with applyThenError500 the bank acts each time): the server's own
        // sweep may ask too while the reversal's call retries, and finds the bank as down.
        await _world.BankSettingsAsync("BPB", new { failNext = BankDown, failMode });

        JsonElement reversal = await (await ReverseAsync(id, "Bank was down", "agim")).ExpectAsync(HttpStatusCode.OK);

        Assert.Equal("refunding", reversal.String("refundState"));
        Assert.Equal(0, await _world.CreditAsync(holder)); // the ledger side is done at once
        await _world.BankSettingsAsync("BPB", new { failNext = 0 });
        await RefundsSettledAsync();
        JsonElement after = await (await Server.Http.GetAsAdminAsync($"/api/v1/transactions/{id}/reversal")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("refunded", after.String("refundState"));
        Assert.True(after.Long("refundAttempts") >= 2);
        Assert.Equal((Funds, 0L), await _world.BankAccountAsync("BPB", iban));
        Assert.Equal((1, Money.FromCents(500)), Sandbox.RefundsOf("BPB", id));
        JsonElement[] refunds = [.. (await _world.TransactionAsync(id)).GetProperty("trail").EnumerateArray().Where(e => e.String("kind") == "bank.refund")];
        Assert.Equal(JsonValueKind.String, refunds[0].GetProperty("detail").GetProperty("failure").ValueKind);
        Assert.Equal("refunded", refunds[^1].GetProperty("detail").String("status"));

        // Swept again: nothing more is asked or given.
        Assert.Equal(0, await Server.Server.App.Services.GetRequiredService<TopUpReversals>().RetryRefundsAsync());
        Assert.Equal((1, Money.FromCents(500)), Sandbox.RefundsOf("BPB", id));
    }

    [Fact]
    public async Task Refund_WithoutAnAnswer_TheServersOwnRecoverySweepMakesIt()
    {
        string holder = await _world.SubscriberAsync();
        string iban = await _world.RegisterAsync("RBKO", holder, Funds);
        string id = (await _world.SmsAsync("RBKO", holder, $"{holder}5")).String("transactionId");
        // Down until the test lifts it: a sweep that runs while the reversal's own call retries finds it down too.
        await _world.BankSettingsAsync("RBKO", new { failNext = BankDown, failMode = "error500" });
        Assert.Equal("refunding", (await (await ReverseAsync(id, "Bank was down", "agim")).ExpectAsync(HttpStatusCode.OK)).String("refundState"));
        await _world.BankSettingsAsync("RBKO", new { failNext = 0 });

        // Nobody calls the sweep here: the server's recovery service runs it every few seconds.
        DateTime deadline = DateTime.UtcNow + Timeouts.Hang;
        while ((await (await Server.Http.GetAsAdminAsync($"/api/v1/transactions/{id}/reversal")).ExpectAsync(HttpStatusCode.OK)).String("refundState") != "refunded")
        {
            Assert.True(DateTime.UtcNow < deadline, $"The recovery service did not make the refund within {Timeouts.Hang}.");
            await Task.Delay(200);
        }

        Assert.Equal((Funds, 0L), await _world.BankAccountAsync("RBKO", iban));
        Assert.Equal((1, Money.FromCents(500)), Sandbox.RefundsOf("RBKO", id));
    }

    /// <summary>Runs the refund sweep until no refund waits for an answer (leases are 1 s here).</summary>
    private async Task RefundsSettledAsync()
    {
        TopUpReversals reversals = Server.Server.App.Services.GetRequiredService<TopUpReversals>();
        Mbushja.Storage.Database database = Server.Server.App.Services.GetRequiredService<Mbushja.Storage.Database>();
        DateTime deadline = DateTime.UtcNow + Timeouts.Hang;
        while (true)
        {
            await using System.Data.Common.DbConnection connection = await database.OpenAsync();
            await using System.Data.Common.DbCommand count = Mbushja.Storage.DbExtensions.Command(connection, "SELECT COUNT(*) FROM sms_reversals WHERE state = 'refunding'");
            if (Convert.ToInt64(await count.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture) == 0)
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"A refund still waits for the bank after {Timeouts.Hang} of sweeps.");
            await reversals.RetryRefundsAsync();
            await Task.Delay(200);
        }
    }

    private Task<HttpResponseMessage> ReverseAsync(string id, string reason, string by) =>
        Server.Http.PostJsonAsync($"/api/v1/transactions/{id}/reversal", Api.Json(new { reason, by }));
}

public sealed class SqliteReversalTests(SqliteServerFixture server) : ReversalSpec(server), IClassFixture<SqliteServerFixture>;

public sealed class PostgresReversalTests(PostgresServerFixture server) : ReversalSpec(server), IClassFixture<PostgresServerFixture>;
