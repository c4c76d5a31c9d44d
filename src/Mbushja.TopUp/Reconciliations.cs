using System.Data.Common;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using CsvHelper;
using Mbushja.Domain;
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
/// <param name="StatementLine">The line of the statement (1 = the header).</param>
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
    IReadOnlyList<ReconciliationItem> Mismatched);

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
/// Reconciliation of a bank's statement (format in docs/bank-statement-csv.md): the bank's CSV of one day, read whole
/// and checked first (a malformed line or field refuses the statement, naming them; too large refuses it before reading
/// on), then compared with <see cref="Settlements.ForDayAsync"/> of that bank and day, and recorded with who uploaded
/// it. Only well-formed statements are recorded.
/// </summary>
public sealed class Reconciliations(Database database, CommitQueue commits, Settlements settlements, OperatorClock clock)
{
    /// <summary>The largest statement read: 5 MiB.</summary>
    public const long MaxBytes = 5L * 1024 * 1024;

    /// <summary>The most statement lines read, the header aside.</summary>
    public const int MaxLines = 100_000;

    /// <summary>The columns a statement must have (others are ignored), in any order, names case-insensitive.</summary>
    public static readonly IReadOnlyList<string> RequiredColumns = ["reference", "date", "amount"];

    private static readonly JsonSerializerOptions ReportJson = new(JsonSerializerDefaults.Web);

    /// <summary>Checks a statement of <paramref name="bankCode"/> for <paramref name="date"/> and records the report.</summary>
    public async Task<ReconciliationOutcome> ReconcileAsync(string bankCode, DateOnly date, Stream statement, string uploadedBy, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(bankCode);
        ArgumentNullException.ThrowIfNull(statement);
        (List<StatementLine>? lines, ReconciliationError? error) = await ReadAsync(statement, date, ct);
        if (error is not null)
        {
            return new ReconciliationOutcome(null, error);
        }

        Settlement settlement = await settlements.ForDayAsync(bankCode, date, ct);
        var expected = new Dictionary<string, (string Kind, Money Amount)>(StringComparer.OrdinalIgnoreCase);
        foreach (SettlementLine line in settlement.Lines)
        {
            // The bank knows a top-up by its hold id (the transaction id), and a reversal by its refund id.
            string reference = line.Kind == SettlementKinds.Reversal ? "rf-" + line.TransactionId : line.TransactionId;
            expected[reference] = (line.Kind, line.Amount);
        }

        var matched = new List<ReconciliationItem>();
        var missingHere = new List<ReconciliationItem>();
        var mismatched = new List<ReconciliationItem>();
        foreach (StatementLine line in lines!)
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
        var report = new ReconciliationReport(
            Guid.CreateVersion7().ToString("N"), bankCode, date, uploadedBy, clock.UtcNow, lines.Count, matched, missingAtBank, missingHere, mismatched);
        await RecordAsync(report, ct);
        return new ReconciliationOutcome(report, null);
    }

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

    /// <summary>Reads and checks the whole statement; nothing is compared before every line is known good.</summary>
    private static async Task<(List<StatementLine>? Lines, ReconciliationError? Error)> ReadAsync(Stream statement, DateOnly date, CancellationToken ct)
    {
        var options = new CsvReaderOptions
        {
            HasHeader = true,
            TrimWhitespace = true,
            NormalizeHeaderName = name => name.Trim().ToLowerInvariant(),
            SkipEmptyLines = true,
            TrackLineNumbers = true,
            MalformedData = CsvMalformedDataHandling.Throw,
            FieldCountMismatch = CsvFieldCountHandling.Allow,
            MissingField = CsvMissingFieldHandling.ReturnEmpty,
        };

        // At most 5 MB, read whole before parsing: the parser then works on memory, never waits on the network.
        byte[]? bytes = await ReadAllAsync(statement, ct);
        if (bytes is null)
        {
            return (null, new ReconciliationError(
                ErrorCodes.StatementTooLarge, $"The statement is larger than {MaxBytes / (1024 * 1024)} MB; split it by day."));
        }

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

    private sealed record StatementLine(string Reference, Money Amount, long Line);

    /// <summary>The whole body, or null when it is over <see cref="MaxBytes"/> (reading stops one byte past it).</summary>
    private static async Task<byte[]?> ReadAllAsync(Stream statement, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        byte[] chunk = new byte[64 * 1024];
        int read;
        while ((read = await statement.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > MaxBytes)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }
}
