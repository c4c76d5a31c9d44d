using System.Net;
using System.Text.Json;
using Mbushja.Banks.Connector;
using Mbushja.Domain;
using Mbushja.Messaging;
using Mbushja.TopUp;
using Microsoft.Extensions.DependencyInjection;

namespace Mbushja.Server.Tests;

/// <summary>
/// SMS Top Up end to end over real HTTP (README "Demo data"): an SMS to a bank's short code, the sandbox bank's hold
/// and capture over its signed HTTP API, the credits on the ledger, and exactly one reply. The same on every engine.
/// </summary>
public abstract class SmsTopUpSpec(ServerFixture server) : IAsyncLifetime
{
    private const long Funds = 100_000;

    private static readonly Dictionary<string, long> PackagePrice = new()
    {
        ["fixA"] = 500, // FIXED_LINE
        ["net"] = 1_490, // INTERNET_1
        ["tv"] = 850, // DTV_FAMILJARE
        ["duo"] = 1_790, // DUO_TV
    };

    private readonly TopUpWorld _world = new(server);

    protected ServerFixture Server { get; } = server;

    public Task InitializeAsync() => Task.CompletedTask;

    /// <summary>Whatever a test did, the ledger balances and no protected account is below zero.</summary>
    public Task DisposeAsync() => Server.AssertLedgerInvariantsAsync();

    /// <summary>Every form the seed documents, per bank (docs/seed/customer-document-en.md), and what it must top up.</summary>
    public static TheoryData<string, string, string> EverySeedForm => new()
    {
        { "BEK", "5", "own:500" },
        { "BEK", "{o1} 5", "o1:500" },
        { "BEK", "{o1} 5 # {o2} 5", "o1:500,o2:500" },
        { "BEK", "FIX {fixUser}", "fixA:pkg" },
        { "BEK", "{fixNo} 5#{fixNo2} 5", "fixA:500,fixB:500" },
        { "BEK", "internet {net}", "net:pkg" },
        { "BEK", "tv {tv}", "tv:pkg" },
        { "BEK", "DUOTV {duo}", "duo:pkg" },
        { "BPB", "5", "own:500" },
        { "BPB", "Fiks {fixNo} 5", "fixA:500" },
        { "BPB", "Int {net}", "net:pkg" },
        { "BPB", "tv {tv}", "tv:pkg" },
        { "BPB", "duotv {duo}", "duo:pkg" },
        { "NLB", "{o1}5", "o1:500" },
        { "NLB", "tv {tv}", "tv:pkg" },
        { "NLB", "internet {net}", "net:pkg" },
        { "NLB", "DUOTV {duo}", "duo:pkg" },
        { "RBKO", "{o1}5", "o1:500" },
        { "RBKO", "{net} INTERNET", "net:pkg" },
        { "RBKO", "{tvCard} TV", "tv:pkg" },
        { "RBKO", "{duo} DUOTV", "duo:pkg" },
        { "PCB", "{o1}5", "o1:500" },
        { "PCB", "{fixNo} 5", "fixA:500" },
        { "PCB", "tv", "tv:pkg" },
        { "PCB", "internet", "net:pkg" },
        { "PCB", "DuoTV", "duo:pkg" },
        { "PCB", "{duo} DuoTV", "duo:pkg" },
        { "TEB", "{o1short}5", "o1:500" },
        { "TEB", "ipko {net} int", "net:pkg" },
        { "TEB", "ipko {tv} tv", "tv:pkg" },
        { "TEB", "ipko {duo} duotv", "duo:pkg" },
    };

