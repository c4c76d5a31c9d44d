using System.CommandLine;
using System.Diagnostics;
using Mbushja.Domain;
using Mbushja.Storage;
using Mbushja.Storage.Commits;
using Mbushja.WebConsole;

namespace Mbushja.Cli;

/// <summary>
/// <c>mbushja rollups rebuild</c>: the dashboard's daily roll-ups written again from the messages, reversals and payments
/// themselves (docs/design/dashboard-rollups.md). Safe beside running servers: their commits wait for it, then add to what it wrote.
/// </summary>
internal static class RollupsCommand
{
    public static Command Create(Option<DirectoryInfo?> config, TextWriter output, TextWriter errors)
    {
        var rollups = new Command("rollups", "The dashboard's daily roll-ups (kept by every commit that moves money).");
        var data = new Option<DirectoryInfo>("--data")
        {
            Description = "Data folder of the server (its SQLite database).",
            DefaultValueFactory = _ => new DirectoryInfo(".data"),
        };
        var db = new Option<string?>("--db") { Description = "The server's PostgreSQL connection string or URL. Default: SQLite in the data folder." };
        var rebuild = new Command("rebuild", "Write the roll-ups again from the messages, reversals and payments (one transaction; servers may keep running).") { data, db };
        rebuild.SetAction(async (parse, ct) =>
        {
            OperatorConfig operatorConfig;
            try
            {
                operatorConfig = OperatorConfig.Load(parse.GetValue(config)?.FullName ?? OperatorConfig.DefaultDirectory);
            }
            catch (ConfigurationException e)
            {
                await errors.WriteLineAsync($"mbushja: {e.Message}");
                return 1;
            }

            await using Database database = Database.FromOption(parse.GetValue(db), parse.GetValue(data)!.FullName);
            await database.MigrateAsync(ct);
            await using var commits = new CommitQueue(database, TimeProvider.System);
            long started = Stopwatch.GetTimestamp();
            int rows = await DashboardRollups.RebuildAsync(commits, new OperatorClock(TimeProvider.System, operatorConfig.TimeZone), ct);
            await output.WriteLineAsync(
                $"Roll-ups rebuilt: {rows} rows (days in {operatorConfig.TimeZone.Id}) in {Stopwatch.GetElapsedTime(started).TotalSeconds:0.0} s.");
            return 0;
        });
        rollups.Subcommands.Add(rebuild);
        return rollups;
    }
}
