namespace Mbushja.Testing;

/// <summary>The operator configuration the repository ships (<c>config/ipko</c>), for tests that read or edit it.</summary>
public static class ShippedConfig
{
    /// <summary><c>config/ipko</c> of the repository.</summary>
    public static string Directory { get; } = Path.Combine(RepoFolder.Root, "config", "ipko");

    /// <summary>A copy of the shipped folder in a temp folder, with some files' text changed; delete it after use.</summary>
    public static string CopyWith(params (string File, Func<string, string> Edit)[] edits)
    {
        string path = Path.Combine(Path.GetTempPath(), "mbushja-config-" + Guid.NewGuid().ToString("N"));
        foreach (string file in System.IO.Directory.EnumerateFiles(Directory, "*", SearchOption.AllDirectories))
        {
            string target = Path.Combine(path, Path.GetRelativePath(Directory, file));
            System.IO.Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }

        foreach ((string file, Func<string, string> edit) in edits)
        {
            string target = Path.Combine(path, file);
            File.WriteAllText(target, edit(File.ReadAllText(target)));
        }

        return path;
    }
}
