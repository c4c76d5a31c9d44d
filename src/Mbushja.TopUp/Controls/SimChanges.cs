using System.Data.Common;
using System.Globalization;
using CsvHelper;
using Mbushja.Domain;
using Mbushja.Messaging;
using Mbushja.Sms;
using Mbushja.Storage;
using Mbushja.Storage.Commits;
using Microsoft.Extensions.Logging;

namespace Mbushja.TopUp;

/// <summary>A SIM change the operator reported: the number, when its SIM changed, when and how it was reported.</summary>
public sealed record SimChange(Msisdn Msisdn, DateTimeOffset ChangedAt, DateTimeOffset RecordedAt, string Source);

/// <summary>One reported change as recorded: new, or known already (the same number and instant); holders told.</summary>
public sealed record SimChangeRecorded(Msisdn Msisdn, DateTimeOffset ChangedAt, bool New, int HoldersNotified);

/// <summary>A line of a bulk report that cannot be taken, and why (nothing of the report is then recorded).</summary>
public sealed record SimChangeError(string Code, string Message, string? Field, long? Line = null);

/// <summary>Where SMS Top Up from a number stands at one bank after its SIM changed.</summary>
public sealed record SimPause(string BankCode, DateTimeOffset Until);

/// <summary>
/// The SIM changes an operator reports (<c>POST /api/v1/sim-changes</c>, one or a CSV of many: its provisioning's hook).
/// SMS Top Up from a number whose SIM changed within a bank's cool-down is refused (<see cref="TopUpControls"/>); when
/// the number is an authorised person of a registration, its holder is told by SMS, in the commit that records the
/// change, once per change and registration (docs/design/controls.md).
/// </summary>
public sealed partial class SimChanges(
    CommitQueue commits,
    Database database,
    OperatorClock clock,
    ControlSettings settings,
    BankDirectory banks,
    ReplyTexts texts,
    NumberingPlan numbering,
    OperatorConfig config,
    ILogger<SimChanges> logger)
{
    /// <summary>A change dated after the moment it is reported.</summary>
    public const string InFuture = "CHANGED_AT_IN_FUTURE";

    /// <summary>The most lines a CSV report may have, and the most bytes.</summary>
    public const int MaxLines = 100_000;

    public const int MaxBytes = 5 * 1024 * 1024;

    private const int ChunkSize = 500;

    /// <summary>
    /// Records reported changes (a change known already is not recorded twice, nor its holders told again). Refused
    /// whole when one is dated in the future.
    /// </summary>
    public async Task<(IReadOnlyList<SimChangeRecorded>? Recorded, SimChangeError? Error)> RecordAsync(
        IReadOnlyList<(Msisdn Msisdn, DateTimeOffset? ChangedAt)> changes, string source, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(changes);
        DateTimeOffset now = clock.UtcNow;
        var dated = new List<(Msisdn, DateTimeOffset)>(changes.Count);
        for (int i = 0; i < changes.Count; i++)
        {
            // Stored to the millisecond, like every time.
            DateTimeOffset at = DateTimeOffset.FromUnixTimeMilliseconds((changes[i].ChangedAt ?? now).ToUnixTimeMilliseconds());
            if (at > now)
            {
                return (null, new SimChangeError(
                    InFuture, $"A SIM change cannot be dated in the future ({at:O} is after {now:O}).", changes.Count == 1 ? "changedAt" : $"[{i}].changedAt", changes.Count == 1 ? null : i + 1));
            }

            dated.Add((changes[i].Msisdn, at));
        }

        var recorded = new List<SimChangeRecorded>(dated.Count);
        foreach ((Msisdn, DateTimeOffset)[] chunk in dated.Chunk(ChunkSize))
        {
            var work = new Record(this, chunk, source);
            if (await commits.CommitAsync(work, Durability.Durable, ct) is { } refused)
            {
                throw new InvalidOperationException($"The SIM changes were refused: {refused.Code} {refused.Message}");
            }

            recorded.AddRange(work.Recorded);
        }

        foreach (SimChangeRecorded change in recorded.Where(r => r.New))
        {
            LogRecorded(logger, change.Msisdn.Masked, change.ChangedAt, change.HoldersNotified);
        }

        return (recorded, null);
    }

    /// <summary>
    /// Reads a CSV report (header <c>msisdn,changedAt</c>; changedAt ISO 8601 with its offset, or empty for now): every
    /// line is checked before anything is recorded, and the first bad one refuses the report, named by line and field.
    /// </summary>
    public static (List<(Msisdn Msisdn, DateTimeOffset? ChangedAt)>? Changes, SimChangeError? Error) ReadCsv(byte[] bytes, NumberingPlan numbering, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        ArgumentNullException.ThrowIfNull(numbering);
        if (System.Text.Unicode.Utf8.ToUtf16(bytes, new char[bytes.Length], out _, out _) != System.Buffers.OperationStatus.Done)
        {
            return (null, new SimChangeError(ErrorCodes.MalformedBody, "The report is not UTF-8 text.", null, 1));
        }

        CsvReaderOptions options = UploadedCsv.Options();
        var changes = new List<(Msisdn, DateTimeOffset?)>();
        try
        {
            using CsvReader csv = CsvReader.Create(bytes.AsMemory(), options);
            if (!csv.TryGetFieldIndex("msisdn", out int msisdnColumn))
            {
                return (null, new SimChangeError(ErrorCodes.MissingField, "The header has no column 'msisdn' (it needs msisdn, and may have changedat).", "msisdn", 1));
            }

            bool hasDate = csv.TryGetFieldIndex("changedat", out int dateColumn);
            while (csv.Read())
            {
                ct.ThrowIfCancellationRequested();
                long line = csv.LineNumber;
                if (changes.Count == MaxLines)
                {
                    return (null, new SimChangeError(ErrorCodes.BodyTooLarge, $"A report has at most {MaxLines:N0} lines; send several.", null, line));
                }

                string text = msisdnColumn < csv.FieldCount ? csv.GetString(msisdnColumn) : "";
                ParseResult<Msisdn> msisdn = numbering.ParseMsisdn(text);
                if (!msisdn.Success)
                {
                    return (null, new SimChangeError(msisdn.Error.Code, msisdn.Error.Message, "msisdn", line));
                }

                string date = hasDate && dateColumn < csv.FieldCount ? csv.GetString(dateColumn) : "";
                DateTimeOffset? at = null;
                if (date.Length > 0)
                {
                    if (!DateTimeOffset.TryParse(date, CultureInfo.InvariantCulture, DateTimeStyles.None, out DateTimeOffset parsed) || !HasOffset(date))
                    {
                        return (null, new SimChangeError(ErrorCodes.InvalidTime, $"'{date}' is not a time with its offset (2026-12-07T09:30:00+01:00 or ...Z).", "changedAt", line));
                    }

                    at = parsed;
                }

                changes.Add((msisdn.Value, at));
            }
        }
        catch (CsvFormatException e)
        {
            return (null, new SimChangeError(ErrorCodes.MalformedBody, "The line is not well-formed CSV (RFC 4180): a quote is misplaced or never closed.", null, e.LineNumber));
        }

        return (changes, null);
    }

    /// <summary>Whether a time as written names its offset (a time without one would be read in the server's zone).</summary>
    public static bool HasOffset(string text) =>
        text.EndsWith('Z') || text.EndsWith('z') || (text.Length > 6 && text[^6] is '+' or '-' && text[^3] == ':');

    /// <summary>A number's reported changes, newest first, and where SMS Top Up from it stands at each bank it is paused at.</summary>
    public async Task<(IReadOnlyList<SimChange> Changes, IReadOnlyList<SimPause> Paused)> OfAsync(Msisdn msisdn, CancellationToken ct = default)
    {
        await using DbConnection connection = await database.OpenReaderAsync(ct);
        await using DbCommand command = connection.Command(
            "SELECT changed_at, recorded_at, source FROM sms_sim_changes WHERE msisdn = @m ORDER BY changed_at DESC LIMIT 50", null, ("m", msisdn.E164));
        await using DbDataReader r = await command.ExecuteReaderAsync(ct);
        var changes = new List<SimChange>();
        while (await r.ReadAsync(ct))
        {
            changes.Add(new SimChange(msisdn, DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(0)), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(1)), r.GetString(2)));
        }

        return (changes, Paused(changes.Count == 0 ? null : changes[0].ChangedAt));
    }

    /// <summary>The banks at which SMS Top Up is paused now after a SIM change at <paramref name="latest"/>, and until when.</summary>
    public IReadOnlyList<SimPause> Paused(DateTimeOffset? latest)
    {
        if (latest is not { } changed)
        {
            return [];
        }

        DateTimeOffset now = clock.UtcNow;
        return [.. banks.Banks
            .Select(b => new SimPause(b.Code, changed + settings.For(b.Code).SimSwapCoolDown))
            .Where(p => p.Until > now)];
    }

    /// <summary>A chunk of changes, each inserted unless known, and the notices of the new ones, in one transaction.</summary>
    private sealed class Record(SimChanges owner, IReadOnlyList<(Msisdn Msisdn, DateTimeOffset ChangedAt)> changes, string source) : ICommitWork
    {
        public List<SimChangeRecorded> Recorded { get; } = [];

        public async Task<CommitRefusal?> ApplyAsync(CommitContext context, CancellationToken cancellationToken)
        {
            // A batch tried again runs this again: what it says is the last run's.
            Recorded.Clear();
            foreach ((Msisdn msisdn, DateTimeOffset changedAt) in changes)
            {
                bool inserted = await context.ExecuteAsync(
                    "INSERT INTO sms_sim_changes (msisdn, changed_at, recorded_at, source) VALUES (@m, @at, @now, @source) ON CONFLICT DO NOTHING",
                    cancellationToken,
                    ("m", msisdn.E164),
                    ("at", changedAt.ToUnixTimeMilliseconds()),
                    ("now", context.NowMs),
                    ("source", source)) == 1;
                int notified = inserted ? await owner.NotifyHoldersAsync(context, msisdn, changedAt, cancellationToken) : 0;
                Recorded.Add(new SimChangeRecorded(msisdn, changedAt, inserted, notified));
            }

            return null;
        }
    }

    /// <summary>
    /// Tells the holder of every registration the number is an authorised person of (at a bank whose cool-down the
    /// change still falls in) that SMS Top Up from it is paused, from the bank's short code, in the holder's language.
    /// </summary>
    private async Task<int> NotifyHoldersAsync(CommitContext context, Msisdn msisdn, DateTimeOffset changedAt, CancellationToken ct)
    {
        IReadOnlyList<object?[]> rows = await context.QueryAsync(
            "SELECT m.bank_code, r.holder_msisdn, s.language FROM registration_members m JOIN bank_registrations r ON r.id = m.registration_id "
            + "LEFT JOIN subscribers s ON s.msisdn = r.holder_msisdn WHERE m.msisdn = @m AND m.role = 'authorized' ORDER BY m.bank_code",
            ct,
            ("m", msisdn.E164));
        int sent = 0;
        foreach (object?[] row in rows)
        {
            string bankCode = (string)row[0]!;
            DateTimeOffset until = changedAt + settings.For(bankCode).SimSwapCoolDown;
            if (until <= context.Now || banks.ByCode(bankCode) is not { } bank)
            {
                continue;
            }

            Language language = row[2] is string l && DomainNames.ParseLanguage(l).TryGetValue(out Language parsed) ? parsed : config.DefaultLanguage;
            string text = texts.Format(
                "controls.SIM_CHANGED.holder",
                language,
                ("number", numbering.ToNational(msisdn.E164)),
                ("bank", bank.Name),
                ("until", TimeZoneInfo.ConvertTime(until, clock.Zone).ToString("dd.MM.yyyy HH:mm", CultureInfo.InvariantCulture)));
            string id = $"sim:{msisdn.E164}:{changedAt.ToUnixTimeMilliseconds()}:{bankCode}";
            SmsOutbox.Enqueue(context, id, OutboxSources.Notice, (string)row[1]!, bank.ShortCode, text);
            sent++;
        }

        return sent;
    }

    [LoggerMessage(EventId = 3411, Level = LogLevel.Information, Message = "SIM change of {Msisdn} at {ChangedAt:O} recorded; {Holders} holder(s) told")]
    private static partial void LogRecorded(ILogger logger, string msisdn, DateTimeOffset changedAt, int holders);
}
