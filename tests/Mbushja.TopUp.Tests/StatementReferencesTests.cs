using Mbushja.Banks.Statements;
using Mbushja.Domain;

namespace Mbushja.TopUp.Tests;

/// <summary>
/// Where <see cref="StatementReferences"/> finds the reference Mbushja gave the bank in a camt entry
/// (docs/bank-statement-camt.md): one row per place a bank may put it, and what it does when it finds none, an unknown
/// one, or one that names two lines.
/// </summary>
public sealed class StatementReferencesTests
{
    private const string Hold = "019cd6a1f2c87b3e9d41a5b6c7d8e901";
    private const string Other = "019cd6a24b0e7a11b3c5d2e4f6a8b012";
    private const string Refund = "rf-" + Hold;

    // Two holds of one day whose last eight hex digits are the same: their reference text names neither.
    private const string Twin1 = "019cd6a3000000000000000012345678";
    private const string Twin2 = "019cd6a4000000000000000012345678";

    private static readonly StatementReferences Day = new("IPKO", [Hold, Refund, Other, Twin1, Twin2]);

    public static TheoryData<string, CamtRefs, string[], string?, string> Places => new()
    {
        { "EndToEndId", new CamtRefs(EndToEndId: Hold), [], null, Hold },
        { "EndToEndId in capitals", new CamtRefs(EndToEndId: Hold.ToUpperInvariant()), [], null, Hold },
        { "a refund's EndToEndId", new CamtRefs(EndToEndId: Refund), [], null, Refund },
        { "InstrId", new CamtRefs(InstructionId: Hold), [], null, Hold },
        { "TxId", new CamtRefs(TransactionId: Hold), [], null, Hold },
        { "the transaction's AcctSvcrRef", new CamtRefs(ServicerReference: Hold), [], null, Hold },
        { "the hold id inside the remittance text", CamtRefs.None, ["Top-up " + Hold + " for 049111111"], null, Hold },
        { "the refund id inside the remittance text", CamtRefs.None, [$"Return of {Refund}"], null, Refund },
        { "the additional information", CamtRefs.None, [], $"ref {Hold}", Hold },
        { "the reference text sent with the hold", CamtRefs.None, ["IPKO C7D8E901"], null, Hold },
        { "the reference text, spaced and in small letters", CamtRefs.None, ["payment  ipko   c7d8e901 thank you"], null, Hold },
        { "the reference text sent with the refund", CamtRefs.None, ["IPKO reversal C7D8E901"], null, Refund },
        { "a known id before an unknown one", new CamtRefs(EndToEndId: "0000000000000000000000000000abcd"), [Hold], null, Hold },
        { "the first known id, EndToEndId before InstrId", new CamtRefs(InstructionId: Other, EndToEndId: Hold), [], null, Hold },
        { "an id of another day", new CamtRefs(EndToEndId: "019cd6a99999999999999999999999ff"), ["IPKO C7D8E901"], null, "019cd6a99999999999999999999999ff" },
        { "a reference text that names two lines", CamtRefs.None, ["IPKO 12345678"], null, "IPKO 12345678" },
        { "an id inside a longer word is none", CamtRefs.None, ["X" + Hold], null, "X" + Hold },
        { "a reference text inside a longer word is none", CamtRefs.None, ["IPKO C7D8E9012"], null, "IPKO C7D8E9012" },
        { "NOTHING: the bank's own reference", new CamtRefs(ServicerReference: "TEB-FEE-1", EndToEndId: "BANK-E2E-1"), [], null, "TEB-FEE-1" },
        { "NOTHING: another reference of the bank's", new CamtRefs(EndToEndId: "BANK-E2E-1"), ["Fee"], null, "BANK-E2E-1" },
    };

    [Theory]
    [MemberData(nameof(Places))]
    public void Lines_FindTheReference_WhereverTheBankPutIt(string where, CamtRefs refs, string[] remittance, string? info, string expected)
    {
        CamtDocument document = Document(Entry(500, Tx(500, refs, remittance, info)));

        StatementLine line = Assert.Single(Day.Lines(document));

        Assert.True(expected == line.Reference, $"{where}: {line.Reference}");
        Assert.Equal(500, line.Amount.Cents);
    }

    [Fact]
    public void Lines_AnEntryWithOneTransaction_IsAlsoFoundByTheEntrysReferences_ABatchsTransactionsOnlyByTheirOwn()
    {
        CamtEntry single = Entry(500, Tx(500, CamtRefs.None)) with { ServicerReference = Hold };
        CamtEntry batch = Entry(700, Tx(300, CamtRefs.None), Tx(400, new CamtRefs(EndToEndId: Other))) with { ServicerReference = Hold, Line = 40 };

        List<StatementLine> lines = Day.Lines(Document(single, batch));

        Assert.Equal([(Hold, 500L), ("line 41", 300L), (Other, 400L)], lines.Select(l => (l.Reference, l.Amount.Cents)));
    }

    [Fact]
    public void Lines_AnEntryWithoutOurReference_KeepsTheBanksAcctSvcrRef_RatherThanItsNtryRef()
    {
        CamtEntry entry = Entry(200, Tx(200, CamtRefs.None, ["Payment"])) with { EntryReference = "4", ServicerReference = "TEB2026031000000004" };

        Assert.Equal("TEB2026031000000004", Assert.Single(Day.Lines(Document(entry))).Reference);
    }

    [Fact]
    public void Lines_OfOneReference_AreSummed_PendingEntriesAreLeftOut()
    {
        CamtDocument document = Document(
            Entry(600, Tx(600, new CamtRefs(EndToEndId: Hold))),
            Entry(-600, Tx(-600, new CamtRefs(EndToEndId: Hold))) with { Reversal = true },
            Entry(200, Tx(200, new CamtRefs(EndToEndId: Other))),
            Entry(900, Tx(900, new CamtRefs(EndToEndId: Other))) with { Status = CamtEntryStatus.Pending, Booking = null },
            Entry(-150),
            Entry(-150));

        List<StatementLine> lines = Day.Lines(document);

        Assert.Equal([(Hold, 0L), (Other, 200L), ("line 5", -150L), ("line 6", -150L)], lines.Select(l => (l.Reference, l.Amount.Cents)));
    }

    private static CamtTransaction Tx(long cents, CamtRefs refs, string[]? remittance = null, string? info = null) =>
        new(0, Money.FromCents(cents), refs, remittance ?? [], info);

    private static CamtEntry Entry(long cents, params CamtTransaction[] transactions) =>
        new(0, Money.FromCents(cents), false, CamtEntryStatus.Booked, new CamtDateTime(new DateTime(2026, 3, 10), null, false), null, null, null, null, transactions);

    private static CamtDocument Document(params CamtEntry[] entries)
    {
        // Lines as a file would number them: one entry a line from 1, its transactions after it.
        CamtEntry[] numbered = [.. entries.Select((e, i) => e.Line == 0 ? e with { Line = i + 1 } : e)];
        numbered = [.. numbered.Select(e => e with { Transactions = [.. e.Transactions.Select((t, i) => t with { Line = e.Line + 1 + i })] })];
        return new CamtDocument(
            CamtMessage.Camt053V08,
            "m",
            new CamtDateTime(new DateTime(2026, 3, 11), null, true),
            [new CamtReport(1, "s", new CamtAccount(null, "x", "EUR"), null, null, null, numbered)]);
    }
}
