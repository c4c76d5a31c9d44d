using Mbushja.Banks.Connector;
using Mbushja.Sandbox;
using Mbushja.TopUp;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Mbushja.WebConsole.Tests;

/// <summary>
/// A top-up's trail read as a story in a browser, in each language of the console (README "Console",
/// docs/design/trail-story.md): a TEB top-up captured, then reversed by a supervisor in the console and refunded; a
/// BEK top-up the bank declined. Each step is a sentence with its amount and who did it, the state is in words, and the
/// stored JSON opens with a click. Each page is photographed into <c>.artifacts/screenshots/</c>.
/// </summary>
public sealed class TrailStoryBrowserSpec(SqliteConsoleHost host, Browser browser) : IClassFixture<SqliteConsoleHost>, IClassFixture<Browser>
{
    private const string Teb = "50001";
    private const string Bek = "50005";

    /// <summary>What an agent reads, per language: the hold, the reversal, the refund, the decline and the states.</summary>
    public static TheoryData<string, string, string, string, string, string, string> Languages() => new()
    {
        {
            "sq", "TEB Bank mbajti 2.00 EUR në llogarinë e mbajtësit.", "supervisor e ktheu mbushjen prej 2.00 EUR në konsolë.",
            "TEB Bank ia ktheu 2.00 EUR llogarisë së mbajtësit.", "Banka Ekonomike e refuzoi mbajtjen e 1.00 EUR: mjete të pamjaftueshme.",
            "kthyer", "refuzuar nga banka · banka e refuzoi"
        },
        {
            "en", "TEB Bank held 2.00 EUR on the holder's account.", "supervisor reversed the top-up of 2.00 EUR in the console.",
            "TEB Bank refunded 2.00 EUR to the holder's account.", "Banka Ekonomike declined the hold of 1.00 EUR: insufficient funds.",
            "reversed", "declined · declined by the bank"
        },
        {
            "sr", "TEB Bank je rezervisala 2.00 EUR na računu vlasnika.", "supervisor je stornirao dopunu od 2.00 EUR u konzoli.",
            "TEB Bank je vratila 2.00 EUR na račun vlasnika.", "Banka Ekonomike je odbila rezervaciju 1.00 EUR: nedovoljno sredstava.",
            "stornirano", "odbila banka · banka je odbila"
        },
    };

