using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Mbushja.Storage;
using Mbushja.Testing;

namespace Mbushja.Server.Tests;

/// <summary>A server whose clock a test sets: top-ups on chosen sides of a local midnight.</summary>
public abstract class ClockedServerFixture : ServerFixture
{
    public FakeClock Clock { get; } = new(DateTimeOffset.Parse("2026-03-01T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture));

    protected override ServerSettings Configure(ServerSettings settings) => settings with { Time = Clock };
}

public sealed class SqliteClockedServerFixture : ClockedServerFixture
{
    protected override DatabaseKind Kind => DatabaseKind.Sqlite;
}

public sealed class PostgresClockedServerFixture : ClockedServerFixture
{
    protected override DatabaseKind Kind => DatabaseKind.Postgres;
}

/// <summary>
/// Settlement per bank per operator-local day and reconciliation of a bank's statement (docs/settlement-csv.md,
/// docs/bank-statement-csv.md) over real HTTP. Each test takes its own bank and days, so that the tests of a class
/// share the server.
/// </summary>
public abstract class FinanceSpec(ClockedServerFixture server) : IAsyncLifetime
{
    private const long Funds = 100_000;

    private readonly TopUpWorld _world = new(server);

    protected ClockedServerFixture Server { get; } = server;

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => Server.AssertLedgerInvariantsAsync();

    [Fact]
    public async Task Settlement_TopUpsOnBothSidesOfLocalMidnight_FallOnTheirLocalDays_ReversalAsANegativeLine()
    {
        Server.Clock.Set(At("2026-03-01T22:40:00Z")); // 23:40 in Belgrade (UTC+1)
        string holder = await _world.SubscriberAsync();
        string friend = await _world.SubscriberAsync();
        await _world.RegisterAsync("BEK", holder, Funds);
        string a = await TopUpAsync("BEK", holder, "5");
        Server.Clock.Set(At("2026-03-01T22:59:59Z"));
        string b = await TopUpAsync("BEK", holder, $"{friend} 2,50");
        Server.Clock.Set(At("2026-03-01T23:00:00Z")); // local midnight: 2 March
        string c = await TopUpAsync("BEK", holder, "10");
        Assert.Equal("rejected", (await _world.SmsAsync("BEK", holder, "hello")).String("status")); // no money moved: not settled
        Server.Clock.Set(At("2026-03-01T23:30:00Z"));
        await (await Server.Http.PostJsonAsync($"/api/v1/transactions/{a}/reversal", Api.Json(new { reason = "Mistake", by = "finance" })))
            .ExpectAsync(HttpStatusCode.OK);

        JsonElement first = await SettlementAsync("BEK", "2026-03-01");
        JsonElement second = await SettlementAsync("bek", "2026-03-02");

        Assert.Equal("Europe/Belgrade", first.String("timeZone"));
        Assert.Equal(At("2026-02-28T23:00:00Z"), first.GetProperty("from").GetDateTimeOffset());
        Assert.Equal(new[] { a, b }, Lines(first).Select(l => l.String("transactionId")));
        Assert.Equal(new[] { "topup", "topup" }, Lines(first).Select(l => l.String("kind")));
        Assert.Equal("2026-03-01T23:40:00+01:00", Lines(first)[0].GetProperty("time").GetString());
        Assert.Equal(E164(holder), Lines(first)[0].String("msisdn"));
        Assert.Contains("2.50", Lines(first)[1].String("targets"), StringComparison.Ordinal);
        Assert.Equal("completed", Lines(first)[0].String("state"));
        AssertTotals(first, topUps: 2, topUpCents: 750, reversals: 0, reversalCents: 0, net: 750);

        Assert.Equal([(c, "topup", 1_000L), (a, "reversal", -500L)], Lines(second).Select(l => (l.String("transactionId"), l.String("kind"), l.Long("amountCents"))));
        Assert.Equal("refunded", Lines(second)[1].String("state"));
        AssertTotals(second, topUps: 1, topUpCents: 1_000, reversals: 1, reversalCents: -500, net: 500);
    }

    [Fact]
    public async Task SettlementCsv_IsRfc4180_WithTheDocumentedColumns()
    {
        Server.Clock.Set(At("2026-04-05T21:30:00Z")); // 23:30 in Belgrade (UTC+2, summer)
        string holder = await _world.SubscriberAsync();
        string o1 = await _world.SubscriberAsync();
        string o2 = await _world.SubscriberAsync();
        await _world.RegisterAsync("BPB", holder, Funds);
        string a = await TopUpAsync("BPB", holder, "5");
        string b = await TopUpAsync("BPB", holder, $"{o1} 1 # {o2} 2");
        Server.Clock.Set(At("2026-04-05T22:10:00Z"));
        await TopUpAsync("BPB", holder, "7"); // 6 April locally
        await (await Server.Http.PostJsonAsync($"/api/v1/transactions/{a}/reversal", Api.Json(new { reason = "x", by = "y" }))).ExpectAsync(HttpStatusCode.OK);

        HttpResponseMessage response = await Server.Http.GetAsAdminAsync("/api/v1/banks/BPB/settlement.csv?date=2026-04-05");
        string csv = await response.Content.ReadAsStringAsync();
        HttpResponseMessage next = await Server.Http.GetAsAdminAsync("/api/v1/banks/BPB/settlement.csv?date=2026-04-06");
        string nextCsv = await next.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("settlement-BPB-2026-04-05.csv", response.Content.Headers.ContentDisposition?.ToString(), StringComparison.Ordinal);
        string[] records = csv.Split("\r\n");
        Assert.Equal("bank,date,kind,reference,transaction_id,time,msisdn,amount_eur,targets,state", records[0]);
        Assert.Equal("", records[^1]); // every record ends with CRLF
        Assert.Equal(4, records.Length);
        Assert.Equal($"BPB,2026-04-05,topup,{a[^8..].ToUpperInvariant()},{a},2026-04-05T23:30:00+02:00,{E164(holder)},5.00,{holder} 5.00,completed", records[1]);
        Assert.Equal($"BPB,2026-04-05,topup,{b[^8..].ToUpperInvariant()},{b},2026-04-05T23:30:00+02:00,{E164(holder)},3.00,{o1} 1.00; {o2} 2.00,completed", records[2]);
        Assert.Contains($",reversal,{a[^8..].ToUpperInvariant()},{a},2026-04-06T00:10:00+02:00,{E164(holder)},-5.00,{holder} 5.00,refunded\r\n", nextCsv, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reconciliation_ReportsMatchedMissingAtBankMissingHereAndMismatches_AndRecordsIt()
    {
        Server.Clock.Set(At("2026-03-10T09:00:00Z"));
        string holder = await _world.SubscriberAsync();
        await _world.RegisterAsync("TEB", holder, Funds);
        string t1 = await TopUpAsync("TEB", holder, "5");
        string t2 = await TopUpAsync("TEB", holder, "7");
        string t3 = await TopUpAsync("TEB", holder, "3");
        string t4 = await TopUpAsync("TEB", holder, "4");
        await (await Server.Http.PostJsonAsync($"/api/v1/transactions/{t3}/reversal", Api.Json(new { reason = "x", by = "y" }))).ExpectAsync(HttpStatusCode.OK);
        string statement =
            "Reference,Date,Amount,Description\r\n"
            + $"{t1},2026-03-10,5.00,IPKO top-up\r\n"
            + $"{t2},2026-03-10,7.50,\"IPKO, top-up\"\r\n"
            + $"{t3},2026-03-10,3.00,IPKO top-up\r\n"
            + $"rf-{t3},2026-03-10,-3.00,IPKO reversal\r\n"
            + "\r\n"
            + "BANK-ONLY-1,2026-03-10,1.00,unknown\r\n";

        JsonElement report = await (await ReconcileAsync("TEB", "2026-03-10", statement, "?by=arta.finance")).ExpectAsync(HttpStatusCode.OK);

        Assert.Equal(5, report.GetProperty("statementLines").GetInt32());
        Assert.Equal(new[] { t1, t3, "rf-" + t3 }, References(report, "matched"));
        Assert.Equal(new[] { t2 }, References(report, "mismatched"));
        Assert.Equal((700L, 750L), (report.GetProperty("mismatched")[0].Long("platformCents"), report.GetProperty("mismatched")[0].Long("bankCents")));
        Assert.Equal(new[] { "BANK-ONLY-1" }, References(report, "missingHere"));
        Assert.Equal(7, report.GetProperty("missingHere")[0].Long("statementLine"));
        Assert.Equal(new[] { t4 }, References(report, "missingAtBank"));
        JsonElement list = await (await Server.Http.GetAsAdminAsync("/api/v1/banks/TEB/reconciliations")).ExpectAsync(HttpStatusCode.OK);
        JsonElement recorded = list.GetProperty("reconciliations")[0];
        Assert.Equal(report.String("id"), recorded.String("id"));
        Assert.Equal("arta.finance", recorded.String("uploadedBy"));
        Assert.Equal((3, 1, 1, 1), (recorded.GetProperty("matched").GetInt32(), recorded.GetProperty("missingAtBank").GetInt32(), recorded.GetProperty("missingHere").GetInt32(), recorded.GetProperty("mismatched").GetInt32()));
    }

    /// <summary>One malformed statement per row, the line (1 = the header) and field its error must name.</summary>
    public static TheoryData<string, int, string?> MalformedStatements => new()
    {
        { "", 1, "reference" },
        { "reference,date\r\nx,2026-03-20\r\n", 1, "amount" },
        { "reference,date,amount\r\nx,20.03.2026,5.00\r\n", 2, "date" },
        { "reference,date,amount\r\nx,2026-03-21,5.00\r\n", 2, "date" },
        { "reference,date,amount\r\nx,2026-03-20,\"5,50\"\r\n", 2, "amount" },
        { "reference,date,amount\r\nx,2026-03-20,5.555\r\n", 2, "amount" },
        { "reference,date,amount\r\nx,2026-03-20,five\r\n", 2, "amount" },
        { "reference,date,amount\r\nx,2026-03-20,5.00\r\ny,2026-03-20\r\n", 3, "amount" },
        { "reference,date,amount\r\n,2026-03-20,5.00\r\n", 2, "reference" },
        { "reference,date,amount\r\nx,2026-03-20,5.00\r\ny\"z,2026-03-20,1.00\r\n", 3, null },
        { "reference,date,amount\r\nx,2026-03-20,5.00\r\n\"y,2026-03-20,1.00\r\n", 3, null },
        { "reference,date,amount\r\nx,2026-03-20,5.00\r\nX,2026-03-20,1.00\r\n", 3, "reference" },
    };

    [Theory]
    [MemberData(nameof(MalformedStatements))]
    public async Task Reconciliation_MalformedStatement_NamesLineAndField_AndRecordsNothing(string statement, int line, string? field)
    {
        int before = await RecordedAsync("PCB");

        JsonElement problem = await (await ReconcileAsync("PCB", "2026-03-20", statement)).ExpectClientErrorAsync();

        Assert.Equal(400, problem.GetProperty("status").GetInt32());
        Assert.Equal("MALFORMED_STATEMENT", problem.String("code"));
        Assert.Equal(line, problem.GetProperty("line").GetInt32());
        Assert.StartsWith($"Line {line}", problem.String("detail"), StringComparison.Ordinal);
        if (field is null)
        {
            Assert.False(problem.TryGetProperty("field", out _));
        }
        else
        {
            Assert.Equal(field, problem.String("field"));
        }

        Assert.Equal(before, await RecordedAsync("PCB"));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Reconciliation_OverFiveMegabytes_Is413_AndRecordsNothing(bool knownLength)
    {
        var statement = new StringBuilder("reference,date,amount,padding\r\n");
        string padding = new('x', 1000);
        for (int i = 0; statement.Length <= 5 * 1024 * 1024; i++)
        {
            statement.Append("ref-").Append(i).Append(",2026-03-21,1.00,").Append(padding).Append("\r\n");
        }

        int before = await RecordedAsync("NLB");
        byte[] bytes = Encoding.UTF8.GetBytes(statement.ToString());
        HttpContent content = knownLength ? new ByteArrayContent(bytes) : new UnknownLengthContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("text/csv");

        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/banks/NLB/reconciliation?date=2026-03-21") { Content = content };
        request.Headers.Authorization = AuthenticationHeaderValue.Parse(Api.Admin!);
        // A server that refuses by Content-Length answers before the body: the client waits for that (as curl does).
        request.Headers.ExpectContinue = knownLength;
        HttpResponseMessage response = await Server.Http.SendAsync(request);

        JsonElement problem = await response.ExpectProblemAsync(HttpStatusCode.RequestEntityTooLarge, "STATEMENT_TOO_LARGE");
        Assert.Contains("5 MB", problem.String("detail"), StringComparison.Ordinal);
        Assert.Equal(before, await RecordedAsync("NLB"));
    }

    [Fact]
    public async Task Reconciliation_OverAHundredThousandLines_Is413()
    {
        var statement = new StringBuilder("reference,date,amount\r\n");
        for (int i = 0; i <= 100_000; i++)
        {
            statement.Append('r').Append(i).Append(",2026-03-22,1.00\r\n");
        }

        JsonElement problem = await (await ReconcileAsync("RBKO", "2026-03-22", statement.ToString())).ExpectProblemAsync(HttpStatusCode.RequestEntityTooLarge, "STATEMENT_TOO_LARGE");

        Assert.Contains("100,000 lines", problem.String("detail"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Finance_BadBankOrDateOrNoKey_IsAClearProblem()
    {
        await (await Server.Http.GetAsAdminAsync("/api/v1/banks/XYZ/settlement?date=2026-03-01")).ExpectProblemAsync(HttpStatusCode.NotFound, "UNKNOWN_BANK", "code");
        await (await Server.Http.GetAsAdminAsync("/api/v1/banks/BEK/settlement?date=01.03.2026")).ExpectProblemAsync(HttpStatusCode.BadRequest, "INVALID_DATE", "date");
        await (await Server.Http.GetAsync("/api/v1/banks/BEK/settlement.csv?date=2026-03-01", null)).ExpectProblemAsync(HttpStatusCode.Unauthorized, "UNAUTHENTICATED");
        await (await Server.Http.SendAsync(HttpMethod.Post, "/api/v1/banks/BEK/reconciliation?date=2026-03-01", new StringContent("reference,date,amount\r\n"), null))
            .ExpectProblemAsync(HttpStatusCode.Unauthorized, "UNAUTHENTICATED");
    }

    private async Task<string> TopUpAsync(string bank, string from, string text)
    {
        JsonElement answer = await _world.SmsAsync(bank, from, text);
        Assert.Equal("completed", answer.String("status"));
        return answer.String("transactionId");
    }

    private async Task<JsonElement> SettlementAsync(string bank, string date) =>
        await (await Server.Http.GetAsAdminAsync($"/api/v1/banks/{bank}/settlement?date={date}")).ExpectAsync(HttpStatusCode.OK);

    private Task<HttpResponseMessage> ReconcileAsync(string bank, string date, string csv, string query = "") =>
        Server.Http.SendAsync(
            HttpMethod.Post,
            $"/api/v1/banks/{bank}/reconciliation{(query.Length == 0 ? "?" : query + "&")}date={date}",
            new StringContent(csv, Encoding.UTF8, "text/csv"),
            Api.Admin);

    private async Task<int> RecordedAsync(string bank) =>
        (await (await Server.Http.GetAsAdminAsync($"/api/v1/banks/{bank}/reconciliations")).ExpectAsync(HttpStatusCode.OK)).GetProperty("reconciliations").GetArrayLength();

    private static JsonElement[] Lines(JsonElement settlement) => [.. settlement.GetProperty("lines").EnumerateArray()];

    private static string[] References(JsonElement report, string group) => [.. report.GetProperty(group).EnumerateArray().Select(i => i.String("reference"))];

    private static void AssertTotals(JsonElement settlement, int topUps, long topUpCents, int reversals, long reversalCents, long net)
    {
        JsonElement totals = settlement.GetProperty("totals");
        Assert.Equal(
            (topUps, topUpCents, reversals, reversalCents, net),
            (totals.GetProperty("topUpCount").GetInt32(), totals.Long("topUpCents"), totals.GetProperty("reversalCount").GetInt32(), totals.Long("reversalCents"), totals.Long("netCents")));
    }

    private static DateTimeOffset At(string utc) => DateTimeOffset.Parse(utc, System.Globalization.CultureInfo.InvariantCulture);

    private static string E164(string national) => TopUpWorld.E164(national);

    /// <summary>A body sent chunked: the server learns its size only by reading it.</summary>
    private sealed class UnknownLengthContent(byte[] bytes) : HttpContent
    {
        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => stream.WriteAsync(bytes).AsTask();

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}

public sealed class SqliteFinanceTests(SqliteClockedServerFixture server) : FinanceSpec(server), IClassFixture<SqliteClockedServerFixture>;

public sealed class PostgresFinanceTests(PostgresClockedServerFixture server) : FinanceSpec(server), IClassFixture<PostgresClockedServerFixture>;
