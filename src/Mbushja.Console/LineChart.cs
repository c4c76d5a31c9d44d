using System.Globalization;
using System.Text;

namespace Mbushja.WebConsole;

/// <summary>One line of a <see cref="LineChart"/>: a value per day (null: none that day), the figure shown for each, and its total.</summary>
public sealed record ChartSeries(string Name, IReadOnlyList<double?> Values, IReadOnlyList<string> Figures, string Total);

/// <summary>
/// Lines over days, drawn as SVG on the server (<c>Shared/_LineChart.cshtml</c>): no script, no library. The drawing has
/// a fixed coordinate space and scales to the width it is given (<c>viewBox</c>).
/// </summary>
/// <param name="Axis">How a value on the vertical axis is written.</param>
/// <param name="Whole">The values are counts: the axis's marks are whole numbers.</param>
public sealed record LineChart(
    string Id, string Title, IReadOnlyList<DateOnly> Days, IReadOnlyList<ChartSeries> Series, Func<double, string> Axis, string Empty, bool Whole = false)
{
    public const int Width = 640;
    public const int Height = 230;
    public const int Left = 64;
    public const int Right = 14;
    public const int Top = 10;
    public const int Bottom = 26;

    /// <summary>Nothing to draw: every value is zero or none.</summary>
    public bool IsEmpty => Series.All(s => s.Values.All(v => v is null or 0));

    /// <summary>
    /// The top of the vertical axis: four marks of a round step (1, 2, 2.5 or 5 times a power of ten; for counts a whole
    /// number, 2.5 left out) reaching at least the largest value.
    /// </summary>
    public double Max
    {
        get
        {
            double largest = Series.SelectMany(s => s.Values).Max(v => v ?? 0);
            if (largest <= 0)
            {
                return 4;
            }

            double magnitude = Math.Pow(10, Math.Floor(Math.Log10(largest / 4)));
            foreach (double step in Whole ? [1, 2, 5, 10] : new[] { 1, 2, 2.5, 5, 10 })
            {
                double mark = Whole ? Math.Max(1, step * magnitude) : step * magnitude;
                if (mark * 4 >= largest)
                {
                    return mark * 4;
                }
            }

            return largest;
        }
    }

    /// <summary>The values written on the vertical axis, bottom to top.</summary>
    public IReadOnlyList<double> Ticks => [.. Enumerable.Range(0, 5).Select(i => Max * i / 4)];

    /// <summary>The days whose date is written under the axis: about one a week, the last always.</summary>
    public bool Labelled(int day) => day == Days.Count - 1 || (Days.Count - 1 - day) % 7 == 0;

    public static string Coordinate(double value) => value.ToString("0.#", CultureInfo.InvariantCulture);

    public double X(int day) => Left + (Days.Count <= 1 ? 0 : day * (Width - Left - Right) / (double)(Days.Count - 1));

    public double Y(double value) => Top + ((Height - Top - Bottom) * (1 - (value / Max)));

    /// <summary>A series' line, as the <c>points</c> of polylines: one per run of days with a value.</summary>
    public IReadOnlyList<string> Lines(ChartSeries series)
    {
        ArgumentNullException.ThrowIfNull(series);
        var lines = new List<string>();
        var points = new StringBuilder();
        for (int i = 0; i <= series.Values.Count; i++)
        {
            if (i < series.Values.Count && series.Values[i] is { } value)
            {
                points.Append(points.Length == 0 ? "" : " ").Append(Coordinate(X(i))).Append(',').Append(Coordinate(Y(value)));
            }
            else if (points.Length > 0)
            {
                lines.Add(points.ToString());
                points.Clear();
            }
        }

        return lines;
    }
}
