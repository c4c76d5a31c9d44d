using Mbushja.Cli;
using Mbushja.Storage;
using Mbushja.WebConsole.Users;
using Microsoft.Extensions.Logging.Abstractions;

namespace Mbushja.WebConsole.Tests;

/// <summary>
/// <c>mbushja users add|list</c> (the first admin is created from the CLI: README "Console"), in process on a SQLite
/// data folder of its own. The password comes from standard input here; never from an argument.
/// </summary>
public sealed class UsersCliSpec : IDisposable
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "mbushja-console-cli-" + Guid.NewGuid().ToString("N"));

    private sealed record Run(int ExitCode, string Stdout, string Stderr);

    private async Task<Run> RunAsync(string stdin, params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        int exit = await MbushjaCli.RunAsync([.. args, "--data", _data], stdout, stderr, new StringReader(stdin));
        return new Run(exit, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public async Task UsersAdd_FirstAdminWithPasswordOnStdin_CanSignIn()
    {
        Run run = await RunAsync("first-admin-password\n", "users", "add", "--username", "Root.Admin", "--role", "admin");

        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Contains("root.admin", run.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("first-admin-password", run.Stdout + run.Stderr, StringComparison.Ordinal);
        await using Database database = Database.Sqlite(Path.Combine(_data, "mbushja.db"));
        await using var commits = new Mbushja.Storage.Commits.CommitQueue(database, TimeProvider.System);
        var users = new ConsoleUsers(database, commits, TimeProvider.System, ConsoleOptions.Default, [], NullLogger<ConsoleUsers>.Instance);
        SignInResult signedIn = await users.SignInAsync("root.admin", "first-admin-password");
        Assert.Equal(SignInStatus.SignedIn, signedIn.Status);
        Assert.Equal(ConsoleRole.Admin, signedIn.User!.Role);
    }

    [Fact]
    public async Task UsersAdd_BankOfficerOfTeb_IsListedWithItsBank()
    {
        Assert.Equal(0, (await RunAsync("officer-password-1\n", "users", "add", "--username", "ana", "--role", "bank-officer", "--bank", "teb")).ExitCode);

        Run list = await RunAsync("", "users", "list");

        Assert.Equal(0, list.ExitCode);
        string line = Assert.Single(list.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Matches(@"^ana\s+bank-officer\s+TEB\s+active$", line);
    }

    [Fact]
    public async Task UsersAdd_TakenName_ExitsOneAndChangesNothing()
    {
        Assert.Equal(0, (await RunAsync("first-password-1\n", "users", "add", "--username", "dita", "--role", "agent")).ExitCode);

        Run again = await RunAsync("second-password-2\n", "users", "add", "--username", "dita", "--role", "admin");

        Assert.Equal(1, again.ExitCode);
        Assert.Contains("already", again.Stderr, StringComparison.Ordinal);
        Assert.Matches(@"^dita\s+agent\s", (await RunAsync("", "users", "list")).Stdout);
    }

    public static TheoryData<string, string[], string> BadArguments { get; } = new()
    {
        { "a-good-password", ["--username", "x1", "--role", "admin"], "--username" },
        { "a-good-password", ["--username", "bob", "--role", "boss"], "--role 'boss'" },
        { "a-good-password", ["--username", "bob", "--role", "bank-officer"], "needs --bank" },
        { "a-good-password", ["--username", "bob", "--role", "agent", "--bank", "TEB"], "--bank is only" },
        { "a-good-password", ["--username", "bob", "--role", "bank-officer", "--bank", "XYZ"], "--bank 'XYZ'" },
        { "short", ["--username", "bob", "--role", "admin"], "at least 10 characters" },
        { "", ["--username", "bob", "--role", "admin"], "at least 10 characters" },
        { "a-good-password", ["--role", "admin"], "--username" },
    };

    [Theory]
    [MemberData(nameof(BadArguments))]
    public async Task UsersAdd_BadArguments_ExitTwoWithOneLineAndNoUser(string password, string[] args, string reason)
    {
        Run run = await RunAsync(password + "\n", ["users", "add", .. args]);

        Assert.Equal(MbushjaCli.BadArguments, run.ExitCode);
        Assert.Contains(reason, run.Stderr, StringComparison.Ordinal);
        Assert.Single(run.Stderr.TrimEnd('\n').Split('\n'));
        Assert.Equal("", (await RunAsync("", "users", "list")).Stdout);
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (Directory.Exists(_data))
        {
            Directory.Delete(_data, recursive: true);
        }
    }
}
