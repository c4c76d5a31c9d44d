using System.CommandLine;
using System.Security.Cryptography;
using Mbushja.Domain;
using Mbushja.Server;
using Mbushja.Sms;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;

namespace Mbushja.Cli;

/// <summary>The <c>mbushja</c> command line: <c>serve</c> and <c>parse</c>.</summary>
public static class MbushjaCli
{
    /// <summary>Exit code for arguments that cannot be used (SPEC §5).</summary>
    public const int BadArguments = 2;

    public const string AdminKeyVariable = "MBUSHJA_ADMIN_KEY";

    public static async Task<int> RunAsync(string[] args, TextWriter? stdout = null, TextWriter? stderr = null)
    {
        TextWriter output = stdout ?? Console.Out;
        TextWriter errors = stderr ?? Console.Error;

        var config = new Option<DirectoryInfo?>("--config")
        {
            Description = "Operator configuration folder (operator.json, catalog.json, banks/*.json). Default: the shipped IPKO configuration.",
            Recursive = true,
        };

        var root = new RootCommand(
            "Mbushja: subscribers top up and pay their operator's services by USSD (*101#, from prepaid credit) "
            + "and by SMS to a bank's short code (from a bank current account).");
        root.Options.Add(config);
        root.Subcommands.Add(ServeCommand(config, output, errors));
        root.Subcommands.Add(ParseCommand(config, output, errors));

        ParseResult parsed = root.Parse(args, new ParserConfiguration());
        if (parsed.Errors.Count > 0)
        {
            string command = parsed.CommandResult.Command == root ? "" : parsed.CommandResult.Command.Name + " ";
            await errors.WriteLineAsync($"mbushja: {parsed.Errors[0].Message} (see 'mbushja {command}--help')");
            return BadArguments;
        }

        return await parsed.InvokeAsync(new InvocationConfiguration { Output = output, Error = errors });
    }

    private static Command ParseCommand(Option<DirectoryInfo?> config, TextWriter output, TextWriter errors)
    {
        var to = new Option<string>("--to") { Description = "The short code the SMS was sent to (it selects the bank).", Required = true };
        var from = new Option<string>("--from") { Description = "The sender's mobile number, in any accepted form.", Required = true };
        var text = new Option<string>("--text") { Description = "The SMS text, exactly as sent.", Required = true };
        var command = new Command("parse", "Show how an SMS to a bank's short code is understood, as one JSON object. Changes nothing.")
        {
            to, from, text,
        };
        command.SetAction(async parse =>
        {
            string directory = parse.GetValue(config)?.FullName ?? OperatorConfig.DefaultDirectory;
            SmsInterpreter interpreter;
            try
            {
                // Loading checks every bank's grammar: an ambiguous one is refused here, with a text that shows it.
                interpreter = new SmsInterpreter(BankDirectory.Load(directory), OperatorConfig.Load(directory).Numbering);
            }
            catch (ConfigurationException e)
            {
                await errors.WriteLineAsync(e.Message);
                return 1;
            }

            SmsInterpretation result = interpreter.Interpret(parse.GetValue(to), parse.GetValue(from), parse.GetValue(text));
            await output.WriteLineAsync(result.ToJson());
            return 0;
        });
        return command;
    }

    private static Command ServeCommand(Option<DirectoryInfo?> config, TextWriter output, TextWriter errors)
    {
        var urls = new Option<string>("--urls")
        {
            Description = "Where to listen (loopback by default).",
            DefaultValueFactory = _ => "http://127.0.0.1:8080",
        };
        var data = new Option<DirectoryInfo>("--data")
        {
            Description = "Data folder: the SQLite database and the generated admin key.",
            DefaultValueFactory = _ => new DirectoryInfo(".data"),
        };
        var db = new Option<string?>("--db")
        {
            Description = "PostgreSQL connection string (Host=...;Username=...;Database=...) or postgres:// URL. Default: SQLite in the data folder.",
        };
        var demo = new Option<bool>("--demo") { Description = "Load the demo data set (see the README) so every flow can be tried at once." };
        var command = new Command("serve", "Run the platform: HTTP APIs, USSD and SMS endpoints, the sandbox bank.")
        {
            urls, data, db, demo,
        };
        command.SetAction(async (parse, ct) =>
        {
            DirectoryInfo folder = parse.GetValue(data)!;
            folder.Create();
            string adminKey = AdminKeyFor(folder, output);
            var settings = new ServerSettings
            {
                Urls = parse.GetValue(urls)!,
                DataDirectory = folder.FullName,
                Db = parse.GetValue(db),
                ConfigDirectory = parse.GetValue(config)?.FullName,
                AdminKey = adminKey,
                Demo = parse.GetValue(demo),
            };
            WebApplication app;
            try
            {
                app = await MbushjaServer.BuildAsync(settings, ct);
            }
            catch (ConfigurationException e)
            {
                await errors.WriteLineAsync(e.Message);
                return 1;
            }
            catch (Exception e) when (e is System.Data.Common.DbException or InvalidOperationException or IOException or UnauthorizedAccessException)
            {
                // A database that cannot be reached or migrated: one clear line, not a stack trace.
                await errors.WriteLineAsync($"mbushja: cannot start: {e.Message}");
                return 1;
            }

            await using (app)
            {
                string store = settings.Db is null ? $"SQLite {Path.Combine(folder.FullName, "mbushja.db")}" : "the given database";
                await output.WriteLineAsync($"Mbushja on {settings.Urls} — {store}; sandbox bank{(settings.Demo ? "; demo data loaded" : "")}. Ctrl+C stops.");
                await app.StartAsync(ct);
                await app.WaitForShutdownAsync(ct);
            }

            return 0;
        });
        return command;
    }

    /// <summary>
    /// The admin key: from <c>MBUSHJA_ADMIN_KEY</c>, or the one stored in the data folder, or a new one that is stored
    /// (readable by the owner only) and printed this once.
    /// </summary>
    private static string AdminKeyFor(DirectoryInfo folder, TextWriter output)
    {
        if (Environment.GetEnvironmentVariable(AdminKeyVariable) is { Length: > 0 } fromEnvironment)
        {
            return fromEnvironment.Trim();
        }

        string path = Path.Combine(folder.FullName, "admin.key");
        if (File.Exists(path))
        {
            return File.ReadAllText(path).Trim();
        }

        string key = Base64UrlEncode(RandomNumberGenerator.GetBytes(32));
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var writer = new StreamWriter(path, new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: false), options))
        {
            writer.Write(key);
        }

        output.WriteLine($"Admin key (stored in {path}; shown only now): {key}");
        return key;
    }

    private static string Base64UrlEncode(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
