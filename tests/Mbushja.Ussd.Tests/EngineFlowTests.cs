using Mbushja.Domain;

namespace Mbushja.Ussd.Tests;

/// <summary>The <c>*101#</c> menu (README "USSD *101#") walked by the engine, one input at a time, in memory.</summary>
public sealed class EngineFlowTests
{
    private readonly MenuWorld _world = new();

    /// <summary>The eight USSD packages in the seed's order, what each asks for, and its price (PPV: the amount chosen).</summary>
    public static TheoryData<int, string, string, string?, long> EveryPackage => new()
    {
        { 1, "DTV_FAMILJARE", "Shkruani numrin e karteles SMART:", null, 850 },
        { 2, "DUO_TV", "Shkruani numrin e karteles SMART:", null, 1790 },
        { 3, "INTERNET_1", "Shkruani emrin e perdoruesit:", null, 1490 },
        { 4, "INTERNET_2", "Shkruani emrin e perdoruesit:", null, 1990 },
        { 5, "INTERNET_3", "Shkruani emrin e perdoruesit:", null, 2490 },
        { 6, "DUO_MINI", "Shkruani emrin e perdoruesit ose te kontrates:", null, 2190 },
        { 7, "DUO_MAXI", "Shkruani emrin e perdoruesit ose te kontrates:", null, 2990 },
        { 8, "PPV", "Shkruani numrin e karteles SMART:", "2", 500 },
    };

    [Theory]
    [MemberData(nameof(EveryPackage))]
    public async Task Package_WalkedToTheEnd_AsksWhatItShouldAndConfirmsItsPrice(int choice, string code, string prompt, string? amount, long priceCents)
    {
        Package package = _world.Config.Catalog.Find(code)!;
        string account = _world.AccountFor(package);
        var caller = new Caller(MenuWorld.Phone, Language.Sq);

        string[] inputs = amount is null ? ["1", $"{choice}", account, "1"] : ["1", $"{choice}", account, amount, "1"];
        List<string> screens = await _world.WalkAllAsync(caller, inputs);

        Assert.StartsWith("CON IPKO\n1. Pagesat\n", screens[0], StringComparison.Ordinal);
        Assert.Contains($"\n{choice}. {package.Name.Replace("–", "-", StringComparison.Ordinal)}\n", screens[1], StringComparison.Ordinal);
        Assert.Equal($"CON {package.Name.Replace("–", "-", StringComparison.Ordinal)}\n{prompt}\n0 Kthehu  00 Menyja", screens[2]);
        string confirm = screens[^2];
        Assert.Contains($"Llogaria: {account}\n", confirm, StringComparison.Ordinal);
        Assert.Contains($"Çmimi: {priceCents / 100}.{priceCents % 100:00} €\nTarifa: 0.50 €\n", confirm, StringComparison.Ordinal);
        Assert.Contains($"Gjithsej: {(priceCents + 50) / 100}.{(priceCents + 50) % 100:00} €\n1. Konfirmo\n2. Anulo", confirm, StringComparison.Ordinal);
        Assert.Equal($"PAY {code} {account} {priceCents}+50", screens[^1]);
    }

    [Fact]
    public async Task Ppv_AsksForTheAmount_TwoFiveOrTen()
    {
        string card = _world.AccountFor(_world.Config.Catalog.Find("PPV")!);

        string amounts = await _world.WalkAsync("1", "8", card);

        Assert.Equal("CON PPV kredit\nZgjidhni shumen:\n1. 2.00 €\n2. 5.00 €\n3. 10.00 €\n0 Kthehu  00 Menyja", amounts);
        Assert.Equal("PAY PPV " + card + " 1000+50", await _world.WalkAsync("1", "8", card, "3", "1"));
    }

    [Fact]
    public async Task Confirmation_Two_CancelsAndEnds()
    {
        string account = _world.AccountFor(_world.Config.Catalog.Find("INTERNET_1")!);

        Assert.Equal("END Pagesa u anulua. Asgje nuk u terhoq.", await _world.WalkAsync("1", "3", account, "2"));
    }

