using System.Data.Common;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using CsvHelper;
using Mbushja.Banks.Statements;
using Mbushja.Domain;
using Mbushja.Sms;
using Mbushja.Storage;
using Mbushja.Storage.Commits;

namespace Mbushja.TopUp;

/// <summary>Why a statement was refused (then nothing was recorded): the line (1 = the header) and field to blame.</summary>
public sealed record ReconciliationError(string Code, string Message, long? Line = null, string? Field = null);

/// <summary>One reference in a reconciliation: what the platform and the bank each say about it.</summary>
/// <param name="Reference">The statement's reference: a transaction id (= hold id), or a refund id (<c>rf-</c> + it).</param>
/// <param name="Kind">The platform's line kind (<see cref="SettlementKinds"/>), when the platform has the reference.</param>
/// <param name="Platform">The platform's amount: positive for a top-up, negative for a reversal's refund.</param>
/// <param name="Bank">The statement's amount.</param>
/// <param name="StatementLine">The line of the statement (CSV: 1 = the header; camt: its first TxDtls, or its Ntry without one).</param>
/// <remarks>Recorded as JSON with its report: the amounts keep their names there, as integer cents.</remarks>
public sealed record ReconciliationItem(
    string Reference,
    string? Kind,
    [property: JsonPropertyName("platformCents"), JsonConverter(typeof(MoneyCentsJsonConverter))] Money? Platform,
    [property: JsonPropertyName("bankCents"), JsonConverter(typeof(MoneyCentsJsonConverter))] Money? Bank,
    long? StatementLine);

/// <summary>
/// A statement checked against the platform's settlement of the same bank and day: <see cref="Matched"/> (same
/// reference, same amount), <see cref="MissingAtBank"/> (the platform's, not on the statement),
/// <see cref="MissingHere"/> (on the statement, unknown to the platform), <see cref="Mismatched"/> (both, amounts differ).
/// </summary>
/// <param name="StatementLines">The statement's lines (CSV), or its booked transactions after those of one reference are summed (camt).</param>
/// <param name="Format">What was read: <c>csv</c>, or the ISO 20022 message (<c>camt.053.001.08</c>).</param>
public sealed record ReconciliationReport(
    string Id,
    string BankCode,
    DateOnly Date,
    string UploadedBy,
    DateTimeOffset UploadedAt,
    int StatementLines,
    IReadOnlyList<ReconciliationItem> Matched,
    IReadOnlyList<ReconciliationItem> MissingAtBank,
    IReadOnlyList<ReconciliationItem> MissingHere,
    IReadOnlyList<ReconciliationItem> Mismatched,
    string Format = ReconciliationFormats.Csv);

/// <summary>The statement formats reconciliation reads (docs/bank-statement-csv.md, docs/bank-statement-camt.md).</summary>
public static class ReconciliationFormats
{
    public const string Csv = "csv";
}

/// <summary>A statement's movement as reconciliation compares it: Mbushja's reference (or the bank's own), the amount signed
/// (positive: money taken from the customer; negative: given back) and where the statement has it.</summary>
public sealed record StatementLine(string Reference, Money Amount, long Line);

/// <summary>A reconciliation as recorded, without its lines.</summary>
public sealed record ReconciliationSummary(
    string Id, string BankCode, DateOnly Date, string UploadedBy, DateTimeOffset UploadedAt, int StatementLines, int Matched, int MissingAtBank, int MissingHere, int Mismatched);

/// <summary>The report, or why the statement was refused.</summary>
public sealed record ReconciliationOutcome(ReconciliationReport? Report, ReconciliationError? Error)
{
    [MemberNotNullWhen(true, nameof(Report))]
    [MemberNotNullWhen(false, nameof(Error))]
    public bool Succeeded => Report is not null;
}

