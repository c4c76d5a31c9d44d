namespace Mbushja.Banks.Statements;

/// <summary>Which ISO 20022 cash-management message a bank sent about an account.</summary>
public enum CamtKind
{
    /// <summary>camt.053 BankToCustomerStatement: the booked entries and the balances of a period (here: a day).</summary>
    Statement,

    /// <summary>camt.054 BankToCustomerDebitCreditNotification: entries as they are booked, without balances.</summary>
    Notification,
}

/// <summary>
/// One message definition <see cref="CamtReader"/> reads, in one place: its identifier (which is its XML namespace
/// after <see cref="NamespacePrefix"/>), the message element under <c>Document</c>, and the element of each account
/// report in it. The structure read is the one of the official schemas (docs/bank-statement-camt.md).
/// </summary>
/// <param name="Id">The message identifier: <c>camt.053.001.08</c>.</param>
/// <param name="Version">The message definition's version: 2 (2009) or 8 (2019).</param>
/// <param name="MessageElement"><c>BkToCstmrStmt</c> or <c>BkToCstmrDbtCdtNtfctn</c>.</param>
/// <param name="ReportElement"><c>Stmt</c> (an AccountStatement) or <c>Ntfctn</c> (an AccountNotification).</param>
public sealed record CamtMessage(string Id, CamtKind Kind, int Version, string MessageElement, string ReportElement)
{
    /// <summary>What every ISO 20022 message namespace starts with.</summary>
    public const string NamespacePrefix = "urn:iso:std:iso:20022:tech:xsd:";

    /// <summary>BankToCustomerStatementV02.</summary>
    public static CamtMessage Camt053V02 { get; } = new("camt.053.001.02", CamtKind.Statement, 2, "BkToCstmrStmt", "Stmt");

    /// <summary>BankToCustomerStatementV08.</summary>
    public static CamtMessage Camt053V08 { get; } = new("camt.053.001.08", CamtKind.Statement, 8, "BkToCstmrStmt", "Stmt");

    /// <summary>BankToCustomerDebitCreditNotificationV02.</summary>
    public static CamtMessage Camt054V02 { get; } = new("camt.054.001.02", CamtKind.Notification, 2, "BkToCstmrDbtCdtNtfctn", "Ntfctn");

    /// <summary>BankToCustomerDebitCreditNotificationV08.</summary>
    public static CamtMessage Camt054V08 { get; } = new("camt.054.001.08", CamtKind.Notification, 8, "BkToCstmrDbtCdtNtfctn", "Ntfctn");

    /// <summary>Every message the reader knows.</summary>
    public static IReadOnlyList<CamtMessage> All { get; } = [Camt053V02, Camt053V08, Camt054V02, Camt054V08];

    /// <summary>The XML namespace of the message's <c>Document</c>.</summary>
    public string Namespace => NamespacePrefix + Id;

    /// <summary>The message whose namespace this is, or null.</summary>
    public static CamtMessage? ByNamespace(string? xmlNamespace) => All.FirstOrDefault(m => m.Namespace == xmlNamespace);

    public override string ToString() => Id;
}
