using System.CommandLine;
using Mbushja.Domain;
using Mbushja.Sms;
using Mbushja.Storage;
using Mbushja.Storage.Commits;
using Mbushja.WebConsole;
using Mbushja.WebConsole.Users;
using Microsoft.Extensions.Logging.Abstractions;

namespace Mbushja.Cli;

/// <summary>
/// <c>mbushja users add|list</c>: the console's users from the command line, first of all the first admin (README
/// "Console"). A password is never an argument (arguments show in <c>ps</c>): it comes from
/// <see cref="PasswordVariable"/> or the first line of standard input.
/// </summary>
internal static class UsersCommand
{
    public const string PasswordVariable = "MBUSHJA_CONSOLE_PASSWORD";

    public static Command Create(Option<DirectoryInfo?> config, TextWriter output, TextWriter errors, TextReader? stdin)
    {
        var users = new Command("users", "The web console's users: add one (the first admin too), list them.");
        users.Subcommands.Add(Add(config, output, errors, stdin));
        users.Subcommands.Add(List(output));
        return users;
    }

    private static Command Add(Option<DirectoryInfo?> config, TextWriter output, TextWriter errors, TextReader? stdin)
    {
        var username = new Option<string>("--username") { Description = "The new user's name: 3 to 64 of a-z, 0-9, '.', '-', '_'.", Required = true };
        var role = new Option<string>("--role") { Description = $"One of {string.Join(", ", ConsoleRoles.Names)}.", Required = true };
        var bank = new Option<string?>("--bank") { Description = "The bank of a bank officer (its code, e.g. TEB); only for bank officers." };
        var (data, db) = StorageOptions();
        var command = new Command(
            "add",
            $"Add a console user. The password comes from {PasswordVariable} or the first line of standard input (never an argument).")
        {
            username, role, bank, data, db,
        };
        command.SetAction(async (parse, ct) =>
        {
            string name = ConsoleUsers.Normalize(parse.GetValue(username)!);
            if (!ConsoleUsers.IsValidUsername(name))
            {
                return await BadAsync(errors, $"--username '{name}' is not 3 to 64 of a-z, 0-9, '.', '-', '_'.");
            }

            if (ConsoleRoles.Parse(parse.GetValue(role)) is not { } chosen)
            {
                return await BadAsync(errors, $"--role '{parse.GetValue(role)}' is not one of {string.Join(", ", ConsoleRoles.Names)}.");
            }

            string? bankCode = parse.GetValue(bank);
            if ((chosen == ConsoleRole.BankOfficer) != !string.IsNullOrWhiteSpace(bankCode))
            {
                return await BadAsync(errors, chosen == ConsoleRole.BankOfficer ? "--role bank-officer needs --bank CODE." : "--bank is only for --role bank-officer.");
            }

            BankDirectory banks;
            try
            {
                banks = BankDirectory.Load(parse.GetValue(config)?.FullName ?? OperatorConfig.DefaultDirectory);
            }
            catch (ConfigurationException e)
            {
                await errors.WriteLineAsync(e.Message);
                return 1;
            }

            string[] codes = [.. banks.Banks.Select(b => b.Code)];
            if (bankCode is not null && banks.ByCode(bankCode) is null)
            {
                return await BadAsync(errors, $"--bank '{bankCode}' is not a bank of the configuration ({string.Join(", ", codes)}).");
            }

            string? password = ReadPassword(stdin, errors);
            if (string.IsNullOrEmpty(password) || password.Length < ConsoleOptions.Default.MinPasswordLength)
            {
                return await BadAsync(
                    errors, $"the password (from {PasswordVariable} or standard input) must have at least {ConsoleOptions.Default.MinPasswordLength} characters.");
            }

            await using Database database = Database.FromOption(parse.GetValue(db), parse.GetValue(data)!.FullName);
            await database.MigrateAsync(ct);
            await using var commits = new CommitQueue(database, TimeProvider.System);
            var store = new ConsoleUsers(database, commits, TimeProvider.System, ConsoleOptions.Default, codes, NullLogger<ConsoleUsers>.Instance);
            if (await store.CreateAsync(name, chosen, bankCode, password, "cli", ct) is { } refused)
            {
                await errors.WriteLineAsync($"mbushja: {refused.Message}");
                return 1;
            }

            await output.WriteLineAsync($"Console user {name} added as {chosen.ToWire()}{(bankCode is null ? "" : " of " + bankCode.Trim().ToUpperInvariant())}.");
            return 0;
        });
        return command;
    }

    private static Command List(TextWriter output)
    {
        var (data, db) = StorageOptions();
        var command = new Command("list", "List the console users: name, role, bank, whether locked out.") { data, db };
        command.SetAction(async (parse, ct) =>
        {
            await using Database database = Database.FromOption(parse.GetValue(db), parse.GetValue(data)!.FullName);
            await database.MigrateAsync(ct);
            await using var commits = new CommitQueue(database, TimeProvider.System);
            var store = new ConsoleUsers(database, commits, TimeProvider.System, ConsoleOptions.Default, [], NullLogger<ConsoleUsers>.Instance);
            DateTimeOffset now = TimeProvider.System.GetUtcNow();
            foreach (ConsoleUser user in await store.ListAsync(ct))
            {
                string state = user.IsLockedAt(now) ? $"locked until {user.LockedUntil:yyyy-MM-dd HH:mm:ss}Z" : "active";
                await output.WriteLineAsync($"{user.Username,-24} {user.Role.ToWire(),-13} {user.BankCode ?? "-",-6} {state}");
            }

            return 0;
        });
        return command;
    }

    /// <summary>The same <c>--data</c> and <c>--db</c> as <c>serve</c>, so that a user is added to the database the server uses.</summary>
    private static (Option<DirectoryInfo> Data, Option<string?> Db) StorageOptions() => (
        new Option<DirectoryInfo>("--data")
        {
            Description = "Data folder of the server (its SQLite database).",
            DefaultValueFactory = _ => new DirectoryInfo(".data"),
        },
        new Option<string?>("--db") { Description = "The server's PostgreSQL connection string or URL. Default: SQLite in the data folder." });

    /// <summary>The password from the environment, else the first line of standard input (typed without echo at a terminal).</summary>
    private static string? ReadPassword(TextReader? stdin, TextWriter errors)
    {
        if (Environment.GetEnvironmentVariable(PasswordVariable) is { Length: > 0 } fromEnvironment)
        {
            return fromEnvironment;
        }

        if (stdin is not null || Console.IsInputRedirected)
        {
            return (stdin ?? Console.In).ReadLine()?.TrimEnd('\r');
        }

        errors.Write("Password: ");
        var typed = new System.Text.StringBuilder();
        for (ConsoleKeyInfo key = Console.ReadKey(intercept: true); key.Key != ConsoleKey.Enter; key = Console.ReadKey(intercept: true))
        {
            if (key.Key == ConsoleKey.Backspace)
            {
                typed.Length = Math.Max(0, typed.Length - 1);
            }
            else if (!char.IsControl(key.KeyChar))
            {
                typed.Append(key.KeyChar);
            }
        }

        errors.WriteLine();
        return typed.ToString();
    }

    private static async Task<int> BadAsync(TextWriter errors, string reason)
    {
        await errors.WriteLineAsync($"mbushja: {reason}");
        return MbushjaCli.BadArguments;
    }
}