/// <summary>
/// Reconciliation of a bank's statement of one day, in either format, told apart by its content: the bank's CSV
/// (docs/bank-statement-csv.md) or its ISO 20022 camt.053 statement or camt.054 notification of the operator's settlement
/// account at the bank (docs/bank-statement-camt.md). The statement is read whole and checked first (malformed, of another
/// day or another account, too large: refused with the reason, nothing recorded), then compared with
/// <see cref="Settlements.ForDayAsync"/> of that bank and day, and the report is recorded with who uploaded it.
/// </summary>
public sealed class Reconciliations(
    Database database, CommitQueue commits, Settlements settlements, OperatorClock clock, BankDirectory banks, OperatorConfig config)
{
    /// <summary>The largest CSV statement read: 5 MiB.</summary>
    public const long MaxBytes = 5L * 1024 * 1024;

    /// <summary>The largest camt.053/camt.054 message read: 20 MiB (XML spends some 700 bytes on an entry).</summary>
    public const long MaxXmlBytes = CamtReader.MaxBytes;

    /// <summary>The largest statement of either format: what an upload may carry.</summary>
    public const long MaxAnyBytes = MaxXmlBytes > MaxBytes ? MaxXmlBytes : MaxBytes;

    /// <summary>The most statement lines read, the header aside (camt: transactions).</summary>
    public const int MaxLines = 100_000;

    /// <summary>The columns a statement must have (others are ignored), in any order, names case-insensitive.</summary>
    public static readonly IReadOnlyList<string> RequiredColumns = ["reference", "date", "amount"];

    private static readonly JsonSerializerOptions ReportJson = new(JsonSerializerDefaults.Web);

    /// <summary>
    /// Checks a statement of <paramref name="bankCode"/> and records the report. The day is <paramref name="date"/>; when
    /// none is given, a camt message's own day (its period, else its booking day) and a CSV's today.
    /// </summary>
    public async Task<ReconciliationOutcome> ReconcileAsync(string bankCode, DateOnly? date, Stream statement, string uploadedBy, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(bankCode);
        ArgumentNullException.ThrowIfNull(statement);
        (byte[] bytes, bool over) = await ReadAllAsync(statement, MaxAnyBytes, ct);
        bool xml = CamtReader.LooksLikeXml(bytes);
        if (over || (!xml && bytes.Length > MaxBytes))
        {
            return Refused(TooLarge(xml ? MaxXmlBytes : MaxBytes));
        }

        Settlement settlement;
        List<StatementLine> lines;
        string format;
        if (xml)
        {
            CamtReadResult read = CamtReader.Read(bytes);
            if (!read.Succeeded)
            {
                return Refused(new ReconciliationError(read.Error.Code, read.Error.Message, read.Error.Line, read.Error.Field));
            }

            if (CheckAccount(bankCode, read.Document) is { } wrongAccount)
            {
                return Refused(wrongAccount);
            }

            if (DayOf(read.Document, date, out DateOnly day) is { } wrongDay)
            {
                return Refused(wrongDay);
            }

            settlement = await settlements.ForDayAsync(bankCode, day, ct);
            lines = new StatementReferences(config.Name, settlement.Lines.Select(Reference)).Lines(read.Document);
            format = read.Document.Message.Id;
        }
        else
        {
            DateOnly day = date ?? clock.Today;
            (List<StatementLine>? csv, ReconciliationError? error) = ReadCsv(bytes, day, ct);
            if (error is not null)
            {
                return Refused(error);
            }

            settlement = await settlements.ForDayAsync(bankCode, day, ct);
            lines = csv!;
            format = ReconciliationFormats.Csv;
        }

        ReconciliationReport report = Compare(settlement, lines, uploadedBy, format);
        await RecordAsync(report, ct);
        return new ReconciliationOutcome(report, null);
    }

    /// <summary>The reference the bank knows a settlement line by: a top-up's hold id (its transaction id), a reversal's refund id.</summary>
    public static string Reference(SettlementLine line) =>
        line.Kind == SettlementKinds.Reversal ? TransactionId.FromStored(line.TransactionId).RefundId : line.TransactionId;

    /// <summary>Each statement line against the settlement, by reference (case-insensitive).</summary>
    private ReconciliationReport Compare(Settlement settlement, List<StatementLine> lines, string uploadedBy, string format)
    {
        var expected = new Dictionary<string, (string Kind, Money Amount)>(StringComparer.OrdinalIgnoreCase);
        foreach (SettlementLine line in settlement.Lines)
        {
            expected[Reference(line)] = (line.Kind, line.Amount);
        }

        var matched = new List<ReconciliationItem>();
        var missingHere = new List<ReconciliationItem>();
        var mismatched = new List<ReconciliationItem>();
        foreach (StatementLine line in lines)
        {
            if (!expected.Remove(line.Reference, out (string Kind, Money Amount) platform))
            {
                missingHere.Add(new ReconciliationItem(line.Reference, null, null, line.Amount, line.Line));
                continue;
            }

            var item = new ReconciliationItem(line.Reference, platform.Kind, platform.Amount, line.Amount, line.Line);
            (platform.Amount == line.Amount ? matched : mismatched).Add(item);
        }

        List<ReconciliationItem> missingAtBank = [.. expected.Select(e => new ReconciliationItem(e.Key, e.Value.Kind, e.Value.Amount, null, null))
            .OrderBy(i => i.Reference, StringComparer.Ordinal)];
        return new ReconciliationReport(
            Guid.CreateVersion7().ToString("N"),
            settlement.BankCode,
            settlement.Date,
            uploadedBy,
            clock.UtcNow,
            lines.Count,
            matched,
            missingAtBank,
            missingHere,
            mismatched,
            format);
    }

    /// <summary>Every report of the message must be of the bank's settlement account (its configuration's <c>settlementAccount</c>).</summary>
    private ReconciliationError? CheckAccount(string bankCode, CamtDocument document)
    {
        Bank? bank = banks.ByCode(bankCode);
        if (bank?.SettlementAccount is not { } account)
        {
            return new ReconciliationError(
                ErrorCodes.NoSettlementAccount,
                $"No settlement account is configured for {bankCode} (settlementAccount in its banks/{bankCode}.json), so a statement of an account cannot be checked against it.");
        }

        foreach (CamtReport report in document.Reports)
        {
            if (report.Account.Iban != account)
            {
                return Refuse(
                    ErrorCodes.WrongStatementAccount,
                    $"The statement is of account {report.Account}, not of {bank.Code}'s settlement account {account.Masked}.",
                    report.Line,
                    $"{document.Message.ReportElement}/Acct");
            }
        }

        return null;
    }

    /// <summary>
    /// The one day the message covers, in the operator's time zone: each report's period (a period ending at a midnight
    /// ends the day before) and each booked entry's booking day must be it, and it must be <paramref name="asked"/> when
    /// a day is asked.
    /// </summary>
    private ReconciliationError? DayOf(CamtDocument document, DateOnly? asked, out DateOnly day)
    {
        TimeZoneInfo zone = clock.Zone;
        string r = document.Message.ReportElement;
        DateOnly? found = asked;
        day = default;
        foreach (CamtReport report in document.Reports)
        {
            if (report.Period is not { } period)
            {
                continue;
            }

            DateOnly from = period.From.DayIn(zone), to = period.To.LastDayIn(zone);
            if (from != to)
            {
                return Refuse(
                    ErrorCodes.WrongStatementDay,
                    $"The statement covers {Day(from)} to {Day(to)} ({zone.Id}): a statement is reconciled one day at a time; ask the bank for one per day.",
                    report.Line,
                    $"{r}/FrToDt");
            }

            if (found is { } expected && from != expected)
            {
                return Refuse(ErrorCodes.WrongStatementDay, $"The statement is of {Day(from)}, not of {Day(expected)}{(asked is null ? ", the day of the one before it" : ", the day asked")}.", report.Line, $"{r}/FrToDt");
            }

            found = from;
        }

        foreach (CamtEntry entry in document.Entries.Where(e => e.Status == CamtEntryStatus.Booked))
        {
            DateOnly booked = entry.Booking!.Value.DayIn(zone);
            if (found is { } expected && booked != expected)
            {
                return Refuse(
                    ErrorCodes.WrongStatementDay,
                    $"The entry was booked on {Day(booked)}, not on {Day(expected)}, the statement's day: a statement is reconciled one day at a time.",
                    entry.Line,
                    $"{r}/Ntry/BookgDt");
            }

            found = booked;
        }

        if (found is not { } known)
        {
            return new ReconciliationError(
                ErrorCodes.WrongStatementDay, "The statement names no day (no FrToDt and no booked entry): say which day it is (?date=YYYY-MM-DD).", null, "date");
        }

        day = known;
        return null;

        static string Day(DateOnly d) => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
    }

    private static ReconciliationOutcome Refused(ReconciliationError error) => new(null, error);

    private static ReconciliationError Refuse(string code, string message, long line, string field) => new(code, $"Line {line}: {message}", line, field);

    private static ReconciliationError TooLarge(long limit) =>
        new(ErrorCodes.StatementTooLarge, $"The statement is larger than {limit / (1024 * 1024)} MB; split it by day.");

    /// <summary>The reconciliations of a bank, newest first.</summary>
    public async Task<List<ReconciliationSummary>> ListAsync(string bankCode, int limit = 50, CancellationToken ct = default)
    {
        await using DbConnection connection = await database.OpenAsync(ct);
        await using DbCommand command = connection.Command(
            "SELECT id, bank_code, statement_date, uploaded_by, uploaded_at, lines, matched, missing_at_bank, missing_here, mismatched "
            + $"FROM bank_reconciliations WHERE bank_code = @b ORDER BY uploaded_at DESC, id DESC LIMIT {Math.Clamp(limit, 1, 500)}",
            null,
            ("b", bankCode));
        await using DbDataReader r = await command.ExecuteReaderAsync(ct);
        var list = new List<ReconciliationSummary>();
        while (await r.ReadAsync(ct))
        {
            list.Add(new ReconciliationSummary(
                r.GetString(0),
                r.GetString(1),
                DateOnly.ParseExact(r.GetString(2), "yyyy-MM-dd", CultureInfo.InvariantCulture),
                r.GetString(3),
                DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(4)),
                Int(r, 5),
                Int(r, 6),
                Int(r, 7),
                Int(r, 8),
                Int(r, 9)));
        }

        return list;

        static int Int(DbDataReader r, int i) => Convert.ToInt32(r.GetValue(i), CultureInfo.InvariantCulture);
    }

    private async Task RecordAsync(ReconciliationReport report, CancellationToken ct)
    {
        var insert = CommitStatement.Any(
            "INSERT INTO bank_reconciliations (id, bank_code, statement_date, uploaded_by, uploaded_at, lines, matched, missing_at_bank, missing_here, mismatched, report) "
            + "VALUES (@id, @b, @d, @by, @at, @lines, @m, @mb, @mh, @mm, @report)",
            ("id", report.Id),
            ("b", report.BankCode),
            ("d", report.Date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)),
            ("by", report.UploadedBy),
            ("at", report.UploadedAt.ToUnixTimeMilliseconds()),
            ("lines", report.StatementLines),
            ("m", report.Matched.Count),
            ("mb", report.MissingAtBank.Count),
            ("mh", report.MissingHere.Count),
            ("mm", report.Mismatched.Count),
            ("report", JsonSerializer.Serialize(report, ReportJson)));
        await commits.CommitAsync(insert, Durability.Durable, ct);
    }

    /// <summary>Reads and checks the whole CSV statement; nothing is compared before every line is known good.</summary>
    private static (List<StatementLine>? Lines, ReconciliationError? Error) ReadCsv(byte[] bytes, DateOnly date, CancellationToken ct)
    {
        CsvReaderOptions options = UploadedCsv.Options();

        if (System.Text.Unicode.Utf8.ToUtf16(bytes, new char[bytes.Length], out int valid, out _) != System.Buffers.OperationStatus.Done)
        {
            return (null, Malformed(1 + bytes.AsSpan(0, valid).Count((byte)'\n'), null, "The statement is not UTF-8 text."));
        }

        var lines = new List<StatementLine>();
        var seen = new Dictionary<string, long>(StringComparer.OrdinalIgnoreCase);
        try
        {
            using CsvReader csv = CsvReader.Create(bytes.AsMemory(), options);
            var columns = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (string column in RequiredColumns)
            {
                if (!csv.TryGetFieldIndex(column, out int index))
                {
                    return (null, Malformed(1, column, $"The header has no column '{column}' (it needs {string.Join(", ", RequiredColumns)})."));
                }

                columns[column] = index;
            }

            while (csv.Read())
            {
                ct.ThrowIfCancellationRequested();
                long at = csv.LineNumber;
                if (lines.Count == MaxLines)
                {
                    return (null, new ReconciliationError(
                        ErrorCodes.StatementTooLarge, $"The statement has more than {MaxLines:N0} lines; split it by day.", at));
                }

                string? Field(string name) => columns[name] < csv.FieldCount ? csv.GetString(columns[name]) : null;
                (StatementLine? read, ReconciliationError? error) = ReadLine(Field, at, date);
                if (error is not null)
                {
                    return (null, error);
                }

                if (seen.TryGetValue(read!.Reference, out long first))
                {
                    return (null, Malformed(at, "reference", $"The reference '{read.Reference}' is on line {first} already."));
                }

                seen.Add(read.Reference, at);
                lines.Add(read);
            }
        }
        catch (CsvFormatException e)
        {
            return (null, Malformed(e.LineNumber, null, "The line is not well-formed CSV (RFC 4180): a quote is misplaced or never closed."));
        }

        return (lines, null);
    }

    private static (StatementLine?, ReconciliationError?) ReadLine(Func<string, string?> field, long line, DateOnly date)
    {
        string? reference = field("reference");
        if (string.IsNullOrEmpty(reference))
        {
            return (null, Malformed(line, "reference", "The reference is missing."));
        }

        if (reference.Length > 64)
        {
            return (null, Malformed(line, "reference", "The reference has more than 64 characters."));
        }

        string? day = field("date");
        if (string.IsNullOrEmpty(day))
        {
            return (null, Malformed(line, "date", "The date is missing."));
        }

        if (!DateOnly.TryParseExact(day, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out DateOnly parsed))
        {
            return (null, Malformed(line, "date", $"'{day}' is not a date written YYYY-MM-DD."));
        }

        if (parsed != date)
        {
            return (null, Malformed(line, "date", $"{day} is not the statement's day ({date:yyyy-MM-dd}): a statement covers one day."));
        }

        string? amount = field("amount");
        if (string.IsNullOrEmpty(amount))
        {
            return (null, Malformed(line, "amount", "The amount is missing."));
        }

        // Decimal EUR with a point (a comma would be a separator), at most two decimals; a refund is negative.
        // Money.ParseAmount takes a point or a comma and refuses any sign itself.
        bool negative = amount.StartsWith('-');
        ParseResult<Money> money = Money.ParseAmount(negative ? amount.AsSpan(1) : amount);
        if (!money.Success || amount.Contains(',', StringComparison.Ordinal))
        {
            return (null, Malformed(line, "amount", $"'{amount}' is not an amount in EUR written like 5.00 or -5.00."));
        }

        return (new StatementLine(reference, negative ? -money.Value : money.Value, line), null);
    }

    private static ReconciliationError Malformed(long line, string? field, string message) =>
        new(ErrorCodes.MalformedStatement, field is null ? $"Line {line}: {message}" : $"Line {line}, field '{field}': {message}", line, field);

    /// <summary>
    /// The whole body, or its first <paramref name="limit"/> bytes and true when it is longer (reading stops there), enough
    /// to tell its format by.
    /// </summary>
    private static async Task<(byte[] Bytes, bool Over)> ReadAllAsync(Stream statement, long limit, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        byte[] chunk = new byte[64 * 1024];
        int read;
        while ((read = await statement.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                return (buffer.ToArray(), true);
            }

            buffer.Write(chunk, 0, read);
        }

        return (buffer.ToArray(), false);
    }
}
