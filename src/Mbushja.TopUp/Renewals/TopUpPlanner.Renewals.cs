using Mbushja.Accounts;
using Mbushja.Domain;
using Mbushja.Messaging;
using Mbushja.Sms;

namespace Mbushja.TopUp;

/// <summary>
/// The codes of texts that set or stop a renewal: recorded rejected (no money moved, nothing counts them as top-ups)
/// and answered completed when they did what they asked (<see cref="TopUpStates.StatusOf(TopUpState, string?)"/>).
/// </summary>
public static class RenewalCodes
{
    /// <summary>A renewal was set (or set again).</summary>
    public const string On = "RENEWAL_ON";

    /// <summary>A renewal was stopped (or every renewal the sender set at the bank).</summary>
    public const string Off = "RENEWAL_OFF";

    /// <summary>STOP AUTO found nothing of the sender's to stop.</summary>
    public const string None = "RENEWAL_NONE";

    /// <summary>AUTO followed by something that is no package payment of one service account.</summary>
    public const string NotPackage = "RENEWAL_NOT_PACKAGE";

    /// <summary>Whether a code says the text did what it asked.</summary>
    public static bool IsDone(string? code) => code is On or Off;
}

public sealed partial class TopUpPlanner
{
    /// <summary>
    /// An AUTO or STOP AUTO text: the sender must be registered at the bank, and what follows the words must pay one
    /// service account's package (as the bank's grammar reads it). The change commits with the message's record
    /// (<see cref="TopUpDecision.Also"/>), so a repeat of the message changes nothing.
    /// </summary>
    private async Task<TopUpDecision> DecideRenewalAsync(RenewalReading reading, InboundSms sms, CancellationToken ct)
    {
        Bank bank = reading.Bank;
        string trail = $"{{\"renewal\":\"{(reading.Action == RenewalAction.Start ? "start" : "stop")}\",\"bank\":\"{bank.Code}\",\"payment\":{reading.Payment?.ToJson() ?? "null"}}}";
        if (!config.Numbering.ParseMsisdn(sms.From).TryGetValue(out Msisdn sender))
        {
            return new(null, ErrorCodes.NotOperatorNumber, texts.Format(ErrorCodes.NotOperatorNumber, config.DefaultLanguage), config.DefaultLanguage, null, bank, trail);
        }

        (Subscriber? subscriber, RegistrationMember? member) = await registrations.FindSenderAsync(bank.Code, sender, ct);
        Language language = subscriber?.Language ?? config.DefaultLanguage;
        TopUpDecision Answer(string code, params (string, string)[] values) =>
            new(null, code, texts.Format(code, language, values), language, sender.E164, bank, trail);

        if (member is null)
        {
            return Answer(ErrorCodes.NotRegistered, ("bank", bank.Name));
        }

        if (reading.Action == RenewalAction.Stop && reading.Payment is null)
        {
            List<Renewal> mine = await renewals.OfMemberAsync(bank.Code, sender.E164, ct);
            return mine.Count == 0
                ? Answer(RenewalCodes.None, ("target", ""), ("bank", bank.Name))
                : Answer(RenewalCodes.Off, ("target", string.Join(", ", mine.Select(r => r.Text))), ("bank", bank.Name)) with
                {
                    Also = Renewals.StopAll(bank.Code, sender.E164),
                };
        }

        if (reading.Package is not { } target || reading.Kind is not { } kind)
        {
            return Answer(RenewalCodes.NotPackage, ("start", bank.Renewal.StartText), ("help", bank.HelpText(language)));
        }

        (PlannedCredit? credit, string? unknown) = await ResolveAsync(kind, target, member.Registration, subscriber, ct);
        if (credit is null)
        {
            return Answer(ErrorCodes.UnknownAccount, ("target", unknown!));
        }

        if (credit.Kind != CreditKind.Package || credit.ServiceAccountId is not { } accountId)
        {
            return Answer(RenewalCodes.NotPackage, ("start", bank.Renewal.StartText), ("help", bank.HelpText(language)));
        }

        if (reading.Action == RenewalAction.Stop)
        {
            // Only its setter, or the holder of the registration the setter charges, stops a renewal.
            Renewal? set = await renewals.FindAsync(accountId, ct);
            Registration registration = member.Registration;
            bool mayStop = set is not null && set.BankCode == bank.Code
                && (set.Msisdn == sender.E164 || (registration.Holder == sender && registration.Authorized.Any(a => a.E164 == set.Msisdn)));
            return mayStop
                ? Answer(RenewalCodes.Off, ("target", credit.Target), ("bank", bank.Name)) with { Also = Renewals.Stop(accountId) }
                : Answer(RenewalCodes.None, ("target", credit.Target), ("bank", bank.Name));
        }

        ServiceAccount? account = await serviceAccounts.FindAsync(accountId, ct);
        DateTimeOffset? paidUntil = account?.PaidUntil;
        DateOnly due = RenewalCalendar.DueDay(clock, paidUntil);
        Money price = config.Catalog.Find(credit.PackageCode) is { } package && prices.Current.PriceOn(package, due) is { } p ? p : credit.Amount;
        DateTimeOffset now = clock.UtcNow;
        // Within the reminder's days, this answer is the reminder: it says the amount and the day.
        bool told = now >= RenewalCalendar.RemindAt(clock, paidUntil, bank.Renewal.ReminderDays);
        var renewal = new Renewal(
            accountId,
            bank.Code,
            sender.E164,
            reading.Text,
            "sms",
            now,
            0,
            told ? paidUntil?.ToUnixTimeMilliseconds() ?? 0 : -1,
            told ? price : Money.Zero,
            DateTimeOffset.UnixEpoch,
            -1);
        return Answer(
            RenewalCodes.On,
            ("target", credit.Target),
            ("package", credit.PackageName ?? credit.PackageCode ?? ""),
            ("amount", price.ToDecimalString()),
            ("bank", bank.Name),
            ("due", MessageFormat.Date(due)),
            ("days", bank.Renewal.ReminderDays.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("stop", bank.Renewal.StopText + " " + reading.Text)) with
        {
            Also = Renewals.Set(renewal),
        };
    }
}
