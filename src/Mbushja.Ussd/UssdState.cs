using System.Text.Json;
using System.Text.Json.Serialization;
using Mbushja.Accounts;
using Mbushja.Domain;

namespace Mbushja.Ussd;

/// <summary>A screen on the way the subscriber came, and the page of its list shown.</summary>
public sealed record Frame(string Screen, int Page = 0);

/// <summary>What the subscriber chose so far: the package, the account, the amount, and the quote shown for confirmation.</summary>
/// <param name="Due">An automatic renewal's first due day, as its confirmation shows it.</param>
/// <param name="Period">... and the period it renews first (the account's paid-until in ms, 0 for none).</param>
/// <remarks>Stored as JSON with the session: the amounts keep their names there, as integer cents.</remarks>
public sealed record Selection(
    string? Package = null,
    string? AccountId = null,
    string? Account = null,
    [property: JsonPropertyName("amountCents"), JsonConverter(typeof(MoneyCentsJsonConverter))] Money? Amount = null,
    [property: JsonPropertyName("priceCents"), JsonConverter(typeof(MoneyCentsJsonConverter))] Money? Price = null,
    [property: JsonPropertyName("feeCents"), JsonConverter(typeof(MoneyCentsJsonConverter))] Money? Fee = null,
    DateOnly? Due = null,
    long? Period = null);

/// <summary>
/// Where a session stands: the screens it came through (the last is shown; <c>0</c> goes back one) and the choices
/// made. Stored as JSON with the session, so any server continues it.
/// </summary>
public sealed record UssdState(IReadOnlyList<Frame> Stack, Selection Selection)
{
    public Frame Top => Stack[^1];

    public static UssdState Empty { get; } = new([], new Selection());

    public UssdState Push(string screen) => this with { Stack = [.. Stack, new Frame(screen)] };

    public UssdState Pop() => Stack.Count > 1 ? this with { Stack = [.. Stack.Take(Stack.Count - 1)] } : this;

    public UssdState WithPage(int page) => this with { Stack = [.. Stack.Take(Stack.Count - 1), Top with { Page = page }] };

    public string ToJson() => JsonSerializer.Serialize(this, UssdJson.Default.UssdState);

    public static UssdState FromJson(string json) => JsonSerializer.Deserialize(json, UssdJson.Default.UssdState) ?? Empty;
}

/// <summary>The subscriber a session is for.</summary>
public sealed record Caller(Msisdn Msisdn, Language Language);

/// <summary>A payment the subscriber confirmed: what the confirmation screen showed, to be charged exactly.</summary>
/// <param name="Account">The identifier as the subscriber typed it.</param>
/// <param name="ByAmount">A chosen amount credited to the account's balance (PPV), not a month of a package.</param>
public sealed record Quote(Package Package, string ServiceAccountId, string Account, Money Price, Money Fee, bool ByAmount)
{
    public Money Total => Price + Fee;
}

/// <summary>What one input did.</summary>
public abstract record StepResult;

/// <summary>The session goes on at <paramref name="State"/>'s screen, with a line above it (a reason, a notice).</summary>
/// <param name="NewLanguage">The subscriber chose a language: remembered with the step, and the screens use it from now.</param>
public sealed record Proceed(UssdState State, string? Notice = null, Language? NewLanguage = null) : StepResult;

/// <summary>The session ends with this text.</summary>
public sealed record Finish(string Text) : StepResult;

/// <summary>The subscriber confirmed the payment on the confirmation screen.</summary>
public sealed record Confirmed(UssdState State, Quote Quote) : StepResult;

/// <summary>The session ends with <paramref name="Text"/>, and an automatic renewal set or stopped in the same commit.</summary>
public sealed record RenewalChange(UssdState State, RenewalOrder Order, string Text) : StepResult;

/// <summary>A payment as the history screen lists it.</summary>
public sealed record PaymentRecord(DateTimeOffset At, string PackageCode, string Account, Money Amount, Money Fee);

/// <summary>What the menu reads while it walks: accounts, credit, payments. Reads only; the database in production.</summary>
public interface IUssdData
{
    /// <summary>
    /// The account an identifier names, and the caller's available credit read with it (null for a number that is no
    /// subscriber): the confirmation that follows an account is quoted against that credit, with no read of its own.
    /// </summary>
    Task<(ServiceAccount? Account, Money? Credit)> FindAccountAsync(string identifier, Msisdn msisdn, CancellationToken ct);

    /// <summary>The subscriber's available credit; null for a number that is no subscriber.</summary>
    Task<Money?> CreditAsync(Msisdn msisdn, CancellationToken ct);

    /// <summary>Whether the number has paid in this calendar month (<c>2026-02</c>).</summary>
    Task<bool> PaidInMonthAsync(Msisdn msisdn, string month, CancellationToken ct);

    /// <summary>The number's last payments, newest first.</summary>
    Task<IReadOnlyList<PaymentRecord>> LastPaymentsAsync(Msisdn msisdn, int count, CancellationToken ct);

    /// <summary>The number's automatic renewals from credit, oldest first, with their accounts.</summary>
    Task<IReadOnlyList<UssdRenewalDue>> RenewalsAsync(Msisdn msisdn, CancellationToken ct);
}

[JsonSerializable(typeof(UssdState))]
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
internal sealed partial class UssdJson : JsonSerializerContext;
