using System.Text;
using System.Text.Json;
using Mbushja.Domain;

namespace Mbushja.Sms;

/// <summary>What an SMS asks to top up (as <c>mbushja parse</c> names it: <c>mobile</c>, <c>fixed</c>, <c>internet</c>, <c>tv</c>, <c>duo</c>).</summary>
public enum TargetKind
{
    Mobile,
    Fixed,
    Internet,
    Tv,
    Duo,
}

/// <summary>
/// One thing to top up. Exactly one of <see cref="Msisdn"/>, <see cref="Number"/> or an account (possibly
/// <see cref="UsesRegisteredAccount"/>) is set; a null <see cref="Amount"/> pays the monthly package.
/// </summary>
public sealed record TopUpTarget(Msisdn? Msisdn, FixedNumber? Number, string? Account, bool UsesRegisteredAccount, Money? Amount)
{
    public static TopUpTarget Mobile(Msisdn msisdn, Money amount) => new(msisdn, null, null, false, amount);

    /// <summary>A fixed line by its number, with an amount for its balance.</summary>
    public static TopUpTarget Fixed(FixedNumber number, Money amount) => new(null, number, null, false, amount);

    /// <summary>A service account by its identifier exactly as written; no amount pays the monthly package.</summary>
    public static TopUpTarget ForAccount(string account, Money? amount) => new(null, null, account, false, amount);

    /// <summary>The service account recorded in the sender's registration (ProCredit's bare <c>tv</c>).</summary>
    public static TopUpTarget RegisteredAccount() => new(null, null, null, true, null);
}

/// <summary>An SMS understood: the kind of service and its targets.</summary>
public sealed record SmsCommand(TargetKind Kind, IReadOnlyList<TopUpTarget> Targets)
{
    public Money Total => Targets.Aggregate(Money.Zero, (sum, t) => sum + (t.Amount ?? Money.Zero));
}

/// <summary>The outcome of interpreting an SMS: the bank it went to and the command, or the reason it was refused.</summary>
public sealed record SmsInterpretation(Bank? Bank, SmsCommand? Command, ParseError? Error)
{
    public bool Ok => Error is null;

    /// <summary>Of a refused message of several parts: the first bad part (its number from 1, its text), which the reply names.</summary>
    public RefusedPart? Part { get; init; }

    /// <summary>The stable JSON contract of <c>mbushja parse</c>.</summary>
    public string ToJson()
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteBoolean("ok", Ok);
            if (Bank is null)
            {
                json.WriteNull("bank");
            }
            else
            {
                json.WriteString("bank", Bank.Code);
            }

            if (Error is not null)
            {
                json.WriteStartObject("error");
                json.WriteString("code", Error.Code);
                json.WriteString("message", Error.Message);
                json.WriteEndObject();
            }
            else
            {
                WriteCommand(json, Command!);
            }

            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteCommand(Utf8JsonWriter json, SmsCommand command)
    {
        json.WriteStartObject("command");
        json.WriteString("kind", command.Kind.ToString().ToLowerInvariant());
        json.WriteStartArray("targets");
        foreach (TopUpTarget t in command.Targets)
        {
            json.WriteStartObject();
            if (t.Msisdn is { } msisdn)
            {
                json.WriteString("msisdn", msisdn.E164);
            }
            else if (t.Number is { } number)
            {
                json.WriteString("number", number.E164);
            }
            else if (t.Account is not null)
            {
                json.WriteString("account", t.Account);
            }
            else
            {
                json.WriteNull("account");
            }

            if (t.Amount is { } amount)
            {
                json.WriteNumber("amountCents", amount.Cents);
            }
            else
            {
                json.WriteNull("amountCents");
            }

            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }
}

/// <summary>The part of a message of several parts that was refused: its number (from 1) of <paramref name="Of"/>, and its text.</summary>
public sealed record RefusedPart(int Number, int Of, string Text);
