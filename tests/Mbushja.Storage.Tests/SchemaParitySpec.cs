using System.Data.Common;
using Mbushja.Testing;

namespace Mbushja.Storage.Tests;

/// <summary>
/// The two engines' migrations define one schema: the same tables and columns (type family, nullability, default,
/// numbering), the same keys, UNIQUEs (partial ones with their predicate), CHECKs and foreign keys, and the same indexes.
/// A behaviour spec that runs on both engines only sees the rules it happens to exercise; this sees all of them.
/// </summary>
public sealed class SchemaParitySpec
{
    /// <summary>What the engines cannot spell alike; each entry says why. Anything else that differs is a bug.</summary>
    private static readonly SchemaAllowance[] Allowed =
    [
        // SQLite has no boolean: the flag is an INTEGER 0 or 1 there, tested against 0 where PostgreSQL tests it against false.
        new(
            "ledger_accounts",
            "CHECK (((no_negative = 0) OR ((balance - pending_debits) >= 0)))",
            "CHECK (((no_negative = false) OR ((balance - pending_debits) >= 0)))"),
    ];

    [Fact]
    public async Task Migrate_BothEngines_DefineTheSameSchema()
    {
        await using TestDatabase sqlite = await TestDatabase.CreateAsync(DatabaseKind.Sqlite);
        await using TestDatabase postgres = await TestDatabase.CreateAsync(DatabaseKind.Postgres);

        List<string> differences = await DifferencesAsync(sqlite.Database, postgres.Database, Allowed);

        Assert.True(differences.Count == 0, "The migrations define different schemas on SQLite and PostgreSQL:\n" + string.Join('\n', differences));
    }

    /// <summary>The comparison can fail: each kind of difference made on purpose is named, all of them in one report.</summary>
    [Fact]
    public async Task Differences_EnginesMadeToDiffer_NamesEachDifference()
    {
        await using TestDatabase sqlite = await TestDatabase.CreateAsync(DatabaseKind.Sqlite);
        await using TestDatabase postgres = await TestDatabase.CreateAsync(DatabaseKind.Postgres);
        await ExecuteAsync(sqlite.Database,
            "ALTER TABLE console_audit ADD COLUMN note TEXT NULL",
            "CREATE UNIQUE INDEX ux_sms_submits_smsc ON sms_submits (smsc_message_id) WHERE receipt_state IS NULL",
            "CREATE TABLE only_sqlite (id TEXT NOT NULL PRIMARY KEY)");
        await ExecuteAsync(postgres.Database,
            "ALTER TABLE subscribers ALTER COLUMN language DROP NOT NULL",
            "ALTER TABLE sms_submits ALTER COLUMN bind TYPE bytea USING bind::bytea",
            "ALTER TABLE sms_outbox ALTER COLUMN attempts SET DEFAULT 1",
            "ALTER TABLE ledger_transfers ADD CHECK (amount < 1000000000)",
            "ALTER TABLE subscribers ALTER CONSTRAINT subscribers_account_id_fkey NOT DEFERRABLE",
            "DROP INDEX ix_sms_submits_key",
            "CREATE INDEX ix_sms_events_at ON sms_events (at)");
        SchemaAllowance stale = new("sms_events", "CHECK ((at > 0))", "CHECK ((at >= 0))");

        List<string> differences = await DifferencesAsync(sqlite.Database, postgres.Database, [.. Allowed, stale]);

        string[] expected =
        [
            "console_audit.note: column only on SQLite (text NULL)",
            "sms_submits: only on SQLite: UNIQUE (smsc_message_id) WHERE (receipt_state IS NULL)",
            "only_sqlite: table only on SQLite",
            "subscribers.language: NOT NULL on SQLite, nullable on PostgreSQL",
            "sms_submits.bind: type text on SQLite, blob on PostgreSQL",
            "sms_outbox.attempts: default 0 on SQLite, 1 on PostgreSQL",
            "ledger_transfers: only on PostgreSQL: CHECK ((amount < 1000000000))",
            "ledger_transfers: 2 CHECK constraints on SQLite, 3 on PostgreSQL",
            "subscribers: only on SQLite: FOREIGN KEY (account_id) REFERENCES ledger_accounts(id) DEFERRABLE INITIALLY DEFERRED",
            "subscribers: only on PostgreSQL: FOREIGN KEY (account_id) REFERENCES ledger_accounts(id)",
            "index ix_sms_submits_key: sms_submits (message_key) on SQLite, none on PostgreSQL",
            "index ix_sms_events_at: none on SQLite, sms_events (at) on PostgreSQL",
            "sms_events: allowed difference no longer found, remove it: CHECK ((at > 0)) / CHECK ((at >= 0))",
        ];
        Assert.Equal(expected.Order(StringComparer.Ordinal), differences.Order(StringComparer.Ordinal));
    }

    /// <summary>
    /// Reads both schemas in one PostgreSQL transaction that is rolled back: SQLite's is spelt again there in a scratch
    /// schema (see <see cref="SqliteSchema"/>), which leaves nothing behind.
    /// </summary>
    private static async Task<List<string>> DifferencesAsync(Database sqlite, Database postgres, IReadOnlyCollection<SchemaAllowance> allowed)
    {
        await using DbConnection lite = await sqlite.OpenAsync();
        await using DbConnection pg = await postgres.OpenAsync();
        await using DbTransaction transaction = await pg.BeginTransactionAsync();
        SchemaShape postgresShape = await SchemaShape.ReadAsync(pg, transaction, "public");
        SchemaShape sqliteShape = await SqliteSchema.ReadAsync(lite, pg, transaction);
        return SchemaComparison.Differences(sqliteShape, postgresShape, allowed);
    }

    private static async Task ExecuteAsync(Database database, params string[] statements)
    {
        await using DbConnection connection = await database.OpenAsync();
        foreach (string sql in statements)
        {
            await using DbCommand command = connection.Command(sql);
            await command.ExecuteNonQueryAsync();
        }
    }
}
