namespace Mbushja.WebConsole;

/// <summary>One bar: what it is, its size, and the figure written beside it.</summary>
public sealed record Bar(string Label, long Value, string Figure);

/// <summary>A horizontal bar chart, drawn as SVG on the server (<c>Shared/_BarChart.cshtml</c>): no script, no library.</summary>
public sealed record BarChart(string Id, string Title, IReadOnlyList<Bar> Bars, string Empty)
{
    public const int LabelWidth = 150;
    public const int BarWidth = 300;
    public const int RowHeight = 26;

    public int Height => (Math.Max(1, Bars.Count) * RowHeight) + 6;

    /// <summary>A bar's length in pixels: the largest bar is full width; a bar that is not zero is at least visible.</summary>
    public long Length(Bar bar)
    {
        long max = Bars.Count == 0 ? 0 : Bars.Max(b => b.Value);
        return max <= 0 || bar.Value <= 0 ? 0 : Math.Max(2, bar.Value * BarWidth / max);
    }
}
