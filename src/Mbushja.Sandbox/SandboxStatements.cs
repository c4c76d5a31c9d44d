using System.Globalization;
using System.Text;
using System.Xml;
using Mbushja.Domain;

namespace Mbushja.Sandbox;

/// <summary>
/// A sandbox bank's end-of-day statement of the operator's settlement account, written as the bank would send it, from
/// what the sandbox booked (<see cref="SandboxBank.BookingsOf"/>): one entry per capture paid in and per refund paid
/// out, each with the platform's id (hold id, refund id) and the text sent with it. In the bank statement CSV
/// (docs/bank-statement-csv.md) and in ISO 20022 camt.053.001.08 (docs/bank-statement-camt.md), so that the demo's
/// settled day reconciles from either.
/// </summary>
public static class SandboxStatements
{
    /// <summary>The ISO 20022 message the sandbox writes.</summary>
    public const string CamtMessage = "camt.053.001.08";

    /// <summary>The CSV: <c>reference,date,amount,description</c>, one line per booking, CRLF.</summary>
    public static string Csv(DateOnly day, IEnumerable<SandboxBooking> bookings)
    {
        ArgumentNullException.ThrowIfNull(bookings);
        var csv = new StringBuilder("reference,date,amount,description\r\n");
        foreach (SandboxBooking b in bookings)
        {
            csv.Append(CultureInfo.InvariantCulture, $"{Field(b.Id)},{Day(day)},{b.Amount.ToDecimalString()},{Field(b.Reference)}\r\n");
        }

        return csv.ToString();
    }

    /// <summary>
    /// The camt.053.001.08 statement of <paramref name="account"/> for the operator-local <paramref name="day"/>: its
    /// period, the booked opening and closing balances (<paramref name="opening"/> and what the day's bookings made of it)
    /// and one booked entry per booking, its id in <c>EndToEndId</c> and its text in the remittance information.
    /// </summary>
    public static string Camt053(string bankCode, Iban account, DateOnly day, OperatorClock clock, Money opening, IReadOnlyList<SandboxBooking> bookings)
    {
        ArgumentNullException.ThrowIfNull(clock);
        ArgumentNullException.ThrowIfNull(bookings);
        (DateTimeOffset from, DateTimeOffset to) = clock.DayBounds(day);
        string stamp = day.ToString("yyyyMMdd", CultureInfo.InvariantCulture);
        string created = Local(clock, to.AddHours(6));
        Money net = bookings.Aggregate(Money.Zero, (sum, b) => sum + b.Amount);

        var text = new StringBuilder();
        var settings = new XmlWriterSettings { Indent = true, IndentChars = "  ", Encoding = new UTF8Encoding(false), NewLineChars = "\n" };
        using (var xml = XmlWriter.Create(new StringWriterUtf8(text), settings))
        {
            xml.WriteStartDocument();
            xml.WriteComment($" The end-of-day statement of the operator's settlement account at {bankCode}, written by the SANDBOX bank from its own bookings (README \"Demo data\"). ");
            xml.WriteStartElement("Document", "urn:iso:std:iso:20022:tech:xsd:" + CamtMessage);
            xml.WriteStartElement("BkToCstmrStmt");
            xml.WriteStartElement("GrpHdr");
            xml.WriteElementString("MsgId", $"{bankCode}-STMT-{stamp}");
            xml.WriteElementString("CreDtTm", created);
            xml.WriteEndElement();
            xml.WriteStartElement("Stmt");
            xml.WriteElementString("Id", $"{bankCode}-{stamp}");
            xml.WriteElementString("CreDtTm", created);
            xml.WriteStartElement("FrToDt");
            xml.WriteElementString("FrDtTm", Local(clock, from));
            xml.WriteElementString("ToDtTm", Local(clock, to.AddSeconds(-1)));
            xml.WriteEndElement();
            xml.WriteStartElement("Acct");
            xml.WriteStartElement("Id");
            xml.WriteElementString("IBAN", account.Value);
            xml.WriteEndElement();
            xml.WriteElementString("Ccy", Money.Currency);
            xml.WriteEndElement();
            Balance(xml, "OPBD", opening, day);
            Balance(xml, "CLBD", opening + net, day);
            xml.WriteStartElement("TxsSummry");
            xml.WriteStartElement("TtlNtries");
            xml.WriteElementString("NbOfNtries", bookings.Count.ToString(CultureInfo.InvariantCulture));
            xml.WriteElementString("Sum", bookings.Aggregate(Money.Zero, (sum, b) => sum + Abs(b.Amount)).ToDecimalString());
            xml.WriteStartElement("TtlNetNtry");
            xml.WriteElementString("Amt", Abs(net).ToDecimalString());
            xml.WriteElementString("CdtDbtInd", Direction(net));
            xml.WriteEndElement();
            xml.WriteEndElement();
            xml.WriteEndElement();
            for (int i = 0; i < bookings.Count; i++)
            {
                Entry(xml, clock, day, $"{bankCode}{stamp}{i + 1:D8}", i + 1, bookings[i]);
            }

            xml.WriteEndElement();
            xml.WriteEndElement();
            xml.WriteEndElement();
            xml.WriteEndDocument();
        }

        return text.Append('\n').ToString();
    }

