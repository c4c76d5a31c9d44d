using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Mbushja.Sms;
using Mbushja.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Mbushja.Server.Tests;

/// <summary>
/// Reconciliation of a bank's ISO 20022 statement (camt.053) or notification (camt.054), versions 001.02 and 001.08,
/// over real HTTP (docs/bank-statement-camt.md): every kind of difference in the same report as the CSV's, and the
/// refusals that record nothing. Each test takes its own bank and days, so that the tests of a class share the server.
/// </summary>
public abstract class CamtReconciliationSpec(ClockedServerFixture server) : IAsyncLifetime
{
    private const long Funds = 100_000;
    private const string Xml = "application/xml";

    private readonly TopUpWorld _world = new(server);

    protected ClockedServerFixture Server { get; } = server;

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => Server.AssertLedgerInvariantsAsync();

    [Theory]
    [InlineData("camt.053.001.08", "2026-04-14")]
    [InlineData("camt.053.001.02", "2026-04-15")]
    [InlineData("camt.054.001.08", "2026-04-16")]
    [InlineData("camt.054.001.02", "2026-04-17")]
    public async Task Reconciliation_Camt_ReportsMatchedMissingAtBankMissingHereAndMismatches_AndRecordsIt(string message, string date)
    {
        Server.Clock.Set(At($"{date}T08:00:00Z"));
        string holder = await _world.SubscriberAsync();
        // TEB asks a sender to confirm the sixth payment since the last confirmation (README "Confirmation above a
        // threshold"): the sixth of the day's top-ups comes from the authorised person, from the same account.
        string authorized = await _world.SubscriberAsync();
        await _world.RegisterAsync("TEB", holder, Funds, authorized: [authorized]);
        string t1 = await TopUpAsync("TEB", holder, "5");
        string t2 = await TopUpAsync("TEB", holder, "7");
        string t3 = await TopUpAsync("TEB", holder, "3");
        string t4 = await TopUpAsync("TEB", holder, "4");
        string t5 = await TopUpAsync("TEB", holder, "2");
        string t6 = await TopUpAsync("TEB", authorized, "6");
        await (await Server.Http.PostJsonAsync($"/api/v1/transactions/{t3}/reversal", Api.Json(new { reason = "x", by = "y" }))).ExpectAsync(HttpStatusCode.OK);
        string elsewhere = Guid.CreateVersion7().ToString("N"); // a hold id of no top-up of that day
        string fee = $"TEB-FEE-{date}";
        byte[] statement = new CamtStatement(message, SettlementAccount("TEB"), Day(date))
            .Entry(500, t1, remittance: $"IPKO {Short(t1)}")                 // matched by EndToEndId
            .Entry(750, t2)                                                    // the bank took 7.50 for a 7.00 top-up
            .Batch((300, t3, null), (200, null, $"IPKO {Short(t5)}"))          // a batch: by EndToEndId, and by the reference text alone
            .Entry(-300, "rf-" + t3, remittance: $"IPKO reversal {Short(t3)}") // the reversal's refund
            .Entry(600, t6)
            .Entry(-600, t6, reversal: true)                                   // the bank reversed it: together, nothing moved
            .Entry(-150, servicerRef: fee)                                     // the bank's fee: no reference of ours
            .Entry(900, elsewhere)                                             // an id the platform does not have that day
            .Entry(400, t4, status: "PDNG")                                    // pending: not money moved, so t4 is missing at the bank
            .ToBytes();

        JsonElement report = await (await ReconcileAsync("TEB", statement, $"?date={date}&by=arta.finance")).ExpectAsync(HttpStatusCode.OK);

        Assert.Equal(message, report.String("format"));
        Assert.Equal(date, report.String("date"));
        Assert.Equal(new[] { t1, t3, t5, "rf-" + t3 }, References(report, "matched"));
        Assert.Equal(new[] { (t2, 700L, 750L), (t6, 600L, 0L) }, Items(report, "mismatched").Select(i => (i.String("reference"), i.Long("platformCents"), i.Long("bankCents"))));
        Assert.Equal(new[] { t4 }, References(report, "missingAtBank"));
        Assert.Equal(new[] { (fee, -150L), (elsewhere, 900L) }, Items(report, "missingHere").Select(i => (i.String("reference"), i.Long("bankCents"))));
        Assert.All(Items(report, "missingHere"), i => Assert.True(i.Long("statementLine") > 5));
        Assert.Equal(8, report.GetProperty("statementLines").GetInt32());
        // Listed newest first by the (fake) clock: the rows of this theory upload on their own days, in any order.
        JsonElement recorded = Assert.Single(
            (await (await Server.Http.GetAsAdminAsync("/api/v1/banks/TEB/reconciliations")).ExpectAsync(HttpStatusCode.OK)).GetProperty("reconciliations").EnumerateArray(),
            r => r.String("id") == report.String("id"));
        Assert.Equal("arta.finance", recorded.String("uploadedBy"));
        Assert.Equal((4, 1, 2, 2), (recorded.GetProperty("matched").GetInt32(), recorded.GetProperty("missingAtBank").GetInt32(), recorded.GetProperty("missingHere").GetInt32(), recorded.GetProperty("mismatched").GetInt32()));
    }

