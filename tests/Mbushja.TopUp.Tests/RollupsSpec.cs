using Mbushja.Banks.Connector;
using Mbushja.Domain;
using Mbushja.Storage;
using Mbushja.Storage.Commits;
using Mbushja.Storage.Rollups;

namespace Mbushja.TopUp.Tests;

/// <summary>
/// The dashboard's daily roll-ups (docs/design/dashboard-rollups.md) as the commits that move money keep them equal what a
/// rebuild counts from the rows themselves, after a random run of top-ups, refusals, bank declines, silent banks (voids
/// now or by the recovery sweep, captures late), reversals and refunds (refunded, rejected, answered late), over days.
/// </summary>
public abstract class RollupsSpec : IAsyncLifetime
{
    private TopUpHarness _h = null!;

    protected abstract DatabaseKind Kind { get; }

    public async Task InitializeAsync() => _h = await TopUpHarness.StartAsync(Kind);

    public async Task DisposeAsync() => await _h.DisposeAsync();

    [Theory]
    [InlineData(22)]
    [InlineData(2026)]
    public async Task KeptRollups_AfterARandomRunOfTopUpsDeclinesReversalsAndRefunds_EqualTheRebuiltOnes(int seed)
    {
        var random = new Random(seed);
        TopUpProcessor processor = _h.Get<TopUpProcessor>();
        TopUpReversals reversals = _h.Get<TopUpReversals>();
        var completed = new List<TransactionId>();
        for (int step = 0; step < 60; step++)
        {
            ScriptedBank bank = _h.Bank;
            (bank.HoldAnswer, bank.HoldsWhenSilent, bank.AnswersStatus, bank.AnswersCapture, bank.AnswersVoid) =
                (HoldStatus.Held, false, true, random.Next(5) > 0, random.Next(3) > 0);
            bank.RefundAnswer = random.Next(4) switch { 0 => null, 1 => RefundStatus.Rejected, _ => RefundStatus.Refunded };
            switch (random.Next(8))
            {
                case 0:
                    await processor.ProcessAsync(_h.Sms(random.Next(2) == 0 ? "what?" : "5000"));
                    break;
                case 1:
                    bank.HoldAnswer = HoldStatus.Declined;
                    await processor.ProcessAsync(_h.Sms("3"));
                    break;
                case 2:
                    (bank.HoldAnswer, bank.HoldsWhenSilent, bank.AnswersStatus) = (null, random.Next(2) == 0, false);
                    await processor.ProcessAsync(_h.Sms("4"));
                    break;
                case 3 when completed.Count > 0:
                    TransactionId reversed = completed[random.Next(completed.Count)];
                    completed.Remove(reversed);
                    await reversals.ReverseAsync(reversed.Value, "asked by the subscriber", "supervisor");
                    break;
                case 4:
                    // Past the lease and the bank's retry: the sweep finishes what was left (voids, captures, refunds).
                    bank.AnswersCapture = bank.AnswersVoid = true;
                    _h.Clock.Advance(TopUpOptions.Default.Lease + TopUpOptions.Default.BankRetry + TimeSpan.FromSeconds(1));
                    await _h.Get<TopUpRecovery>().RecoverAsync();
                    await reversals.RetryRefundsAsync();
                    break;
                default:
                    TopUpResult result = await processor.ProcessAsync(_h.Sms(random.Next(1, 20).ToString(System.Globalization.CultureInfo.InvariantCulture)));
                    await _h.SettleAsync();
                    if ((await _h.RowAsync(result.TransactionId))?.State == TopUpState.Completed)
                    {
                        completed.Add(result.TransactionId);
                    }

                    break;
            }

            await _h.SettleAsync();
            // Hours at a time, so that messages are received on one day and decided or reversed on another.
            _h.Clock.Advance(TimeSpan.FromMinutes(random.Next(0, 9 * 60)));
        }

        IReadOnlyList<(RollupKey Key, RollupFigure Figure)> kept = await _h.Get<DailyRollups>().ReadAllAsync();
        ICommitWork rebuild = DailyRollups.Rebuild(async (context, ct) =>
        {
            var counted = new Dictionary<RollupKey, RollupFigure>();
            await SmsRollups.CountAsync(context, _h.Get<OperatorClock>(), counted, ct);
            return counted;
        });
        Assert.Null(await _h.Get<CommitQueue>().CommitAsync(rebuild));
        IReadOnlyList<(RollupKey Key, RollupFigure Figure)> rebuilt = await _h.Get<DailyRollups>().ReadAllAsync();

        Assert.Equal(rebuilt, kept);
        // The run went through what it should have: several days, each outcome, reversals with their refunds.
        Assert.True(kept.Select(k => k.Key.Day).Distinct().Count() > 5);
        string[] states = [.. kept.Select(k => $"{k.Key.Kind}:{k.Key.State}").Distinct()];
        Assert.Subset(states.ToHashSet(), new HashSet<string> { "sms:completed", "sms:rejected", "sms:declined", "sms:failed", "reversal:refunded", "reversal:rejected" });
    }
}

public sealed class SqliteRollupsTests : RollupsSpec
{
    protected override DatabaseKind Kind => DatabaseKind.Sqlite;
}

public sealed class PostgresRollupsTests : RollupsSpec
{
    protected override DatabaseKind Kind => DatabaseKind.Postgres;
}
