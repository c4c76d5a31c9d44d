using System.Diagnostics.CodeAnalysis;

namespace Mbushja.Domain;

/// <summary>Why customer input was refused: a stable code for machines and a message for people.</summary>
public sealed record ParseError(string Code, string Message)
{
    public override string ToString() => $"{Code}: {Message}";
}

/// <summary>
/// The outcome of reading customer input (after NodaTime's ParseResult): either the value or the reason.
/// Parsing user text never throws.
/// </summary>
public readonly struct ParseResult<T>
{
    private readonly T? _value;

    private ParseResult(T? value, ParseError? error)
    {
        _value = value;
        Error = error;
    }

    /// <summary>The reason, when the input was refused.</summary>
    public ParseError? Error { get; }

    [MemberNotNullWhen(false, nameof(Error))]
    public bool Success => Error is null;

    /// <summary>The value; reading it from a failed result is a bug and throws.</summary>
    public T Value => Error is null ? _value! : throw new InvalidOperationException($"No value: {Error}");

    public static ParseResult<T> Ok(T value) => new(value, null);

    public static ParseResult<T> Fail(string code, string message) => new(default, new ParseError(code, message));

    public static ParseResult<T> Fail(ParseError error) => new(default, error);

    public bool TryGetValue([MaybeNullWhen(false)] out T value)
    {
        value = _value!;
        return Error is null;
    }

    public override string ToString() => Success ? $"Ok({_value})" : $"Fail({Error})";
}

/// <summary>Stable error codes for refused input (SPEC §5). Partners rely on these strings.</summary>
public static class ErrorCodes
{
    public const string InvalidNumber = "INVALID_NUMBER";
    public const string NotOperatorNumber = "NOT_OPERATOR_NUMBER";
    public const string InvalidAmount = "INVALID_AMOUNT";
    public const string AmountOutOfRange = "AMOUNT_OUT_OF_RANGE";
    public const string UnknownCommand = "UNKNOWN_COMMAND";
    public const string UnknownShortCode = "UNKNOWN_SHORT_CODE";
    public const string InvalidIdentifier = "INVALID_IDENTIFIER";
    public const string InvalidLanguage = "INVALID_LANGUAGE";
    public const string InvalidKind = "INVALID_KIND";
}
