using System.Globalization;
using System.Text.RegularExpressions;
using Mbushja.Accounts;
using Mbushja.Cli;
using Mbushja.Domain;
using Mbushja.Sandbox;
using Mbushja.Sms;
using Mbushja.Testing;
using Mbushja.TopUp;
using Mbushja.WebConsole.Users;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Mbushja.WebConsole.Tests;

/// <summary>
/// The console's banks page and phone emulator (README "Console") in Chromium: the banks page with its grammar tester
/// (each kind of form read as <c>mbushja parse</c> reads it, a garbled text refused with the bank's help), the phone
/// emulator (an SMS top-up and a whole <c>*101#</c> payment through the real paths), and the "Done when" flow a
/// newcomer follows with the demo data.
/// </summary>
public sealed class BanksPhoneBrowserSpec(SqliteConsoleHost host, Browser browser) : IClassFixture<SqliteConsoleHost>, IClassFixture<Browser>
{
    private Task<ConsoleTab> OpenAsync(string test) => ConsoleTab.OpenAsync(browser, host.BaseAddress, test);

    private T Service<T>()
        where T : notnull => host.Server.App.Services.GetRequiredService<T>();

    /// <summary>One seed example of each kind of form: where it goes, what it says, and how it must be read.</summary>
    public static TheoryData<string, string, string, string, string, string> SeedExamples { get; } = new()
    {
        // short code, sender, text, kind, targets as shown (| between parts), total
        { "50001", "049111111", "491234565", "mobile", "+38349123456 5.00 EUR", "5.00 EUR" },
        { "50001", "049111111", "049111222 5 # 043111222 2,50", "mobile", "+38349111222 5.00 EUR|+38343111222 2.50 EUR", "7.50 EUR" },
        { "50333", "049111111", "038123456 5", "fixed", "+38338123456 5.00 EUR", "5.00 EUR" },
        { "50001", "049111111", "ipko perdoruesi int", "internet", "perdoruesi monthly package", "0.00 EUR" },
        { "50333", "049111111", "tv", "tv", "the account recorded in the registration monthly package", "0.00 EUR" },
        { "50333", "049111111", "shfrytëzuesi1 DuoTV", "duo", "shfrytëzuesi1 monthly package", "0.00 EUR" },
        // No sender given: a bare amount tops up the tester's stand-in sender.
        { "50005", "", "5", "mobile", "+38349000000 5.00 EUR", "5.00 EUR" },
    };

    [Theory]
    [MemberData(nameof(SeedExamples))]
    public async Task GrammarTester_ASeedExampleOfEachKind_IsReadAsMbushjaParseReadsIt(string to, string from, string text, string kind, string targets, string total)
    {
        await using ConsoleTab tab = await OpenAsync("banks-" + kind);
        await tab.SignInAsync("agent");
        await tab.Page.ClickAsync("#nav-banks");
        await Expect(tab.Page.Locator("h1")).ToHaveTextAsync("Banks and their syntax");

        await tab.Page.SelectOptionAsync("#short-code", to);
        await tab.Page.FillAsync("#text", text);
        await tab.Page.FillAsync("#sender", from);
        await tab.Page.ClickAsync("#interpret");

        await Expect(tab.Page.Locator("#result-text")).ToHaveTextAsync(text);
        string[] rows = targets.Split('|');
        await Expect(tab.Page.Locator("table.interpretation tr.target")).ToHaveCountAsync(rows.Length);
        for (int i = 0; i < rows.Length; i++)
        {
            ILocator row = tab.Page.Locator("table.interpretation tr.target").Nth(i);
            await Expect(row.Locator(".kind")).ToHaveTextAsync(kind);
            Assert.Equal(rows[i], $"{await row.Locator(".what").TextContentAsync()} {await row.Locator(".amount").TextContentAsync()}");
        }

        await Expect(tab.Page.Locator("#total")).ToHaveTextAsync(total);
        // The same reading as the command line's, to the character.
        Assert.Equal(await ParseAsync(to, from.Length == 0 ? "049000000" : from, text), await tab.Page.Locator("#parse-json").TextContentAsync());
        await tab.ShotAsync("tester-" + kind);
    }

