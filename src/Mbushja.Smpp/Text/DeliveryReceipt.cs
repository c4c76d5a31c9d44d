using System.Globalization;
using Mbushja.Smpp.Pdus;

namespace Mbushja.Smpp.Text;

/// <summary>
/// An SMSC delivery receipt (SMPP v3.4 §2.11, Appendix B): which message it is about and how it ended. The id comes
/// from receipted_message_id (§5.3.2.12) when the SMSC sends it, else from the text
/// <c>id:IIIIIIIIII sub:SSS dlvrd:DDD submit date:YYMMDDhhmm done date:YYMMDDhhmm stat:DDDDDDD err:E text:...</c>;
/// the state from message_state (§5.3.2.35), else from <c>stat:</c>. Reading never throws.
/// </summary>
/// <param name="Status">The <c>stat:</c> word as written (DELIVRD, UNDELIV, ...), or the state's name.</param>
/// <param name="Error">The <c>err:</c> code as written, when there is one.</param>
public sealed record DeliveryReceipt(string MessageId, MessageState? State, string? Status, string? Error)
{
    /// <summary>
    /// The receipt a deliver_sm carries: an SMSC delivery receipt, or another notification about a message sent
    /// (esm_class message type other than 0: intermediate notification, SME acknowledgement). Null when it is a
    /// message from a subscriber, or names no message.
    /// </summary>
    public static DeliveryReceipt? From(DeliverSm pdu, SmppTextOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(pdu);
        return (pdu.EsmClass & EsmClass.MessageTypeMask) != 0 ? Read(InboundPart.From(pdu, options).Text, pdu.Tlvs) : null;
    }

    /// <summary>The receipt a data_sm carries (esm_class receipt, or receipted_message_id); null otherwise.</summary>
    public static DeliveryReceipt? From(DataSm pdu, SmppTextOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(pdu);
        return EsmClass.IsDeliveryReceipt(pdu.EsmClass) || pdu.Tlvs.ReceiptedMessageId is not null
            ? Read(InboundPart.From(pdu, options).Text, pdu.Tlvs)
            : null;
    }

    /// <summary>Reads a receipt from its text and TLVs; null when neither names the message.</summary>
    public static DeliveryReceipt? Read(string? text, TlvList tlvs)
    {
        ArgumentNullException.ThrowIfNull(tlvs);
        Dictionary<string, string> fields = Fields(text ?? string.Empty);
        string? id = tlvs.ReceiptedMessageId is { Length: > 0 } fromTlv ? fromTlv : fields.GetValueOrDefault("id");
        if (string.IsNullOrEmpty(id))
        {
            return null;
        }

        string? stat = fields.GetValueOrDefault("stat");
        MessageState? state = tlvs.MessageState ?? StateOf(stat);
        return new DeliveryReceipt(id, state, stat ?? state?.ToString().ToUpperInvariant(), fields.GetValueOrDefault("err"));
    }

    /// <summary>True once the message can change no more (delivered, expired, deleted, undeliverable, rejected).</summary>
    public bool IsFinal => State is MessageState.Delivered or MessageState.Expired or MessageState.Deleted or MessageState.Undeliverable or MessageState.Rejected;

    /// <summary>The <c>stat:</c> words of Appendix B, and the state each stands for.</summary>
    public static MessageState? StateOf(string? stat) => stat?.ToUpperInvariant() switch
    {
        "DELIVRD" or "DELIVERED" => MessageState.Delivered,
        "EXPIRED" => MessageState.Expired,
        "DELETED" => MessageState.Deleted,
        "UNDELIV" or "UNDELIVERABLE" => MessageState.Undeliverable,
        "ACCEPTD" or "ACCEPTED" => MessageState.Accepted,
        "UNKNOWN" => MessageState.Unknown,
        "REJECTD" or "REJECTED" => MessageState.Rejected,
        "ENROUTE" => MessageState.Enroute,
        _ => null,
    };

    // "name:value" pairs split on spaces; "submit date" and "done date" are the two names with a space in them, and
    // text: takes the rest of the line. Names are matched without regard to case (SMSCs write "Text:" and "text:").
    private static Dictionary<string, string> Fields(string text)
    {
        var fields = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        string[] words = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        for (int i = 0; i < words.Length; i++)
        {
            string word = words[i];
            if ((word.Equals("submit", StringComparison.OrdinalIgnoreCase) || word.Equals("done", StringComparison.OrdinalIgnoreCase))
                && i + 1 < words.Length && words[i + 1].StartsWith("date:", StringComparison.OrdinalIgnoreCase))
            {
                word = word + " " + words[++i];
            }

            int colon = word.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                continue;
            }

            string name = word[..colon];
            if (name.Equals("text", StringComparison.OrdinalIgnoreCase))
            {
                break;
            }

            fields.TryAdd(name, word[(colon + 1)..]);
        }

        return fields;
    }
}

/// <summary>
/// SMSC message ids as receipts quote them. Many SMSCs give the id in submit_sm_resp in one base and quote it in the
/// receipt in another (hexadecimal "1A2B" then decimal "6699", or the reverse: Kannel's <c>msg-id-type</c>), some
/// with leading zeros or in another case. <see cref="Key"/> is the form an id is stored under; <see cref="Keys"/> the
/// forms a receipt's id may match, its own first.
/// </summary>
public static class SmscMessageId
{
    /// <summary>The id in lower case without leading zeros ("0" for an id of zeros).</summary>
    public static string Key(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        string trimmed = id.Trim().TrimStart('0').ToLowerInvariant();
        return trimmed.Length == 0 && id.Trim().Length > 0 ? "0" : trimmed;
    }

    /// <summary>
    /// The keys a receipt's <paramref name="id"/> may have been stored under: as it is; and, when it is a number, the
    /// same number written in the other base (a decimal id as hexadecimal, a hexadecimal one as decimal).
    /// </summary>
    public static IReadOnlyList<string> Keys(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        var keys = new List<string>(3) { Key(id) };
        string trimmed = id.Trim();
        if (trimmed.Length > 0 && trimmed.All(char.IsAsciiDigit) && ulong.TryParse(trimmed, NumberStyles.None, CultureInfo.InvariantCulture, out ulong asDecimal))
        {
            Add(keys, asDecimal.ToString("x", CultureInfo.InvariantCulture));
        }

        if (trimmed.Length > 0 && trimmed.All(char.IsAsciiHexDigit) && ulong.TryParse(trimmed, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out ulong asHex))
        {
            Add(keys, asHex.ToString(CultureInfo.InvariantCulture));
        }

        return keys;
    }

    private static void Add(List<string> keys, string value)
    {
        string key = Key(value);
        if (!keys.Contains(key))
        {
            keys.Add(key);
        }
    }
}
