using System.Security.Cryptography;
using Mbushja.Storage;

namespace Mbushja.Server;

/// <summary>
/// A generated secret kept in a file of the data folder (the admin key, the demo console password): read when it is
/// there, otherwise made, written readable by the owner only, and reported as new so that it is shown once.
/// </summary>
public static class SecretFile
{
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
}
