using System.Data.Common;
using System.Net;
using System.Text.Json;
using FsCheck.Xunit;
using Mbushja.Banks.Connector;
using Mbushja.Domain;
using Mbushja.Sandbox;
using Mbushja.Storage;
using Mbushja.Testing;
using Mbushja.TopUp;
using Microsoft.Extensions.DependencyInjection;

namespace Mbushja.Server.Tests;

/// <summary>
/// Random top-ups, some of their credit spent, random reversals (some asked twice at once) while the bank fails refunds
/// on purpose, then the recovery sweep → the ledger sums to zero; every hold is captured with its credits; every
/// top-up is reversed whole or not at all; every reversal is refunded once at the bank, never twice, and the holder's
/// account shows exactly the top-ups that stand.
/// </summary>
public abstract class ReversalProperties(ServerFixture server)
{
    private const long Funds = 100_000;

    private static readonly string[] FailModes = ["error500", "applyThenError500", "malformed", "unsigned"];

    private readonly TopUpWorld _world = new(server);

    [Property(MaxTest = 6)]
    public async Task<bool> RandomTopUpsAndReversals_LedgerBalances_EachReversalRefundedOnce(int seed)
    {
        var rng = new Random(seed);
        IServiceProvider services = server.Server.App.Services;
        SandboxBank sandbox = services.GetRequiredService<SandboxBank>();
        TopUpReversals reversals = services.GetRequiredService<TopUpReversals>();
        string bank = rng.Next(2) == 0 ? "BEK" : "BPB";
        string holder = await _world.SubscriberAsync();
        string other = await _world.SubscriberAsync();
        string user = (await _world.ServiceAccountAsync("internet", "INTERNET_1")).String("username");
        string iban = await _world.RegisterAsync(bank, holder, Funds);

        var topUps = new List<(string Id, long Cents)>();
        for (int i = 0; i < 5; i++)
        {
            int euros = rng.Next(1, 25);
            string text = rng.Next(2) == 0 ? $"{euros}" : $"{other} {euros}";
            JsonElement answer = await _world.SmsAsync(bank, holder, text);
            Assert.Equal("completed", answer.String("status"));
            topUps.Add((answer.String("transactionId"), euros * 100L));
            if (rng.Next(4) == 0)
            {
                await _world.PayInternetByUssdAsync(holder, user); // may spend what a top-up credited
            }
        }

        foreach ((string id, long _) in topUps.Where(_ => rng.Next(3) > 0))
        {
            await _world.BankSettingsAsync(bank, new { failNext = rng.Next(0, 4), failMode = FailModes[rng.Next(FailModes.Length)] });
            int asks = rng.Next(1, 3);
            HttpResponseMessage[] answers = await Task.WhenAll(Enumerable.Range(0, asks).Select(_ =>
                server.Http.PostJsonAsync($"/api/v1/transactions/{id}/reversal", Api.Json(new { reason = $"property {seed}", by = "prop" }))));
            Assert.True(answers.Count(a => a.StatusCode == HttpStatusCode.OK) <= 1, $"seed {seed}: {id} reversed twice");
            foreach (HttpResponseMessage refused in answers.Where(a => a.StatusCode != HttpStatusCode.OK))
            {
                JsonElement problem = await refused.ExpectClientErrorAsync();
                Assert.Contains(problem.String("code"), new[] { ErrorCodes.CreditSpent, ErrorCodes.AlreadyReversed });
            }
        }

        await _world.BankSettingsAsync(bank, new { failNext = 0 });
        await SweepRefundsAsync(reversals);

        long standing = 0;
        foreach ((string id, long cents) in topUps)
        {
            Assert.Equal(HoldStatus.Captured, sandbox.GetHold(bank, id)?.Status);
            // The credits: the message's single transfers (its hold and the hold's capture are not credits).
            Assert.Equal(cents, await SumAsync("SELECT COALESCE(SUM(amount), 0) FROM ledger_transfers WHERE id LIKE @id AND kind = 'single'", $"sms:{id}:%"));
            long reversed = await SumAsync("SELECT COALESCE(SUM(amount), 0) FROM ledger_transfers WHERE id LIKE @id", $"reversal:{id}:%");
            Reversal? reversal = await reversals.GetAsync(TransactionId.FromStored(id));
            if (reversal is null)
            {
                Assert.Equal(0, reversed);
                Assert.Equal((0, Money.FromCents(0)), sandbox.RefundsOf(bank, id));
                standing += cents;
            }
            else
            {
                Assert.Equal(cents, reversed);
                Assert.Equal(ReversalStates.Refunded, reversal.State);
                Assert.Equal((1, Money.FromCents(cents)), sandbox.RefundsOf(bank, id));
            }
        }

        Assert.Equal((Funds - standing, 0L), await _world.BankAccountAsync(bank, iban));
        await server.AssertLedgerInvariantsAsync();
        return true;
    }

    /// <summary>What the recovery sweep does every few seconds, until no refund waits for the bank (leases are 1 s here).</summary>
    private async Task SweepRefundsAsync(TopUpReversals reversals)
    {
        DateTime deadline = DateTime.UtcNow + Timeouts.Hang;
        while (await SumAsync("SELECT COUNT(*) FROM sms_reversals WHERE state = 'refunding'") > 0)
        {
            Assert.True(DateTime.UtcNow < deadline, $"A refund still waits for the bank after {Timeouts.Hang} of sweeps.");
            await reversals.RetryRefundsAsync();
            await Task.Delay(200);
        }
    }

    private async Task<long> SumAsync(string sql, string? id = null)
    {
        await using DbConnection connection = await server.Database.Database.OpenAsync();
        await using DbCommand command = id is null ? connection.Command(sql) : connection.Command(sql, null, ("id", id));
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }
}

public sealed class SqliteReversalProperties(SqliteServerFixture server) : ReversalProperties(server), IClassFixture<SqliteServerFixture>;

public sealed class PostgresReversalProperties(PostgresServerFixture server) : ReversalProperties(server), IClassFixture<PostgresServerFixture>;
