using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Mbushja.Domain;
using Mbushja.Storage;
using Mbushja.WebConsole.Users;
using Microsoft.Extensions.DependencyInjection;

namespace Mbushja.WebConsole.Tests;

/// <summary>
/// The one audit log (docs/design/audit-log.md) as an admin searches it on <c>/console/audit</c>, the same on every engine:
/// changes made in the console and through the admin API side by side, each with who made it and from which address;
/// searched by actor, by object (a number in any form) and by day; a page at a time.
/// </summary>
public abstract partial class AuditSearchSpec(ConsoleHost host) : IDisposable
{
    /// <summary>This test's console user signs in from here (127.x.y.z); its changes carry it.</summary>
    private readonly IPAddress _console = ConsoleClient.NewLoopbackAddress();

    /// <summary>This test's API calls come from here.</summary>
    private readonly IPAddress _api = ConsoleClient.NewLoopbackAddress();

    private readonly List<IDisposable> _clients = [];

    private OperatorClock Clock => host.Server.App.Services.GetRequiredService<OperatorClock>();

    private string Today => Clock.Today.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    public void Dispose()
    {
        foreach (IDisposable client in _clients)
        {
            client.Dispose();
        }

        GC.SuppressFinalize(this);
    }

    [Fact]
    public async Task Search_ByActor_ShowsTheApisChangesWithTheirAddress_AndTheConsolesApart()
    {
        string number = host.NextMobile();
        await CreateSubscriberByApiAsync(number);
        (ConsoleClient admin, string adminName) = await AdminAsync();
        string user = $"aud{Random.Shared.Next(100_000, 999_999)}";
        using HttpResponseMessage added = await admin.SubmitAsync(
            "/console/users", "/console/users?handler=Add", ("Name", user), ("NewRole", "agent"), ("Password", "long-enough-password"));
        Assert.True((int)added.StatusCode < 400, $"Adding {user}: {(int)added.StatusCode}");

        Entry[] byApi = await SearchAsync(admin, actor: "api");
        Entry created = Assert.Single(byApi, e => e.Target == E164(number));
        Assert.Equal((ConsoleActions.SubscriberCreated, ConsoleAudit.ApiActor, _api.ToString()), (created.Action, created.Actor, created.Address));
        Assert.All(byApi, e => Assert.Equal(ConsoleAudit.ApiActor, e.Actor));

        Entry[] byAdmin = await SearchAsync(admin, actor: adminName.ToUpperInvariant());
        Entry made = Assert.Single(byAdmin, e => e.Target == user);
        Assert.Equal((ConsoleActions.UserCreated, adminName, _console.ToString()), (made.Action, made.Actor, made.Address));
        Assert.DoesNotContain(byAdmin, e => e.Actor != adminName);

        // Unfiltered, both are there.
        Entry[] all = await SearchAsync(admin);
        Assert.Contains(all, e => e.Target == E164(number));
        Assert.Contains(all, e => e.Target == user);
    }

    [Fact]
    public async Task Search_ByObject_FindsItsChangesWhateverFormTheNumberIsTypedIn()
    {
        string number = host.NextMobile();
        await CreateSubscriberByApiAsync(number);
        await CreateSubscriberByApiAsync(host.NextMobile());
        (ConsoleClient admin, _) = await AdminAsync();

        foreach (string typed in new[] { number, E164(number), "+383 " + number[1..3] + " " + number[3..] })
        {
            Entry only = Assert.Single(await SearchAsync(admin, target: typed));
            Assert.Equal((ConsoleActions.SubscriberCreated, E164(number)), (only.Action, only.Target));
        }
    }

