using System.Data.Common;
using System.Globalization;
using CsvHelper;
using Mbushja.Domain;
using Mbushja.Storage;

namespace Mbushja.TopUp;

/// <summary>Stable names of a settlement line's kind.</summary>
public static class SettlementKinds
{
    /// <summary>A top-up charged to the bank's customer (money moved: credited or completed).</summary>
    public const string TopUp = "topup";

    /// <summary>A reversal of a top-up, on the day it was asked: its own line, negative.</summary>
    public const string Reversal = "reversal";
}

/// <summary>
/// One line of a bank's settlement: a top-up (positive) or a reversal (negative), with the platform's transaction id,
/// which is the hold id the bank knows (the refund id of a reversal is <c>rf-</c> + it).
/// </summary>
/// <param name="Reference">The short reference the subscriber's reply showed.</param>
/// <param name="Time">When it happened, on the operator's wall clock (received, or reversal asked).</param>
/// <param name="Targets">What was topped up: each target as the subscriber named it, with its amount.</param>
/// <param name="State">A top-up's state (<c>completed</c>, or <c>credited</c> while the capture is pending); a reversal's refund state.</param>
public sealed record SettlementLine(
    string Kind,
    string Reference,
    string TransactionId,
    DateTimeOffset Time,
    string Msisdn,
    Money Amount,
    string Targets,
    string State);

/// <summary>A day's sums. SMS Top Up charges no service fee (the service fee is USSD's), so there is no fee column.</summary>
public sealed record SettlementTotals(int TopUpCount, Money TopUpTotal, int ReversalCount, Money ReversalTotal, Money Net);

/// <summary>What the platform charged through one bank on one operator-local day.</summary>
public sealed record Settlement(
    string BankCode, DateOnly Date, string TimeZone, DateTimeOffset From, DateTimeOffset To, SettlementTotals Totals, IReadOnlyList<SettlementLine> Lines);

/// <summary>
/// Settlement per bank per operator-local day (the day is a calendar day in the operator's time zone): the top-ups
/// whose money moved (received that day) and the reversals asked that day as negative lines, oldest first, with totals;
/// and the same as CSV (docs/settlement-csv.md).
/// </summary>
public sealed class Settlements(Database database, OperatorClock clock)
{
    /// <summary>The CSV header, in order: a stable contract (docs/settlement-csv.md).</summary>
    public static readonly IReadOnlyList<string> CsvColumns =
        ["bank", "date", "kind", "reference", "transaction_id", "time", "msisdn", "amount_eur", "targets", "state"];

    public async Task<Settlement> ForDayAsync(string bankCode, DateOnly date, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(bankCode);
        (DateTimeOffset from, DateTimeOffset to) = clock.DayBounds(date);
        var lines = new List<SettlementLine>();
        await using DbConnection connection = await database.OpenAsync(ct);
        await using (DbCommand topUps = connection.Command(
            "SELECT id, msisdn, sender, amount, plan, state, received_at FROM sms_transactions "
            + $"WHERE bank_code = @b AND received_at >= @from AND received_at < @to AND state IN ({TopUpStates.ChargedSql})",
            null,
            ("b", bankCode),
            ("from", from.ToUnixTimeMilliseconds()),
            ("to", to.ToUnixTimeMilliseconds())))
        {
            await ReadAsync(topUps, SettlementKinds.TopUp, 1, lines, ct);
        }

        await using (DbCommand reversals = connection.Command(
            "SELECT t.id, t.msisdn, t.sender, r.amount, t.plan, r.state, r.requested_at FROM sms_reversals r "
            + "JOIN sms_transactions t ON t.id = r.transaction_id WHERE r.bank_code = @b AND r.requested_at >= @from AND r.requested_at < @to",
            null,
            ("b", bankCode),
            ("from", from.ToUnixTimeMilliseconds()),
            ("to", to.ToUnixTimeMilliseconds())))
        {
            await ReadAsync(reversals, SettlementKinds.Reversal, -1, lines, ct);
        }

        lines.Sort((a, b) => a.Time != b.Time ? a.Time.CompareTo(b.Time) : string.CompareOrdinal(a.TransactionId + a.Kind, b.TransactionId + b.Kind));
        List<SettlementLine> topUpLines = lines.FindAll(l => l.Kind == SettlementKinds.TopUp);
        List<SettlementLine> reversalLines = lines.FindAll(l => l.Kind == SettlementKinds.Reversal);
        var totals = new SettlementTotals(topUpLines.Count, Sum(topUpLines), reversalLines.Count, Sum(reversalLines), Sum(lines));
        return new Settlement(bankCode, date, clock.Zone.Id, from, to, totals, lines);
    }

    /// <summary>Writes a settlement as RFC 4180 CSV: the header of <see cref="CsvColumns"/>, one record per line, CRLF.</summary>
    public static async Task WriteCsvAsync(Settlement settlement, TextWriter writer, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(settlement);
        // Fields are data, not formulas: no injection escaping, which would mangle "-5.00" and "+38349...".
        await using CsvWriter csv = CsvWriter.Create(writer, new CsvWriterOptions { NewLine = "\r\n", Quoting = CsvQuoting.WhenNeeded }, leaveOpen: true);
        csv.WriteHeader([.. CsvColumns]);
        string date = settlement.Date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        foreach (SettlementLine line in settlement.Lines)
        {
            ct.ThrowIfCancellationRequested();
            csv.WriteField(settlement.BankCode);
            csv.WriteField(date);
            csv.WriteField(line.Kind);
            csv.WriteField(line.Reference);
            csv.WriteField(line.TransactionId);
            csv.WriteField(line.Time.ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture));
            csv.WriteField(line.Msisdn);
            csv.WriteField(line.Amount.ToDecimalString());
            csv.WriteField(line.Targets);
            csv.WriteField(line.State);
            await csv.EndRecordAsync(ct);
        }

        await csv.FlushAsync(ct);
    }

    private async Task ReadAsync(DbCommand command, string kind, int sign, List<SettlementLine> lines, CancellationToken ct)
    {
        await using DbDataReader r = await command.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            string id = r.GetString(0);
            string? plan = r.GetNullableString(4);
            lines.Add(new SettlementLine(
                kind,
                TransactionId.FromStored(id).ShortRef,
                id,
                TimeZoneInfo.ConvertTime(DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(6)), clock.Zone),
                r.GetNullableString(1) ?? r.GetString(2),
                Money.FromCents(r.GetNullableInt64(3) ?? 0) * sign,
                plan is null ? "" : Targets(TopUpPlanner.Deserialize(plan)),
                r.GetString(5)));
        }
    }

    private static Money Sum(List<SettlementLine> lines) => lines.Aggregate(Money.Zero, (sum, l) => sum + l.Amount);

    /// <summary><c>049123456 5.00; valon INTERNET_1 14.90</c>.</summary>
    private static string Targets(TopUpPlan plan) => string.Join(
        "; ",
        plan.Credits.Select(c => c.PackageCode is null
            ? $"{c.Target} {c.Amount.ToDecimalString()}"
            : $"{c.Target} {c.PackageCode} {c.Amount.ToDecimalString()}"));
}
