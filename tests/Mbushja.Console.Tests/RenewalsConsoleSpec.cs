using System.Net;
using Mbushja.TopUp;
using Microsoft.Extensions.DependencyInjection;

namespace Mbushja.WebConsole.Tests;

/// <summary>
/// Automatic renewals in the console (docs/design/renewals.md): the holder's bank sets and stops one on the
/// registration's page, in the bank's own grammar, audited; a number's lookup page lists those it pays; the phone
/// emulator shows the SMS the platform sent the number. On both engines, with the demo data.
/// </summary>
public abstract class RenewalsConsoleSpec(ConsoleHost host)
{
    [Fact]
    public async Task BankOfficer_SetsARenewalOnItsRegistration_ListedThere_AndOnTheNumbersPage_ThenStopsIt()
    {
        using var officer = new ConsoleClient(host.BaseAddress);
        await officer.SignInAsync("teb.officer");
        Registration teb = await host.DemoRegistrationAsync("TEB");
        string page = $"/console/registrations/TEB/{teb.Id}";

        using HttpResponseMessage set = await officer.SubmitAsync(page, page + "?handler=Renew", ("Msisdn", "049111111"), ("RenewAccount", "edon"));
        string afterSet = WebUtility.HtmlDecode(await set.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        Assert.Contains("ipko edon int", afterSet, StringComparison.Ordinal);
        Renewal renewal = Assert.Single(
            await host.Server.App.Services.GetRequiredService<Renewals>().OfMemberAsync("TEB", teb.Holder.E164), r => r.Text == "ipko edon int");
        Assert.Equal("teb.officer", renewal.SetBy);

        using var agent = new ConsoleClient(host.BaseAddress);
        await agent.SignInAsync("agent");
        (HttpStatusCode lookupStatus, string lookup) = await agent.GetTextAsync("/console/lookup?q=049111111");
        Assert.Equal(HttpStatusCode.OK, lookupStatus);
        Assert.Contains("ipko edon int", WebUtility.HtmlDecode(lookup), StringComparison.Ordinal);

        using HttpResponseMessage stop = await officer.SubmitAsync(page, page + "?handler=StopRenewal", ("RenewAccount", renewal.ServiceAccountId));
        Assert.Equal(HttpStatusCode.OK, stop.StatusCode);
        Assert.Null(await host.Server.App.Services.GetRequiredService<Renewals>().FindAsync(renewal.ServiceAccountId));
    }

    [Fact]
    public async Task Subscriber_SetsARenewalFromCreditInUssd_ListedOnTheNumbersPage_WithItsPackageAndAccount()
    {
        string end = await host.PayByUssdAsync("049600008", "5", "2", "5", "flaka", "1");
        Assert.StartsWith("END U vendos: Internet Pako 3 per flaka, 25.40 €", end, StringComparison.Ordinal);

        using var agent = new ConsoleClient(host.BaseAddress);
        await agent.SignInAsync("agent");
        agent.Cookies.Add(new Cookie(ConsoleText.Cookie, "en", "/", host.BaseAddress.Host));
        (HttpStatusCode status, string lookup) = await agent.GetTextAsync("/console/lookup?q=049600008");

        Assert.Equal(HttpStatusCode.OK, status);
        string page = WebUtility.HtmlDecode(lookup);
        Assert.Contains("<td>Credit (USSD *101#)</td><td>Internet Pako 3 · flaka</td><td>ussd</td>", page, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("049111111", "nobody.at.all", "No account with a monthly package")]
    [InlineData("049444444", "edon", "holder or one of its authorised persons")]
    public async Task BankOfficer_ARenewalThatCannotBe_IsRefusedWithTheReason_NothingSet(string payer, string account, string reason)
    {
        using var officer = new ConsoleClient(host.BaseAddress);
        await officer.SignInAsync("teb.officer");
        officer.Cookies.Add(new Cookie(ConsoleText.Cookie, "en", "/", host.BaseAddress.Host));
        Registration teb = await host.DemoRegistrationAsync("TEB");
        string page = $"/console/registrations/TEB/{teb.Id}";

        using HttpResponseMessage set = await officer.SubmitAsync(page, page + "?handler=Renew", ("Msisdn", payer), ("RenewAccount", account));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, set.StatusCode);
        Assert.Contains(reason, WebUtility.HtmlDecode(await set.Content.ReadAsStringAsync()), StringComparison.Ordinal);
    }
}

public sealed class SqliteRenewalsConsoleTests(SqliteConsoleHost host) : RenewalsConsoleSpec(host), IClassFixture<SqliteConsoleHost>;

public sealed class PostgresRenewalsConsoleTests(PostgresConsoleHost host) : RenewalsConsoleSpec(host), IClassFixture<PostgresConsoleHost>;
