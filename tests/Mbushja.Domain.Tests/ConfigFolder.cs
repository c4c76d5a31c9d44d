namespace Mbushja.Domain.Tests;

/// <summary>The shipped configuration, and throwaway copies of it with mistakes written in.</summary>
internal sealed class ConfigFolder : IDisposable
{
    private ConfigFolder(string path) => Path = path;

    public string Path { get; }

    /// <summary><c>config/ipko</c> of the repository, found by walking up from the test binaries.</summary>
    public static string Shipped => Mbushja.Testing.ShippedConfig.Directory;

    public static string ShippedOperator => File.ReadAllText(System.IO.Path.Combine(Shipped, "operator.json"));

    public static string ShippedCatalog => File.ReadAllText(System.IO.Path.Combine(Shipped, "catalog.json"));

    /// <summary>A temp folder holding the given files; a null text leaves that file out.</summary>
    public static ConfigFolder With(string? operatorJson, string? catalogJson)
    {
        string path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "mbushja-config-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        if (operatorJson is not null)
        {
            File.WriteAllText(System.IO.Path.Combine(path, "operator.json"), operatorJson);
        }

        if (catalogJson is not null)
        {
            File.WriteAllText(System.IO.Path.Combine(path, "catalog.json"), catalogJson);
        }

        return new ConfigFolder(path);
    }

    /// <summary>The shipped text with one fragment replaced; fails loudly unless the fragment is there exactly once.</summary>
    public static string Edit(string text, string find, string replace)
    {
        int at = text.IndexOf(find, StringComparison.Ordinal);
        Assert.True(at >= 0, $"'{find}' is not in the shipped configuration.");
        Assert.True(text.IndexOf(find, at + 1, StringComparison.Ordinal) < 0, $"'{find}' is in the shipped configuration twice.");
        return string.Concat(text.AsSpan(0, at), replace, text.AsSpan(at + find.Length));
    }

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
