using Mbushja.Domain;

namespace Mbushja.Ussd.Tests;

/// <summary>
/// "Pagesat automatike" in <c>*101#</c> (README "Automatic renewal", docs/design/renewals.md "From mobile credit"),
/// walked by the engine in memory: set one (a monthly package, its account, a confirmation saying what each month takes
/// and from when), list them, stop one; the refusals on the way; every screen fits in every language.
/// </summary>
public sealed class RenewalMenuTests
{
    /// <summary>10 March 2026, 13:00 in Belgrade.</summary>
    private static readonly DateTimeOffset Now = new(2026, 3, 10, 12, 0, 0, TimeSpan.Zero);

    private readonly MenuWorld _world = new(now: Now);

    private string Internet(DateTimeOffset? paidUntil = null) =>
        _world.Account(ServiceKind.Internet, "INTERNET_1", username: $"user{_world.Orders.Count}x", paidUntil: paidUntil).Username!;

    [Fact]
    public async Task MainMenu_EndsWithAutomaticPayments_InEveryLanguage()
    {
        Assert.EndsWith("\n5. Pagesat automatike", await _world.WalkAsync(Language.Sq), StringComparison.Ordinal);
        Assert.EndsWith("\n5. Automatic payments", await _world.WalkAsync(Language.En), StringComparison.Ordinal);
        Assert.EndsWith("\n5. Automatska placanja", await _world.WalkAsync(Language.Sr), StringComparison.Ordinal);
        Assert.Equal(
            "CON Pagesat automatike\n1. Pagesat e mia automatike\n2. Shto pagese automatike\n0 Kthehu  00 Menyja",
            await _world.WalkAsync("5"));
    }

    [Fact]
    public async Task Set_MonthlyPackageAndAccount_ConfirmSaysWhatEachMonthTakesAndWhen_OneSets()
    {
        string account = Internet();

        List<string> screens = await _world.WalkAllAsync(new Caller(MenuWorld.Phone, Language.En), "5", "2", "3", account, "1");

        Assert.Equal(
            "CON Choose a package:\n1. DTV Familjare\n2. DUO TV\n3. Internet Pako 1\n4. Internet Pako 2\n5. Internet Pako 3\n6. Duo - mini\n7. Duo - maxi\n0 Back  00 Menu",
            screens[2]);
        Assert.Equal(
            $"CON Automatic payment\nInternet Pako 1\nAccount: {account}\nEach month 15.40 € from credit (14.90 + fee 0.50), first on 10.03.2026\n1. Set\n2. Cancel\n0 Back  00 Menu",
            screens[4]);
        Assert.Equal(
            $"END Set: Internet Pako 1 for {account}, 15.40 € from credit each month, first on 10.03.2026; the receipt comes by SMS.",
            screens[5]);
        // Never paid: due today, so the confirmation was its notice (period 0, the total told).
        RenewalOrder order = Assert.Single(_world.Orders);
        Assert.Equal(("INTERNET_1", false, 0L, 1540L), (order.PackageCode, order.Stop, order.Period, order.Told.Cents));
    }

    [Fact]
    public async Task Set_ForAnAccountPaidWellAhead_FirstDueOnItsPaidUntilDay_TheReminderStillToCome()
    {
        DateTimeOffset until = new(2026, 4, 20, 9, 0, 0, TimeSpan.Zero);
        string account = Internet(until);

        string confirm = await _world.WalkAsync("5", "2", "3", account);
        string set = await _world.WalkAsync("5", "2", "3", account, "1");

        Assert.Contains("e para me 20.04.2026", confirm, StringComparison.Ordinal);
        Assert.EndsWith("e para me 20.04.2026. Do te merrni SMS 3 dite para.", set, StringComparison.Ordinal);
        RenewalOrder order = Assert.Single(_world.Orders);
        Assert.Equal((-1L, 0L), (order.Period, order.Told.Cents));
    }

    [Fact]
    public async Task Set_Refusals_PpvIsNoChoice_UnknownAccountAskedAgain_TwoCancels()
    {
        string account = Internet();

        Assert.StartsWith("CON Zgjedhje e pavlefshme.\nZgjidhni paketen:", await _world.WalkAsync("5", "2", "8"), StringComparison.Ordinal);
        Assert.DoesNotContain("PPV", await _world.WalkAsync("5", "2"), StringComparison.Ordinal);
        Assert.StartsWith("CON Nuk gjendet llogaria nobody.\nInternet Pako 1\n", await _world.WalkAsync("5", "2", "3", "nobody"), StringComparison.Ordinal);
        Assert.Equal("END Asgje nuk ndryshoi.", await _world.WalkAsync("5", "2", "3", account, "2"));
        Assert.Empty(_world.Orders);
    }

