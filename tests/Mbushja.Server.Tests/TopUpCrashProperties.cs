using System.Data.Common;
using FsCheck.Xunit;
using Mbushja.Banks.Connector;
using Mbushja.Sandbox;
using Mbushja.Storage;
using Mbushja.TopUp;
using Microsoft.Extensions.DependencyInjection;

namespace Mbushja.Server.Tests;

/// <summary>
/// The recovery property: random messages, random bank failures and a crash at a random step, then recovery (what a
/// restart does) → every hold is captured with its credits or voided without, the ledger sums to zero, and every
/// message has exactly one reply. A crash is the processor stopping dead around a bank call, before or after the
/// bank acted; the sandbox bank keeps what it did, as a real bank would.
/// </summary>
public abstract class TopUpCrashProperties(ServerFixture server)
{
    private const long Funds = 5_000;

    private static readonly AsyncLocal<CrashPoint?> Crash = new();

    private static readonly string[] FailModes = ["error500", "malformed", "unsigned", "applyThenError500"];

    private readonly TopUpWorld _world = new(server);

    [Property(MaxTest = 12)]
    public async Task<bool> RandomMessages_FailuresAndCrashes_EveryHoldEndsWhole(int seed)
    {
        var rng = new Random(seed);
        IServiceProvider services = server.Server.App.Services;
        SandboxBank sandbox = services.GetRequiredService<SandboxBank>();
        TopUpProcessor crashing = TopUpWorld.ProcessorWith(services, new CrashingConnector(services.GetRequiredService<IBankConnector>()));

        // Two holders at two banks, small funds so that some top-ups are declined; targets of every kind.
        string[] banks = [.. TopUpWorld.ShortCodes.Keys.OrderBy(_ => rng.Next()).Take(2)];
        var holders = new List<(string Bank, string Holder, string Iban)>();
        foreach (string bank in banks)
        {
            string holder = await _world.SubscriberAsync();
            holders.Add((bank, holder, await _world.RegisterAsync(bank, holder, Funds)));
        }

        string other = await _world.SubscriberAsync();
        string stranger = _world.FreshMobile();

        var sent = new List<(string Id, string Bank, string Iban)>();
        var sends = new List<Task>();
        for (int i = 0; i < 8; i++)
        {
            (string bank, string holder, string iban) = holders[rng.Next(holders.Count)];
            string text = rng.Next(6) switch
            {
                0 => $"{rng.Next(1, 30)}",
                1 => $"{other} {rng.Next(1, 30)}",
                2 => $"{other} {rng.Next(1, 20)} # {holder} {rng.Next(1, 20)}",
                3 => $"{stranger} 5",
                4 => "hello",
                _ => $"{rng.Next(30, 80)}",
            };
            // A form this bank lacks is a refusal too, which is fine: refusals must also get exactly one reply.
            if (bank is "NLB" or "RBKO" or "PCB" or "TEB" && text.Contains(' ', StringComparison.Ordinal))
            {
                text = $"{other}{rng.Next(5, 30)}";
            }

            int failNext = rng.Next(4) == 0 ? rng.Next(1, 4) : 0;
            string failMode = FailModes[rng.Next(FailModes.Length)];
            CrashPoint? crash = rng.Next(3) == 0
                ? new CrashPoint((Operation)rng.Next(4), After: rng.Next(2) == 0)
                : null;
            string messageId = $"prop-{seed}-{i}-{Guid.NewGuid():N}";
            sent.Add((messageId, bank, iban));
            await _world.BankSettingsAsync(bank, new { failNext, failMode });
            sends.Add(Task.Run(async () =>
            {
                Crash.Value = crash;
                try
                {
                    await crashing.ProcessAsync(new InboundSms(holder, TopUpWorld.ShortCodes[bank], text, messageId));
                }
                catch (CrashException)
                {
                    // The process "died" here; recovery finishes the message.
                }
            }));
        }

        await Task.WhenAll(sends);
        foreach (string bank in banks)
        {
            await _world.BankSettingsAsync(bank, new { failNext = 0 });
        }

        // The restart: the recovery sweep, with a connector that does not crash.
        await server.RecoverAsync();

        SmsTransactions store = services.GetRequiredService<SmsTransactions>();
        var captured = new Dictionary<string, long>();
        foreach ((string messageId, string bank, string iban) in sent)
        {
            SmsTransaction row = (await store.FindByMessageIdAsync(messageId))!;
            Assert.True(row is not null, $"seed {seed}: message {messageId} was lost");
            Assert.False(TopUpStates.IsUnfinished(row.State), $"seed {seed}: {row.Id} still {row.State}");
            Assert.Equal(1, await CountAsync("SELECT COUNT(*) FROM sms_outbox WHERE transaction_id = @id", row.Id.Value));
            // The credits: the message's single transfers (its hold, and the hold's capture or void, are not credits).
            long credited = await CountAsync("SELECT COALESCE(SUM(amount), 0) FROM ledger_transfers WHERE id LIKE @id AND kind = 'single'", $"sms:{row.Id}:%");
            SandboxHold? hold = sandbox.GetHold(bank, row.Id.Value);
            if (row.State == TopUpState.Completed)
            {
                Assert.True(hold?.Status == HoldStatus.Captured, $"seed {seed}: {row.Id} completed but the hold is {hold?.Status}");
                Assert.Equal(hold!.Amount.Cents, credited);
                Assert.Equal(row.Amount?.Cents, credited);
                captured[iban] = captured.GetValueOrDefault(iban) + credited;
            }
            else
            {
                Assert.True(hold is null || hold.Status is HoldStatus.Voided or HoldStatus.Declined, $"seed {seed}: {row.Id} {row.State} but the hold is {hold?.Status}");
                Assert.Equal(0, credited);
            }
        }

        foreach ((string bank, string _, string iban) in holders)
        {
            Assert.Equal((Funds - captured.GetValueOrDefault(iban), 0L), await _world.BankAccountAsync(bank, iban));
        }

        await server.AssertLedgerInvariantsAsync();
        return true;
    }

