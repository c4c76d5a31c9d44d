using Mbushja.Domain;
using Mbushja.WebConsole.Users;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Mbushja.WebConsole.Tests;

/// <summary>
/// The console in a browser (README "Console"): a real server with the demo data and Chromium clicking through sign-in,
/// dashboard, lookup, the trail of a top-up made through the SMS API, a registration with its refused fifth person,
/// users and the audit log. Each page seen is photographed into <c>.artifacts/screenshots/</c>.
/// </summary>
public sealed class ConsoleBrowserSpec(SqliteConsoleHost host, Browser browser) : IClassFixture<SqliteConsoleHost>, IClassFixture<Browser>
{
    private Task<ConsoleTab> OpenAsync(string test, string language = "en") => ConsoleTab.OpenAsync(browser, host.BaseAddress, test, language);

    [Fact]
    public async Task SignIn_WrongPasswordThenFiveOfThem_SaysSoThenLocksOut()
    {
        string user = await host.NewUserAsync(ConsoleRole.Agent);
        await using ConsoleTab tab = await OpenAsync("signin");
        await tab.ShotAsync("sign-in");

        for (int attempt = 1; attempt <= 5; attempt++)
        {
            await tab.Page.FillAsync("#username", user);
            await tab.Page.FillAsync("#password", "not-my-password");
            await tab.Page.ClickAsync("#sign-in");
            if (attempt < 5)
            {
                await Expect(tab.Page.Locator(".problem")).ToHaveTextAsync("Wrong username or password.");
            }
            else
            {
                await Expect(tab.Page.Locator(".problem")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^Too many wrong passwords: this name is locked out from this address until "));
            }

            if (attempt is 1 or 5)
            {
                await tab.ShotAsync(attempt == 1 ? "wrong-password" : "locked-out");
            }
        }

        // Locked: the right password does not open it either.
        await tab.Page.FillAsync("#username", user);
        await tab.Page.FillAsync("#password", ConsoleHost.Password);
        await tab.Page.ClickAsync("#sign-in");
        await Expect(tab.Page.Locator(".problem")).ToContainTextAsync("locked out from this address until");
        await Expect(tab.Page.Locator("#signed-in-as")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task SignIn_InAlbanianByDefault_ThenTheLanguageSwitchIsRemembered()
    {
        await using ConsoleTab tab = await OpenAsync("language", language: "sq");
        await Expect(tab.Page.Locator("h1")).ToHaveTextAsync("Hyrja në konsolë");
        await tab.ShotAsync("sign-in-sq");

        await tab.SignInAsync("agent");
        await Expect(tab.Page.Locator("h1")).ToContainTextAsync("Paneli");
        await tab.Page.ClickAsync("#lang-en");
        await Expect(tab.Page.Locator("h1")).ToContainTextAsync("Dashboard");
        await tab.Page.ClickAsync("#nav-lookup");
        await Expect(tab.Page.Locator("h1")).ToHaveTextAsync("Lookup");
        await tab.ShotAsync("lookup-en");
    }

    [Fact]
    public async Task Dashboard_AfterTopUpsAndARefusal_ChartsThemByChannelBankAndReason()
    {
        Assert.Equal("completed", (await host.TopUpAsync("049111111", "50001", "2")).Status);
        Assert.Equal("rejected", (await host.SendSmsAsync("049111111", "50001", "what is this")).Status);
        await using ConsoleTab tab = await OpenAsync("dashboard");
        await tab.SignInAsync("agent");

        await tab.GoAsync("/console/dashboard");

        await Expect(tab.Page.Locator("h1")).ToContainTextAsync("Dashboard");
        Assert.True(int.Parse((await tab.Page.Locator("#tile-sms .figure").TextContentAsync())!, System.Globalization.CultureInfo.InvariantCulture) >= 1);
        Assert.True(int.Parse((await tab.Page.Locator("#volume-bank g.series[data-series='TEB']").GetAttributeAsync("data-total"))!, System.Globalization.CultureInfo.InvariantCulture) >= 1);
        await Expect(tab.Page.Locator("#refusals g.row[data-label='UNKNOWN_COMMAND']")).ToHaveCountAsync(1);
        await Expect(tab.Page.Locator("#value-channel g.series[data-series='USSD']")).ToHaveCountAsync(1);
        await Expect(tab.Page.Locator("#success-rate g.series")).ToHaveAttributeAsync("data-total", new System.Text.RegularExpressions.Regex(@"^\d+\.\d%$"));
        await Expect(tab.Page.Locator("figure.chart svg")).ToHaveCountAsync(7);
        await tab.ShotAsync("dashboard");
    }

    [Fact]
    public async Task Lookup_ByNumberAccountAndReference_FindsCreditRegistrationsAndHistory()
    {
        (_, _, string reply) = await host.SendSmsAsync("049222222", "50005", "049222222 1");
        await using ConsoleTab tab = await OpenAsync("lookup");
        await tab.SignInAsync("agent");
        await tab.GoAsync("/console/lookup");

        await tab.Page.FillAsync("#q", "049222222");
        await tab.Page.ClickAsync("#search");
        await Expect(tab.Page.Locator("#subscriber h2")).ToHaveTextAsync("+38349222222");
        await Expect(tab.Page.Locator("#credit")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^\d+\.\d\d EUR$"));
        await Expect(tab.Page.Locator("#subscriber table.registrations tbody tr")).ToHaveCountAsync(6);
        // Its own number: the top-up is one it sent and one it received.
        await Expect(tab.Page.Locator("#subscriber #sent a.tx-link", new() { HasText = ConsoleHost.ReferenceIn(reply) })).ToHaveCountAsync(1);
        await Expect(tab.Page.Locator("#subscriber #received a.tx-link", new() { HasText = ConsoleHost.ReferenceIn(reply) })).ToHaveCountAsync(1);
        await tab.ShotAsync("by-number");

        await tab.Page.FillAsync("#q", "700100200");
        await tab.Page.ClickAsync("#search");
        await Expect(tab.Page.Locator("#package")).ToHaveTextAsync("DTV_FAMILJARE");
        await tab.ShotAsync("by-smart-card");

        await tab.Page.FillAsync("#q", "038123456");
        await tab.Page.ClickAsync("#search");
        await Expect(tab.Page.Locator("#package")).ToHaveTextAsync("FIXED_LINE");

        await tab.Page.FillAsync("#q", ConsoleHost.ReferenceIn(reply));
        await tab.Page.ClickAsync("#search");
        await Expect(tab.Page.Locator("#found-transaction a.tx-link")).ToHaveTextAsync(ConsoleHost.ReferenceIn(reply));
        await tab.ShotAsync("by-reference");

        await tab.Page.FillAsync("#q", "no-such-thing-anywhere");
        await tab.Page.ClickAsync("#search");
        await Expect(tab.Page.Locator("#nothing")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task Trail_OfATopUpMadeThroughTheSmsApi_ShowsMessageInterpretationBankLedgerAndReply()
    {
        (string status, string? id, string reply) = await host.TopUpAsync("049111111", "50001", "049111111 3");
        Assert.Equal("completed", status);
        await using ConsoleTab tab = await OpenAsync("trail");
        await tab.SignInAsync("supervisor");
        await tab.GoAsync("/console/lookup");
        await tab.Page.FillAsync("#q", ConsoleHost.ReferenceIn(reply));
        await tab.Page.ClickAsync("#search");

        await tab.Page.ClickAsync("#found-transaction a.tx-link");

        await Expect(tab.Page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex($"/console/transactions/{id}$"));
        await Expect(tab.Page.Locator("#reference")).ToHaveTextAsync(ConsoleHost.ReferenceIn(reply));
        await Expect(tab.Page.Locator("#text")).ToHaveTextAsync("049111111 3");
        await Expect(tab.Page.Locator("#amount")).ToHaveTextAsync("3.00 EUR");
        await Expect(tab.Page.Locator("#reply")).ToHaveTextAsync(reply);
        foreach (string kind in new[] { "received", "interpreted", "bank.hold", "ledger", "reply" })
        {
            await Expect(tab.Page.Locator($"#trail li[data-kind='{kind}']")).ToHaveCountAsync(1);
        }

        await Expect(tab.Page.Locator("#trail li[data-kind='interpreted'] pre")).ToContainTextAsync("\"amountCents\": 300");
        // The bank's hold is a pending transfer bank → clearing; the credit leaves clearing (the capture follows on its own).
        ILocator hold = tab.Transfer(":hold");
        await Expect(hold).ToContainTextAsync("bank:TEB");
        await Expect(hold).ToContainTextAsync("clearing:TEB");
        await Expect(tab.Transfer(":1")).ToContainTextAsync("clearing:TEB");
        await Expect(tab.Page.Locator("#reversal")).ToBeVisibleAsync();
        await tab.ShotAsync("transaction-supervisor");

        await using ConsoleTab agent = await OpenAsync("trail-agent");
        await agent.SignInAsync("agent");
        await agent.GoAsync($"/console/transactions/{id}");
        await Expect(agent.Page.Locator("#trail li")).Not.ToHaveCountAsync(0);
        await Expect(agent.Page.Locator("#reversal")).ToHaveCountAsync(0);
        await agent.ShotAsync("transaction-agent");
    }

    [Fact]
    public async Task Registration_CreatedWithFourPeople_RefusesTheFifthThenTakesOneAfterARemoval()
    {
        string holder = host.NextMobile();
        string[] people = [host.NextMobile(), host.NextMobile(), host.NextMobile(), host.NextMobile()];
        string fifth = host.NextMobile();
        string iban = Iban.ForKosovoAccount("1212" + holder[1..] + "1234").Value;
        await using ConsoleTab tab = await OpenAsync("registration");
        await tab.SignInAsync("teb.officer");
        await Expect(tab.Page.Locator("h1")).ToContainTextAsync("TEB Bank");
        await tab.ShotAsync("registrations");

        await tab.Page.FillAsync("#holder", holder);
        await tab.Page.FillAsync("#account-ref", iban);
        for (int i = 0; i < people.Length; i++)
        {
            await tab.Page.FillAsync($"#authorized-{i}", people[i]);
        }

        await tab.Page.FillAsync("#contracts", "drita");
        await tab.Page.ClickAsync("#create");
        await Expect(tab.Page.Locator("#holder")).ToHaveTextAsync("+383" + holder[1..]);
        await Expect(tab.Page.Locator("li.person")).ToHaveCountAsync(4);
        await tab.ShotAsync("created");

        await tab.Page.FillAsync("#add-msisdn", fifth);
        await tab.Page.ClickAsync("#add-person");
        await Expect(tab.Page.Locator(".problem")).ToHaveTextAsync(
            "A registration has at most 4 authorised persons: remove one before adding another. Nothing was changed.");
        await Expect(tab.Page.Locator("li.person")).ToHaveCountAsync(4);
        await tab.ShotAsync("fifth-refused");

        await tab.Page.Locator("li.person", new() { HasText = "+383" + people[0][1..] }).Locator("button.remove").ClickAsync();
        await Expect(tab.Page.Locator(".notice")).ToHaveTextAsync("The authorised person was removed.");
        await tab.Page.FillAsync("#add-msisdn", fifth);
        await tab.Page.ClickAsync("#add-person");
        await Expect(tab.Page.Locator(".notice")).ToHaveTextAsync("The authorised person was added.");
        await Expect(tab.Page.Locator("li.person")).ToHaveCountAsync(4);

        string otherIban = Iban.ForKosovoAccount("1212" + fifth[1..] + "4321").Value;
        await tab.Page.FillAsync("#new-account-ref", otherIban);
        await tab.Page.ClickAsync("#change-account");
        await Expect(tab.Page.Locator("#account-ref")).ToHaveTextAsync(otherIban);
        await Expect(tab.Page.Locator("#history tr.change")).ToHaveCountAsync(4); // created, removed, added, account changed
        await Expect(tab.Page.Locator("#history")).ToContainTextAsync("teb.officer");
        await Expect(tab.Page.Locator("#history tr.change[data-action='account_changed'] td.sentence"))
            .ToHaveTextAsync($"teb.officer changed the bank account from {iban} to {otherIban}.");
        await tab.ShotAsync("history");

        // Another bank's registrations: refused with the reason.
        await tab.GoAsync("/console/registrations?bank=BEK");
        await Expect(tab.Page.Locator(".problem")).ToHaveTextAsync("You work for TEB: the registrations of BEK are not yours to see.");
        await tab.ShotAsync("other-bank");
    }

    [Fact]
    public async Task Users_AdminAddsOneSetsItsRoleUnlocksIt_AndTheAuditLogShowsEachChange()
    {
        string name = $"nora{Random.Shared.Next(100_000, 999_999)}";
        await using ConsoleTab tab = await OpenAsync("users");
        await tab.SignInAsync("admin");
        await tab.Page.ClickAsync("#nav-users");
        await tab.ShotAsync("users");

        await tab.Page.FillAsync("#new-name", name);
        await tab.Page.SelectOptionAsync("#new-role", "agent");
        await tab.Page.FillAsync("#new-password", "nora-password-1");
        await tab.Page.ClickAsync("#add-user");
        await Expect(tab.Page.Locator(".notice")).ToHaveTextAsync($"User {name} was added.");
        ILocator row = tab.Page.Locator($"tr.user[data-user='{name}']");
        await Expect(row.Locator("td.role")).ToHaveTextAsync("agent");

        await row.Locator("select[name='NewRole']").SelectOptionAsync("supervisor");
        await row.Locator("button.set-role").ClickAsync();
        await Expect(tab.Page.Locator(".notice")).ToHaveTextAsync($"The role of {name} was changed.");
        await Expect(row.Locator("td.role")).ToHaveTextAsync("supervisor");

        for (int i = 0; i < 5; i++)
        {
            await host.Users.SignInAsync(name, "wrong-password");
        }

        await tab.GoAsync("/console/users");
        await Expect(row.Locator("td.lock")).ToContainTextAsync("locked until");
        await tab.ShotAsync("locked-user");
        await row.Locator("button.unlock").ClickAsync();
        await Expect(tab.Page.Locator(".notice")).ToHaveTextAsync($"{name} was unlocked.");
        await Expect(row.Locator("td.lock")).ToHaveTextAsync("active");
        Assert.Equal(SignInStatus.SignedIn, (await host.Users.SignInAsync(name, "nora-password-1")).Status);

        await tab.Page.ClickAsync("#nav-audit");
        await Expect(tab.Page.Locator("h1")).ToHaveTextAsync("Audit log");
        foreach (string action in new[] { ConsoleActions.UserCreated, ConsoleActions.UserRoleSet, ConsoleActions.UserLockedOut, ConsoleActions.UserUnlocked })
        {
            await Expect(tab.Page.Locator($"tr.entry[data-action='{action}']", new() { HasText = name })).Not.ToHaveCountAsync(0);
        }

        await tab.ShotAsync("audit");
    }

    [Fact]
    public async Task Users_AnAgent_IsShownTheRefusalPage()
    {
        await using ConsoleTab tab = await OpenAsync("denied");
        await tab.SignInAsync("agent");
        await Expect(tab.Page.Locator("#nav-users")).ToHaveCountAsync(0);

        IResponse? response = await tab.GoAsync("/console/users");

        Assert.Equal(403, response!.Status);
        await Expect(tab.Page.Locator("#denied")).ToHaveTextAsync("This page is not for your role.");
        await tab.ShotAsync("agent-users");
    }
}
