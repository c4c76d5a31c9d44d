using System.Globalization;

namespace Mbushja.Storage;

/// <summary>
/// Where a page of a newest-first list ended: the time (milliseconds since 1970) and id of its last row. The next page
/// is the rows strictly before it in (time, id) order, read from an index on both, so that the hundredth page costs what
/// the first does (keyset paging; docs/design/lookup.md). Written <c>1733222444555-0193a1…</c> in a link.
/// </summary>
public readonly record struct PageCursor(long AtMs, string Id)
{
    /// <summary>Longest id a cursor carries (a link is refused beyond it).</summary>
    public const int MaxIdLength = 64;

    /// <summary>The parameters <see cref="Condition"/> names.</summary>
    public (string, object?)[] Parameters => [("before_at", AtMs), ("before_id", Id)];

    /// <summary>
    /// The rows before the cursor, for a list in <c>ORDER BY at DESC, id DESC</c>: the time bound is given on its own too,
    /// so that the index's range starts at the cursor on either engine.
    /// </summary>
    public static string Condition(string atColumn, string idColumn) =>
        $"{atColumn} <= @before_at AND ({atColumn}, {idColumn}) < (@before_at, @before_id)";

    /// <summary>A cursor as a link writes it; null for none, or for text that is not one (the list then starts at its newest).</summary>
    public static PageCursor? Parse(string? text)
    {
        int dash = text?.IndexOf('-', StringComparison.Ordinal) ?? -1;
        if (text is null || dash <= 0)
        {
            return null;
        }

        string id = text[(dash + 1)..];
        return long.TryParse(text.AsSpan(0, dash), NumberStyles.None, CultureInfo.InvariantCulture, out long at)
            && id.Length is > 0 and <= MaxIdLength && id.All(char.IsAsciiLetterOrDigit)
            ? new PageCursor(at, id)
            : null;
    }

    public override string ToString() => AtMs.ToString(CultureInfo.InvariantCulture) + "-" + Id;
}

/// <summary>One page of a newest-first list, and where the next one starts (null: this was the last).</summary>
public sealed record Paged<T>(IReadOnlyList<T> Rows, PageCursor? Next)
{
    public static Paged<T> Empty { get; } = new([], null);

    /// <summary>
    /// The page from rows read with one more than <paramref name="size"/>: the extra row only says a next page exists,
    /// which starts after the page's last row.
    /// </summary>
    public static Paged<T> Of(List<T> rows, int size, Func<T, PageCursor> cursorOf)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(cursorOf);
        if (rows.Count <= size)
        {
            return new(rows, null);
        }

        rows.RemoveRange(size, rows.Count - size);
        return new(rows, cursorOf(rows[^1]));
    }
}
