using System.Security.Cryptography;
using Mbushja.Storage;

namespace Mbushja.Server;

/// <summary>
/// Secrets in files: a generated one kept in the data folder (the admin key, the demo console password), and one an
/// operator gives in a file of their own.
/// </summary>
public static class SecretFile
{
    /// <summary>
    /// A generated secret kept in a file of the data folder: read when it is there, otherwise made, written readable by
    /// the owner only, and reported as new so that it is shown once.
    /// </summary>
    public static (string Value, bool Created) ReadOrCreate(string path)
    {
        if (File.Exists(path))
        {
            return (File.ReadAllText(path).Trim(), false);
        }

        DataFolder.CreateOwnerOnlyFolder(Path.GetDirectoryName(Path.GetFullPath(path))!);
        string value = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = DataFolder.OwnerOnlyFile;
        }

        try
        {
            using var writer = new StreamWriter(path, new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: false), options);
            writer.Write(value);
        }
        catch (IOException) when (File.Exists(path))
        {
            // Another process made it first: theirs is the one.
            return (File.ReadAllText(path).Trim(), false);
        }

        return (value, true);
    }

    /// <summary>
    /// A secret an operator keeps in a file (the SMSC password of <c>--smsc-password-file</c>): its first line, when
    /// only the owner may read the file (as ssh and libpq ask of theirs); otherwise why not, naming the file, never what
    /// it holds.
    /// </summary>
    public static (string? Value, string? Error) ReadOwnerOnly(string path, string option)
    {
        if (!File.Exists(path))
        {
            return (null, $"{option} {path}: no such file.");
        }

        if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & DataFolder.OthersAny) != 0)
        {
            return (null, $"{option} {path}: others may read or write it; make it readable by its owner only (chmod 600 {path}).");
        }

        string value;
        try
        {
            using var reader = new StreamReader(path);
            value = reader.ReadLine() ?? "";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return (null, $"{option} {path}: cannot be read ({e.GetType().Name}).");
        }

        return value.Length == 0 ? (null, $"{option} {path}: its first line is empty.") : (value, null);
    }
}
