using System.Globalization;
using System.Security;
using System.Text;

namespace Mbushja.Testing;

/// <summary>
/// Writes a bank's camt.053 statement or camt.054 notification (versions 001.02 and 001.08) of one account and day, for
/// tests that reconcile one: the structure of docs/statements' samples, with the entries a test asks for. A statement
/// gets opening and closing booked balances that agree with its booked entries.
/// </summary>
/// <param name="message"><c>camt.053.001.08</c>, <c>camt.053.001.02</c>, <c>camt.054.001.08</c> or <c>camt.054.001.02</c>.</param>
public sealed class CamtStatement(string message, string iban, DateOnly day)
{
    private readonly List<string> _entries = [];
    private long _booked;

    private bool Statement => message.StartsWith("camt.053", StringComparison.Ordinal);

    private bool Version8 => message.EndsWith(".08", StringComparison.Ordinal);

    private string Day => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>
    /// One entry of one transaction: <paramref name="cents"/> positive for a credit (a top-up paid in), negative for a
    /// debit (a refund paid out); its hold or refund id in EndToEndId, or text in the remittance information.
    /// </summary>
    public CamtStatement Entry(
        long cents, string? endToEndId = null, string? remittance = null, bool reversal = false, string status = "BOOK", DateOnly? booked = null, string? servicerRef = null)
    {
        var entry = new StringBuilder();
        entry.Append(CultureInfo.InvariantCulture, $"<Ntry><Amt Ccy=\"EUR\">{Amount(cents)}</Amt><CdtDbtInd>{Direction(cents)}</CdtDbtInd>");
        if (reversal)
        {
            entry.Append("<RvslInd>true</RvslInd>");
        }

        entry.Append(Status(status));
        if (status == "BOOK")
        {
            entry.Append(CultureInfo.InvariantCulture, $"<BookgDt><Dt>{(booked ?? day).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}</Dt></BookgDt>");
            _booked += cents;
        }

        entry.Append(CultureInfo.InvariantCulture, $"<ValDt><Dt>{Day}</Dt></ValDt>");
        if (servicerRef is not null)
        {
            entry.Append(CultureInfo.InvariantCulture, $"<AcctSvcrRef>{Xml(servicerRef)}</AcctSvcrRef>");
        }

        entry.Append(TransactionCode(cents));
        if (endToEndId is not null || remittance is not null)
        {
            entry.Append("<NtryDtls>").Append(Transaction(cents, endToEndId, remittance)).Append("</NtryDtls>");
        }

        _entries.Add(entry.Append("</Ntry>").ToString());
        return this;
    }

    /// <summary>One entry holding several transactions (a batch), all credits or all debits.</summary>
    public CamtStatement Batch(params (long Cents, string? EndToEndId, string? Remittance)[] transactions)
    {
        long total = transactions.Sum(t => t.Cents);
        var entry = new StringBuilder();
        entry.Append(CultureInfo.InvariantCulture, $"<Ntry><Amt Ccy=\"EUR\">{Amount(total)}</Amt><CdtDbtInd>{Direction(total)}</CdtDbtInd>{Status("BOOK")}");
        entry.Append(CultureInfo.InvariantCulture, $"<BookgDt><Dt>{Day}</Dt></BookgDt><ValDt><Dt>{Day}</Dt></ValDt>{TransactionCode(total)}<NtryDtls>");
        entry.Append(CultureInfo.InvariantCulture, $"<Btch><NbOfTxs>{transactions.Length}</NbOfTxs><TtlAmt Ccy=\"EUR\">{Amount(total)}</TtlAmt><CdtDbtInd>{Direction(total)}</CdtDbtInd></Btch>");
        foreach ((long cents, string? endToEndId, string? remittance) in transactions)
        {
            entry.Append(Transaction(cents, endToEndId, remittance));
        }

        _booked += total;
        _entries.Add(entry.Append("</NtryDtls></Ntry>").ToString());
        return this;
    }

