using System.Diagnostics.CodeAnalysis;
using System.Xml;
using System.Xml.Linq;
using Mbushja.Domain;

namespace Mbushja.Banks.Statements;

/// <summary>Why a message was refused: a stable code (<see cref="ErrorCodes"/>), a sentence for people, and the file's
/// line and the element (<c>Stmt/Ntry/Amt</c>) to blame when there is one.</summary>
public sealed record CamtError(string Code, string Message, long? Line = null, string? Field = null);

/// <summary>The message read, or why it was refused.</summary>
public sealed record CamtReadResult(CamtDocument? Document, CamtError? Error)
{
    [MemberNotNullWhen(true, nameof(Document))]
    [MemberNotNullWhen(false, nameof(Error))]
    public bool Succeeded => Document is not null;
}

/// <summary>
/// Reads a bank's ISO 20022 camt.053 statement or camt.054 notification (versions 001.02 and 001.08, the structure of
/// their official schemas; docs/bank-statement-camt.md) into a <see cref="CamtDocument"/>, with <c>System.Xml</c> only.
/// Never throws on what a bank sends: a refusal names the line and the element. The reader is safe on hostile files: no
/// DTD (so no entity expansion), no external resolution, at most <see cref="MaxBytes"/>, and entries are loaded one at a
/// time, so a large statement never becomes one large tree.
/// </summary>
/// <remarks>
/// It reads what reconciliation needs and checks it: the account, the period, the opening and closing booked balances
/// (which must agree with the booked entries), each entry's amount, direction, reversal indicator, status, booking and
/// value dates and references, and each transaction's amount, references and remittance information. Amounts are EUR
/// written with at most two decimals, read exactly into cents; any other currency is refused. Elements it does not need
/// are skipped, not checked: it is not a schema validator.
/// </remarks>
public static class CamtReader
{
    /// <summary>The largest message read: 20 MiB (some 15,000 entries with their details).</summary>
    public const int MaxBytes = 20 * 1024 * 1024;

    /// <summary>The most transactions (entries without details count one) a message may hold.</summary>
    public const int MaxTransactions = 100_000;

    /// <summary>Entries and balances in any other currency are refused.</summary>
    public const string Currency = Money.Currency;

    private static readonly XmlReaderSettings Settings = new()
    {
        DtdProcessing = DtdProcessing.Prohibit,
        XmlResolver = null,
        MaxCharactersInDocument = MaxBytes,
        MaxCharactersFromEntities = 1024,
        IgnoreComments = true,
        IgnoreProcessingInstructions = true,
        IgnoreWhitespace = true,
        CloseInput = true,
    };