    [Theory]
    [MemberData(nameof(EverySeedForm))]
    public async Task SeedForm_RegisteredHolder_CreditsTargetsAndDebitsBankOnce(string bank, string template, string expected)
    {
        Scene s = await SceneAsync(bank);
        string text = s.Fill(template);

        JsonElement result = await _world.SmsAsync(bank, s.Holder, text);

        Assert.Equal("completed", result.String("status"));
        Assert.False(result.TryGetProperty("code", out JsonElement code) && code.ValueKind != JsonValueKind.Null, $"code {code}");
        long total = 0;
        foreach (string part in expected.Split(','))
        {
            string[] kv = part.Split(':');
            string who = kv[0];
            if (kv[1] == "pkg")
            {
                JsonElement account = await _world.AccountAsync(s.Names[who]);
                Assert.Equal(JsonValueKind.String, account.GetProperty("paidUntil").ValueKind);
                Assert.True(account.GetProperty("paidUntil").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddDays(27), account.ToString());
                total += PackagePrice[who];
            }
            else
            {
                long cents = long.Parse(kv[1], System.Globalization.CultureInfo.InvariantCulture);
                long now = who.StartsWith("fix", StringComparison.Ordinal)
                    ? (await _world.AccountAsync(s.Names[who])).Long("balanceCents")
                    : await _world.CreditAsync(s.Names[who]);
                Assert.Equal(cents, now);
                total += cents;
            }
        }

        Assert.Equal((Funds - total, 0L), await _world.BankAccountAsync(bank, s.Iban));
        string reply = result.String("reply");
        Assert.Contains(result.String("transactionId")[^8..].ToUpperInvariant(), reply, StringComparison.Ordinal);
        Assert.Contains((total / 100.0).ToString("0.00", System.Globalization.CultureInfo.InvariantCulture), reply, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AuthorisedPerson_TopsUpFromHoldersAccount()
    {
        string holder = await _world.SubscriberAsync();
        string friend = await _world.SubscriberAsync(language: "en");
        string iban = await _world.RegisterAsync("BEK", holder, Funds, authorized: [friend]);

        JsonElement result = await _world.SmsAsync("BEK", friend, "7,50");

        Assert.Equal("completed", result.String("status"));
        Assert.Equal(750, await _world.CreditAsync(friend));
        Assert.Equal((Funds - 750, 0L), await _world.BankAccountAsync("BEK", iban));
        Assert.StartsWith("Done:", result.String("reply"), StringComparison.Ordinal); // in the sender's language
    }

    [Fact]
    public async Task FifthAuthorisedPerson_IsRefused_AndCannotTopUp()
    {
        string holder = await _world.SubscriberAsync();
        string[] four = [await _world.SubscriberAsync(), await _world.SubscriberAsync(), await _world.SubscriberAsync(), await _world.SubscriberAsync()];
        string fifth = await _world.SubscriberAsync();
        await _world.RegisterAsync("TEB", holder, Funds, authorized: four);
        JsonElement registration = await (await Server.Http.GetAsAdminAsync($"/api/v1/banks/TEB/registrations?msisdn={holder}")).ExpectAsync(HttpStatusCode.OK);
        string id = registration.ValueKind == JsonValueKind.Array ? registration[0].String("id") : registration.String("id");

        await (await Server.Http.PostJsonAsync($"/api/v1/banks/TEB/registrations/{id}/authorized", Api.Json(new { msisdn = fifth })))
            .ExpectProblemAsync(HttpStatusCode.UnprocessableEntity, "TOO_MANY_AUTHORIZED");
        JsonElement result = await _world.SmsAsync("TEB", fifth, "5");

        Assert.Equal("rejected", result.String("status"));
        Assert.Equal("NOT_REGISTERED", result.String("code"));
        Assert.Equal(0, await _world.CreditAsync(fifth));
    }

    [Fact]
    public async Task NotRegistered_IsRejected_WithHowToRegister()
    {
        string stranger = await _world.SubscriberAsync(language: "en");

        JsonElement result = await _world.SmsAsync("RBKO", stranger, "5");

        Assert.Equal("rejected", result.String("status"));
        Assert.Equal("NOT_REGISTERED", result.String("code"));
        Assert.Contains("Raiffeisen", result.String("reply"), StringComparison.Ordinal);
        Assert.Contains("branch", result.String("reply"), StringComparison.Ordinal);
        Assert.Equal(0, await _world.CreditAsync(stranger));
    }

    [Fact]
    public async Task MultiPartMessage_WithOneBadPart_ChargesNothing()
    {
        Scene s = await SceneAsync("BEK");

        JsonElement result = await _world.SmsAsync("BEK", s.Holder, s.Fill("{o1} 5 # {o2} 500"));

        Assert.Equal("rejected", result.String("status"));
        Assert.Equal("AMOUNT_OUT_OF_RANGE", result.String("code"));
        Assert.Equal(0, await _world.CreditAsync(s.Names["o1"]));
        Assert.Equal((Funds, 0L), await _world.BankAccountAsync("BEK", s.Iban));
    }

    /// <summary>
    /// A message is read whole: if any part is invalid nothing is charged, and the reply names the part and the
    /// reason. It says which part of how many, as written, before the reason.
    /// </summary>
    [Theory]
    [InlineData("{o1} 5 # 044123456 5", "NOT_OPERATOR_NUMBER", "Pjesa 2 nga 2 (044123456 5): Mund të mbushen vetëm numrat IPKO.")]
    [InlineData("{o1} 5 # {o2} 500 # {o1} 5", "AMOUNT_OUT_OF_RANGE", "Pjesa 2 nga 3 ({o2} 500): Në Banka Ekonomike shuma për mbushje është")]
    public async Task MultiPartMessage_WithOneBadPart_ReplyNamesThePart(string template, string code, string start)
    {
        Scene s = await SceneAsync("BEK");

        JsonElement result = await _world.SmsAsync("BEK", s.Holder, s.Fill(template));

        Assert.Equal("rejected", result.String("status"));
        Assert.Equal(code, result.String("code"));
        Assert.StartsWith(s.Fill(start), result.String("reply"), StringComparison.Ordinal);
        Assert.Equal((Funds, 0L), await _world.BankAccountAsync("BEK", s.Iban));
    }

    [Fact]
    public async Task MultiPartMessage_WithUnknownTarget_ChargesNothing()
    {
        Scene s = await SceneAsync("BEK");
        string unknown = _world.FreshMobile(); // an operator number nobody provisioned

        JsonElement result = await _world.SmsAsync("BEK", s.Holder, s.Fill("{o1} 5 # " + unknown + " 5"));

        Assert.Equal("rejected", result.String("status"));
        Assert.Equal("UNKNOWN_ACCOUNT", result.String("code"));
        Assert.Contains(unknown, result.String("reply"), StringComparison.Ordinal);
        Assert.Equal(0, await _world.CreditAsync(s.Names["o1"]));
        Assert.Equal((Funds, 0L), await _world.BankAccountAsync("BEK", s.Iban));
    }

    [Fact]
    public async Task ProCreditBareKeyword_WithoutRecordedAccount_IsRejected()
    {
        string holder = await _world.SubscriberAsync();
        string iban = await _world.RegisterAsync("PCB", holder, Funds);

        JsonElement result = await _world.SmsAsync("PCB", holder, "tv");

        Assert.Equal("rejected", result.String("status"));
        Assert.Equal("UNKNOWN_ACCOUNT", result.String("code"));
        Assert.Equal((Funds, 0L), await _world.BankAccountAsync("PCB", iban));
    }

    [Fact]
    public async Task SameMessageId_Twice_ChargesOnce_AndAnswersTheSame()
    {
        Scene s = await SceneAsync("BEK");
        string messageId = "smsc-" + Guid.NewGuid().ToString("N");

        JsonElement first = await _world.SmsAsync("BEK", s.Holder, "5", messageId);
        JsonElement second = await _world.SmsAsync("BEK", s.Holder, "5", messageId);

        Assert.Equal(first.ToString(), second.ToString());
        Assert.Equal(500, await _world.CreditAsync(s.Holder));
        Assert.Equal((Funds - 500, 0L), await _world.BankAccountAsync("BEK", s.Iban));
    }

    [Fact]
    public async Task SameMessageId_Concurrently_ChargesOnce()
    {
        Scene s = await SceneAsync("BPB");
        string messageId = "smsc-" + Guid.NewGuid().ToString("N");

        JsonElement[] answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => _world.SmsAsync("BPB", s.Holder, "3", messageId)));

        Assert.Single(answers.Select(a => a.String("transactionId")).Distinct());
        Assert.Equal(300, await _world.CreditAsync(s.Holder));
        Assert.Equal((Funds - 300, 0L), await _world.BankAccountAsync("BPB", s.Iban));
    }

