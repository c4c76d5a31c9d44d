using System.Text.RegularExpressions;
using Mbushja.Banks.Statements;
using Mbushja.Domain;

namespace Mbushja.TopUp;

/// <summary>
/// Finds, in each booked transaction of a camt.053/camt.054 message, the reference Mbushja gave the bank for it: the hold
/// id (the transaction id) of a top-up or the refund id (<c>rf-</c> + it) of a reversal, as docs/bank-statement-camt.md
/// says where a bank puts it. Transactions of one reference are summed (a credit and its reversal make nothing); a
/// transaction without one keeps the bank's own reference, and is missing here.
/// </summary>
/// <remarks>
/// Where it looks, first to last: the transaction's EndToEndId, InstrId, TxId, AcctSvcrRef, MsgId and PmtInfId, then the
/// entry's NtryRef and AcctSvcrRef when the entry has that one transaction, then the remittance information (CdtrRefInf/Ref,
/// Ustrd, AddtlRmtInf) and the additional information. The first one that holds a reference the day's settlement knows
/// decides; else the first hold- or refund-shaped id found (another day's, say); else the reference text sent with the
/// hold or the refund (<c>IPKO F73BB564</c>, <c>IPKO reversal F73BB564</c>) in the remittance information, when that
/// text belongs to one settlement line of the day only.
/// </remarks>
public sealed partial class StatementReferences
{
    private readonly Dictionary<string, string> _known = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, string?> _byText = new(StringComparer.OrdinalIgnoreCase);
    private readonly Regex _text;

    /// <param name="operatorName">The operator's name the reference texts begin with (<see cref="OperatorConfig.Name"/>).</param>
    /// <param name="references">The settlement's references: hold ids and refund ids.</param>
    public StatementReferences(string operatorName, IEnumerable<string> references)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(operatorName);
        foreach (string reference in references)
        {
            _known[reference] = reference;
            bool refund = reference.StartsWith(RefundPrefix, StringComparison.OrdinalIgnoreCase);
            TransactionId id = TransactionId.FromStored(refund ? reference[RefundPrefix.Length..] : reference);
            string text = refund ? id.RefundReference(operatorName) : id.BankReference(operatorName);
            // Eight hex digits may repeat within a day: such a text names no one line, and is not used.
            _byText[Normalize(text)] = _byText.ContainsKey(Normalize(text)) ? null : reference;
        }

        _text = new Regex(
            $@"(?<![\p{{L}}\p{{N}}]){Regex.Escape(operatorName)}\s+(?:reversal\s+)?[0-9A-Fa-f]{{8}}(?![\p{{L}}\p{{N}}])",
            RegexOptions.CultureInvariant | RegexOptions.IgnoreCase,
            TimeSpan.FromSeconds(1));
    }

    /// <summary>What a reversal's refund id starts with (<see cref="TransactionId.RefundId"/>).</summary>
    public const string RefundPrefix = "rf-";

    /// <summary>The booked transactions of the message, by reference: one line per Mbushja reference, summed.</summary>
    public List<StatementLine> Lines(CamtDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        var lines = new List<StatementLine>();
        var byReference = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        foreach (CamtEntry entry in document.Entries.Where(e => e.Status == CamtEntryStatus.Booked))
        {
            foreach ((CamtTransaction? tx, Money amount, long at) in Transactions(entry))
            {
                (string reference, bool ours) = Find(entry, tx, at);
                if (ours && byReference.TryGetValue(reference, out int index))
                {
                    lines[index] = lines[index] with { Amount = lines[index].Amount + amount };
                    continue;
                }

                if (ours)
                {
                    byReference[reference] = lines.Count;
                }

                lines.Add(new StatementLine(reference, amount, at));
            }
        }

        return lines;
    }

    /// <summary>An entry's transactions; an entry without details is one transaction of its own.</summary>
    private static IEnumerable<(CamtTransaction? Tx, Money Amount, long Line)> Transactions(CamtEntry entry) =>
        entry.Transactions.Count == 0
            ? [(null, entry.Amount, entry.Line)]
            : entry.Transactions.Select(t => ((CamtTransaction?)t, t.Amount, t.Line));

    /// <returns>The reference, and whether it is Mbushja's (the settlement's, or shaped like one).</returns>
    private (string Reference, bool Ours) Find(CamtEntry entry, CamtTransaction? tx, long line)
    {
        bool alone = entry.Transactions.Count <= 1;
        string?[] ids =
        [
            tx?.Refs.EndToEndId, tx?.Refs.InstructionId, tx?.Refs.TransactionId, tx?.Refs.ServicerReference, tx?.Refs.MessageId,
            tx?.Refs.PaymentInformationId, alone ? entry.EntryReference : null, alone ? entry.ServicerReference : null,
        ];
        string?[] texts = [.. tx?.Remittance ?? [], tx?.AdditionalInfo, alone ? entry.AdditionalInfo : null];
        string? shaped = null;
        foreach (string source in ids.Concat(texts).OfType<string>())
        {
            if (_known.TryGetValue(source.Trim(), out string? exact))
            {
                return (exact, true);
            }

            foreach (Match match in IdShape().Matches(source))
            {
                if (_known.TryGetValue(match.Value, out string? found))
                {
                    return (found, true);
                }

                shaped ??= match.Value.ToLowerInvariant();
            }
        }

        if (shaped is not null)
        {
            return (shaped, true);
        }

        foreach (string source in texts.OfType<string>())
        {
            foreach (Match match in _text.Matches(source))
            {
                if (_byText.TryGetValue(Normalize(match.Value), out string? reference) && reference is not null)
                {
                    return (reference, true);
                }
            }
        }

        // None of ours: the bank's own reference of it (its AcctSvcrRef first: NtryRef is often a mere sequence number).
        string?[] bankFirst = [tx?.Refs.ServicerReference, alone ? entry.ServicerReference : null, .. ids];
        string bank = bankFirst.Concat(texts).Select(s => s?.Trim()).FirstOrDefault(s => !string.IsNullOrEmpty(s)) ?? $"line {line}";
        return (bank.Length > TransactionId.MaxLength ? bank[..TransactionId.MaxLength] : bank, false);
    }

    private static string Normalize(string text) => string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)).ToUpperInvariant();

    /// <summary>A hold id (32 hex digits, the transaction id) or a refund id (<c>rf-</c> and one), standing alone.</summary>
    [GeneratedRegex("(?<![0-9A-Za-z-])(?:rf-)?[0-9A-Fa-f]{32}(?![0-9A-Za-z])", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex IdShape();
}
