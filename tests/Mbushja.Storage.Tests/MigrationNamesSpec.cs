namespace Mbushja.Storage.Tests;

/// <summary>
/// A database records each migration it ran by name, and runs any it has not recorded. So a migration's name is fixed
/// for ever, wherever its file lives: one written once for both engines is still named as the engine's own.
/// </summary>
public sealed class MigrationNamesSpec
{
    private static readonly string[] Files =
    [
        "0001_ledger_and_accounts.sql", "0002_registrations.sql", "0003_sms_topup.sql", "0004_ussd.sql", "0005_smpp.sql",
        "0006_smpp_ussd.sql", "0007_console.sql", "0008_money.sql", "0009_two_phase.sql", "0010_holds_in_the_ledger.sql",
        "0011_console_keys.sql", "0012_smpp_bind_leases.sql", "0013_flat_with_the_data.sql", "0014_console_sessions.sql",
        "0015_console_sign_in_failures.sql", "0016_reply_routes_and_work_leases.sql", "0017_what_a_subscriber_quotes.sql",
        "0018_targets_of_earlier_messages.sql", "0019_one_audit_log.sql", "0020_top_up_controls.sql", "0021_outbox_notices.sql",
        "0023_confirmations.sql", "0025_renewals.sql", "0027_daily_rollups.sql", "0029_ussd_renewals.sql",
    ];

    [Theory]
    [InlineData(DatabaseKind.Sqlite, "Sqlite")]
    [InlineData(DatabaseKind.Postgres, "Postgres")]
    public void Scripts_EachEngine_NamedAsEverBefore_InOrder(DatabaseKind kind, string folder) =>
        Assert.Equal(Files.Select(f => $"Mbushja.Storage.Migrations.{folder}.{f}"), Database.Scripts(kind).Select(s => s.Name));

    [Theory]
    [InlineData(DatabaseKind.Sqlite)]
    [InlineData(DatabaseKind.Postgres)]
    public void Scripts_Shared_LeaveNoVariableUnknown(DatabaseKind kind)
    {
        IDictionary<string, string> variables = Database.Variables(kind);
        foreach (DbUp.Engine.SqlScript script in Database.Scripts(kind))
        {
            foreach (System.Text.RegularExpressions.Match m in System.Text.RegularExpressions.Regex.Matches(script.Contents, @"\$(\w+)\$"))
            {
                Assert.True(variables.ContainsKey(m.Groups[1].Value), $"{script.Name}: ${m.Groups[1].Value}$ is no variable of {kind}.");
            }
        }
    }
}
