using Mbushja.Cli;
using Mbushja.Domain;
using Mbushja.Storage;
using Mbushja.Testing;
using Microsoft.Extensions.Logging;

namespace Mbushja.Server.Tests;

/// <summary>
/// What a server starts with, secure by default (README "Security"): a data folder only its owner may read, an admin
/// key too long to guess, and no SMSC password on the command line.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // file modes are Unix's
[Collection(ProcessEnvironment.Name)]
public sealed class SecureStartSpec
{
    private const UnixFileMode OwnerOnlyFolder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    private const UnixFileMode OwnerOnlyFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>
    /// Two binds of one system_id where the SMSC allows one: the start stops at the server's own checks, after every
    /// check of the command line, so a test that gets this reason knows those checks let the arguments through (and no
    /// server is left running).
    /// </summary>
    private static readonly string[] StopsAtTheBindLimit =
        ["--smsc", "smpp://securespec@smsc1.example", "--smsc", "smpp://securespec@smsc2.example", "--smpp-max-binds-per-system-id", "1"];

    private const string BindLimitReason = "2 binds for system_id 'securespec'";

    /// <summary>The password of the binds of <see cref="StopsAtTheBindLimit"/>, from the environment.</summary>
    private const string BindPasswordVariable = "MBUSHJA_SMPP_PASSWORD_SECURESPEC";

    private static string NewFolderPath() => Path.Combine(Path.GetTempPath(), "mbushja-secure-" + Guid.NewGuid().ToString("N"));

    /// <summary>Runs <paramref name="body"/> with the variables set (null: unset), then puts them back.</summary>
    private static async Task WithEnvironmentAsync(IReadOnlyDictionary<string, string?> variables, Func<Task> body)
    {
        Dictionary<string, string?> before = variables.Keys.ToDictionary(k => k, Environment.GetEnvironmentVariable);
        foreach ((string name, string? value) in variables)
        {
            Environment.SetEnvironmentVariable(name, value);
        }

        try
        {
            await body();
        }
        finally
        {
            foreach ((string name, string? value) in before)
            {
                Environment.SetEnvironmentVariable(name, value);
            }
        }
    }

    // ---------------------------------------------------------------- the data folder: owner-only --

