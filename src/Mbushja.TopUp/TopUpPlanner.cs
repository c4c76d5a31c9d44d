using System.Globalization;
using System.Text.Json;
using Mbushja.Accounts;
using Mbushja.Domain;
using Mbushja.Sms;

namespace Mbushja.TopUp;

/// <summary>How a message was judged before any money moved: a plan to carry out, or a refusal with its reply.</summary>
/// <param name="Msisdn">The sender in E.164, when the sender is a number this operator knows how to read.</param>
/// <param name="Interpretation">The interpretation as <c>mbushja parse</c> prints it, for the message's trail.</param>
public sealed record TopUpDecision(
    TopUpPlan? Plan,
    string? Code,
    string? Reply,
    Language Language,
    string? Msisdn,
    Bank? Bank,
    string Interpretation)
{
    /// <summary>
    /// Work that commits with the message's record, for a text that moves no money but changes something (a renewal set
    /// or stopped: <see cref="Renewals"/>); null for a top-up or a refusal.
    /// </summary>
    public Storage.Commits.ICommitWork? Also { get; init; }
}

/// <summary>
/// Validates a whole message: the text, the sender's registration at the bank, and every target. Only reads; a message
/// with any bad part is refused whole, before the bank is asked for anything.
/// </summary>
public sealed partial class TopUpPlanner(
    SmsInterpreter interpreter,
    OperatorConfig config,
    Subscribers subscribers,
    ServiceAccounts serviceAccounts,
    Registrations registrations,
    ReplyTexts texts,
    CatalogChanges prices,
    OperatorClock clock,
    Renewals renewals)
{
    public async Task<TopUpDecision> DecideAsync(InboundSms sms, CancellationToken ct = default)
    {
        // AUTO / STOP AUTO (the bank's renewal words): no money moves now (TopUpPlanner.Renewals.cs).
        if (sms.Renewal is null && interpreter.ReadRenewal(sms.To, sms.From, sms.Text) is { } renewal)
        {
            return await DecideRenewalAsync(renewal, sms, ct);
        }

        SmsInterpretation interpretation = interpreter.Interpret(sms.To, sms.From, sms.Text);
        string trail = interpretation.ToJson();
        Msisdn? sender = config.Numbering.ParseMsisdn(sms.From).TryGetValue(out Msisdn m) ? m : null;
        Bank? bank = interpretation.Bank;

        // The sender and its registration are read together (one round trip) when the text is one to carry out.
        Subscriber? senderSubscriber = null;
        RegistrationMember? member = null;
        if (sender is { } known)
        {
            (senderSubscriber, member) = interpretation.Ok
                ? await registrations.FindSenderAsync(bank!.Code, known, ct)
                : (await subscribers.FindAsync(known, ct), null);
        }

        Language language = senderSubscriber?.Language ?? config.DefaultLanguage;

        TopUpDecision Refuse(string code, params (string, string)[] values) =>
            new(null, code, texts.Format(code, language, values), language, sender?.E164, bank, trail);

        if (!interpretation.Ok)
        {
            TopUpDecision refused = RefuseText(interpretation.Error!.Code);
            // The refusal of a message of several parts names the part.
            return interpretation.Part is { } part
                ? refused with
                {
                    Reply = texts.Format("part", language, ("n", part.Number.ToString(CultureInfo.InvariantCulture)), ("of", part.Of.ToString(CultureInfo.InvariantCulture)), ("part", part.Text)) + " " + refused.Reply,
                }
                : refused;
        }

        if (member is null)
        {
            return Refuse(ErrorCodes.NotRegistered, ("bank", bank!.Name));
        }

        SmsCommand command = interpretation.Command!;
        var credits = new List<PlannedCredit>(command.Targets.Count);
        foreach (TopUpTarget target in command.Targets)
        {
            (PlannedCredit? credit, string? unknown) = await ResolveAsync(command.Kind, target, member.Registration, senderSubscriber, ct);
            if (credit is null)
            {
                return Refuse(ErrorCodes.UnknownAccount, ("target", unknown!));
            }

            credits.Add(credit);
        }

        var plan = new TopUpPlan(bank!.Code, member.Registration.AccountRef.Value, credits)
        {
            RegistrationId = member.Registration.Id,
            ByAuthorized = member.Role == RegistrationRole.Authorized,
            Renewal = sms.Renewal is not null,
        };
        return new TopUpDecision(plan, null, null, language, sender!.Value.E164, bank, trail);

        TopUpDecision RefuseText(string code) => code switch
        {
            ErrorCodes.UnknownShortCode or ErrorCodes.NotOperatorNumber => Refuse(code),
            ErrorCodes.AmountOutOfRange => Refuse(code, ("bank", bank!.Name), ("min", bank.MinAmount.ToDecimalString()), ("max", bank.MaxAmount.ToDecimalString())),
            ErrorCodes.InvalidNumber => Refuse(code, ("help", bank!.HelpText(language))),
            _ => Refuse(ErrorCodes.UnknownCommand, ("help", bank!.HelpText(language))) with { Code = code },
        };
    }

    /// <summary>One target to its credit, or the name of what could not be found.</summary>
    private async Task<(PlannedCredit? Credit, string? Unknown)> ResolveAsync(
        TargetKind kind, TopUpTarget target, Registration registration, Subscriber? sender, CancellationToken ct)
    {
        if (target.Msisdn is { } msisdn)
        {
            string shown = config.Numbering.ToNational(msisdn.E164);
            // Most top-ups are of the sender's own number, already looked up for the reply's language.
            Subscriber? subscriber = sender?.Msisdn == msisdn ? sender : await subscribers.FindAsync(msisdn, ct);
            return subscriber is null
                ? (null, shown)
                : (new PlannedCredit(CreditKind.Mobile, SystemAccounts.Subscriber(msisdn.E164).Value, target.Amount!.Value, shown), null);
        }

        ServiceAccount? account;
        string label;
        if (target.Number is { } number)
        {
            label = config.Numbering.ToNational(number.E164);
            account = await serviceAccounts.FindAsync(number.E164, ct);
        }
        else if (target.UsesRegisteredAccount)
        {
            ServiceKind wanted = ToServiceKind(kind);
            ContractAccount? recorded = registration.ContractAccounts.FirstOrDefault(a => a.Kind == wanted);
            label = kind.ToString().ToLowerInvariant();
            account = recorded is null ? null : await serviceAccounts.FindAsync(recorded.Id, ct);
            if (account is not null)
            {
                label = account.Username ?? account.Contract ?? account.SmartCard ?? label;
            }
        }
        else
        {
            label = target.Account!;
            account = await serviceAccounts.FindAsync(target.Account!, ct);
        }

        if (account is null || account.Kind != ToServiceKind(kind))
        {
            return (null, label);
        }

        if (target.Amount is { } amount)
        {
            return (new PlannedCredit(CreditKind.Balance, SystemAccounts.Service(account.Id).Value, amount, label, account.Id), null);
        }

        // Today's price: the catalog file's, or a change an administrator recorded for today or before.
        Package? package = config.Catalog.Find(account.PackageCode);
        return package is null || prices.Current.PriceOn(package, clock.Today) is not { } price
            ? (null, label)
            : (new PlannedCredit(CreditKind.Package, TopUpAccounts.PackageRevenue.Id.Value, price, label, account.Id, package.Code, package.Name), null);
    }

    private static ServiceKind ToServiceKind(TargetKind kind) => kind switch
    {
        TargetKind.Fixed => ServiceKind.Fixed,
        TargetKind.Internet => ServiceKind.Internet,
        TargetKind.Tv => ServiceKind.Tv,
        TargetKind.Duo => ServiceKind.Duo,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "A mobile target has no service account."),
    };

    internal static string Serialize(TopUpPlan plan) => JsonSerializer.Serialize(plan, PlanJson.Options);

    internal static TopUpPlan Deserialize(string json) => JsonSerializer.Deserialize<TopUpPlan>(json, PlanJson.Options)!;
}

internal static class PlanJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() },
    };
}
