using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Mbushja.Domain.Tests;

/// <summary>Money: EUR as integer cents, read exactly from what people write, never floating point.</summary>
public sealed class MoneyTests
{
    [Theory]
    [InlineData("5", 500)]
    [InlineData("5.50", 550)]
    [InlineData("2,50", 250)]
    [InlineData("2.5", 250)]
    [InlineData("2,5", 250)]
    [InlineData("0.01", 1)]
    [InlineData("0,10", 10)]
    [InlineData(" 7 ", 700)]
    [InlineData("100", 10000)]
    [InlineData("007", 700)]
    [InlineData("8.50", 850)]
    [InlineData("17.90", 1790)]
    [InlineData("10000000", Money.MaxCents)]
    [InlineData("10000000.00", Money.MaxCents)]
    [InlineData("9999999.99", Money.MaxCents - 1)]
    public void ParseAmount_WrittenAmount_ReturnsCents(string text, long expectedCents)
    {
        ParseResult<Money> result = Money.ParseAmount(text);

        Assert.True(result.Success, result.ToString());
        Assert.Equal(expectedCents, result.Value.Cents);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("0.00")]
    [InlineData("-5")]
    [InlineData("5.555")]
    [InlineData("1e9")]
    [InlineData("5.")]
    [InlineData(".5")]
    [InlineData("5,5,5")]
    [InlineData("5.5.5")]
    [InlineData("abc")]
    [InlineData("")]
    [InlineData("  ")]
    [InlineData("5 5")]
    [InlineData("9999999999999")]
    [InlineData("+5")]
    [InlineData("1 000")]
    [InlineData("1,000.00")]
    [InlineData("5€")]
    [InlineData("EUR5")]
    [InlineData("0x10")]
    [InlineData("５")] // a full-width digit
    [InlineData("10000000.01")] // one cent above Money.MaxCents
    [InlineData("10000001")]
    [InlineData("999999999")]
    [InlineData("99999999999999999999999999999")] // far beyond long: refused, never an overflow
    public void ParseAmount_NotAnAmount_ReturnsInvalidAmount(string text)
    {
        ParseResult<Money> result = Money.ParseAmount(text);

        Assert.False(result.Success);
        Assert.Equal(ErrorCodes.InvalidAmount, result.Error.Code);
        Assert.False(string.IsNullOrWhiteSpace(result.Error.Message));
    }

    [Theory]
    [InlineData(1, true)]
    [InlineData(850, true)]
    [InlineData(Money.MaxCents, true)]
    [InlineData(0, false)]
    [InlineData(-1, false)]
    [InlineData(Money.MaxCents + 1, false)]
    [InlineData(long.MinValue, false)]
    [InlineData(long.MaxValue, false)]
    public void Positive_Cents_AcceptsOneCentToMax(long cents, bool accepted)
    {
        ParseResult<Money> result = Money.Positive(cents);

        Assert.Equal(accepted, result.Success);
        if (accepted)
        {
            Assert.Equal(cents, result.Value.Cents);
        }
        else
        {
            Assert.Equal(ErrorCodes.InvalidAmount, result.Error!.Code);
        }
    }

    [Theory]
    [InlineData(0, true)]
    [InlineData(1, true)]
    [InlineData(Money.MaxCents, true)]
    [InlineData(-1, false)]
    [InlineData(Money.MaxCents + 1, false)]
    public void NonNegative_Cents_AcceptsZeroToMax(long cents, bool accepted)
    {
        ParseResult<Money> result = Money.NonNegative(cents);

        Assert.Equal(accepted, result.Success);
        if (accepted)
        {
            Assert.Equal(cents, result.Value.Cents);
        }
        else
        {
            Assert.Equal(ErrorCodes.InvalidAmount, result.Error!.Code);
        }
    }

    [Fact]
    public void Add_BeyondLongMaxValue_ThrowsOverflow()
    {
        Money max = Money.FromCents(long.MaxValue);

        Assert.Throws<OverflowException>(() => max + Money.FromCents(1));
        Assert.Throws<OverflowException>(() => max.Add(Money.FromCents(1)));
    }

    [Fact]
    public void Subtract_BelowLongMinValue_ThrowsOverflow()
    {
        Money min = Money.FromCents(long.MinValue);

        Assert.Throws<OverflowException>(() => min - Money.FromCents(1));
        Assert.Throws<OverflowException>(() => min.Subtract(Money.FromCents(1)));
    }

