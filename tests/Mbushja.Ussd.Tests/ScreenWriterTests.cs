namespace Mbushja.Ussd.Tests;

/// <summary>A USSD screen holds 182 GSM-7 septets (€ and other extension characters take two), or 80 UCS-2 characters.</summary>
public sealed class ScreenWriterTests
{
    private readonly ScreenWriter _writer = new(transliterate: true);

    [Theory]
    [InlineData(182, true)]
    [InlineData(183, false)]
    public void Fits_GsmText_Is182Septets(int length, bool fits) => Assert.Equal(fits, ScreenWriter.Fits(new string('a', length)));

    [Fact]
    public void Fits_EuroSign_CountsTwice() => Assert.False(ScreenWriter.Fits(new string('a', 181) + "€"));

    [Theory]
    [InlineData(80, true)]
    [InlineData(81, false)]
    public void Fits_TextOutsideGsm7_Is80Characters(int length, bool fits) => Assert.Equal(fits, ScreenWriter.Fits("ë" + new string('a', length - 1)));

    [Fact]
    public void Prepare_Transliterates_OnlyWhenAsked()
    {
        Assert.Equal("Zgjidhni paketen", new ScreenWriter(true).Prepare("Zgjidhni paketën"));
        Assert.Equal("Zgjidhni paketën", new ScreenWriter(false).Prepare("Zgjidhni paketën"));
    }

    [Fact]
    public void Page_LongList_SplitsIntoPagesThatEachFit_WithMoreOnAllButTheLast()
    {
        string[] items = [.. Enumerable.Range(1, 30).Select(i => $"{i}. Paketa numër {i} me emër të gjatë")];

        var pages = new List<ListPage>();
        for (int p = 0; pages.Count == 0 || pages[^1].HasMore; p++)
        {
            pages.Add(_writer.Page(["Zgjidhni paketën:"], items, ["0 Kthehu  00 Menyja"], "98 Më shumë", p));
        }

        Assert.True(pages.Count > 2);
        Assert.All(pages, page => Assert.True(ScreenWriter.Fits(page.Text), page.Text));
        Assert.All(pages[..^1], page => Assert.EndsWith("\n98 Me shume\n0 Kthehu  00 Menyja", page.Text, StringComparison.Ordinal));
        Assert.EndsWith("\n30. Paketa numer 30 me emer te gjate\n0 Kthehu  00 Menyja", pages[^1].Text, StringComparison.Ordinal);
        // Every item once, in order, each page starting where the last ended.
        Assert.Equal(Enumerable.Range(0, 30), pages.SelectMany(p => Enumerable.Range(p.First, p.Count)));
        Assert.All(pages, page => Assert.StartsWith("Zgjidhni paketen:\n", page.Text, StringComparison.Ordinal));
        Assert.Equal(0, _writer.Cuts);
    }

    [Fact]
    public void Page_BeyondTheLast_ShowsTheLast()
    {
        string[] items = [.. Enumerable.Range(1, 30).Select(i => $"{i}. Item number {i} of a long list")];

        ListPage last = _writer.Page([], items, [], "98 More", 1000);

        Assert.False(last.HasMore);
        Assert.Equal(30, last.First + last.Count);
    }

    [Fact]
    public void Page_WithoutTransliteration_CountsAsUcs2_AndStillFits()
    {
        var writer = new ScreenWriter(transliterate: false);
        string[] items = [.. Enumerable.Range(1, 12).Select(i => $"{i}. Paketë {i}")];

        ListPage first = writer.Page(["Zgjidhni paketën:"], items, ["0 Kthehu"], "98 Më shumë", 0);

        Assert.True(first.HasMore);
        Assert.True(first.Text.Length <= ScreenWriter.MaxUcs2, first.Text);
        Assert.Contains("ë", first.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void WithLongValue_ShortensTheValueInTheMiddle_UntilTheScreenFits()
    {
        string account = "a" + new string('b', 62) + "z";

        string text = _writer.WithLongValue(a => new string('x', 150) + "\n" + a, account);

        Assert.True(ScreenWriter.Fits(text));
        Assert.Equal(ScreenWriter.MaxSeptets, ScreenWriter.Size(text));
        Assert.Contains("..", text, StringComparison.Ordinal);
        Assert.StartsWith("ab", text[151..], StringComparison.Ordinal);
        Assert.EndsWith("bz", text, StringComparison.Ordinal);
        Assert.Equal(0, _writer.Cuts);
    }

    [Fact]
    public void Single_TooLong_IsCut_AndCounted()
    {
        var cut = new List<string>();
        var writer = new ScreenWriter(true, cut.Add);

        string text = writer.Single(new string('a', 200));

        Assert.Equal(182, text.Length);
        Assert.Equal(1, writer.Cuts);
        Assert.Single(cut);
    }
}
