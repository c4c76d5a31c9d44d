using System.Net;
using Mbushja.Domain;
using Mbushja.Server;
using Mbushja.TopUp;
using Microsoft.Extensions.DependencyInjection;

namespace Mbushja.WebConsole.Tests;

/// <summary>
/// The controls in the console (docs/design/controls.md): a bank officer sets an authorised person's caps on the
/// registration's page, which shows the caps and what is used today; the number's page shows its SIM changes and where
/// SMS Top Up from it is paused. On both engines.
/// </summary>
public abstract class ControlsConsoleSpec<THost>(THost host) : IClassFixture<THost>
    where THost : ConsoleHost
{
    [Fact]
    public async Task RegistrationPage_OfficerSetsAPersonsDailyCap_ThePageShowsItAndWhatIsUsed()
    {
        using var client = new ConsoleClient(host.BaseAddress);
        await client.SignInAsync("teb.officer");
        Registration teb = await host.DemoRegistrationAsync("TEB");
        string page = $"/console/registrations/TEB/{teb.Id}";
        string person = teb.Authorized[0].E164;

        using HttpResponseMessage set = await client.SubmitAsync(page, page + "?handler=Caps", ("CapsOf", person), ("CapsDaily", "8"), ("CapsMonthly", ""));
        Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        (string status, _, string reply) = await host.SendSmsAsync(DemoData.Registration.Authorized, "50001", "5");
        (string refusal, _, _) = await host.SendSmsAsync(DemoData.Registration.Authorized, "50001", "5");
        (HttpStatusCode shown, string body) = await client.GetTextAsync(page);

        Assert.True(status == "completed", reply);
        Assert.Equal("rejected", refusal);
        Assert.Equal(HttpStatusCode.OK, shown);
        string row = Row(WebUtility.HtmlDecode(body), $"data-of=\"{person}\"");
        Assert.Contains("8.00 EUR", row, StringComparison.Ordinal);
        Assert.Contains("5.00 EUR (3.00 EUR", row, StringComparison.Ordinal);
        Assert.Contains("caps_changed", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RegistrationPage_ADailyCapAboveTheMonthly_IsRefusedAndChangesNothing()
    {
        using var client = new ConsoleClient(host.BaseAddress);
        await client.SignInAsync("admin");
        Registration bek = await host.DemoRegistrationAsync("BEK");
        string page = $"/console/registrations/BEK/{bek.Id}";

        using HttpResponseMessage set = await client.SubmitAsync(page, page + "?handler=Caps", ("CapsOf", ""), ("CapsDaily", "80"), ("CapsMonthly", "50"));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, set.StatusCode);
        RegistrationCaps caps = await host.Server.App.Services.GetRequiredService<TopUpControls>().CapsOfAsync(bek);
        Assert.Null(caps.Registration.Daily);
    }

    [Fact]
    public async Task NumberPage_ShowsItsSimChangesAndWhereSmsTopUpIsPaused()
    {
        Msisdn number = host.Server.App.Services.GetRequiredService<NumberingPlan>().ParseMsisdn("049444444").Value;
        await host.Server.App.Services.GetRequiredService<SimChanges>().RecordAsync([(number, host.Time.GetUtcNow().AddHours(-1))], "test");
        using var client = new ConsoleClient(host.BaseAddress);
        await client.SignInAsync("agent");

        (HttpStatusCode status, string body) = await client.GetTextAsync("/console/lookup?q=049444444");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("class=\"sim-change\"", body, StringComparison.Ordinal);
        Assert.Contains("class=\"sim-paused\" data-bank=\"TEB\"", body, StringComparison.Ordinal);
    }

    /// <summary>The table row that carries <paramref name="marker"/>.</summary>
    private static string Row(string html, string marker)
    {
        int at = html.IndexOf(marker, StringComparison.Ordinal);
        Assert.True(at >= 0, $"No row with {marker}.");
        return html[at..html.IndexOf("</tr>", at, StringComparison.Ordinal)];
    }
}

public sealed class SqliteControlsConsoleSpec(SqliteConsoleHost host) : ControlsConsoleSpec<SqliteConsoleHost>(host);

public sealed class PostgresControlsConsoleSpec(PostgresConsoleHost host) : ControlsConsoleSpec<PostgresConsoleHost>(host);