    private static void Entry(XmlWriter xml, OperatorClock clock, DateOnly day, string servicerRef, int n, SandboxBooking booking)
    {
        xml.WriteStartElement("Ntry");
        xml.WriteElementString("NtryRef", n.ToString(CultureInfo.InvariantCulture));
        Amount(xml, booking.Amount);
        xml.WriteElementString("CdtDbtInd", Direction(booking.Amount));
        xml.WriteStartElement("Sts");
        xml.WriteElementString("Cd", "BOOK");
        xml.WriteEndElement();
        xml.WriteStartElement("BookgDt");
        xml.WriteElementString("DtTm", Local(clock, booking.At));
        xml.WriteEndElement();
        xml.WriteStartElement("ValDt");
        xml.WriteElementString("Dt", Day(day));
        xml.WriteEndElement();
        xml.WriteElementString("AcctSvcrRef", servicerRef);
        xml.WriteStartElement("BkTxCd");
        xml.WriteStartElement("Domn");
        xml.WriteElementString("Cd", "PMNT");
        xml.WriteStartElement("Fmly");
        // Received credit transfer (a capture paid in), issued credit transfer (a refund paid out).
        xml.WriteElementString("Cd", booking.Amount < Money.Zero ? "ICDT" : "RCDT");
        xml.WriteElementString("SubFmlyCd", "BOOK");
        xml.WriteEndElement();
        xml.WriteEndElement();
        xml.WriteEndElement();
        xml.WriteStartElement("NtryDtls");
        xml.WriteStartElement("TxDtls");
        xml.WriteStartElement("Refs");
        xml.WriteElementString("AcctSvcrRef", servicerRef);
        xml.WriteElementString("EndToEndId", booking.Id);
        xml.WriteEndElement();
        Amount(xml, booking.Amount);
        xml.WriteElementString("CdtDbtInd", Direction(booking.Amount));
        if (booking.Reference.Length > 0)
        {
            xml.WriteStartElement("RmtInf");
            xml.WriteElementString("Ustrd", booking.Reference);
            xml.WriteEndElement();
        }

        xml.WriteEndElement();
        xml.WriteEndElement();
        xml.WriteEndElement();
    }

    private static void Balance(XmlWriter xml, string type, Money amount, DateOnly day)
    {
        xml.WriteStartElement("Bal");
        xml.WriteStartElement("Tp");
        xml.WriteStartElement("CdOrPrtry");
        xml.WriteElementString("Cd", type);
        xml.WriteEndElement();
        xml.WriteEndElement();
        Amount(xml, amount);
        xml.WriteElementString("CdtDbtInd", Direction(amount));
        xml.WriteStartElement("Dt");
        xml.WriteElementString("Dt", Day(day));
        xml.WriteEndElement();
        xml.WriteEndElement();
    }

    private static void Amount(XmlWriter xml, Money amount)
    {
        xml.WriteStartElement("Amt");
        xml.WriteAttributeString("Ccy", Money.Currency);
        xml.WriteString(Abs(amount).ToDecimalString());
        xml.WriteEndElement();
    }

    private static Money Abs(Money amount) => amount < Money.Zero ? -amount : amount;

    private static string Direction(Money amount) => amount < Money.Zero ? "DBIT" : "CRDT";

    private static string Day(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static string Local(OperatorClock clock, DateTimeOffset instant) =>
        TimeZoneInfo.ConvertTime(instant, clock.Zone).ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);

    /// <summary>RFC 4180: a field with a comma, a quote or a line break is quoted, its quotes doubled.</summary>
    private static string Field(string text) =>
        text.AsSpan().IndexOfAny(",\"\r\n") < 0 ? text : "\"" + text.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    /// <summary>A <see cref="StringWriter"/> that says UTF-8, so that the declaration says what the file is.</summary>
    private sealed class StringWriterUtf8(StringBuilder text) : StringWriter(text, CultureInfo.InvariantCulture)
    {
        public override Encoding Encoding { get; } = new UTF8Encoding(false);
    }
}
