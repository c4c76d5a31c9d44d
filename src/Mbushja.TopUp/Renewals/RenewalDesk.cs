using Mbushja.Accounts;
using Mbushja.Domain;
using Mbushja.Sms;

namespace Mbushja.TopUp;

/// <summary>Why the holder's bank could not set a renewal (a stable code and the field to blame).</summary>
public sealed record RenewalRefusal(string Code, string Field);

/// <summary>
/// Renewals as the holder's bank sets and stops them (the console's registration page): the payer must be a member of
/// the registration, and the account one with a monthly package. The renewal's text is written in the bank's own
/// grammar, as its subscribers would send it (the first form that pays such an account by name), and read back by the
/// interpreter, so that the due day's try reads it exactly as an SMS.
/// </summary>
public sealed class RenewalDesk(
    Renewals renewals,
    Registrations registrations,
    ServiceAccounts accounts,
    SmsInterpreter interpreter,
    BankDirectory banks,
    OperatorConfig config,
    OperatorClock clock)
{
    public const string NotMember = "NOT_REGISTERED";
    public const string NoAccount = ErrorCodes.UnknownAccount;
    public const string NoForm = "RENEWAL_NO_FORM";

    /// <summary>Sets (or sets again) the renewal of an account, paid by <paramref name="payer"/>'s registration at the bank.</summary>
    public async Task<RenewalRefusal?> SetAsync(string bankCode, Msisdn payer, string accountIdentifier, string actor, CancellationToken ct = default)
    {
        if (banks.ByCode(bankCode) is not { Renewal.Enabled: true } bank)
        {
            return new RenewalRefusal(NoForm, "bank");
        }

        if (await registrations.FindMemberAsync(bank.Code, payer, ct) is null)
        {
            return new RenewalRefusal(NotMember, "msisdn");
        }

        ServiceAccount? account = await accounts.FindAsync(accountIdentifier, ct);
        Package? package = account is null ? null : config.Catalog.Find(account.PackageCode);
        if (account is null || package is null || package.Price is null)
        {
            return new RenewalRefusal(NoAccount, "account");
        }

        string name = account.Username ?? account.Contract ?? account.SmartCard ?? account.Number?.E164 ?? account.Id;
        string? text = TextFor(bank, account.Kind, name, payer);
        if (text is null)
        {
            return new RenewalRefusal(NoForm, "account");
        }

        // Set at the bank, the subscriber hears of it by the reminder: at once when within its days, and the charge then
        // waits for the reminder's notice (RenewalOptions.MinNotice).
        await renewals.SetAsync(
            new Renewal(account.Id, bank.Code, payer.E164, text, actor, clock.UtcNow, 0, -1, Money.Zero, DateTimeOffset.UnixEpoch, -1),
            ct);
        return null;
    }

    /// <summary>Stops the renewal of an account; false when it had none at this bank.</summary>
    public async Task<bool> StopAsync(string bankCode, string accountId, CancellationToken ct = default)
    {
        Renewal? renewal = await renewals.FindAsync(accountId, ct);
        if (renewal is null || !string.Equals(renewal.BankCode, bankCode, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        await renewals.StopAsync(accountId, ct);
        return true;
    }

    /// <summary>The renewals the members of a registration set at its bank.</summary>
    public async Task<List<Renewal>> OfRegistrationAsync(Registration registration, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(registration);
        var all = new List<Renewal>();
        foreach (Msisdn member in (IEnumerable<Msisdn>)[registration.Holder, .. registration.Authorized])
        {
            all.AddRange(await renewals.OfMemberAsync(registration.BankCode, member.E164, ct));
        }

        return all;
    }

    /// <summary>The bank's first form that pays an account of this kind by its name, filled in; null when none reads back to it.</summary>
    private string? TextFor(Bank bank, ServiceKind kind, string name, Msisdn payer)
    {
        foreach (SmsForm form in bank.Forms.Where(f => f.Has(Slot.Account) && !f.Has(Slot.Amount) && ServiceKindOf(f.Kind) == kind))
        {
            string text = string.Join(' ', form.Words.Select(w => w.Keyword ?? name));
            RenewalReading? read = interpreter.ReadRenewal(bank.ShortCode, payer.E164, bank.Renewal.StartText + " " + text);
            if (read?.Package is { Account: { } account } && string.Equals(account, name, StringComparison.Ordinal))
            {
                return text;
            }
        }

        return null;
    }

    private static ServiceKind? ServiceKindOf(TargetKind kind) => kind switch
    {
        TargetKind.Fixed => ServiceKind.Fixed,
        TargetKind.Internet => ServiceKind.Internet,
        TargetKind.Tv => ServiceKind.Tv,
        TargetKind.Duo => ServiceKind.Duo,
        _ => null,
    };
}