    [Theory]
    [MemberData(nameof(Languages))]
    public async Task Trail_OfAReversedAndOfADeclinedTopUp_ReadsAsAStoryInTheAgentsLanguage(
        string language, string held, string reversed, string refunded, string declined, string reversedState, string declinedState)
    {
        string reversedId = await ReversedTopUpAsync();
        string declinedId = await DeclinedTopUpAsync();
        await using ConsoleTab tab = await ConsoleTab.OpenAsync(browser, host.BaseAddress, "story-" + language, language);
        await tab.SignInAsync("agent");

        await tab.GoAsync($"/console/transactions/{reversedId}");

        await Expect(tab.Page.Locator("html")).ToHaveAttributeAsync("lang", language);
        await Expect(tab.Page.Locator("#trail h2")).ToHaveTextAsync(Text("tx.story", language));
        await Expect(tab.Page.Locator("#state")).ToHaveTextAsync(reversedState);
        await Expect(Sentence(tab, "bank.hold")).ToHaveTextAsync(held);
        await Expect(Line(tab, "reversal.requested").Locator(".actor")).ToHaveTextAsync("supervisor");
        await Expect(Sentence(tab, "reversal.requested")).ToContainTextAsync(reversed);
        await Expect(Sentence(tab, "bank.refund")).ToHaveTextAsync(refunded);
        await Expect(Line(tab, "bank.capture").Locator(".actor")).ToHaveTextAsync("TEB");
        foreach (string kind in new[] { "received", "interpreted", "ledger.hold", "bank.hold", "ledger", "reply", "bank.capture", "ledger.capture", "reversal.requested", "reversal.ledger", "bank.refund" })
        {
            ILocator line = Line(tab, kind);
            await Expect(line).ToHaveCountAsync(1);
            await Expect(line.Locator("p.sentence")).Not.ToHaveTextAsync(string.Format(System.Globalization.CultureInfo.InvariantCulture, Text("story.unknown", language), kind));
            await Expect(line.Locator("time")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$"));
        }

        // The JSON as stored: one click away, not in the way.
        ILocator raw = Line(tab, "bank.hold").Locator("details.raw pre");
        await Expect(raw).Not.ToBeVisibleAsync();
        await Line(tab, "bank.hold").Locator("details.raw summary").ClickAsync();
        await Expect(raw).ToBeVisibleAsync();
        await Expect(raw).ToContainTextAsync("\"status\": \"held\"");
        await tab.ShotAsync("reversed");

        await tab.GoAsync($"/console/transactions/{declinedId}");
        await Expect(tab.Page.Locator("#state")).ToHaveTextAsync(declinedState);
        await Expect(Line(tab, "bank.hold")).ToHaveClassAsync(new System.Text.RegularExpressions.Regex(@"\bproblem\b"));
        await Expect(Sentence(tab, "bank.hold")).ToHaveTextAsync(declined);
        await Expect(Line(tab, "ledger.void")).ToHaveCountAsync(1);
        await tab.ShotAsync("declined");

        // The lists say it in words too: the reversed top-up found by its reference.
        await tab.GoAsync("/console/lookup?q=" + TransactionId.FromStored(reversedId).ShortRef);
        await Expect(tab.Page.Locator($"#found-transaction tr.message[data-id='{reversedId}'] td.state")).ToHaveTextAsync(reversedState);
        await tab.ShotAsync("lookup");
    }

    /// <summary>What an agent reads of a USSD payment, per language: who paid what from their credit, and what the ledger took.</summary>
    public static TheoryData<string, string, string, string> PaymentLanguages() => new()
    {
        { "sq", "049600001", "+38349600001 pagoi INTERNET_1 për drita me USSD nga krediti: 14.90 EUR dhe tarifa 0.50 EUR.", "Libri mori 15.40 EUR nga krediti i +38349600001" },
        { "en", "049600002", "+38349600002 paid INTERNET_1 for drita by USSD from prepaid credit: 14.90 EUR and a fee of 0.50 EUR.", "The ledger took 15.40 EUR from +38349600002's credit" },
        { "sr", "049600005", "+38349600005 je platio INTERNET_1 za drita putem USSD-a iz kredita: 14.90 EUR i naknada 0.50 EUR.", "Glavna knjiga je skinula 15.40 EUR sa kredita broja +38349600005" },
    };

    [Theory]
    [MemberData(nameof(PaymentLanguages))]
    public async Task Payment_ByUssd_ReadsAsAStoryFromItsReference(string language, string number, string paid, string charged)
    {
        string reference = ConsoleHost.ReferenceIn(await host.PayByUssdAsync(number, "1", "3", "drita", "1"));
        await using ConsoleTab tab = await ConsoleTab.OpenAsync(browser, host.BaseAddress, "story-ussd-" + language, language);
        await tab.SignInAsync("agent");
        await tab.GoAsync("/console/lookup?q=" + reference);

        await tab.Page.ClickAsync($"#found-payment tr.payment[data-ref='{reference}'] a.pay-link");

        await Expect(tab.Page.Locator("#reference")).ToHaveTextAsync(reference);
        await Expect(tab.Page.Locator("h1")).ToContainTextAsync(Text("payment.title", language));
        await Expect(Sentence(tab, "ussd.paid")).ToHaveTextAsync(paid);
        await Expect(Line(tab, "ussd.paid").Locator(".actor")).ToHaveTextAsync("+383" + number[1..]);
        await Expect(Sentence(tab, "ussd.ledger")).ToContainTextAsync(charged);
        await Expect(Line(tab, "ussd.receipt")).ToHaveCountAsync(1);
        await Line(tab, "ussd.ledger").Locator("details.raw summary").ClickAsync();
        await Expect(Line(tab, "ussd.ledger").Locator("details.raw pre")).ToContainTextAsync("\"amountCents\": 50");
        await tab.ShotAsync("payment");
    }


    private static ILocator Line(ConsoleTab tab, string kind) => tab.Page.Locator($"#trail li.event[data-kind='{kind}']");

    private static ILocator Sentence(ConsoleTab tab, string kind) => Line(tab, kind).Locator("p.sentence");

    private static string Text(string key, string language) => ConsoleTexts.Shipped.Get(key, language);

    /// <summary>A TEB top-up of the demo holder's own number, captured, then reversed by a supervisor in the console.</summary>
    private async Task<string> ReversedTopUpAsync()
    {
        (string status, string? id, _) = await host.TopUpAsync("049111111", Teb, "049111111 2");
        Assert.Equal("completed", status);
        await host.WaitForCaptureAsync(id!);
        ReversalOutcome outcome = await host.Server.App.Services.GetRequiredService<TopUpReversals>()
            .ReverseAsync(id!, "Sent to the wrong number", "supervisor", TopUpReversals.ViaConsole);
        Assert.True(outcome.Succeeded, outcome.Error?.Message);
        Assert.Equal(ReversalStates.Refunded, outcome.Reversal.State);
        return id!;
    }

    /// <summary>A BEK top-up its (sandbox) bank declines for want of funds.</summary>
    private async Task<string> DeclinedTopUpAsync()
    {
        var sandbox = host.Server.App.Services.GetRequiredService<SandboxBank>();
        sandbox.Configure("BEK", new SandboxSettings(DeclineAll: BankWire.InsufficientFunds));
        try
        {
            (string status, string? id, _) = await host.SendSmsAsync("049111111", Bek, "1");
            Assert.Equal("rejected", status);
            SmsTransaction? row = await host.Server.App.Services.GetRequiredService<SmsTransactions>().GetAsync(TransactionId.FromStored(id!));
            Assert.Equal(TopUpState.Declined, row?.State);
            return id!;
        }
        finally
        {
            sandbox.Configure("BEK", new SandboxSettings());
        }
    }
}