    [Theory]
    [InlineData(new[] { "1", "0" }, "CON IPKO\n1. Pagesat")]
    [InlineData(new[] { "1", "3", "0" }, "CON Zgjidhni paketen:")]
    [InlineData(new[] { "1", "3", "00" }, "CON IPKO\n1. Pagesat")]
    [InlineData(new[] { "2", "0", "1", "0", "0" }, "CON IPKO\n1. Pagesat")] // back from the start screen stays there
    [InlineData(new[] { "4", "00" }, "CON IPKO\n1. Pagesat")]
    public async Task BackAndMainMenu_GoWhereTheySay(string[] inputs, string expectedStart)
    {
        Assert.StartsWith(expectedStart, await _world.WalkAsync(inputs), StringComparison.Ordinal);
    }

    [Fact]
    public async Task BackFromConfirmation_OfAPricedPackage_ReturnsToTheAccountQuestion()
    {
        string account = _world.AccountFor(_world.Config.Catalog.Find("INTERNET_2")!);

        Assert.Equal("CON Internet Pako 2\nShkruani emrin e perdoruesit:\n0 Kthehu  00 Menyja", await _world.WalkAsync("1", "4", account, "0"));
    }

    [Theory]
    [InlineData("9")]
    [InlineData("0 1")]
    [InlineData("abc")]
    [InlineData("")]
    [InlineData("-1")]
    [InlineData("1.")]
    [InlineData("99")]
    [InlineData("98")] // the list fits one screen: there is no next page
    [InlineData("١")] // an Arabic-Indic one is no ASCII digit
    public async Task BadChoice_ReasksTheSameQuestion_WithAReason(string input)
    {
        string screen = await _world.WalkAsync("1", input);

        Assert.StartsWith("CON Zgjedhje e pavlefshme.\nZgjidhni paketen:\n1. DTV Familjare\n", screen, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownAccount_ReasksWithTheReason()
    {
        string screen = await _world.WalkAsync(Language.En, "1", "3", "nobody");

        Assert.Equal("CON No account nobody.\nInternet Pako 1\nEnter your username:\n0 Back  00 Menu", screen);
    }

    [Fact]
    public async Task AccountOfAnotherKind_IsRefusedForThePackage()
    {
        _world.Account(ServiceKind.Internet, "INTERNET_1", username: "drita");

        string screen = await _world.WalkAsync(Language.En, "1", "6", "drita");

        Assert.Equal("CON drita is no Duo - mini account.\nDuo - mini\nEnter your username or contract name:\n0 Back  00 Menu", screen);
    }

    [Fact]
    public async Task SmartCardQuestion_TakesOnlyTheSmartCard_NotTheUsername()
    {
        _world.Account(ServiceKind.Tv, "DTV_FAMILJARE", username: "arta.tv", smartCard: "700100200");
        _world.Account(ServiceKind.Tv, "DTV_FAMILJARE", username: "beni", smartCard: "700100201");

        Assert.StartsWith("CON Shkrim i pavlefshem.\nDTV Familjare", await _world.WalkAsync("1", "1", "arta.tv"), StringComparison.Ordinal);
        Assert.StartsWith("CON Nuk gjendet llogaria beni.\nDTV Familjare", await _world.WalkAsync("1", "1", "beni"), StringComparison.Ordinal);
        Assert.StartsWith("CON DTV Familjare\nLlogaria: 700100201\n", await _world.WalkAsync("1", "1", "700100201"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task DuoPackages_TakeTheContractName_AsWellAsTheUsername()
    {
        _world.Account(ServiceKind.Duo, "DUO_MAXI", username: "hana", contract: "K-2002");

        Assert.StartsWith("CON Duo - maxi\nLlogaria: K-2002\n", await _world.WalkAsync("1", "7", "K-2002"), StringComparison.Ordinal);
        Assert.StartsWith("CON Duo - maxi\nLlogaria: hana\n", await _world.WalkAsync("1", "7", "hana"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task OverLongInput_ReasksWithTooLong()
    {
        string screen = await _world.WalkAsync("1", "3", new string('a', 65));

        Assert.Equal("CON Shume e gjate.\nInternet Pako 1\nShkruani emrin e perdoruesit:\n0 Kthehu  00 Menyja", screen);
    }

    [Fact]
    public async Task NotEnoughCredit_ForPricePlusFee_EndsBeforeTheConfirmation()
    {
        string account = _world.AccountFor(_world.Config.Catalog.Find("DTV_FAMILJARE")!);
        _world.CreditCents = 899; // 8.50 + 0.50 is 9.00

        string screen = await _world.WalkAsync(Language.En, "1", "1", account);

        Assert.Equal("END Not enough credit: you have 8.99 €, 9.00 € is needed. Nothing was charged.", screen);
    }

    [Fact]
    public async Task ExactlyEnoughCredit_ReachesTheConfirmation()
    {
        string account = _world.AccountFor(_world.Config.Catalog.Find("DTV_FAMILJARE")!);
        _world.CreditCents = 900;

        Assert.StartsWith("CON DTV Familjare\n", await _world.WalkAsync("1", "1", account), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PaidThisMonth_PaymentsEndAtOnce_WithTheDayItOpensAgain()
    {
        _world.PaidThisMonth = true;

        Assert.Equal("END You can use this service once a month. Try again from 01.04.2026.", await _world.WalkAsync(Language.En, "1"));
    }

    [Fact]
    public async Task FeeBeforeItsEffectiveDate_IsZero()
    {
        var world = new MenuWorld(now: new DateTimeOffset(2016, 3, 31, 21, 0, 0, TimeSpan.Zero)); // 23:00 in Belgrade (CEST)
        string account = world.AccountFor(world.Config.Catalog.Find("INTERNET_1")!);

        Assert.Equal("PAY INTERNET_1 " + account + " 1490+0", await world.WalkAsync("1", "3", account, "1"));
        world.Clock.Set(new DateTimeOffset(2016, 3, 31, 22, 0, 0, TimeSpan.Zero)); // 1 April 00:00 local
        Assert.Equal("PAY INTERNET_1 " + account + " 1490+50", await world.WalkAsync("1", "3", account, "1"));
    }

    [Fact]
    public async Task Balance_ShowsTheCredit()
    {
        _world.CreditCents = 1234;

        Assert.Equal("CON Your credit: 12.34 €\n0 Back  00 Menu", await _world.WalkAsync(Language.En, "2"));
    }

    [Fact]
    public async Task History_ListsTheLastPayments_OrSaysThereAreNone()
    {
        Assert.Equal("CON Last payments:\nNo payments yet.\n0 Back  00 Menu", await _world.WalkAsync(Language.En, "3"));

        _world.Payments.Add(new PaymentRecord(new DateTimeOffset(2026, 3, 9, 23, 30, 0, TimeSpan.Zero), "DUO_TV", "700300400", Money.FromCents(1790), Money.FromCents(50)));
        _world.Payments.Add(new PaymentRecord(new DateTimeOffset(2026, 2, 1, 8, 0, 0, TimeSpan.Zero), "PPV", "700300400", Money.FromCents(500), Money.FromCents(50)));

        Assert.Equal(
            "CON Last payments:\n10.03 DUO TV 18.40 €\n01.02 PPV kredit 5.50 €\n0 Back  00 Menu", // 9 March 23:30 UTC is the 10th in Belgrade
            await _world.WalkAsync(Language.En, "3"));
    }

    [Fact]
    public async Task LanguageChoice_SwitchesTheScreens_AndSaysSo()
    {
        var caller = new Caller(MenuWorld.Phone, Language.Sq);

        List<string> screens = await _world.WalkAllAsync(caller, "4", "3", "1");

        Assert.Equal("CON Zgjidhni gjuhen:\n1. Shqip\n2. English\n3. Srpski\n0 Kthehu  00 Menyja", screens[1]);
        Assert.Equal("CON Jezik: srpski.\nIPKO\n1. Placanja\n2. Stanje\n3. Poslednja placanja\n4. Jezik (Language)\n5. Automatska placanja", screens[2]);
        Assert.StartsWith("CON Izaberite paket:", screens[3], StringComparison.Ordinal);
    }

    [Fact]
    public async Task LanguageChoice_IsReportedToTheCaller()
    {
        var caller = new Caller(MenuWorld.Phone, Language.Sq);
        UssdState state = await _world.StateAfterAsync(caller, "4");

        StepResult step = await _world.Engine.ApplyAsync(caller, state, "2", default);

        Assert.Equal(Language.En, Assert.IsType<Proceed>(step).NewLanguage);
    }

    [Theory]
    [InlineData(" 1 ")]
    [InlineData("1")]
    public async Task Input_IsTrimmed(string input)
    {
        Assert.StartsWith("CON Zgjidhni paketen:", await _world.WalkAsync(input), StringComparison.Ordinal);
    }

    [Fact]
    public async Task EmptyState_StartsOver()
    {
        var caller = new Caller(MenuWorld.Phone, Language.Sq);

        StepResult step = await _world.Engine.ApplyAsync(caller, UssdState.Empty, "7", default);

        Assert.StartsWith("CON IPKO\n1. Pagesat", await _world.ShowAsync(caller, step), StringComparison.Ordinal);
    }

    /// <summary>An operator adds an entry to the menu by configuration alone: an info screen with its text.</summary>
    [Fact]
    public async Task InfoScreenAddedInTheFile_EndsTheSessionWithItsText()
    {
        string folder = Mbushja.Testing.ShippedConfig.CopyWith((UssdMenu.FileName, text => text
            .Replace("{ \"label\": \"language\", \"goto\": \"language\" }", "{ \"label\": \"language\", \"goto\": \"language\" },\n        { \"label\": \"help\", \"goto\": \"help\" }", StringComparison.Ordinal)
            .Replace("\"language\": { \"type\": \"language\", \"title\": \"language.title\" }", "\"language\": { \"type\": \"language\", \"title\": \"language.title\" },\n    \"help\": { \"type\": \"info\", \"text\": \"help.text\" }", StringComparison.Ordinal)
            .Replace("\"texts\": {", "\"texts\": {\n    \"help\": { \"sq\": \"Ndihmë\", \"en\": \"Help\", \"sr\": \"Pomoć\" },\n    \"help.text\": { \"sq\": \"Thirrni 038 000 000.\", \"en\": \"Call 038 000 000.\", \"sr\": \"Pozovite 038 000 000.\" },", StringComparison.Ordinal)));
        try
        {
            var world = new MenuWorld(folder);

            Assert.EndsWith("\n5. Help\n6. Automatic payments", await world.WalkAsync(Language.En), StringComparison.Ordinal);
            Assert.Equal("END Call 038 000 000.", await world.WalkAsync(Language.En, "5"));
            Assert.Equal("CON IPKO\n1. Pagesat\n2. Bilanci\n3. Pagesat e fundit\n4. Gjuha (Language)\n5. Ndihme\n6. Pagesat automatike", await world.WalkAsync());
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>Pages of lists are kept once rendered: two packages by amount must each show their own amounts.</summary>
    [Fact]
    public async Task TwoPackagesByAmount_EachAmountScreenShowsItsOwnAmounts()
    {
        string folder = Mbushja.Testing.ShippedConfig.CopyWith(("catalog.json", text => text.Replace(
            "\"amounts\": [\"2\", \"5\", \"10\"] },",
            "\"amounts\": [\"2\", \"5\", \"10\"] },\n    { \"code\": \"GAMES\", \"name\": \"Lojera\", \"kind\": \"tv\", \"asksFor\": [\"smartCard\"], \"amounts\": [\"1\", \"3\"] },",
            StringComparison.Ordinal)));
        try
        {
            var world = new MenuWorld(folder);
            string ppv = world.AccountFor(world.Config.Catalog.Find("PPV")!);
            string games = world.AccountFor(world.Config.Catalog.Find("GAMES")!);

            string ppvAmounts = await world.WalkAsync(Language.En, "1", "8", ppv);
            string gamesAmounts = await world.WalkAsync(Language.En, "1", "9", games);

            Assert.Contains("\n3. 10.00 €", ppvAmounts, StringComparison.Ordinal);
            Assert.Contains("Lojera\n", gamesAmounts, StringComparison.Ordinal);
            Assert.Contains("\n1. 1.00 €\n2. 3.00 €", gamesAmounts, StringComparison.Ordinal);
            Assert.DoesNotContain("10.00", gamesAmounts, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
