using System.Data.Common;
using Mbushja.Domain;
using Mbushja.Ledger;
using Mbushja.Messaging;
using Mbushja.Sms;
using Mbushja.Storage;
using Mbushja.Storage.Commits;

namespace Mbushja.TopUp;

/// <summary>Where a confirmation stands (the <c>state</c> column of <c>sms_confirmations</c>).</summary>
public enum ConfirmationState
{
    /// <summary>Waiting for the sender's reply; nothing held, nothing charged.</summary>
    Pending,

    /// <summary>The sender confirmed: the confirming message carried the top-up on (<see cref="SmsConfirmation.ConfirmedBy"/>).</summary>
    Confirmed,

    /// <summary>The window passed; nothing was charged.</summary>
    Expired,

    /// <summary>Too many wrong codes; nothing was charged.</summary>
    Failed,

    /// <summary>A newer top-up of the sender at the same short code asked for a confirmation of its own; nothing was charged.</summary>
    Superseded,
}

/// <summary>A top-up that asked its sender for a confirmation, as recorded.</summary>
/// <param name="Id">The message that asked (recorded rejected, code <see cref="ConfirmationCodes.Required"/>).</param>
public sealed record SmsConfirmation(
    TransactionId Id,
    string BankCode,
    string ShortCode,
    string Msisdn,
    Money Amount,
    TopUpPlan Plan,
    ConfirmationMethod Method,
    string? SecretHash,
    ConfirmationState State,
    int Attempts,
    DateTimeOffset CreatedAt,
    DateTimeOffset ExpiresAt,
    DateTimeOffset? ClosedAt,
    TransactionId? ConfirmedBy);

/// <summary>
/// The confirmations of SMS Top Up (<c>sms_confirmations</c>), the payments senders made unconfirmed
/// (<c>sms_unconfirmed</c>) and their PINs (<c>sms_confirmation_pins</c>): reads, and the work that commits with the
/// record of a message (<see cref="SmsTransactions.AcceptAsync"/>). A pending confirmation changes only by a statement
/// conditional on its state and attempts, so it is used, failed or expired once, whichever server gets there
/// (docs/design/confirmation.md).
/// </summary>
public sealed class SmsConfirmations(Database database, LedgerEngine ledger)
{
    private const string Select =
        "SELECT transaction_id, bank_code, short_code, msisdn, amount, plan, method, secret_hash, state, attempts, created_at, expires_at, closed_at, confirmed_by "
        + "FROM sms_confirmations";

    /// <summary>The sender's newest confirmation at a short code, whatever its state (ix_sms_confirmations_sender).</summary>
    public async Task<SmsConfirmation?> LatestAsync(string msisdn, string shortCode, CancellationToken ct = default)
    {
        await using DbConnection connection = await database.OpenReaderAsync(ct);
        return (await ReadAllAsync(
            connection.Reused(
                Select + " WHERE msisdn = @m AND short_code = @s ORDER BY created_at DESC, transaction_id DESC LIMIT 1", null, ("m", msisdn), ("s", shortCode)),
            ct)).FirstOrDefault();
    }

    /// <summary>A number's confirmations, newest first (its page in the console: the pending ones first of all).</summary>
    public async Task<List<SmsConfirmation>> OfSenderAsync(string msisdn, int limit, CancellationToken ct = default)
    {
        await using DbConnection connection = await database.OpenReaderAsync(ct);
        return await ReadAllAsync(
            connection.Reused(Select + " WHERE msisdn = @m ORDER BY created_at DESC, transaction_id DESC LIMIT @limit", null, ("m", msisdn), ("limit", limit)),
            ct);
    }

    public async Task<SmsConfirmation?> GetAsync(TransactionId id, CancellationToken ct = default)
    {
        await using DbConnection connection = await database.OpenReaderAsync(ct);
        return (await ReadAllAsync(connection.Reused(Select + " WHERE transaction_id = @id", null, ("id", id.Value)), ct)).FirstOrDefault();
    }

