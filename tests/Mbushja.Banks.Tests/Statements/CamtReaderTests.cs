using System.Text;
using Mbushja.Banks.Statements;
using Mbushja.Domain;

namespace Mbushja.Banks.Tests.Statements;

/// <summary>
/// <see cref="CamtReader"/> over the sample statements and notifications of docs/statements (both versions of camt.053 and
/// camt.054, written from the message definitions), and over broken ones: one row per break, with the code, the line and
/// the element the refusal must name.
/// </summary>
public sealed class CamtReaderTests
{
    private const string Settlement = "XK372001990000000157";
    private const string A = "019cd6a1f2c87b3e9d41a5b6c7d8e901";
    private const string B = "019cd6a24b0e7a11b3c5d2e4f6a8b012";
    private const string C = "019cd6a3d9e27c4a8f10b2c3d4e5f623";
    private const string D = "019cd6a47a1b7e5c9d21c3d4e5f6a734";
    private const string F = "019cd6a61e657f7f9b43e5f6a7b8c956";

    private static readonly TimeZoneInfo Belgrade = TimeZoneInfo.FindSystemTimeZoneById("Europe/Belgrade");

    public static TheoryData<string, string> Samples => new()
    {
        { "camt.053.001.08-TEB-2026-03-10.xml", "camt.053.001.08" },
        { "camt.053.001.02-TEB-2026-03-10.xml", "camt.053.001.02" },
        { "camt.054.001.08-TEB-2026-03-10.xml", "camt.054.001.08" },
        { "camt.054.001.02-TEB-2026-03-10.xml", "camt.054.001.02" },
    };

    [Theory]
    [MemberData(nameof(Samples))]
    public void Read_Sample_GivesEveryEntryInCentsWithItsSignReferencesAndLines(string file, string message)
    {
        string text = Sample(file);

        CamtReadResult result = CamtReader.Read(Encoding.UTF8.GetBytes(text));

        Assert.True(result.Succeeded, result.Error?.Message);
        CamtDocument document = result.Document;
        Assert.Equal(message, document.Message.Id);
        Assert.Equal(message.StartsWith("camt.053", StringComparison.Ordinal) ? CamtKind.Statement : CamtKind.Notification, document.Message.Kind);
        CamtReport report = Assert.Single(document.Reports);
        Assert.Equal(Settlement, report.Account.Iban?.Value);
        Assert.Equal("EUR", report.Account.Currency);
        Assert.Equal(new DateOnly(2026, 3, 10), report.Period!.From.DayIn(Belgrade));
        Assert.Equal(new DateOnly(2026, 3, 10), report.Period.To.LastDayIn(Belgrade));
        Assert.Equal(LineOf(text, "<Stmt>", "<Ntfctn>"), report.Line);

        CamtEntry[] entries = [.. document.Entries];
        Assert.Equal(
            [500L, 1_450, -300, 200, 600, -600, -150, 900],
            entries.Select(e => e.Amount.Cents));
        Assert.Equal(
            [CamtEntryStatus.Booked, CamtEntryStatus.Booked, CamtEntryStatus.Booked, CamtEntryStatus.Booked, CamtEntryStatus.Booked, CamtEntryStatus.Booked, CamtEntryStatus.Booked, CamtEntryStatus.Pending],
            entries.Select(e => e.Status));
        Assert.Equal([false, false, false, false, false, true, false, false], entries.Select(e => e.Reversal));
        Assert.Equal(new DateOnly(2026, 3, 10), entries[1].Booking!.Value.DayIn(Belgrade));
        Assert.True(entries[1].Booking!.Value.HasTime);
        Assert.Null(entries[7].Booking);
        Assert.Equal(LineOf(text, "<NtryRef>2</NtryRef>") - 1, entries[1].Line);

        // The batch: three transactions with their own amounts and ids (the third by InstrId; NOTPROVIDED reads as none).
        Assert.Equal([750L, 300, 400], entries[1].Transactions.Select(t => t.Amount.Cents));
        Assert.Equal([B, C, null], entries[1].Transactions.Select(t => t.Refs.EndToEndId));
        Assert.Equal(D, entries[1].Transactions[2].Refs.InstructionId);
        Assert.Equal(LineOf(text, $"<EndToEndId>{C}") - 2, entries[1].Transactions[1].Line);
        Assert.Equal(["IPKO F6A8B012"], entries[1].Transactions[0].Remittance);

        Assert.Equal(A, entries[0].Transactions[0].Refs.EndToEndId);
        Assert.Equal("TEB2026031000000001", entries[0].Transactions[0].Refs.ServicerReference);
        Assert.Equal("TEB2026031000000001", entries[0].ServicerReference);
        Assert.Equal("1", entries[0].EntryReference);
        Assert.Equal("rf-" + C, entries[2].Transactions[0].Refs.EndToEndId);
        Assert.Equal(-300L, entries[2].Transactions[0].Amount.Cents);
        Assert.Equal(["IPKO F6A7B845"], entries[3].Transactions[0].Remittance); // Strd/CdtrRefInf/Ref
        Assert.Equal(200L, entries[3].Transactions[0].Amount.Cents); // the entry's only transaction, no amount of its own
        Assert.Equal(F, entries[5].Transactions[0].Refs.EndToEndId);
        Assert.Equal(-600L, entries[5].Transactions[0].Amount.Cents);
        Assert.Empty(entries[6].Transactions);
        Assert.Equal(("TEB-FEE-20260310", "Account fee"), (entries[6].ServicerReference, entries[6].AdditionalInfo));
    }

