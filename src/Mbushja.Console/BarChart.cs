namespace Mbushja.WebConsole;

/// <summary>A bar: its label in words, its value, the figure shown beside it, and the key it stands for (a refusal code), when the label translates one.</summary>
public sealed record Bar(string Label, long Value, string Figure, string? Key = null);

/// <summary>
/// A horizontal bar chart, drawn as SVG on the server (<c>Shared/_BarChart.cshtml</c>): no script, no library. The label
/// column is as wide as the longest label (none is cut), and the drawing scales to the width it is given.
/// </summary>
public sealed record BarChart(string Id, string Title, IReadOnlyList<Bar> Bars, string Empty)
{
    public const int BarWidth = 300;
    public const int RowHeight = 26;

    /// <summary>Room for the figure after the longest bar.</summary>
    public const int FigureWidth = 110;

    /// <summary>The label column: 9 px a character (a capital of the chart's 12 px type, with room), at least 60.</summary>
    public int LabelWidth => Math.Max(60, ((Bars.Count == 0 ? 0 : Bars.Max(b => b.Label.Length)) * 9) + 12);

    public int Width => LabelWidth + BarWidth + FigureWidth;

    public int Height => (Math.Max(1, Bars.Count) * RowHeight) + 6;

    /// <summary>A bar's length in pixels: the largest bar is full width; a bar that is not zero is at least visible.</summary>
    public long Length(Bar bar)
    {
        ArgumentNullException.ThrowIfNull(bar);
        long max = Bars.Count == 0 ? 0 : Bars.Max(b => b.Value);
        return max <= 0 || bar.Value <= 0 ? 0 : Math.Max(2, bar.Value * BarWidth / max);
    }
}
