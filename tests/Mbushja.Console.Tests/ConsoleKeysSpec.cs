using System.Xml.Linq;
using Mbushja.Storage;
using Mbushja.Storage.Commits;
using Mbushja.Testing;
using Microsoft.Extensions.Logging;

namespace Mbushja.WebConsole.Tests;

/// <summary>
/// The console's key repository on its own (<see cref="ConsoleKeys"/>), each server with its own commit queue on one
/// database: a name stored by two at once, an old folder with a file that cannot be read, and logs that never print a key.
/// </summary>
public sealed class ConsoleKeysSpec
{
    [Theory]
    [InlineData(DatabaseKind.Sqlite)]
    [InlineData(DatabaseKind.Postgres)]
    public async Task StoreElement_TwoServersOneNameAtOnce_StoredOnceAndNeitherFails(DatabaseKind kind)
    {
        await using TestDatabase database = await TestDatabase.CreateAsync(kind);
        using var data = new TempFolder();
        await using Server one = new(database.Database, data.Path);
        await using Server two = new(database.Database, data.Path);
        XElement first = Key("made by one"), second = Key("made by two");

        // As Data Protection calls it: synchronously, from two servers at once.
        await Task.WhenAll(Task.Run(() => one.Keys.StoreElement(first, "key-1")), Task.Run(() => two.Keys.StoreElement(second, "key-1")));

        XElement stored = Assert.Single(one.Keys.GetAllElements());
        Assert.True(XNode.DeepEquals(stored, first) || XNode.DeepEquals(stored, second), stored.ToString());
        Assert.True(XNode.DeepEquals(stored, Assert.Single(two.Keys.GetAllElements())));
    }

    [Theory]
    [InlineData(DatabaseKind.Sqlite)]
    [InlineData(DatabaseKind.Postgres)]
    public async Task GetAllElements_OldFolderWithAnUnreadableFile_BringsTheRestOver(DatabaseKind kind)
    {
        await using TestDatabase database = await TestDatabase.CreateAsync(kind);
        using var data = new TempFolder();
        string folder = Directory.CreateDirectory(Path.Combine(data.Path, ConsoleKeys.FolderName)).FullName;
        XElement old = Key("the old key");
        old.Save(Path.Combine(folder, "key-old.xml"));
        await File.WriteAllTextAsync(Path.Combine(folder, "key-torn.xml"), "<key><value>torn");
        await using Server server = new(database.Database, data.Path);

        XElement brought = Assert.Single(server.Keys.GetAllElements());

        Assert.True(XNode.DeepEquals(old, brought), brought.ToString());
        Assert.Contains(server.Log.Lines, l => l.Level == LogLevel.Warning && l.Text.Contains("key-torn.xml", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(DatabaseKind.Sqlite)]
    [InlineData(DatabaseKind.Postgres)]
    public async Task Logs_ImportAndStores_NeverHoldAKey(DatabaseKind kind)
    {
        await using TestDatabase database = await TestDatabase.CreateAsync(kind);
        using var data = new TempFolder();
        string folder = Directory.CreateDirectory(Path.Combine(data.Path, ConsoleKeys.FolderName)).FullName;
        Key("SECRET-in-the-folder").Save(Path.Combine(folder, "key-a.xml"));
        await File.WriteAllTextAsync(Path.Combine(folder, "key-b.xml"), "<key><value>SECRET-torn</valu></key>");
        await using Server one = new(database.Database, data.Path);
        await using Server two = new(database.Database, data.Path);

        Assert.Single(one.Keys.GetAllElements());
        one.Keys.StoreElement(Key("SECRET-stored"), "key-c");
        two.Keys.StoreElement(Key("SECRET-stored-again"), "key-c");
        Assert.Equal(2, two.Keys.GetAllElements().Count);

        // Something was said (the import, the unreadable file, the name stored twice), and none of it is a key.
        string logs = one.Log.All + "\n" + two.Log.All;
        Assert.Contains("key-b.xml", logs, StringComparison.Ordinal);
        Assert.Contains("key-c", logs, StringComparison.Ordinal);
        Assert.DoesNotContain("SECRET", logs, StringComparison.Ordinal);
    }

    /// <summary>An element shaped like one Data Protection stores, its secret in plain sight as without an encryptor.</summary>
    private static XElement Key(string secret) =>
        new("key", new XAttribute("id", Guid.NewGuid()), new XElement("descriptor", new XElement("masterKey", new XElement("value", secret))));

    /// <summary>What one server has of the keys: its own commit queue and repository, on the shared database.</summary>
    private sealed class Server : IAsyncDisposable
    {
        private readonly CommitQueue _commits;
        private readonly ILoggerFactory _logging;

        public Server(Database database, string dataDirectory)
        {
            _commits = new CommitQueue(database, TimeProvider.System);
            _logging = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(Log));
            Keys = new ConsoleKeys(database, _commits, Path.Combine(dataDirectory, ConsoleKeys.FolderName), _logging.CreateLogger<ConsoleKeys>());
        }

        public ListLogger Log { get; } = new();

        public ConsoleKeys Keys { get; }

        public async ValueTask DisposeAsync()
        {
            _logging.Dispose();
            await _commits.DisposeAsync();
        }
    }
}
