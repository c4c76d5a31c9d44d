using System.Data.Common;
using Mbushja.Domain;
using Mbushja.Ledger;
using Mbushja.Storage;
using Mbushja.Storage.Commits;

namespace Mbushja.Accounts;

/// <summary>A mobile subscriber: a number with prepaid credit (held on the ledger) and a language.</summary>
public sealed record Subscriber(Msisdn Msisdn, Language Language, Money Credit, DateTimeOffset CreatedAt);

/// <summary>Provisioning and lookup of mobile subscribers.</summary>
public sealed class Subscribers(Database database, LedgerEngine ledger)
{
    /// <summary>
    /// Creates a subscriber with an opening credit, as one ledger command: the row, its credit account and the
    /// opening transfer commit together or not at all. A number that exists already is refused, and nothing moves.
    /// </summary>
    public async Task<LedgerOutcome> CreateAsync(Msisdn msisdn, Money credit, Language language, CancellationToken ct = default)
    {
        LedgerAccountId account = SystemAccounts.Subscriber(msisdn.E164);
        List<TransferRequest> transfers = credit > Money.Zero
            ? [TransferRequest.Single($"open:{msisdn.E164}:{Guid.CreateVersion7():N}", SystemAccounts.Provisioning.Id, account, credit, "subscriber.opening")]
            : [];
        var command = new LedgerCommand(transfers)
        {
            Accounts = [SystemAccounts.Provisioning, new LedgerAccountSpec(account, "subscriber", NoNegative: true)],
            Work = new InsertSubscriber(msisdn, language, account),
        };
        return await ledger.SubmitAsync(command, ct);
    }

    public async Task<Subscriber?> FindAsync(Msisdn msisdn, CancellationToken ct = default)
    {
        await using DbConnection connection = await database.OpenReaderAsync(ct);
        DbCommand command = connection.Reused(FindSql, null, ("m", msisdn.E164));
        await using DbDataReader r = await command.ExecuteReaderAsync(ct);
        return await r.ReadAsync(ct) ? Read(r, msisdn) : null;
    }

    /// <summary>
    /// The statement <see cref="FindAsync"/> runs (the number in <c>@m</c>), for a caller that sends it with reads of
    /// its own in one round trip; <see cref="Read"/> reads its row.
    /// </summary>
    public const string FindSql =
        "SELECT s.language, a.balance - a.pending_debits, s.created_at FROM subscribers s JOIN ledger_accounts a ON a.id = s.account_id WHERE s.msisdn = @m";

    /// <summary>The subscriber in the current row of <see cref="FindSql"/>.</summary>
    public static Subscriber Read(DbDataReader r, Msisdn msisdn)
    {
        ArgumentNullException.ThrowIfNull(r);
        return new Subscriber(msisdn, DomainNames.ParseLanguage(r.GetString(0)).Value, Money.FromCents(r.GetInt64(1)), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(2)));
    }

    /// <summary>
    /// In a commit: remembers the language a subscriber chose (on USSD); SMS replies use it too. False for a number
    /// that is no subscriber.
    /// </summary>
    public static async Task<bool> SetLanguageAsync(CommitContext context, Msisdn msisdn, Language language, CancellationToken ct) =>
        await context.ExecuteAsync(SetLanguageSql, ct, ("l", language.ToWire()), ("m", msisdn.E164)) == 1;

    /// <summary><see cref="SetLanguageAsync"/> with the commit's next round trip (<see cref="CommitContext.Defer"/>).</summary>
    public static void SetLanguage(CommitContext context, Msisdn msisdn, Language language)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Defer(SetLanguageSql, ("l", language.ToWire()), ("m", msisdn.E164));
    }

    private const string SetLanguageSql = "UPDATE subscribers SET language = @l WHERE msisdn = @m";

    private sealed class InsertSubscriber(Msisdn msisdn, Language language, LedgerAccountId account) : ILedgerWork
    {
        public async Task<CommitRefusal?> ApplyAsync(LedgerContext context, CancellationToken cancellationToken)
        {
            // The primary key decides a duplicate; ON CONFLICT keeps the transaction usable on PostgreSQL.
            int rows = await context.Commit.ExecuteAsync(
                "INSERT INTO subscribers (msisdn, language, account_id, created_at) VALUES (@m, @l, @a, @at) ON CONFLICT (msisdn) DO NOTHING",
                cancellationToken,
                ("m", msisdn.E164),
                ("l", language.ToWire()),
                ("a", account.Value),
                ("at", context.Commit.NowMs));
            return rows == 1 ? null : new CommitRefusal(ErrorCodes.SubscriberExists, $"Subscriber {msisdn.E164} already exists.");
        }
    }
}
