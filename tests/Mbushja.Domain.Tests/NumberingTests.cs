namespace Mbushja.Domain.Tests;

/// <summary>Numbering: the accepted forms of a mobile number, E.164 out, and the refusals.</summary>
public sealed class NumberingTests
{
    private static readonly NumberingPlan Plan = NumberingPlan.Kosovo;

    [Theory]
    [InlineData("049123456", "+38349123456")]
    [InlineData("49123456", "+38349123456")]
    [InlineData("+38349123456", "+38349123456")]
    [InlineData("38349123456", "+38349123456")]
    [InlineData("0038349123456", "+38349123456")]
    [InlineData("043123456", "+38343123456")]
    [InlineData("43123456", "+38343123456")]
    [InlineData("+38343987654", "+38343987654")]
    [InlineData("38343987654", "+38343987654")]
    [InlineData("0038343987654", "+38343987654")]
    [InlineData("049 123 456", "+38349123456")]
    [InlineData("049-123-456", "+38349123456")]
    [InlineData("+383 49 123 456", "+38349123456")]
    [InlineData("00 383 49 123 456", "+38349123456")]
    [InlineData("049123456 ", "+38349123456")]
    [InlineData(" 049123456", "+38349123456")]
    [InlineData(" +38349123456 ", "+38349123456")]
    public void ParseMsisdn_AcceptedForm_ReturnsE164(string input, string expected)
    {
        ParseResult<Msisdn> result = Plan.ParseMsisdn(input);

        Assert.True(result.Success, result.ToString());
        Assert.Equal(expected, result.Value.E164);
        Assert.Equal(expected, result.Value.ToString());
    }