    /// <summary>
    /// Whether a file is XML rather than CSV, by its content: after an optional byte-order mark and white space, its first
    /// character is <c>&lt;</c>.
    /// </summary>
    public static bool LooksLikeXml(ReadOnlySpan<byte> content)
    {
        if (content.StartsWith("\uFEFF"u8))
        {
            content = content[3..];
        }
        else if (content.Length >= 2 && ((content[0] == 0xFF && content[1] == 0xFE) || (content[0] == 0xFE && content[1] == 0xFF)))
        {
            return true; // UTF-16: no CSV the platform reads is; the XML reader decides.
        }

        foreach (byte b in content)
        {
            if (b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')
            {
                continue;
            }

            return b == (byte)'<';
        }

        return false;
    }

    /// <summary>Reads a whole camt.053 or camt.054 message.</summary>
    public static CamtReadResult Read(byte[] xml)
    {
        ArgumentNullException.ThrowIfNull(xml);
        if (xml.Length > MaxBytes)
        {
            return Refused(ErrorCodes.StatementTooLarge, $"The statement is larger than {MaxBytes / (1024 * 1024)} MB; split it by day.");
        }

        if (xml.AsSpan().IndexOf("<!DOCTYPE"u8) >= 0)
        {
            return Refused(ErrorCodes.MalformedStatement, "The file has a document type declaration (<!DOCTYPE …>): ISO 20022 messages have none, and it is not read.");
        }

        try
        {
            using XmlReader reader = XmlReader.Create(new MemoryStream(xml, writable: false), Settings);
            return new Parser(reader).Read();
        }
        catch (XmlException e)
        {
            long? line = e.LineNumber > 0 ? e.LineNumber : null;
            return new CamtReadResult(null, new CamtError(
                ErrorCodes.MalformedStatement, $"{(line is null ? "" : $"Line {line}: ")}The file is not well-formed XML: {e.Message}", line));
        }
    }

    private static CamtReadResult Refused(string code, string message, long? line = null, string? field = null) =>
        new(null, new CamtError(code, line is null ? message : $"Line {line}: {message}", line, field));

    /// <summary>One reading: streams the report level, loads each entry, balance or account as a small tree.</summary>
    private sealed class Parser(XmlReader reader)
    {
        private readonly IXmlLineInfo _where = (IXmlLineInfo)reader;
        private CamtMessage _message = CamtMessage.Camt053V08;
        private XNamespace _ns = XNamespace.None;
        private CamtError? _error;
        private int _transactions;

        public CamtReadResult Read()
        {
            if (reader.MoveToContent() != XmlNodeType.Element)
            {
                return Refused(ErrorCodes.MalformedStatement, "The file holds no XML element.");
            }

            if (CamtMessage.ByNamespace(reader.NamespaceURI) is not { } message || reader.LocalName != "Document")
            {
                string known = string.Join(", ", CamtMessage.All.Select(m => m.Id));
                string what = reader.NamespaceURI.Length == 0 ? $"<{reader.LocalName}> without a namespace" : $"<{reader.LocalName}> of namespace {reader.NamespaceURI}";
                return Refused(
                    ErrorCodes.UnsupportedStatement,
                    $"The file is {what}, not the Document of an ISO 20022 message read here ({known}).",
                    _where.LineNumber);
            }

            _message = message;
            _ns = message.Namespace;
            long documentLine = _where.LineNumber;
            bool sawMessage = false;
            string? header = null;
            CamtDateTime? created = null;
            var reports = new List<CamtReport>();
            foreach (string child in Children())
            {
                if (child != message.MessageElement || sawMessage)
                {
                    return Refused(
                        ErrorCodes.UnsupportedStatement,
                        $"The Document holds <{child}>, where {message.Id} has one <{message.MessageElement}>.",
                        _where.LineNumber,
                        child);
                }

                sawMessage = true;
                foreach (string part in Children())
                {
                    if (part == "GrpHdr")
                    {
                        XElement grpHdr = Load();
                        header = RequiredText(grpHdr, "MsgId", "GrpHdr/MsgId");
                        created = DateTimeOf(Required(grpHdr, "CreDtTm", "GrpHdr/CreDtTm"), "GrpHdr/CreDtTm", withTime: true);
                    }
                    else if (part == message.ReportElement)
                    {
                        if (ReadReport() is { } report)
                        {
                            reports.Add(report);
                        }
                    }
                    else
                    {
                        reader.Skip();
                    }

                    if (_error is not null)
                    {
                        return new CamtReadResult(null, _error);
                    }
                }
            }

            if (!sawMessage)
            {
                return Refused(ErrorCodes.MalformedStatement, $"The Document is empty: {message.Id} has a <{message.MessageElement}>.", documentLine);
            }

            if (header is null || created is null)
            {
                return Refused(ErrorCodes.MalformedStatement, $"<{message.MessageElement}> has no GrpHdr.", documentLine, "GrpHdr");
            }

            if (reports.Count == 0)
            {
                return Refused(ErrorCodes.MalformedStatement, $"<{message.MessageElement}> has no <{message.ReportElement}>.", documentLine, message.ReportElement);
            }

            return new CamtReadResult(new CamtDocument(message, header, created.Value, reports), null);
        }

        /// <summary>A Stmt or Ntfctn, its children one at a time; null after a refusal.</summary>
        private CamtReport? ReadReport()
        {
            string r = _message.ReportElement;
            long line = _where.LineNumber;
            string? id = null;
            CamtAccount? account = null;
            CamtPeriod? period = null;
            CamtBalance? opening = null, previous = null, closing = null;
            var entries = new List<CamtEntry>();
            var once = new HashSet<string>(StringComparer.Ordinal);
            foreach (string child in Children())
            {
                if (child is "Id" or "Acct" or "FrToDt" && !once.Add(child))
                {
                    return Fail<CamtReport>(ErrorCodes.MalformedStatement, $"{r}/{child} appears more than once.", _where.LineNumber, $"{r}/{child}");
                }

                switch (child)
                {
                    case "Id":
                        id = NonEmpty(Load().Value);
                        break;
                    case "Acct":
                        account = ReadAccount(Load(), $"{r}/Acct");
                        break;
                    case "FrToDt":
                        XElement frToDt = Load();
                        CamtDateTime? from = DateTimeOf(Required(frToDt, "FrDtTm", $"{r}/FrToDt/FrDtTm"), $"{r}/FrToDt/FrDtTm", withTime: true);
                        CamtDateTime? to = DateTimeOf(Required(frToDt, "ToDtTm", $"{r}/FrToDt/ToDtTm"), $"{r}/FrToDt/ToDtTm", withTime: true);
                        period = from is { } f && to is { } t ? new CamtPeriod(f, t) : null;
                        break;
                    case "Bal":
                        XElement bal = Load();
                        CamtBalance? balance = ReadBalance(bal, $"{r}/Bal");
                        switch (balance?.Type)
                        {
                            case "OPBD":
                                opening = Once(opening, balance, bal);
                                break;
                            case "PRCD":
                                previous = Once(previous, balance, bal);
                                break;
                            case "CLBD":
                                closing = Once(closing, balance, bal);
                                break;
                            default:
                                break; // interim, available, forward balances: not reconciled
                        }

                        break;
                    case "Ntry":
                        if (ReadEntry(Load(), $"{r}/Ntry") is { } entry)
                        {
                            entries.Add(entry);
                        }

                        break;
                    default:
                        reader.Skip();
                        break;
                }

                if (_error is not null)
                {
                    return null;
                }
            }

            if (id is null)
            {
                return Fail<CamtReport>(ErrorCodes.MalformedStatement, $"<{r}> has no Id.", line, $"{r}/Id");
            }

            if (account is null)
            {
                return Fail<CamtReport>(ErrorCodes.MalformedStatement, $"<{r}> has no Acct: the account it reports on is unknown.", line, $"{r}/Acct");
            }

            opening ??= previous;
            if (opening is not null && closing is not null)
            {
                Money booked = entries.Where(e => e.Status == CamtEntryStatus.Booked).Aggregate(Money.Zero, (sum, e) => sum + e.Amount);
                if (opening.Amount + booked != closing.Amount)
                {
                    return Fail<CamtReport>(
                        ErrorCodes.MalformedStatement,
                        $"The balances do not add up: the opening balance {opening.Amount.ToDecimalString()} and the booked entries "
                        + $"{booked.ToDecimalString()} make {(opening.Amount + booked).ToDecimalString()}, but the closing balance is "
                        + $"{closing.Amount.ToDecimalString()}. Is the file cut short?",
                        line,
                        $"{r}/Bal");
                }
            }

            return new CamtReport(line, id, account, period, opening, closing, entries);

            CamtBalance? Once(CamtBalance? kept, CamtBalance? read, XElement bal) => kept is null
                ? read
                : Fail<CamtBalance>(ErrorCodes.MalformedStatement, $"There is more than one balance of type {read?.Type}.", Line(bal), $"{r}/Bal");
        }

        private CamtAccount? ReadAccount(XElement acct, string path)
        {
            XElement? id = Required(acct, "Id", $"{path}/Id");
            if (id is null)
            {
                return null;
            }

            string? currency = Optional(acct, "Ccy", $"{path}/Ccy") is { } ccy ? ccy.Value.Trim() : null;
            if (currency is not null && currency != Currency)
            {
                return Fail<CamtAccount>(
                    ErrorCodes.WrongStatementCurrency, $"The account is kept in {currency}; only {Currency} accounts are reconciled.", Line(acct), $"{path}/Ccy");
            }

            if (Optional(id, "IBAN", $"{path}/Id/IBAN") is { } ibanElement)
            {
                ParseResult<Iban> iban = Iban.Parse(ibanElement.Value);
                return iban.Success
                    ? new CamtAccount(iban.Value, null, currency)
                    : Fail<CamtAccount>(ErrorCodes.MalformedStatement, $"The account's IBAN is not valid: {iban.Error.Message}", Line(ibanElement), $"{path}/Id/IBAN");
            }

            if (Optional(id, "Othr", $"{path}/Id/Othr") is { } other && NonEmpty(Optional(other, "Id", $"{path}/Id/Othr/Id")?.Value) is { } otherId)
            {
                return new CamtAccount(null, otherId, currency);
            }

            return Fail<CamtAccount>(ErrorCodes.MalformedStatement, "The account has neither an IBAN nor another identification.", Line(id), $"{path}/Id");
        }

        private CamtBalance? ReadBalance(XElement bal, string path)
        {
            XElement? code = Required(bal, "Tp", $"{path}/Tp") is { } tp && Required(tp, "CdOrPrtry", $"{path}/Tp/CdOrPrtry") is { } cdOrPrtry
                ? Optional(cdOrPrtry, "Cd", $"{path}/Tp/CdOrPrtry/Cd") ?? Optional(cdOrPrtry, "Prtry", $"{path}/Tp/CdOrPrtry/Prtry")
                : null;
            Money? amount = AmountOf(Required(bal, "Amt", $"{path}/Amt"), $"{path}/Amt");
            bool? credit = DirectionOf(Required(bal, "CdtDbtInd", $"{path}/CdtDbtInd"), $"{path}/CdtDbtInd");
            CamtDateTime? date = DateChoice(Required(bal, "Dt", $"{path}/Dt"), $"{path}/Dt");
            if (_error is not null || amount is null || credit is null || date is null)
            {
                return null;
            }

            string type = code?.Name.LocalName == "Cd" ? code.Value.Trim() : "PRTRY:" + code?.Value.Trim();
            return new CamtBalance(type, credit.Value ? amount.Value : -amount.Value, date.Value);
        }

        private CamtEntry? ReadEntry(XElement ntry, string path)
        {
            long line = Line(ntry);
            Money? amount = AmountOf(Required(ntry, "Amt", $"{path}/Amt"), $"{path}/Amt");
            bool? credit = DirectionOf(Required(ntry, "CdtDbtInd", $"{path}/CdtDbtInd"), $"{path}/CdtDbtInd");
            bool reversal = Optional(ntry, "RvslInd", $"{path}/RvslInd") is { } rvsl && BooleanOf(rvsl, $"{path}/RvslInd");
            CamtEntryStatus? status = StatusOf(Required(ntry, "Sts", $"{path}/Sts"), $"{path}/Sts");
            CamtDateTime? booking = Optional(ntry, "BookgDt", $"{path}/BookgDt") is { } bookgDt ? DateChoice(bookgDt, $"{path}/BookgDt") : null;
            CamtDateTime? value = Optional(ntry, "ValDt", $"{path}/ValDt") is { } valDt ? DateChoice(valDt, $"{path}/ValDt") : null;
            string? entryRef = Text(ntry, "NtryRef", $"{path}/NtryRef");
            string? servicerRef = Text(ntry, "AcctSvcrRef", $"{path}/AcctSvcrRef");
            string? info = Text(ntry, "AddtlNtryInf", $"{path}/AddtlNtryInf");
            if (_error is not null || amount is null || credit is null || status is null)
            {
                return null;
            }

            if (status == CamtEntryStatus.Booked && booking is null)
            {
                return Fail<CamtEntry>(ErrorCodes.MalformedStatement, "A booked entry (Sts BOOK) has no booking date (BookgDt).", line, $"{path}/BookgDt");
            }

            Money signed = credit.Value ? amount.Value : -amount.Value;
            var transactions = new List<CamtTransaction>();
            var details = ntry.Elements(_ns + "NtryDtls").SelectMany(d => d.Elements(_ns + "TxDtls")).ToList();
            foreach (XElement tx in details)
            {
                if (ReadTransaction(tx, $"{path}/NtryDtls/TxDtls", credit.Value, details.Count == 1 ? signed : null) is { } transaction)
                {
                    transactions.Add(transaction);
                }

                if (_error is not null)
                {
                    return null;
                }
            }

            _transactions += Math.Max(1, transactions.Count);
            if (_transactions > MaxTransactions)
            {
                return Fail<CamtEntry>(ErrorCodes.StatementTooLarge, $"The statement has more than {MaxTransactions:N0} transactions; split it by day.", line);
            }

            Money shared = transactions.Aggregate(Money.Zero, (sum, t) => sum + t.Amount);
            if (transactions.Count > 0 && shared != signed)
            {
                return Fail<CamtEntry>(
                    ErrorCodes.MalformedStatement,
                    $"The entry's transactions (TxDtls) add up to {shared.ToDecimalString()}, but the entry's amount is {signed.ToDecimalString()} (credits positive, debits negative).",
                    line,
                    $"{path}/NtryDtls");
            }

            return new CamtEntry(line, signed, reversal, status.Value, booking, value, entryRef, servicerRef, info, transactions);
        }

        /// <param name="entryAmount">The entry's signed amount when this is its only transaction (its amount by default).</param>
        private CamtTransaction? ReadTransaction(XElement tx, string path, bool entryCredit, Money? entryAmount)
        {
            long line = Line(tx);
            XElement? amt = Optional(tx, "Amt", $"{path}/Amt");
            string amountPath = $"{path}/Amt";
            if (amt is null && Optional(tx, "AmtDtls", $"{path}/AmtDtls") is { } amtDtls && Optional(amtDtls, "TxAmt", $"{path}/AmtDtls/TxAmt") is { } txAmt)
            {
                amt = Optional(txAmt, "Amt", $"{path}/AmtDtls/TxAmt/Amt");
                amountPath = $"{path}/AmtDtls/TxAmt/Amt";
            }

            Money? amount = amt is null ? null : AmountOf(amt, amountPath);
            bool credit = Optional(tx, "CdtDbtInd", $"{path}/CdtDbtInd") is { } indicator ? DirectionOf(indicator, $"{path}/CdtDbtInd") ?? entryCredit : entryCredit;
            CamtRefs refs = Optional(tx, "Refs", $"{path}/Refs") is { } r
                ? new CamtRefs(
                    Text(r, "MsgId", $"{path}/Refs/MsgId"),
                    Text(r, "AcctSvcrRef", $"{path}/Refs/AcctSvcrRef"),
                    Text(r, "PmtInfId", $"{path}/Refs/PmtInfId"),
                    Text(r, "InstrId", $"{path}/Refs/InstrId"),
                    Provided(Text(r, "EndToEndId", $"{path}/Refs/EndToEndId")),
                    Text(r, "TxId", $"{path}/Refs/TxId"))
                : CamtRefs.None;
            var remittance = new List<string>();
            if (Optional(tx, "RmtInf", $"{path}/RmtInf") is { } rmtInf)
            {
                foreach (XElement part in rmtInf.Elements())
                {
                    if (part.Name == _ns + "Ustrd" && NonEmpty(part.Value) is { } ustrd)
                    {
                        remittance.Add(ustrd);
                    }
                    else if (part.Name == _ns + "Strd")
                    {
                        if (part.Element(_ns + "CdtrRefInf")?.Element(_ns + "Ref") is { } cdtrRef && NonEmpty(cdtrRef.Value) is { } reference)
                        {
                            remittance.Add(reference);
                        }

                        remittance.AddRange(part.Elements(_ns + "AddtlRmtInf").Select(a => NonEmpty(a.Value)).OfType<string>());
                    }
                }
            }

            string? info = Text(tx, "AddtlTxInf", $"{path}/AddtlTxInf");
            if (_error is not null)
            {
                return null;
            }

            Money signed;
            if (amount is { } a)
            {
                signed = credit ? a : -a;
            }
            else if (entryAmount is { } whole)
            {
                signed = whole;
            }
            else
            {
                return Fail<CamtTransaction>(
                    ErrorCodes.MalformedStatement,
                    "A transaction of a batch entry has no amount (Amt, or AmtDtls/TxAmt/Amt): the entry's money cannot be shared out.",
                    line,
                    amountPath);
            }

            return new CamtTransaction(line, signed, refs, remittance, info);
        }

        /// <summary>An amount in EUR (attribute Ccy), read exactly: digits, a point, at most two decimals.</summary>
        private Money? AmountOf(XElement? amt, string path)
        {
            if (amt is null)
            {
                return null;
            }

            string? currency = amt.Attribute("Ccy")?.Value.Trim();
            if (string.IsNullOrEmpty(currency))
            {
                return Fail<Money?>(ErrorCodes.MalformedStatement, "The amount has no currency (attribute Ccy).", Line(amt), path);
            }

            if (currency != Currency)
            {
                return Fail<Money?>(ErrorCodes.WrongStatementCurrency, $"The amount is in {currency}; only {Currency} is reconciled.", Line(amt), path);
            }

            ParseResult<long> cents = Cents(amt.Value);
            return cents.Success ? Money.FromCents(cents.Value) : Fail<Money?>(ErrorCodes.MalformedStatement, cents.Error.Message, Line(amt), path);
        }

        private bool? DirectionOf(XElement? indicator, string path) => indicator?.Value.Trim() switch
        {
            null => null,
            "CRDT" => true,
            "DBIT" => false,
            string other => Fail<bool?>(ErrorCodes.MalformedStatement, $"'{other}' is neither CRDT nor DBIT.", Line(indicator), path),
        };

        private bool BooleanOf(XElement indicator, string path) => indicator.Value.Trim() switch
        {
            "true" or "1" => true,
            "false" or "0" => false,
            string other => Fail<bool?>(ErrorCodes.MalformedStatement, $"'{other}' is neither true nor false.", Line(indicator), path) ?? false,
        };

        /// <summary>Version 8 writes <c>&lt;Sts&gt;&lt;Cd&gt;BOOK&lt;/Cd&gt;&lt;/Sts&gt;</c>, version 2 <c>&lt;Sts&gt;BOOK&lt;/Sts&gt;</c>.</summary>
        private CamtEntryStatus? StatusOf(XElement? sts, string path)
        {
            if (sts is null)
            {
                return null;
            }

            if (sts.Element(_ns + "Prtry") is { } proprietary)
            {
                return Fail<CamtEntryStatus?>(
                    ErrorCodes.MalformedStatement, $"The entry's status is proprietary ('{proprietary.Value.Trim()}'): only BOOK, PDNG, INFO and FUTR are understood.", Line(sts), path);
            }

            string code = (sts.Element(_ns + "Cd") ?? sts).Value.Trim();
            return code switch
            {
                "BOOK" => CamtEntryStatus.Booked,
                "PDNG" => CamtEntryStatus.Pending,
                "INFO" => CamtEntryStatus.Information,
                "FUTR" => CamtEntryStatus.Future,
                _ => Fail<CamtEntryStatus?>(ErrorCodes.MalformedStatement, $"'{code}' is not an entry status (BOOK, PDNG, INFO, FUTR).", Line(sts), path),
            };
        }

        /// <summary>A DateAndDateTimeChoice: <c>&lt;Dt&gt;</c> or <c>&lt;DtTm&gt;</c>.</summary>
        private CamtDateTime? DateChoice(XElement? choice, string path)
        {
            if (choice is null)
            {
                return null;
            }

            if (Optional(choice, "Dt", $"{path}/Dt") is { } dt)
            {
                return DateTimeOf(dt, $"{path}/Dt", withTime: false);
            }

            return Optional(choice, "DtTm", $"{path}/DtTm") is { } dtTm
                ? DateTimeOf(dtTm, $"{path}/DtTm", withTime: true)
                : Fail<CamtDateTime?>(ErrorCodes.MalformedStatement, "The date has neither Dt nor DtTm.", Line(choice), path);
        }

        private CamtDateTime? DateTimeOf(XElement? element, string path, bool withTime)
        {
            if (element is null)
            {
                return null;
            }

            return CamtDateTime.TryParse(element.Value, withTime, out CamtDateTime? value)
                ? value
                : Fail<CamtDateTime?>(
                    ErrorCodes.MalformedStatement,
                    withTime ? $"'{element.Value.Trim()}' is not a date and time (ISODateTime, 2026-03-10T23:59:59+01:00)." : $"'{element.Value.Trim()}' is not a date (ISODate, 2026-03-10).",
                    Line(element),
                    path);
        }

        /// <summary>The element names under the current element, one at a time; the caller loads or skips each.</summary>
        private IEnumerable<string> Children()
        {
            if (reader.IsEmptyElement)
            {
                reader.Read();
                yield break;
            }

            int depth = reader.Depth;
            reader.Read();
            while (_error is null && !reader.EOF)
            {
                reader.MoveToContent();
                if (reader.NodeType == XmlNodeType.EndElement && reader.Depth == depth)
                {
                    reader.Read();
                    yield break;
                }

                if (reader.NodeType != XmlNodeType.Element)
                {
                    reader.Read();
                }
                else if (reader.NamespaceURI != _ns.NamespaceName)
                {
                    reader.Skip(); // another namespace's element (an extension): not ours to read
                }
                else
                {
                    yield return reader.LocalName; // the caller loads or skips it, which moves the reader past it
                }
            }
        }

        /// <summary>The current element as a small tree with its line numbers; the reader moves past it.</summary>
        private XElement Load()
        {
            XElement element;
            using (XmlReader subtree = reader.ReadSubtree())
            {
                subtree.MoveToContent();
                element = XElement.Load(subtree, LoadOptions.SetLineInfo);
            }

            reader.Read();
            return element;
        }

        /// <summary>The only child of that name, or null; a second one is refused.</summary>
        private XElement? Optional(XElement parent, string name, string path)
        {
            XElement? found = null;
            foreach (XElement child in parent.Elements(_ns + name))
            {
                if (found is not null)
                {
                    return Fail<XElement>(ErrorCodes.MalformedStatement, $"{path} appears more than once.", Line(child), path);
                }

                found = child;
            }

            return found;
        }

        private XElement? Required(XElement parent, string name, string path) =>
            Optional(parent, name, path) ?? (_error is null ? Fail<XElement>(ErrorCodes.MalformedStatement, $"{path} is missing.", Line(parent), path) : null);

        private string? RequiredText(XElement parent, string name, string path) =>
            Required(parent, name, path) is { } element
                ? NonEmpty(element.Value) ?? Fail<string>(ErrorCodes.MalformedStatement, $"{path} is empty.", Line(element), path)
                : null;

        private string? Text(XElement parent, string name, string path) => NonEmpty(Optional(parent, name, path)?.Value);

        /// <summary>Records the first refusal (later ones are consequences) and answers null.</summary>
        private T? Fail<T>(string code, string message, long line, string? field = null)
        {
            _error ??= new CamtError(code, $"Line {line}: {message}", line, field);
            return default;
        }

        private long Line(XElement element) => element is IXmlLineInfo info && info.HasLineInfo() ? info.LineNumber : _where.LineNumber;
    }

    private static string? NonEmpty(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();

    /// <summary>SEPA's placeholder for "no end-to-end id" reads as none.</summary>
    private static string? Provided(string? id) => id is null || id.Equals("NOTPROVIDED", StringComparison.OrdinalIgnoreCase) ? null : id;

    /// <summary>xs:decimal as ISO 20022 writes amounts: a point only, either side of it may be bare, 13 digits at most (18 in all, 2 after the point).</summary>
    private static readonly DecimalCents Iso20022Amount = new(".", MaxWholeDigits: 13, BareSeparator: true);

    /// <summary>
    /// An ISO 20022 amount (xs:decimal, at least zero: <c>5</c>, <c>5.5</c>, <c>5.50</c>, <c>+5.50</c>, <c>.50</c>) in cents,
    /// exactly: at most two decimals (EUR has cents), no sign but <c>+</c>, no exponent, at most 13 digits before the point.
    /// </summary>
    public static ParseResult<long> Cents(string text)
    {
        ReadOnlySpan<char> s = text.AsSpan().Trim();
        if (s.StartsWith("+"))
        {
            s = s[1..];
        }

        return Iso20022Amount.Read(s, out long cents) switch
        {
            DecimalCentsRefusal.None => ParseResult<long>.Ok(cents),
            DecimalCentsRefusal.TooManyDecimals => ParseResult<long>.Fail(ErrorCodes.MalformedStatement, $"'{text.Trim()}' has more than two decimals: EUR amounts are in cents."),
            DecimalCentsRefusal.TooLarge => ParseResult<long>.Fail(ErrorCodes.MalformedStatement, $"'{text.Trim()}' is too large."),
            _ => ParseResult<long>.Fail(ErrorCodes.MalformedStatement, $"'{text.Trim()}' is not an amount (digits, a point, no sign: 5.00)."),
        };
    }
}