    [Fact]
    public async Task BanksPage_ShowsEveryBanksGrammarWithItsExamples_AndAGarbledTextGetsTheErrorAndTheHelp()
    {
        Bank teb = Service<BankDirectory>().ByCode("TEB")!;
        await using ConsoleTab tab = await OpenAsync("banks");
        await tab.SignInAsync("admin");
        await tab.GoAsync("/console/banks?bank=TEB");

        await Expect(tab.Page.Locator("tr.bank")).ToHaveCountAsync(6);
        await Expect(tab.Page.Locator("tr.bank[data-bank='NLB']")).ToContainTextAsync("50444");
        await Expect(tab.Page.Locator("tr.bank[data-bank='NLB']")).ToContainTextAsync("5.00 EUR – 100.00 EUR");
        await Expect(tab.Page.Locator("#grammar tr.form")).ToHaveCountAsync(teb.Forms.Count);
        foreach (string example in teb.Forms.SelectMany(f => f.Examples))
        {
            await Expect(tab.Page.Locator("#grammar button.try", new() { HasText = example })).Not.ToHaveCountAsync(0);
        }

        await Expect(tab.Page.Locator("#grammar dl.help dd[lang='sq']")).ToHaveTextAsync(teb.HelpText(Language.Sq));
        await tab.ShotAsync("teb-grammar");

        // An example is one click away from the tester.
        await tab.Page.Locator("#grammar button.try", new() { HasText = "ipko perdoruesi tv" }).ClickAsync();
        await Expect(tab.Page.Locator("table.interpretation .kind")).ToHaveTextAsync("tv");

        await tab.Page.SelectOptionAsync("#short-code", "50001");
        await tab.Page.FillAsync("#text", "pls top me up thx");
        await tab.Page.FillAsync("#sender", "049111111");
        await tab.Page.ClickAsync("#interpret");

        await Expect(tab.Page.Locator("#error-code")).ToHaveTextAsync(ErrorCodes.UnknownCommand);
        await Expect(tab.Page.Locator("#error-help")).ToHaveTextAsync(teb.HelpText(Language.En));
        await Expect(tab.Page.Locator("table.interpretation")).ToHaveCountAsync(0);
        await tab.ShotAsync("garbled");
    }

    [Fact]
    public async Task BanksPage_ForABankOfficer_ShowsTheirOwnBankOnly()
    {
        await using ConsoleTab tab = await OpenAsync("banks-officer");
        await tab.SignInAsync("teb.officer");
        await tab.Page.ClickAsync("#nav-banks");

        await Expect(tab.Page.Locator("tr.bank")).ToHaveCountAsync(1);
        await Expect(tab.Page.Locator("#grammar")).ToHaveAttributeAsync("data-bank", "TEB");
        await Expect(tab.Page.Locator("#short-code option")).ToHaveCountAsync(1);
        await Expect(tab.Page.Locator("#nav-phone")).ToHaveCountAsync(0);
        await tab.ShotAsync("officer");
    }

