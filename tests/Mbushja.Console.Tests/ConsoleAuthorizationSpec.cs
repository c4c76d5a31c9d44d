using System.Net;
using Mbushja.WebConsole.Users;
using Microsoft.Extensions.DependencyInjection;

namespace Mbushja.WebConsole.Tests;

/// <summary>
/// The console's bad input and authorization, over plain HTTP (no browser): nothing without sign-in, a wrong
/// password and a lockout, a forged or missing CSRF token, an expired session, and each role only what it may.
/// </summary>
public abstract class ConsoleAuthorizationSpec<THost>(THost host) : IClassFixture<THost>
    where THost : FakeClockConsoleHost
{
    public static TheoryData<string> ConsolePaths { get; } =
    [
        "/console", "/console/dashboard", "/console/lookup?q=049111111", "/console/transactions/0123456789abcdef", "/console/payments/0123456789abcdef",
        "/console/registrations", "/console/registrations/TEB/0123456789abcdef", "/console/users", "/console/audit",
        "/console/banks", "/console/banks?bank=TEB", "/console/phone", "/console/phone?msisdn=049111111",
        "/console/settlement", "/console/reconciliation", "/console/catalog",
    ];

    private ConsoleClient Client() => new(host.BaseAddress);

    [Theory]
    [MemberData(nameof(ConsolePaths))]
    public async Task Page_WithoutSignIn_RedirectsToSignIn(string path)
    {
        using ConsoleClient client = Client();

        using HttpResponseMessage response = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Contains("/console/sign-in?returnUrl=" + Uri.EscapeDataString(path), response.Headers.Location!.OriginalString, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pages_AreNeverCached_NorFramed()
    {
        using ConsoleClient client = Client();

        // The sign-in page has a form (antiforgery marks it too); the "denied" page has none.
        foreach ((string path, HttpStatusCode status) in new[] { (ConsoleSetup.SignInPath, HttpStatusCode.OK), (ConsoleSetup.DeniedPath, HttpStatusCode.Forbidden) })
        {
            using HttpResponseMessage response = await client.GetAsync(path);

            Assert.Equal(status, response.StatusCode);
            Assert.True(response.Headers.CacheControl is { NoCache: true, NoStore: true }, $"{path} Cache-Control: {response.Headers.CacheControl}");
            Assert.Equal("DENY", Assert.Single(response.Headers.GetValues("X-Frame-Options")));
        }
    }

    [Fact]
    public async Task Form_WithoutSignIn_IsRedirectedAndChangesNothing()
    {
        using ConsoleClient client = Client();
        string name = $"intruder{Random.Shared.Next(1_000_000)}";
        string token = await client.TokenAsync(ConsoleSetup.SignInPath);

        using HttpResponseMessage response = await client.PostAsync(
            "/console/users?handler=Add", ConsoleClient.Fields(("Name", name), ("NewRole", "admin"), ("Password", "long-enough-password")), token);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Contains("/console/sign-in", response.Headers.Location!.OriginalString, StringComparison.Ordinal);
        Assert.Null(await host.Users.FindAsync(name));
    }

    [Fact]
    public async Task SignIn_WrongPassword_IsRefusedWithAMessageAndNoSession()
    {
        string user = await host.NewUserAsync(ConsoleRole.Agent);
        using ConsoleClient client = Client();

        using HttpResponseMessage response = await client.SubmitAsync(
            ConsoleSetup.SignInPath, ConsoleSetup.SignInPath, ("username", user), ("password", "not-the-password"));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("fjalëkalimi është i gabuar", WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync()), StringComparison.Ordinal);
        using HttpResponseMessage after = await client.GetAsync("/console/dashboard");
        Assert.Equal(HttpStatusCode.Redirect, after.StatusCode);
    }

    [Fact]
    public async Task SignIn_UnknownUser_GetsTheSameAnswerAsAWrongPassword()
    {
        using ConsoleClient client = Client();

        using HttpResponseMessage response = await client.SubmitAsync(
            ConsoleSetup.SignInPath, ConsoleSetup.SignInPath, ("username", "nobody-here"), ("password", "whatever-password"));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("fjalëkalimi është i gabuar", WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync()), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SignIn_FiveWrongPasswords_LockOutForFifteenMinutesEvenWithTheRightOne()
    {
        string user = await host.NewUserAsync(ConsoleRole.Agent);
        IPAddress from = ConsoleClient.NewLoopbackAddress();
        for (int i = 1; i <= 5; i++)
        {
            (HttpStatusCode status, string problem) = await SignInFromAsync(from, user, "wrong-password-" + i);
            Assert.Equal(HttpStatusCode.Unauthorized, status);
            Assert.Contains(i < 5 ? "gabuar" : "bllokuar", problem, StringComparison.Ordinal);
        }

        Assert.Contains("bllokuar", (await SignInFromAsync(from, user, ConsoleHost.Password)).Problem, StringComparison.Ordinal);
        host.Clock.Advance(TimeSpan.FromMinutes(14));
        Assert.Contains("bllokuar", (await SignInFromAsync(from, user, ConsoleHost.Password)).Problem, StringComparison.Ordinal);
        host.Clock.Advance(TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(1));
        using ConsoleClient later = new(host.BaseAddress, from: from);
        await later.SignInAsync(user);
        Assert.Contains(await host.Server.App.Services.GetRequiredService<ConsoleAudit>().LatestAsync(50, user), e => e.Action == ConsoleActions.UserLockedOut);
    }

    /// <summary>
    /// Wrong passwords from one address lock the name out for that address only: nobody outside locks an admin out of
    /// the console (README "Console").
    /// </summary>
    [Fact]
    public async Task SignIn_FiveWrongPasswordsFromOneAddress_DoNotLockTheUserOutFromAnother()
    {
        string admin = await host.NewUserAsync(ConsoleRole.Admin);
        IPAddress outsider = ConsoleClient.NewLoopbackAddress();
        for (int i = 1; i <= 6; i++)
        {
            await SignInFromAsync(outsider, admin, "wrong-password-" + i);
        }

        Assert.Contains("bllokuar", (await SignInFromAsync(outsider, admin, ConsoleHost.Password)).Problem, StringComparison.Ordinal);
        using ConsoleClient own = new(host.BaseAddress, from: ConsoleClient.NewLoopbackAddress());
        await own.SignInAsync(admin);
        Assert.Equal(HttpStatusCode.OK, (await own.GetTextAsync("/console/users")).Status);
    }

    /// <summary>
    /// Twenty failed sign-ins from one address, whatever the names (here four each for five, so that no name is locked
    /// out), stop that address: refused with 429 and Retry-After, right password or not, until the block ends; other
    /// addresses sign in as before.
    /// </summary>
    [Fact]
    public async Task SignIn_TwentyFailuresFromOneAddress_StopThatAddressWithRetryAfter_NotOthers()
    {
        string user = await host.NewUserAsync(ConsoleRole.Agent);
        IPAddress from = ConsoleClient.NewLoopbackAddress();
        for (int i = 1; i <= 20; i++)
        {
            // The twentieth failure is the one that stops the address, and says so.
            (HttpStatusCode status, string problem) = await SignInFromAsync(from, i <= 4 ? user : $"nobody{(i - 1) / 4}-{from}", "wrong-password-" + i);
            Assert.Equal(i < 20 ? HttpStatusCode.Unauthorized : HttpStatusCode.TooManyRequests, status);
            Assert.Contains(i < 20 ? "gabuar" : "nga kjo adresë", problem, StringComparison.Ordinal);
        }

        using (ConsoleClient client = new(host.BaseAddress, from: from))
        {
            using HttpResponseMessage refused = await client.SubmitAsync(
                ConsoleSetup.SignInPath, ConsoleSetup.SignInPath, ("username", user), ("password", ConsoleHost.Password));
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
            TimeSpan retryAfter = Assert.IsType<TimeSpan>(refused.Headers.RetryAfter?.Delta);
            Assert.InRange(retryAfter, TimeSpan.FromMinutes(14), TimeSpan.FromMinutes(15));
            Assert.Contains("nga kjo adresë", WebUtility.HtmlDecode(await refused.Content.ReadAsStringAsync()), StringComparison.Ordinal);
        }

        using (ConsoleClient elsewhere = new(host.BaseAddress, from: ConsoleClient.NewLoopbackAddress()))
        {
            await elsewhere.SignInAsync(user);
        }

        host.Clock.Advance(TimeSpan.FromMinutes(15) + TimeSpan.FromSeconds(1));
        using ConsoleClient later = new(host.BaseAddress, from: from);
        await later.SignInAsync(user);
    }

    /// <summary>
    /// Twenty wrong passwords sent at once lock the user out once, after five were checked: a try is counted before its
    /// password is, so the tries past the limit are refused unchecked.
    /// </summary>
    [Fact]
    public async Task SignIn_TwentyWrongPasswordsAtOnce_AreCheckedAtMostFiveTimes()
    {
        string user = await host.NewUserAsync(ConsoleRole.Agent);

        SignInResult[] results = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => Task.Run(() => host.Users.SignInAsync(user, "wrong-password-" + i))));

        Assert.Equal(4, results.Count(r => r.Status == SignInStatus.WrongCredentials));
        Assert.Equal(16, results.Count(r => r.Status == SignInStatus.LockedOut));
        IReadOnlyList<ConsoleAuditEntry> audit = await host.Server.App.Services.GetRequiredService<ConsoleAudit>().LatestAsync(200, user);
        Assert.Single(audit, e => e.Action == ConsoleActions.UserLockedOut);
        Assert.Equal(SignInStatus.LockedOut, (await host.Users.SignInAsync(user, ConsoleHost.Password)).Status);
    }

    /// <summary>
    /// Forty failed sign-ins sent at once from one address, each for another name, stop the address once, after twenty
    /// were checked: a try is counted for the address before its password is checked, so those past the limit are
    /// refused unchecked.
    /// </summary>
    [Fact]
    public async Task SignIn_FortyFailuresAtOnceFromOneAddress_AreCheckedAtMostTwentyTimes()
    {
        IPAddress from = ConsoleClient.NewLoopbackAddress();

        SignInResult[] results = await Task.WhenAll(Enumerable.Range(0, 40).Select(i => Task.Run(() => host.Users.SignInAsync($"nobody{i}", "wrong-password", from))));

        Assert.Equal(19, results.Count(r => r.Status == SignInStatus.WrongCredentials));
        Assert.Equal(21, results.Count(r => r.Status == SignInStatus.Throttled));
        Assert.Equal(SignInStatus.Throttled, (await host.Users.SignInAsync("agent", ConsoleHost.Password, from)).Status);
    }

    [Theory]
    [InlineData(null, "-")]
    [InlineData("192.0.2.7", "192.0.2.7")]
    [InlineData("::ffff:192.0.2.7", "192.0.2.7")]
    [InlineData("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64")]
    [InlineData("2001:db8:1:2::1", "2001:db8:1:2::/64")]
    public void AddressKey_IPv6CountsByItsSlash64_IPv4ByItself(string? address, string key) =>
        Assert.Equal(key, ConsoleUsers.AddressKey(address is null ? null : IPAddress.Parse(address)));

    /// <summary>After six wrong passwords, a real name and an unknown one get the same page: the lockout tells no names.</summary>
    [Fact]
    public async Task SignIn_SixWrongPasswords_GiveTheSameAnswerForAnUnknownNameAsForARealOne()
    {
        string real = await host.NewUserAsync(ConsoleRole.Agent);
        string unknown = "nobody" + Random.Shared.Next(1_000_000, 9_999_999);

        (HttpStatusCode Status, string Problem) realAnswer = await SixthAnswerAsync(real);
        (HttpStatusCode Status, string Problem) unknownAnswer = await SixthAnswerAsync(unknown);

        Assert.Contains("bllokuar", realAnswer.Problem, StringComparison.Ordinal);
        Assert.Equal(realAnswer, unknownAnswer);
    }

    [Fact]
    public async Task SignIn_ARightPasswordBeforeTheFifth_StartsTheCountAgain()
    {
        string user = await host.NewUserAsync(ConsoleRole.Agent);
        for (int i = 0; i < 4; i++)
        {
            await host.Users.SignInAsync(user, "wrong-password");
        }

        Assert.Equal(SignInStatus.SignedIn, (await host.Users.SignInAsync(user, ConsoleHost.Password)).Status);
        for (int i = 0; i < 4; i++)
        {
            Assert.Equal(SignInStatus.WrongCredentials, (await host.Users.SignInAsync(user, "wrong-password")).Status);
        }
    }

    [Theory]
    [InlineData(null)]
    [InlineData("CfDJ8Forged-token-that-no-server-ever-issued")]
    public async Task Form_WithAMissingOrForgedCsrfToken_IsRefusedAndChangesNothing(string? token)
    {
        (HttpStatusCode status, string body, string name) = await AddUserAsAdminAsync(token);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("asgjë nuk u ndryshua", body, StringComparison.Ordinal);
        Assert.Null(await host.Users.FindAsync(name));
    }

    [Fact]
    public async Task Form_WithAnotherSessionsCsrfToken_IsRefused()
    {
        using ConsoleClient other = Client();
        await other.SignInAsync("supervisor");
        string othersToken = await other.TokenAsync("/console/lookup");

        (HttpStatusCode status, _, string name) = await AddUserAsAdminAsync(othersToken);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Null(await host.Users.FindAsync(name));
    }

    [Fact]
    public async Task Form_WithItsOwnCsrfToken_Works()
    {
        using ConsoleClient client = Client();
        await client.SignInAsync("admin");
        string name = $"ok{Random.Shared.Next(1_000_000)}";

        using HttpResponseMessage response = await client.SubmitAsync(
            "/console/users", "/console/users?handler=Add", ("Name", name), ("NewRole", "agent"), ("Password", "long-enough-password"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(ConsoleRole.Agent, (await host.Users.FindAsync(name))!.Role);
    }

    [Fact]
    public async Task Session_IdleLongerThanThirtyMinutes_GoesBackToSignIn_WhileUseKeepsItAlive()
    {
        using ConsoleClient client = Client();
        await client.SignInAsync(await host.NewUserAsync(ConsoleRole.Agent));

        // Used every 20 minutes, the session slides along.
        for (int i = 0; i < 3; i++)
        {
            host.Clock.Advance(TimeSpan.FromMinutes(20));
            Assert.Equal(HttpStatusCode.OK, (await client.GetTextAsync("/console/lookup")).Status);
        }

        host.Clock.Advance(TimeSpan.FromMinutes(31));
        using HttpResponseMessage expired = await client.GetAsync("/console/lookup");

        Assert.Equal(HttpStatusCode.Redirect, expired.StatusCode);
        Assert.Contains("/console/sign-in?returnUrl=", expired.Headers.Location!.OriginalString, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Favicon_IsServedToAnyone_AndTheBrowsersDefaultAddressLeadsToIt()
    {
        using ConsoleClient client = Client();

        using HttpResponseMessage moved = await client.GetAsync("/favicon.ico");
        using HttpResponseMessage icon = await client.GetAsync(moved.Headers.Location!.OriginalString);

        Assert.Equal(HttpStatusCode.MovedPermanently, moved.StatusCode);
        Assert.Equal(ConsoleSetup.FaviconPath, moved.Headers.Location.OriginalString);
        Assert.Equal(HttpStatusCode.OK, icon.StatusCode);
        Assert.Equal("image/svg+xml", icon.Content.Headers.ContentType!.MediaType);
        Assert.StartsWith("<svg", await icon.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SignIn_SaysTheSessionEnded_OnlyToABrowserThatHadOne()
    {
        using ConsoleClient client = Client();

        using (HttpResponseMessage first = await client.GetAsync("/console/lookup"))
        {
            string page = (await client.GetTextAsync(first.Headers.Location!.OriginalString)).Body;
            Assert.Contains("id=\"username\"", page, StringComparison.Ordinal);
            Assert.DoesNotContain("session-note", page, StringComparison.Ordinal);
        }

        await client.SignInAsync(await host.NewUserAsync(ConsoleRole.Agent));
        host.Clock.Advance(TimeSpan.FromMinutes(31));
        using HttpResponseMessage ended = await client.GetAsync("/console/lookup");
        string again = (await client.GetTextAsync(ended.Headers.Location!.OriginalString)).Body;

        Assert.Contains("session-note", again, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Session_OfAUserWhoseRoleChanged_GoesBackToSignIn()
    {
        string user = await host.NewUserAsync(ConsoleRole.Admin);
        using ConsoleClient client = Client();
        await client.SignInAsync(user);
        Assert.Equal(HttpStatusCode.OK, (await client.GetTextAsync("/console/users")).Status);

        Assert.Null(await host.Users.SetRoleAsync(user, ConsoleRole.Agent, null, "admin"));

        using HttpResponseMessage after = await client.GetAsync("/console/users");
        Assert.Equal(HttpStatusCode.Redirect, after.StatusCode);
        Assert.Contains("/console/sign-in", after.Headers.Location!.OriginalString, StringComparison.Ordinal);
    }

    /// <summary>Who may open what: one row per role and page; "denied" is the 403 page a refused role is sent to.</summary>
    public static TheoryData<string, string, string> RolePages { get; } = new()
    {
        { "agent", "/console/dashboard", "ok" },
        { "agent", "/console/lookup?q=049111111", "ok" },
        { "agent", "/console/users", "denied" },
        { "agent", "/console/audit", "denied" },
        { "agent", "/console/registrations", "denied" },
        { "supervisor", "/console/dashboard", "ok" },
        { "supervisor", "/console/users", "denied" },
        { "supervisor", "/console/registrations", "denied" },
        { "teb.officer", "/console/registrations", "ok" },
        { "teb.officer", "/console/registrations?bank=TEB", "ok" },
        { "teb.officer", "/console/dashboard", "denied" },
        { "teb.officer", "/console/lookup?q=049111111", "denied" },
        { "teb.officer", "/console/users", "denied" },
        // The money pages: settlement and reconciliation for supervisors, bank officers and admins; the catalog for admins.
        { "agent", "/console/settlement", "denied" },
        { "agent", "/console/reconciliation", "denied" },
        { "agent", "/console/catalog", "denied" },
        { "supervisor", "/console/settlement?bank=BEK", "ok" },
        { "supervisor", "/console/reconciliation?bank=BEK", "ok" },
        { "supervisor", "/console/catalog", "denied" },
        { "teb.officer", "/console/settlement", "ok" },
        { "teb.officer", "/console/reconciliation?bank=TEB", "ok" },
        { "teb.officer", "/console/catalog", "denied" },
        { "admin", "/console/settlement?bank=NLB", "ok" },
        { "admin", "/console/reconciliation", "ok" },
        { "admin", "/console/catalog", "ok" },
        { "admin", "/console/dashboard", "ok" },
        { "admin", "/console/registrations?bank=BEK", "ok" },
        { "admin", "/console/users", "ok" },
        { "admin", "/console/audit", "ok" },
        // Every role reads the banks (an officer their own: BankOfficer_AnotherBanksGrammar_...); only supervisors and
        // admins act in the phone emulator.
        { "agent", "/console/banks", "ok" },
        { "supervisor", "/console/banks?bank=BEK", "ok" },
        { "teb.officer", "/console/banks", "ok" },
        { "teb.officer", "/console/banks?bank=TEB", "ok" },
        { "admin", "/console/banks?bank=NLB", "ok" },
        { "agent", "/console/phone", "denied" },
        { "teb.officer", "/console/phone", "denied" },
        { "supervisor", "/console/phone?msisdn=049111111", "ok" },
        { "admin", "/console/phone", "ok" },
    };

    [Theory]
    [MemberData(nameof(RolePages))]
    public async Task Role_OpensOnlyItsPages(string user, string path, string expected)
    {
        using ConsoleClient client = Client();
        await client.SignInAsync(user);

        using HttpResponseMessage response = await client.GetAsync(path);

        if (expected == "ok")
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        else
        {
            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            Assert.StartsWith("/console/denied", response.Headers.Location!.PathAndQuery, StringComparison.Ordinal);
            (HttpStatusCode status, string body) = await client.GetTextAsync(response.Headers.Location!.PathAndQuery);
            Assert.Equal(HttpStatusCode.Forbidden, status);
            Assert.Contains("denied", body, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task BankOfficer_AnotherBanksRegistrations_AreRefusedWithAClearMessage()
    {
        using ConsoleClient client = Client();
        await client.SignInAsync("teb.officer");
        Mbushja.TopUp.Registration bek = await host.DemoRegistrationAsync("BEK");

        (HttpStatusCode listStatus, string list) = await client.GetTextAsync("/console/registrations?bank=BEK");
        (HttpStatusCode oneStatus, string one) = await client.GetTextAsync($"/console/registrations/BEK/{bek.Id}");

        Assert.Equal(HttpStatusCode.Forbidden, listStatus);
        Assert.Equal(HttpStatusCode.Forbidden, oneStatus);
        foreach (string body in new[] { list, one })
        {
            Assert.Contains("Ju punoni për TEB: regjistrimet e BEK nuk janë për ju.", WebUtility.HtmlDecode(body), StringComparison.Ordinal);
            Assert.DoesNotContain(bek.AccountRef.Value, body, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task BankOfficer_ChangingAnotherBanksRegistration_IsRefusedAndChangesNothing()
    {
        using ConsoleClient client = Client();
        await client.SignInAsync("teb.officer");
        Mbushja.TopUp.Registration bek = await host.DemoRegistrationAsync("BEK");
        string newcomer = host.NextMobile();

        using HttpResponseMessage response = await client.SubmitAsync(
            "/console/registrations", $"/console/registrations/BEK/{bek.Id}?handler=Add", ("Msisdn", newcomer));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal(bek.Authorized, (await host.DemoRegistrationAsync("BEK")).Authorized);
    }

    [Fact]
    public async Task TransactionPage_ShowsTheReversalRegionToSupervisorsOnly()
    {
        (_, string? id, _) = await host.TopUpAsync("049111111", "50001", "1");
        using ConsoleClient agent = Client();
        await agent.SignInAsync("agent");
        using ConsoleClient supervisor = Client();
        await supervisor.SignInAsync("supervisor");

        (HttpStatusCode agentStatus, string agentPage) = await agent.GetTextAsync($"/console/transactions/{id}");
        (HttpStatusCode supervisorStatus, string supervisorPage) = await supervisor.GetTextAsync($"/console/transactions/{id}");

        Assert.Equal(HttpStatusCode.OK, agentStatus);
        Assert.Equal(HttpStatusCode.OK, supervisorStatus);
        Assert.DoesNotContain("id=\"reversal\"", agentPage, StringComparison.Ordinal);
        Assert.Contains("id=\"reversal\"", supervisorPage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SignOut_EndsTheSession()
    {
        using ConsoleClient client = Client();
        await client.SignInAsync("agent");

        using HttpResponseMessage signedOut = await client.SubmitAsync("/console/lookup", "/console/sign-out");
        using HttpResponseMessage after = await client.GetAsync("/console/lookup");

        Assert.Equal(HttpStatusCode.Redirect, signedOut.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, after.StatusCode);
        Assert.Contains("/console/sign-in", after.Headers.Location!.OriginalString, StringComparison.Ordinal);
    }

    /// <summary>Sign-out ends the session on the server: its cookie, copied before, opens nothing afterwards.</summary>
    [Fact]
    public async Task SignOut_ASessionCookieCopiedBefore_IsRefusedAfterwards()
    {
        using ConsoleClient client = Client();
        await client.SignInAsync(await host.NewUserAsync(ConsoleRole.Agent));
        using ConsoleClient copy = new(host.BaseAddress, CopyOf(client.Cookies));
        Assert.Equal(HttpStatusCode.OK, (await copy.GetTextAsync("/console/lookup")).Status);

        using HttpResponseMessage signedOut = await client.SubmitAsync("/console/lookup", "/console/sign-out");
        using HttpResponseMessage after = await copy.GetAsync("/console/lookup");

        Assert.Equal(HttpStatusCode.Redirect, signedOut.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, after.StatusCode);
        Assert.Contains("/console/sign-in", after.Headers.Location!.OriginalString, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Root_RedirectsToTheConsole()
    {
        using ConsoleClient client = Client();

        using HttpResponseMessage response = await client.GetAsync("/");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/console", response.Headers.Location!.OriginalString);
    }

    /// <summary>An admin's session posts the add-user form with the given token (none, forged, someone else's).</summary>
    private async Task<(HttpStatusCode Status, string Body, string Name)> AddUserAsAdminAsync(string? token)
    {
        using ConsoleClient client = Client();
        await client.SignInAsync("admin");
        string name = $"csrf{Random.Shared.Next(1_000_000)}";
        using HttpResponseMessage response = await client.PostAsync(
            "/console/users?handler=Add", ConsoleClient.Fields(("Name", name), ("NewRole", "agent"), ("Password", "long-enough-password")), token);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(), name);
    }

    private async Task<(HttpStatusCode Status, string Problem)> SixthAnswerAsync(string name)
    {
        // Each name from an address of its own: what one name's tries count for the address does not touch the other's.
        IPAddress from = ConsoleClient.NewLoopbackAddress();
        (HttpStatusCode Status, string Problem) answer = default;
        for (int i = 1; i <= 6; i++)
        {
            answer = await SignInFromAsync(from, name, "wrong-password-" + i);
        }

        return answer;
    }

    /// <summary>A sign-in from <paramref name="from"/>, as a browser there makes it: its status and the problem it shows.</summary>
    private async Task<(HttpStatusCode Status, string Problem)> SignInFromAsync(IPAddress from, string name, string password)
    {
        using ConsoleClient client = new(host.BaseAddress, from: from);
        using HttpResponseMessage response = await client.SubmitAsync(
            ConsoleSetup.SignInPath, ConsoleSetup.SignInPath, ("username", name), ("password", password));
        string body = WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync());
        int start = body.IndexOf("class=\"problem\"", StringComparison.Ordinal);
        return (response.StatusCode, start < 0 ? "" : body[start..body.IndexOf("</p>", start, StringComparison.Ordinal)]);
    }

    /// <summary>Another jar holding the same cookies: a session cookie copied out of a browser.</summary>
    private CookieContainer CopyOf(CookieContainer cookies)
    {
        var copy = new CookieContainer();
        foreach (Cookie cookie in cookies.GetCookies(new Uri(host.BaseAddress, ConsoleSetup.Root + "/")))
        {
            copy.Add(new Cookie(cookie.Name, cookie.Value, cookie.Path, cookie.Domain));
        }

        return copy;
    }
}


public sealed class SqliteConsoleAuthorizationSpec(SqliteFakeClockConsoleHost host) : ConsoleAuthorizationSpec<SqliteFakeClockConsoleHost>(host);

public sealed class PostgresConsoleAuthorizationSpec(PostgresFakeClockConsoleHost host) : ConsoleAuthorizationSpec<PostgresFakeClockConsoleHost>(host);
