using Mbushja.Domain;
using Mbushja.Testing;

namespace Mbushja.Ussd.Tests;

/// <summary>
/// The menu is data (README "USSD *101#"): the shipped file loads, and a broken one is refused with every reason.
/// </summary>
public sealed class UssdMenuTests
{
    private static readonly OperatorConfig Operator = OperatorConfig.Load(ShippedConfig.Directory);

    [Fact]
    public void Shipped_Loads_WithTheSpecsRules()
    {
        UssdMenu menu = UssdMenu.Load(ShippedConfig.Directory, Operator.Catalog);

        Assert.Equal("*101#", menu.Settings.ServiceCode);
        Assert.Equal(TimeSpan.FromSeconds(180), menu.Settings.SessionTimeout);
        Assert.True(menu.Settings.Transliterate);
        Assert.True(menu.Settings.OncePerMonth);
        Assert.Equal(ScreenType.Menu, menu[menu.Start].Type);
        Assert.Equal("payments", menu[menu.Start].Items[0].Label);
        Assert.Equal("Pagesat", menu.Text("payments", Language.Sq));
    }

    [Fact]
    public void PromptKey_NamesWhatThePackageAsksFor()
    {
        Assert.Equal("prompt.smartCard", UssdMenu.PromptKey(Operator.Catalog.Find("DTV_FAMILJARE")!));
        Assert.Equal("prompt.username+contract", UssdMenu.PromptKey(Operator.Catalog.Find("DUO_MINI")!));
    }

    public static TheoryData<string, string, string> Mistakes => new()
    {
        { "\"sq\": \"Bilanci\",", "", "the text 'balance' is missing in sq" },
        { "\"en\": \"Your credit: {credit} €\"", "\"en\": \"Your credit: {amount} €\"", "texts.balance.text.en uses {amount}" },
        { "{ \"label\": \"history\", \"goto\": \"history\" }", "{ \"label\": \"history\", \"goto\": \"nowhere\" }", "leads to 'nowhere', which is not a screen" },
        { "\"balance\": { \"type\": \"balance\" },", "\"balance\": { \"type\": \"balance\" },\n    \"lost\": { \"type\": \"balance\" },", "screens.lost cannot be reached" },
        { "\"confirm\": { \"type\": \"confirm\" },", "\"confirm\": { \"type\": \"confirmation\" },", "type 'confirmation' is not one of" },
        { "\"start\": \"main\",", "\"start\": \"balance\",", "start 'balance' must be a menu" },
        { "\"amount\": { \"type\": \"amount\", \"title\": \"amount.title\", \"next\": \"confirm\" },", "", "screens.account leads to 'amount'" },
        { "\"serviceCode\": \"*101#\",", "\"serviceCode\": \"101\",", "serviceCode '101' is not a USSD code" },
        { "\"sessionTimeoutSeconds\": 180,", "\"sessionTimeoutSeconds\": 0,", "sessionTimeoutSeconds must be 10 to 3600" },
        { "\"prompt.smartCard\": {", "\"prompt.card\": {", "the text 'prompt.smartCard' is missing in sq" },
    };

    [Theory]
    [MemberData(nameof(Mistakes))]
    public void Mistake_IsRefused_WithWhereItIs(string find, string replace, string expected)
    {
        string folder = ShippedConfig.CopyWith((UssdMenu.FileName, text => Replace(text, find, replace)));
        try
        {
            ConfigurationException e = Assert.Throws<ConfigurationException>(() => UssdMenu.Load(folder, Operator.Catalog));
            Assert.Contains(e.Errors, error => error.Contains(expected, StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void MissingFile_IsRefused()
    {
        string folder = Path.Combine(Path.GetTempPath(), "mbushja-empty-" + Guid.NewGuid().ToString("N"));
        ConfigurationException e = Assert.Throws<ConfigurationException>(() => UssdMenu.Load(folder, Operator.Catalog));
        Assert.Contains("cannot be read", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NotJson_IsRefused_WithTheLine()
    {
        string folder = ShippedConfig.CopyWith((UssdMenu.FileName, _ => "{\n  \"start\": ,\n}"));
        try
        {
            ConfigurationException e = Assert.Throws<ConfigurationException>(() => UssdMenu.Load(folder, Operator.Catalog));
            Assert.Contains("ussd.json: line 2", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static string Replace(string text, string find, string replace)
    {
        int at = text.IndexOf(find, StringComparison.Ordinal);
        Assert.True(at >= 0, $"'{find}' is not in the shipped ussd.json.");
        Assert.True(text.IndexOf(find, at + 1, StringComparison.Ordinal) < 0, $"'{find}' is in the shipped ussd.json twice.");
        return string.Concat(text.AsSpan(0, at), replace, text.AsSpan(at + find.Length));
    }
}