    [Fact]
    public async Task Reconciliation_CamtWithoutADateAsked_IsOfTheStatementsOwnDay()
    {
        Server.Clock.Set(At("2026-04-18T10:00:00Z"));
        string holder = await _world.SubscriberAsync();
        await _world.RegisterAsync("NLB", holder, Funds);
        string t1 = await TopUpAsync("NLB", holder, "5");
        Server.Clock.Set(At("2026-04-20T10:00:00Z"));
        byte[] statement = new CamtStatement("camt.054.001.08", SettlementAccount("NLB"), Day("2026-04-18")).Entry(500, t1).ToBytes();

        JsonElement report = await (await ReconcileAsync("NLB", statement)).ExpectAsync(HttpStatusCode.OK);

        Assert.Equal("2026-04-18", report.String("date"));
        Assert.Equal(new[] { t1 }, References(report, "matched"));
    }

    /// <summary>One refused message per row: why, and the code and the element the problem must name.</summary>
    public static TheoryData<string, string, string?> Refused => new()
    {
        { "a statement of another day", "WRONG_STATEMENT_DAY", "Stmt/FrToDt" },
        { "an entry booked on another day", "WRONG_STATEMENT_DAY", "Stmt/Ntry/BookgDt" },
        { "another account", "WRONG_STATEMENT_ACCOUNT", "Stmt/Acct" },
        { "another bank's settlement account", "WRONG_STATEMENT_ACCOUNT", "Stmt/Acct" },
        { "an amount in dollars", "WRONG_STATEMENT_CURRENCY", "Stmt/Ntry/Amt" },
        { "three decimals", "MALFORMED_STATEMENT", "Stmt/Ntry/Amt" },
        { "XML cut short", "MALFORMED_STATEMENT", null },
        { "a DTD with entities", "MALFORMED_STATEMENT", null },
        { "a version not read here", "UNSUPPORTED_STATEMENT", null },
        { "balances that do not add up", "MALFORMED_STATEMENT", "Stmt/Bal" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public async Task Reconciliation_CamtRefused_SaysWhy_AndRecordsNothing(string why, string code, string? field)
    {
        const string date = "2026-04-21";
        CamtStatement Statement(string day = date, string? account = null) =>
            new CamtStatement("camt.053.001.08", account ?? SettlementAccount("PCB"), Day(day)).Entry(500, Guid.CreateVersion7().ToString("N"));
        string text = why switch
        {
            "a statement of another day" => Statement("2026-04-20").ToString(),
            "an entry booked on another day" => Statement().Entry(300, Guid.CreateVersion7().ToString("N"), booked: Day("2026-04-22")).ToString(),
            "another account" => Statement(account: _world.FreshIban()).ToString(),
            "another bank's settlement account" => Statement(account: SettlementAccount("BEK")).ToString(),
            "an amount in dollars" => Statement().ToString().Replace("<Amt Ccy=\"EUR\">5.00", "<Amt Ccy=\"USD\">5.00", StringComparison.Ordinal),
            "three decimals" => Statement().ToString().Replace("<Amt Ccy=\"EUR\">5.00</Amt><CdtDbtInd", "<Amt Ccy=\"EUR\">5.000</Amt><CdtDbtInd", StringComparison.Ordinal),
            "XML cut short" => Statement().ToString()[..300],
            "a DTD with entities" => Statement().ToString().Replace("<Document", "<!DOCTYPE d [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;\">]>\n<Document", StringComparison.Ordinal),
            "a version not read here" => Statement().ToString().Replace("camt.053.001.08", "camt.053.001.04", StringComparison.Ordinal),
            "balances that do not add up" => Statement().ToString().Replace("<Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy=\"EUR\">1005.00", "<Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy=\"EUR\">1004.00", StringComparison.Ordinal),
            _ => throw new ArgumentOutOfRangeException(nameof(why), why, null),
        };
        int before = await RecordedAsync("PCB");

        JsonElement problem = await (await ReconcileAsync("PCB", Encoding.UTF8.GetBytes(text), $"?date={date}")).ExpectProblemAsync(HttpStatusCode.BadRequest, code);

        Assert.Equal(field, problem.TryGetProperty("field", out JsonElement blamed) ? blamed.GetString() : null);
        Assert.False(string.IsNullOrWhiteSpace(problem.String("detail")), why);
        Assert.Equal(before, await RecordedAsync("PCB"));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Reconciliation_CamtOverTwentyMegabytes_Is413_AndRecordsNothing(bool knownLength)
    {
        string statement = new CamtStatement("camt.053.001.02", SettlementAccount("RBKO"), Day("2026-04-22")).ToString();
        byte[] bytes = Encoding.UTF8.GetBytes(statement + "<!--" + new string('x', 20 * 1024 * 1024) + "-->");
        int before = await RecordedAsync("RBKO");
        HttpContent content = knownLength ? new ByteArrayContent(bytes) : new ChunkedContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue(Xml);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/banks/RBKO/reconciliation?date=2026-04-22") { Content = content };
        request.Headers.Authorization = AuthenticationHeaderValue.Parse(Api.Admin!);
        request.Headers.ExpectContinue = knownLength;

        JsonElement problem = await (await Server.Http.SendAsync(request)).ExpectProblemAsync(HttpStatusCode.RequestEntityTooLarge, "STATEMENT_TOO_LARGE");

        Assert.Contains("20 MB", problem.String("detail"), StringComparison.Ordinal);
        Assert.Equal(before, await RecordedAsync("RBKO"));
    }

    [Fact]
    public async Task Reconciliation_CamtOverTheCsvLimit_IsRead()
    {
        // 6 MB: over a CSV's 5 MB, within a camt message's 20 MB (XML is wordy).
        string statement = new CamtStatement("camt.054.001.02", SettlementAccount("RBKO"), Day("2026-04-23")).Entry(100, Guid.CreateVersion7().ToString("N")).ToString();
        byte[] bytes = Encoding.UTF8.GetBytes(statement + "<!--" + new string('x', 6 * 1024 * 1024) + "-->");

        JsonElement report = await (await ReconcileAsync("RBKO", bytes, "?date=2026-04-23")).ExpectAsync(HttpStatusCode.OK);

        Assert.Equal(1, report.GetProperty("missingHere").GetArrayLength());
    }

    private string SettlementAccount(string bank) =>
        Server.Server.App.Services.GetRequiredService<BankDirectory>().ByCode(bank)!.SettlementAccount!.Value.Value;

    private async Task<string> TopUpAsync(string bank, string from, string text)
    {
        JsonElement answer = await _world.SmsAsync(bank, from, text);
        Assert.Equal("completed", answer.String("status"));
        return answer.String("transactionId");
    }

    private Task<HttpResponseMessage> ReconcileAsync(string bank, byte[] statement, string query = "")
    {
        var content = new ByteArrayContent(statement);
        content.Headers.ContentType = new MediaTypeHeaderValue(Xml);
        return Server.Http.SendAsync(HttpMethod.Post, $"/api/v1/banks/{bank}/reconciliation{query}", content, Api.Admin);
    }

    private async Task<int> RecordedAsync(string bank) =>
        (await (await Server.Http.GetAsAdminAsync($"/api/v1/banks/{bank}/reconciliations")).ExpectAsync(HttpStatusCode.OK)).GetProperty("reconciliations").GetArrayLength();

    private static JsonElement[] Items(JsonElement report, string group) => [.. report.GetProperty(group).EnumerateArray()];

    private static string[] References(JsonElement report, string group) => [.. Items(report, group).Select(i => i.String("reference"))];

    /// <summary>The reference a reply quotes and the bank was sent: the id's last eight hex digits, upper case.</summary>
    private static string Short(string id) => id[^8..].ToUpperInvariant();

    private static DateOnly Day(string date) => DateOnly.ParseExact(date, "yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static DateTimeOffset At(string utc) => DateTimeOffset.Parse(utc, CultureInfo.InvariantCulture);

    /// <summary>A body sent chunked: the server learns its size only by reading it.</summary>
    private sealed class ChunkedContent(byte[] bytes) : HttpContent
    {
        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => stream.WriteAsync(bytes).AsTask();

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}

public sealed class SqliteCamtReconciliationTests(SqliteClockedServerFixture server) : CamtReconciliationSpec(server), IClassFixture<SqliteClockedServerFixture>;

public sealed class PostgresCamtReconciliationTests(PostgresClockedServerFixture server) : CamtReconciliationSpec(server), IClassFixture<PostgresClockedServerFixture>;
