using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Mbushja.Accounts;
using Mbushja.Domain;
using Mbushja.TopUp;
using Microsoft.Extensions.DependencyInjection;

namespace Mbushja.WebConsole.Tests;

/// <summary>
/// The money pages over plain HTTP (bad input, and each role only what it may; who may open them is in
/// <see cref="ConsoleAuthorizationSpec{THost}.RolePages"/>): an agent's forged reversal, a bank officer at another bank's money, forms without their CSRF token, a statement over
/// the form's limit, a catalog change for today. Each refusal changes nothing.
/// </summary>
public abstract class ConsoleMoneyAuthorizationSpec<THost>(THost host) : IClassFixture<THost>
    where THost : FakeClockConsoleHost
{
    private ConsoleClient Client() => new(host.BaseAddress);

    private T Service<T>()
        where T : notnull => host.Server.App.Services.GetRequiredService<T>();

    private string Today => Service<OperatorClock>().Today.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    [Fact]
    public async Task Reversal_PostedByAnAgent_IsRefusedWith403AndReversesNothing()
    {
        string id = await TopUpAsync();
        using ConsoleClient agent = await SignedInAsync("agent");
        (_, string page) = await agent.GetTextAsync($"/console/transactions/{id}");
        Assert.DoesNotContain("id=\"reverse\"", page, StringComparison.Ordinal);

        using HttpResponseMessage response = await ReverseAsync(agent, $"/console/transactions/{id}", id, ("Reason", "forged"), ("Confirmed", "true"));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("Vetëm mbikëqyrësit dhe administratorët mund të kthejnë", WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync()), StringComparison.Ordinal);
        Assert.Null(await Service<TopUpReversals>().GetAsync(TransactionId.FromStored(id)));
    }

    [Fact]
    public async Task Reversal_PostedByABankOfficer_IsSentToTheRefusalPageAndReversesNothing()
    {
        string id = await TopUpAsync();
        using ConsoleClient officer = await SignedInAsync("teb.officer");

        using HttpResponseMessage response = await ReverseAsync(officer, "/console/settlement", id, ("Reason", "forged"), ("Confirmed", "true"));

        AssertSentToTheRefusalPage(response);
        Assert.Null(await Service<TopUpReversals>().GetAsync(TransactionId.FromStored(id)));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("CfDJ8Forged-token-that-no-server-ever-issued")]
    public async Task Reversal_WithAMissingOrForgedCsrfToken_IsRefusedAndReversesNothing(string? token)
    {
        string id = await TopUpAsync();
        using ConsoleClient supervisor = await SignedInAsync("supervisor");

        using HttpResponseMessage response = await supervisor.PostAsync(
            $"/console/transactions/{id}?handler=Reverse", [new("Reason", "no token"), new("Confirmed", "true")], token);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("asgjë nuk u ndryshua", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Null(await Service<TopUpReversals>().GetAsync(TransactionId.FromStored(id)));
    }

    [Fact]
    public async Task Reversal_WithItsTokenReasonAndConfirmation_IsMadeAsTheSignedInSupervisor()
    {
        string id = await TopUpAsync();
        using ConsoleClient supervisor = await SignedInAsync("supervisor");

        using HttpResponseMessage unconfirmed = await ReverseAsync(supervisor, $"/console/transactions/{id}", id, ("Reason", "duplicate payment"));
        Assert.Equal(HttpStatusCode.OK, unconfirmed.StatusCode);
        Assert.Null(await Service<TopUpReversals>().GetAsync(TransactionId.FromStored(id)));

        using HttpResponseMessage confirmed = await ReverseAsync(supervisor, $"/console/transactions/{id}", id, ("Reason", "duplicate payment"), ("Confirmed", "true"));

        Assert.Equal(HttpStatusCode.OK, confirmed.StatusCode);
        Reversal reversal = (await Service<TopUpReversals>().GetAsync(TransactionId.FromStored(id)))!;
        Assert.Equal("supervisor", reversal.RequestedBy);
        Assert.Equal("duplicate payment", reversal.Reason);
    }

    [Fact]
    public async Task Reversal_WithoutAReason_IsRefusedAndReversesNothing()
    {
        string id = await TopUpAsync();
        using ConsoleClient supervisor = await SignedInAsync("supervisor");

        using HttpResponseMessage response = await ReverseAsync(supervisor, $"/console/transactions/{id}", id, ("Reason", "  "), ("Confirmed", "true"));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Null(await Service<TopUpReversals>().GetAsync(TransactionId.FromStored(id)));
    }

    [Theory]
    [InlineData("/console/settlement?bank=BEK")]
    [InlineData("/console/settlement?handler=Csv&bank=BEK")]
    [InlineData("/console/reconciliation?bank=BEK")]
    public async Task BankOfficer_AnotherBanksMoney_IsRefusedWithAClearMessage(string path)
    {
        await TopUpAsync("50005"); // a BEK top-up today: there is something to hide
        using ConsoleClient client = await SignedInAsync("teb.officer");

        using HttpResponseMessage response = await client.GetAsync(path + "&date=" + Today);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.StartsWith("text/html", response.Content.Headers.ContentType!.MediaType, StringComparison.Ordinal);
        string body = WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync());
        Assert.Contains("Ju punoni për TEB: paratë e BEK nuk janë për ju.", body, StringComparison.Ordinal);
        Assert.DoesNotContain("tr class=\"line\"", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Settlement_Csv_IsTheServicesCsvAsAnAttachment()
    {
        string id = await TopUpAsync();
        using ConsoleClient client = await SignedInAsync("teb.officer");

        using HttpResponseMessage response = await client.GetAsync($"/console/settlement?handler=Csv&bank=TEB&date={Today}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal($"settlement-TEB-{Today}.csv", response.Content.Headers.ContentDisposition!.FileName);
        string csv = await response.Content.ReadAsStringAsync();
        Assert.StartsWith("bank,date,kind,reference,transaction_id,time,msisdn,amount_eur,targets,state\r\n", csv, StringComparison.Ordinal);
        Assert.Contains($",topup,{TransactionId.FromStored(id).ShortRef},{id},", csv, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("CfDJ8Forged-token-that-no-server-ever-issued")]
    public async Task Reconciliation_UploadWithAMissingOrForgedCsrfToken_IsRefusedAndStoresNothing(string? token)
    {
        string id = await TopUpAsync();
        using ConsoleClient client = await SignedInAsync("teb.officer");
        int before = (await Service<Reconciliations>().ListAsync("TEB")).Count;

        using HttpResponseMessage response = await client.PostAsync(
            "/console/reconciliation", Upload($"reference,date,amount\r\n{id},{Today},1.00\r\n", token));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("asgjë nuk u ndryshua", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(before, (await Service<Reconciliations>().ListAsync("TEB")).Count);
    }

    [Fact]
    public async Task Reconciliation_UploadOverTheFormsLimit_IsRefusedBeforeItIsReadAndStoresNothing()
    {
        using ConsoleClient client = await SignedInAsync("teb.officer");
        string token = await client.TokenAsync("/console/reconciliation");
        int before = (await Service<Reconciliations>().ListAsync("TEB")).Count;
        var huge = new string('x', (int)(Mbushja.WebConsole.Pages.Finance.ReconciliationModel.UploadLimit + 1024));
        using MultipartFormDataContent content = Upload(huge, token);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/console/reconciliation") { Content = content };
        // As curl does for a large body: the server may refuse on the headers, before a byte of it is sent.
        request.Headers.ExpectContinue = true;

        using HttpResponseMessage response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains("asgjë nuk u ndryshua", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(before, (await Service<Reconciliations>().ListAsync("TEB")).Count);
    }

    [Fact]
    public async Task Catalog_ChangeFromToday_IsRefusedWithTheRuleAndRecordsNothing()
    {
        using ConsoleClient admin = await SignedInAsync("admin");
        int before = (await Service<CatalogChanges>().ListAsync()).Count;

        using HttpResponseMessage response = await admin.SubmitAsync(
            "/console/catalog", "/console/catalog", ("Kind", "fee"), ("Amount", "0.60"), ("EffectiveFrom", Today), ("Reason", "too soon"));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Contains($"Një ndryshim vlen vetëm nga një ditë e ardhshme (pas {Today})", WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync()), StringComparison.Ordinal);
        Assert.Equal(before, (await Service<CatalogChanges>().ListAsync()).Count);
    }

    [Fact]
    public async Task Catalog_PostedByASupervisor_IsSentToTheRefusalPageAndRecordsNothing()
    {
        using ConsoleClient supervisor = await SignedInAsync("supervisor");
        int before = (await Service<CatalogChanges>().ListAsync()).Count;
        string tomorrow = Service<OperatorClock>().Today.AddDays(3).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

        using HttpResponseMessage response = await supervisor.SubmitAsync(
            "/console/lookup", "/console/catalog", ("Kind", "fee"), ("Amount", "0.10"), ("EffectiveFrom", tomorrow), ("Reason", "forged"));

        AssertSentToTheRefusalPage(response);
        Assert.Equal(before, (await Service<CatalogChanges>().ListAsync()).Count);
    }

    private async Task<ConsoleClient> SignedInAsync(string user)
    {
        var client = Client();
        await client.SignInAsync(user);
        return client;
    }

    /// <summary>Posts the reversal form of a transaction with the token of <paramref name="tokenPage"/>.</summary>
    private static async Task<HttpResponseMessage> ReverseAsync(ConsoleClient client, string tokenPage, string id, params (string Name, string Value)[] fields) =>
        await client.SubmitAsync(tokenPage, $"/console/transactions/{id}?handler=Reverse", fields);

    /// <summary>A role the page's policy refuses is sent to the 403 page before the page runs.</summary>
    private static void AssertSentToTheRefusalPage(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/console/denied", response.Headers.Location!.PathAndQuery, StringComparison.Ordinal);
    }

    /// <summary>A completed top-up through the SMS API: 1 EUR to the demo holder's own number.</summary>
    private async Task<string> TopUpAsync(string shortCode = "50001")
    {
        (string status, string? id, _) = await host.TopUpAsync("049111111", shortCode, "1");
        Assert.Equal("completed", status);
        await host.WaitForCaptureAsync(id!);
        return id!;
    }

    private MultipartFormDataContent Upload(string csv, string? token)
    {
        var content = new MultipartFormDataContent
        {
            { new StringContent("TEB"), "bank" },
            { new StringContent(Today), "date" },
        };
        if (token is not null)
        {
            content.Add(new StringContent(token), "__csrf");
        }

        var file = new ByteArrayContent(Encoding.UTF8.GetBytes(csv));
        file.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        content.Add(file, "Statement", "statement.csv");
        return content;
    }
}

public sealed class SqliteConsoleMoneyAuthorizationSpec(SqliteFakeClockConsoleHost host) : ConsoleMoneyAuthorizationSpec<SqliteFakeClockConsoleHost>(host);

public sealed class PostgresConsoleMoneyAuthorizationSpec(PostgresFakeClockConsoleHost host) : ConsoleMoneyAuthorizationSpec<PostgresFakeClockConsoleHost>(host);
