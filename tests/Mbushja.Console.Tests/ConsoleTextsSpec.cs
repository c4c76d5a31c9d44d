using System.Text.Json;
using System.Text.RegularExpressions;
using Mbushja.Testing;

namespace Mbushja.WebConsole.Tests;

/// <summary>
/// Every text of the console in every language it speaks (sq, en, sr), read from the tables as shipped
/// (<c>src/Mbushja.Console/Texts/*.json</c>), with the same placeholders in each: a key without Serbian, or a Serbian
/// text that forgets its <c>{0}</c>, fails here rather than on a page.
/// </summary>
public sealed partial class ConsoleTextsSpec
{
    private static readonly string Folder = Path.Combine(RepoFolder.Root, "src", "Mbushja.Console", "Texts");

    /// <summary>Written out, not read from <see cref="ConsoleTexts.Languages"/>: the tables are read here without the loader, which refuses them whole.</summary>
    private static readonly string[] Languages = ["sq", "en", "sr"];

    public static TheoryData<string> Tables() => [.. Directory.GetFiles(Folder, "*.json").Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal)];

    [Fact]
    public void Languages_AreAlbanianEnglishAndSerbian_AlbanianFirst() =>
        Assert.Equal(Languages, ConsoleTexts.Languages);

    [Theory]
    [MemberData(nameof(Tables))]
    public void EveryKey_HasEveryLanguageWithTheSamePlaceholders(string table)
    {
        using JsonDocument document = JsonDocument.Parse(File.ReadAllText(Path.Combine(Folder, table)));
        var missing = new List<string>();
        foreach (JsonProperty key in document.RootElement.EnumerateObject())
        {
            string[] placeholders = Placeholders(key.Value.TryGetProperty("sq", out JsonElement sq) ? sq.GetString() : null);
            foreach (string language in Languages)
            {
                if (!key.Value.TryGetProperty(language, out JsonElement text) || string.IsNullOrWhiteSpace(text.GetString()))
                {
                    missing.Add($"{key.Name}: no {language}");
                }
                else if (!Placeholders(text.GetString()).SequenceEqual(placeholders))
                {
                    missing.Add($"{key.Name}: {language} has other placeholders than sq");
                }
            }
        }

        Assert.Empty(missing);
    }

    [Fact]
    public void Shipped_AnswersInSerbian()
    {
        Assert.Equal("Prijava na konzolu", ConsoleTexts.Shipped.Get("signin.title", "sr"));
    }

    [Fact]
    public void EveryAuditedAction_IsInWords()
    {
        string[] actions = [.. typeof(Mbushja.WebConsole.Users.ConsoleActions).GetFields().Where(f => f.IsLiteral).Select(f => (string)f.GetRawConstantValue()!)];

        Assert.NotEmpty(actions);
        string[] missing = [.. actions.Where(a => !ConsoleTexts.Shipped.Has("action." + a))];
        Assert.Empty(missing);
    }

    [Fact]
    public void EveryKindOfTargetAndAccount_AndEveryLanguage_IsInWords()
    {
        string[] names =
        [
            .. Enum.GetNames<Mbushja.Sms.TargetKind>().Select(n => "kind." + n.ToLowerInvariant()),
            .. Enum.GetNames<Mbushja.Domain.ServiceKind>().Select(n => "kind." + n.ToLowerInvariant()),
            .. Enum.GetNames<Mbushja.Domain.Language>().Select(n => "lang." + n.ToLowerInvariant()),
            .. Enum.GetValues<Mbushja.TopUp.TopUpState>().Select(s => "state." + Mbushja.TopUp.TopUpStates.ToWire(s)),
            "state." + Mbushja.TopUp.TopUpStates.Reversed,
        ];

        string[] missing = [.. names.Where(n => !ConsoleTexts.Shipped.Has(n))];
        Assert.Empty(missing);
    }

    private static string[] Placeholders(string? text) =>
        text is null ? [] : [.. Placeholder().Matches(text).Select(m => m.Value).Distinct().Order(StringComparer.Ordinal)];

    [GeneratedRegex(@"\{\d+\}")]
    private static partial Regex Placeholder();
}
