using System.Net;
using System.Security.Cryptography;
using Mbushja.Server.Tests;
using Mbushja.Storage;
using Mbushja.Testing;
using Mbushja.WebConsole.Users;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Extensions.DependencyInjection;

namespace Mbushja.WebConsole.Tests;

/// <summary>
/// Two servers on one database, each with a data folder of its own: two machines behind one load balancer, sharing no
/// folder.
/// </summary>
public abstract class SharedDatabaseHosts : IAsyncLifetime
{
    public abstract DatabaseKind Kind { get; }

    public TestDatabase Database { get; private set; } = null!;

    public RunningServer First { get; private set; } = null!;

    public RunningServer Second { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Database = await TestDatabase.CreateAsync(Kind);
        First = await RunningServer.StartAsync(Database.Option);
        Second = await RunningServer.StartAsync(Database.Option);
    }

    public async Task DisposeAsync()
    {
        await Second.DisposeAsync();
        await First.DisposeAsync();
        await Database.DisposeAsync();
    }
}

public sealed class SqliteSharedDatabaseHosts : SharedDatabaseHosts
{
    public override DatabaseKind Kind => DatabaseKind.Sqlite;
}

public sealed class PostgresSharedDatabaseHosts : SharedDatabaseHosts
{
    public override DatabaseKind Kind => DatabaseKind.Postgres;
}