    [Fact]
    public async Task TwoIdenticalMessages_WithoutId_AreTwoTopUps()
    {
        Scene s = await SceneAsync("BEK");

        JsonElement first = await _world.SmsAsync("BEK", s.Holder, "5");
        JsonElement second = await _world.SmsAsync("BEK", s.Holder, "5");

        Assert.NotEqual(first.String("transactionId"), second.String("transactionId"));
        Assert.Equal(1_000, await _world.CreditAsync(s.Holder));
    }

    [Fact]
    public async Task InsufficientFunds_IsDeclined_AndNothingIsHeld()
    {
        string holder = await _world.SubscriberAsync(language: "en");
        string iban = await _world.RegisterAsync("NLB", holder, 400);

        JsonElement result = await _world.SmsAsync("NLB", holder, holder + "5");

        Assert.Equal("rejected", result.String("status"));
        Assert.Equal("BANK_DECLINED", result.String("code"));
        Assert.Contains("insufficient funds", result.String("reply"), StringComparison.Ordinal);
        Assert.Equal((400L, 0L), await _world.BankAccountAsync("NLB", iban));
        Assert.Equal(0, await _world.CreditAsync(holder));
    }

    /// <summary>Whatever a bank does wrong, a hold ends captured with its credits or voided without: never half.</summary>
    [Theory]
    [InlineData("error500", 1)]
    [InlineData("malformed", 1)]
    [InlineData("unsigned", 1)]
    [InlineData("applyThenError500", 1)]
    [InlineData("error500", 20)]
    [InlineData("applyThenError500", 20)]
    public async Task BankMisbehaves_MessageEndsWhole(string failMode, int failNext)
    {
        Scene s = await SceneAsync("RBKO");
        await _world.BankSettingsAsync("RBKO", new { failNext, failMode });
        try
        {
            JsonElement result = await _world.SmsAsync("RBKO", s.Holder, s.Fill("{o1}5"), settle: false);

            // Let the recovery sweep finish whatever the bank left open (a capture or void without an answer).
            await _world.BankSettingsAsync("RBKO", new { failNext = 0 });
            await Server.RecoverAsync();
            (long balance, long held) = await _world.BankAccountAsync("RBKO", s.Iban);
            long credit = await _world.CreditAsync(s.Names["o1"]);
            Assert.Equal(0, held);
            if (result.String("status") == "completed")
            {
                Assert.Equal((Funds - 500, 500L), (balance, credit));
            }
            else
            {
                Assert.Equal("failed", result.String("status"));
                Assert.Equal("BANK_UNAVAILABLE", result.String("code"));
                Assert.Equal((Funds, 0L), (balance, credit));
            }
        }
        finally
        {
            await _world.BankSettingsAsync("RBKO", new { failNext = 0 });
        }
    }