    [Fact]
    public async Task List_Empty_SaysSo_AndTakesNoChoice()
    {
        Assert.Equal("CON Zgjidhni per ta ndalur:\nNuk keni pagesa automatike.\n0 Kthehu  00 Menyja", await _world.WalkAsync("5", "1"));
        Assert.StartsWith("CON Zgjedhje e pavlefshme.", await _world.WalkAsync("5", "1", "1"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task List_ShowsEachRenewal_OneStopsIt_TwoKeepsIt()
    {
        _world.Renewals.Add(Due("acct-1", "drita", "INTERNET_1", new DateTimeOffset(2026, 3, 28, 10, 0, 0, TimeSpan.Zero)));
        _world.Renewals.Add(Due("acct-2", "arta.tv", "DTV_FAMILJARE", null));

        List<string> screens = await _world.WalkAllAsync(new Caller(MenuWorld.Phone, Language.Sq), "5", "1", "1", "1");

        Assert.Equal(
            "CON Zgjidhni per ta ndalur:\n1. Internet Pako 1 drita 15.40 € 28.03\n2. DTV Familjare arta.tv 9.00 € 10.03\n0 Kthehu  00 Menyja",
            screens[2]);
        Assert.Equal(
            "CON Ndal pagesen automatike?\nInternet Pako 1\nLlogaria: drita\n15.40 € cdo muaj\n1. Ndal\n2. Mbaje\n0 Kthehu  00 Menyja",
            screens[3]);
        Assert.Equal("END U ndal pagesa automatike e Internet Pako 1 per drita.", screens[4]);
        RenewalOrder order = Assert.Single(_world.Orders);
        Assert.Equal(("acct-1", true), (order.ServiceAccountId, order.Stop));
        Assert.Equal("END Asgje nuk ndryshoi.", await _world.WalkAsync("5", "1", "2", "2"));
        Assert.Single(_world.Orders);
    }

    public static TheoryData<Language> Languages => [.. Enum.GetValues<Language>()];

    [Theory]
    [MemberData(nameof(Languages))]
    public async Task EveryAutomaticPaymentScreen_Fits(Language language)
    {
        var world = new MenuWorld(now: Now);
        string longName = "a" + new string('b', AccountIdentifier.MaxLength - 2) + "z";
        var caller = new Caller(MenuWorld.Phone, language);
        var screens = new List<string>();
        int index = 0;
        foreach (Package package in world.Config.Catalog.UssdPackages.Where(p => p.Price is not null))
        {
            index++;
            bool card = package.AsksFor[0] == IdentifierKind.SmartCard;
            string id = card ? "9" + new string('8', AccountIdentifier.MaxLength - 1) : longName[..^1] + index;
            world.Account(package.Kind, package.Code, username: card ? null : id, smartCard: card ? id : null);
            screens.AddRange(await world.WalkAllAsync(caller, "5", "2", $"{index}", id, "1"));
            screens.AddRange(await world.WalkAllAsync(caller, "5", "2", $"{index}", id, "2"));
            screens.AddRange(await world.WalkAllAsync(caller, "5", "2", $"{index}", "nobody-" + longName[..50], "x", "0", "0", "9"));
            world.Renewals.Add(Due($"acct-{index}", id, package.Code, new DateTimeOffset(2026, 12, 31, 10, 0, 0, TimeSpan.Zero)));
        }

        // The set screen of an account paid ahead, which still has its reminder to come.
        string ahead = longName[..^1] + "y";
        world.Account(ServiceKind.Internet, "INTERNET_1", username: ahead, paidUntil: new DateTimeOffset(2026, 12, 31, 10, 0, 0, TimeSpan.Zero));
        screens.AddRange(await world.WalkAllAsync(caller, "5", "2", "3", ahead, "1"));

        screens.AddRange(await world.WalkAllAsync(caller, "5", "9", "1", "98", "98", "98", "0", "1", "3"));
        screens.AddRange(await world.WalkAllAsync(caller, "5", "1", "7", "1"));
        screens.AddRange(await world.WalkAllAsync(caller, "5", "1", "7", "2"));

        ScreenLengthTests.AssertAllFit(world, screens);
        Assert.Contains(screens, s => s.Contains(world.Engine.Writer.Prepare(world.Menu.Text("nav.more", language)), StringComparison.Ordinal));
    }

    private static UssdRenewalDue Due(string accountId, string label, string package, DateTimeOffset? paidUntil) => new(
        new UssdRenewal(
            accountId, MenuWorld.Phone.E164, package, "ussd", Now, 0, -1, Money.Zero, DateTimeOffset.UnixEpoch, -1, -1, 0, DateTimeOffset.UnixEpoch, ""),
        true,
        label,
        paidUntil,
        Language.Sq);
}