    [Fact]
    public async Task PhoneEmulator_WalkingStarOneOhOne_PaysAPackageFromTheCredit()
    {
        const string number = "049600003"; // en; Internet Pako 1 costs 14.90 + the 0.50 fee
        Msisdn msisdn = Service<NumberingPlan>().ParseMsisdn(number).Value;
        long before = (await Service<Subscribers>().FindAsync(msisdn))!.Credit.Cents;
        await using ConsoleTab tab = await OpenAsync("phone-ussd");
        await tab.SignInAsync("supervisor");
        await tab.Page.ClickAsync("#nav-phone");
        await tab.Page.FillAsync("#msisdn", number);
        await tab.Page.ClickAsync("#use-number");

        await tab.Page.ClickAsync("#ussd-dial");
        await Expect(tab.Page.Locator("#ussd-screen")).ToContainTextAsync("1.");
        await tab.ShotAsync("ussd-menu");
        foreach ((string answer, string shows) in new[] { ("1", "Internet Pako 1"), ("3", "username"), ("drita", "Total: 15.40 €") })
        {
            await tab.Page.FillAsync("#ussd-answer", answer);
            await tab.Page.ClickAsync("#ussd-send");
            await Expect(tab.Page.Locator("#ussd-screen")).ToContainTextAsync(shows);
            await Expect(tab.Page.Locator("#ussd-state")).ToHaveTextAsync("The session goes on: type your answer.");
        }

        await tab.ShotAsync("ussd-confirm");
        await tab.Page.FillAsync("#ussd-answer", "1");
        await tab.Page.ClickAsync("#ussd-send");

        await Expect(tab.Page.Locator("#ussd-screen")).ToContainTextAsync("Paid Internet Pako 1 for drita: 15.40 €");
        await Expect(tab.Page.Locator("#ussd-state")).ToHaveTextAsync("The session has ended.");
        await Expect(tab.Page.Locator("#ussd-answer")).ToHaveCountAsync(0);
        await tab.ShotAsync("ussd-paid");
        Assert.Equal(before - 1540, (await Service<Subscribers>().FindAsync(msisdn))!.Credit.Cents);
        IReadOnlyList<ConsoleAuditEntry> steps = [.. (await Service<ConsoleAudit>().LatestAsync(20, "supervisor")).Where(e => e.Action == ConsoleActions.PhoneUssd && e.Target == msisdn.E164)];
        Assert.Equal(5, steps.Count);
        Assert.Contains("\"text\":\"1*3*drita*1\"", steps[0].Details, StringComparison.Ordinal);
    }