    [Theory]
    [InlineData("04912345")] // 8 digits with a leading 0
    [InlineData("0491234567")] // 10 digits
    [InlineData("0491234")] // 7 digits
    [InlineData("4912345")] // 7 digits without the 0
    [InlineData("491234567")] // 9 digits without the 0
    [InlineData("049abc456")]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData(null)]
    [InlineData("+38449123456")] // another country
    [InlineData("0038449123456")] // another country, 00 form
    [InlineData("00383491234567")] // one digit too many
    [InlineData("+3834912345")] // one digit too few
    [InlineData("+")]
    [InlineData("++38349123456")]
    [InlineData("+38+349123456")]
    [InlineData("0123456789012345678901234567890123456789")] // 40 characters
    [InlineData("038123456")] // a fixed number where a mobile is asked
    [InlineData("+38338123456")] // the same, E.164
    [InlineData("011123456")] // neither mobile nor fixed
    [InlineData("049_123_456")]
    [InlineData("049123456#")]
    [InlineData("٠٤٩١٢٣٤٥٦")] // Arabic-Indic digits are not ASCII digits
    public void ParseMsisdn_NearMiss_ReturnsInvalidNumber(string? input)
    {
        ParseResult<Msisdn> result = Plan.ParseMsisdn(input);

        Assert.False(result.Success);
        Assert.Equal(ErrorCodes.InvalidNumber, result.Error.Code);
        Assert.False(string.IsNullOrWhiteSpace(result.Error.Message));
    }

    [Theory]
    [InlineData("044123456")]
    [InlineData("045123456")]
    [InlineData("046123456")]
    [InlineData("+38344123456")]
    [InlineData("38345123456")]
    [InlineData("0038344123456")]
    [InlineData("44123456")]
    public void ParseMsisdn_OtherOperatorsMobile_ReturnsNotOperatorNumber(string input)
    {
        ParseResult<Msisdn> result = Plan.ParseMsisdn(input);

        Assert.False(result.Success);
        Assert.Equal(ErrorCodes.NotOperatorNumber, result.Error.Code);
    }

    [Fact]
    public void ParseMsisdn_InvalidValue_ValueThrows()
    {
        ParseResult<Msisdn> result = Plan.ParseMsisdn("abc");

        Assert.Throws<InvalidOperationException>(() => result.Value);
    }

    [Theory]
    [InlineData("038123456", "+38338123456")]
    [InlineData("38123456", "+38338123456")]
    [InlineData("+38338123456", "+38338123456")]
    [InlineData("38338123456", "+38338123456")]
    [InlineData("0038338123456", "+38338123456")]
    [InlineData("028123456", "+38328123456")]
    [InlineData("038 123 456", "+38338123456")]
    public void ParseFixed_AcceptedForm_ReturnsE164(string input, string expected)
    {
        ParseResult<FixedNumber> result = Plan.ParseFixed(input);

        Assert.True(result.Success, result.ToString());
        Assert.Equal(expected, result.Value.E164);
    }

    [Theory]
    [InlineData("049123456")]
    [InlineData("+38349123456")]
    [InlineData("044123456")]
    [InlineData("03812345")]
    [InlineData("0381234567")]
    [InlineData("011123456")]
    [InlineData("")]
    [InlineData(null)]
    public void ParseFixed_NotAFixedNumber_ReturnsInvalidNumber(string? input)
    {
        ParseResult<FixedNumber> result = Plan.ParseFixed(input);

        Assert.False(result.Success);
        Assert.Equal(ErrorCodes.InvalidNumber, result.Error.Code);
    }

    [Fact]
    public void Kosovo_Plan_HasSpecPrefixes()
    {
        Assert.Equal("383", Plan.CountryCode);
        Assert.Equal(8, Plan.NationalLength);
        Assert.Equal(["04"], Plan.MobilePrefixes);
        Assert.Equal(["02", "03"], Plan.FixedPrefixes);
        Assert.Equal(["049", "043"], Plan.OperatorPrefixes);
    }

    [Theory]
    [InlineData("044123456", true, "+38344123456")]
    [InlineData("+38344123456", true, "+38344123456")]
    [InlineData("049123456", false, ErrorCodes.NotOperatorNumber)]
    [InlineData("043123456", false, ErrorCodes.NotOperatorNumber)]
    [InlineData("038123456", false, ErrorCodes.InvalidNumber)]
    public void Create_OtherOperatorPrefixes_ChangeWhatIsOperator(string input, bool accepted, string expected)
    {
        NumberingPlan plan = NumberingPlan.Create("383", 8, ["04"], ["02", "03"], ["044"]);

        ParseResult<Msisdn> result = plan.ParseMsisdn(input);

        Assert.Equal(accepted, result.Success);
        Assert.Equal(expected, accepted ? result.Value.E164 : result.Error!.Code);
    }

    [Fact]
    public void Create_OtherCountry_ParsesItsOwnForms()
    {
        NumberingPlan plan = NumberingPlan.Create("355", 9, ["06"], ["02", "04"], ["069"]);

        Assert.Equal("+355691234567", plan.ParseMsisdn("0691234567").Value.E164);
        Assert.Equal("+355691234567", plan.ParseMsisdn("00355691234567").Value.E164);
        Assert.Equal(ErrorCodes.InvalidNumber, plan.ParseMsisdn("+38349123456").Error!.Code);
    }

    public static TheoryData<string, string[], string[], string[]> BadPlans => new()
    {
        { "383", ["04"], ["02", "03"], ["038"] }, // an operator prefix that is not a mobile prefix
        { "383", ["04"], ["02", "03"], ["49"] }, // not in national form
        { "38a", ["04"], ["02", "03"], ["049"] }, // non-digit country code
        { "+383", ["04"], ["02", "03"], ["049"] },
        { "", ["04"], ["02", "03"], ["049"] },
        { "3830", ["04"], ["02", "03"], ["049"] }, // country codes have at most 3 digits
        { "383", ["4"], ["02", "03"], ["049"] },
        { "383", ["04"], ["0x"], ["049"] },
        { "383", ["04"], ["02", "03"], ["0491234567"] }, // longer than a national number
    };

    [Theory]
    [MemberData(nameof(BadPlans))]
    public void Create_BadConfiguration_ThrowsArgumentException(string countryCode, string[] mobile, string[] fixedLine, string[] own)
    {
        Assert.ThrowsAny<ArgumentException>(() => NumberingPlan.Create(countryCode, 8, mobile, fixedLine, own));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(13)]
    public void Create_BadNationalLength_ThrowsArgumentOutOfRange(int nationalLength)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => NumberingPlan.Create("383", nationalLength, ["04"], ["02"], ["049"]));
    }

    [Theory]
    [InlineData("+38349123456")]
    [InlineData("+38343987654")]
    [InlineData("+38338123456")]
    public void Mask_E164_HidesTheSubscriberDigitsKeepsLastTwo(string e164)
    {
        string masked = Numbering.Mask(e164);

        Assert.NotEqual(e164, masked);
        Assert.DoesNotContain(e164[4..], masked, StringComparison.Ordinal); // the national significant number
        Assert.EndsWith(e164[^2..], masked, StringComparison.Ordinal);
        Assert.Equal(e164.Length, masked.Length);
        Assert.Contains('*', masked);
    }

    [Fact]
    public void Masked_Msisdn_IsTheMaskOfItsE164()
    {
        Msisdn msisdn = Plan.ParseMsisdn("049123456").Value;

        Assert.Equal("+38349****56", msisdn.Masked);
        Assert.DoesNotContain("49123456", msisdn.Masked, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, "")]
    [InlineData("", "")]
    [InlineData("1234", "****")]
    [InlineData("12345678", "********")]
    public void Mask_ShortValue_HidesEverything(string? value, string expected)
    {
        Assert.Equal(expected, Numbering.Mask(value));
    }
}