    /// <summary>The message, one element a line, in UTF-8.</summary>
    public byte[] ToBytes(long openingCents = 100_000) => Encoding.UTF8.GetBytes(ToString(openingCents));

    public override string ToString() => ToString(100_000);

    public string ToString(long openingCents)
    {
        string root = Statement ? "BkToCstmrStmt" : "BkToCstmrDbtCdtNtfctn";
        string report = Statement ? "Stmt" : "Ntfctn";
        var xml = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        xml.Append(CultureInfo.InvariantCulture, $"<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:{message}\">\n<{root}>\n");
        xml.Append(CultureInfo.InvariantCulture, $"<GrpHdr><MsgId>TEST-{Guid.NewGuid():N}</MsgId><CreDtTm>{day.AddDays(1):yyyy-MM-dd}T06:00:00+01:00</CreDtTm></GrpHdr>\n");
        xml.Append(CultureInfo.InvariantCulture, $"<{report}>\n<Id>TEST-{Day}</Id>\n<CreDtTm>{day.AddDays(1):yyyy-MM-dd}T06:00:00+01:00</CreDtTm>\n");
        xml.Append(CultureInfo.InvariantCulture, $"<FrToDt><FrDtTm>{Day}T00:00:00</FrDtTm><ToDtTm>{Day}T23:59:59</ToDtTm></FrToDt>\n");
        xml.Append(CultureInfo.InvariantCulture, $"<Acct><Id><IBAN>{iban}</IBAN></Id><Ccy>EUR</Ccy></Acct>\n");
        if (Statement)
        {
            xml.Append(Balance("OPBD", openingCents)).Append('\n').Append(Balance("CLBD", openingCents + _booked)).Append('\n');
        }

        foreach (string entry in _entries)
        {
            xml.Append(entry).Append('\n');
        }

        return xml.Append(CultureInfo.InvariantCulture, $"</{report}>\n</{root}>\n</Document>\n").ToString();
    }

    private string Transaction(long cents, string? endToEndId, string? remittance)
    {
        var tx = new StringBuilder("<TxDtls>");
        if (endToEndId is not null)
        {
            tx.Append(CultureInfo.InvariantCulture, $"<Refs><EndToEndId>{Xml(endToEndId)}</EndToEndId></Refs>");
        }

        tx.Append(Version8
            ? $"<Amt Ccy=\"EUR\">{Amount(cents)}</Amt><CdtDbtInd>{Direction(cents)}</CdtDbtInd>"
            : $"<AmtDtls><TxAmt><Amt Ccy=\"EUR\">{Amount(cents)}</Amt></TxAmt></AmtDtls>");
        if (remittance is not null)
        {
            tx.Append(CultureInfo.InvariantCulture, $"<RmtInf><Ustrd>{Xml(remittance)}</Ustrd></RmtInf>");
        }

        return tx.Append("</TxDtls>").ToString();
    }

    private string Balance(string type, long cents) =>
        $"<Bal><Tp><CdOrPrtry><Cd>{type}</Cd></CdOrPrtry></Tp><Amt Ccy=\"EUR\">{Amount(cents)}</Amt><CdtDbtInd>{Direction(cents)}</CdtDbtInd><Dt><Dt>{Day}</Dt></Dt></Bal>";

    private string Status(string code) => Version8 ? $"<Sts><Cd>{code}</Cd></Sts>" : $"<Sts>{code}</Sts>";

    private static string TransactionCode(long cents) =>
        $"<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>{(cents < 0 ? "ICDT" : "RCDT")}</Cd><SubFmlyCd>BOOK</SubFmlyCd></Fmly></Domn></BkTxCd>";

    private static string Amount(long cents) => string.Create(CultureInfo.InvariantCulture, $"{Math.Abs(cents) / 100}.{Math.Abs(cents) % 100:00}");

    private static string Direction(long cents) => cents < 0 ? "DBIT" : "CRDT";

    private static string Xml(string text) => SecurityElement.Escape(text);
}
