using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Mbushja.TopUp;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Mbushja.WebConsole.Tests;

/// <summary>
/// Customer care finds a top-up from whatever the subscriber quotes (README "Console"; docs/design/lookup.md), in
/// Chromium on a <c>serve --demo</c> server: the reference of a USSD receipt and of an SMS reply, a number as the target
/// of someone else's top-up, as holder and as authorised person, a service account by each of its identifiers with its
/// SMS and USSD payments, a reversed top-up shown as reversed, and a long history a page at a time. Each page seen is
/// photographed into <c>.artifacts/screenshots/</c>.
/// </summary>
public sealed partial class LookupBrowserSpec(SqliteConsoleHost host, Browser browser) : IClassFixture<SqliteConsoleHost>, IClassFixture<Browser>
{
    private const string Holder = "049111111"; // registered at every bank (README "Demo data")
    private const string Bek = "50005";
    private const string Teb = "50001";

    private Task<ConsoleTab> OpenAsync(string test) => ConsoleTab.OpenAsync(browser, host.BaseAddress, test);

    private static async Task SearchAsync(ConsoleTab tab, string text)
    {
        await tab.Page.FillAsync("#q", text);
        await tab.Page.ClickAsync("#search");
    }

    [Fact]
    public async Task Lookup_TheReferenceOnAUssdReceipt_FindsThePayment()
    {
        string screen = await PaidByUssdAsync("049600003", "1", "3", "drita", "1");
        string reference = ConsoleHost.ReferenceIn(screen);
        Assert.Matches("^[0-9A-F]{8}$", reference);
        await using ConsoleTab tab = await OpenAsync("lookup-ussd-ref");
        await tab.SignInAsync("agent");
        await tab.GoAsync("/console/lookup");

        await SearchAsync(tab, "Ref " + reference);

        ILocator payment = tab.Page.Locator($"#found-payment tr.payment[data-ref='{reference}']");
        await Expect(payment).ToHaveCountAsync(1);
        await Expect(payment).ToContainTextAsync("+38349600003");
        await Expect(payment).ToContainTextAsync("drita");
        await Expect(tab.Page.Locator("#nothing")).ToHaveCountAsync(0);
        await tab.ShotAsync("ussd-reference");

        // As the receipt writes it, or the bare reference in lower case: the same payment.
        await SearchAsync(tab, reference.ToLowerInvariant());
        await Expect(tab.Page.Locator($"#found-payment tr.payment[data-ref='{reference}']")).ToHaveCountAsync(1);
    }

    [Fact]
    public async Task Lookup_TheReferenceOfAnSmsReply_AsTheReplyAndTheBankStatementWriteIt_FindsTheTopUp()
    {
        (string status, string? id, string reply) = await host.TopUpAsync(Holder, Teb, "049111111 1");
        Assert.Equal("completed", status);
        string reference = ConsoleHost.ReferenceIn(reply);
        await using ConsoleTab tab = await OpenAsync("lookup-sms-ref");
        await tab.SignInAsync("agent");
        await tab.GoAsync("/console/lookup");

        foreach (string quoted in new[] { $"Ref {reference}", $"IPKO {reference}", reference.ToLowerInvariant(), id! })
        {
            await SearchAsync(tab, quoted);
            await Expect(tab.Page.Locator($"#found-transaction tr.message[data-id='{id}'] a.tx-link")).ToHaveTextAsync(reference);
        }

        await tab.ShotAsync("sms-reference");
    }

