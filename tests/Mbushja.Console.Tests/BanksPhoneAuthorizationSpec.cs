using System.Net;
using Mbushja.Banks.Connector;
using Mbushja.Domain;
using Mbushja.Server.Tests;
using Mbushja.Storage;
using Mbushja.Testing;
using Mbushja.TopUp;
using Mbushja.WebConsole.Users;
using Microsoft.Extensions.DependencyInjection;

namespace Mbushja.WebConsole.Tests;

/// <summary>
/// The banks page and the phone emulator over plain HTTP (which role opens which page, and nothing without sign-in, are
/// rows of <see cref="ConsoleAuthorizationSpec{THost}"/>'s tables): a bank officer kept to their own bank's grammar, the
/// emulator's forms only for those who may act and only where nothing real moves, and a form without its antiforgery
/// token refused with nothing sent or charged.
/// </summary>
public abstract class BanksPhoneAuthorizationSpec<THost>(THost host) : IClassFixture<THost>
    where THost : FakeClockConsoleHost
{
    private ConsoleClient Client() => new(host.BaseAddress);

    private T Service<T>()
        where T : notnull => host.Server.App.Services.GetRequiredService<T>();

    [Fact]
    public async Task PhoneSms_WithoutSignIn_IsRedirectedAndNothingIsSent()
    {
        string sender = host.NextMobile();
        using ConsoleClient client = Client();
        string token = await client.TokenAsync(ConsoleSetup.SignInPath);

        using HttpResponseMessage response = await client.PostAsync(
            $"/console/phone?msisdn={sender}&handler=Sms", ConsoleClient.Fields(("ShortCode", "50001"), ("SmsText", "5")), token);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Contains("/console/sign-in", response.Headers.Location!.OriginalString, StringComparison.Ordinal);
        Assert.Empty(await MessagesFromAsync(sender));
    }

    [Fact]
    public async Task PhoneSms_FromAnAgent_IsRefusedAndNothingIsSent()
    {
        string sender = host.NextMobile();
        using ConsoleClient client = Client();
        await client.SignInAsync("agent");

        using HttpResponseMessage response = await client.SubmitAsync(
            "/console/banks", $"/console/phone?msisdn={sender}&handler=Sms", ("ShortCode", "50001"), ("SmsText", "5"));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/console/denied", response.Headers.Location!.PathAndQuery, StringComparison.Ordinal);
        Assert.Empty(await MessagesFromAsync(sender));
    }

    [Fact]
    public async Task BankOfficer_AnotherBanksGrammar_IsHiddenFromTheListAndRefused()
    {
        using ConsoleClient client = Client();
        await client.SignInAsync("teb.officer");

        (HttpStatusCode ownStatus, string own) = await client.GetTextAsync("/console/banks");
        (HttpStatusCode otherStatus, string other) = await client.GetTextAsync("/console/banks?bank=BEK");

        Assert.Equal(HttpStatusCode.OK, ownStatus);
        Assert.Contains("data-bank=\"TEB\"", own, StringComparison.Ordinal);
        Assert.DoesNotContain("data-bank=\"BEK\"", own, StringComparison.Ordinal);
        Assert.DoesNotContain("50005", own, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, otherStatus);
        Assert.Contains("Ju punoni për TEB: sintaksa e BEK nuk është për ju.", WebUtility.HtmlDecode(other), StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"grammar\"", other, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BankOfficer_TestingAnotherBanksShortCode_IsRefusedWithoutAReading()
    {
        using ConsoleClient client = Client();
        await client.SignInAsync("teb.officer");

        using HttpResponseMessage response = await client.SubmitAsync(
            "/console/banks", "/console/banks?handler=Test", ("ShortCode", "50005"), ("Text", "5"), ("Sender", "049111111"));
        string body = WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("Ju punoni për TEB: sintaksa e BEK nuk është për ju.", body, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"parse-json\"", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GrammarTester_WithoutItsCsrfToken_IsRefused()
    {
        using ConsoleClient client = Client();
        await client.SignInAsync("agent");

        using HttpResponseMessage response = await client.PostAsync(
            "/console/banks?handler=Test", ConsoleClient.Fields(("ShortCode", "50001"), ("Text", "5"), ("Sender", "049111111")), token: null);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.DoesNotContain("parse-json", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("CfDJ8Forged-token-that-no-server-ever-issued")]
    public async Task PhoneSms_WithAMissingOrForgedCsrfToken_IsRefusedAndNothingIsCharged(string? token)
    {
        string sender = host.NextMobile();
        using ConsoleClient client = Client();
        await client.SignInAsync("supervisor");

        using HttpResponseMessage response = await client.PostAsync(
            $"/console/phone?msisdn={sender}&handler=Sms", ConsoleClient.Fields(("ShortCode", "50001"), ("SmsText", "5")), token);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("asgjë nuk u ndryshua", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        // The message never reached the platform: nothing recorded for the sender, nothing audited.
        Assert.Empty(await MessagesFromAsync(sender));
        Assert.DoesNotContain(await Service<ConsoleAudit>().LatestAsync(100, "supervisor"), e => e.Target.EndsWith(sender[1..], StringComparison.Ordinal));
    }

    [Fact]
    public async Task PhoneUssd_WithoutItsCsrfToken_IsRefused()
    {
        using ConsoleClient client = Client();
        await client.SignInAsync("admin");

        using HttpResponseMessage response = await client.PostAsync(
            "/console/phone?msisdn=049600008&handler=Dial", ConsoleClient.Fields(("Dialled", "*101#")), token: null);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task PhoneSms_FromASupervisor_GoesThroughTheRealPathAndIsAudited()
    {
        string sender = host.NextMobile(); // not registered anywhere: the platform's own refusal, recorded like any SMS
        using ConsoleClient client = Client();
        await client.SignInAsync("supervisor");

        using HttpResponseMessage response = await client.SubmitAsync(
            $"/console/phone?msisdn={sender}", $"/console/phone?msisdn={sender}&handler=Sms", ("ShortCode", "50001"), ("SmsText", "5"));
        string body = WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        SmsTransaction message = Assert.Single(await MessagesFromAsync(sender));
        Assert.Equal(ErrorCodes.NotRegistered, message.Code);
        Assert.StartsWith("console-", message.MessageId, StringComparison.Ordinal);
        Assert.Contains(message.Reply!, body, StringComparison.Ordinal);
        Assert.Contains($"/console/transactions/{message.Id}", body, StringComparison.Ordinal);
        ConsoleAuditEntry entry = Assert.Single(await Service<ConsoleAudit>().LatestAsync(100, "supervisor"), e => e.Target == "+383" + sender[1..]);
        Assert.Equal(ConsoleActions.PhoneSms, entry.Action);
        Assert.Contains("\"to\":\"50001\"", entry.Details, StringComparison.Ordinal);
        Assert.Contains("\"text\":\"5\"", entry.Details, StringComparison.Ordinal);
    }

    private async Task<List<SmsTransaction>> MessagesFromAsync(string national) =>
        await Service<SmsTransactions>().ListAsync("+383" + national[1..], null, null, 10);
}

public sealed class SqliteBanksPhoneAuthorizationSpec(SqliteFakeClockConsoleHost host) : BanksPhoneAuthorizationSpec<SqliteFakeClockConsoleHost>(host);

public sealed class PostgresBanksPhoneAuthorizationSpec(PostgresFakeClockConsoleHost host) : BanksPhoneAuthorizationSpec<PostgresFakeClockConsoleHost>(host);

/// <summary>
/// The phone emulator is there only on a demo server whose banks are all the sandbox bank: without <c>--demo</c>, or with
/// one bank on its real API, its page is not mapped at all (404 for everyone, admins too) and the menu does not offer it.
/// </summary>
public sealed class PhoneEmulatorAbsenceSpec
{
    public static TheoryData<string> Servers { get; } = ["no demo", "demo with a real bank"];

    [Theory]
    [MemberData(nameof(Servers))]
    public async Task PhonePage_OnAServerThatIsNotASandboxDemo_IsNotThere(string server)
    {
        await using TestDatabase database = await TestDatabase.CreateAsync(DatabaseKind.Sqlite);
        await using RunningServer running = await RunningServer.StartAsync(database.Option, demo: server != "no demo", configure: s => s with
        {
            ConsoleDemoPassword = ConsoleHost.Password,
            BankEndpoints = server == "no demo" ? [] : [new BankEndpoint("TEB", new Uri("http://127.0.0.1:9/teb/"), "a-secret-teb-shares-with-us")],
        });
        ConsoleUsers users = running.App.Services.GetRequiredService<ConsoleUsers>();
        Assert.Null(await users.CreateAsync("boss", ConsoleRole.Admin, null, ConsoleHost.Password, "test"));
        using var client = new ConsoleClient(running.Http.BaseAddress!);
        await client.SignInAsync("boss");

        (HttpStatusCode status, _) = await client.GetTextAsync("/console/phone?msisdn=049111111");
        (HttpStatusCode banksStatus, string banks) = await client.GetTextAsync("/console/banks");
        using HttpResponseMessage post = await client.SubmitAsync(
            "/console/banks", "/console/phone?msisdn=049111111&handler=Sms", ("ShortCode", "50005"), ("SmsText", "5"));

        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal(HttpStatusCode.NotFound, post.StatusCode);
        Assert.Equal(HttpStatusCode.OK, banksStatus);
        Assert.DoesNotContain("nav-phone", banks, StringComparison.Ordinal);
        Assert.Empty(await running.App.Services.GetRequiredService<SmsTransactions>().ListAsync("+38349111111", null, null, 10));
    }
}
