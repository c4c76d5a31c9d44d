using System.Data.Common;
using Mbushja.Domain;
using Mbushja.Storage;

namespace Mbushja.TopUp.Tests;

/// <summary>
/// Whom a top-up pays, as customer care looks it up (docs/design/lookup.md): the commit that records a valid message
/// writes its distinct targets (a mobile credit's number, a package or balance credit's service account) to
/// <c>sms_targets</c>, and the migration that made the table rebuilt the same rows from the plans of messages recorded
/// before it. On both engines, each with its own JSON functions.
/// </summary>
public abstract class SmsTargetsSpec : IAsyncLifetime
{
    private TopUpHarness _h = null!;

    protected abstract DatabaseKind Kind { get; }

    public async Task InitializeAsync() => _h = await TopUpHarness.StartAsync(Kind);

    public async Task DisposeAsync() => await _h.DisposeAsync();

    [Fact]
    public async Task Accept_ValidMessages_RecordTheirTargets_AndTheMigrationRebuildsTheSameFromTheirPlans()
    {
        var expected = new List<(string Target, string Id)>();
        foreach ((string _, PlannedCredit[] credits, string[] targets) in SmsTargetsTests.Plans.Select(p => ((string)p[0], (PlannedCredit[])p[1], (string[])p[2])))
        {
            SmsTransaction row = Holding(new TopUpPlan("BEK", "XK051212012345678906", credits));
            Assert.True(await _h.Get<SmsTransactions>().AcceptAsync(row, []));
            expected.AddRange(targets.Select(t => (t, row.Id.Value)));
        }

        // A refused message pays nobody.
        Assert.Equal(TopUpState.Rejected, (await _h.Get<TopUpProcessor>().AcceptAsync(_h.Sms("what?"))).Row!.State);

        Assert.Equal(expected.Order(), await TargetsAsync());

        // As before the table: no rows, then the migration's script for this engine over the recorded plans.
        await ExecuteAsync("DELETE FROM sms_targets");
        DbUp.Engine.SqlScript script = Assert.Single(Database.Scripts(Kind), s => s.Name.EndsWith(".0018_targets_of_earlier_messages.sql", StringComparison.Ordinal));
        await ExecuteAsync(script.Contents);

        Assert.Equal(expected.Order(), await TargetsAsync());
    }

    [Fact]
    public async Task ToTarget_ANumberPaidByAMessageThatNamesItTwice_ListsTheMessageOnce_NewestFirst()
    {
        SmsTransaction first = Holding(new TopUpPlan("BEK", "XK051212012345678906", [SmsTargetsTests.Mobile("+38349700009", 100)]));
        Assert.True(await _h.Get<SmsTransactions>().AcceptAsync(first, []));
        _h.Clock.Advance(TimeSpan.FromSeconds(1));
        SmsTransaction second = Holding(new TopUpPlan("BEK", "XK051212012345678906", [SmsTargetsTests.Mobile("+38349700009", 100), SmsTargetsTests.Mobile("+38349700009", 200)]));
        Assert.True(await _h.Get<SmsTransactions>().AcceptAsync(second, []));

        Paged<SmsTransaction> page = await _h.Get<SmsTransactions>().ToTargetAsync("+38349700009", null, 1);
        Assert.Equal([second.Id], page.Rows.Select(r => r.Id));
        Paged<SmsTransaction> next = await _h.Get<SmsTransactions>().ToTargetAsync("+38349700009", page.Next, 1);
        Assert.Equal([first.Id], next.Rows.Select(r => r.Id));
        Assert.Null(next.Next);
    }

    private SmsTransaction Holding(TopUpPlan plan)
    {
        DateTimeOffset now = _h.Clock.GetUtcNow();
        return new SmsTransaction(
            TransactionId.New(), null, _h.Holder.E164, _h.Holder.E164, "50005", "test", "BEK", Language.En, TopUpState.Holding, null, plan.AccountRef,
            plan.Total, plan, null, ReplyRoute.Response, now, now, now.AddMinutes(1));
    }

    private async Task<List<(string, string)>> TargetsAsync()
    {
        await using DbConnection connection = await _h.Test.Database.OpenAsync();
        await using DbCommand command = connection.Command("SELECT target, transaction_id FROM sms_targets");
        await using DbDataReader r = await command.ExecuteReaderAsync();
        var rows = new List<(string, string)>();
        while (await r.ReadAsync())
        {
            rows.Add((r.GetString(0), r.GetString(1)));
        }

        return [.. rows.Order()];
    }

    private async Task ExecuteAsync(string sql)
    {
        await using DbConnection connection = await _h.Test.Database.OpenAsync();
        await using DbCommand command = connection.Command(sql);
        await command.ExecuteNonQueryAsync();
    }
}

/// <summary>Whom a plan pays, one row per distinct number or account (no database).</summary>
public sealed class SmsTargetsTests
{
    internal static PlannedCredit Mobile(string e164, long cents) => new(CreditKind.Mobile, "sub:" + e164, Money.FromCents(cents), "0" + e164[4..]);

    public static TheoryData<string, PlannedCredit[], string[]> Plans => new()
    {
        { "one number", [Mobile("+38349700001", 500)], ["+38349700001"] },
        { "two numbers, one twice", [Mobile("+38349700001", 200), Mobile("+38349700002", 300), Mobile("+38349700001", 100)], ["+38349700001", "+38349700002"] },
        {
            "a package and a fixed line's balance",
            [
                new(CreditKind.Package, "rev:packages", Money.FromCents(1490), "drita", "sa-internet", "INTERNET_1", "Internet Pako 1"),
                new(CreditKind.Balance, "svc:sa-fixed", Money.FromCents(500), "038123456", "sa-fixed"),
            ],
            ["sa-internet", "sa-fixed"]
        },
        { "a number and an account", [Mobile("+38349700003", 100), new(CreditKind.Balance, "svc:sa-tv", Money.FromCents(200), "700100200", "sa-tv")], ["+38349700003", "sa-tv"] },
    };

    [Theory]
    [MemberData(nameof(Plans))]
    public void TargetsOf_APlan_EachDistinctNumberAndAccountOnce(string why, PlannedCredit[] credits, string[] expected) =>
        Assert.True(expected.SequenceEqual(SmsTransactions.TargetsOf(new TopUpPlan("BEK", "XK051212012345678906", credits))), why);
}

public sealed class SqliteSmsTargetsTests : SmsTargetsSpec
{
    protected override DatabaseKind Kind => DatabaseKind.Sqlite;
}

public sealed class PostgresSmsTargetsTests : SmsTargetsSpec
{
    protected override DatabaseKind Kind => DatabaseKind.Postgres;
}
