using System.Data.Common;
using Mbushja.Domain;
using Mbushja.Storage;
using Mbushja.Storage.Commits;
using Mbushja.Storage.Rollups;

namespace Mbushja.TopUp;

/// <summary>
/// What SMS Top Up adds to the dashboard's daily roll-ups (docs/design/dashboard-rollups.md): a message counts on the
/// operator-local day it was received, under its bank, state and code, with its total; a reversal on the day it was
/// asked, under its bank and its refund's state. Each write that changes one of these says so in its own commit, and
/// <see cref="CountAsync"/> counts the same from the rows, for a rebuild.
/// </summary>
public static class SmsRollups
{
    /// <summary>
    /// A message's row. Unfinished states are counted without a code (the code a message waits with is not what the
    /// dashboard shows, and the moves out of them do not restate it); a decided message with its code.
    /// </summary>
    public static RollupKey Message(OperatorClock clock, DateTimeOffset receivedAt, string? bank, TopUpState state, string? code)
    {
        ArgumentNullException.ThrowIfNull(clock);
        return new(clock.LocalDate(receivedAt), RollupKinds.Sms, bank ?? "", state.ToWire(), TopUpStates.IsUnfinished(state) ? "" : code ?? "");
    }

    /// <summary>A reversal's row: the day it was asked, its bank, its refund's state.</summary>
    public static RollupKey Reversal(OperatorClock clock, DateTimeOffset requestedAt, string bank, string state)
    {
        ArgumentNullException.ThrowIfNull(clock);
        return new(clock.LocalDate(requestedAt), RollupKinds.Reversal, bank, state, "");
    }

    /// <summary>A message recorded in <paramref name="row"/>'s state.</summary>
    internal static void Accepted(CommitContext context, OperatorClock clock, SmsTransaction row) =>
        context.AddToRollup(Message(clock, row.ReceivedAt, row.BankCode, row.State, row.Code), 1, row.Amount?.Cents ?? 0);

    /// <summary>A message moved from <paramref name="from"/> (with its code as <paramref name="row"/> has it) to <paramref name="to"/>.</summary>
    internal static void Moved(CommitContext context, OperatorClock clock, SmsTransaction row, TopUpState from, Transition to)
    {
        long value = row.Amount?.Cents ?? 0;
        context.AddToRollup(Message(clock, row.ReceivedAt, row.BankCode, from, row.Code), -1, -value);
        context.AddToRollup(Message(clock, row.ReceivedAt, row.BankCode, to.State, to.Code ?? row.Code), 1, value);
    }

    /// <summary>The messages and reversals as their rows stand, counted into <paramref name="into"/> (a rebuild, in its commit).</summary>
    public static async Task CountAsync(CommitContext context, OperatorClock clock, Dictionary<RollupKey, RollupFigure> into, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(into);
        await using (DbDataReader r = await context.Statement("SELECT received_at, bank_code, state, code, amount FROM sms_transactions").ExecuteReaderAsync(ct))
        {
            while (await r.ReadAsync(ct))
            {
                RollupKey key = Message(
                    clock, DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(0)), r.GetNullableString(1), TopUpStates.Parse(r.GetString(2)),
                    r.GetNullableString(3));
                into[key] = into.GetValueOrDefault(key).Add(1, r.GetNullableInt64(4) ?? 0);
            }
        }

        await using (DbDataReader r = await context.Statement("SELECT requested_at, bank_code, state, amount FROM sms_reversals").ExecuteReaderAsync(ct))
        {
            while (await r.ReadAsync(ct))
            {
                RollupKey key = Reversal(clock, DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(0)), r.GetString(1), r.GetString(2));
                into[key] = into.GetValueOrDefault(key).Add(1, r.GetInt64(3));
            }
        }
    }
}
