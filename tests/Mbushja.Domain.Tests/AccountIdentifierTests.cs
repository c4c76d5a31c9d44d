namespace Mbushja.Domain.Tests;

/// <summary>Account identifiers: usernames, contract names and SMART cards; languages and kinds by wire name.</summary>
public sealed class AccountIdentifierTests
{
    private static readonly string SixtyFour = new('a', 64);

    private static readonly string SixtyFive = new('a', 65);

    [Theory]
    [InlineData("drilon", IdentifierKind.Username, "drilon")]
    [InlineData("Drilon.Krasniqi", IdentifierKind.Username, "Drilon.Krasniqi")]
    [InlineData("user_01", IdentifierKind.Username, "user_01")]
    [InlineData("drilon@ipko", IdentifierKind.Username, "drilon@ipko")]
    [InlineData("a", IdentifierKind.Username, "a")]
    [InlineData("  drilon  ", IdentifierKind.Username, "drilon")]
    [InlineData("KTR-2024-0001", IdentifierKind.Contract, "KTR-2024-0001")]
    [InlineData("contract.77", IdentifierKind.Contract, "contract.77")]
    [InlineData("1234", IdentifierKind.SmartCard, "1234")]
    [InlineData("0123456789", IdentifierKind.SmartCard, "0123456789")]
    [InlineData("SC00AB12", IdentifierKind.SmartCard, "SC00AB12")]
    public void Parse_ValidIdentifier_KeepsItAsWritten(string text, IdentifierKind kind, string expected)
    {
        ParseResult<AccountIdentifier> result = AccountIdentifier.Parse(text, kind);

        Assert.True(result.Success, result.ToString());
        Assert.Equal(expected, result.Value.Value);
        Assert.Equal(expected, result.Value.ToString());
    }

    [Theory]
    [InlineData(IdentifierKind.Username)]
    [InlineData(IdentifierKind.Contract)]
    public void Parse_SixtyFourCharacters_IsAccepted(IdentifierKind kind)
    {
        Assert.Equal(SixtyFour, AccountIdentifier.Parse(SixtyFour, kind).Value.Value);
    }

    [Theory]
    [InlineData("", IdentifierKind.Username)]
    [InlineData("   ", IdentifierKind.Username)]
    [InlineData(null, IdentifierKind.Username)]
    [InlineData("", IdentifierKind.Contract)]
    [InlineData("", IdentifierKind.SmartCard)]
    [InlineData("dri lon", IdentifierKind.Username)]
    [InlineData("KTR 2024", IdentifierKind.Contract)]
    [InlineData("drilon😀", IdentifierKind.Username)]
    [InlineData("drilon\t1", IdentifierKind.Username)]
    [InlineData("drilon/1", IdentifierKind.Username)]
    [InlineData("drilon;DROP", IdentifierKind.Contract)]
    [InlineData("1234-5678", IdentifierKind.SmartCard)]
    [InlineData("1234.5678", IdentifierKind.SmartCard)]
    [InlineData("1234 5678", IdentifierKind.SmartCard)]
    [InlineData("123", IdentifierKind.SmartCard)]
    [InlineData("12", IdentifierKind.SmartCard)]
    public void Parse_InvalidIdentifier_ReturnsInvalidIdentifier(string? text, IdentifierKind kind)
    {
        ParseResult<AccountIdentifier> result = AccountIdentifier.Parse(text, kind);

        Assert.False(result.Success);
        Assert.Equal(ErrorCodes.InvalidIdentifier, result.Error.Code);
        Assert.False(string.IsNullOrWhiteSpace(result.Error.Message));
    }

    [Theory]
    [InlineData(IdentifierKind.Username)]
    [InlineData(IdentifierKind.Contract)]
    [InlineData(IdentifierKind.SmartCard)]
    public void Parse_SixtyFiveCharacters_ReturnsInvalidIdentifier(IdentifierKind kind)
    {
        ParseResult<AccountIdentifier> result = AccountIdentifier.Parse(SixtyFive, kind);

        Assert.Equal(ErrorCodes.InvalidIdentifier, result.Error?.Code);
    }

    [Theory]
    [InlineData("Drilon.Krasniqi", "drilon.krasniqi")]
    [InlineData("SC00AB12", "sc00ab12")]
    [InlineData("user_01", "user_01")]
    public void Key_MixedCase_IsLowerCase(string text, string expectedKey)
    {
        AccountIdentifier id = AccountIdentifier.Parse(text, IdentifierKind.Username).Value;

        Assert.Equal(expectedKey, id.Key);
        Assert.Equal(text, id.Value);
    }

    [Fact]
    public void Key_SameIdentifierInOtherCase_IsEqual()
    {
        AccountIdentifier upper = AccountIdentifier.Parse("DRILON", IdentifierKind.Username).Value;
        AccountIdentifier lower = AccountIdentifier.Parse("drilon", IdentifierKind.Username).Value;

        Assert.Equal(upper.Key, lower.Key);
        Assert.NotEqual(upper.Value, lower.Value);
    }

    [Theory]
    [InlineData("sq", Language.Sq)]
    [InlineData("en", Language.En)]
    [InlineData("sr", Language.Sr)]
    [InlineData("SQ", Language.Sq)]
    [InlineData(" En ", Language.En)]
    public void ParseLanguage_WireName_ReturnsLanguage(string text, Language expected)
    {
        Assert.Equal(expected, DomainNames.ParseLanguage(text).Value);
    }

    [Theory]
    [InlineData("de")]
    [InlineData("al")]
    [InlineData("albanian")]
    [InlineData("s q")]
    [InlineData("")]
    [InlineData(null)]
    public void ParseLanguage_Unknown_ReturnsInvalidLanguage(string? text)
    {
        Assert.Equal(ErrorCodes.InvalidLanguage, DomainNames.ParseLanguage(text).Error?.Code);
    }

    [Theory]
    [InlineData(Language.Sq, "sq")]
    [InlineData(Language.En, "en")]
    [InlineData(Language.Sr, "sr")]
    public void ToWire_Language_IsTheWireName(Language language, string expected)
    {
        Assert.Equal(expected, language.ToWire());
        Assert.Equal(language, DomainNames.ParseLanguage(expected).Value);
    }

    [Theory]
    [InlineData("fixed", ServiceKind.Fixed)]
    [InlineData("internet", ServiceKind.Internet)]
    [InlineData("tv", ServiceKind.Tv)]
    [InlineData("duo", ServiceKind.Duo)]
    [InlineData("TV", ServiceKind.Tv)]
    [InlineData(" Duo ", ServiceKind.Duo)]
    public void ParseKind_WireName_ReturnsKind(string text, ServiceKind expected)
    {
        Assert.Equal(expected, DomainNames.ParseKind(text).Value);
    }

    [Theory]
    [InlineData("mobile")]
    [InlineData("radio")]
    [InlineData("tv+internet")]
    [InlineData("")]
    [InlineData(null)]
    public void ParseKind_Unknown_ReturnsInvalidKind(string? text)
    {
        Assert.Equal(ErrorCodes.InvalidKind, DomainNames.ParseKind(text).Error?.Code);
    }

    [Theory]
    [InlineData(ServiceKind.Fixed, "fixed")]
    [InlineData(ServiceKind.Internet, "internet")]
    [InlineData(ServiceKind.Tv, "tv")]
    [InlineData(ServiceKind.Duo, "duo")]
    public void ToWire_Kind_IsTheWireName(ServiceKind kind, string expected)
    {
        Assert.Equal(expected, kind.ToWire());
        Assert.Equal(kind, DomainNames.ParseKind(expected).Value);
    }
}
