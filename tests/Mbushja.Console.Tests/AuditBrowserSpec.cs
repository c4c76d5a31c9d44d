using System.Net;
using System.Text.Json;
using Mbushja.WebConsole.Users;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Mbushja.WebConsole.Tests;

/// <summary>
/// The audit log in Chromium (docs/design/audit-log.md): an admin finds a change made through the admin API beside the
/// console's, searches by actor, then by the object clicked on. Each page seen is photographed into
/// <c>.artifacts/screenshots/</c>.
/// </summary>
public sealed class AuditBrowserSpec(SqliteConsoleHost host, Browser browser) : IClassFixture<SqliteConsoleHost>, IClassFixture<Browser>
{
    [Fact]
    public async Task Audit_AnApiChangeBesideTheConsoles_FoundByActorThenByItsObject()
    {
        string number = host.NextMobile();
        using (var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/subscribers")
        {
            Content = new StringContent(JsonSerializer.Serialize(new { msisdn = number, creditCents = 250 }), System.Text.Encoding.UTF8, "application/json"),
        })
        {
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Mbushja.Server.Tests.RunningServer.AdminKey);
            using HttpResponseMessage response = await host.Server.Http.SendAsync(request);
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        }

        string e164 = "+383" + number[1..];
        await using ConsoleTab tab = await ConsoleTab.OpenAsync(browser, host.BaseAddress, "audit-search");
        await tab.SignInAsync("admin");
        await tab.Page.ClickAsync("#nav-audit");
        ILocator created = tab.Page.Locator($"tr.entry[data-target='{e164}']");
        await Expect(created).ToHaveAttributeAsync("data-action", ConsoleActions.SubscriberCreated);
        await Expect(created.Locator("td.actor")).ToHaveTextAsync(ConsoleAudit.ApiActor);
        await Expect(created.Locator("td.address")).ToHaveTextAsync("127.0.0.1");
        await tab.ShotAsync("all");

        await tab.Page.FillAsync("#actor", "api");
        await tab.Page.ClickAsync("#filter");
        await Expect(tab.Page.Locator("tr.entry").First).ToBeVisibleAsync();
        Assert.All(await tab.Page.Locator("tr.entry").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.actor)"), a => Assert.Equal("api", a));
        await tab.ShotAsync("by-actor");

        await created.Locator("td.target a").ClickAsync();
        await Expect(tab.Page.Locator("tr.entry")).ToHaveCountAsync(1);
        await Expect(tab.Page.Locator("#target")).ToHaveValueAsync(e164);
        await tab.ShotAsync("by-object");
    }
}
