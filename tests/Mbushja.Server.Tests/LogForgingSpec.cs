using System.Net;
using System.Text;
using Mbushja.Storage;
using Mbushja.Testing;
using Mbushja.WebConsole.Users;
using Microsoft.Extensions.DependencyInjection;

namespace Mbushja.Server.Tests;

/// <summary>
/// Text that outsiders type reaches the logs escaped (README "Security"): a console user name, an SMS sender. Nothing
/// in it can end a line and forge the next, drive a terminal or turn the text around; numbers stay masked.
/// </summary>
public sealed class LogForgingSpec
{
    /// <summary>A carriage return, a new line that forges a line of its own, a terminal escape, a line separator and a right-to-left override.</summary>
    private const string Forged = "\r\n02:00:00 info: Mbushja.WebConsole.Users.ConsoleUsers[6002] Console sign-in of admin (Admin)\u001b[2J\u2028\u202e";

    private static void AssertNoForgedLine(ListLogger log)
    {
        foreach ((_, _, string text) in log.Lines)
        {
            Assert.DoesNotContain('\r', text);
            Assert.DoesNotContain('\n', text);
            Assert.DoesNotContain('\u001b', text);
            Assert.DoesNotContain('\u2028', text);
            Assert.DoesNotContain('\u202e', text);
        }
    }

    [Fact]
    public async Task ConsoleSignIn_WithAForgedUserName_LogsItEscaped()
    {
        await using TestDatabase database = await TestDatabase.CreateAsync(DatabaseKind.Sqlite);
        var log = new ListLogger();
        await using RunningServer server = await RunningServer.StartAsync(database.Option, configure: s => s with { LogProviders = [log] });
        ConsoleUsers users = server.App.Services.GetRequiredService<ConsoleUsers>();

        await users.SignInAsync("nobody" + Forged, "any password");

        string line = Assert.Single(log.Lines, l => l.Event.Id == 6003).Text;
        // Names are compared in lower case: the line shows the name so.
        Assert.Contains(@"nobody\r\n02:00:00 info:", line, StringComparison.Ordinal);
        Assert.Contains(@"\u001b[2j\u2028\u202e", line, StringComparison.Ordinal);
        AssertNoForgedLine(log);
    }

    [Fact]
    public async Task Sms_FromAForgedSender_LogsItEscapedAndMasked()
    {
        await using TestDatabase database = await TestDatabase.CreateAsync(DatabaseKind.Sqlite);
        var log = new ListLogger();
        await using RunningServer server = await RunningServer.StartAsync(database.Option, configure: s => s with { LogProviders = [log] });
        string from = "\u001b[2J\r\n049123456";
        using var content = new StringContent(Api.Json(new { from, to = "50005", text = "5" }), Encoding.UTF8, "application/json");

        using HttpResponseMessage response = await server.Http.PostAsync("/api/v1/sms/inbound", content);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        string line = Assert.Single(log.Lines, l => l.Event.Id == 3001 && l.Text.Contains("refused", StringComparison.Ordinal)).Text;
        Assert.Contains(@"\u001b[2J\r\n", line, StringComparison.Ordinal);
        Assert.DoesNotContain("049123456", line, StringComparison.Ordinal);
        AssertNoForgedLine(log);
    }
}