    private async Task<long> CountAsync(string sql, string id)
    {
        await using DbConnection connection = await server.Database.Database.OpenAsync();
        await using DbCommand command = connection.Command(sql, null, ("id", id));
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private enum Operation
    {
        Hold,
        Status,
        Capture,
        Void,
    }

    private sealed record CrashPoint(Operation Operation, bool After);

    private sealed class CrashException() : Exception("The process died here (on purpose).");

    /// <summary>Dies, once per message, at the chosen bank call: before it is sent, or after the bank acted.</summary>
    private sealed class CrashingConnector(IBankConnector inner) : IBankConnector
    {
        public Task<BankCall> HoldAsync(string bankCode, HoldRequest request, CancellationToken ct = default) =>
            CallAsync(Operation.Hold, () => inner.HoldAsync(bankCode, request, ct));

        public Task<BankCall> CaptureAsync(string bankCode, string holdId, CancellationToken ct = default) =>
            CallAsync(Operation.Capture, () => inner.CaptureAsync(bankCode, holdId, ct));

        public Task<BankCall> VoidAsync(string bankCode, string holdId, CancellationToken ct = default) =>
            CallAsync(Operation.Void, () => inner.VoidAsync(bankCode, holdId, ct));

        public Task<BankCall> StatusAsync(string bankCode, string holdId, CancellationToken ct = default) =>
            CallAsync(Operation.Status, () => inner.StatusAsync(bankCode, holdId, ct));

        // Reversals are not part of this property: their calls pass straight through.
        public Task<RefundCall> RefundAsync(string bankCode, RefundRequest request, CancellationToken ct = default) => inner.RefundAsync(bankCode, request, ct);

        public Task<RefundCall> RefundStatusAsync(string bankCode, string refundId, CancellationToken ct = default) => inner.RefundStatusAsync(bankCode, refundId, ct);

        private static async Task<BankCall> CallAsync(Operation operation, Func<Task<BankCall>> call)
        {
            CrashPoint? crash = Crash.Value;
            if (crash is not null && crash.Operation == operation && !crash.After)
            {
                throw new CrashException();
            }

            BankCall answer = await call();
            if (crash is not null && crash.Operation == operation)
            {
                throw new CrashException();
            }

            return answer;
        }
    }
}

public sealed class SqliteTopUpCrashProperties(SqliteServerFixture server) : TopUpCrashProperties(server), IClassFixture<SqliteServerFixture>;

public sealed class PostgresTopUpCrashProperties(PostgresServerFixture server) : TopUpCrashProperties(server), IClassFixture<PostgresServerFixture>;
