namespace Mbushja.Testing;

/// <summary>The repository's root folder (where <c>Mbushja.slnx</c> is), found from the test binaries upward.</summary>
public static class RepoFolder
{
    public static string Root
    {
        get
        {
            for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Mbushja.slnx")))
                {
                    return dir.FullName;
                }
            }

            throw new InvalidOperationException($"No Mbushja.slnx above {AppContext.BaseDirectory}.");
        }
    }
}
