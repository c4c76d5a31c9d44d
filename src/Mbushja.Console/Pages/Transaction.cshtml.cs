using System.Text.Json;
using Mbushja.Ledger;
using Mbushja.TopUp;
using Microsoft.AspNetCore.Mvc;

namespace Mbushja.WebConsole.Pages;

/// <summary>
/// One message's whole trail (issue 6 item 4) as the platform recorded it: what arrived, how it was read, the bank's
/// answers, the ledger transfers, the reply, the SMSC's delivery receipts.
/// </summary>
public sealed class TransactionModel(SmsTransactions store, LedgerQueries ledger) : ConsolePage
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public SmsTransaction Row { get; private set; } = null!;

    public IReadOnlyList<SmsEvent> Trail { get; private set; } = [];

    public IReadOnlyList<Transfer> Transfers { get; private set; } = [];

    public IEnumerable<SmsEvent> Receipts => Trail.Where(e => e.Kind == "reply.receipt");

    public async Task<IActionResult> OnGetAsync(string id)
    {
        CancellationToken ct = HttpContext.RequestAborted;
        if (id.Length > 64 || await store.GetAsync(id.Trim().ToLowerInvariant(), ct) is not { } row)
        {
            return NotFound();
        }

        Row = row;
        Trail = await store.TrailAsync(row.Id, ct);
        Transfers = await TopUpProcessor.CreditTransfersAsync(ledger, row, ct);
        return Page();
    }

    /// <summary>A trail line's detail, indented for reading.</summary>
    public static string Pretty(string json)
    {
        using JsonDocument document = JsonDocument.Parse(json);
        return JsonSerializer.Serialize(document.RootElement, Indented);
    }
}
