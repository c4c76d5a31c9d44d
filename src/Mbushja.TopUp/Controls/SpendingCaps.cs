using System.Text.Encodings.Web;
using System.Text.Json;
using Mbushja.Domain;
using Mbushja.Storage.Commits;
using Microsoft.Extensions.Logging;

namespace Mbushja.TopUp;

/// <summary>Caps to set: null removes the registration's own (the bank's default, if any, applies again).</summary>
public sealed record CapsChange(Money? Daily, Money? Monthly);

/// <summary>
/// The caps a bank sets on a registration, as a whole or for one authorised person (docs/design/controls.md). A change
/// is one commit with its line in the registration's history; it applies to the next top-up, and a top-up accepted
/// before keeps what it consumed (it gives it back if declined).
/// </summary>
public sealed partial class SpendingCaps(CommitQueue commits, Registrations registrations, TopUpControls controls, ILogger<SpendingCaps> logger)
{
    public const string CapsChanged = "caps_changed";

    /// <summary>The refusal of a daily cap above the monthly one.</summary>
    public const string DailyAboveMonthly = "DAILY_ABOVE_MONTHLY";

    private static readonly JsonSerializerOptions AuditJson = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>
    /// Sets the caps of a registration (<paramref name="person"/> null) or of one of its authorised persons. Refused:
    /// no such registration at the bank, a number that is not one of its authorised persons, a daily cap above the
    /// monthly one.
    /// </summary>
    public async Task<(RegistrationCaps? Caps, RegistrationError? Error)> SetAsync(
        string bankCode, string registrationId, Msisdn? person, CapsChange change, string actor, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(change);
        if (change.Daily is { } d && change.Monthly is { } m && d > m)
        {
            return (null, new RegistrationError(DailyAboveMonthly, "The daily cap cannot be above the monthly cap.", "dailyCents"));
        }

        if (change.Daily is { Cents: < 0 } || change.Monthly is { Cents: < 0 })
        {
            return (null, new RegistrationError(ErrorCodes.InvalidAmount, "A cap is zero or more cents.", change.Daily is { Cents: < 0 } ? "dailyCents" : "monthlyCents"));
        }

        Registration? registration = await registrations.FindAsync(bankCode, registrationId, ct);
        if (registration is null)
        {
            return (null, new RegistrationError(ErrorCodes.NotFound, $"Registration {registrationId} at {bankCode} was not found."));
        }

        if (person is { } p && !registration.Authorized.Contains(p))
        {
            return (null, new RegistrationError(ErrorCodes.NotFound, $"{p.E164} is not an authorised person of registration {registration.Id}.", "msisdn"));
        }

        var work = new Change(registration, person?.E164 ?? "", change, actor);
        if (await commits.CommitAsync(work, Durability.Durable, ct) is { } refused)
        {
            return (null, new RegistrationError(refused.Code, refused.Message, refused.Subject));
        }

        LogCapsChanged(logger, registration.Id, registration.BankCode, person?.Masked ?? "the registration", change.Daily?.Cents, change.Monthly?.Cents);
        return (await controls.CapsOfAsync(registration, ct), null);
    }

    /// <summary>The caps, as a change writes them, and the registration's history line, in one transaction.</summary>
    private sealed class Change(Registration registration, string msisdn, CapsChange change, string actor) : ICommitWork
    {
        public bool Pipelined => true;

        public async Task<CommitRefusal?> ApplyAsync(CommitContext context, CancellationToken cancellationToken)
        {
            // Removed from the registration meanwhile: the caps would wait for a number nobody authorised.
            if (msisdn.Length > 0 && (await context.QueryAsync(
                    "SELECT 1 FROM registration_members WHERE registration_id = @id AND msisdn = @m AND role = 'authorized'",
                    cancellationToken,
                    ("id", registration.Id),
                    ("m", msisdn))).Count == 0)
            {
                return new CommitRefusal(ErrorCodes.NotFound, $"{msisdn} is not an authorised person of registration {registration.Id}.", "msisdn");
            }

            context.Defer(
                "INSERT INTO sms_caps (registration_id, msisdn, daily_cents, monthly_cents, updated_at, updated_by) VALUES (@id, @m, @d, @mo, @now, @by) "
                + "ON CONFLICT (registration_id, msisdn) DO UPDATE SET daily_cents = excluded.daily_cents, monthly_cents = excluded.monthly_cents, "
                + "updated_at = excluded.updated_at, updated_by = excluded.updated_by",
                ("id", registration.Id),
                ("m", msisdn),
                ("d", change.Daily?.Cents),
                ("mo", change.Monthly?.Cents),
                ("now", context.NowMs),
                ("by", actor));
            string details = JsonSerializer.Serialize(
                new { msisdn = msisdn.Length == 0 ? null : msisdn, dailyCents = change.Daily?.Cents, monthlyCents = change.Monthly?.Cents }, AuditJson);
            context.Defer(
                "INSERT INTO registration_audit (registration_id, bank_code, at, actor, action, details) VALUES (@id, @bank, @at, @actor, @action, @details)",
                ("id", registration.Id),
                ("bank", registration.BankCode),
                ("at", context.NowMs),
                ("actor", actor),
                ("action", CapsChanged),
                ("details", details));
            return null;
        }
    }

    [LoggerMessage(EventId = 3410, Level = LogLevel.Information, Message = "Registration {Id} at {Bank}: caps of {Whom} set to {Daily} a day, {Monthly} a month (cents)")]
    private static partial void LogCapsChanged(ILogger logger, string id, string bank, string whom, long? daily, long? monthly);
}
