using System.Net;
using System.Net.Sockets;
using Mbushja.Storage;
using Mbushja.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;

namespace Mbushja.Server.Tests;

/// <summary>
/// A start that fails is said once, by whoever starts the server (the CLI prints "mbushja: cannot start: …"): the host does
/// not log it a second time as an error with a stack trace.
/// </summary>
public sealed class StartLogSpec
{
    [Fact]
    public async Task AddressInUse_TheStartFails_AndTheHostLogsNoErrorOfItsOwn()
    {
        await using TestDatabase database = await TestDatabase.CreateAsync(DatabaseKind.Sqlite);
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        int port = ((IPEndPoint)taken.LocalEndpoint).Port;
        var log = new ListLogger();
        string data = Path.Combine(Path.GetTempPath(), "mbushja-start-log-" + Guid.NewGuid().ToString("N"));
        var settings = new ServerSettings
        {
            Urls = $"http://127.0.0.1:{port}",
            DataDirectory = data,
            Db = database.Option,
            AdminKey = RunningServer.AdminKey,
            LogProviders = [log],
        };
        try
        {
            await using WebApplication app = await MbushjaServer.BuildAsync(settings);

            IOException refused = await Assert.ThrowsAnyAsync<IOException>(() => app.StartAsync());

            Assert.Contains("address already in use", refused.Message, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(log.Lines, l => l.Level >= LogLevel.Error);
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }
}
