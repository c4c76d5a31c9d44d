using Mbushja.Domain;
using Mbushja.Text;

namespace Mbushja.Ussd.Tests;

/// <summary>
/// Every screen fits 182 characters (README "USSD *101#"). Every screen of the shipped menu is rendered in every
/// language with the longest values it can hold (64-character account names, credit in the millions, full history), and
/// every page of every list; none may need cutting, and each still ends with what it must end with.
/// </summary>
public sealed class ScreenLengthTests
{
    private static readonly string LongName = "a" + new string('b', AccountIdentifier.MaxLength - 2) + "z";

    public static TheoryData<Language> Languages => [.. Enum.GetValues<Language>()];

    private static (MenuWorld World, Dictionary<string, string> Accounts) WorstCase()
    {
        var world = new MenuWorld { CreditCents = Money.MaxCents };
        var accounts = new Dictionary<string, string>();
        foreach (Package package in world.Config.Catalog.UssdPackages)
        {
            string id = package.AsksFor[0] == IdentifierKind.SmartCard ? "9" + new string('8', AccountIdentifier.MaxLength - 1) : LongName + package.Code.Length;
            id = id[..AccountIdentifier.MaxLength];
            world.Account(package.Kind, package.Code, username: package.AsksFor[0] == IdentifierKind.SmartCard ? null : id, smartCard: package.AsksFor[0] == IdentifierKind.SmartCard ? id : null);
            accounts[package.Code] = id;
        }

        for (int i = 0; i < world.Menu.Settings.HistorySize; i++)
        {
            world.Payments.Add(new PaymentRecord(DateTimeOffset.UtcNow, "INTERNET_1", LongName, Money.FromCents(Money.MaxCents), Money.FromCents(Money.MaxCents)));
        }

        return (world, accounts);
    }

    [Theory]
    [MemberData(nameof(Languages))]
    public async Task EveryScreenOfEveryPackage_Fits(Language language)
    {
        (MenuWorld world, Dictionary<string, string> accounts) = WorstCase();
        var caller = new Caller(MenuWorld.Phone, language);
        var screens = new List<string>();
        int index = 0;
        foreach (Package package in world.Config.Catalog.UssdPackages)
        {
            index++;
            string account = accounts[package.Code];
            string[] toConfirm = package.Price is null ? ["1", $"{index}", account, $"{package.Amounts.Count}"] : ["1", $"{index}", account];
            screens.AddRange(await world.WalkAllAsync(caller, toConfirm));
            // Every reason on every question of the way.
            screens.AddRange(await world.WalkAllAsync(caller, "9", "1", "99", $"{index}", "x!", new string('x', 65), "nobody-" + LongName[..50]));
            screens.AddRange(await world.WalkAllAsync(caller, [.. toConfirm, "7"]));
            if (package.Price is null)
            {
                screens.AddRange(await world.WalkAllAsync(caller, "1", $"{index}", account, "9"));
            }
        }

        // An account of another kind, with the longest name, for each package.
        world.Account(ServiceKind.Fixed, "FIXED_LINE", username: LongName);
        index = 0;
        foreach (Package package in world.Config.Catalog.UssdPackages)
        {
            index++;
            screens.AddRange(await world.WalkAllAsync(caller, "1", $"{index}", package.AsksFor[0] == IdentifierKind.SmartCard ? "1234" + LongName[4..] : LongName));
        }

        AssertAllFit(world, screens);
    }

    [Theory]
    [MemberData(nameof(Languages))]
    public async Task EveryOtherScreen_Fits(Language language)
    {
        (MenuWorld world, _) = WorstCase();
        var caller = new Caller(MenuWorld.Phone, language);
        var screens = new List<string>();
        screens.AddRange(await world.WalkAllAsync(caller, "9", new string('1', 65), "98", "2", "x", "0", "3", "x", "0", "4", "9"));
        foreach (int choice in new[] { 1, 2, 3 })
        {
            screens.AddRange(await world.WalkAllAsync(caller, "4", $"{choice}"));
        }

        world.Payments.Clear();
        screens.AddRange(await world.WalkAllAsync(caller, "3"));
        world.PaidThisMonth = true;
        screens.AddRange(await world.WalkAllAsync(caller, "1"));
        world.PaidThisMonth = false;
        world.CreditCents = Money.MaxCents - 1;
        screens.AddRange(await world.WalkAllAsync(caller, "1", "8", "9" + new string('8', 63), "3"));

        AssertAllFit(world, screens);
    }

