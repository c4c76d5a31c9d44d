using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Mbushja.Domain;

namespace Mbushja.Banks.Statements;

/// <summary>
/// A camt.053 or camt.054 message as <see cref="CamtReader"/> read it: what reconciliation needs of it, every amount
/// in EUR cents. Lines are the file's (1 = its first line), for messages that name where a problem is.
/// </summary>
/// <param name="MessageId">GrpHdr/MsgId.</param>
/// <param name="Created">GrpHdr/CreDtTm.</param>
/// <param name="Reports">Each Stmt (camt.053) or Ntfctn (camt.054), in the file's order.</param>
public sealed record CamtDocument(CamtMessage Message, string MessageId, CamtDateTime Created, IReadOnlyList<CamtReport> Reports)
{
    /// <summary>Every entry of every report, in the file's order.</summary>
    public IEnumerable<CamtEntry> Entries => Reports.SelectMany(r => r.Entries);
}

/// <summary>One account's statement (Stmt) or notification (Ntfctn).</summary>
/// <param name="Id">Stmt/Id or Ntfctn/Id.</param>
/// <param name="Period">FrToDt, when the bank gave it.</param>
/// <param name="Opening">The opening booked balance (Bal of type OPBD, else PRCD), signed; camt.053 only.</param>
/// <param name="Closing">The closing booked balance (Bal of type CLBD), signed; camt.053 only.</param>
public sealed record CamtReport(
    long Line, string Id, CamtAccount Account, CamtPeriod? Period, CamtBalance? Opening, CamtBalance? Closing, IReadOnlyList<CamtEntry> Entries);

/// <summary>Acct: the account reported on, by IBAN or by another identification, and its currency when given.</summary>
public sealed record CamtAccount(Iban? Iban, string? OtherId, string? Currency)
{
    /// <summary>For messages: the IBAN masked (as logs show it), or the other identification.</summary>
    public override string ToString() => Iban is { } iban ? iban.Masked : $"'{OtherId}'";
}

/// <summary>FrToDt: the period a report covers.</summary>
public sealed record CamtPeriod(CamtDateTime From, CamtDateTime To);

/// <summary>A balance (Bal): its type code, its amount signed (a debit balance is negative) and its date.</summary>
public sealed record CamtBalance(string Type, Money Amount, CamtDateTime Date);

/// <summary>Sts of an entry (ExternalEntryStatus1Code; EntryStatus2Code in version 2).</summary>
public enum CamtEntryStatus
{
    /// <summary>BOOK: on the account. Only booked entries moved money.</summary>
    Booked,

    /// <summary>PDNG: not booked yet.</summary>
    Pending,

    /// <summary>INFO: for information only.</summary>
    Information,

    /// <summary>FUTR: to be booked later (version 8).</summary>
    Future,
}

/// <summary>One entry (Ntry) on the account: a single movement, or a batch of several transactions (TxDtls).</summary>
/// <param name="Amount">Amt signed by CdtDbtInd: positive for a credit (money paid in), negative for a debit.</param>
/// <param name="Reversal">RvslInd: the entry reverses an earlier one (its sign already says which way the money went).</param>
/// <param name="Booking">BookgDt (Dt or DtTm); present on every booked entry.</param>
/// <param name="Value">ValDt.</param>
/// <param name="EntryReference">NtryRef.</param>
/// <param name="ServicerReference">AcctSvcrRef: the bank's own reference of the entry.</param>
/// <param name="AdditionalInfo">AddtlNtryInf.</param>
/// <param name="Transactions">NtryDtls/TxDtls, in the file's order; may be empty (an entry without details).</param>
public sealed record CamtEntry(
    long Line,
    Money Amount,
    bool Reversal,
    CamtEntryStatus Status,
    CamtDateTime? Booking,
    CamtDateTime? Value,
    string? EntryReference,
    string? ServicerReference,
    string? AdditionalInfo,
    IReadOnlyList<CamtTransaction> Transactions);

