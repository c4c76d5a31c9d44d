using System.Data.Common;
using System.Text.Encodings.Web;
using System.Text.Json;
using Mbushja.Accounts;
using Mbushja.Domain;
using Mbushja.Storage;
using Mbushja.Storage.Commits;
using Microsoft.Extensions.Logging;

namespace Mbushja.TopUp;

/// <summary>
/// Registrations for SMS Top Up. The database decides the races: one MSISDN per bank by the members' primary key, at
/// most four authorised persons by a unique slot 1..4. No money moves, so each change is its own transaction (no
/// ledger); a refused change rolls back whole, and is audited only when it commits.
/// </summary>
public sealed partial class Registrations(
    Database database, CommitQueue commits, ServiceAccounts serviceAccounts, NumberingPlan numbering, ILogger<Registrations> logger)
{
    public const int MaxAuthorized = 4;
    public const int MaxContractAccounts = 8;

    private const string Holder = "holder";
    private const string Authorized = "authorized";

    // Each lost race for a slot means another addition committed it, so after MaxAuthorized losses the slots are full.
    private const int SlotAttempts = MaxAuthorized + 1;

    private static readonly JsonSerializerOptions AuditJson = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>
    /// Creates a registration with its holder, authorised persons and contract accounts, or refuses it whole:
    /// too many or repeated numbers, an unknown or repeated contract account, a number already registered at the bank.
    /// </summary>
    public async Task<RegistrationOutcome> CreateAsync(NewRegistration registration, string actor, CancellationToken ct = default)
    {
        if (registration.Authorized.Count > MaxAuthorized)
        {
            return RegistrationOutcome.Refused(
                ErrorCodes.TooManyAuthorized, $"A registration has at most {MaxAuthorized} authorised persons.", "authorized");
        }

        var seen = new HashSet<Msisdn> { registration.Holder };
        for (int i = 0; i < registration.Authorized.Count; i++)
        {
            if (!seen.Add(registration.Authorized[i]))
            {
                string what = registration.Authorized[i] == registration.Holder ? "is the holder" : "is listed twice";
                return RegistrationOutcome.Refused(
                    ErrorCodes.DuplicateNumber, $"{registration.Authorized[i].E164} {what}.", $"authorized[{i}]");
            }
        }

        if (registration.ContractAccounts.Count > MaxContractAccounts)
        {
            return RegistrationOutcome.Refused(
                ErrorCodes.TooManyAccounts, $"A registration records at most {MaxContractAccounts} contract accounts.", "contractAccounts");
        }

        var accounts = new List<ServiceAccount>();
        for (int i = 0; i < registration.ContractAccounts.Count; i++)
        {
            string identifier = registration.ContractAccounts[i];
            ServiceAccount? account = await serviceAccounts.FindAsync(identifier, ct);
            if (account is null)
            {
                return RegistrationOutcome.Refused(
                    ErrorCodes.UnknownAccount, $"There is no service account '{identifier}'.", $"contractAccounts[{i}]");
            }

            if (accounts.Exists(a => a.Id == account.Id))
            {
                return RegistrationOutcome.Refused(
                    ErrorCodes.DuplicateAccount, $"'{identifier}' names a service account listed already.", $"contractAccounts[{i}]");
            }

            accounts.Add(account);
        }

        string id = Guid.CreateVersion7().ToString("N");
        string bank = registration.BankCode;
        var members = new List<(Msisdn Msisdn, string Role, int Slot, string Field)> { (registration.Holder, Holder, 0, "holderMsisdn") };
        members.AddRange(registration.Authorized.Select((m, i) => (m, Authorized, i + 1, $"authorized[{i}]")));
        // In number order, so that two creations sharing numbers take their keys in the same order (no deadlock).
        members.Sort((a, b) => string.CompareOrdinal(a.Msisdn.E164, b.Msisdn.E164));

        RegistrationOutcome outcome = await WriteAsync(async (connection, tx, now) =>
        {
            await using (DbCommand insert = connection.Command(
                "INSERT INTO bank_registrations (id, bank_code, holder_msisdn, account_ref, created_at) VALUES (@id, @bank, @holder, @ref, @at)",
                tx,
                ("id", id),
                ("bank", bank),
                ("holder", registration.Holder.E164),
                ("ref", registration.AccountRef.Value),
                ("at", now)))
            {
                await insert.ExecuteNonQueryAsync(ct);
            }

            foreach ((Msisdn msisdn, string role, int slot, string field) in members)
            {
                if (!await InsertMemberAsync(connection, tx, bank, msisdn, id, role, slot, now, ct))
                {
                    return AlreadyRegistered(bank, msisdn, field);
                }
            }

            for (int i = 0; i < accounts.Count; i++)
            {
                await using DbCommand insert = connection.Command(
                    "INSERT INTO registration_contract_accounts (registration_id, service_account_id, position) VALUES (@id, @account, @position)",
                    tx,
                    ("id", id),
                    ("account", accounts[i].Id),
                    ("position", i));
                await insert.ExecuteNonQueryAsync(ct);
            }

            string details = JsonSerializer.Serialize(
                new
                {
                    holder = registration.Holder.E164,
                    accountRef = registration.AccountRef.Value,
                    authorized = registration.Authorized.Select(m => m.E164),
                    contractAccounts = accounts.Select(a => a.Id),
                },
                AuditJson);
            await AuditAsync(connection, tx, id, bank, now, actor, RegistrationActions.Created, details, ct);
            return RegistrationOutcome.Ok((await ReadAsync(connection, tx, bank, id, ct))!);
        }, ct);

        if (outcome.Succeeded)
        {
            LogCreated(logger, id, bank, registration.Holder.Masked, registration.AccountRef.Masked, registration.Authorized.Count);
        }

        return outcome;
    }

    /// <summary>
    /// Adds an authorised person in the lowest free slot. Refused when the four slots are taken, when the number is
    /// registered at the bank already, or when there is no such registration.
    /// </summary>
    public async Task<RegistrationOutcome> AddAuthorizedAsync(string bankCode, string id, Msisdn msisdn, string actor, CancellationToken ct = default)
    {
        string key = NormalizeId(id);
        RegistrationOutcome outcome = await WriteAsync(async (connection, tx, now) =>
        {
            if (!await ExistsAsync(connection, tx, bankCode, key, ct))
            {
                return NoRegistration(bankCode, id);
            }

            for (int attempt = 0; attempt < SlotAttempts; attempt++)
            {
                int? slot = await LowestFreeSlotAsync(connection, tx, key, ct);
                if (slot is null)
                {
                    break;
                }

                if (await InsertMemberAsync(connection, tx, bankCode, msisdn, key, Authorized, slot.Value, now, ct))
                {
                    string details = JsonSerializer.Serialize(new { msisdn = msisdn.E164, slot }, AuditJson);
                    await AuditAsync(connection, tx, key, bankCode, now, actor, RegistrationActions.AuthorizedAdded, details, ct);
                    return RegistrationOutcome.Ok((await ReadAsync(connection, tx, bankCode, key, ct))!);
                }

                // Refused by the number's key (registered at this bank already) or by the slot (a concurrent
                // addition took it first): only the first is final.
                if (await FindMemberIdAsync(connection, tx, bankCode, msisdn, ct) is not null)
                {
                    return AlreadyRegistered(bankCode, msisdn, "msisdn");
                }
            }

            return RegistrationOutcome.Refused(
                ErrorCodes.TooManyAuthorized, $"The registration has {MaxAuthorized} authorised persons already; remove one first.", "msisdn");
        }, ct);

        if (outcome.Succeeded)
        {
            LogAuthorizedAdded(logger, key, bankCode, msisdn.Masked);
        }

        return outcome;
    }

    /// <summary>Removes an authorised person; refused when the number is not one of the registration's authorised persons.</summary>
    public async Task<RegistrationOutcome> RemoveAuthorizedAsync(string bankCode, string id, Msisdn msisdn, string actor, CancellationToken ct = default)
    {
        string key = NormalizeId(id);
        RegistrationOutcome outcome = await WriteAsync(async (connection, tx, now) =>
        {
            if (!await ExistsAsync(connection, tx, bankCode, key, ct))
            {
                return NoRegistration(bankCode, id);
            }

            object? slot;
            await using (DbCommand delete = connection.Command(
                "DELETE FROM registration_members WHERE bank_code = @bank AND msisdn = @m AND registration_id = @id AND role = @role RETURNING slot",
                tx,
                ("bank", bankCode),
                ("m", msisdn.E164),
                ("id", key),
                ("role", Authorized)))
            {
                slot = await delete.ExecuteScalarAsync(ct);
            }

            if (slot is null or DBNull)
            {
                return RegistrationOutcome.Refused(
                    ErrorCodes.NotFound, $"{msisdn.E164} is not an authorised person of registration {id}.", "msisdn");
            }

            string details = JsonSerializer.Serialize(new { msisdn = msisdn.E164, slot = Convert.ToInt32(slot, System.Globalization.CultureInfo.InvariantCulture) }, AuditJson);
            await AuditAsync(connection, tx, key, bankCode, now, actor, RegistrationActions.AuthorizedRemoved, details, ct);
            return RegistrationOutcome.Ok((await ReadAsync(connection, tx, bankCode, key, ct))!);
        }, ct);

        if (outcome.Succeeded)
        {
            LogAuthorizedRemoved(logger, key, bankCode, msisdn.Masked);
        }

        return outcome;
    }

    /// <summary>
    /// Changes the bank account a registration charges (the holder moved the service to another of their accounts);
    /// refused when there is no such registration. The old and new IBAN are audited.
    /// </summary>
    public async Task<RegistrationOutcome> ChangeAccountRefAsync(string bankCode, string id, Iban accountRef, string actor, CancellationToken ct = default)
    {
        string key = NormalizeId(id);
        RegistrationOutcome outcome = await WriteAsync(async (connection, tx, now) =>
        {
            // Locked on PostgreSQL, so that two changes at once each audit the value they replaced.
            string lockRow = database.Sql.ForUpdate;
            object? before;
            await using (DbCommand read = connection.Command(
                $"SELECT account_ref FROM bank_registrations WHERE id = @id AND bank_code = @bank{lockRow}", tx, ("id", key), ("bank", bankCode)))
            {
                before = await read.ExecuteScalarAsync(ct);
            }

            if (before is not string previous)
            {
                return NoRegistration(bankCode, id);
            }

            await using (DbCommand update = connection.Command(
                "UPDATE bank_registrations SET account_ref = @ref WHERE id = @id AND bank_code = @bank", tx, ("ref", accountRef.Value), ("id", key), ("bank", bankCode)))
            {
                await update.ExecuteNonQueryAsync(ct);
            }

            string details = JsonSerializer.Serialize(new { before = previous, accountRef = accountRef.Value }, AuditJson);
            await AuditAsync(connection, tx, key, bankCode, now, actor, RegistrationActions.AccountChanged, details, ct);
            return RegistrationOutcome.Ok((await ReadAsync(connection, tx, bankCode, key, ct))!);
        }, ct);

        if (outcome.Succeeded)
        {
            LogAccountChanged(logger, key, bankCode, accountRef.Masked);
        }

        return outcome;
    }

    /// <summary>The latest registrations at a bank, newest first.</summary>
    public async Task<IReadOnlyList<Registration>> ListAsync(string bankCode, int limit, CancellationToken ct = default)
    {
        await using DbConnection connection = await database.OpenAsync(ct);
        var ids = new List<string>();
        await using (DbCommand command = connection.Command(
            $"SELECT id FROM bank_registrations WHERE bank_code = @bank ORDER BY created_at DESC, id DESC LIMIT {Math.Clamp(limit, 1, 500)}",
            null,
            ("bank", bankCode)))
        await using (DbDataReader r = await command.ExecuteReaderAsync(ct))
        {
            while (await r.ReadAsync(ct))
            {
                ids.Add(r.GetString(0));
            }
        }

        var list = new List<Registration>(ids.Count);
        foreach (string id in ids)
        {
            if (await ReadAsync(connection, null, bankCode, id, ct) is { } registration)
            {
                list.Add(registration);
            }
        }

        return list;
    }

    /// <summary>A registration at a bank by its id, or null.</summary>
    public async Task<Registration?> FindAsync(string bankCode, string id, CancellationToken ct = default)
    {
        await using DbConnection connection = await database.OpenAsync(ct);
        return await ReadAsync(connection, null, bankCode, NormalizeId(id), ct);
    }

    /// <summary>
    /// The registration a number belongs to at a bank, as holder or authorised person, or null: who may top up by
    /// SMS to that bank's short code.
    /// </summary>
    public async Task<RegistrationMember?> FindMemberAsync(string bankCode, Msisdn msisdn, CancellationToken ct = default) =>
        (await FindAsync(bankCode, msisdn, withSubscriber: false, ct)).Member;

    /// <summary>
    /// What SMS Top Up reads of a sender before it decides, in one round trip: the subscriber (for the reply's language)
    /// and the registration the number belongs to at the bank.
    /// </summary>
    public Task<(Subscriber? Subscriber, RegistrationMember? Member)> FindSenderAsync(string bankCode, Msisdn msisdn, CancellationToken ct = default) =>
        FindAsync(bankCode, msisdn, withSubscriber: true, ct);

    // A member's registration, its authorised persons and its contract accounts, each found from the member's key, so
    // that the three travel in one round trip.
    private const string MemberSql =
        "SELECT m.registration_id, m.role, r.holder_msisdn, r.account_ref, r.created_at FROM registration_members m "
        + "JOIN bank_registrations r ON r.id = m.registration_id AND r.bank_code = m.bank_code WHERE m.bank_code = @bank AND m.msisdn = @m; "
        + "SELECT a.msisdn FROM registration_members m JOIN registration_members a ON a.registration_id = m.registration_id "
        + "WHERE m.bank_code = @bank AND m.msisdn = @m AND a.role = @role ORDER BY a.slot; "
        + "SELECT s.id, s.kind, s.username, s.contract, s.smart_card, s.number FROM registration_members m "
        + "JOIN registration_contract_accounts c ON c.registration_id = m.registration_id JOIN service_accounts s ON s.id = c.service_account_id "
        + "WHERE m.bank_code = @bank AND m.msisdn = @m ORDER BY c.position";

    private async Task<(Subscriber? Subscriber, RegistrationMember? Member)> FindAsync(string bankCode, Msisdn msisdn, bool withSubscriber, CancellationToken ct)
    {
        await using DbConnection connection = await database.OpenReaderAsync(ct);
        DbCommand command = connection.Reused(
            withSubscriber ? Subscribers.FindSql + "; " + MemberSql : MemberSql, null, ("bank", bankCode), ("m", msisdn.E164), ("role", Authorized));
        await using DbDataReader r = await command.ExecuteReaderAsync(ct);
        Subscriber? subscriber = null;
        if (withSubscriber)
        {
            subscriber = await r.ReadAsync(ct) ? Subscribers.Read(r, msisdn) : null;
            await r.NextResultAsync(ct);
        }

        if (!await r.ReadAsync(ct))
        {
            return (subscriber, null);
        }

        (string id, string role, string holder, string accountRef, long createdAt) = (r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetInt64(4));
        await r.NextResultAsync(ct);
        List<Msisdn> authorized = await ReadAuthorizedAsync(r, ct);
        await r.NextResultAsync(ct);
        List<ContractAccount> accounts = await ReadContractAccountsAsync(r, ct);
        var registration = new Registration(
            id, bankCode, numbering.ParseMsisdn(holder).Value, Iban.Parse(accountRef).Value, authorized, accounts, DateTimeOffset.FromUnixTimeMilliseconds(createdAt));
        return (subscriber, new RegistrationMember(registration, role == Holder ? RegistrationRole.Holder : RegistrationRole.Authorized));
    }

    /// <summary>A registration's audit trail, oldest first; null when there is no such registration at the bank.</summary>
    public async Task<IReadOnlyList<RegistrationAuditEntry>?> AuditTrailAsync(string bankCode, string id, CancellationToken ct = default)
    {
        string key = NormalizeId(id);
        await using DbConnection connection = await database.OpenAsync(ct);
        if (!await ExistsAsync(connection, null, bankCode, key, ct))
        {
            return null;
        }

        await using DbCommand command = connection.Command(
            "SELECT seq, at, actor, action, details FROM registration_audit WHERE registration_id = @id ORDER BY seq",
            null,
            ("id", key));
        await using DbDataReader r = await command.ExecuteReaderAsync(ct);
        var entries = new List<RegistrationAuditEntry>();
        while (await r.ReadAsync(ct))
        {
            entries.Add(new RegistrationAuditEntry(
                r.GetInt64(0), key, bankCode, DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(1)), r.GetString(2), r.GetString(3), r.GetString(4)));
        }

        return entries;
    }

    /// <summary>
    /// Commits one change through the commit queue, only when it succeeds: a refusal undoes whatever it wrote. (A
    /// deadlock or a busy database runs the whole batch again.)
    /// </summary>
    private async Task<RegistrationOutcome> WriteAsync(
        Func<DbConnection, DbTransaction, long, Task<RegistrationOutcome>> change, CancellationToken ct)
    {
        var work = new Change(change);
        await commits.CommitAsync(work, Durability.Durable, ct);
        return work.Outcome ?? throw new InvalidOperationException("A registration change was committed without an outcome.");
    }

    /// <summary>A change of registrations, as the commit queue runs it.</summary>
    private sealed class Change(Func<DbConnection, DbTransaction, long, Task<RegistrationOutcome>> change) : ICommitWork
    {
        public RegistrationOutcome? Outcome { get; private set; }

        public async Task<CommitRefusal?> ApplyAsync(CommitContext context, CancellationToken cancellationToken)
        {
            // A batch tried again runs the change again: the outcome is the last run's.
            Outcome = await change(context.Connection, context.Transaction, context.NowMs);
            return Outcome.Succeeded ? null : new CommitRefusal(Outcome.Error.Code, Outcome.Error.Message, Outcome.Error.Field);
        }
    }

    /// <summary>Inserts a member; false when the number is a member at this bank already or the slot is taken.</summary>
    private static async Task<bool> InsertMemberAsync(
        DbConnection connection, DbTransaction tx, string bank, Msisdn msisdn, string id, string role, int slot, long now, CancellationToken ct)
    {
        // DO NOTHING on any unique key keeps a PostgreSQL transaction usable after a refusal.
        await using DbCommand insert = connection.Command(
            "INSERT INTO registration_members (bank_code, msisdn, registration_id, role, slot, added_at) VALUES (@bank, @m, @id, @role, @slot, @at) "
            + "ON CONFLICT DO NOTHING",
            tx,
            ("bank", bank),
            ("m", msisdn.E164),
            ("id", id),
            ("role", role),
            ("slot", slot),
            ("at", now));
        return await insert.ExecuteNonQueryAsync(ct) == 1;
    }

    private static async Task<int?> LowestFreeSlotAsync(DbConnection connection, DbTransaction tx, string id, CancellationToken ct)
    {
        var taken = new HashSet<int>();
        await using DbCommand command = connection.Command(
            "SELECT slot FROM registration_members WHERE registration_id = @id", tx, ("id", id));
        await using DbDataReader r = await command.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            taken.Add(r.GetInt32(0));
        }

        for (int slot = 1; slot <= MaxAuthorized; slot++)
        {
            if (!taken.Contains(slot))
            {
                return slot;
            }
        }

        return null;
    }

    private static async Task<(string Id, string Role)?> FindMemberIdAsync(
        DbConnection connection, DbTransaction? tx, string bank, Msisdn msisdn, CancellationToken ct)
    {
        DbCommand command = connection.Reused(
            "SELECT registration_id, role FROM registration_members WHERE bank_code = @bank AND msisdn = @m", tx, ("bank", bank), ("m", msisdn.E164));
        await using DbDataReader r = await command.ExecuteReaderAsync(ct);
        return await r.ReadAsync(ct) ? (r.GetString(0), r.GetString(1)) : null;
    }

    private static async Task<bool> ExistsAsync(DbConnection connection, DbTransaction? tx, string bank, string id, CancellationToken ct)
    {
        await using DbCommand command = connection.Command(
            "SELECT 1 FROM bank_registrations WHERE id = @id AND bank_code = @bank", tx, ("id", id), ("bank", bank));
        return await command.ExecuteScalarAsync(ct) is not null;
    }

    private static async Task AuditAsync(
        DbConnection connection, DbTransaction tx, string id, string bank, long now, string actor, string action, string details, CancellationToken ct)
    {
        await using DbCommand insert = connection.Command(
            "INSERT INTO registration_audit (registration_id, bank_code, at, actor, action, details) VALUES (@id, @bank, @at, @actor, @action, @details)",
            tx,
            ("id", id),
            ("bank", bank),
            ("at", now),
            ("actor", actor),
            ("action", action),
            ("details", details));
        await insert.ExecuteNonQueryAsync(ct);
    }

    private async Task<Registration?> ReadAsync(DbConnection connection, DbTransaction? tx, string bank, string id, CancellationToken ct)
    {
        string holder, accountRef;
        long createdAt;
        await using (DbDataReader r = await connection.Reused(
            "SELECT holder_msisdn, account_ref, created_at FROM bank_registrations WHERE id = @id AND bank_code = @bank", tx, ("id", id), ("bank", bank)).ExecuteReaderAsync(ct))
        {
            if (!await r.ReadAsync(ct))
            {
                return null;
            }

            (holder, accountRef, createdAt) = (r.GetString(0), r.GetString(1), r.GetInt64(2));
        }

        List<Msisdn> authorized;
        await using (DbDataReader r = await connection.Reused(
            "SELECT msisdn FROM registration_members WHERE registration_id = @id AND role = @role ORDER BY slot", tx, ("id", id), ("role", Authorized)).ExecuteReaderAsync(ct))
        {
            authorized = await ReadAuthorizedAsync(r, ct);
        }

        List<ContractAccount> accounts;
        await using (DbDataReader r = await connection.Reused(
            "SELECT s.id, s.kind, s.username, s.contract, s.smart_card, s.number FROM registration_contract_accounts c "
            + "JOIN service_accounts s ON s.id = c.service_account_id WHERE c.registration_id = @id ORDER BY c.position",
            tx,
            ("id", id)).ExecuteReaderAsync(ct))
        {
            accounts = await ReadContractAccountsAsync(r, ct);
        }

        return new Registration(
            id,
            bank,
            numbering.ParseMsisdn(holder).Value,
            Iban.Parse(accountRef).Value,
            authorized,
            accounts,
            DateTimeOffset.FromUnixTimeMilliseconds(createdAt));
    }

    private async Task<List<Msisdn>> ReadAuthorizedAsync(DbDataReader r, CancellationToken ct)
    {
        var authorized = new List<Msisdn>();
        while (await r.ReadAsync(ct))
        {
            authorized.Add(numbering.ParseMsisdn(r.GetString(0)).Value);
        }

        return authorized;
    }

    private static async Task<List<ContractAccount>> ReadContractAccountsAsync(DbDataReader r, CancellationToken ct)
    {
        var accounts = new List<ContractAccount>();
        while (await r.ReadAsync(ct))
        {
            accounts.Add(new ContractAccount(
                r.GetString(0),
                DomainNames.ParseKind(r.GetString(1)).Value,
                r.GetNullableString(2),
                r.GetNullableString(3),
                r.GetNullableString(4),
                r.GetNullableString(5)));
        }

        return accounts;
    }

    /// <summary>Ids are lower-case hex; lookups ignore case like every other identifier.</summary>
    private static string NormalizeId(string id) => id.Trim().ToLowerInvariant();

    private static RegistrationOutcome AlreadyRegistered(string bank, Msisdn msisdn, string field) =>
        RegistrationOutcome.Refused(ErrorCodes.AlreadyRegistered, $"{msisdn.E164} is registered at {bank} already.", field);

    private static RegistrationOutcome NoRegistration(string bank, string id) =>
        RegistrationOutcome.Refused(ErrorCodes.NotFound, $"Registration {id} at {bank} was not found.");

    [LoggerMessage(EventId = 3401, Level = LogLevel.Information, Message = "Registration {Id} at {Bank} created for {Holder}, account {AccountRef}, {Authorized} authorised")]
    private static partial void LogCreated(ILogger logger, string id, string bank, string holder, string accountRef, int authorized);

    [LoggerMessage(EventId = 3402, Level = LogLevel.Information, Message = "Registration {Id} at {Bank}: {Msisdn} authorised")]
    private static partial void LogAuthorizedAdded(ILogger logger, string id, string bank, string msisdn);

    [LoggerMessage(EventId = 3403, Level = LogLevel.Information, Message = "Registration {Id} at {Bank}: {Msisdn} no longer authorised")]
    private static partial void LogAuthorizedRemoved(ILogger logger, string id, string bank, string msisdn);

    [LoggerMessage(EventId = 3404, Level = LogLevel.Information, Message = "Registration {Id} at {Bank}: account changed to {AccountRef}")]
    private static partial void LogAccountChanged(ILogger logger, string id, string bank, string accountRef);
}
