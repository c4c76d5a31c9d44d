using System.Globalization;
using System.Net;
using System.Text.Json;

namespace Mbushja.Server.Tests;

/// <summary>
/// Catalog and fee editing with effective dates (an admin's work; docs/money.md): a price or the fee set from a future
/// local day on is recorded with who and why, leaves today's prices alone, and from that day on takes precedence over
/// the catalog file, for SMS and USSD payments alike.
/// </summary>
public abstract class CatalogChangesSpec(ClockedServerFixture server)
{
    private readonly TopUpWorld _world = new(server);

    protected ClockedServerFixture Server { get; } = server;

    [Fact]
    public async Task PriceAndFee_FromTomorrow_TodayUnchanged_TomorrowChargedAtTheNewPrice()
    {
        Server.Clock.Set(At("2026-05-10T21:30:00Z")); // 23:30 in Belgrade
        await ScheduleAsync(new { kind = "price", packageCode = "INTERNET_1", amountCents = 1_590, effectiveFrom = "2026-05-11", by = "admin.arben", reason = "New tariff" })
            .ExpectStatusAsync(HttpStatusCode.Created);
        await ScheduleAsync(new { kind = "fee", amountCents = 60, effectiveFrom = "2026-05-11", by = "admin.arben", reason = "New tariff" })
            .ExpectStatusAsync(HttpStatusCode.Created);

        Assert.Equal((1_490L, 50L), await TodaysAsync("INTERNET_1"));
        string holder = await _world.SubscriberAsync();
        string today = (await _world.ServiceAccountAsync("internet", "INTERNET_1")).String("username");
        await _world.RegisterAsync("BEK", holder, 100_000);
        JsonElement paidToday = await _world.SmsAsync("BEK", holder, $"internet {today}");
        Assert.Contains("14.90", paidToday.String("reply"), StringComparison.Ordinal);

        Server.Clock.Set(At("2026-05-10T22:00:00Z")); // local midnight: 11 May
        Assert.Equal((1_590L, 60L), await TodaysAsync("INTERNET_1"));
        string tomorrow = (await _world.ServiceAccountAsync("internet", "INTERNET_1")).String("username");
        JsonElement paidTomorrow = await _world.SmsAsync("BEK", holder, $"internet {tomorrow}");
        Assert.Contains("15.90", paidTomorrow.String("reply"), StringComparison.Ordinal);

        string phone = await _world.SubscriberAsync(5_000);
        await _world.PayInternetByUssdAsync(phone, tomorrow);
        Assert.Equal(5_000 - 1_590 - 60, await _world.CreditAsync(phone));

        JsonElement changes = await (await Server.Http.GetAsAdminAsync("/api/v1/catalog/changes")).ExpectAsync(HttpStatusCode.OK);
        JsonElement price = changes.GetProperty("changes").EnumerateArray().Single(c => c.String("kind") == "price" && c.String("packageCode") == "INTERNET_1");
        Assert.Equal("admin.arben", price.String("changedBy"));
        Assert.Equal("New tariff", price.String("reason"));
        Assert.Equal("2026-05-11", price.String("effectiveFrom"));
    }