    [Fact]
    public async Task Search_ByDay_TodayHasTheChangesAndAnotherDayNone_AndAWrongDayIsSaidSo()
    {
        string number = host.NextMobile();
        await CreateSubscriberByApiAsync(number);
        (ConsoleClient admin, _) = await AdminAsync();

        Assert.Single(await SearchAsync(admin, target: number, day: Today));
        Assert.Empty(await SearchAsync(admin, target: number, day: Clock.Today.AddDays(-1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)));
        Assert.Contains(await SearchAsync(admin, actor: "api", day: Today), e => e.Target == E164(number));

        (HttpStatusCode status, string page) = await admin.GetTextAsync("/console/audit?day=31.12.2026");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        // In the console's first language (no language chosen): Albanian.
        Assert.Contains("„31.12.2026” nuk është një ditë (VVVV-MM-DD).", WebUtility.HtmlDecode(page), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Search_APageAtATime_WalksEveryEntryNewestFirstOnce()
    {
        string[] numbers = [host.NextMobile(), host.NextMobile(), host.NextMobile(), host.NextMobile(), host.NextMobile()];
        foreach (string number in numbers)
        {
            await CreateSubscriberByApiAsync(number);
        }

        ConsoleAudit audit = host.Server.App.Services.GetRequiredService<ConsoleAudit>();
        var seen = new List<ConsoleAuditEntry>();
        PageCursor? next = null;
        do
        {
            Paged<ConsoleAuditEntry> page = await audit.SearchAsync(new AuditSearch(Actor: ConsoleAudit.ApiActor), next, 2);
            Assert.InRange(page.Rows.Count, 1, 2);
            seen.AddRange(page.Rows);
            next = page.Next;
        }
        while (next is not null);

        string[] mine = [.. seen.Where(e => e.Address == _api.ToString()).Select(e => e.Target)];
        Assert.Equal(numbers.Reverse().Select(E164), mine);
        Assert.Equal(seen.Count, seen.Select(e => e.Seq).Distinct().Count());
        Assert.Equal(seen.OrderByDescending(e => e.At).ThenByDescending(e => e.Seq).Select(e => e.Seq), seen.Select(e => e.Seq));
    }

    private static string E164(string national) => "+383" + national[1..];

    private async Task<(ConsoleClient Client, string Name)> AdminAsync()
    {
        string name = await host.NewUserAsync(ConsoleRole.Admin);
        var client = new ConsoleClient(host.BaseAddress, from: _console);
        _clients.Add(client);
        await client.SignInAsync(name);
        return (client, name);
    }

    /// <summary>A subscriber made through the admin API, from this test's API address.</summary>
    private async Task CreateSubscriberByApiAsync(string national)
    {
        var api = new ConsoleClient(host.BaseAddress, from: _api);
        _clients.Add(api);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/subscribers")
        {
            Content = new StringContent(JsonSerializer.Serialize(new { msisdn = national, creditCents = 100 }), System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Mbushja.Server.Tests.RunningServer.AdminKey);
        using HttpResponseMessage response = await api.SendAsync(request);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    /// <summary>The rows the audit page shows for a search.</summary>
    private static async Task<Entry[]> SearchAsync(ConsoleClient client, string actor = "", string target = "", string day = "")
    {
        (HttpStatusCode status, string page) = await client.GetTextAsync(
            $"/console/audit?actor={Uri.EscapeDataString(actor)}&target={Uri.EscapeDataString(target)}&day={Uri.EscapeDataString(day)}");
        Assert.True(status == HttpStatusCode.OK, $"{(int)status}: {page}");
        return [.. RowPattern().Matches(page).Select(m => new Entry(
            WebUtility.HtmlDecode(m.Groups["action"].Value),
            WebUtility.HtmlDecode(m.Groups["actor"].Value),
            WebUtility.HtmlDecode(m.Groups["target"].Value),
            WebUtility.HtmlDecode(m.Groups["address"].Value)))];
    }

    private sealed record Entry(string Action, string Actor, string Target, string Address);

    [GeneratedRegex("<tr class=\"entry\" data-action=\"(?<action>[^\"]*)\" data-actor=\"(?<actor>[^\"]*)\" data-target=\"(?<target>[^\"]*)\">.*?<td class=\"address\">(?<address>[^<]*)</td>", RegexOptions.Singleline)]
    private static partial Regex RowPattern();
}

public sealed class SqliteAuditSearchTests(SqliteConsoleHost host) : AuditSearchSpec(host), IClassFixture<SqliteConsoleHost>;

public sealed class PostgresAuditSearchTests(PostgresConsoleHost host) : AuditSearchSpec(host), IClassFixture<PostgresConsoleHost>;
