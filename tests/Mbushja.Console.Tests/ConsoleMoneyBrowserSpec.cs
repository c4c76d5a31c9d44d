using System.Globalization;
using System.Text;
using Mbushja.Domain;
using Mbushja.Testing;
using Mbushja.TopUp;
using Mbushja.WebConsole.Users;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Mbushja.WebConsole.Tests;

/// <summary>
/// The console's money pages (README "Console") in Chromium: a supervisor reverses a top-up made through the SMS API
/// (and a second reversal is refused), the day's settlement with its CSV download, reconciliation uploads (matched, a
/// mismatch, malformed, too large; a camt.053 with every kind of difference, and of another account or day) and a catalog
/// change scheduled by an admin. Each page seen is photographed into
/// <c>.artifacts/screenshots/</c>.
/// </summary>
public sealed class ConsoleMoneyBrowserSpec(SqliteConsoleHost host, Browser browser) : IClassFixture<SqliteConsoleHost>, IClassFixture<Browser>
{
    private const string Teb = "TEB";
    private const string TebShortCode = "50001";

    private OperatorClock Clock => host.Server.App.Services.GetRequiredService<OperatorClock>();

    private string Today => Clock.Today.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private Task<ConsoleTab> OpenAsync(string test) => ConsoleTab.OpenAsync(browser, host.BaseAddress, test);