    public static TheoryData<string, HttpStatusCode, string, string> Refusals => new()
    {
        { """{"kind":"price","packageCode":"INTERNET_2","amountCents":2100,"effectiveFrom":"2026-06-01","by":"a","reason":"r"}""", HttpStatusCode.UnprocessableEntity, "EFFECTIVE_DATE_NOT_FUTURE", "effectiveFrom" },
        { """{"kind":"price","packageCode":"INTERNET_2","amountCents":2100,"effectiveFrom":"2026-05-31","by":"a","reason":"r"}""", HttpStatusCode.UnprocessableEntity, "EFFECTIVE_DATE_NOT_FUTURE", "effectiveFrom" },
        { """{"kind":"price","packageCode":"NOPE","amountCents":2100,"effectiveFrom":"2026-06-02","by":"a","reason":"r"}""", HttpStatusCode.UnprocessableEntity, "UNKNOWN_PACKAGE", "packageCode" },
        { """{"kind":"price","packageCode":"PPV","amountCents":2100,"effectiveFrom":"2026-06-02","by":"a","reason":"r"}""", HttpStatusCode.UnprocessableEntity, "NO_MONTHLY_PRICE", "packageCode" },
        { """{"kind":"price","packageCode":"INTERNET_2","amountCents":0,"effectiveFrom":"2026-06-02","by":"a","reason":"r"}""", HttpStatusCode.UnprocessableEntity, "INVALID_AMOUNT", "amountCents" },
        { """{"kind":"fee","amountCents":-1,"effectiveFrom":"2026-06-02","by":"a","reason":"r"}""", HttpStatusCode.UnprocessableEntity, "INVALID_AMOUNT", "amountCents" },
        { """{"kind":"tax","amountCents":10,"effectiveFrom":"2026-06-02","by":"a","reason":"r"}""", HttpStatusCode.BadRequest, "INVALID_KIND", "kind" },
        { """{"kind":"fee","amountCents":10,"effectiveFrom":"2 June","by":"a","reason":"r"}""", HttpStatusCode.BadRequest, "INVALID_DATE", "effectiveFrom" },
        { """{"kind":"fee","amountCents":10,"effectiveFrom":"2026-06-02","reason":"r"}""", HttpStatusCode.BadRequest, "MISSING_FIELD", "by" },
        { """{"kind":"fee","amountCents":10,"effectiveFrom":"2026-06-02","by":"a"}""", HttpStatusCode.BadRequest, "MISSING_FIELD", "reason" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task Change_Invalid_IsRefused_AndNothingRecorded(string body, HttpStatusCode status, string code, string field)
    {
        Server.Clock.Set(At("2026-06-01T10:00:00Z"));
        int before = await CountAsync();

        await (await Server.Http.PostJsonAsync("/api/v1/catalog/changes", body)).ExpectProblemAsync(status, code, field);

        Assert.Equal(before, await CountAsync());
    }

    [Fact]
    public async Task Change_SameDateTwice_SecondIsRefused_FirstStands()
    {
        Server.Clock.Set(At("2026-07-01T10:00:00Z"));
        await ScheduleAsync(new { kind = "price", packageCode = "DUO_MAXI", amountCents = 3_100, effectiveFrom = "2026-07-05", by = "a", reason = "r" })
            .ExpectStatusAsync(HttpStatusCode.Created);

        await (await ScheduleAsync(new { kind = "price", packageCode = "duo_maxi", amountCents = 3_200, effectiveFrom = "2026-07-05", by = "b", reason = "r" }))
            .ExpectProblemAsync(HttpStatusCode.Conflict, "CHANGE_EXISTS", "effectiveFrom");

        Server.Clock.Set(At("2026-07-05T10:00:00Z"));
        Assert.Equal(3_100L, (await TodaysAsync("DUO_MAXI")).Price);
    }

    [Fact]
    public async Task Change_WithoutTheAdminKey_Is401()
    {
        await (await Server.Http.SendAsync(
                HttpMethod.Post,
                "/api/v1/catalog/changes",
                new StringContent("""{"kind":"fee","amountCents":10,"effectiveFrom":"2099-01-01","by":"a","reason":"r"}""", System.Text.Encoding.UTF8, "application/json"),
                null))
            .ExpectProblemAsync(HttpStatusCode.Unauthorized, "UNAUTHENTICATED");
    }

    private Task<HttpResponseMessage> ScheduleAsync(object body) => Server.Http.PostJsonAsync("/api/v1/catalog/changes", Api.Json(body));

    private async Task<(long Price, long Fee)> TodaysAsync(string package)
    {
        JsonElement catalog = await (await Server.Http.GetAsAdminAsync("/api/v1/catalog")).ExpectAsync(HttpStatusCode.OK);
        long price = catalog.GetProperty("packages").EnumerateArray().Single(p => p.String("code") == package).Long("priceCents");
        return (price, catalog.Long("feeCents"));
    }

    private async Task<int> CountAsync() =>
        (await (await Server.Http.GetAsAdminAsync("/api/v1/catalog/changes")).ExpectAsync(HttpStatusCode.OK)).GetProperty("changes").GetArrayLength();

    private static DateTimeOffset At(string utc) => DateTimeOffset.Parse(utc, CultureInfo.InvariantCulture);
}

internal static class StatusAssertions
{
    public static async Task ExpectStatusAsync(this Task<HttpResponseMessage> response, HttpStatusCode status) => await (await response).ExpectAsync(status);
}

public sealed class SqliteCatalogChangesTests(SqliteClockedServerFixture server) : CatalogChangesSpec(server), IClassFixture<SqliteClockedServerFixture>;

public sealed class PostgresCatalogChangesTests(PostgresClockedServerFixture server) : CatalogChangesSpec(server), IClassFixture<PostgresClockedServerFixture>;