    /// <summary>
    /// Closes the pending confirmations whose window has passed (<paramref name="now"/>), up to <paramref name="limit"/>:
    /// nothing was held for them, so nothing is to undo. Each by a conditional statement, so of several servers
    /// sweeping at once one closes it. Returns how many this call closed.
    /// </summary>
    public async Task<int> ExpireAsync(DateTimeOffset now, int limit, CancellationToken ct = default)
    {
        var due = new List<(TransactionId Id, int Attempts)>();
        await using (DbConnection connection = await database.OpenReaderAsync(ct))
        {
            await using DbCommand command = connection.Reused(
                "SELECT transaction_id, attempts FROM sms_confirmations WHERE state = 'pending' AND expires_at <= @now ORDER BY expires_at LIMIT @limit",
                null,
                ("now", now.ToUnixTimeMilliseconds()),
                ("limit", limit));
            await using DbDataReader r = await command.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct))
            {
                due.Add((TransactionId.FromStored(r.GetString(0)), r.GetInt32(1)));
            }
        }

        int closed = 0;
        foreach ((TransactionId id, int attempts) in due)
        {
            if (await ledger.Commits.CommitAsync(Close(id, attempts, ConfirmationState.Expired, null, "the window passed"), Durability.Durable, ct) is null)
            {
                closed++;
            }
        }

        return closed;
    }

    /// <summary>Sets (or replaces) a sender's PIN at a bank; only its salted hash is kept.</summary>
    public async Task SetPinAsync(string bankCode, string msisdn, string pin, string by, CancellationToken ct = default)
    {
        if (!ConfirmationSecrets.IsPin(pin))
        {
            throw new ArgumentException("A PIN is 4 to 8 digits.", nameof(pin));
        }

        string hash = ConfirmationSecrets.Hash(pin, ConfirmationSecrets.PinIterations);
        var set = new Work(context =>
        {
            context.Defer(
                "INSERT INTO sms_confirmation_pins (bank_code, msisdn, pin_hash, set_at, set_by) VALUES (@b, @m, @h, @now, @by) "
                + "ON CONFLICT (bank_code, msisdn) DO UPDATE SET pin_hash = excluded.pin_hash, set_at = excluded.set_at, set_by = excluded.set_by",
                ("b", bankCode),
                ("m", msisdn),
                ("h", hash),
                ("now", context.NowMs),
                ("by", by));
            return Task.FromResult<CommitRefusal?>(null);
        });
        await ledger.Commits.CommitAsync(set, Durability.Durable, ct);
    }

    /// <summary>The salted hash of a sender's PIN at a bank; null when none is set.</summary>
    public async Task<string?> PinHashAsync(string bankCode, string msisdn, CancellationToken ct = default)
    {
        await using DbConnection connection = await database.OpenReaderAsync(ct);
        await using DbCommand command = connection.Reused(
            "SELECT pin_hash FROM sms_confirmation_pins WHERE bank_code = @b AND msisdn = @m", null, ("b", bankCode), ("m", msisdn));
        return await command.ExecuteScalarAsync(ct) as string;
    }

    /// <summary>When a sender's PIN at a bank was set; null when none is.</summary>
    public async Task<DateTimeOffset?> PinSetAtAsync(string bankCode, string msisdn, CancellationToken ct = default)
    {
        await using DbConnection connection = await database.OpenReaderAsync(ct);
        await using DbCommand command = connection.Reused(
            "SELECT set_at FROM sms_confirmation_pins WHERE bank_code = @b AND msisdn = @m", null, ("b", bankCode), ("m", msisdn));
        return await command.ExecuteScalarAsync(ct) is { } at and not DBNull
            ? DateTimeOffset.FromUnixTimeMilliseconds(Convert.ToInt64(at, System.Globalization.CultureInfo.InvariantCulture))
            : null;
    }

    /// <summary>
    /// With the record of a message that asks for a confirmation: the confirmation, and any older pending one of the
    /// sender at the short code superseded. Nothing here can refuse.
    /// </summary>
    internal static ICommitWork Open(SmsTransaction row, TopUpPlan plan, ConfirmationMethod method, string? secretHash, DateTimeOffset expiresAt) =>
        new Work(context =>
        {
            context.Defer(
                "UPDATE sms_confirmations SET state = 'superseded', closed_at = @now, secret_hash = NULL WHERE msisdn = @m AND short_code = @s AND state = 'pending'",
                ("now", context.NowMs),
                ("m", row.Msisdn),
                ("s", row.ShortCode));
            context.Defer(
                "INSERT INTO sms_confirmations (transaction_id, bank_code, short_code, msisdn, amount, plan, method, secret_hash, state, attempts, created_at, expires_at) "
                + "VALUES (@id, @b, @s, @m, @amount, @plan, @method, @hash, 'pending', 0, @now, @expires)",
                ("id", row.Id.Value),
                ("b", plan.BankCode),
                ("s", row.ShortCode),
                ("m", row.Msisdn),
                ("amount", plan.Total.Cents),
                ("plan", TopUpPlanner.Serialize(plan)),
                ("method", method == ConfirmationMethod.Pin ? "pin" : "code"),
                ("hash", secretHash),
                ("now", context.NowMs),
                ("expires", expiresAt.ToUnixTimeMilliseconds()));
            return Task.FromResult<CommitRefusal?>(null);
        });

    /// <summary>
    /// With the record of a top-up that needs no confirmation: counts it among the sender's unconfirmed payments at the
    /// bank, refused (<see cref="ConfirmationCodes.LimitReached"/>) when that would pass the bank's count or sum. Checked and
    /// counted in one statement, so two messages at once cannot both slip under the limits.
    /// </summary>
    internal static ICommitWork Count(string bankCode, string msisdn, Money amount, BankConfirmation rules) =>
        new Work(async context =>
        {
            bool counted = await context.ExpectOneAsync(
                "INSERT INTO sms_unconfirmed (bank_code, msisdn, payments, amount, since) VALUES (@b, @m, 1, @amount, @now) "
                + "ON CONFLICT (bank_code, msisdn) DO UPDATE SET payments = sms_unconfirmed.payments + 1, amount = sms_unconfirmed.amount + excluded.amount "
                + "WHERE sms_unconfirmed.payments < @payments AND sms_unconfirmed.amount + excluded.amount <= @sum",
                CancellationToken.None,
                ("b", bankCode),
                ("m", msisdn),
                ("amount", amount.Cents),
                ("now", context.NowMs),
                ("payments", rules.MaxPayments),
                ("sum", rules.MaxSum.Cents));
            return counted ? null : new CommitRefusal(ConfirmationCodes.LimitReached, "The payment would pass the payments or the sum allowed unconfirmed.");
        });

    /// <summary>
    /// With the record of the confirming message (holding, with the confirmation's plan): the confirmation is used, once
    /// and within its window, and the sender's unconfirmed payments start again from zero.
    /// </summary>
    internal static ICommitWork Confirm(SmsConfirmation confirmation, SmsTransaction by) =>
        new Work(async context =>
        {
            bool used = await context.ExpectOneAsync(
                "UPDATE sms_confirmations SET state = 'confirmed', closed_at = @now, confirmed_by = @by, secret_hash = NULL "
                + "WHERE transaction_id = @id AND state = 'pending' AND attempts = @attempts AND expires_at > @now",
                CancellationToken.None,
                ("now", context.NowMs),
                ("by", by.Id.Value),
                ("id", confirmation.Id.Value),
                ("attempts", confirmation.Attempts));
            if (!used)
            {
                return Changed(confirmation);
            }

            context.Defer(
                "INSERT INTO sms_unconfirmed (bank_code, msisdn, payments, amount, since) VALUES (@b, @m, 0, 0, @now) "
                + "ON CONFLICT (bank_code, msisdn) DO UPDATE SET payments = 0, amount = 0, since = excluded.since",
                ("b", confirmation.BankCode),
                ("m", confirmation.Msisdn),
                ("now", context.NowMs));
            SmsTrail.Append(context, confirmation.Id, [new TrailEntry(TrailKind.ConfirmationConfirmed, new { by = by.Id.Value })]);
            return null;
        });

    /// <summary>With the record of a confirming message whose code was wrong: one try more, and the last closes it.</summary>
    internal static ICommitWork WrongCode(SmsConfirmation confirmation, SmsTransaction by, bool last) =>
        last
            ? Close(confirmation.Id, confirmation.Attempts, ConfirmationState.Failed, by, "wrong code")
            : new Work(async context =>
            {
                bool counted = await context.ExpectOneAsync(
                    "UPDATE sms_confirmations SET attempts = attempts + 1 WHERE transaction_id = @id AND state = 'pending' AND attempts = @attempts",
                    CancellationToken.None,
                    ("id", confirmation.Id.Value),
                    ("attempts", confirmation.Attempts));
                if (!counted)
                {
                    return Changed(confirmation);
                }

                SmsTrail.Append(context, confirmation.Id, [new TrailEntry(TrailKind.ConfirmationWrongCode, new { by = by.Id.Value, attempts = confirmation.Attempts + 1 })]);
                return null;
            });

    /// <summary>With the record of a confirming message that came too late, or by the sweep: the confirmation expires.</summary>
    internal static ICommitWork Expire(SmsConfirmation confirmation, SmsTransaction by) =>
        Close(confirmation.Id, confirmation.Attempts, ConfirmationState.Expired, by, "the window passed");

    private static Work Close(TransactionId id, int attempts, ConfirmationState state, SmsTransaction? by, string why) =>
        new(async context =>
        {
            bool closed = await context.ExpectOneAsync(
                "UPDATE sms_confirmations SET state = @state, attempts = @after, closed_at = @now, secret_hash = NULL "
                + "WHERE transaction_id = @id AND state = 'pending' AND attempts = @attempts",
                CancellationToken.None,
                ("state", ToWire(state)),
                ("after", state == ConfirmationState.Failed ? attempts + 1 : attempts),
                ("now", context.NowMs),
                ("id", id.Value),
                ("attempts", attempts));
            if (!closed)
            {
                return new CommitRefusal(ConfirmationCodes.Changed, $"Confirmation {id} changed meanwhile.");
            }

            SmsTrail.Append(context, id, [new TrailEntry(state == ConfirmationState.Failed ? TrailKind.ConfirmationFailed : TrailKind.ConfirmationExpired, new { by = by?.Id.Value, why })]);
            return null;
        });

    private static CommitRefusal Changed(SmsConfirmation confirmation) =>
        new(ConfirmationCodes.Changed, $"Confirmation {confirmation.Id} changed meanwhile.");

    public static string ToWire(ConfirmationState state) => state switch
    {
        ConfirmationState.Pending => "pending",
        ConfirmationState.Confirmed => "confirmed",
        ConfirmationState.Expired => "expired",
        ConfirmationState.Failed => "failed",
        ConfirmationState.Superseded => "superseded",
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, null),
    };

    private static ConfirmationState ParseState(string wire) => wire switch
    {
        "pending" => ConfirmationState.Pending,
        "confirmed" => ConfirmationState.Confirmed,
        "expired" => ConfirmationState.Expired,
        "failed" => ConfirmationState.Failed,
        "superseded" => ConfirmationState.Superseded,
        _ => throw new InvalidDataException($"Unknown confirmation state '{wire}' in the database."),
    };

    private static async Task<List<SmsConfirmation>> ReadAllAsync(DbCommand command, CancellationToken ct)
    {
        await using DbDataReader r = await command.ExecuteReaderAsync(ct);
        var rows = new List<SmsConfirmation>();
        while (await r.ReadAsync(ct))
        {
            long? closed = r.GetNullableInt64(12);
            string? by = r.GetNullableString(13);
            rows.Add(new SmsConfirmation(
                TransactionId.FromStored(r.GetString(0)),
                r.GetString(1),
                r.GetString(2),
                r.GetString(3),
                Money.FromCents(r.GetInt64(4)),
                TopUpPlanner.Deserialize(r.GetString(5)),
                r.GetString(6) == "pin" ? ConfirmationMethod.Pin : ConfirmationMethod.Code,
                r.GetNullableString(7),
                ParseState(r.GetString(8)),
                r.GetInt32(9),
                DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(10)),
                DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(11)),
                closed is null ? null : DateTimeOffset.FromUnixTimeMilliseconds(closed.Value),
                by is null ? null : TransactionId.FromStored(by)));
        }

        return rows;
    }

    /// <summary>Work that sends its statements only through the pipeline (ExpectOneAsync, Defer).</summary>
    private sealed class Work(Func<CommitContext, Task<CommitRefusal?>> apply) : ICommitWork
    {
        public bool Pipelined => true;

        public Task<CommitRefusal?> ApplyAsync(CommitContext context, CancellationToken cancellationToken) => apply(context);
    }
}
