namespace Mbushja.Domain.Tests;

/// <summary>
/// The one reader of decimal text as cents: the rules its callers differ on (which separators, how many whole digits,
/// whether a side of the separator may be bare) are its syntax; the rest (two decimals, digits only) holds for all.
/// </summary>
public sealed class DecimalCentsTests
{
    private static readonly DecimalCents Person = new(".,", MaxWholeDigits: 9, BareSeparator: false);
    private static readonly DecimalCents Iso = new(".", MaxWholeDigits: 13, BareSeparator: true);

    [Theory]
    [InlineData("5", 500L, 500L)]
    [InlineData("5.5", 550L, 550L)]
    [InlineData("0.07", 7L, 7L)]
    [InlineData("2,50", 250L, null)]
    [InlineData(".50", null, 50L)]
    [InlineData("5.", null, 500L)]
    [InlineData("1234567890", null, 123456789000L)]
    [InlineData("9999999999999.99", null, 999999999999999L)]
    [InlineData("0000000000000000012.34", 1234L, 1234L)]
    public void Read_EachSyntax_TakesWhatItsWritersWrite(string text, long? asPerson, long? asIso)
    {
        Assert.Equal(asPerson, Person.Read(text, out long p) == DecimalCentsRefusal.None ? p : null);
        Assert.Equal(asIso, Iso.Read(text, out long i) == DecimalCentsRefusal.None ? i : null);
    }

    [Theory]
    [InlineData("", DecimalCentsRefusal.NotAnAmount)]
    [InlineData(".", DecimalCentsRefusal.NotAnAmount)]
    [InlineData("-5", DecimalCentsRefusal.NotAnAmount)]
    [InlineData("5e2", DecimalCentsRefusal.NotAnAmount)]
    [InlineData("1.2.3", DecimalCentsRefusal.NotAnAmount)]
    [InlineData("1 000", DecimalCentsRefusal.NotAnAmount)]
    [InlineData("٥", DecimalCentsRefusal.NotAnAmount)]
    [InlineData("5.505", DecimalCentsRefusal.TooManyDecimals)]
    [InlineData("99999999999999", DecimalCentsRefusal.TooLarge)]
    public void Read_NotCents_SaysWhyForEverySyntax(string text, DecimalCentsRefusal why)
    {
        Assert.Equal(why, Person.Read(text, out long p));
        Assert.Equal(why, Iso.Read(text, out long i));
        Assert.Equal((0L, 0L), (p, i));
    }
}