    public static TheoryData<string, string, string> AnythingAPhoneCanSend => new()
    {
        { "BEK", "", "UNKNOWN_COMMAND" },
        { "BEK", new string('5', 1_000), "UNKNOWN_COMMAND" },
        { "BEK", "💸💸 5", "UNKNOWN_COMMAND" },
        { "BEK", "5\u0000\u0007", "UNKNOWN_COMMAND" },
        { "BEK", "044123456 5", "NOT_OPERATOR_NUMBER" },
        { "BEK", "0", "AMOUNT_OUT_OF_RANGE" },
        { "BEK", "-5", "AMOUNT_OUT_OF_RANGE" },
        { "BEK", "1e9", "AMOUNT_OUT_OF_RANGE" },
        { "BEK", "5.555", "AMOUNT_OUT_OF_RANGE" },
        { "BEK", "101", "AMOUNT_OUT_OF_RANGE" },
        { "NLB", "{o1}4", "AMOUNT_OUT_OF_RANGE" },
        { "PCB", "ipko {net} int", "UNKNOWN_COMMAND" }, // TEB's syntax at ProCredit
        { "TEB", "FIX {fixUser}", "UNKNOWN_COMMAND" }, // Banka Ekonomike's syntax at TEB
    };

    [Theory]
    [MemberData(nameof(AnythingAPhoneCanSend))]
    public async Task BadText_GetsSpecificCodeAndReply_AndChargesNothing(string bank, string template, string code)
    {
        Scene s = await SceneAsync(bank);

        JsonElement result = await _world.SmsAsync(bank, s.Holder, s.Fill(template));

        Assert.Equal("rejected", result.String("status"));
        Assert.Equal(code, result.String("code"));
        Assert.False(string.IsNullOrWhiteSpace(result.String("reply")));
        Assert.Equal((Funds, 0L), await _world.BankAccountAsync(bank, s.Iban));
        Assert.Equal(0, await _world.CreditAsync(s.Holder));
    }

