using System.Globalization;
using System.Net;
using System.Numerics;
using System.Text.Json;
using Mbushja.Banks.Connector;
using Mbushja.Domain;
using Mbushja.Sms;
using Mbushja.Testing;
using Mbushja.TopUp;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Mbushja.Server.Tests;

/// <summary>
/// What an SMS Top Up test needs, made through the public APIs of a running server: subscribers, service accounts,
/// a registration at a bank with its current account funded in the sandbox bank. Every name is fresh.
/// </summary>
internal sealed class TopUpWorld(ServerFixture server)
{
    /// <summary>The server's processor, talking to banks through <paramref name="bank"/> instead of the server's connector.</summary>
    public static TopUpProcessor ProcessorWith(IServiceProvider services, IBankConnector bank)
    {
        T Get<T>()
            where T : notnull => services.GetRequiredService<T>();
        var holds = new BankHoldFlow(
            Get<SmsTransactions>(), bank, Get<BankDirectory>(), Get<ReplyTexts>(), Get<OperatorConfig>(), Get<OperatorClock>(), Get<TopUpWork>(),
            Get<WorkLeases>(), Get<TopUpOptions>(), Get<ILogger<BankHoldFlow>>());
        return new TopUpProcessor(Get<ConfirmationGate>(), Get<SmsTransactions>(), holds, Get<TopUpWork>(), Get<OperatorClock>(), Get<TopUpOptions>(), Get<ILogger<TopUpProcessor>>());
    }

    public static readonly IReadOnlyDictionary<string, string> ShortCodes = new Dictionary<string, string>
    {
        ["BEK"] = "50005",
        ["BPB"] = "50000",
        ["NLB"] = "50444",
        ["RBKO"] = "50222",
        ["PCB"] = "50333",
        ["TEB"] = "50001",
    };

    private HttpClient Http => server.Http;

    /// <summary>A fresh national mobile number (<c>049100123</c>).</summary>
    public string FreshMobile() => "0" + server.NextMobile();

    public static string E164(string national) => "+383" + national[1..];

    /// <summary>A valid Kosovo IBAN nobody has used: XK, computed check digits, 16 digits.</summary>
    public string FreshIban()
    {
        string bban = "1212" + server.NextSuffix().ToString("D12", CultureInfo.InvariantCulture);
        // X = 33, K = 20; check digits = 98 - (BBAN + "XK00" as digits) mod 97.
        BigInteger value = BigInteger.Parse(bban + "332000", CultureInfo.InvariantCulture);
        int check = 98 - (int)(value % 97);
        return $"XK{check:D2}{bban}";
    }

    public async Task<string> SubscriberAsync(long creditCents = 0, string language = "sq", string? national = null)
    {
        national ??= FreshMobile();
        await (await Http.PostJsonAsync("/api/v1/subscribers", Api.Json(new { msisdn = national, creditCents, language })))
            .ExpectAsync(HttpStatusCode.Created);
        return national;
    }

    public async Task<long> CreditAsync(string national) =>
        (await (await Http.GetAsAdminAsync("/api/v1/subscribers/" + national)).ExpectAsync(HttpStatusCode.OK)).Long("creditCents");

    /// <summary>A service account; returns its username (or fixed number for a fixed line without one).</summary>
    public async Task<JsonElement> ServiceAccountAsync(string kind, string packageCode, bool number = false, bool smartCard = false, long balanceCents = 0)
    {
        int n = server.NextSuffix();
        object body = new
        {
            kind,
            packageCode,
            username = $"user{n}",
            contract = $"K-{n}",
            smartCard = smartCard ? $"SC{n}" : null,
            number = number ? $"038{n:D6}" : null,
            balanceCents,
        };
        return await (await Http.PostJsonAsync("/api/v1/service-accounts", Api.Json(body))).ExpectAsync(HttpStatusCode.Created);
    }

    public async Task<JsonElement> AccountAsync(string identifier) =>
        await (await Http.GetAsAdminAsync("/api/v1/service-accounts/" + Uri.EscapeDataString(identifier))).ExpectAsync(HttpStatusCode.OK);

    /// <summary>Registers <paramref name="holder"/> at a bank with a funded current account; returns the IBAN.</summary>
    public async Task<string> RegisterAsync(string bank, string holder, long bankBalanceCents, string[]? authorized = null, string[]? contractAccounts = null)
    {
        string iban = FreshIban();
        await RegisterAsync(bank, holder, iban, authorized, contractAccounts);
        await FundAsync(bank, iban, bankBalanceCents);
        return iban;
    }

