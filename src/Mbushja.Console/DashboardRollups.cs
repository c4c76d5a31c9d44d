using System.Data.Common;
using Mbushja.Domain;
using Mbushja.Storage;
using Mbushja.Storage.Commits;
using Mbushja.Storage.Rollups;
using Mbushja.TopUp;
using Mbushja.Ussd;

namespace Mbushja.WebConsole;

/// <summary>
/// The dashboard's daily roll-ups written again from the messages, reversals and payments themselves (docs/design/dashboard-rollups.md):
/// <c>mbushja rollups rebuild</c>, and a server's start on a database upgraded to them.
/// </summary>
public static class DashboardRollups
{
    /// <summary>
    /// Counts every message, reversal and payment into its roll-up and replaces the table with that, in one commit that
    /// holds the writer while it counts (seconds for millions of rows). Returns the rows written.
    /// </summary>
    public static async Task<int> RebuildAsync(CommitQueue commits, OperatorClock clock, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(commits);
        int rows = 0;
        ICommitWork rebuild = DailyRollups.Rebuild(async (context, token) =>
        {
            var counted = new Dictionary<RollupKey, RollupFigure>();
            await SmsRollups.CountAsync(context, clock, counted, token);
            await UssdPayments.CountAsync(context, clock, counted, token);
            rows = counted.Count(c => !c.Value.IsZero);
            return counted;
        });
        if (await commits.CommitAsync(rebuild, Durability.Durable, ct) is { } refused)
        {
            throw new InvalidOperationException($"The roll-ups' rebuild was refused: {refused.Code} {refused.Message}");
        }

        return rows;
    }

    /// <summary>
    /// Rebuilds the roll-ups when they have no row while there are messages or payments: a database that an older version
    /// wrote, upgraded to them now. Null when nothing needed doing; else the rows written.
    /// </summary>
    public static async Task<int?> RebuildIfMissingAsync(Database database, DailyRollups rollups, CommitQueue commits, OperatorClock clock, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(rollups);
        if (!await rollups.IsEmptyAsync(ct))
        {
            return null;
        }

        await using (DbConnection connection = await database.OpenReaderAsync(ct))
        {
            await using DbCommand any = connection.Command(
                "SELECT 1 WHERE EXISTS (SELECT 1 FROM sms_transactions) OR EXISTS (SELECT 1 FROM ussd_payments)");
            if (await any.ExecuteScalarAsync(ct) is null)
            {
                return null;
            }
        }

        return await RebuildAsync(commits, clock, ct);
    }
}
