using System.Text.RegularExpressions;
using Mbushja.Testing;
using Microsoft.Playwright;

namespace Mbushja.WebConsole.Tests;

/// <summary>
/// Debian's Chromium (<c>/usr/bin/chromium</c>, which <c>./test.sh</c> installs when <c>tests/needs-chromium</c> is
/// there) driven by Playwright for .NET; nothing downloads a browser. One browser for a test class; each test its own
/// context (cookies), and a screenshot of every page it looks at in <c>.artifacts/screenshots/</c>.
/// </summary>
public sealed class Browser : IAsyncLifetime
{
    public const string Chromium = "/usr/bin/chromium";

    private IPlaywright? _playwright;

    public IBrowser Chrome { get; private set; } = null!;

    public static string Screenshots { get; } = Path.Combine(RepoFolder.Root, ".artifacts", "screenshots");

    public async Task InitializeAsync()
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: run the tests with ./test.sh, which installs Debian's chromium.");
        _playwright = await Playwright.CreateAsync();
        Chrome = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args =
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync",
            ],
        });
        Directory.CreateDirectory(Screenshots);
    }

    public async Task DisposeAsync()
    {
        if (Chrome is not null)
        {
            await Chrome.CloseAsync();
        }

        _playwright?.Dispose();
    }
}

/// <summary>One test's browser tab on the console: signs in, goes places, and photographs each page it shows.</summary>
public sealed class ConsoleTab(IPage page, Uri baseAddress, string test) : IAsyncDisposable
{
    private int _shots;

    public IPage Page { get; } = page;

    public static async Task<ConsoleTab> OpenAsync(Browser browser, Uri baseAddress, string test, string language = "en")
    {
        IBrowserContext context = await browser.Chrome.NewContextAsync(new BrowserNewContextOptions { BaseURL = baseAddress.ToString(), Locale = "en-US" });
        var tab = new ConsoleTab(await context.NewPageAsync(), baseAddress, test);
        tab.Page.SetDefaultTimeout(15_000);
        await tab.GoAsync("/console/sign-in");
        if (language != ConsoleTexts.Languages[0])
        {
            // The language switch the way a person uses it: the link in the header, remembered in a cookie.
            await tab.Page.ClickAsync("#lang-" + language);
            await Assertions.Expect(tab.Page.Locator("h1")).ToHaveTextAsync(ConsoleTexts.Shipped.Get("signin.title", language));
        }

        return tab;
    }

    public async Task<IResponse?> GoAsync(string path) => await Page.GotoAsync(new Uri(baseAddress, path).ToString());

    public async Task SignInAsync(string username, string password = ConsoleHost.Password)
    {
        await GoAsync("/console/sign-in");
        await Page.FillAsync("#username", username);
        await Page.FillAsync("#password", password);
        await Page.ClickAsync("#sign-in");
        await Assertions.Expect(Page.Locator("#signed-in-as")).ToContainTextAsync(username);
    }

    /// <summary>
    /// The row of the transaction page's transfer table whose id ends in <paramref name="suffix"/> (<c>:hold</c>,
    /// <c>:1</c>). Matched on the id cell alone: the row's time (<c>23:10:15</c>) also holds <c>:1</c>.
    /// </summary>
    public ILocator Transfer(string suffix) =>
        Page.Locator("#transfers tr.transfer").Filter(new()
        {
            Has = Page.Locator("td.id", new() { HasTextRegex = new Regex(Regex.Escape(suffix) + "$") }),
        });

    /// <summary>Saves what the page shows now as <c>{test}-{n}-{name}.png</c>.</summary>
    public async Task ShotAsync(string name)
    {
        _shots++;
        await Page.ScreenshotAsync(new PageScreenshotOptions
        {
            Path = Path.Combine(Browser.Screenshots, $"{test}-{_shots:00}-{name}.png"),
            FullPage = true,
        });
    }

    public async ValueTask DisposeAsync() => await Page.Context.CloseAsync();
}