/// <summary>
/// The keys that seal the console's cookies are the database's (README "Console"): a session or a form begun on one
/// server goes on on any other, the first server to start makes the key and the others use it, and a server upgraded
/// from keys kept in its data folder brings them over, so sessions sealed before the upgrade stay open.
/// </summary>
public abstract class SharedKeysSpec<THosts>(THosts hosts) : IClassFixture<THosts>
    where THosts : SharedDatabaseHosts
{
    /// <summary>What a test seals as the server did before the upgrade, and opens after it.</summary>
    private const string Purpose = "Mbushja.Tests.SharedKeys";

    [Fact]
    public async Task SignIn_FormFromOneServerSessionOnTheOther_EachServerAcceptsWhatTheOtherSealed()
    {
        string name = await NewAgentAsync();
        var jar = new CookieContainer();
        using var first = new ConsoleClient(hosts.First.Http.BaseAddress!, jar);
        using var second = new ConsoleClient(hosts.Second.Http.BaseAddress!, jar);

        // The sign-in form (and its antiforgery cookie) from the first server, posted to the second.
        string token = await first.TokenAsync(ConsoleSetup.SignInPath);
        using HttpResponseMessage signIn = await second.PostAsync(
            ConsoleSetup.SignInPath, ConsoleClient.Fields(("username", name), ("password", ConsoleHost.Password)), token);
        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        Assert.StartsWith(ConsoleSetup.Root, signIn.Headers.Location!.OriginalString, StringComparison.Ordinal);

        // The session the second server sealed, read by the first.
        (HttpStatusCode status, string body) = await first.GetTextAsync("/console/dashboard");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains(name, body, StringComparison.Ordinal);
    }

    /// <summary>
    /// Sign-out on one server ends the session on every server of the database: the session's cookie, copied before
    /// (or still held by a browser behind the load balancer), opens nothing on the other afterwards.
    /// </summary>
    [Fact]
    public async Task SignOut_OnOneServer_EndsTheSessionOnTheOther()
    {
        string name = await NewAgentAsync();
        using var first = new ConsoleClient(hosts.First.Http.BaseAddress!);
        await first.SignInAsync(name);
        var copied = new CookieContainer();
        Uri console = new(hosts.First.Http.BaseAddress!, ConsoleSetup.Root + "/");
        foreach (Cookie cookie in first.Cookies.GetCookies(console))
        {
            copied.Add(new Cookie(cookie.Name, cookie.Value, cookie.Path, cookie.Domain));
        }

        using var second = new ConsoleClient(hosts.Second.Http.BaseAddress!, copied);
        Assert.Equal(HttpStatusCode.OK, (await second.GetTextAsync("/console/lookup")).Status);

        using HttpResponseMessage signedOut = await first.SubmitAsync("/console/lookup", "/console/sign-out");
        using HttpResponseMessage after = await second.GetAsync("/console/lookup");

        Assert.Equal(HttpStatusCode.Redirect, signedOut.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, after.StatusCode);
        Assert.Contains(ConsoleSetup.SignInPath, after.Headers.Location!.OriginalString, StringComparison.Ordinal);
    }

    [Fact]
    public void Start_SecondServerOnTheDatabase_UsesTheFirstServersKeyAndMakesNone()
    {
        // Each server read the key ring at its start (the first making the key): one key between them.
        IKey key = Assert.Single(Keys(hosts.First));
        Assert.Equal(key.KeyId, Assert.Single(Keys(hosts.Second)).KeyId);
        string payload = Protector(hosts.First).Protect("sealed by the first");
        Assert.Equal("sealed by the first", Protector(hosts.Second).Unprotect(payload));
    }

    [Fact]
    public async Task Start_EmptyTableAndKeysInTheOldFolder_OpensWhatTheFolderKeysSealed()
    {
        await using TestDatabase database = await TestDatabase.CreateAsync(hosts.Kind);
        using var data = new TempFolder();
        (string payload, Guid oldKey) = SealAsBeforeTheUpgrade(data.Path, "sealed before the upgrade");

        await using RunningServer upgraded = await RunningServer.StartAsync(database.Option, configure: s => s with { DataDirectory = data.Path });
        await using RunningServer other = await RunningServer.StartAsync(database.Option);

        // The folder's key was brought over, and no key made instead: what it sealed opens on this server and on one
        // that never had the folder.
        Assert.Equal(oldKey, Assert.Single(Keys(upgraded)).KeyId);
        Assert.Equal("sealed before the upgrade", Protector(upgraded).Unprotect(payload));
        Assert.Equal("sealed before the upgrade", Protector(other).Unprotect(payload));
    }

    [Fact]
    public async Task Start_KeysInTheTable_LeavesTheOldFolderUnread()
    {
        await using TestDatabase database = await TestDatabase.CreateAsync(hosts.Kind);
        await using RunningServer first = await RunningServer.StartAsync(database.Option);
        Guid key = Assert.Single(Keys(first)).KeyId;
        using var data = new TempFolder();
        (string payload, Guid oldKey) = SealAsBeforeTheUpgrade(data.Path, "sealed with a key the database never held");

        await using RunningServer second = await RunningServer.StartAsync(database.Option, configure: s => s with { DataDirectory = data.Path });

        Assert.Equal(key, Assert.Single(Keys(second)).KeyId);
        Assert.NotEqual(key, oldKey);
        Assert.ThrowsAny<CryptographicException>(() => Protector(second).Unprotect(payload));
    }

    private async Task<string> NewAgentAsync()
    {
        string name = $"keys{Random.Shared.Next(100_000, 1_000_000)}";
        Assert.Null(await hosts.First.App.Services.GetRequiredService<ConsoleUsers>().CreateAsync(name, ConsoleRole.Agent, null, ConsoleHost.Password, "test"));
        return name;
    }

    private static IReadOnlyCollection<IKey> Keys(RunningServer server) => server.App.Services.GetRequiredService<IKeyManager>().GetAllKeys();

    private static IDataProtector Protector(RunningServer server) =>
        server.App.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector(Purpose);

    /// <summary>
    /// Seals <paramref name="text"/> as a server did before its keys moved to the database: Data Protection under the
    /// console's application name, keys in <c>&lt;data&gt;/console-keys</c>. Returns what it sealed and the key it made.
    /// </summary>
    private static (string Payload, Guid Key) SealAsBeforeTheUpgrade(string dataDirectory, string text)
    {
        using ServiceProvider before = new ServiceCollection()
            .AddDataProtection()
            .SetApplicationName("Mbushja")
            .PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(dataDirectory, ConsoleKeys.FolderName)))
            .Services.BuildServiceProvider();
        string payload = before.GetRequiredService<IDataProtectionProvider>().CreateProtector(Purpose).Protect(text);
        return (payload, Assert.Single(before.GetRequiredService<IKeyManager>().GetAllKeys()).KeyId);
    }
}

public sealed class SqliteSharedKeysSpec(SqliteSharedDatabaseHosts hosts) : SharedKeysSpec<SqliteSharedDatabaseHosts>(hosts);

public sealed class PostgresSharedKeysSpec(PostgresSharedDatabaseHosts hosts) : SharedKeysSpec<PostgresSharedDatabaseHosts>(hosts);

/// <summary>A data folder of a test's own, removed at the end.</summary>
internal sealed class TempFolder : IDisposable
{
    public string Path { get; } = Directory.CreateDirectory(
        System.IO.Path.Combine(System.IO.Path.GetTempPath(), "mbushja-keys-test-" + Guid.NewGuid().ToString("N"))).FullName;

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