    /// <summary>
    /// The "Done when" walk, as a newcomer with the demo data takes it: sign in, top up from the phone emulator, follow
    /// the reply to the transaction's trail and see the bank's hold, the ledger transfers and the reply there, reverse it,
    /// and download the day's settlement.
    /// </summary>
    [Fact]
    public async Task DoneWhen_ATopUpFromThePhoneEmulator_IsFollowedToItsTrail_Reversed_AndInTheDaysSettlement()
    {
        Bank bek = Service<BankDirectory>().ByCode("BEK")!;
        Mbushja.TopUp.Registration registration = await host.DemoRegistrationAsync("BEK");
        SandboxBank sandbox = Service<SandboxBank>();
        long bankBefore = sandbox.GetAccount("BEK", registration.AccountRef.Value)!.Balance.Cents;
        Msisdn holder = registration.Holder;
        long creditBefore = (await Service<Subscribers>().FindAsync(holder))!.Credit.Cents;

        await using ConsoleTab tab = await OpenAsync("done-when");
        await tab.SignInAsync("admin");
        await tab.Page.ClickAsync("#nav-phone");
        await Expect(tab.Page.Locator("h1")).ToContainTextAsync("Phone emulator");
        await tab.Page.ClickAsync("p.known a:text-is('049111111')");
        await tab.Page.SelectOptionAsync("#sms-to", bek.ShortCode);
        await tab.Page.FillAsync("#sms-text", "5");
        await tab.Page.ClickAsync("#sms-send");

        await Expect(tab.Page.Locator("#sms-status")).ToHaveTextAsync("completed");
        string reply = (await tab.Page.Locator("#sms-reply").TextContentAsync())!;
        Assert.Matches(@"Ref [0-9A-F]{8}", reply);
        await tab.ShotAsync("sms-reply");

        await tab.Page.ClickAsync("#sms-trail");

        await Expect(tab.Page).ToHaveURLAsync(new Regex("/console/transactions/[0-9a-f]+$"));
        await Expect(tab.Page.Locator("#reference")).ToHaveTextAsync(ConsoleHost.ReferenceIn(reply));
        await Expect(tab.Page.Locator("#text")).ToHaveTextAsync("5");
        await Expect(tab.Page.Locator("#amount")).ToHaveTextAsync("5.00 EUR");
        await Expect(tab.Page.Locator("#trail li[data-kind='bank.hold']")).ToHaveCountAsync(1);
        ILocator hold = tab.Transfer(":hold");
        await Expect(hold).ToContainTextAsync("bank:BEK");
        await Expect(hold).ToContainTextAsync("5.00 EUR");
        await Expect(tab.Transfer(":1")).ToContainTextAsync("5.00 EUR");
        await Expect(tab.Page.Locator("#reply")).ToHaveTextAsync(reply);
        await tab.ShotAsync("trail");

        // It happened for real, in the sandbox: the subscriber's credit and the bank account moved by 5.00 EUR.
        Assert.Equal(creditBefore + 500, (await Service<Subscribers>().FindAsync(holder))!.Credit.Cents);
        await WaitUntilAsync(() => sandbox.GetAccount("BEK", registration.AccountRef.Value)!.Balance.Cents == bankBefore - 500);
        Assert.Contains(
            await Service<ConsoleAudit>().LatestAsync(10, "admin"),
            e => e.Action == ConsoleActions.PhoneSms && e.Target == holder.E164 && e.Details.Contains("\"to\":\"50005\"", StringComparison.Ordinal));

        // Reversed from the same page, with a reason and a confirmation: the credit goes back and the bank refunds.
        string id = tab.Page.Url[(tab.Page.Url.LastIndexOf('/') + 1)..];
        await host.WaitForCaptureAsync(id);
        await tab.Page.ReloadAsync();
        await tab.Page.FillAsync("#reversal-reason-input", "Demo: topped up by mistake");
        await tab.Page.ClickAsync("#reverse");
        await Expect(tab.Page.Locator("#reversal-confirm")).ToContainTextAsync("5.00 EUR");
        await tab.Page.ClickAsync("#confirm-reversal");
        await Expect(tab.Page.Locator("#reversal-state")).ToHaveAttributeAsync("data-state", ReversalStates.Refunded);
        await Expect(tab.Page.Locator("#trail li[data-kind='bank.refund']")).ToHaveCountAsync(1);
        await tab.ShotAsync("reversed");
        Assert.Equal(creditBefore, (await Service<Subscribers>().FindAsync(holder))!.Credit.Cents);
        Assert.Equal(bankBefore, sandbox.GetAccount("BEK", registration.AccountRef.Value)!.Balance.Cents);

        // And the day's settlement for BEK, downloaded: the top-up and its reversal as lines of their own.
        string today = Service<OperatorClock>().Today.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        await tab.Page.ClickAsync("#nav-settlement");
        await tab.Page.SelectOptionAsync("#bank", "BEK");
        await tab.Page.FillAsync("#date", today);
        await tab.Page.ClickAsync("#show");
        await Expect(tab.Page.Locator($"tr.line[data-transaction='{id}']")).ToHaveCountAsync(2);
        await tab.ShotAsync("settlement");
        IDownload download = await tab.Page.RunAndWaitForDownloadAsync(() => tab.Page.ClickAsync("#download-csv"));
        Assert.Equal($"settlement-BEK-{today}.csv", download.SuggestedFilename);
        string[] lines = (await File.ReadAllTextAsync((await download.PathAsync())!)).Split("\r\n");
        Assert.Contains(lines, l => l.StartsWith($"BEK,{today},topup,", StringComparison.Ordinal) && l.Contains($",{id},", StringComparison.Ordinal) && l.Contains(",5.00,", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith($"BEK,{today},reversal,", StringComparison.Ordinal) && l.Contains($",{id},", StringComparison.Ordinal) && l.Contains(",-5.00,", StringComparison.Ordinal));
    }

    /// <summary>What <c>mbushja parse</c> prints for a text, run in process.</summary>
    private static async Task<string> ParseAsync(string to, string from, string text)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        Assert.Equal(0, await MbushjaCli.RunAsync(["parse", "--to", to, "--from", from, "--text", text], stdout, stderr));
        return stdout.ToString().TrimEnd('\n');
    }

    /// <summary>The capture follows the reply (a two-phase debit: docs/money.md): waits for it.</summary>
    private static async Task WaitUntilAsync(Func<bool> done)
    {
        DateTime deadline = DateTime.UtcNow + Timeouts.Hang;
        while (!done())
        {
            Assert.True(DateTime.UtcNow < deadline, $"The sandbox bank's account did not move within {Timeouts.Hang}.");
            await Task.Delay(100);
        }
    }
}