    /// <summary>Registers <paramref name="holder"/> at a bank with the account <paramref name="iban"/>, funded elsewhere.</summary>
    public async Task RegisterAsync(string bank, string holder, string iban, string[]? authorized = null, string[]? contractAccounts = null) =>
        await (await Http.PostJsonAsync(
                $"/api/v1/banks/{bank}/registrations",
                Api.Json(new { holderMsisdn = holder, accountRef = iban, authorized = authorized ?? [], contractAccounts = contractAccounts ?? [] })))
            .ExpectAsync(HttpStatusCode.Created);

    public async Task FundAsync(string bank, string iban, long balanceCents) =>
        await (await Http.SendAsync(
                HttpMethod.Put, $"/sandbox/banks/{bank}/accounts/{iban}", Json(new { balanceCents }), Api.Admin))
            .ExpectAsync(HttpStatusCode.OK);

    /// <summary>The sandbox bank account: (balance, held).</summary>
    public async Task<(long Balance, long Held)> BankAccountAsync(string bank, string iban)
    {
        JsonElement account = await (await Http.GetAsAdminAsync($"/sandbox/banks/{bank}/accounts/{iban}")).ExpectAsync(HttpStatusCode.OK);
        return (account.Long("balanceCents"), account.Long("heldCents"));
    }

    public async Task BankSettingsAsync(string bank, object settings) =>
        await (await Http.SendAsync(HttpMethod.Put, $"/sandbox/banks/{bank}/settings", Json(settings), Api.Admin)).ExpectAsync(HttpStatusCode.OK);

    /// <summary>
    /// Sends an SMS through <c>POST /api/v1/sms/inbound</c> from loopback without credentials (the default gateway
    /// access). The answer comes once the credits and the reply are committed, before the bank's capture: unless
    /// <paramref name="settle"/> is false, this then waits for the capture too, so that the bank's side can be checked.
    /// </summary>
    public async Task<JsonElement> SmsAsync(string bank, string from, string text, string? messageId = null, bool settle = true)
    {
        HttpResponseMessage response = await Http.SendAsync(
            HttpMethod.Post,
            "/api/v1/sms/inbound",
            Json(new { from, to = ShortCodes[bank], text, messageId }),
            null);
        JsonElement answer = await response.ExpectAsync(HttpStatusCode.OK);
        if (settle && answer.String("status") == "completed")
        {
            await CapturedAsync(answer.String("transactionId"));
        }

        return answer;
    }

    /// <summary>Waits until a completed top-up's hold is captured (its state leaves <c>credited</c>).</summary>
    public async Task CapturedAsync(string transactionId)
    {
        DateTime deadline = DateTime.UtcNow + Timeouts.Hang;
        while ((await TransactionAsync(transactionId)).GetProperty("transaction").String("state") == "credited")
        {
            Assert.True(DateTime.UtcNow < deadline, $"Transaction {transactionId} is still not captured after {Timeouts.Hang}.");
            await Task.Delay(20);
        }
    }

    public async Task<JsonElement> TransactionAsync(string id) =>
        await (await Http.GetAsAdminAsync("/api/v1/transactions/" + id)).ExpectAsync(HttpStatusCode.OK);

    /// <summary>
    /// Spends prepaid credit the way a subscriber does: pays an Internet Pako 1 package (14.90 + 0.50 fee) for the
    /// internet account <paramref name="username"/> through <c>*101#</c>.
    /// </summary>
    public Task PayInternetByUssdAsync(string phone, string username) => UssdAsync(phone, "1", "3", username, "1");

    /// <summary>A whole <c>*101#</c> session over <c>POST /ussd</c>, one more input each request; the last answer (an <c>END</c>).</summary>
    public async Task<string> UssdAsync(string phone, params string[] inputs)
    {
        string session = "ATUid_" + Guid.NewGuid().ToString("N");
        string last = "";
        foreach (string text in Enumerable.Range(0, inputs.Length + 1).Select(n => string.Join('*', inputs.Take(n))))
        {
            HttpResponseMessage response = await Http.SendAsync(
                HttpMethod.Post,
                "/ussd",
                new FormUrlEncodedContent(new Dictionary<string, string> { ["sessionId"] = session, ["serviceCode"] = "*101#", ["phoneNumber"] = phone, ["text"] = text }),
                null);
            last = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, last);
        }

        Assert.StartsWith("END ", last, StringComparison.Ordinal);
        return last;
    }

    private static StringContent Json(object body) => new(Api.Json(body), System.Text.Encoding.UTF8, "application/json");
}
