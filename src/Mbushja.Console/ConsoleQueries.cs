using System.Data.Common;
using Mbushja.Domain;
using Mbushja.Storage;
using Mbushja.TopUp;

namespace Mbushja.WebConsole;

/// <summary>A count of transactions and their value in cents.</summary>
public readonly record struct Tally(long Count, long ValueCents)
{
    public Tally Add(long count, long cents) => new(checked(Count + count), checked(ValueCents + cents));
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

/// <summary>A USSD payment as the console lists it.</summary>
public sealed record UssdPaymentRow(string Id, string Msisdn, string PackageCode, string Account, long AmountCents, long FeeCents, DateTimeOffset At);

/// <summary>
/// The console's reads that no other part of the platform needs: the dashboard's figures, payments by account, a
/// message by the short reference its reply quotes. Reads only.
/// </summary>
public sealed class ConsoleQueries(Database database)
{
    /// <summary>States of a message whose credits are committed (the capture may still be on its way).</summary>
    private static readonly string[] Succeeded = [TopUpStates.Completed, TopUpStates.Credited];

    /// <summary>The figures of SPEC-issue 6 item 2 for [from, to).</summary>
    public async Task<PeriodFigures> FiguresAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken ct = default)
    {
        (string, object?)[] range = [("from", from.ToUnixTimeMilliseconds()), ("to", to.ToUnixTimeMilliseconds())];
        var sms = new Tally();
        var byBank = new SortedDictionary<string, Tally>(StringComparer.Ordinal);
        var refusals = new SortedDictionary<string, long>(StringComparer.Ordinal);
        long all = 0, inProgress = 0;
        await using DbConnection connection = await database.OpenAsync(ct);
        await using (DbCommand command = connection.Command(
            "SELECT bank_code, state, code, COUNT(*), COALESCE(SUM(amount), 0) FROM sms_transactions "
            + "WHERE received_at >= @from AND received_at < @to GROUP BY bank_code, state, code",
            null,
            range))
        await using (DbDataReader r = await command.ExecuteReaderAsync(ct))
        {
            while (await r.ReadAsync(ct))
            {
                string bank = r.GetNullableString(0) ?? "-";
                string state = r.GetString(1);
                long count = r.GetInt64(3), cents = r.GetInt64(4);
                all += count;
                if (Succeeded.Contains(state))
                {
                    sms = sms.Add(count, cents);
                    byBank[bank] = byBank.GetValueOrDefault(bank).Add(count, cents);
                }
                else if (TopUpStates.IsUnfinished(state))
                {
                    inProgress += count;
                }
                else
                {
                    string reason = r.GetNullableString(2) ?? state.ToUpperInvariant();
                    refusals[reason] = refusals.GetValueOrDefault(reason) + count;
                }
            }
        }

        Tally ussd;
        await using (DbCommand command = connection.Command(
            "SELECT COUNT(*), COALESCE(SUM(amount + fee), 0) FROM ussd_payments WHERE created_at >= @from AND created_at < @to", null, range))
        await using (DbDataReader r = await command.ExecuteReaderAsync(ct))
        {
            await r.ReadAsync(ct);
            ussd = new Tally(r.GetInt64(0), r.GetInt64(1));
        }

        return new PeriodFigures(from, to, sms, ussd, byBank, all, inProgress, refusals);
    }

    /// <summary>The message a short reference (the last 8 characters of its id, as replies quote it) or a whole id names.</summary>
    public async Task<string?> FindTransactionIdAsync(string reference, CancellationToken ct = default)
    {
        string text = reference.Trim().ToLowerInvariant();
        if (text.Length is < 8 or > 64 || !text.All(char.IsAsciiLetterOrDigit))
        {
            return null;
        }

        await using DbConnection connection = await database.OpenAsync(ct);
        // The expression is the one ix_sms_transactions_ref indexes.
        await using DbCommand command = connection.Command(
            "SELECT id FROM sms_transactions WHERE id = @id OR substr(id, length(id) - 7) = @ref ORDER BY received_at DESC LIMIT 1",
            null,
            ("id", text),
            ("ref", text.Length == 8 ? text : "-"));
        return await command.ExecuteScalarAsync(ct) as string;
    }

    /// <summary>USSD payments made for a service account, newest first.</summary>
    public Task<IReadOnlyList<UssdPaymentRow>> PaymentsForAccountAsync(string serviceAccountId, int limit, CancellationToken ct = default) =>
        PaymentsAsync("service_account_id", serviceAccountId, limit, ct);

    /// <summary>USSD payments made by a number, newest first.</summary>
    public Task<IReadOnlyList<UssdPaymentRow>> PaymentsByAsync(Msisdn msisdn, int limit, CancellationToken ct = default) =>
        PaymentsAsync("msisdn", msisdn.E164, limit, ct);

    private async Task<IReadOnlyList<UssdPaymentRow>> PaymentsAsync(string column, string value, int limit, CancellationToken ct)
    {
        await using DbConnection connection = await database.OpenAsync(ct);
        await using DbCommand command = connection.Command(
            $"SELECT id, msisdn, package_code, account, amount, fee, created_at FROM ussd_payments WHERE {column} = @v "
            + $"ORDER BY created_at DESC, id DESC LIMIT {Math.Clamp(limit, 1, 500)}",
            null,
            ("v", value));
        await using DbDataReader r = await command.ExecuteReaderAsync(ct);
        var rows = new List<UssdPaymentRow>();
        while (await r.ReadAsync(ct))
        {
            rows.Add(new UssdPaymentRow(
                r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetInt64(4), r.GetInt64(5), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(6))));
        }

        return rows;
    }
}