    /// <summary>Every text that ends a session, with the longest values, as the session's last screen.</summary>
    [Theory]
    [MemberData(nameof(Languages))]
    public void EveryEndingText_Fits(Language language)
    {
        (MenuWorld world, _) = WorstCase();
        UssdMenu menu = world.Menu;
        string max = ReplyMax();
        (string, string)[] payment =
        [
            ("package", "Internet Pako 1"), ("price", max), ("fee", max), ("total", max), ("paidUntil", "31.12.2026"),
            ("balance", max), ("credit", max), ("ref", "ABCDEF12"),
        ];
        var screens = new List<string>
        {
            "END " + world.Engine.Writer.WithLongValue(a => menu.Text("paid", language, [.. payment, ("account", a)]), LongName),
            "END " + world.Engine.Writer.WithLongValue(a => menu.Text("paid.amount", language, [.. payment, ("account", a)]), LongName),
        };
        foreach (string key in new[] { "cancelled", "end.expired", "end.ended", "end.insufficient", "end.oncePerMonth", "end.notSubscriber", "end.notOperator", "end.failed" })
        {
            screens.Add("END " + world.Engine.RenderEnd(menu.Text(key, language, ("code", "*101*123456#"), ("credit", max), ("total", max), ("date", "01.12.2026"))));
        }

        AssertAllFit(world, screens);
        // The account is shown whole, or shortened in its middle: nothing else gives way.
        Assert.All(screens[..2], s => Assert.True(s.Contains(LongName, StringComparison.Ordinal) || s.Contains("b..b", StringComparison.Ordinal), s));
    }

    /// <summary>A list longer than a screen (an operator who shows 20 payments) pages with 98; 0 goes back a page.</summary>
    [Theory]
    [MemberData(nameof(Languages))]
    public async Task LongList_PagesWith98_EveryPageFits_AndShowsEveryItemOnce(Language language)
    {
        string folder = Mbushja.Testing.ShippedConfig.CopyWith(
            (UssdMenu.FileName, text => text.Replace("\"historySize\": 3,", "\"historySize\": 20,", StringComparison.Ordinal)));
        try
        {
            var world = new MenuWorld(folder);
            for (int i = 1; i <= 20; i++)
            {
                world.Payments.Add(new PaymentRecord(new DateTimeOffset(2026, 1, i, 12, 0, 0, TimeSpan.Zero), "DUO_MAXI", "x", Money.FromCents(Money.MaxCents), Money.FromCents(i)));
            }

            var caller = new Caller(MenuWorld.Phone, language);
            List<string> pages = await world.WalkAllAsync(caller, "3", "98", "98", "98", "98", "98", "98", "98", "98", "98");
            string noMore = "CON " + world.Engine.Writer.Prepare(world.Menu.Text("error.choice", language));
            pages = [.. pages.Skip(1).TakeWhile(p => !p.StartsWith(noMore, StringComparison.Ordinal))];

            Assert.True(pages.Count > 2, string.Join("\n\n", pages));
            string more = world.Engine.Writer.Prepare(world.Menu.Text("nav.more", language));
            Assert.All(pages[..^1], p => Assert.Contains("\n" + more + "\n", p, StringComparison.Ordinal));
            Assert.DoesNotContain(more, pages[^1], StringComparison.Ordinal);
            string[] days = [.. pages.SelectMany(p => p.Split('\n')).Where(l => l.Length > 5 && l[2] == '.' && l[5] == ' ').Select(l => l[..5])];
            Assert.Equal(Enumerable.Range(1, 20).Select(d => $"{d:00}.01").Reverse(), days.Reverse());
            AssertAllFit(world, pages);

            // 0 on a later page goes back a page, not a screen.
            Assert.Equal(pages[0], (await world.WalkAllAsync(caller, "3", "98", "0"))[^1]);
            Assert.StartsWith(noMore, (await world.WalkAllAsync(caller, [.. Enumerable.Repeat("98", 30).Prepend("3")]))[^1], StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static string ReplyMax() => Money.FromCents(Money.MaxCents).ToDecimalString();

    internal static void AssertAllFit(MenuWorld world, List<string> screens)
    {
        Assert.NotEmpty(screens);
        UssdMenu menu = world.Menu;
        ScreenWriter writer = world.Engine.Writer;
        // What a screen that goes on may end with: the way back, or (the start screen) its last entry or "98 more".
        string[] endings = [.. Enum.GetValues<Language>().SelectMany(l => new[]
        {
            menu.Text("nav", l),
            menu.Text("nav.more", l),
            $"{menu[menu.Start].Items.Count}. {menu.Text(menu[menu.Start].Items[^1].Label, l)}",
        }).Select(writer.Prepare)];
        foreach (string screen in screens.Where(s => !s.StartsWith("PAY ", StringComparison.Ordinal)))
        {
            string body = screen[4..];
            Assert.True(ScreenWriter.Fits(body), $"{ScreenWriter.Size(body)} > {ScreenWriter.MaxSeptets}:\n{body}");
            Assert.True(Gsm7.CanEncode(body), body); // transliterated: GSM-7, so the 182 hold
            if (screen.StartsWith("CON ", StringComparison.Ordinal))
            {
                Assert.True(endings.Any(e => body.EndsWith("\n" + e, StringComparison.Ordinal)), $"Something fell off the end of:\n{body}");
            }
        }

        Assert.Equal(0, writer.Cuts);
    }
}
