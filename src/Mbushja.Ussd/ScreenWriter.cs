using Mbushja.Text;

namespace Mbushja.Ussd;

/// <summary>
/// Puts text on a USSD screen: at most 182 GSM-7 characters (3GPP TS 23.038; extension characters such as € take two),
/// or 80 when the text needs UCS-2. Letters GSM-7 lacks are transliterated first when the operator wants that, so
/// Albanian screens keep their 182. Lists longer than a screen are split into pages, <c>98</c> showing the next.
/// </summary>
/// <param name="onCut">Told of every screen that had to be cut at the limit (texts too long for a screen: a configuration mistake).</param>
public sealed class ScreenWriter(bool transliterate, Action<string>? onCut = null)
{
    private int _cuts;

    /// <summary>The most GSM-7 septets a USSD string carries (160 octets).</summary>
    public const int MaxSeptets = 182;

    /// <summary>The most UCS-2 characters a USSD string carries (160 octets).</summary>
    public const int MaxUcs2 = 80;

    /// <summary>The shortest an elided value gets (<c>abc..yz</c>).</summary>
    private const int MinElided = 7;

    /// <summary>How many screens had to be cut so far; the configuration tests expect none.</summary>
    public int Cuts => Volatile.Read(ref _cuts);

    /// <summary>The text as the screen will show it.</summary>
    public string Prepare(string text) => transliterate ? Transliteration.ToGsm7(text) : text;

    /// <summary>How much of a screen the text takes, in septets: GSM-7 ones, or the UCS-2 share of 182.</summary>
    public static int Size(string text) => Gsm7.Septets(text) ?? (int)Math.Ceiling(text.Length * (double)MaxSeptets / MaxUcs2);

    public static bool Fits(string text) => Size(text) <= MaxSeptets;

    /// <summary>
    /// Renders a screen with one value that may be long (an account name of up to 64 characters): when the whole does
    /// not fit, the value is shortened in the middle (<c>abcdef..wxyz</c>) until it does.
    /// </summary>
    public string WithLongValue(Func<string, string> render, string value)
    {
        string text = Prepare(render(value));
        string shorter = value;
        while (!Fits(text) && shorter.Length > MinElided)
        {
            int over = Size(text) - MaxSeptets;
            int keep = Math.Max(MinElided - 2, shorter.Length - over - 2);
            int head = (keep + 1) / 2;
            shorter = string.Concat(shorter.AsSpan(0, head), "..", shorter.AsSpan(shorter.Length - (keep - head)));
            text = Prepare(render(shorter));
        }

        return Cut(text);
    }

    /// <summary>A whole screen; cut at the limit if it does not fit (the configuration tests make sure none needs it).</summary>
    public string Single(string text) => Cut(Prepare(text));

    /// <summary>
    /// One page of a list: the header lines, as many items as fit, then <c>98</c> when more follow, then the footer
    /// lines. Pages are cut the same way every time for the same content.
    /// </summary>
    /// <returns>The page's text, the items it shows (first index, count) and whether more pages follow.</returns>
    public ListPage Page(IReadOnlyList<string> header, IReadOnlyList<string> items, IReadOnlyList<string> footer, string moreLine, int page)
    {
        string[] head = [.. header.Select(Prepare)];
        string[] rows = [.. items.Select(Prepare)];
        string[] foot = [.. footer.Select(Prepare)];
        string more = Prepare(moreLine);
        int first = 0;
        for (int p = 0; ; p++)
        {
            int count = CountFitting(head, rows, first, foot, more);
            bool hasMore = first + count < rows.Length;
            if (p >= page || !hasMore)
            {
                IEnumerable<string> lines = head.Concat(rows.Skip(first).Take(count)).Concat(hasMore ? [more] : []).Concat(foot);
                return new ListPage(Cut(string.Join('\n', lines)), first, count, hasMore, p);
            }

            first += count;
        }
    }

    /// <summary>
    /// How many items from <paramref name="first"/> fit with the header, the footer and (if needed) the "more" line;
    /// at least one. A screen is GSM-7 or UCS-2 as a whole: one line outside GSM-7 makes every line count as UCS-2.
    /// </summary>
    private static int CountFitting(string[] head, string[] rows, int first, string[] foot, string more)
    {
        bool ucs2 = !head.Concat(rows).Concat(foot).Append(more).All(l => Gsm7.CanEncode(l));
        int budget = (ucs2 ? MaxUcs2 : MaxSeptets) + 1; // every line is counted with a break after it, the last one too
        int LineSize(string line) => (ucs2 ? line.Length : Gsm7.Septets(line)!.Value) + 1;

        int size = head.Sum(LineSize) + foot.Sum(LineSize);
        int count = 0;
        for (int i = first; i < rows.Length; i++)
        {
            int withRow = size + LineSize(rows[i]);
            // Unless this is the last item, room must stay for "98 more".
            int needed = withRow + (i == rows.Length - 1 ? 0 : LineSize(more));
            if (needed > budget && count > 0)
            {
                break;
            }

            size = withRow;
            count++;
        }

        return count;
    }

    private string Cut(string text)
    {
        if (Fits(text))
        {
            return text;
        }

        Interlocked.Increment(ref _cuts);
        onCut?.Invoke(text);

        int end = text.Length;
        while (end > 0 && !Fits(text[..end]))
        {
            end--;
        }

        return text[..end];
    }
}

/// <summary>A page of a list: its text, which items it shows, and whether more follow.</summary>
/// <param name="Page">The page shown: the one asked for, or the last one when fewer exist.</param>
public sealed record ListPage(string Text, int First, int Count, bool HasMore, int Page);
