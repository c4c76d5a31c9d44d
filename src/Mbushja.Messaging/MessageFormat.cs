using System.Globalization;

namespace Mbushja.Messaging;

/// <summary>How replies, receipts and screens write what they quote.</summary>
public static class MessageFormat
{
    /// <summary>31.12.2026, the way Kosovo writes dates.</summary>
    public static string Date(DateOnly date) => date.ToString("dd.MM.yyyy", CultureInfo.InvariantCulture);

    /// <summary>
    /// The reference a reply or receipt quotes: the random tail of the id (a UUIDv7 in hex), upper case, enough for
    /// customer care to find it (eight hex digits: one in four billion per millisecond).
    /// </summary>
    public static string Reference(string id)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        return id.Length <= 8 ? id.ToUpperInvariant() : id[^8..].ToUpperInvariant();
    }
}
