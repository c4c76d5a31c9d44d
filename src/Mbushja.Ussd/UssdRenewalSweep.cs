using System.Globalization;
using Mbushja.Accounts;
using Mbushja.Domain;
using Mbushja.Ledger;
using Mbushja.Messaging;
using Microsoft.Extensions.Logging;

namespace Mbushja.Ussd;

/// <summary>What one sweep of the USSD renewals did.</summary>
/// <param name="Paid">Tries that paid a period.</param>
/// <param name="Refused">Tries refused (not enough credit, the once-a-month rule): tried again later, or reported.</param>
public sealed record UssdRenewalSweepResult(int Reminded, int Paid, int Refused, int Reported, int Ended)
{
    public static UssdRenewalSweepResult None { get; } = new(0, 0, 0, 0, 0);
}

/// <summary>
/// Reminds, renews and reports the automatic renewals set in <c>*101#</c> (docs/design/renewals.md, "From mobile
/// credit"), run with the SMS ones' sweep on every server. A try is a payment from the payer's credit through
/// <see cref="UssdPayments"/>, as a confirmed one, under an id made of the account, the period, the round and the try,
/// and made only while the account is still paid until that period: two servers, or a crash, pay a period once.
/// </summary>
public sealed partial class UssdRenewalSweep(
    UssdRenewals renewals,
    UssdPayments payments,
    UssdEngine engine,
    OperatorConfig config,
    OperatorClock clock,
    ILogger<UssdRenewalSweep> logger,
    CatalogChanges? prices = null,
    OutboxSignal? outbox = null)
{
    /// <summary>The least notice a reminder gives before its charge when it went out late or told of a higher amount.</summary>
    public static readonly TimeSpan MinNotice = TimeSpan.FromDays(1);

    /// <summary>Renewals looked at per sweep.</summary>
    public const int Batch = 500;

    private UssdMenu Menu => engine.Menu;

    private UssdSettings Settings => engine.Menu.Settings;

    /// <summary>Looks at every USSD renewal within its reminder's days of its due date, and does what is due.</summary>
    public async Task<UssdRenewalSweepResult> RunAsync(CancellationToken ct = default)
    {
        // A local day is at most 25 hours: paid-until days later than this are not within the reminder's days.
        DateTimeOffset horizon = clock.UtcNow + TimeSpan.FromHours(25 * (Settings.RenewalReminderDays + 1));
        var counts = new int[5];
        foreach (UssdRenewalDue due in await renewals.DueAsync(horizon, Batch, ct))
        {
            try
            {
                foreach (Step step in await OneAsync(due, ct))
                {
                    counts[(int)step]++;
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

        return new UssdRenewalSweepResult(counts[0], counts[1], counts[2], counts[3], counts[4]);
    }

    private async Task<Step[]> OneAsync(UssdRenewalDue due, CancellationToken ct)
    {
        UssdRenewal renewal = due.Renewal;
        Language language = due.Language ?? config.DefaultLanguage;
        DateTimeOffset now = clock.UtcNow;
        Package? package = config.Catalog.UssdPackages.FirstOrDefault(p => p.Code == renewal.PackageCode && p.Price is not null);
        if (!due.AccountExists || package is null)
        {
            return await EndAsync(due, package, language, ct);
        }

        if (now < RenewalCalendar.RemindAt(clock, due.PaidUntil, Settings.RenewalReminderDays))
        {
            return [];
        }

        DateTimeOffset chargeAt = RenewalCalendar.ChargeAt(clock, due.PaidUntil);
        DateOnly dueDay = now >= chargeAt ? clock.Today : clock.LocalDate(chargeAt);
        if ((prices?.Current.PriceOn(package, dueDay) ?? package.Price) is not { } price)
        {
            return await EndAsync(due, package, language, ct);
        }

        Money fee = prices?.Current.FeeOn(dueDay) ?? config.Catalog.Fees.FeeOn(dueDay);
        var quote = new Quote(package, renewal.ServiceAccountId, due.Label, price, fee, ByAmount: false);
        bool told = renewal.NotifiedFor == due.Period && renewal.NotifiedAmount >= quote.Total;
        if (!told)
        {
            return await RemindAsync(due, quote, dueDay, language, ct);
        }

        return now < chargeAt || now < renewal.NotifiedAt + MinNotice ? [] : await TryAsync(due, quote, language, ct);
    }

    /// <summary>The reminder: the amount on the due day, the day, and how to stop it in the menu.</summary>
    private async Task<Step[]> RemindAsync(UssdRenewalDue due, Quote quote, DateOnly day, Language language, CancellationToken ct)
    {
        UssdRenewal renewal = due.Renewal;
        string text = Menu.Text(
            "renewal.reminder",
            language,
            [.. Values(quote), ("due", MessageFormat.Date(day)), ("stop", Settings.ServiceCode + " > " + Menu.Text("autopay", language))]);
        string id = string.Create(CultureInfo.InvariantCulture, $"renew-remind:{renewal.ServiceAccountId}:{due.Period}:{quote.Total.Cents}");
        if (!await renewals.NotifyAsync(due, quote.Total, new RenewalText(id, renewal.Msisdn, Settings.ReceiptSender, text), ct))
        {
            return [];
        }

        LogReminded(logger, renewal.ServiceAccountId, day, quote.Total.Cents);
        return [Step.Reminded];
    }

    /// <summary>
    /// The period's next try, once the one before was refused <see cref="UssdSettings.RenewalRetry"/> ago: paid, or
    /// refused and recorded; after <see cref="UssdSettings.RenewalAttempts"/> refusals the period is given up and reported.
    /// </summary>
    private async Task<Step[]> TryAsync(UssdRenewalDue due, Quote quote, Language language, CancellationToken ct)
    {
        UssdRenewal renewal = due.Renewal;
        bool before = renewal.TriedFor == due.Period;
        int attempt = before ? renewal.Tries + 1 : 1;
        if (attempt > Settings.RenewalAttempts)
        {
            // Refused as often as allowed, and not yet reported (a crash between the two).
            return await ReportAsync(due, quote, renewal.TriedCode, language, ct);
        }

        if (before && clock.UtcNow < renewal.TriedAt + Settings.RenewalRetry)
        {
            return [];
        }

        var charge = new RenewalCharge(
            UssdRenewals.TryId(renewal.ServiceAccountId, due.Period, renewal.Round, attempt),
            config.Numbering.ParseMsisdn(renewal.Msisdn).Value,
            due.Period);
        // The path of a confirmed payment: credit → package and fee, paid-until, the payment's row, the receipt SMS.
        Payment payment = await payments.PayRenewalAsync(
            charge, quote, Settings.OncePerMonth, Settings.ReceiptSender, facts => UssdService.TextsOf(engine, clock, language, facts), ct);
        LedgerOutcome outcome = payment.Outcome;
        if (outcome.Status == LedgerStatus.Committed)
        {
            LogPaid(logger, renewal.ServiceAccountId, attempt, charge.Id, quote.Total.Cents);
            return [Step.Paid];
        }

        string code = outcome.Error?.Code ?? "";
        if (outcome.Succeeded || code == UssdPayments.PeriodPaid)
        {
            // Paid by another server's same try, or the period was paid meanwhile.
            return [];
        }

        if (code is not (LedgerErrorCodes.InsufficientFunds or UssdPayments.AlreadyPaid))
        {
            // Not the payer's doing (a conflict with another server's same try, a database fault): not counted as a try,
            // nor reported as one; the next sweep looks again.
            LogUnexpected(logger, renewal.ServiceAccountId, attempt, code, outcome.Error?.Message);
            return [];
        }

        if (!await renewals.RefusedAsync(due, attempt, code, ct))
        {
            return [];
        }

        LogRefused(logger, renewal.ServiceAccountId, attempt, code);
        return attempt < Settings.RenewalAttempts
            ? [Step.Refused]
            : [Step.Refused, .. await ReportAsync(due with { Renewal = renewal with { TriedFor = due.Period, Tries = attempt } }, quote, code, language, ct)];
    }

    /// <summary>Gives the period up with an SMS that says why; nothing was charged.</summary>
    private async Task<Step[]> ReportAsync(UssdRenewalDue due, Quote quote, string code, Language language, CancellationToken ct)
    {
        UssdRenewal renewal = due.Renewal;
        string text = Menu.Text(
            code == UssdPayments.AlreadyPaid ? "renewal.failed.month" : "renewal.failed",
            language,
            [.. Values(quote), ("n", Settings.RenewalAttempts.ToString(CultureInfo.InvariantCulture)), ("code", Settings.ServiceCode)]);
        string id = string.Create(CultureInfo.InvariantCulture, $"renew-failed:{renewal.ServiceAccountId}:{due.Period}:{renewal.Round}");
        if (!await renewals.CloseAsync(due, new RenewalText(id, renewal.Msisdn, Settings.ReceiptSender, text), ct))
        {
            return [];
        }

        LogReported(logger, renewal.ServiceAccountId, Settings.RenewalAttempts, code);
        return [Step.Reported];
    }

    /// <summary>A renewal whose account or package is gone is ended, with the SMS that says so; nothing is charged.</summary>
    private async Task<Step[]> EndAsync(UssdRenewalDue due, Package? package, Language language, CancellationToken ct)
    {
        UssdRenewal renewal = due.Renewal;
        string text = Menu.Text(
            "renewal.ended", language, ("package", package?.Name ?? config.Catalog.Find(renewal.PackageCode)?.Name ?? renewal.PackageCode), ("account", due.Label));
        string id = string.Create(CultureInfo.InvariantCulture, $"renew-end:{renewal.ServiceAccountId}:{renewal.SetAt.ToUnixTimeMilliseconds()}");
        if (!await renewals.EndAsync(due, new RenewalText(id, renewal.Msisdn, Settings.ReceiptSender, text), ct))
        {
            return [];
        }

        LogEnded(logger, renewal.ServiceAccountId);
        return [Step.Ended];
    }

    private static (string Name, string Value)[] Values(Quote quote) =>
    [
        ("package", quote.Package.Name),
        ("account", quote.Account),
        ("price", quote.Price.ToDecimalString()),
        ("fee", quote.Fee.ToDecimalString()),
        ("total", quote.Total.ToDecimalString()),
    ];

    private enum Step
    {
        Reminded,
        Paid,
        Refused,
        Reported,
        Ended,
    }

    [LoggerMessage(EventId = 4331, Level = LogLevel.Information, Message = "USSD renewal of {Account}: reminded of {Day} at {Cents} cents")]
    private static partial void LogReminded(ILogger logger, string account, DateOnly day, long cents);

    [LoggerMessage(EventId = 4332, Level = LogLevel.Information, Message = "USSD renewal of {Account}: try {Attempt} paid {Cents} cents as payment {Id}")]
    private static partial void LogPaid(ILogger logger, string account, int attempt, string id, long cents);

    [LoggerMessage(EventId = 4333, Level = LogLevel.Information, Message = "USSD renewal of {Account}: try {Attempt} refused ({Code})")]
    private static partial void LogRefused(ILogger logger, string account, int attempt, string code);

    [LoggerMessage(EventId = 4334, Level = LogLevel.Warning, Message = "USSD renewal of {Account}: given up for this period after {Attempts} tries ({Code}); the subscriber is told")]
    private static partial void LogReported(ILogger logger, string account, int attempts, string code);

    [LoggerMessage(EventId = 4335, Level = LogLevel.Information, Message = "USSD renewal of {Account} ended: its account or package is gone")]
    private static partial void LogEnded(ILogger logger, string account);

    [LoggerMessage(EventId = 4337, Level = LogLevel.Warning, Message = "USSD renewal of {Account}: try {Attempt} was not made ({Code}: {Message}); the next sweep looks again")]
    private static partial void LogUnexpected(ILogger logger, string account, int attempt, string code, string? message);

    [LoggerMessage(EventId = 4336, Level = LogLevel.Error, Message = "USSD renewal of {Account}: the sweep failed; it is tried again at the next")]
    private static partial void LogFailed(ILogger logger, string account, Exception exception);
}