    [Fact]
    public async Task Lookup_ANumberOthersToppedUp_ListsWhatItReceivedBesideWhatItSent()
    {
        // 049444444 has no credit and sends nothing: the holder tops it up at two banks.
        (_, string? first, _) = await host.SendSmsAsync(Holder, Teb, "049444444 2");
        (_, string? second, _) = await host.SendSmsAsync(Holder, Bek, "049444444 3");
        await using ConsoleTab tab = await OpenAsync("lookup-received");
        await tab.SignInAsync("agent");
        await tab.GoAsync("/console/lookup");

        await SearchAsync(tab, "049444444");

        await Expect(tab.Page.Locator("#subscriber h2")).ToHaveTextAsync("+38349444444");
        ILocator received = tab.Page.Locator("#received tr.message");
        await Expect(received).ToHaveCountAsync(2);
        // Newest first.
        await Expect(received.Nth(0)).ToHaveAttributeAsync("data-id", second!);
        await Expect(received.Nth(1)).ToHaveAttributeAsync("data-id", first!);
        await Expect(received.Nth(0)).ToContainTextAsync("+38349111111");
        await Expect(tab.Page.Locator("#sent tr.message")).ToHaveCountAsync(0);
        await tab.ShotAsync("received");

        // The sender's own page lists them as sent.
        await SearchAsync(tab, Holder);
        await Expect(tab.Page.Locator($"#sent tr.message[data-id='{first}']")).ToHaveCountAsync(1);
        await Expect(tab.Page.Locator($"#received tr.message[data-id='{first}']")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task Lookup_TheHolderAndTheAuthorisedPerson_ShowTheirRegistrationsAtEveryBankInTheirRole()
    {
        await using ConsoleTab tab = await OpenAsync("lookup-registrations");
        await tab.SignInAsync("agent");
        await tab.GoAsync("/console/lookup");

        await SearchAsync(tab, Holder);
        await Expect(tab.Page.Locator("#subscriber tr.registration[data-role='holder']")).ToHaveCountAsync(6);
        await tab.ShotAsync("holder");

        await SearchAsync(tab, "+383 49 222 222");
        await Expect(tab.Page.Locator("#subscriber h2")).ToHaveTextAsync("+38349222222");
        await Expect(tab.Page.Locator("#subscriber tr.registration[data-role='authorized']")).ToHaveCountAsync(6);
        await Expect(tab.Page.Locator("#subscriber tr.registration").First).ToContainTextAsync("+38349111111");
        await tab.ShotAsync("authorised");
    }

    public static TheoryData<string, string, string, string> AccountPayments => new()
    {
        // identifier looked up, the SMS that pays it (from the holder, at BEK), the account's USSD payment (number, answers)
        { "edon", "internet edon", "049600004", "1*4*edon*1" },
        { "K-2001", "DUOTV K-2001", "049600006", "1*6*K-2001*1" },
        { "700100200", "tv 700100200", "", "" },
        { "038123456", "038123456 2", "", "" },
    };

    [Theory]
    [MemberData(nameof(AccountPayments))]
    public async Task Lookup_AServiceAccountByEachIdentifier_ListsItsPaymentsBySmsAndByUssd(string identifier, string sms, string payer, string answers)
    {
        (string status, string? id, string reply) = await host.SendSmsAsync(Holder, Bek, sms);
        Assert.True(status == "completed", reply);
        string? ussdReference = payer.Length == 0 ? null : ConsoleHost.ReferenceIn(await PaidByUssdAsync(payer, answers.Split('*')));
        await using ConsoleTab tab = await OpenAsync("lookup-account-" + Regex.Replace(identifier, "[^a-zA-Z0-9]", ""));
        await tab.SignInAsync("agent");
        await tab.GoAsync("/console/lookup");

        await SearchAsync(tab, identifier);

        await Expect(tab.Page.Locator("#service-account")).ToBeVisibleAsync();
        await Expect(tab.Page.Locator($"#account-sms tr.message[data-id='{id}']")).ToHaveCountAsync(1);
        if (ussdReference is not null)
        {
            await Expect(tab.Page.Locator($"#account-ussd tr.payment[data-ref='{ussdReference}']")).ToHaveCountAsync(1);
        }

        await tab.ShotAsync("account");
    }

    [Fact]
    public async Task Lookup_AReversedTopUp_ReadsReversedInTheListOnItsPageAndInTheApi()
    {
        string sender = "049222222";
        (string status, string? id, _) = await host.SendSmsAsync(sender, "50333", "049222222 2");
        Assert.Equal("completed", status);
        await host.WaitForCaptureAsync(id!);
        ReversalOutcome reversed = await host.Server.App.Services.GetRequiredService<TopUpReversals>().ReverseAsync(id!, "Sent by mistake", "supervisor");
        Assert.True(reversed.Succeeded, reversed.Error?.Message);
        await using ConsoleTab tab = await OpenAsync("lookup-reversed");
        await tab.SignInAsync("agent");
        await tab.GoAsync("/console/lookup");

        await SearchAsync(tab, sender);

        ILocator row = tab.Page.Locator($"#sent tr.message[data-id='{id}']");
        await Expect(row).ToHaveAttributeAsync("data-state", TopUpStates.Reversed);
        await Expect(row.Locator("td.state")).ToHaveTextAsync("reversed");
        await tab.ShotAsync("list");
        await row.Locator("a.tx-link").ClickAsync();
        await Expect(tab.Page.Locator("#state")).ToHaveTextAsync("reversed");
        await tab.ShotAsync("transaction");

        // The API: the state reads reversed, the answer's status stays what the inbound endpoint said, the refund beside it.
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/transactions/{id}");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Mbushja.Server.Tests.RunningServer.AdminKey);
        using HttpResponseMessage response = await host.Server.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        JsonElement transaction = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("transaction");
        Assert.Equal("reversed", transaction.GetProperty("state").GetString());
        Assert.Equal("completed", transaction.GetProperty("status").GetString());
        Assert.Equal(reversed.Reversal.State, transaction.GetProperty("reversal").GetString());
    }

    [Fact]
    public async Task Lookup_MoreTopUpsThanAPage_ShowsThemNewestFirstAPageAtATime()
    {
        string number = await NewSubscriberAsync();
        var ids = new List<string>();
        for (int i = 0; i < Pages.LookupModel.PageSize + 3; i++)
        {
            (string status, string? id, string reply) = await host.SendSmsAsync(Holder, Bek, number + " 1");
            Assert.True(status == "completed", reply);
            ids.Add(id!);
        }

        ids.Reverse();
        await using ConsoleTab tab = await OpenAsync("lookup-paged");
        await tab.SignInAsync("agent");
        await tab.GoAsync("/console/lookup");
        await SearchAsync(tab, number);

        ILocator rows = tab.Page.Locator("#received tr.message");
        await Expect(rows).ToHaveCountAsync(Pages.LookupModel.PageSize);
        Assert.Equal(ids.Take(Pages.LookupModel.PageSize), await rows.EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.id)"));
        await tab.ShotAsync("first-page");

        await tab.Page.ClickAsync("#older-received");
        await Expect(rows).ToHaveCountAsync(3);
        Assert.Equal(ids.Skip(Pages.LookupModel.PageSize), await rows.EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.id)"));
        await Expect(tab.Page.Locator("#older-received")).ToHaveCountAsync(0);
        await tab.ShotAsync("second-page");
    }

    /// <summary>A subscriber of this test alone, made through the admin API; its national number.</summary>
    private async Task<string> NewSubscriberAsync()
    {
        string number = host.NextMobile();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/subscribers")
        {
            Content = new StringContent(JsonSerializer.Serialize(new { msisdn = number, creditCents = 0 }), System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Mbushja.Server.Tests.RunningServer.AdminKey);
        using HttpResponseMessage response = await host.Server.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return number;
    }

    /// <summary>A USSD payment (<see cref="ConsoleHost.PayByUssdAsync"/>) whose last screen is its receipt, with its reference.</summary>
    private async Task<string> PaidByUssdAsync(string number, params string[] answers)
    {
        string screen = await host.PayByUssdAsync(number, answers);
        Assert.Contains("Ref ", screen, StringComparison.Ordinal);
        return screen;
    }
}
