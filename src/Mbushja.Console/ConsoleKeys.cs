using System.Data.Common;
using System.Xml;
using System.Xml.Linq;
using Mbushja.Storage;
using Mbushja.Storage.Commits;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.Extensions.Logging;

namespace Mbushja.WebConsole;

/// <summary>
/// Where the keys that seal the console's session and antiforgery cookies live (ASP.NET Core Data Protection's key ring,
/// one XML element a row): the database's <c>console_keys</c>, so that every server on one database opens the cookies
/// any of them sealed, with no folder to share. An element is stored through the commit queue, once per name: two
/// servers storing one name at once make one row, and neither fails. The XML holds the key itself: nothing of it is
/// ever logged.
/// </summary>
/// <remarks>
/// Upgrade: keys used to be kept in each server's data folder (<see cref="FolderName"/>). A server that finds the table
/// empty at its first read brings the folder's keys over, so that sessions sealed before the upgrade stay open; after
/// that the folder is not read. Data Protection calls a repository synchronously (at start-up, when it makes a key, and
/// when it reads the key ring again, about once a day), so each call waits for its database work; the commit queue
/// allows it (it never posts back to the caller's context).
/// </remarks>
public sealed partial class ConsoleKeys(Database database, CommitQueue commits, string folder, ILogger<ConsoleKeys> logger) : IXmlRepository
{
    /// <summary>The folder, in the data folder, where the keys were kept before they moved to the database.</summary>
    public const string FolderName = DataFolder.ConsoleKeysFolder;

    /// <summary>Insert-if-absent: the primary key decides that a name is stored once, whoever stores it first.</summary>
    private const string Insert = "INSERT INTO console_keys (name, xml, created_at) VALUES (@name, @xml, @now) ON CONFLICT (name) DO NOTHING";

    /// <summary>Set once the table was seen holding keys, or the folder was dealt with: the folder is not looked at again.</summary>
    private volatile bool _folderDone;

    public IReadOnlyCollection<XElement> GetAllElements() => GetAllElementsAsync().GetAwaiter().GetResult();

    public void StoreElement(XElement element, string friendlyName) => StoreElementAsync(element, friendlyName).GetAwaiter().GetResult();

    /// <summary>Every element stored (keys and revocations), oldest first; at the first read of an empty table, the folder's first.</summary>
    public async Task<IReadOnlyList<XElement>> GetAllElementsAsync(CancellationToken ct = default)
    {
        IReadOnlyList<XElement> stored = await ReadAsync(ct);
        if (stored.Count > 0 || _folderDone)
        {
            _folderDone = true;
            return stored;
        }

        return await ImportFolderAsync(ct) > 0 ? await ReadAsync(ct) : stored;
    }

    /// <summary>Stores an element under its name, unless one of that name is stored already (by another server: the same key).</summary>
    public async Task StoreElementAsync(XElement element, string friendlyName, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(element);
        // Data Protection names every element it stores (key-<id>, revocation-<time>); a nameless one gets a name of its own.
        string name = string.IsNullOrWhiteSpace(friendlyName) ? Guid.NewGuid().ToString() : friendlyName;
        var insert = CommitStatement.Any(Insert, ("name", name), ("xml", Text(element)), ("now", commits.Time.GetUtcNow().ToUnixTimeMilliseconds()));
        await commits.CommitAsync(insert, Durability.Durable, ct);
        if (insert.Rows == 0)
        {
            LogStoredAlready(logger, name);
        }
    }

    /// <summary>
    /// Brings the folder's keys (the <c>*.xml</c> files Data Protection wrote there, named as it named them) into an empty
    /// table, in one commit. Returns how many it stored: none when there is no folder, or when the table holds keys by
    /// the commit (another server made or brought its own meanwhile: this server then uses those).
    /// </summary>
    private async Task<int> ImportFolderAsync(CancellationToken ct)
    {
        if (!Directory.Exists(folder))
        {
            _folderDone = true;
            return 0;
        }

        var keys = new List<(string Name, string Xml)>();
        foreach (string file in Directory.EnumerateFiles(folder, "*.xml").Order(StringComparer.Ordinal))
        {
            try
            {
                keys.Add((Path.GetFileNameWithoutExtension(file), Text(XElement.Load(file))));
            }
            catch (Exception e) when (e is XmlException or IOException or UnauthorizedAccessException)
            {
                // Only the kind of failure: a parser's message may quote what it read.
                LogUnreadable(logger, Path.GetFileName(file), folder, e.GetType().Name);
            }
        }

        if (keys.Count == 0)
        {
            _folderDone = true;
            return 0;
        }

        var import = new Import(keys);
        await commits.CommitAsync(import, Durability.Durable, ct);
        _folderDone = true;
        if (import.Stored > 0)
        {
            LogImported(logger, import.Stored, folder);
        }
        else
        {
            LogFolderUnused(logger, folder);
        }

        return import.Stored;
    }

    private async Task<IReadOnlyList<XElement>> ReadAsync(CancellationToken ct)
    {
        await using DbConnection connection = await database.OpenAsync(ct);
        await using DbCommand command = connection.Command("SELECT xml FROM console_keys ORDER BY created_at, name");
        await using DbDataReader r = await command.ExecuteReaderAsync(ct);
        var elements = new List<XElement>();
        while (await r.ReadAsync(ct))
        {
            elements.Add(XElement.Parse(r.GetString(0)));
        }

        return elements;
    }

    private static string Text(XElement element) => element.ToString(SaveOptions.DisableFormatting);

    /// <summary>Stores the folder's keys, only into a table that holds none when this commit runs.</summary>
    private sealed class Import(IReadOnlyList<(string Name, string Xml)> keys) : ICommitWork
    {
        public int Stored { get; private set; }

        public bool RefusesBeforeWriting => true;

        public async Task<CommitRefusal?> ApplyAsync(CommitContext context, CancellationToken cancellationToken)
        {
            Stored = 0;
            if (await context.Statement("SELECT 1 FROM console_keys LIMIT 1").ExecuteScalarAsync(cancellationToken) is not (null or DBNull))
            {
                return null;
            }

            foreach ((string name, string xml) in keys)
            {
                Stored += await context.ExecuteAsync(Insert, cancellationToken, ("name", name), ("xml", xml), ("now", context.NowMs));
            }

            return null;
        }
    }

    [LoggerMessage(EventId = 6011, Level = LogLevel.Information, Message = "Console keys: {Count} brought into the database from {Folder}, which is not read any more")]
    private static partial void LogImported(ILogger logger, int count, string folder);

    [LoggerMessage(EventId = 6012, Level = LogLevel.Information, Message = "Console keys: the database holds keys already, {Folder} is not read")]
    private static partial void LogFolderUnused(ILogger logger, string folder);

    [LoggerMessage(EventId = 6013, Level = LogLevel.Warning, Message = "Console keys: {File} in {Folder} could not be read ({Failure}) and was left out")]
    private static partial void LogUnreadable(ILogger logger, string file, string folder, string failure);

    [LoggerMessage(EventId = 6014, Level = LogLevel.Information, Message = "Console keys: {Name} was stored by another server already")]
    private static partial void LogStoredAlready(ILogger logger, string name);
}