    [Theory]
    [InlineData("camt.053.001.08-TEB-2026-03-10.xml")]
    [InlineData("camt.053.001.02-TEB-2026-03-10.xml")]
    public void Read_Statement_HasItsOpeningAndClosingBalances(string file)
    {
        CamtReport report = Assert.Single(Read(Sample(file)).Reports);

        Assert.Equal(("OPBD", 125_000L), (report.Opening!.Type, report.Opening.Amount.Cents));
        Assert.Equal(("CLBD", 126_700L), (report.Closing!.Type, report.Closing.Amount.Cents));
    }

    [Fact]
    public void Read_StatementAndItsNotification_HoldTheSameEntries()
    {
        CamtEntry[] statement = [.. Read(Sample("camt.053.001.02-TEB-2026-03-10.xml")).Entries];
        CamtEntry[] notification = [.. Read(Sample("camt.054.001.08-TEB-2026-03-10.xml")).Entries];

        Assert.Equal(
            statement.Select(e => (e.Amount, e.Reversal, e.Status, e.Transactions.Count, e.ServicerReference)),
            notification.Select(e => (e.Amount, e.Reversal, e.Status, e.Transactions.Count, e.ServicerReference)));
    }

    /// <summary>
    /// One broken message per row: the sample it starts from, the text replaced (its first occurrence), the code, a text
    /// whose line the refusal must name (<c>^n</c>: n lines above it; null: no line), and the element it must blame.
    /// </summary>
    public static TheoryData<string, string, string, string, string, string?, string?> Broken => new()
    {
        { "three decimals", "053.08", "<Amt Ccy=\"EUR\">5.00</Amt>", "<Amt Ccy=\"EUR\">5.000</Amt>", ErrorCodes.MalformedStatement, "5.000", "Stmt/Ntry/Amt" },
        { "a minus sign", "053.08", "<Amt Ccy=\"EUR\">5.00</Amt>", "<Amt Ccy=\"EUR\">-5.00</Amt>", ErrorCodes.MalformedStatement, "-5.00", "Stmt/Ntry/Amt" },
        { "a decimal comma", "053.02", "<Amt Ccy=\"EUR\">5.00</Amt>", "<Amt Ccy=\"EUR\">5,00</Amt>", ErrorCodes.MalformedStatement, "5,00", "Stmt/Ntry/Amt" },
        { "an exponent", "054.08", "<Amt Ccy=\"EUR\">5.00</Amt>", "<Amt Ccy=\"EUR\">5E0</Amt>", ErrorCodes.MalformedStatement, "5E0", "Ntfctn/Ntry/Amt" },
        { "no currency", "053.08", "<Amt Ccy=\"EUR\">5.00</Amt>", "<Amt>5.00</Amt>", ErrorCodes.MalformedStatement, "<Amt>5.00", "Stmt/Ntry/Amt" },
        { "an entry in dollars", "053.08", "<Amt Ccy=\"EUR\">5.00</Amt>", "<Amt Ccy=\"USD\">5.00</Amt>", ErrorCodes.WrongStatementCurrency, "USD", "Stmt/Ntry/Amt" },
        { "a transaction in lek", "053.02", "<Amt Ccy=\"EUR\">7.50</Amt>", "<Amt Ccy=\"ALL\">7.50</Amt>", ErrorCodes.WrongStatementCurrency, "ALL", "Stmt/Ntry/NtryDtls/TxDtls/AmtDtls/TxAmt/Amt" },
        { "an account in dollars", "054.02", "<Ccy>EUR</Ccy>", "<Ccy>USD</Ccy>", ErrorCodes.WrongStatementCurrency, "<Acct>", "Ntfctn/Acct/Ccy" },
        { "a direction that is none", "053.08", "<CdtDbtInd>CRDT</CdtDbtInd>\n        <Sts>", "<CdtDbtInd>CR</CdtDbtInd>\n        <Sts>", ErrorCodes.MalformedStatement, ">CR<", "Stmt/Ntry/CdtDbtInd" },
        { "an unknown status", "053.08", "<Cd>BOOK</Cd>", "<Cd>BOOKED</Cd>", ErrorCodes.MalformedStatement, "<Sts>", "Stmt/Ntry/Sts" },
        { "a proprietary status", "054.08", "<Cd>BOOK</Cd>", "<Prtry>POSTED</Prtry>", ErrorCodes.MalformedStatement, "<Sts>", "Ntfctn/Ntry/Sts" },
        { "a version 2 status", "053.02", "<Sts>BOOK</Sts>", "<Sts>DONE</Sts>", ErrorCodes.MalformedStatement, "DONE", "Stmt/Ntry/Sts" },
        { "a reversal indicator that is none", "053.08", "<RvslInd>true</RvslInd>", "<RvslInd>yes</RvslInd>", ErrorCodes.MalformedStatement, "yes", "Stmt/Ntry/RvslInd" },
        { "a booked entry without a booking date", "053.08", "<BookgDt>\n          <Dt>2026-03-10</Dt>\n        </BookgDt>", "", ErrorCodes.MalformedStatement, "<NtryRef>1<^1", "Stmt/Ntry/BookgDt" },
        { "a day that is none", "053.02", "<Dt>2026-03-10</Dt>\n        </BookgDt>", "<Dt>2026-03-32</Dt>\n        </BookgDt>", ErrorCodes.MalformedStatement, "2026-03-32", "Stmt/Ntry/BookgDt/Dt" },
        { "a time without seconds", "053.08", "<DtTm>2026-03-10T18:00:00+01:00</DtTm>", "<DtTm>2026-03-10T18:00+01:00</DtTm>", ErrorCodes.MalformedStatement, "T18:00+", "Stmt/Ntry/BookgDt/DtTm" },
        { "a batch that does not add up", "053.08", "<Amt Ccy=\"EUR\">7.50</Amt>", "<Amt Ccy=\"EUR\">7.60</Amt>", ErrorCodes.MalformedStatement, "<NtryRef>2<^1", "Stmt/Ntry/NtryDtls" },
        { "a batch transaction without amount", "053.02", "<AmtDtls>\n              <TxAmt>\n                <Amt Ccy=\"EUR\">7.50</Amt>\n              </TxAmt>\n            </AmtDtls>", "", ErrorCodes.MalformedStatement, $"<EndToEndId>{B}^2", "Stmt/Ntry/NtryDtls/TxDtls/Amt" },
        { "balances that do not add up", "053.08", "<Amt Ccy=\"EUR\">1267.00</Amt>", "<Amt Ccy=\"EUR\">1268.00</Amt>", ErrorCodes.MalformedStatement, "<Stmt>", "Stmt/Bal" },
        { "two opening balances", "053.08", "<Cd>CLBD</Cd>", "<Cd>OPBD</Cd>", ErrorCodes.MalformedStatement, "<Cd>OPBD</Cd>\n          </CdOrPrtry>\n        </Tp>\n        <Amt Ccy=\"EUR\">1267^3", "Stmt/Bal" },
        { "two amounts", "054.02", "<Amt Ccy=\"EUR\">5.00</Amt>", "<Amt Ccy=\"EUR\">5.00</Amt><Amt Ccy=\"EUR\">6.00</Amt>", ErrorCodes.MalformedStatement, "6.00</Amt>", "Ntfctn/Ntry/Amt" },
        { "no message id", "053.08", "<MsgId>TEB-STMT-20260310-0001</MsgId>", "", ErrorCodes.MalformedStatement, "<GrpHdr>", "GrpHdr/MsgId" },
        { "no group header", "054.08", "<GrpHdr>\n      <MsgId>TEB-NTFCTN-20260310-0001</MsgId>\n      <CreDtTm>2026-03-11T06:00:00+01:00</CreDtTm>\n    </GrpHdr>", "", ErrorCodes.MalformedStatement, "<Document", "GrpHdr" },
        { "no account", "053.08", "<Acct>\n        <Id>\n          <IBAN>XK372001990000000157</IBAN>\n        </Id>\n        <Ccy>EUR</Ccy>\n        <Ownr>\n          <Nm>IPKO Telecommunications</Nm>\n        </Ownr>\n      </Acct>", "", ErrorCodes.MalformedStatement, "<Stmt>", "Stmt/Acct" },
        { "an IBAN with a wrong checksum", "053.02", Settlement, "XK372001990000000158", ErrorCodes.MalformedStatement, "XK372001990000000158", "Stmt/Acct/Id/IBAN" },
        { "a namespace of another version", "053.08", "camt.053.001.08\">", "camt.053.001.04\">", ErrorCodes.UnsupportedStatement, "<Document", null },
        { "another message", "053.08", "camt.053.001.08\">", "camt.052.001.08\">", ErrorCodes.UnsupportedStatement, "<Document", null },
        { "no namespace", "054.02", " xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.054.001.02\"", "", ErrorCodes.UnsupportedStatement, "<Document", null },
        { "a notification in a statement's namespace", "054.08", "camt.054.001.08\">", "camt.053.001.08\">", ErrorCodes.UnsupportedStatement, "<BkToCstmrDbtCdtNtfctn>", "BkToCstmrDbtCdtNtfctn" },
        { "not well-formed", "053.08", "</NtryRef>", "</NtryRf>", ErrorCodes.MalformedStatement, "</NtryRf>", null },
        { "cut short", "053.02", "<!-- Not booked yet", "</Ntry", ErrorCodes.MalformedStatement, null, null },
        { "a second document after the first", "054.08", "</Document>", "</Document>\n<Document/>", ErrorCodes.MalformedStatement, "<Document/>", null },
        { "an entity declared", "053.08", "<Document", "<!DOCTYPE lol [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;&lol;&lol;\">]>\n<Document", ErrorCodes.MalformedStatement, null, null },
    };