    [Fact]
    public async Task UnknownShortCode_IsRejected()
    {
        string sender = await _world.SubscriberAsync();
        HttpResponseMessage response = await Server.Http.SendAsync(
            HttpMethod.Post, "/api/v1/sms/inbound", new StringContent(Api.Json(new { from = sender, to = "55555", text = "5" }), System.Text.Encoding.UTF8, "application/json"), null);

        JsonElement result = await response.ExpectAsync(HttpStatusCode.OK);

        Assert.Equal("rejected", result.String("status"));
        Assert.Equal("UNKNOWN_SHORT_CODE", result.String("code"));
    }

    [Fact]
    public async Task UnknownCommand_RepliesWithThatBanksOwnSyntax()
    {
        string holder = await _world.SubscriberAsync(language: "en");
        await _world.RegisterAsync("TEB", holder, Funds);

        JsonElement result = await _world.SmsAsync("TEB", holder, "hello");

        Assert.Equal("UNKNOWN_COMMAND", result.String("code"));
        Assert.Contains("50001", result.String("reply"), StringComparison.Ordinal);
        Assert.Contains("ipko", result.String("reply"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Kannel_SmsService_AnswersWithTheReplyAsBody()
    {
        Scene s = await SceneAsync("BEK");

        HttpResponseMessage response = await Server.Http.GetAsync(
            $"/kannel/sms-service?from={Uri.EscapeDataString(TopUpWorld.E164(s.Holder))}&to=50005&text={Uri.EscapeDataString("5 EUR")}&id=k1-{Guid.NewGuid():N}",
            null);

        string body = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.ToString(), StringComparison.Ordinal);
        Assert.Contains("5.00", body, StringComparison.Ordinal);
        Assert.Equal(500, await _world.CreditAsync(s.Holder));
    }

    [Fact]
    public async Task Transaction_ShowsItsWholeTrail()
    {
        Scene s = await SceneAsync("BEK");
        JsonElement result = await _world.SmsAsync("BEK", s.Holder, s.Fill("{o1} 5 # {o2} 2,50"));

        JsonElement detail = await _world.TransactionAsync(result.String("transactionId"));

        string[] kinds = [.. detail.GetProperty("trail").EnumerateArray().Select(e => e.String("kind"))];
        Assert.Equal(["received", "interpreted", "ledger.hold", "bank.hold", "ledger", "reply", "bank.capture", "ledger.capture"], kinds);
        Assert.Equal("completed", detail.GetProperty("transaction").String("state"));
        Assert.Equal(750, detail.GetProperty("transaction").Long("amountCents"));
        // The bank's hold is the ledger's: pending bank → clearing, the credits from clearing, and the capture posts it.
        string id = result.String("transactionId");
        JsonElement[] transfers = [.. detail.GetProperty("transfers").EnumerateArray()];
        Assert.Equal(
            [($"sms:{id}:hold", "pending", "posted", 750L), ($"sms:{id}:1", "single", "posted", 500L), ($"sms:{id}:2", "single", "posted", 250L), ($"sms:{id}:capture", "post", "posted", 750L)],
            transfers.Select(t => (t.String("id"), t.String("kind"), t.String("state"), t.Long("amountCents"))));
        Assert.Equal(("bank:BEK", "clearing:BEK"), (transfers[0].String("debit"), transfers[0].String("credit")));
        Assert.All(transfers[1..3], t => Assert.Equal("clearing:BEK", t.String("debit")));
        Assert.Equal(
            [TopUpWorld.E164(s.Holder)],
            (await (await Server.Http.GetAsAdminAsync($"/api/v1/transactions?msisdn={s.Holder}")).ExpectAsync(HttpStatusCode.OK))
                .GetProperty("transactions").EnumerateArray().Select(t => t.String("from")).Distinct().ToArray());
    }

    [Theory]
    [InlineData("{}", "from")]
    [InlineData("{\"from\":\"049123456\"}", "to")]
    [InlineData("{\"from\":\"049123456\",\"to\":\"50005\"}", "text")]
    [InlineData("{\"from\":\"049123456\",\"to\":\"50005\",\"text\":\"5\",\"messageId\":\"\"}", "messageId")]
    [InlineData("{\"from\":\"049123456\",\"to\":\"50005\",\"text\":5}", "text")]
    public async Task Inbound_BadBody_IsAProblemNamingTheField(string body, string field)
    {
        HttpResponseMessage response = await Server.Http.SendAsync(
            HttpMethod.Post, "/api/v1/sms/inbound", new StringContent(body, System.Text.Encoding.UTF8, "application/json"), null);

        JsonElement problem = await response.ExpectClientErrorAsync();

        Assert.Equal(field, problem.String("field"));
    }

    [Fact]
    public async Task Transactions_NeedTheAdminKey()
    {
        await (await Server.Http.GetAsync("/api/v1/transactions", null)).ExpectProblemAsync(HttpStatusCode.Unauthorized, "UNAUTHENTICATED");
    }

    /// <summary>
    /// A gateway that reads the reply in the HTTP response gives up once the bank held the money (its request is
    /// aborted). The top-up still completes, and the reply, which nobody will read in a response now, goes out
    /// through the outbound gateway: exactly one reply, and never a charge without one.
    /// </summary>
    [Fact]
    public async Task Process_CallerLeavesAfterTheHold_ToppedUpAndTheReplyGoesOutbound()
    {
        (string holder, string iban, SmsTransaction row) = await TopUpAsTheCallerLeavesAsync(bankSilent: false);
        Assert.Equal(TopUpState.Completed, row.State);
        await _world.CapturedAsync(row.Id.Value);
        Assert.Equal((Funds - 500, 0L), await _world.BankAccountAsync("BEK", iban));
        Assert.Equal(500, await _world.CreditAsync(holder));
        OutboxMessage reply = (await Service<SmsOutbox>().GetAsync(row.Id.Value))!;
        Assert.NotEqual(OutboxStates.Inline, reply.State);
        Assert.Contains("5", reply.Text, StringComparison.Ordinal);
    }

    /// <summary>
    /// The same when the bank does not answer and the message is given up: the "bank unavailable" reply goes out through
    /// the gateway, and nothing is held or charged.
    /// </summary>
    [Fact]
    public async Task Process_CallerLeavesWhileTheBankIsSilent_NothingChargedAndTheReplyGoesOutbound()
    {
        (string holder, string iban, SmsTransaction row) = await TopUpAsTheCallerLeavesAsync(bankSilent: true);
        Assert.Equal(TopUpState.Failed, row.State);
        Assert.Equal(ErrorCodes.BankUnavailable, row.Code);
        Assert.Equal((Funds, 0L), await _world.BankAccountAsync("BEK", iban));
        Assert.Equal(0, await _world.CreditAsync(holder));
        OutboxMessage reply = (await Service<SmsOutbox>().GetAsync(row.Id.Value))!;
        Assert.NotEqual(OutboxStates.Inline, reply.State);
    }

    /// <summary>A BEK holder tops up 5 €, the caller of the processor leaves (see <see cref="CallerLeaves"/>), and the sweep runs.</summary>
    private async Task<(string Holder, string Iban, SmsTransaction Row)> TopUpAsTheCallerLeavesAsync(bool bankSilent)
    {
        string holder = await _world.SubscriberAsync();
        string iban = await _world.RegisterAsync("BEK", holder, Funds);
        using var caller = new CancellationTokenSource();
        TopUpProcessor processor = ProcessorWith(new CallerLeaves(Bank, caller, bankSilent));
        string messageId = "caller-leaves-" + Guid.NewGuid().ToString("N");

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => processor.ProcessAsync(new InboundSms(holder, TopUpWorld.ShortCodes["BEK"], "5", messageId), caller.Token));
        await Server.RecoverAsync();

        return (holder, iban, (await Service<SmsTransactions>().FindByMessageIdAsync(messageId))!);
    }

    private IBankConnector Bank => Service<IBankConnector>();

    private T Service<T>()
        where T : notnull => Server.Server.App.Services.GetRequiredService<T>();

    /// <summary>The server's processor with another bank connector.</summary>
    private TopUpProcessor ProcessorWith(IBankConnector bank) => TopUpWorld.ProcessorWith(Server.Server.App.Services, bank);

    /// <summary>
    /// The bank as the caller of <see cref="TopUpProcessor.ProcessAsync"/> sees it when it gives up: its token is
    /// cancelled once the hold is answered, or, with <paramref name="bankSilent"/>, once neither the hold nor the status
    /// query got an answer (nothing reaches the bank).
    /// </summary>
    private sealed class CallerLeaves(IBankConnector bank, CancellationTokenSource caller, bool bankSilent) : IBankConnector
    {
        public async Task<BankCall> HoldAsync(string bankCode, HoldRequest request, CancellationToken ct = default)
        {
            if (bankSilent)
            {
                return new BankCall(null, "no answer", 1);
            }

            BankCall call = await bank.HoldAsync(bankCode, request, CancellationToken.None);
            await caller.CancelAsync();
            return call;
        }

        public async Task<BankCall> StatusAsync(string bankCode, string holdId, CancellationToken ct = default)
        {
            if (!bankSilent)
            {
                return await bank.StatusAsync(bankCode, holdId, ct);
            }

            await caller.CancelAsync();
            return new BankCall(null, "no answer", 1);
        }

        public Task<BankCall> CaptureAsync(string bankCode, string holdId, CancellationToken ct = default) => bank.CaptureAsync(bankCode, holdId, ct);

        public Task<BankCall> VoidAsync(string bankCode, string holdId, CancellationToken ct = default) => bank.VoidAsync(bankCode, holdId, ct);

        public Task<RefundCall> RefundAsync(string bankCode, RefundRequest request, CancellationToken ct = default) => bank.RefundAsync(bankCode, request, ct);

        public Task<RefundCall> RefundStatusAsync(string bankCode, string refundId, CancellationToken ct = default) =>
            bank.RefundStatusAsync(bankCode, refundId, ct);
    }

    /// <summary>A holder registered at <paramref name="bank"/> with funds, two other subscribers and one account of each kind.</summary>
    private async Task<Scene> SceneAsync(string bank)
    {
        string holder = await _world.SubscriberAsync();
        string o1 = await _world.SubscriberAsync();
        string o2 = await _world.SubscriberAsync();
        JsonElement fixA = await _world.ServiceAccountAsync("fixed", "FIXED_LINE", number: true);
        JsonElement fixB = await _world.ServiceAccountAsync("fixed", "FIXED_LINE", number: true);
        JsonElement net = await _world.ServiceAccountAsync("internet", "INTERNET_1");
        JsonElement tv = await _world.ServiceAccountAsync("tv", "DTV_FAMILJARE", smartCard: true);
        JsonElement duo = await _world.ServiceAccountAsync("duo", "DUO_TV", smartCard: true);
        string iban = await _world.RegisterAsync(bank, holder, Funds, contractAccounts: [tv.String("id"), net.String("id"), duo.String("id")]);
        string National(JsonElement account) => "0" + account.String("number")[4..];
        var names = new Dictionary<string, string>
        {
            ["own"] = holder,
            ["o1"] = o1,
            ["o2"] = o2,
            ["fixA"] = fixA.String("id"),
            ["fixB"] = fixB.String("id"),
            ["net"] = net.String("username"),
            ["tv"] = tv.String("username"),
            ["duo"] = duo.String("username"),
        };
        var fills = new Dictionary<string, string>
        {
            ["{o1}"] = o1,
            ["{o2}"] = o2,
            ["{o1short}"] = o1[1..],
            ["{fixUser}"] = fixA.String("username"),
            ["{fixNo}"] = National(fixA),
            ["{fixNo2}"] = National(fixB),
            ["{net}"] = net.String("username"),
            ["{tv}"] = tv.String("username"),
            ["{tvCard}"] = tv.String("smartCard"),
            ["{duo}"] = duo.String("username"),
        };
        return new Scene(holder, iban, names, fills);
    }

    private sealed record Scene(string Holder, string Iban, Dictionary<string, string> Names, Dictionary<string, string> Fills)
    {
        public string Fill(string template) => Fills.Aggregate(template, (text, f) => text.Replace(f.Key, f.Value, StringComparison.Ordinal));
    }
}

public sealed class SqliteSmsTopUpTests(SqliteServerFixture server) : SmsTopUpSpec(server), IClassFixture<SqliteServerFixture>;

public sealed class PostgresSmsTopUpTests(PostgresServerFixture server) : SmsTopUpSpec(server), IClassFixture<PostgresServerFixture>;
