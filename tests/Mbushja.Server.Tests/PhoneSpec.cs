using System.Net;
using Mbushja.Cli;
using Mbushja.Storage;
using Mbushja.Testing;

namespace Mbushja.Server.Tests;

/// <summary>A server with the demo data, for the phone emulator to talk to.</summary>
public sealed class DemoServerFixture : IAsyncLifetime
{
    private TestDatabase _database = null!;

    public RunningServer Server { get; private set; } = null!;

    public string Url => Server.Http.BaseAddress!.ToString().TrimEnd('/');

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync(DatabaseKind.Sqlite);
        Server = await RunningServer.StartAsync(_database.Option, demo: true);
    }

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        await _database.DisposeAsync();
    }
}

/// <summary>
/// <c>mbushja phone</c> (README "USSD *101#"): a person dials *101# and walks the menu, or sends an SMS to a short
/// code, against a running server; here the person is a script of lines, and the server is real, with the demo data.
/// </summary>
public sealed class PhoneSpec(DemoServerFixture demo) : IClassFixture<DemoServerFixture>
{
    private async Task<(int Exit, string Output, string Errors)> PhoneAsync(string from, params string[] lines)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        using var stdin = new StringReader(string.Join('\n', lines) + "\n");
        int exit = await MbushjaCli.RunAsync(["phone", "--from", from, "--server", demo.Url], stdout, stderr, stdin);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public async Task Phone_DialsAndPays_ThenChecksTheBalance_ThenSendsAnSms()
    {
        (int exit, string output, string errors) = await PhoneAsync(
            "049111111", "*101#", "1", "1", "700100200", "1", "*101*2#", "", "50005 5", "q");

        Assert.Equal(0, exit);
        Assert.Equal("", errors);
        Assert.Contains("| 1. Pagesat", output, StringComparison.Ordinal);
        Assert.Contains("| Shkruani numrin e karteles SMART:", output, StringComparison.Ordinal);
        Assert.Contains("| Gjithsej: 9.00 €", output, StringComparison.Ordinal);
        Assert.Contains("U pagua DTV Familjare per 700100200: 9.00 €.", Screens(output), StringComparison.Ordinal);
        Assert.Contains("  session ended", output, StringComparison.Ordinal);
        Assert.Contains("| Krediti juaj: 11.00 €", output, StringComparison.Ordinal); // 20.00 - 9.00, dialled as *101*2#
        Assert.Contains("(hung up)", output, StringComparison.Ordinal);
        Assert.Contains("U krye: 049111111 +5.00 €, krediti 16.00 €.", Screens(output), StringComparison.Ordinal);
        Assert.Contains("  SMS from 50005: completed", output, StringComparison.Ordinal);
        Assert.All(output.Split('\n').Where(l => l.StartsWith('|')), l => Assert.True(l.Length <= 40, l)); // a phone's width
        Assert.Equal(1600, (await (await demo.Server.Http.GetAsAdminAsync("/api/v1/subscribers/049111111")).ExpectAsync(HttpStatusCode.OK)).Long("creditCents"));
    }

    [Fact]
    public async Task Phone_ServerRefusal_IsShown_AndThePhoneGoesOn()
    {
        (int exit, string output, _) = await PhoneAsync("12", "*101#", "*999#", "hello", "q");

        Assert.Equal(0, exit);
        Assert.Contains("The server refused: 400 INVALID_NUMBER:", output, StringComparison.Ordinal);
        Assert.Contains("Dial a code like *101#", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Phone_ServerNotRunning_SaysSo()
    {
        using var stdout = new StringWriter();
        int exit = await MbushjaCli.RunAsync(["phone", "--from", "049111111", "--server", "http://127.0.0.1:9"], stdout, new StringWriter(), new StringReader("*101#\n"));

        Assert.Equal(0, exit);
        Assert.Contains("Cannot reach http://127.0.0.1:9/", stdout.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--server", "ftp://x")]
    [InlineData("--nonsense", "1")]
    public async Task Phone_BadArguments_Exit2(string option, string value)
    {
        var stderr = new StringWriter();

        int exit = await MbushjaCli.RunAsync(["phone", "--from", "049111111", option, value], new StringWriter(), stderr, new StringReader(""));

        Assert.Equal(MbushjaCli.BadArguments, exit);
        Assert.StartsWith("mbushja: ", stderr.ToString(), StringComparison.Ordinal);
    }

    /// <summary>What the framed screens say, their wrapped lines joined again.</summary>
    private static string Screens(string output) =>
        string.Join(' ', output.Split('\n').Where(l => l.StartsWith("| ", StringComparison.Ordinal)).Select(l => l[2..^1].Trim()));
}
