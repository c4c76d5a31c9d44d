using System.Globalization;
using System.Text.Json;
using Mbushja.Accounts;
using Mbushja.Domain;
using Mbushja.Messaging;
using Mbushja.Sms;
using Mbushja.Storage.Commits;

namespace Mbushja.TopUp;

/// <summary>
/// A decision with what commits beside the message's record: the confirmation's work (<paramref name="Work"/>, given the
/// row), trail lines before the reply, and the text to store instead of the one received (a code or PIN is never kept).
/// <paramref name="Confirms"/>: the confirmation whose plan this message carries on (a right code in time).
/// </summary>
public sealed record GatedDecision(
    TopUpDecision Decision,
    Func<SmsTransaction, ICommitWork>? Work = null,
    IReadOnlyList<TrailEntry>? Trail = null,
    string? StoredText = null,
    TransactionId? Confirms = null);

/// <summary>
/// Confirmation of larger top-ups (README "Confirmation above a threshold"; docs/design/confirmation.md), between the
/// decision and the record of a message. A reply "YES 123456" to a bank that confirms is checked against the sender's
/// pending confirmation and, right, carries its top-up on as this message (hold, credits, capture, reply); a top-up above
/// the bank's threshold, or past its count or sum since the sender's last confirmation, is recorded as asking for one
/// (rejected, <see cref="ConfirmationCodes.Required"/>: nothing held) and its reply asks for the code.
/// </summary>
public sealed class ConfirmationGate(
    TopUpPlanner planner,
    BankDirectory banks,
    OperatorConfig config,
    Registrations registrations,
    SmsConfirmations confirmations,
    ReplyTexts texts,
    OperatorClock clock)
{
    /// <summary>
    /// Decides a message. <paramref name="refused"/>: the refusal of the last try to record it
    /// (<see cref="ConfirmationCodes.DecideAgain"/>): past the unconfirmed limits, or a confirmation that changed meanwhile.
    /// </summary>
    public async Task<GatedDecision> DecideAsync(InboundSms sms, CommitRefusal? refused = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(sms);
        if (sms.Renewal is not null)
        {
            // A renewal's try: the subscriber set the series with AUTO, and nobody is there to answer within minutes, so
            // it asks for no confirmation and does not count among the unconfirmed payments (docs/design/renewals.md).
            return new GatedDecision(await planner.DecideAsync(sms, ct));
        }

        if (banks.ByShortCode(sms.To) is { Confirmation: { } rules } bank
            && rules.IsConfirmation(sms.Text, out string secret)
            && config.Numbering.ParseMsisdn(sms.From).TryGetValue(out Msisdn sender))
        {
            return await ConfirmAsync(sms, bank, rules, sender, secret, ct);
        }

        TopUpDecision decision = await planner.DecideAsync(sms, ct);
        if (decision is not { Plan: { } plan, Bank.Confirmation: { } bankRules, Msisdn: { } msisdn })
        {
            return new GatedDecision(decision);
        }

        string? reason = plan.Total > bankRules.Threshold ? "amount"
            : refused?.Code == ConfirmationCodes.LimitReached ? "unconfirmed payments"
            : null;
        return reason is null
            ? new GatedDecision(decision, row => SmsConfirmations.Count(plan.BankCode, msisdn, plan.Total, bankRules))
            : await AskAsync(decision, plan, bankRules, reason, ct);
    }

    /// <summary>The top-up waits for a confirmation: recorded rejected, its plan kept with the confirmation, and the reply asks.</summary>
    private async Task<GatedDecision> AskAsync(TopUpDecision decision, TopUpPlan plan, BankConfirmation rules, string reason, CancellationToken ct)
    {
        Bank bank = decision.Bank!;
        (string, string)[] values =
        [
            ("word", rules.WordFor(decision.Language)),
            ("minutes", ((int)Math.Ceiling(rules.Window.TotalMinutes)).ToString(CultureInfo.InvariantCulture)),
            ("total", plan.Total.ToDecimalString()),
            ("bank", bank.Name),
        ];
        string? hash = null;
        string reply;
        if (rules.Method == ConfirmationMethod.Pin)
        {
            if (await confirmations.PinHashAsync(bank.Code, decision.Msisdn!, ct) is null)
            {
                return new GatedDecision(decision with
                {
                    Plan = null,
                    Code = ConfirmationCodes.PinNotSet,
                    Reply = texts.Format(ConfirmationTexts.NoPin, decision.Language, ("total", rules.Threshold.ToDecimalString()), ("bank", bank.Name)),
                });
            }

            reply = texts.Format(ConfirmationTexts.RequestPin, decision.Language, values);
        }
        else
        {
            string code = ConfirmationSecrets.NewCode();
            hash = ConfirmationSecrets.Hash(code, ConfirmationSecrets.CodeIterations);
            reply = texts.Format(ConfirmationTexts.Request, decision.Language, [.. values, ("code", code)]);
        }

        DateTimeOffset expires = clock.UtcNow + rules.Window;
        return new GatedDecision(
            decision with { Plan = null, Code = ConfirmationCodes.Required, Reply = reply },
            row => SmsConfirmations.Open(row, plan, rules.Method, hash, expires),
            [new TrailEntry(TrailKind.ConfirmationRequested, new { reason, method = rules.Method == ConfirmationMethod.Pin ? "pin" : "code", amountCents = plan.Total.Cents, expiresAt = expires })]);
    }

    /// <summary>A reply "YES 123456": checked against the sender's newest confirmation at this short code.</summary>
    private async Task<GatedDecision> ConfirmAsync(InboundSms sms, Bank bank, BankConfirmation rules, Msisdn sender, string secret, CancellationToken ct)
    {
        (Subscriber? subscriber, RegistrationMember? member) = await registrations.FindSenderAsync(bank.Code, sender, ct);
        Language language = subscriber?.Language ?? config.DefaultLanguage;
        SmsConfirmation? pending = await confirmations.LatestAsync(sender.E164, bank.ShortCode, ct);
        string stored = sms.Text!.Trim().Split((char[]?)null, 2, StringSplitOptions.RemoveEmptyEntries)[0] + (secret.Length > 0 ? " ******" : "");
        string interpretation = JsonSerializer.Serialize(new { ok = true, bank = bank.Code, confirmation = new { of = pending?.Id.Value } });

        GatedDecision Refuse(string code, string key, (string, string)[] values, Func<SmsTransaction, ICommitWork>? work = null) => new(
            new TopUpDecision(null, code, texts.Format(key, language, [.. values, ("bank", bank.Name)]), language, sender.E164, bank, interpretation),
            work,
            pending is null ? null : [new TrailEntry(TrailKind.Confirmation, new { of = pending.Id.Value, outcome = code })],
            stored);

        if (pending is null)
        {
            return Refuse(ConfirmationCodes.NonePending, ConfirmationTexts.None, []);
        }

        (string, string) total = ("total", pending.Amount.ToDecimalString());
        switch (pending.State)
        {
            case ConfirmationState.Confirmed:
                return Refuse(ConfirmationCodes.Used, ConfirmationTexts.Used, [("ref", pending.ConfirmedBy?.ShortRef ?? pending.Id.ShortRef)]);
            case ConfirmationState.Expired:
                return Refuse(ConfirmationCodes.Expired, ConfirmationTexts.Expired, [total]);
            case ConfirmationState.Failed:
                return Refuse(ConfirmationCodes.Failed, ConfirmationTexts.Failed, [total, ("n", pending.Attempts.ToString(CultureInfo.InvariantCulture))]);
            case ConfirmationState.Superseded:
                return Refuse(ConfirmationCodes.NonePending, ConfirmationTexts.Superseded, []);
        }

        if (clock.UtcNow >= pending.ExpiresAt)
        {
            return Refuse(ConfirmationCodes.Expired, ConfirmationTexts.Expired, [total], row => SmsConfirmations.Expire(pending, row));
        }

        if (member is null)
        {
            // No longer a holder or authorised person at the bank: the confirmation cannot carry the top-up on.
            return Refuse(ErrorCodes.NotRegistered, ErrorCodes.NotRegistered, [], row => SmsConfirmations.Expire(pending, row));
        }

        string? hash = pending.Method == ConfirmationMethod.Pin ? await confirmations.PinHashAsync(bank.Code, sender.E164, ct) : pending.SecretHash;
        if (!ConfirmationSecrets.Verify(secret, hash))
        {
            int tries = pending.Attempts + 1;
            bool last = tries >= rules.MaxAttempts;
            return last
                ? Refuse(ConfirmationCodes.Failed, ConfirmationTexts.Failed, [total, ("n", tries.ToString(CultureInfo.InvariantCulture))], row => SmsConfirmations.WrongCode(pending, row, last: true))
                : Refuse(ConfirmationCodes.WrongCode, ConfirmationTexts.Wrong, [("left", (rules.MaxAttempts - tries).ToString(CultureInfo.InvariantCulture))], row => SmsConfirmations.WrongCode(pending, row, last: false));
        }

        return new GatedDecision(
            new TopUpDecision(pending.Plan, null, null, language, sender.E164, bank, interpretation),
            row => SmsConfirmations.Confirm(pending, row),
            [new TrailEntry(TrailKind.Confirmation, new { of = pending.Id.Value, outcome = "confirmed" })],
            stored,
            pending.Id);
    }
}