    [Fact]
    public async Task Reversal_BySupervisorWithReasonAndConfirmation_ShowsItOnTheTrail_AndASecondOneIsRefused()
    {
        (string status, string? id, _) = await host.TopUpAsync("049111111", TebShortCode, "049111111 3");
        Assert.Equal("completed", status);
        await host.WaitForCaptureAsync(id!);
        string supervisor = await host.NewUserAsync(ConsoleRole.Supervisor);
        await using ConsoleTab tab = await OpenAsync("reversal");
        await tab.SignInAsync(supervisor);
        // A second supervisor has the same page open, and is slower.
        await using ConsoleTab other = await OpenAsync("reversal-second");
        await other.SignInAsync(await host.NewUserAsync(ConsoleRole.Supervisor));
        await other.GoAsync($"/console/transactions/{id}");

        await tab.GoAsync($"/console/transactions/{id}");
        await Expect(tab.Page.Locator("#reverse")).ToBeVisibleAsync();
        await tab.ShotAsync("form");
        await tab.Page.FillAsync("#reversal-reason-input", "Subscriber topped up the wrong number");
        await tab.Page.ClickAsync("#reverse");
        await Expect(tab.Page.Locator("#reversal-confirm")).ToContainTextAsync("3.00 EUR");
        await Expect(tab.Page.Locator("#reversal-confirm")).ToContainTextAsync("TEB");
        await tab.ShotAsync("confirm");
        Assert.Null(await host.Server.App.Services.GetRequiredService<TopUpReversals>().GetAsync(TransactionId.FromStored(id!)));
        await tab.Page.ClickAsync("#confirm-reversal");

        await Expect(tab.Page.Locator(".notice")).ToHaveTextAsync("The transaction was reversed and the bank refunded the holder.");
        await Expect(tab.Page.Locator("#reversal-state")).ToHaveAttributeAsync("data-state", ReversalStates.Refunded);
        await Expect(tab.Page.Locator("#reversal-amount")).ToHaveTextAsync("-3.00 EUR");
        await Expect(tab.Page.Locator("#reversal-by")).ToHaveTextAsync(supervisor);
        await Expect(tab.Page.Locator("#reversal-reason")).ToHaveTextAsync("Subscriber topped up the wrong number");
        await Expect(tab.Page.Locator("#transfers tr.transfer", new() { HasText = TopUpReversals.TransferCode })).ToHaveCountAsync(1);
        string[] kinds = [.. await tab.Page.Locator("#trail li").EvaluateAllAsync<string[]>("items => items.map(i => i.dataset.kind)")];
        Assert.True(Array.IndexOf(kinds, "reversal.requested") > Array.IndexOf(kinds, "reply"), string.Join(", ", kinds));
        Assert.True(Array.IndexOf(kinds, "bank.refund") > Array.IndexOf(kinds, "reversal.ledger"), string.Join(", ", kinds));
        Assert.True(Array.IndexOf(kinds, "reversal.ledger") > Array.IndexOf(kinds, "reversal.requested"), string.Join(", ", kinds));
        await Expect(tab.Page.Locator("#trail li[data-kind='reversal.requested'] pre")).ToContainTextAsync(supervisor);
        await Expect(tab.Page.Locator("#reverse")).ToHaveCountAsync(0);
        await tab.ShotAsync("reversed");

        await other.Page.FillAsync("#reversal-reason-input", "Same request from the bank");
        await other.Page.ClickAsync("#reverse");
        await Expect(other.Page.Locator(".problem")).ToHaveTextAsync("This transaction is already reversed: nothing was changed.");
        await Expect(other.Page.Locator("#reversal-by")).ToHaveTextAsync(supervisor);
        await other.ShotAsync("already-reversed");

        ConsoleAuditEntry audited = Assert.Single(
            await host.Server.App.Services.GetRequiredService<ConsoleAudit>().LatestAsync(10, supervisor), e => e.Action == ConsoleActions.TransactionReversed);
        Assert.Equal(id, audited.Target);
        Assert.Contains("Subscriber topped up the wrong number", audited.Details, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Settlement_OfTheDay_ShowsTheTopUpAndItsReversal_AndDownloadsTheCsv()
    {
        (string id, string _) = await ReversedTopUpAsync("2");
        await using ConsoleTab tab = await OpenAsync("settlement");
        await tab.SignInAsync(await host.NewUserAsync(ConsoleRole.BankOfficer, Teb));
        await tab.Page.ClickAsync("#nav-settlement");
        await Expect(tab.Page.Locator("h1")).ToContainTextAsync("TEB Bank");
        await Expect(tab.Page.Locator("#date")).ToHaveValueAsync(Clock.Today.AddDays(-1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        await Expect(tab.Page.Locator("#bank option")).ToHaveCountAsync(1);

        await tab.Page.FillAsync("#date", Today);
        await tab.Page.ClickAsync("#show");

        await Expect(tab.Page.Locator($"tr.line[data-kind='topup'][data-transaction='{id}'] td.amount")).ToHaveTextAsync("2.00 EUR");
        await Expect(tab.Page.Locator($"tr.line[data-kind='reversal'][data-transaction='{id}'] td.amount")).ToHaveTextAsync("-2.00 EUR");
        await Expect(tab.Page.Locator("#reversals")).Not.ToHaveTextAsync("0 · 0.00 EUR");
        await tab.ShotAsync("settlement");

        IDownload download = await tab.Page.RunAndWaitForDownloadAsync(() => tab.Page.ClickAsync("#download-csv"));

        Assert.Equal($"settlement-TEB-{Today}.csv", download.SuggestedFilename);
        string csv = await File.ReadAllTextAsync((await download.PathAsync())!);
        string[] records = csv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("bank,date,kind,reference,transaction_id,time,msisdn,amount_eur,targets,state", records[0]);
        Assert.Contains(records, r => r.StartsWith($"TEB,{Today},topup,", StringComparison.Ordinal) && r.Contains($",{id},", StringComparison.Ordinal) && r.Contains(",2.00,", StringComparison.Ordinal));
        Assert.Contains(records, r => r.StartsWith($"TEB,{Today},reversal,", StringComparison.Ordinal) && r.Contains($",{id},", StringComparison.Ordinal) && r.Contains(",-2.00,", StringComparison.Ordinal));
        Assert.Equal(await SettlementCsvAsync(), csv);
    }

    [Fact]
    public async Task Reconciliation_OfStatementsMatchedMismatchedMalformedAndTooLarge_ReportsOrRefusesClearly()
    {
        (string id, _) = await ReversedTopUpAsync("4");
        Settlement settlement = await Settlements().ForDayAsync(Teb, Clock.Today);
        string matching = Statement(settlement.Lines.Select(l => (Reference(l), l.Amount.Cents)));
        string withMismatch = Statement(settlement.Lines.Select(l => (Reference(l), l.TransactionId == id && l.Kind == SettlementKinds.TopUp ? l.Amount.Cents + 100 : l.Amount.Cents)));
        await using ConsoleTab tab = await OpenAsync("reconciliation");
        await tab.SignInAsync(await host.NewUserAsync(ConsoleRole.BankOfficer, Teb));
        await tab.Page.ClickAsync("#nav-reconciliation");
        await tab.Page.FillAsync("#date", Today);
        await tab.Page.ClickAsync("#show");
        await tab.ShotAsync("reconciliation");

        await UploadAsync(tab, "teb-matching.csv", matching);
        await Expect(tab.Page.Locator(".notice")).ToHaveTextAsync("The statement was reconciled and the report recorded.");
        await Expect(tab.Page.Locator("#count-matched")).ToHaveTextAsync(settlement.Lines.Count.ToString(CultureInfo.InvariantCulture));
        await Expect(tab.Page.Locator("#count-mismatched")).ToHaveTextAsync("0");
        await Expect(tab.Page.Locator("#count-missing-at-bank")).ToHaveTextAsync("0");
        await Expect(tab.Page.Locator("#count-missing-here")).ToHaveTextAsync("0");
        await Expect(tab.Page.Locator($"#items-matched tr.item[data-reference='rf-{id}']")).ToHaveCountAsync(1);
        await tab.ShotAsync("matched");

        await UploadAsync(tab, "teb-mismatch.csv", withMismatch);
        await Expect(tab.Page.Locator("#count-mismatched")).ToHaveTextAsync("1");
        await Expect(tab.Page.Locator($"#items-mismatched tr.item[data-reference='{id}']")).ToContainTextAsync("5.00 EUR");
        await Expect(tab.Page.Locator("#earlier tr.earlier")).ToHaveCountAsync(2);
        await tab.ShotAsync("mismatch");

        await UploadAsync(tab, "teb-malformed.csv", $"reference,date,amount\r\n{id},{Today},4.00\r\nrf-{id},{Today},\"-4,50\"\r\n");
        await Expect(tab.Page.Locator(".problem")).ToContainTextAsync("The statement was refused whole, nothing was stored. Line 3, field 'amount':");
        await Expect(tab.Page.Locator("#report")).ToHaveCountAsync(0);
        await Expect(tab.Page.Locator("#earlier tr.earlier")).ToHaveCountAsync(2);
        await tab.ShotAsync("malformed");

        // Over the service's 5 MB (within the form's own limit): the service refuses it, nothing is stored.
        var huge = new StringBuilder("reference,date,amount\r\n");
        for (int i = 0; huge.Length <= Reconciliations.MaxBytes; i++)
        {
            huge.Append(CultureInfo.InvariantCulture, $"bank-own-reference-{i:D12},{Today},1.00\r\n");
        }

        await UploadAsync(tab, "teb-huge.csv", huge.ToString());
        await Expect(tab.Page.Locator(".problem")).ToHaveTextAsync("The statement is over the limit (CSV 5 MB or 100000 lines, camt XML 20 MB): nothing was stored. Split it by day.");
        await Expect(tab.Page.Locator("#earlier tr.earlier")).ToHaveCountAsync(2);
        await tab.ShotAsync("too-large");

        Assert.Equal(2, (await host.Server.App.Services.GetRequiredService<ConsoleAudit>().LatestAsync(100)).Count(e => e.Action == ConsoleActions.StatementReconciled));
    }

    /// <summary>
    /// A bank officer uploads the bank's camt.053 of the day (docs/bank-statement-camt.md): one statement with every kind
    /// of difference (a top-up booked at another amount, one the bank never booked, a fee only the bank has, the rest
    /// matched, some in a batch entry, one credited and reversed by the bank, one found by the reference text alone), then
    /// statements of another account and another day, which are refused with the reason and store nothing.
    /// </summary>
    [Fact]
    public async Task Reconciliation_OfACamt053_ShowsEveryKindOfDifference_AndRefusesAnotherAccountOrDay()
    {
        (string reversed, _) = await ReversedTopUpAsync("1");
        string batched = await TopUpAsync("2"), byText = await TopUpAsync("3"), mismatched = await TopUpAsync("4"), unbooked = await TopUpAsync("5");
        string settlementAccount = host.Server.App.Services.GetRequiredService<Mbushja.Sms.BankDirectory>().ByCode(Teb)!.SettlementAccount!.Value.Value;
        Settlement settlement = await Settlements().ForDayAsync(Teb, Clock.Today);
        var statement = new CamtStatement("camt.053.001.08", settlementAccount, Clock.Today);
        foreach (SettlementLine line in settlement.Lines.Where(l => !new[] { batched, byText, mismatched, unbooked }.Contains(l.TransactionId)))
        {
            statement.Entry(line.Amount.Cents, Reconciliations.Reference(line));
        }

        statement
            .Batch((200, batched, null), (300, null, $"IPKO {byText[^8..].ToUpperInvariant()}"))
            .Entry(500, mismatched)           // the top-up was 4.00
            .Entry(700, "019cd6a61e657f7f9b43e5f6a7b8c956")
            .Entry(-700, "019cd6a61e657f7f9b43e5f6a7b8c956", reversal: true)
            .Entry(-150, servicerRef: "TEB-FEE-1");
        await using ConsoleTab tab = await OpenAsync("reconciliation-camt");
        await tab.SignInAsync(await host.NewUserAsync(ConsoleRole.BankOfficer, Teb));
        await tab.GoAsync($"/console/reconciliation?bank={Teb}&date={Today}");
        await Expect(tab.Page.Locator("#upload .hint")).ToContainTextAsync("XK37************0157");

        await UploadAsync(tab, "teb-camt053.xml", statement.ToString(), "application/xml");

        await Expect(tab.Page.Locator(".notice")).ToHaveTextAsync("The statement was reconciled and the report recorded.");
        await Expect(tab.Page.Locator("#report-format")).ToHaveTextAsync("camt.053.001.08");
        await Expect(tab.Page.Locator("#count-matched")).ToHaveTextAsync((settlement.Lines.Count - 2).ToString(CultureInfo.InvariantCulture));
        await Expect(tab.Page.Locator("#count-mismatched")).ToHaveTextAsync("1");
        await Expect(tab.Page.Locator("#count-missing-at-bank")).ToHaveTextAsync("1");
        await Expect(tab.Page.Locator("#count-missing-here")).ToHaveTextAsync("2");
        await Expect(tab.Page.Locator($"#items-mismatched tr.item[data-reference='{mismatched}']")).ToContainTextAsync("5.00 EUR");
        await Expect(tab.Page.Locator($"#items-missing-at-bank tr.item[data-reference='{unbooked}']")).ToContainTextAsync("5.00 EUR");
        await Expect(tab.Page.Locator("#items-missing-here tr.item[data-reference='TEB-FEE-1']")).ToContainTextAsync("-1.50 EUR");
        await Expect(tab.Page.Locator("#items-missing-here tr.item[data-reference='019cd6a61e657f7f9b43e5f6a7b8c956']")).ToContainTextAsync("0.00 EUR");
        await Expect(tab.Page.Locator($"#items-matched tr.item[data-reference='{byText}']")).ToHaveCountAsync(1);
        await Expect(tab.Page.Locator($"#items-matched tr.item[data-reference='{batched}']")).ToHaveCountAsync(1);
        await Expect(tab.Page.Locator($"#items-matched tr.item[data-reference='rf-{reversed}']")).ToContainTextAsync("-1.00 EUR");
        int recorded = await tab.Page.Locator("#earlier tr.earlier").CountAsync();
        await tab.ShotAsync("camt-report");

        string otherAccount = new CamtStatement("camt.053.001.08", "XK051212012345678906", Clock.Today).Entry(200, batched).ToString();
        await UploadAsync(tab, "other-account.xml", otherAccount, "application/xml");
        await Expect(tab.Page.Locator(".problem")).ToContainTextAsync("The statement was refused whole, nothing was stored. Line 5: The statement is of account XK05************8906, not of TEB's settlement account XK37************0157. (element Stmt/Acct)");
        await Expect(tab.Page.Locator("#report")).ToHaveCountAsync(0);
        await tab.ShotAsync("camt-other-account");

        string yesterday = new CamtStatement("camt.054.001.02", settlementAccount, Clock.Today.AddDays(-1)).Entry(200, batched).ToString();
        await UploadAsync(tab, "yesterday.xml", yesterday, "application/xml");
        await Expect(tab.Page.Locator(".problem")).ToContainTextAsync($"is of {Clock.Today.AddDays(-1):yyyy-MM-dd}, not of {Today}, the day asked.");
        await Expect(tab.Page.Locator("#earlier tr.earlier")).ToHaveCountAsync(recorded);
        await tab.ShotAsync("camt-other-day");

        Assert.Contains(
            await host.Server.App.Services.GetRequiredService<ConsoleAudit>().LatestAsync(100),
            e => e.Action == ConsoleActions.StatementReconciled && e.Details.Contains("camt.053.001.08", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Catalog_AdminSchedulesAPriceChange_ItIsListedAndASecondForThatDateIsRefused()
    {
        string from = Clock.Today.AddDays(12).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        await using ConsoleTab tab = await OpenAsync("catalog");
        await tab.SignInAsync("admin");
        await tab.Page.ClickAsync("#nav-catalog");
        await Expect(tab.Page.Locator("h1")).ToHaveTextAsync("Catalog and fee");
        await Expect(tab.Page.Locator("tr.package[data-package='INTERNET_1'] td.price")).ToHaveTextAsync("14.90 EUR");
        await tab.ShotAsync("catalog");

        await tab.Page.SelectOptionAsync("#change-kind", "price");
        await tab.Page.SelectOptionAsync("#change-package", "INTERNET_1");
        await tab.Page.FillAsync("#change-amount", "15,90");
        await tab.Page.FillAsync("#change-from", from);
        await tab.Page.FillAsync("#change-reason", "Yearly price review");
        await tab.Page.ClickAsync("#schedule-change");

        await Expect(tab.Page.Locator(".notice")).ToHaveTextAsync($"Scheduled: INTERNET_1 15.90 EUR from {from}.");
        ILocator row = tab.Page.Locator($"tr.change[data-package='INTERNET_1'][data-from='{from}']");
        await Expect(row).ToContainTextAsync("15.90 EUR");
        await Expect(row).ToContainTextAsync("scheduled");
        await Expect(row).ToContainTextAsync("Yearly price review");
        await Expect(tab.Page.Locator("tr.package[data-package='INTERNET_1'] td.next")).ToHaveTextAsync($"15.90 EUR · {from}");
        await Expect(tab.Page.Locator("tr.package[data-package='INTERNET_1'] td.price")).ToHaveTextAsync("14.90 EUR");
        await tab.ShotAsync("scheduled");

        await tab.Page.SelectOptionAsync("#change-package", "INTERNET_1");
        await tab.Page.FillAsync("#change-amount", "16.90");
        await tab.Page.FillAsync("#change-from", from);
        await tab.Page.FillAsync("#change-reason", "Second thoughts");
        await tab.Page.ClickAsync("#schedule-change");
        await Expect(tab.Page.Locator(".problem")).ToHaveTextAsync("A change of INTERNET_1 from that date is recorded already: nothing was saved. Choose another date.");
        await Expect(tab.Page.Locator("tr.change[data-package='INTERNET_1']")).ToHaveCountAsync(1);
        await tab.ShotAsync("refused");

        Assert.Contains(
            await host.Server.App.Services.GetRequiredService<ConsoleAudit>().LatestAsync(20, "admin"),
            e => e.Action == ConsoleActions.CatalogChangeScheduled && e.Target == "INTERNET_1" && e.Details.Contains(from, StringComparison.Ordinal));
    }

    /// <summary>A TEB top-up of the demo holder's own number through the SMS API, reversed through the service.</summary>
    private async Task<(string Id, string Reply)> ReversedTopUpAsync(string amount)
    {
        (string status, string? id, string reply) = await host.TopUpAsync("049111111", TebShortCode, "049111111 " + amount);
        Assert.Equal("completed", status);
        await host.WaitForCaptureAsync(id!);
        ReversalOutcome outcome = await host.Server.App.Services.GetRequiredService<TopUpReversals>().ReverseAsync(id!, "test: arranged", "test");
        Assert.True(outcome.Succeeded, outcome.Error?.Message);
        return (id!, reply);
    }

    /// <summary>A completed TEB top-up of the demo holder's own number through the SMS API, captured.</summary>
    private async Task<string> TopUpAsync(string amount)
    {
        (string status, string? id, _) = await host.TopUpAsync("049111111", TebShortCode, "049111111 " + amount);
        Assert.Equal("completed", status);
        await host.WaitForCaptureAsync(id!);
        return id!;
    }

    private Settlements Settlements() => host.Server.App.Services.GetRequiredService<Settlements>();

    private async Task<string> SettlementCsvAsync()
    {
        var csv = new StringWriter(CultureInfo.InvariantCulture);
        await Mbushja.TopUp.Settlements.WriteCsvAsync(await Settlements().ForDayAsync(Teb, Clock.Today), csv);
        return csv.ToString();
    }

    private static string Reference(SettlementLine line) => line.Kind == SettlementKinds.Reversal ? "rf-" + line.TransactionId : line.TransactionId;

    private string Statement(IEnumerable<(string Reference, long Cents)> lines)
    {
        var csv = new StringBuilder("reference,date,amount,description\r\n");
        foreach ((string reference, long cents) in lines)
        {
            csv.Append(CultureInfo.InvariantCulture, $"{reference},{Today},{Money.FromCents(cents).ToDecimalString()},IPKO\r\n");
        }

        return csv.ToString();
    }

    private static async Task UploadAsync(ConsoleTab tab, string name, string content, string type = "text/csv")
    {
        await tab.Page.SetInputFilesAsync("#statement", new FilePayload { Name = name, MimeType = type, Buffer = Encoding.UTF8.GetBytes(content) });
        // The page that answers the upload, not the one it was sent from: wait for the POST's answer, then its page.
        await tab.Page.RunAndWaitForResponseAsync(
            () => tab.Page.ClickAsync("#upload-statement"),
            r => r.Request.Method == "POST" && r.Url.Contains("/console/reconciliation", StringComparison.Ordinal));
        await tab.Page.WaitForLoadStateAsync(LoadState.DOMContentLoaded);
    }
}
