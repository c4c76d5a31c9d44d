using System.Globalization;
using Mbushja.Accounts;
using Mbushja.Domain;
using Mbushja.Messaging;
using Mbushja.Sms;
using Microsoft.Extensions.Logging;

namespace Mbushja.TopUp;

/// <summary>Timings of the renewal sweep (docs/design/renewals.md).</summary>
public sealed record RenewalOptions
{
    public static RenewalOptions Default { get; } = new();

    /// <summary>How often each server runs the sweep. A renewal runs within this of its due day's first moment.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Renewals looked at per sweep.</summary>
    public int Batch { get; init; } = 500;

    /// <summary>
    /// The least notice a reminder gives before the charge it announces, when it went out late (the servers were down
    /// on its day) or told of a higher price: the subscriber has this long to stop it.
    /// </summary>
    public TimeSpan MinNotice { get; init; } = TimeSpan.FromDays(1);
}

/// <summary>What one sweep did.</summary>
public sealed record RenewalSweepResult(int Reminded, int Tried, int Reported, int Ended);

/// <summary>
/// Reminds, renews and reports, every <see cref="RenewalOptions.Interval"/> on every server (docs/design/renewals.md).
/// A renewal's try is a message like any SMS top-up, recorded and carried through its bank by <see cref="TopUpProcessor"/>
/// under an id made of the account, the period, the round and the try: the same try on another server, or after a crash,
/// is the same message, so a period is paid once. Reminders, reports and ends are conditional changes of the renewal's
/// row committed with their SMS, so of several servers one sends each.
/// </summary>
public sealed partial class RenewalSweep(
    Renewals renewals,
    TopUpProcessor processor,
    SmsTransactions store,
    Registrations registrations,
    BankDirectory banks,
    OperatorConfig config,
    CatalogChanges prices,
    ReplyTexts texts,
    OperatorClock clock,
    RenewalOptions options,
    ILogger<RenewalSweep> logger,
    OutboxSignal? outbox = null)
{
    /// <summary>Looks at every renewal within its reminder's days of its due date, and does what is due.</summary>
    public async Task<RenewalSweepResult> RunAsync(CancellationToken ct = default)
    {
        int days = banks.Banks.Select(b => b.Renewal.ReminderDays).DefaultIfEmpty(RenewalSettings.Default.ReminderDays).Max();
        // A local day is at most 25 hours: paid-until days later than this are not within any reminder's days.
        DateTimeOffset horizon = clock.UtcNow + TimeSpan.FromHours(25 * (days + 1));
        var counts = new int[4];
        foreach (RenewalDue due in await renewals.DueAsync(horizon, options.Batch, ct))
        {
            try
            {
                Step step = await OneAsync(due, ct);
                if (step != Step.Nothing)
                {
                    counts[(int)step - 1]++;
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // One renewal's failure (a database outage, a bug) does not keep the others from their day.
                LogFailed(logger, due.Renewal.ServiceAccountId, e);
            }
        }

        if (counts.Any(c => c > 0))
        {
            outbox?.Notify();
        }

        return new RenewalSweepResult(counts[0], counts[1], counts[2], counts[3]);
    }

    private async Task<Step> OneAsync(RenewalDue due, CancellationToken ct)
    {
        Renewal renewal = due.Renewal;
        if (banks.ByCode(renewal.BankCode) is not { Renewal.Enabled: true } bank)
        {
            return Step.Nothing;
        }

        Language language = due.Language ?? config.DefaultLanguage;
        DateTimeOffset now = clock.UtcNow;
        Package? package = due.PackageCode is null ? null : config.Catalog.Find(due.PackageCode);
        if (!due.AccountExists || package is null)
        {
            return await EndAsync(due, bank, language, "renewal.ended.account", ct);
        }

        if (now < RenewalCalendar.RemindAt(clock, due.PaidUntil, bank.Renewal.ReminderDays))
        {
            return Step.Nothing;
        }

        DateTimeOffset chargeAt = RenewalCalendar.ChargeAt(clock, due.PaidUntil);
        DateOnly dueDay = now >= chargeAt ? clock.Today : clock.LocalDate(chargeAt);
        if (prices.Current.PriceOn(package, dueDay) is not { } price)
        {
            return await EndAsync(due, bank, language, "renewal.ended.account", ct);
        }

        bool told = renewal.NotifiedFor == due.Period && renewal.NotifiedAmount >= price;
        if (told && (now < chargeAt || now < renewal.NotifiedAt + options.MinNotice))
        {
            return Step.Nothing;
        }

        // Before a reminder or a try (not at every sweep): the setter must still be at the bank.
        (_, RegistrationMember? member) = await registrations.FindSenderAsync(bank.Code, config.Numbering.ParseMsisdn(renewal.Msisdn).Value, ct);
        if (member is null)
        {
            return await EndAsync(due, bank, language, "renewal.ended.registration", ct);
        }

        return told
            ? await TryAsync(due, bank, package, language, ct)
            : await RemindAsync(due, bank, package, price, dueDay, language, ct);
    }

    /// <summary>The reminder: the amount, the day, the price before when it changed, and how to stop.</summary>
    private async Task<Step> RemindAsync(RenewalDue due, Bank bank, Package package, Money price, DateOnly day, Language language, CancellationToken ct)
    {
        Renewal renewal = due.Renewal;
        Money before = renewal.NotifiedFor == due.Period ? renewal.NotifiedAmount : prices.Current.PriceOn(package, clock.Today) ?? price;
        string text = texts.Format(
            before != price ? "renewal.reminder.price" : "renewal.reminder",
            language,
            ("target", due.Label),
            ("package", package.Name),
            ("amount", price.ToDecimalString()),
            ("old", before.ToDecimalString()),
            ("bank", bank.Name),
            ("due", MessageFormat.Date(day)),
            ("stop", bank.Renewal.StopText + " " + renewal.Text),
            ("shortCode", bank.ShortCode));
        string id = string.Create(CultureInfo.InvariantCulture, $"renew-remind:{renewal.ServiceAccountId}:{due.Period}:{price.Cents}");
        if (!await renewals.NotifyAsync(due, price, new RenewalSms(id, renewal.Msisdn, bank.ShortCode, text), ct))
        {
            return Step.Nothing;
        }

        LogReminded(logger, renewal.ServiceAccountId, day, price.Cents);
        return Step.Reminded;
    }

    /// <summary>
    /// The period's tries in order: the first not yet made is made once the one before it was declined and
    /// <see cref="RenewalSettings.RetryAfter"/> has passed; one under way or charged ends the look; once every try failed,
    /// or the text was refused, the period is given up and reported.
    /// </summary>
    private async Task<Step> TryAsync(RenewalDue due, Bank bank, Package package, Language language, CancellationToken ct)
    {
        Renewal renewal = due.Renewal;
        SmsTransaction? before = null;
        int made = 0;
        for (int attempt = 1; attempt <= bank.Renewal.Attempts; attempt++)
        {
            string id = Renewals.TryId(renewal.ServiceAccountId, due.Period, renewal.Round, attempt);
            SmsTransaction? row = await store.FindByMessageIdAsync(id, ct);
            if (row is null)
            {
                if (before is not null && clock.UtcNow < before.UpdatedAt + bank.Renewal.RetryAfter)
                {
                    return Step.Nothing;
                }

                var sms = new InboundSms(renewal.Msisdn, bank.ShortCode, renewal.Text, id, ReplyRoute.Outbound)
                {
                    Renewal = new RenewalTry(renewal.ServiceAccountId, due.Period, renewal.Round, attempt),
                };
                // The SMS Top Up path itself: recorded with the ledger's hold, then the bank, the credits, the reply.
                AcceptedSms accepted = await processor.AcceptAsync(sms, null, ct);
                if (accepted.Row is { } recorded)
                {
                    LogTrying(logger, renewal.ServiceAccountId, attempt, recorded.Id.Value);
                    await processor.FinishAsync(recorded, CancellationToken.None);
                    return Step.Tried;
                }

                // Another server recorded this try first: it carries it on.
                return Step.Nothing;
            }

            if (TopUpStates.IsUnfinished(row.State) || TopUpStates.IsCharged(row.State))
            {
                return Step.Nothing;
            }

            made = attempt;
            before = row;
            if (row.State == TopUpState.Rejected && !ControlCodes.All.Contains(row.Code))
            {
                // Refused before the bank was asked (the grammar or the registration changed): trying again changes nothing.
                // A control's refusal (a cap, a SIM change's cool-down) may pass later: tried again as a decline is.
                break;
            }
        }

        // The report says what became of the last try: the bank declined it, or it was refused before the bank was asked
        // (a control, or a text no longer read), which its own reply explained.
        string text = texts.Format(
            before?.State == TopUpState.Rejected ? "renewal.failed.refused" : "renewal.failed",
            language,
            ("target", due.Label),
            ("package", package.Name),
            ("bank", bank.Name),
            ("n", made.ToString(CultureInfo.InvariantCulture)),
            ("start", bank.Renewal.StartText + " " + renewal.Text),
            ("shortCode", bank.ShortCode));
        string reportId = string.Create(CultureInfo.InvariantCulture, $"renew-failed:{renewal.ServiceAccountId}:{due.Period}:{renewal.Round}");
        if (!await renewals.CloseAsync(due, new RenewalSms(reportId, renewal.Msisdn, bank.ShortCode, text), ct))
        {
            return Step.Nothing;
        }

        LogReported(logger, renewal.ServiceAccountId, made);
        return Step.Reported;
    }

    /// <summary>A renewal that can no longer be made is ended, with the SMS that says why; nothing is charged.</summary>
    private async Task<Step> EndAsync(RenewalDue due, Bank bank, Language language, string why, CancellationToken ct)
    {
        Renewal renewal = due.Renewal;
        string text = texts.Format(why, language, ("target", due.Label), ("bank", bank.Name), ("start", bank.Renewal.StartText));
        string id = string.Create(CultureInfo.InvariantCulture, $"renew-end:{renewal.ServiceAccountId}:{renewal.SetAt.ToUnixTimeMilliseconds()}");
        if (!await renewals.EndAsync(due, new RenewalSms(id, renewal.Msisdn, bank.ShortCode, text), ct))
        {
            return Step.Nothing;
        }

        LogEnded(logger, renewal.ServiceAccountId, why);
        return Step.Ended;
    }

    private enum Step
    {
        Nothing,
        Reminded,
        Tried,
        Reported,
        Ended,
    }

    [LoggerMessage(EventId = 3501, Level = LogLevel.Information, Message = "Renewal of {Account}: reminded of {Day} at {Cents} cents")]
    private static partial void LogReminded(ILogger logger, string account, DateOnly day, long cents);

    [LoggerMessage(EventId = 3502, Level = LogLevel.Information, Message = "Renewal of {Account}: try {Attempt} is SMS {Id}")]
    private static partial void LogTrying(ILogger logger, string account, int attempt, string id);

    [LoggerMessage(EventId = 3503, Level = LogLevel.Warning, Message = "Renewal of {Account}: given up for this period after {Attempts} tries; the subscriber is told")]
    private static partial void LogReported(ILogger logger, string account, int attempts);

    [LoggerMessage(EventId = 3504, Level = LogLevel.Information, Message = "Renewal of {Account} ended: {Why}")]
    private static partial void LogEnded(ILogger logger, string account, string why);

    [LoggerMessage(EventId = 3505, Level = LogLevel.Error, Message = "Renewal of {Account}: the sweep failed; it is tried again at the next")]
    private static partial void LogFailed(ILogger logger, string account, Exception exception);
}