/// <summary>One transaction (TxDtls) of an entry.</summary>
/// <param name="Amount">
/// Signed like <see cref="CamtEntry.Amount"/>: TxDtls/Amt (version 8) or AmtDtls/TxAmt/Amt, with TxDtls/CdtDbtInd when
/// given, else the entry's direction; an entry's only transaction without an amount has the entry's.
/// </param>
/// <param name="Remittance">RmtInf: each Ustrd, Strd/CdtrRefInf/Ref and Strd/AddtlRmtInf, in the file's order.</param>
/// <param name="AdditionalInfo">AddtlTxInf.</param>
public sealed record CamtTransaction(long Line, Money Amount, CamtRefs Refs, IReadOnlyList<string> Remittance, string? AdditionalInfo);

/// <summary>TxDtls/Refs: the references the parties gave the transaction (<c>NOTPROVIDED</c> reads as none).</summary>
public sealed record CamtRefs(
    string? MessageId = null,
    string? ServicerReference = null,
    string? PaymentInformationId = null,
    string? InstructionId = null,
    string? EndToEndId = null,
    string? TransactionId = null)
{
    public static CamtRefs None { get; } = new();
}

/// <summary>
/// A date, or a date and time, as ISO 20022 writes them: ISODate (<c>2026-03-10</c>), or ISODateTime with a UTC offset
/// (<c>2026-03-10T23:59:59+01:00</c>, <c>…Z</c>) or without one (the bank's local time).
/// </summary>
/// <param name="Value">The date and time as written (midnight for a date).</param>
/// <param name="Offset">The UTC offset written, or null (a date, or a local time).</param>
/// <param name="HasTime">False for an ISODate.</param>
public readonly record struct CamtDateTime(DateTime Value, TimeSpan? Offset, bool HasTime)
{
    /// <summary>The wall-clock time in <paramref name="zone"/>: converted when an offset is written, as written when not.</summary>
    public DateTime LocalIn(TimeZoneInfo zone) =>
        Offset is { } offset && HasTime ? TimeZoneInfo.ConvertTime(new DateTimeOffset(Value, offset), zone).DateTime : Value;

    /// <summary>The calendar day in <paramref name="zone"/>.</summary>
    public DateOnly DayIn(TimeZoneInfo zone) => DateOnly.FromDateTime(LocalIn(zone));

    /// <summary>
    /// The day a period ending here covers last, in <paramref name="zone"/>: an end at a local midnight exactly closes the
    /// day before it (<c>ToDtTm</c> <c>2026-03-11T00:00:00</c> ends 10 March).
    /// </summary>
    public DateOnly LastDayIn(TimeZoneInfo zone)
    {
        DateTime local = LocalIn(zone);
        DateOnly day = DateOnly.FromDateTime(local);
        return HasTime && local.TimeOfDay == TimeSpan.Zero ? day.AddDays(-1) : day;
    }

    /// <summary>Reads an ISODate or an ISODateTime; false when the text is neither.</summary>
    public static bool TryParse(string text, bool withTime, [NotNullWhen(true)] out CamtDateTime? value)
    {
        value = null;
        ReadOnlySpan<char> s = text.AsSpan().Trim();
        TimeSpan? offset = null;
        if (s.EndsWith("Z"))
        {
            offset = TimeSpan.Zero;
            s = s[..^1];
        }
        else if (s.Length > 6 && s[^6] is '+' or '-' && s[^3] == ':')
        {
            if (!TimeSpan.TryParseExact(s[^5..], @"hh\:mm", CultureInfo.InvariantCulture, out TimeSpan o))
            {
                return false;
            }

            offset = s[^6] == '-' ? -o : o;
            s = s[..^6];
        }

        string[] formats = withTime
            ? ["yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF"]
            : ["yyyy-MM-dd"];
        if (!DateTime.TryParseExact(s, formats, CultureInfo.InvariantCulture, DateTimeStyles.None, out DateTime parsed))
        {
            return false;
        }

        value = new CamtDateTime(parsed, offset, withTime);
        return true;
    }

    public override string ToString() => HasTime
        ? Value.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture) + (Offset is { } o ? (o < TimeSpan.Zero ? "-" : "+") + o.ToString(@"hh\:mm", CultureInfo.InvariantCulture) : "")
        : Value.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
