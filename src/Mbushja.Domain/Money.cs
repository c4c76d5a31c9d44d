using System.Globalization;

namespace Mbushja.Domain;

/// <summary>
/// An amount of EUR in integer cents. Arithmetic is checked: an overflow is an error, never a wrap.
/// There is no floating point anywhere on the way in or out.
/// </summary>
public readonly record struct Money : IComparable<Money>
{
    /// <summary>The only currency of the shipped configuration.</summary>
    public const string Currency = "EUR";

    /// <summary>The largest amount any API accepts: 10 million EUR, far above any top-up, far below overflow.</summary>
    public const long MaxCents = 1_000_000_000L;

    /// <summary>An amount as a person writes it: a point or a comma, digits on both sides; nine digits of euros is
    /// already 10x <see cref="MaxCents"/>.</summary>
    private static readonly DecimalCents PersonsAmount = new(".,", MaxWholeDigits: 9, BareSeparator: false);

    private Money(long cents) => Cents = cents;

    public long Cents { get; }

    public static Money Zero => default;

    /// <summary>Any amount of cents, negative included (ledger balances can be negative).</summary>
    public static Money FromCents(long cents) => new(cents);

    /// <summary>Validates an amount that someone asks to move: positive and at most <see cref="MaxCents"/>.</summary>
    public static ParseResult<Money> Positive(long cents) => cents switch
    {
        <= 0 => ParseResult<Money>.Fail(ErrorCodes.InvalidAmount, "The amount must be greater than zero."),
        > MaxCents => ParseResult<Money>.Fail(ErrorCodes.InvalidAmount, $"The amount must be at most {FromCents(MaxCents)}."),
        _ => ParseResult<Money>.Ok(new Money(cents)),
    };

    /// <summary>Validates an opening balance: zero or more, at most <see cref="MaxCents"/>.</summary>
    public static ParseResult<Money> NonNegative(long cents) => cents == 0
        ? ParseResult<Money>.Ok(Zero)
        : cents < 0
            ? ParseResult<Money>.Fail(ErrorCodes.InvalidAmount, "The amount must not be negative.")
            : Positive(cents);

    /// <summary>
    /// Reads an amount written by a person: <c>5</c>, <c>2.50</c>, <c>2,50</c>, <c>2.5</c>. At most two decimals,
    /// no sign, no exponent, no thousands separators. The currency marks (€, EUR) are the caller's business.
    /// </summary>
    public static ParseResult<Money> ParseAmount(ReadOnlySpan<char> text)
    {
        text = text.Trim();
        if (text.IsEmpty)
        {
            return ParseResult<Money>.Fail(ErrorCodes.InvalidAmount, "The amount is missing.");
        }

        return PersonsAmount.Read(text, out long cents) switch
        {
            DecimalCentsRefusal.None => Positive(cents),
            DecimalCentsRefusal.TooManyDecimals => ParseResult<Money>.Fail(ErrorCodes.InvalidAmount, $"'{text}' has more than two decimals."),
            DecimalCentsRefusal.TooLarge => ParseResult<Money>.Fail(ErrorCodes.InvalidAmount, $"'{text}' is too large."),
            _ => ParseResult<Money>.Fail(ErrorCodes.InvalidAmount, $"'{text}' is not an amount; write it like 5 or 2.50."),
        };
    }

    public static Money operator +(Money left, Money right) => new(checked(left.Cents + right.Cents));

    public static Money operator -(Money left, Money right) => new(checked(left.Cents - right.Cents));

    public static Money operator -(Money value) => new(checked(-value.Cents));

    public static Money operator *(Money left, int factor) => new(checked(left.Cents * factor));

    public static bool operator <(Money left, Money right) => left.Cents < right.Cents;

    public static bool operator >(Money left, Money right) => left.Cents > right.Cents;

    public static bool operator <=(Money left, Money right) => left.Cents <= right.Cents;

    public static bool operator >=(Money left, Money right) => left.Cents >= right.Cents;

    public Money Add(Money other) => this + other;

    public Money Subtract(Money other) => this - other;

    public Money Negate() => -this;

    public Money Multiply(int factor) => this * factor;

    public int CompareTo(Money other) => Cents.CompareTo(other.Cents);

    /// <summary><c>8.50</c>: the amount with two decimals and a point, as the catalog and SMS replies write it.</summary>
    public string ToDecimalString()
    {
        long abs = Math.Abs(Cents);
        return string.Create(CultureInfo.InvariantCulture, $"{(Cents < 0 ? "-" : "")}{abs / 100}.{abs % 100:00}");
    }

    /// <summary><c>8.50 EUR</c>.</summary>
    public override string ToString() => $"{ToDecimalString()} {Currency}";
}
