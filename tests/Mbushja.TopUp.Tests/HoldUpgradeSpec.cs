using System.Data.Common;
using Mbushja.Domain;
using Mbushja.Ledger;
using Mbushja.Storage;
using Mbushja.Testing;

namespace Mbushja.TopUp.Tests;

/// <summary>
/// The upgrade that put the bank's hold in the ledger (migration 0010): messages in flight at that moment, recorded
/// and credited the earlier way (credits straight from the bank's account, no hold transfer), get their hold, and are
/// then finished by today's flow with nothing lost, nothing doubled, and the clearing account back at zero.
/// </summary>
public abstract class HoldUpgradeSpec
{
    protected abstract DatabaseKind Kind { get; }

    private const string Customer = "+38349700002";

    [Fact]
    public async Task Upgrade_MessagesInFlight_GetTheirHold_AndFinishWhole()
    {
        TestDatabase test = await TestDatabase.CreateAsync(Kind, migrate: false);
        await test.Database.MigrateAsync(through: "0009");
        string holding = Guid.NewGuid().ToString("N"), credited = Guid.NewGuid().ToString("N"), voiding = Guid.NewGuid().ToString("N");
        string completed = Guid.NewGuid().ToString("N");
        await SeedTheEarlierWayAsync(test.Database, (holding, "holding", 500), (credited, "credited", 700), (voiding, "voiding", 300), (completed, "completed", 200));

        await test.Database.MigrateAsync();

        await using TopUpHarness h = await TopUpHarness.StartAsync(database: test);
        LedgerQueries ledger = h.Get<LedgerQueries>();
        foreach (string id in new[] { holding, credited, voiding })
        {
            Transfer hold = (await ledger.GetTransferAsync(TransactionId.FromStored(id).HoldTransfer))!;
            Assert.Equal((TransferKind.Pending, TransferState.Pending, "bank:BEK", "clearing:BEK"), (hold.Kind, hold.State, hold.Debit, hold.Credit));
        }

        Assert.Null(await ledger.GetTransferAsync(TransactionId.FromStored(completed).HoldTransfer));
        // The bank owes the completed one; the credited one's credit is carried to clearing, where its capture takes it from.
        Assert.Equal((-200L, 1500L), await BalanceAsync(h, "bank:BEK"));
        Assert.Equal((-700L, 0L), await BalanceAsync(h, "clearing:BEK"));
        await h.AssertLedgerWholeAsync();

        // The bank held the holding one, captures the credited one and voids the voiding one, as it is asked.
        h.Clock.Advance(TimeSpan.FromHours(1));
        Assert.Equal(3, await h.Get<TopUpRecovery>().RecoverAsync());
        await h.SettleAsync();
        h.Clock.Advance(TimeSpan.FromHours(1));
        await h.Get<TopUpRecovery>().RecoverAsync();

        SmsTransactions store = h.Get<SmsTransactions>();
        Assert.Equal(TopUpState.Completed, (await store.GetAsync(TransactionId.FromStored(holding)))!.State);
        Assert.Equal(TopUpState.Completed, (await store.GetAsync(TransactionId.FromStored(credited)))!.State);
        Assert.Equal(TopUpState.Failed, (await store.GetAsync(TransactionId.FromStored(voiding)))!.State);
        Assert.Equal((-1400L, 0L), await BalanceAsync(h, "bank:BEK"));
        Assert.Equal((0L, 0L), await BalanceAsync(h, "clearing:BEK"));
        Assert.Equal((1400L, 0L), await BalanceAsync(h, "sub:" + Customer));
        await h.AssertLedgerWholeAsync();
    }

    /// <summary>What the earlier version left: the messages, and for a credited one its credit from the bank's account.</summary>
    private static async Task SeedTheEarlierWayAsync(Database database, params (string Id, string State, long Cents)[] messages)
    {
        await using DbConnection c = await database.OpenAsync();
        string yes = database.Kind == DatabaseKind.Sqlite ? "1" : "true", no = database.Kind == DatabaseKind.Sqlite ? "0" : "false";
        await ExecAsync(c, $"INSERT INTO ledger_accounts (id, kind, no_negative, balance, pending_debits, pending_credits, created_at) VALUES ('sub:{Customer}', 'subscriber', {yes}, 0, 0, 0, 0)");
        await ExecAsync(c, $"INSERT INTO ledger_accounts (id, kind, no_negative, balance, pending_debits, pending_credits, created_at) VALUES ('bank:BEK', 'bank', {no}, 0, 0, 0, 0)");
        await ExecAsync(c, $"INSERT INTO subscribers (msisdn, language, account_id, created_at) VALUES ('{Customer}', 'en', 'sub:{Customer}', 0)");
        long credited = 0;
        foreach ((string id, string state, long cents) in messages)
        {
            var plan = new TopUpPlan("BEK", "XK051212012345678906", [new PlannedCredit(CreditKind.Mobile, "sub:" + Customer, Money.FromCents(cents), "049700002")]);
            await ExecAsync(
                c,
                "INSERT INTO sms_transactions (id, message_id, sender, msisdn, short_code, text, bank_code, language, state, code, account_ref, amount, plan, reply, reply_route, received_at, updated_at, lease_until) "
                + $"VALUES ('{id}', NULL, '{Customer}', '{Customer}', '50005', 'x', 'BEK', 'en', '{state}', NULL, 'XK051212012345678906', {cents}, @plan, NULL, 'outbound', 0, 0, 1)",
                ("plan", TopUpPlanner.Serialize(plan)));
            if (state is "credited" or "completed")
            {
                credited += cents;
                await ExecAsync(c, $"INSERT INTO ledger_transfers (id, kind, debit_account, credit_account, amount, pending_id, state, code, linked_id, created_at) VALUES ('sms:{id}:1', 'single', 'bank:BEK', 'sub:{Customer}', {cents}, NULL, 'posted', 'sms.topup', NULL, 0)");
            }
        }

        await ExecAsync(c, $"UPDATE ledger_accounts SET balance = -{credited} WHERE id = 'bank:BEK'");
        await ExecAsync(c, $"UPDATE ledger_accounts SET balance = {credited} WHERE id = 'sub:{Customer}'");
    }

    private static async Task ExecAsync(DbConnection c, string sql, params (string, object?)[] parameters)
    {
        await using DbCommand command = c.Command(sql, null, parameters);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<(long Balance, long PendingDebits)> BalanceAsync(TopUpHarness h, string account)
    {
        LedgerAccount? a = await h.AccountAsync(account);
        return (a?.Balance.Cents ?? 0, a?.PendingDebits.Cents ?? 0);
    }
}

public sealed class SqliteHoldUpgradeTests : HoldUpgradeSpec
{
    protected override DatabaseKind Kind => DatabaseKind.Sqlite;
}

public sealed class PostgresHoldUpgradeTests : HoldUpgradeSpec
{
    protected override DatabaseKind Kind => DatabaseKind.Postgres;
}
