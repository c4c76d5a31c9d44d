using Mbushja.Domain;

namespace Mbushja.Storage;

/// <summary>
/// The server's data folder (<c>--data</c>) and what it keeps there: the SQLite database with its <c>-wal</c> and
/// <c>-shm</c>, the admin key, the demo console password, and the console keys of versions that kept them in a folder.
/// They hold subscribers, IBANs, password hashes and every transaction, so only their owner may read them: folders are
/// made 0700 and files 0600 whatever the umask, what an older version left readable is tightened at start, and a
/// folder that others may write is refused (whoever can write it can put a database or a key of their own in its
/// place). README "Security".
/// </summary>
public static class DataFolder
{
    /// <summary>The SQLite database in the data folder (with <c>--db</c> unset).</summary>
    public const string DatabaseFile = "mbushja.db";

    /// <summary>The generated admin key.</summary>
    public const string AdminKeyFile = "admin.key";

    /// <summary>The demo console users' password (<c>serve --demo</c>).</summary>
    public const string ConsolePasswordFile = "console.password";

    /// <summary>The bank statements of the demo's settled day (<c>serve --demo</c>), as the sandbox bank wrote them.</summary>
    public const string StatementsFolder = "statements";

    /// <summary>Where versions before the database held them kept the console's cookie keys.</summary>
    public const string ConsoleKeysFolder = "console-keys";

    public const UnixFileMode OwnerOnlyFolder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    public const UnixFileMode OwnerOnlyFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private const UnixFileMode OthersWrite = UnixFileMode.GroupWrite | UnixFileMode.OtherWrite;

    /// <summary>Any access by the group or others: what an owner-only file or folder has none of.</summary>
    public const UnixFileMode OthersAny = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
        | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    /// <summary>The files a SQLite database is kept in: the database, its write-ahead log, its shared memory and a rollback journal.</summary>
    public static IEnumerable<string> SqliteFiles(string database) => [database, database + "-wal", database + "-shm", database + "-journal"];

    /// <summary>
    /// Makes the folder (and any missing parent) owner-only when it is not there; refuses one that others may write
    /// (<see cref="ConfigurationException"/>, naming the folder).
    /// </summary>
    public static void Open(string folder)
    {
        string full = Path.GetFullPath(folder);
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(full);
            return;
        }

        if (!Directory.Exists(full))
        {
            Directory.CreateDirectory(full, OwnerOnlyFolder);
            return;
        }

        if ((File.GetUnixFileMode(full) & OthersWrite) != 0)
        {
            throw new ConfigurationException([
                $"The data folder {full} is one that others can write (mode {Octal(File.GetUnixFileMode(full))}): it holds the database and the keys, "
                + $"so only its owner may write it. Make it owner-only (chmod 700 {full}) or give another --data.",
            ]);
        }
    }

    /// <summary>
    /// Tightens to owner-only what the server keeps in the folder (and the SQLite database given with <c>--db</c>,
    /// when it is elsewhere), as an older version may have left it readable by others. Returns what was changed, one
    /// entry each (<c>mbushja.db 0644</c>), for the log; empty when everything was owner-only already.
    /// </summary>
    public static IReadOnlyList<string> Tighten(string folder, string? sqliteDatabase = null)
    {
        var changed = new List<string>();
        if (OperatingSystem.IsWindows())
        {
            return changed;
        }

        string full = Path.GetFullPath(folder);
        Tighten(full, OwnerOnlyFolder, full, changed);
        string[] files = [.. SqliteFiles(Path.Combine(full, DatabaseFile)), Path.Combine(full, AdminKeyFile), Path.Combine(full, ConsolePasswordFile)];
        if (sqliteDatabase is not null)
        {
            files = [.. files, .. SqliteFiles(Path.GetFullPath(sqliteDatabase))];
        }

        foreach (string file in files.Distinct(StringComparer.Ordinal).Where(File.Exists))
        {
            Tighten(file, OwnerOnlyFile, full, changed);
        }

        foreach (string kept in new[] { ConsoleKeysFolder, StatementsFolder }.Select(f => Path.Combine(full, f)).Where(Directory.Exists))
        {
            Tighten(kept, OwnerOnlyFolder, full, changed);
            foreach (string file in Directory.EnumerateFiles(kept))
            {
                Tighten(file, OwnerOnlyFile, full, changed);
            }
        }

        return changed;
    }

    /// <summary>Makes a file owner-only when it is not there yet (SQLite then opens it as a new database); an existing one is left as it is.</summary>
    public static void CreateOwnerOnlyFile(string path)
    {
        if (OperatingSystem.IsWindows() || File.Exists(path))
        {
            return;
        }

        try
        {
            using var created = new FileStream(path, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                UnixCreateMode = OwnerOnlyFile,
            });
        }
        catch (IOException) when (File.Exists(path))
        {
            // Another process made it first.
        }
    }

    /// <summary>
    /// Writes <paramref name="text"/> (UTF-8, no byte-order mark) to <paramref name="path"/> whole or not at all: to a new
    /// owner-only file beside it, then moved over it.
    /// </summary>
    public static void WriteOwnerOnlyFile(string path, string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string temporary = path + ".new";
        File.Delete(temporary);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = OwnerOnlyFile;
        }

        using (var writer = new StreamWriter(temporary, new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: false), options))
        {
            writer.Write(text);
        }

        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>Makes a folder, and any missing parent, owner-only; one that is there is left as it is.</summary>
    public static void CreateOwnerOnlyFolder(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
        }
        else
        {
            Directory.CreateDirectory(path, OwnerOnlyFolder);
        }
    }

    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static void Tighten(string path, UnixFileMode ownerOnly, string folder, List<string> changed)
    {
        UnixFileMode mode = File.GetUnixFileMode(path);
        if ((mode & OthersAny) == 0)
        {
            return;
        }

        try
        {
            File.SetUnixFileMode(path, mode & ~OthersAny & ownerOnly);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new ConfigurationException([$"{path} can be read by others (mode {Octal(mode)}) and cannot be made owner-only: {e.Message}"]);
        }

        string name = path == folder ? path : Path.GetRelativePath(folder, path);
        changed.Add($"{name} {Octal(mode)}");
    }

    private static string Octal(UnixFileMode mode) => Convert.ToString((int)mode & 0b111_111_111, 8).PadLeft(4, '0');
}