    [Fact]
    public void Negate_LongMinValue_ThrowsOverflow()
    {
        Assert.Throws<OverflowException>(() => -Money.FromCents(long.MinValue));
    }

    [Theory]
    [InlineData(long.MaxValue, 2)]
    [InlineData(long.MaxValue / 2 + 1, 2)]
    [InlineData(long.MinValue, -1)]
    [InlineData(-(long.MaxValue / 3) - 1, 4)]
    public void Multiply_Overflowing_ThrowsOverflow(long cents, int factor)
    {
        Assert.Throws<OverflowException>(() => Money.FromCents(cents) * factor);
        Assert.Throws<OverflowException>(() => Money.FromCents(cents).Multiply(factor));
    }

    [Fact]
    public void Arithmetic_InRange_IsExact()
    {
        Money price = Money.FromCents(1790);
        Money fee = Money.FromCents(50);

        Assert.Equal(1840, (price + fee).Cents);
        Assert.Equal(1740, (price - fee).Cents);
        Assert.Equal(-1790, (-price).Cents);
        Assert.Equal(5370, (price * 3).Cents);
        Assert.True(fee < price);
        Assert.True(price >= Money.FromCents(1790));
        Assert.Equal(Money.FromCents(1840), price + fee);
        Assert.Equal(0, Money.Zero.Cents);
        Assert.True(price.CompareTo(fee) > 0);
    }

    [Theory]
    [InlineData(850, "8.50")]
    [InlineData(5, "0.05")]
    [InlineData(50, "0.50")]
    [InlineData(0, "0.00")]
    [InlineData(1790, "17.90")]
    [InlineData(100, "1.00")]
    [InlineData(-150, "-1.50")]
    [InlineData(-5, "-0.05")]
    [InlineData(Money.MaxCents, "10000000.00")]
    public void ToDecimalString_Cents_TwoDecimalsWithAPoint(long cents, string expected)
    {
        Assert.Equal(expected, Money.FromCents(cents).ToDecimalString());
    }

    [Theory]
    [InlineData(850, "8.50 EUR")]
    [InlineData(-150, "-1.50 EUR")]
    public void ToString_Cents_AmountAndCurrency(long cents, string expected)
    {
        Assert.Equal(expected, Money.FromCents(cents).ToString());
        Assert.Equal("EUR", Money.Currency);
    }

    [Property]
    public Property ParseAmount_DecimalStringOfAnyValidAmount_RoundTrips() =>
        Prop.ForAll(
            Arb.From(Gen.Choose(1, checked((int)Money.MaxCents)).Select(i => (long)i)),
            cents =>
            {
                ParseResult<Money> result = Money.ParseAmount(Money.FromCents(cents).ToDecimalString());
                return result.Success && result.Value.Cents == cents;
            });

    [Property]
    public Property AddThenSubtract_WithoutOverflow_ReturnsTheStart() =>
        Prop.ForAll(
            Arb.From(Gen.Two(AnyLong).Where(p => FitsInLong((Int128)p.Item1 + p.Item2))),
            pair =>
            {
                (long a, long b) = pair;
                return (Money.FromCents(a) + Money.FromCents(b) - Money.FromCents(b)).Cents == a;
            });

    [Property]
    public Property Add_AnyTwoValues_IsExactOrThrowsOverflow() =>
        Prop.ForAll(
            Arb.From(Gen.Two(AnyLong)),
            pair =>
            {
                (long a, long b) = pair;
                Int128 exact = (Int128)a + b;
                if (FitsInLong(exact))
                {
                    return (Money.FromCents(a) + Money.FromCents(b)).Cents == exact;
                }

                try
                {
                    _ = Money.FromCents(a) + Money.FromCents(b);
                    return false;
                }
                catch (OverflowException)
                {
                    return true;
                }
            });

    /// <summary>Longs over the whole range (FsCheck's default stays small), with the edges made likely.</summary>
    private static Gen<long> AnyLong =>
        Gen.OneOf(
            Gen.Two(Gen.Choose(int.MinValue, int.MaxValue)).Select(p => ((long)p.Item1 << 32) | unchecked((uint)p.Item2)),
            Gen.Choose(-1_000_000, 1_000_000).Select(i => (long)i),
            Gen.Elements(long.MinValue, long.MinValue + 1, -1L, 0L, 1L, long.MaxValue - 1, long.MaxValue));

    private static bool FitsInLong(Int128 value) => value >= long.MinValue && value <= long.MaxValue;
}
