using Mbushja.Domain;
using Mbushja.TopUp;
using Mbushja.Ussd;

namespace Mbushja.WebConsole;

/// <summary>A count of transactions and their value.</summary>
public readonly record struct Tally(long Count, Money Value)
{
    public Tally Add(long count, Money value) => new(checked(Count + count), Value + value);
}

/// <summary>What the dashboard shows for one period, computed from the recorded messages and payments.</summary>
public sealed record PeriodFigures(
    DateTimeOffset From,
    DateTimeOffset To,
    Tally Sms,
    Tally Ussd,
    IReadOnlyDictionary<string, Tally> ByBank,
    long SmsAll,
    long SmsInProgress,
    IReadOnlyDictionary<string, long> RefusalsByReason)
{
    /// <summary>Successful SMS top-ups among the decided ones, in percent; null when none was decided.</summary>
    public double? SmsSuccessRate => SmsAll - SmsInProgress is var decided and > 0 ? 100.0 * Sms.Count / decided : null;
}

/// <summary>The dashboard's figures, made from what SMS Top Up and USSD each count of their own messages. Reads only.</summary>
public sealed class ConsoleQueries(SmsTransactions sms, UssdPayments ussd)
{
    /// <summary>The dashboard's figures for [from, to).</summary>
    public async Task<PeriodFigures> FiguresAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken ct = default)
    {
        var topUps = new Tally();
        var byBank = new SortedDictionary<string, Tally>(StringComparer.Ordinal);
        var refusals = new SortedDictionary<string, long>(StringComparer.Ordinal);
        long all = 0, inProgress = 0;
        foreach (SmsTally t in await sms.TallyAsync(from, to, ct))
        {
            all += t.Count;
            string bank = t.BankCode ?? "-";
            if (TopUpStates.IsCharged(t.State))
            {
                topUps = topUps.Add(t.Count, t.Value);
                byBank[bank] = byBank.GetValueOrDefault(bank).Add(t.Count, t.Value);
            }
            else if (TopUpStates.IsUnfinished(t.State))
            {
                inProgress += t.Count;
            }
            else
            {
                string reason = t.Code ?? t.State.ToWire().ToUpperInvariant();
                refusals[reason] = refusals.GetValueOrDefault(reason) + t.Count;
            }
        }

        (long count, Money value) = await ussd.TallyAsync(from, to, ct);
        return new PeriodFigures(from, to, topUps, new Tally(count, value), byBank, all, inProgress, refusals);
    }
}