    [Fact]
    public async Task Start_OnANewDataFolder_MakesTheFolderTheDatabaseAndItsKeysOwnerOnly()
    {
        // With the usual umask (022) a folder is made 0755 and a file 0644: readable by every user of the machine.
        string data = NewFolderPath();
        RunningServer server = await RunningServer.StartAsync("", demo: true, configure: s => s with { Db = null, DataDirectory = data });
        try
        {
            // One write at least, so that SQLite has made its -wal and -shm.
            await server.Http.GetAsync("/health");
            Assert.Equal(OwnerOnlyFolder, File.GetUnixFileMode(data));
            foreach (string file in new[] { "mbushja.db", "mbushja.db-wal", "mbushja.db-shm", "console.password" })
            {
                Assert.True(File.Exists(Path.Combine(data, file)), $"{file} is missing");
                Assert.True(OwnerOnlyFile == File.GetUnixFileMode(Path.Combine(data, file)), $"{file}: {File.GetUnixFileMode(Path.Combine(data, file))}");
            }
        }
        finally
        {
            await server.DisposeAsync();
            Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public async Task Start_OnAnOlderVersionsDataFolder_TightensItsFilesToOwnerOnly_AndSaysSo()
    {
        string data = NewFolderPath();
        Directory.CreateDirectory(data);
        const UnixFileMode Readable = OwnerOnlyFile | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
        const UnixFileMode ReadableFolder = OwnerOnlyFolder | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;
        File.SetUnixFileMode(data, ReadableFolder);
        await using (Database old = Database.Sqlite(Path.Combine(data, "mbushja.db")))
        {
            await old.MigrateAsync();
        }

        string keys = Path.Combine(data, "console-keys");
        Directory.CreateDirectory(keys);
        File.SetUnixFileMode(keys, ReadableFolder);
        await File.WriteAllTextAsync(Path.Combine(keys, "key-1.xml"), "<key/>");
        string statements = Path.Combine(data, "statements");
        Directory.CreateDirectory(statements);
        File.SetUnixFileMode(statements, ReadableFolder);
        await File.WriteAllTextAsync(Path.Combine(statements, "TEB-2026-03-02.csv"), "reference,date,amount\r\n");
        await File.WriteAllTextAsync(Path.Combine(data, "admin.key"), new string('k', 43));
        foreach (string file in new[] { "mbushja.db", "admin.key", "console-keys/key-1.xml", "statements/TEB-2026-03-02.csv" })
        {
            File.SetUnixFileMode(Path.Combine(data, file), Readable);
        }

        var log = new ListLogger();
        RunningServer server = await RunningServer.StartAsync("", configure: s => s with { Db = null, DataDirectory = data, LogProviders = [log] });
        try
        {
            Assert.Equal(OwnerOnlyFolder, File.GetUnixFileMode(data));
            Assert.Equal(OwnerOnlyFolder, File.GetUnixFileMode(keys));
            Assert.Equal(OwnerOnlyFolder, File.GetUnixFileMode(statements));
            Assert.All(new[] { "mbushja.db", "admin.key", "console-keys/key-1.xml", "statements/TEB-2026-03-02.csv" }, file => Assert.Equal(OwnerOnlyFile, File.GetUnixFileMode(Path.Combine(data, file))));
            (LogLevel level, _, string text) = Assert.Single(log.Lines, l => l.Text.Contains("owner-only", StringComparison.Ordinal));
            Assert.Equal(LogLevel.Warning, level);
            Assert.Contains("mbushja.db", text, StringComparison.Ordinal);
            Assert.Contains("console-keys", text, StringComparison.Ordinal);
            Assert.Contains("statements/TEB-2026-03-02.csv", text, StringComparison.Ordinal);
        }
        finally
        {
            await server.DisposeAsync();
            Directory.Delete(data, recursive: true);
        }
    }

    [Theory]
    [InlineData(UnixFileMode.GroupWrite)]
    [InlineData(UnixFileMode.OtherWrite)]
    public async Task Serve_OnADataFolderOthersCanWrite_ExitsOneWithTheReason(UnixFileMode others)
    {
        string data = NewFolderPath();
        Directory.CreateDirectory(data);
        File.SetUnixFileMode(data, OwnerOnlyFolder | others | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
        try
        {
            await WithEnvironmentAsync(new Dictionary<string, string?> { [BindPasswordVariable] = "pw" }, async () =>
            {
                CliTests.Run run = await CliTests.RunAsync(["serve", "--data", data, .. StopsAtTheBindLimit]);

                Assert.Equal(1, run.ExitCode);
                Assert.Contains(data, run.Stderr, StringComparison.Ordinal);
                Assert.Contains("others can write", run.Stderr, StringComparison.Ordinal);
                Assert.False(File.Exists(Path.Combine(data, "admin.key")), "A key was written into a folder others can write.");
            });
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    // ---------------------------------------------------------------- the admin key: 32 characters at least --

    [Theory]
    [InlineData("k")]
    [InlineData("   ")]
    [InlineData("")]
    [InlineData("short-admin-key-31-characters-x")]
    public async Task Serve_AnAdminKeyShorterThan32Characters_ExitsOneWithTheReason_NeverTheKey(string key)
    {
        string data = NewFolderPath();
        try
        {
            await WithEnvironmentAsync(new Dictionary<string, string?> { [MbushjaCli.AdminKeyVariable] = key, [BindPasswordVariable] = "pw" }, async () =>
            {
                CliTests.Run run = await CliTests.RunAsync(["serve", "--data", data, .. StopsAtTheBindLimit]);

                Assert.Equal(1, run.ExitCode);
                Assert.Contains($"{MbushjaCli.AdminKeyVariable}", run.Stderr, StringComparison.Ordinal);
                Assert.Contains("32 characters", run.Stderr, StringComparison.Ordinal);
                if (key.Trim().Length > 8)
                {
                    Assert.DoesNotContain(key, run.Stderr + run.Stdout, StringComparison.Ordinal);
                }
            });
        }
        finally
        {
            if (Directory.Exists(data))
            {
                Directory.Delete(data, recursive: true);
            }
        }
    }

    [Fact]
    public async Task Serve_AnAdminKeyOf32Characters_IsTaken()
    {
        string data = NewFolderPath();
        try
        {
            await WithEnvironmentAsync(
                new Dictionary<string, string?> { [MbushjaCli.AdminKeyVariable] = "admin-key-of-thirty-two-chars-ok", [BindPasswordVariable] = "pw" },
                async () =>
                {
                    CliTests.Run run = await CliTests.RunAsync(["serve", "--data", data, .. StopsAtTheBindLimit]);

                    Assert.Equal(1, run.ExitCode);
                    Assert.Contains(BindLimitReason, run.Stderr, StringComparison.Ordinal);
                });
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public async Task Build_WithAShortAdminKey_IsRefused()
    {
        var settings = new ServerSettings { Urls = "http://127.0.0.1:0", DataDirectory = NewFolderPath(), AdminKey = "k" };

        ConfigurationException refused = await Assert.ThrowsAsync<ConfigurationException>(() => MbushjaServer.BuildAsync(settings));

        Assert.Contains("32 characters", refused.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(settings.DataDirectory), "The data folder was made for a server that does not start.");
    }

    // ---------------------------------------------------------------- the SMSC password: not on the command line --

    [Fact]
    public async Task Serve_SmscPasswordFromAnOwnerOnlyFile_IsTaken()
    {
        string data = NewFolderPath();
        string file = Path.Combine(Path.GetTempPath(), "mbushja-smsc-pw-" + Guid.NewGuid().ToString("N"));
        await File.WriteAllTextAsync(file, "s3cret\n");
        File.SetUnixFileMode(file, OwnerOnlyFile);
        try
        {
            await WithEnvironmentAsync(new Dictionary<string, string?> { [BindPasswordVariable] = null }, async () =>
            {
                CliTests.Run run = await CliTests.RunAsync(["serve", "--data", data, "--smsc-password-file", file, .. StopsAtTheBindLimit]);

                Assert.True(run.ExitCode == 1, run.Stderr);
                Assert.Contains(BindLimitReason, run.Stderr, StringComparison.Ordinal);
            });
        }
        finally
        {
            File.Delete(file);
            if (Directory.Exists(data))
            {
                Directory.Delete(data, recursive: true);
            }
        }
    }

    [Fact]
    public async Task Serve_SmscPasswordFileOthersCanRead_ExitsTwoWithTheReason_NeverThePassword()
    {
        string file = Path.Combine(Path.GetTempPath(), "mbushja-smsc-pw-" + Guid.NewGuid().ToString("N"));
        await File.WriteAllTextAsync(file, "s3cret\n");
        File.SetUnixFileMode(file, OwnerOnlyFile | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        try
        {
            CliTests.Run run = await CliTests.RunAsync("serve", "--smsc", "smpp://mbushja@smsc1.example", "--smsc-password-file", file);

            Assert.Equal(2, run.ExitCode);
            Assert.Contains(file, run.Stderr, StringComparison.Ordinal);
            Assert.Contains("owner", run.Stderr, StringComparison.Ordinal);
            Assert.DoesNotContain("s3cret", run.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Start_WithAnSmscPasswordInTheUrl_WarnsWithoutThePassword()
    {
        await using FakeSmsc smsc = FakeSmsc.Start();
        await using TestDatabase database = await TestDatabase.CreateAsync(DatabaseKind.Sqlite);
        string url = $"smpp://{FakeSmsc.SystemId}:{FakeSmsc.Password}@127.0.0.1:{smsc.Port}?name=inurl";
        (IReadOnlyList<Mbushja.Smpp.Session.SmppSessionOptions> binds, string? error) = Smpp.SmppSettings.ParseBind(url, 0, _ => null);
        Assert.Null(error);
        var log = new ListLogger();
        await using RunningServer server = await RunningServer.StartAsync(database.Option, configure: s => s with
        {
            Smpp = SmppServerFixture.SettingsFor([.. binds]) with { PasswordsInUrls = ["inurl"] },
            LogProviders = [log],
        });
        (LogLevel level, _, string text) = Assert.Single(log.Lines, l => l.Text.Contains("password", StringComparison.OrdinalIgnoreCase) && l.Text.Contains("inurl", StringComparison.Ordinal));

        Assert.Equal(LogLevel.Warning, level);
        Assert.Contains("MBUSHJA_SMPP_PASSWORD", text, StringComparison.Ordinal);
        Assert.DoesNotContain(FakeSmsc.Password, log.All, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("smpp://mbushja:pw@smsc:2775", true)]
    [InlineData("smpp://mbushja:@smsc:2775", true)]
    [InlineData("smpp://mbushja@smsc:2775", false)]
    public void HasPasswordInUrl_TellsAUrlThatCarriesOne(string url, bool expected) =>
        Assert.Equal(expected, Smpp.SmppSettings.HasPasswordInUrl(url));
}

/// <summary>
/// Tests that set the process's environment variables (the admin key, an SMSC password), which every test in the process
/// may read: they run alone, after the others.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessEnvironment
{
    public const string Name = "process environment";
}
