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