    [Theory]
    [MemberData(nameof(Broken))]
    public void Read_BrokenMessage_IsRefusedNamingTheLineAndElement(string why, string sample, string find, string replace, string code, string? lineOf, string? field)
    {
        string original = Sample($"camt.{sample[..3]}.001.{sample[4..]}-TEB-2026-03-10.xml");
        int at = original.IndexOf(find, StringComparison.Ordinal);
        Assert.True(at >= 0, $"{why}: '{find}' is not in the sample");
        string text = string.Concat(original.AsSpan(0, at), replace, original.AsSpan(at + find.Length));
        if (why == "cut short")
        {
            text = text[..(at + replace.Length)];
        }

        CamtReadResult result = CamtReader.Read(Encoding.UTF8.GetBytes(text));

        Assert.False(result.Succeeded, why);
        Assert.Equal(code, result.Error.Code);
        Assert.Equal(field, result.Error.Field);
        if (lineOf is not null)
        {
            string[] parts = lineOf.Split('^');
            Assert.Equal(LineOf(text, parts[0]) - (parts.Length > 1 ? int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture) : 0), result.Error.Line);
            Assert.StartsWith($"Line {result.Error.Line}: ", result.Error.Message, StringComparison.Ordinal);
        }
    }

    public static TheoryData<string, byte[], string> Hostile => new()
    {
        { "empty", [], ErrorCodes.MalformedStatement },
        { "CSV", "reference,date,amount\r\nx,2026-03-10,5.00\r\n"u8.ToArray(), ErrorCodes.MalformedStatement },
        { "a UTF-16 file with a DTD (past the byte scan: the XML reader prohibits it)", Encoding.Unicode.GetPreamble().Concat(Encoding.Unicode.GetBytes("<?xml version=\"1.0\" encoding=\"UTF-16\"?><!DOCTYPE d [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><d>&e;</d>")).ToArray(), ErrorCodes.MalformedStatement },
    };

    [Theory]
    [MemberData(nameof(Hostile))]
    public void Read_HostileOrForeignBytes_AreRefused(string why, byte[] bytes, string code)
    {
        CamtReadResult result = CamtReader.Read(bytes);

        Assert.False(result.Succeeded, why);
        Assert.Equal(code, result.Error.Code);
    }

    /// <summary>
    /// A fact, not a row of <see cref="Hostile"/>: xUnit serialises theory rows element by element, and a row of 20 MB
    /// took the test process past 12 GB.
    /// </summary>
    [Fact]
    public void Read_OverTheSizeLimit_IsTooLarge()
    {
        CamtReadResult result = CamtReader.Read(new byte[CamtReader.MaxBytes + 1]);

        Assert.False(result.Succeeded);
        Assert.Equal(ErrorCodes.StatementTooLarge, result.Error.Code);
    }

    [Fact]
    public void Read_MoreTransactionsThanTheLimit_IsTooLarge()
    {
        var text = new StringBuilder("<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.054.001.08\"><BkToCstmrDbtCdtNtfctn>")
            .Append("<GrpHdr><MsgId>m</MsgId><CreDtTm>2026-03-11T06:00:00</CreDtTm></GrpHdr><Ntfctn><Id>n</Id>")
            .Append("<Acct><Id><IBAN>").Append(Settlement).Append("</IBAN></Id></Acct>");
        for (int i = 0; i <= CamtReader.MaxTransactions; i++)
        {
            text.Append("<Ntry><Amt Ccy=\"EUR\">1</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>INFO</Cd></Sts><BkTxCd/></Ntry>");
        }

        text.Append("</Ntfctn></BkToCstmrDbtCdtNtfctn></Document>");

        CamtReadResult result = CamtReader.Read(Encoding.UTF8.GetBytes(text.ToString()));

        Assert.Equal(ErrorCodes.StatementTooLarge, result.Error?.Code);
        Assert.Contains("100,000 transactions", result.Error!.Message, StringComparison.Ordinal);
    }

    public static TheoryData<string, long?> Amounts => new()
    {
        { "5", 500 },
        { "5.5", 550 },
        { "5.50", 550 },
        { " 0.01 ", 1 },
        { "+12.30", 1_230 },
        { ".5", 50 },
        { "5.", 500 },
        { "0000000000001234567.89", 123_456_789 },
        { "9999999999999.99", 999_999_999_999_999 },
        { "10000000000000", null },
        { "5.001", null },
        { "5.000", null },
        { "-1", null },
        { "1e2", null },
        { "1 000", null },
        { ".", null },
        { "", null },
    };

    [Theory]
    [MemberData(nameof(Amounts))]
    public void Cents_ReadsIsoDecimalsExactly_TwoDecimalsAtMost(string text, long? cents)
    {
        ParseResult<long> read = CamtReader.Cents(text);

        Assert.Equal(cents, read.Success ? read.Value : null);
    }

    [Theory]
    [InlineData("<a/>", true)]
    [InlineData("\uFEFF\r\n  <?xml version=\"1.0\"?><a/>", true)]
    [InlineData("reference,date,amount", false)]
    [InlineData("\uFEFFreference,date,amount", false)]
    [InlineData("", false)]
    public void LooksLikeXml_DecidesByTheFirstCharacter(string text, bool xml)
    {
        Assert.Equal(xml, CamtReader.LooksLikeXml(Encoding.UTF8.GetBytes(text)));
    }

    [Theory]
    [InlineData("2026-03-10T23:30:00Z", "2026-03-11", "2026-03-11")]
    [InlineData("2026-03-10T23:30:00", "2026-03-10", "2026-03-10")]
    [InlineData("2026-03-11T00:00:00+01:00", "2026-03-11", "2026-03-10")]
    [InlineData("2026-03-10T22:59:59.999-00:00", "2026-03-10", "2026-03-10")]
    public void CamtDateTime_DayInTheOperatorsZone_AndAPeriodEndingAtMidnightEndsTheDayBefore(string text, string day, string lastDay)
    {
        Assert.True(CamtDateTime.TryParse(text, withTime: true, out CamtDateTime? value));

        Assert.Equal(DateOnly.Parse(day, System.Globalization.CultureInfo.InvariantCulture), value.Value.DayIn(Belgrade));
        Assert.Equal(DateOnly.Parse(lastDay, System.Globalization.CultureInfo.InvariantCulture), value.Value.LastDayIn(Belgrade));
    }

    private static CamtDocument Read(string text)
    {
        CamtReadResult result = CamtReader.Read(Encoding.UTF8.GetBytes(text));
        Assert.True(result.Succeeded, result.Error?.Message);
        return result.Document;
    }

    private static string Sample(string file) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "statements", file)).ReplaceLineEndings("\n");

    /// <summary>The line (from 1) of the first of <paramref name="texts"/> found.</summary>
    private static long LineOf(string text, params string[] texts)
    {
        int at = texts.Select(t => text.IndexOf(t, StringComparison.Ordinal)).First(i => i >= 0);
        return 1 + text.AsSpan(0, at).Count('\n');
    }
}
