using System.Data.Common;
using System.Net;
using System.Security.Cryptography;
using Mbushja.Domain;
using Mbushja.Storage;
using Mbushja.Storage.Commits;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Logging;

namespace Mbushja.WebConsole.Users;

/// <summary>
/// A console user as stored (never with the password hash). <see cref="LockedUntil"/>: the latest end of a lockout of the
/// name from some address (from the others it signs in).
/// </summary>
public sealed record ConsoleUser(
    string Username,
    ConsoleRole Role,
    string? BankCode,
    DateTimeOffset? LockedUntil,
    string Stamp,
    DateTimeOffset CreatedAt)
{
    public bool IsLockedAt(DateTimeOffset now) => LockedUntil is { } until && until > now;
}

/// <summary>How a sign-in ended.</summary>
public enum SignInStatus
{
    SignedIn,

    /// <summary>No such user, or a wrong password: the same answer for both, so names cannot be guessed.</summary>
    WrongCredentials,

    /// <summary>
    /// Too many wrong passwords for the name from this address: no sign-in of it from here until
    /// <see cref="SignInResult.LockedUntil"/>, right password or not. The same for a name nobody has.
    /// </summary>
    LockedOut,

    /// <summary>Too many failed sign-ins from this address, whatever the names: none from it until <see cref="SignInResult.LockedUntil"/>.</summary>
    Throttled,
}

public sealed record SignInResult(SignInStatus Status, ConsoleUser? User = null, DateTimeOffset? LockedUntil = null);

/// <summary>Why a change to the users was refused: a stable code and a message for people.</summary>
public sealed record UserChangeError(string Code, string Message);

public static class UserChangeCodes
{
    public const string InvalidUsername = "INVALID_USERNAME";
    public const string UsernameTaken = "USERNAME_TAKEN";
    public const string PasswordTooShort = "PASSWORD_TOO_SHORT";
    public const string BankRequired = "BANK_REQUIRED";
    public const string BankNotAllowed = "BANK_NOT_ALLOWED";
    public const string OwnRole = "OWN_ROLE";
}

/// <summary>
/// The console's users: passwords hashed by ASP.NET Core Identity's <see cref="PasswordHasher{TUser}"/>; failed sign-ins
/// counted per client address and per name from an address (docs/design/console-sign-in.md), each try counted by the
/// database before its password is checked (one conditional upsert, no read-modify-write); every change audited in its
/// own transaction, with the client's address of the request that made it (<paramref name="http"/>; none on the command line).
/// </summary>
public sealed partial class ConsoleUsers(
    Database database,
    CommitQueue commits,
    TimeProvider time,
    ConsoleOptions options,
    IReadOnlyCollection<string> bankCodes,
    ILogger<ConsoleUsers> logger,
    Microsoft.AspNetCore.Http.IHttpContextAccessor? http = null)
{
    private const string Columns = "username, role, bank_code, "
        + "(SELECT MAX(f.blocked_until) FROM console_sign_in_failures f WHERE f.username = console_users.username), stamp, created_at";

    /// <summary>The address of a sign-in made from none (the command line, a test): counted per name only.</summary>
    public const string NoAddress = "-";

    /// <summary>The name under which an address's own count is kept (no user has it: a name has 3 characters at least).</summary>
    private const string EveryName = "";

    private static readonly PasswordHasher<ConsoleUser> Hasher = new();

    /// <summary>Verified when the user is unknown, so that a wrong name costs as long as a wrong password.</summary>
    private static readonly string DummyHash = Hasher.HashPassword(null!, "not-a-password-" + Guid.NewGuid());

    /// <summary>The client's address of the request being served, for the audit; null on the command line.</summary>
    private string? Address => ConsoleAudit.AddressOf(http?.HttpContext);

    /// <summary>The name as stored: trimmed and lower-case.</summary>
    public static string Normalize(string username) => username.Trim().ToLowerInvariant();

    /// <summary>A name of 3 to 64 of a-z, 0-9, '.', '-', '_'.</summary>
    public static bool IsValidUsername(string username) =>
        username.Length is >= 3 and <= 64 && username.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '.' or '-' or '_');

    /// <summary>Checks a new user's fields and creates it, or says why not (nothing is written then).</summary>
    public async Task<UserChangeError?> CreateAsync(
        string username, ConsoleRole role, string? bankCode, string password, string actor, CancellationToken ct = default)
    {
        string name = Normalize(username);
        if (!IsValidUsername(name))
        {
            return new UserChangeError(UserChangeCodes.InvalidUsername, "A username is 3 to 64 letters a-z, digits, '.', '-' or '_'.");
        }

        if (password.Length < options.MinPasswordLength)
        {
            return new UserChangeError(UserChangeCodes.PasswordTooShort, $"A password has at least {options.MinPasswordLength} characters.");
        }

        if (CheckBank(role, bankCode, out string? bank) is { } refused)
        {
            return refused;
        }

        DateTimeOffset now = time.GetUtcNow();
        string hash = Hasher.HashPassword(null!, password);
        return await InTransactionAsync(async (connection, tx) =>
        {
            // The primary key decides a taken name; ON CONFLICT keeps a PostgreSQL transaction usable.
            await using DbCommand insert = connection.Command(
                "INSERT INTO console_users (username, role, bank_code, password_hash, failed_attempts, locked_until, stamp, created_at, updated_at) "
                + "VALUES (@u, @role, @bank, @hash, 0, NULL, @stamp, @now, @now) ON CONFLICT DO NOTHING",
                tx,
                ("u", name),
                ("role", role.ToWire()),
                ("bank", bank),
                ("hash", hash),
                ("stamp", NewStamp()),
                ("now", now.ToUnixTimeMilliseconds()));
            if (await insert.ExecuteNonQueryAsync(ct) != 1)
            {
                return new UserChangeError(UserChangeCodes.UsernameTaken, $"There is a user '{name}' already.");
            }

            await ConsoleAudit.InsertAsync(connection, tx, now, actor, ConsoleActions.UserCreated, name, new { role = role.ToWire(), bank }, ct, Address);
            LogCreated(logger, new LogText(name), role, new LogText(actor));
            return null;
        }, ct);
    }

    /// <summary>
    /// Signs in from <paramref name="from"/> (null: from no address, the command line). Refused unchecked, right password
    /// or not, while the address is stopped (<see cref="ConsoleOptions.MaxFailedSignInsPerAddress"/> failures in
    /// <see cref="ConsoleOptions.FailureWindow"/>) or the name is locked out for it (<see cref="ConsoleOptions.MaxFailedAttempts"/>);
    /// the failure that reaches either limit starts it, for <see cref="ConsoleOptions.Lockout"/> (a user's lockout
    /// audited). A right password clears the name's count for the address. Each try is counted before its password is
    /// checked, so however many arrive at once, at most the limits are checked. A name nobody has is counted the same
    /// way, so the answers do not tell which names exist.
    /// </summary>
    public async Task<SignInResult> SignInAsync(string username, string password, IPAddress? from = null, CancellationToken ct = default)
    {
        string name = Normalize(username);
        DateTimeOffset now = time.GetUtcNow();
        var claim = new ClaimTry(AddressKey(from), name, options, now);
        await commits.CommitAsync(claim, Durability.Durable, ct);
        if (claim.Refused is { } refused)
        {
            LogRefused(logger, new LogText(name), claim.Address, refused.Status == SignInStatus.Throttled ? "the address is stopped" : "locked out from the address");
            return refused;
        }

        (ConsoleUser User, string Hash)? found = await FindWithHashAsync(name, ct);
        if (found is null)
        {
            // A wrong name costs as long as a wrong password.
            Hasher.VerifyHashedPassword(null!, DummyHash, password);
            return await FailedAsync(claim, known: false, ct);
        }

        (ConsoleUser user, string hash) = found.Value;
        PasswordVerificationResult verified = Hasher.VerifyHashedPassword(user, hash, password);
        if (verified == PasswordVerificationResult.Failed)
        {
            return await FailedAsync(claim, known: true, ct);
        }

        string? rehash = verified == PasswordVerificationResult.SuccessRehashNeeded ? Hasher.HashPassword(user, password) : null;
        await commits.CommitAsync(new Succeeded(claim, rehash), Durability.Durable, ct);
        LogSignedIn(logger, new LogText(name), user.Role);
        return new SignInResult(SignInStatus.SignedIn, user);
    }

    /// <summary>
    /// How a client's address is counted: an IPv4 address (or one mapped into IPv6) as itself, an IPv6 address by its /64,
    /// which one client usually holds whole; <see cref="NoAddress"/> for none.
    /// </summary>
    public static string AddressKey(IPAddress? address)
    {
        if (address is null)
        {
            return NoAddress;
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        return address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
            ? new IPNetwork(new IPAddress([.. address.GetAddressBytes()[..8], .. new byte[8]]), 64).ToString()
            : address.ToString();
    }

    /// <summary>Sets a user's role (and bank, for a bank officer). A new stamp ends the user's sessions.</summary>
    public async Task<UserChangeError?> SetRoleAsync(string username, ConsoleRole role, string? bankCode, string actor, CancellationToken ct = default)
    {
        string name = Normalize(username);
        if (name == Normalize(actor))
        {
            return new UserChangeError(UserChangeCodes.OwnRole, "Nobody changes their own role: ask another admin.");
        }

        if (CheckBank(role, bankCode, out string? bank) is { } refused)
        {
            return refused;
        }

        return await UpdateAsync(
            name,
            "role = @role, bank_code = @bank, stamp = @stamp",
            [("role", role.ToWire()), ("bank", bank), ("stamp", NewStamp())],
            actor,
            ConsoleActions.UserRoleSet,
            new { role = role.ToWire(), bank },
            ct);
    }

    /// <summary>Lets a locked-out user sign in again at once, from every address (an address stopped for all names stays so).</summary>
    public async Task<UserChangeError?> UnlockAsync(string username, string actor, CancellationToken ct = default)
    {
        string name = Normalize(username);
        DateTimeOffset now = time.GetUtcNow();
        return await InTransactionAsync(async (connection, tx) =>
        {
            await using (DbCommand forget = connection.Command("DELETE FROM console_sign_in_failures WHERE username = @u", tx, ("u", name)))
            {
                await forget.ExecuteNonQueryAsync(ct);
            }

            await using DbCommand update = connection.Command(
                "UPDATE console_users SET updated_at = @now WHERE username = @u", tx, ("u", name), ("now", now.ToUnixTimeMilliseconds()));
            if (await update.ExecuteNonQueryAsync(ct) != 1)
            {
                return NoSuchUser(name);
            }

            await ConsoleAudit.InsertAsync(connection, tx, now, actor, ConsoleActions.UserUnlocked, name, new { }, ct, Address);
            return null;
        }, ct);
    }

    public async Task<ConsoleUser?> FindAsync(string username, CancellationToken ct = default) =>
        (await FindWithHashAsync(Normalize(username), ct))?.User;

    public async Task<IReadOnlyList<ConsoleUser>> ListAsync(CancellationToken ct = default)
    {
        await using DbConnection connection = await database.OpenAsync(ct);
        await using DbCommand command = connection.Command($"SELECT {Columns} FROM console_users ORDER BY username");
        await using DbDataReader r = await command.ExecuteReaderAsync(ct);
        var users = new List<ConsoleUser>();
        while (await r.ReadAsync(ct))
        {
            users.Add(Read(r));
        }

        return users;
    }

    /// <summary>
    /// A wrong password (or name): the one that reaches the name's limit for the address locks it out there (audited
    /// when a user has the name), the one that reaches the address's limit stops the address; either for
    /// <see cref="ConsoleOptions.Lockout"/>.
    /// </summary>
    private async Task<SignInResult> FailedAsync(ClaimTry claim, bool known, CancellationToken ct)
    {
        bool lockName = claim.NameTries >= options.MaxFailedAttempts;
        bool stopAddress = claim.CountsAddress && claim.AddressTries >= options.MaxFailedSignInsPerAddress;
        if (!lockName && !stopAddress)
        {
            LogRefused(logger, new LogText(claim.Name), claim.Address, "wrong username or password");
            return new SignInResult(SignInStatus.WrongCredentials);
        }

        DateTimeOffset now = claim.Now;
        DateTimeOffset until = DateTimeOffset.FromUnixTimeMilliseconds((now + options.Lockout).ToUnixTimeMilliseconds());
        var blocked = new List<string>(2);
        if (lockName)
        {
            blocked.Add(claim.Name);
        }

        if (stopAddress)
        {
            blocked.Add(EveryName);
        }

        await InTransactionAsync(async (connection, tx) =>
        {
            foreach (string username in blocked)
            {
                await using DbCommand block = connection.Command(
                    "UPDATE console_sign_in_failures SET blocked_until = @until, failures = 0, window_start = @now WHERE address = @a AND username = @u",
                    tx,
                    ("a", claim.Address),
                    ("u", username),
                    ("until", until.ToUnixTimeMilliseconds()),
                    ("now", now.ToUnixTimeMilliseconds()));
                await block.ExecuteNonQueryAsync(ct);
            }

            if (lockName && known)
            {
                await ConsoleAudit.InsertAsync(
                    connection, tx, now, claim.Name, ConsoleActions.UserLockedOut, claim.Name, new { attempts = options.MaxFailedAttempts, until, address = claim.Address }, ct, Address);
            }

            return null;
        }, ct);

        if (stopAddress)
        {
            LogAddressStopped(logger, claim.Address, options.MaxFailedSignInsPerAddress);
            return new SignInResult(SignInStatus.Throttled, LockedUntil: until);
        }

        LogLockedOut(logger, new LogText(claim.Name), claim.Address, options.MaxFailedAttempts);
        return new SignInResult(SignInStatus.LockedOut, LockedUntil: until);
    }

    private UserChangeError? CheckBank(ConsoleRole role, string? bankCode, out string? bank)
    {
        bank = string.IsNullOrWhiteSpace(bankCode) ? null : bankCode.Trim().ToUpperInvariant();
        if (role == ConsoleRole.BankOfficer && bank is null)
        {
            return new UserChangeError(UserChangeCodes.BankRequired, "A bank officer belongs to a bank: give its code.");
        }

        if (role != ConsoleRole.BankOfficer && bank is not null)
        {
            return new UserChangeError(UserChangeCodes.BankNotAllowed, "Only a bank officer belongs to a bank.");
        }

        if (bank is not null && !bankCodes.Contains(bank, StringComparer.OrdinalIgnoreCase))
        {
            return new UserChangeError(ErrorCodes.UnknownBank, $"There is no bank '{bank}' ({string.Join(", ", bankCodes)}).");
        }

        return null;
    }

    /// <summary>Changes a user's row and audits the change, in one transaction; refused when there is no such user.</summary>
    private async Task<UserChangeError?> UpdateAsync(
        string name, string set, (string Name, object? Value)[] values, string actor, string action, object details, CancellationToken ct)
    {
        DateTimeOffset now = time.GetUtcNow();
        return await InTransactionAsync(async (connection, tx) =>
        {
            await using DbCommand update = connection.Command(
                $"UPDATE console_users SET {set}, updated_at = @now WHERE username = @u", tx, [("u", name), ("now", now.ToUnixTimeMilliseconds()), .. values]);
            if (await update.ExecuteNonQueryAsync(ct) != 1)
            {
                return NoSuchUser(name);
            }

            await ConsoleAudit.InsertAsync(connection, tx, now, actor, action, name, details, ct, Address);
            return null;
        }, ct);
    }

    /// <summary>Commits a change through the commit queue, only when it succeeds: a refusal undoes whatever it wrote.</summary>
    private async Task<UserChangeError?> InTransactionAsync(Func<DbConnection, DbTransaction, Task<UserChangeError?>> change, CancellationToken ct)
    {
        var work = new Change(change);
        await commits.CommitAsync(work, Durability.Durable, ct);
        return work.Error;
    }

    private sealed class Change(Func<DbConnection, DbTransaction, Task<UserChangeError?>> change) : ICommitWork
    {
        public UserChangeError? Error { get; private set; }

        public async Task<CommitRefusal?> ApplyAsync(CommitContext context, CancellationToken cancellationToken)
        {
            Error = await change(context.Connection, context.Transaction);
            return Error is null ? null : new CommitRefusal(Error.Code, Error.Message);
        }
    }

    /// <summary>
    /// Counts a try for the address and for the name from it, before its password is checked, unless either is blocked
    /// or has its limit's tries counted already (then nothing is counted, and <see cref="Refused"/> says until when).
    /// Counts whose window is over are purged first.
    /// </summary>
    private sealed class ClaimTry(string address, string name, ConsoleOptions options, DateTimeOffset now) : ICommitWork
    {
        /// <summary>
        /// Counts a try for (address, name) in one statement (tries at once cannot all pass); returns the tries counted,
        /// this one included, or null when the pair is blocked or at its limit. A window that is over, or a block that
        /// ended, starts the count again.
        /// </summary>
        private const string Count =
            "INSERT INTO console_sign_in_failures (address, username, failures, window_start, blocked_until) VALUES (@a, @u, 1, @now, NULL) "
            + "ON CONFLICT (address, username) DO UPDATE SET "
            + "failures = CASE WHEN console_sign_in_failures.window_start <= @stale OR console_sign_in_failures.blocked_until <= @now "
            + "THEN 1 ELSE console_sign_in_failures.failures + 1 END, "
            + "window_start = CASE WHEN console_sign_in_failures.window_start <= @stale OR console_sign_in_failures.blocked_until <= @now "
            + "THEN @now ELSE console_sign_in_failures.window_start END, "
            + "blocked_until = NULL "
            + "WHERE (console_sign_in_failures.blocked_until IS NULL OR console_sign_in_failures.blocked_until <= @now) "
            + "AND (console_sign_in_failures.failures < @max OR console_sign_in_failures.window_start <= @stale) "
            + "RETURNING failures";

        public string Address => address;

        public string Name => name;

        public DateTimeOffset Now => now;

        /// <summary>Whether the address has a count of its own (not for a sign-in from no address).</summary>
        public bool CountsAddress => address != NoAddress;

        public long AddressTries { get; private set; }

        public long NameTries { get; private set; }

        public SignInResult? Refused { get; private set; }

        public async Task<CommitRefusal?> ApplyAsync(CommitContext context, CancellationToken cancellationToken)
        {
            long nowMs = now.ToUnixTimeMilliseconds();
            long stale = (now - options.FailureWindow).ToUnixTimeMilliseconds();
            await context.ExecuteAsync(
                "DELETE FROM console_sign_in_failures WHERE window_start <= @stale AND (blocked_until IS NULL OR blocked_until <= @now)",
                cancellationToken,
                ("stale", stale),
                ("now", nowMs));
            if (CountsAddress)
            {
                if (await CountAsync(context, EveryName, options.MaxFailedSignInsPerAddress, nowMs, stale, cancellationToken) is not { } tries)
                {
                    Refused = new SignInResult(SignInStatus.Throttled, LockedUntil: await UntilAsync(context, EveryName, cancellationToken));
                    return null;
                }

                AddressTries = tries;
            }

            if (await CountAsync(context, name, options.MaxFailedAttempts, nowMs, stale, cancellationToken) is not { } nameTries)
            {
                if (CountsAddress)
                {
                    // Refused unchecked: no password was tried, so the address's count gives this try back.
                    await context.ExecuteAsync(GiveBack, cancellationToken, ("a", address));
                }

                Refused = new SignInResult(SignInStatus.LockedOut, LockedUntil: await UntilAsync(context, name, cancellationToken));
                return null;
            }

            NameTries = nameTries;
            return null;
        }

        private async Task<long?> CountAsync(CommitContext context, string username, int max, long nowMs, long stale, CancellationToken ct)
        {
            object? tries = await context.Statement(Count, ("a", address), ("u", username), ("max", max), ("now", nowMs), ("stale", stale)).ExecuteScalarAsync(ct);
            return tries is null or DBNull ? null : Convert.ToInt64(tries, System.Globalization.CultureInfo.InvariantCulture);
        }

        /// <summary>When a refused pair is free again: its block's end, or a lockout's length from now while its limit's tries are under way.</summary>
        private async Task<DateTimeOffset> UntilAsync(CommitContext context, string username, CancellationToken ct)
        {
            object? until = await context.Statement(
                "SELECT blocked_until FROM console_sign_in_failures WHERE address = @a AND username = @u", ("a", address), ("u", username)).ExecuteScalarAsync(ct);
            return until is null or DBNull || Convert.ToInt64(until, System.Globalization.CultureInfo.InvariantCulture) <= now.ToUnixTimeMilliseconds()
                ? DateTimeOffset.FromUnixTimeMilliseconds((now + options.Lockout).ToUnixTimeMilliseconds())
                : DateTimeOffset.FromUnixTimeMilliseconds(Convert.ToInt64(until, System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    /// <summary>An address's count gives back a try that checked no password, or one whose password was right.</summary>
    private const string GiveBack =
        "UPDATE console_sign_in_failures SET failures = failures - 1 WHERE address = @a AND username = '' AND failures > 0";

    /// <summary>A right password: the name's count for the address is cleared, the address's gives the try back, and the hash is renewed when due.</summary>
    private sealed class Succeeded(ClaimTry claim, string? rehash) : ICommitWork
    {
        public async Task<CommitRefusal?> ApplyAsync(CommitContext context, CancellationToken cancellationToken)
        {
            await context.ExecuteAsync(
                "DELETE FROM console_sign_in_failures WHERE address = @a AND username = @u", cancellationToken, ("a", claim.Address), ("u", claim.Name));
            if (claim.CountsAddress)
            {
                await context.ExecuteAsync(GiveBack, cancellationToken, ("a", claim.Address));
            }

            if (rehash is not null)
            {
                await context.ExecuteAsync("UPDATE console_users SET password_hash = @hash WHERE username = @u", cancellationToken, ("u", claim.Name), ("hash", rehash));
            }

            return null;
        }
    }

    private async Task<(ConsoleUser User, string Hash)?> FindWithHashAsync(string name, CancellationToken ct)
    {
        await using DbConnection connection = await database.OpenAsync(ct);
        await using DbCommand command = connection.Command($"SELECT {Columns}, password_hash FROM console_users WHERE username = @u", null, ("u", name));
        await using DbDataReader r = await command.ExecuteReaderAsync(ct);
        return await r.ReadAsync(ct) ? (Read(r), r.GetString(6)) : null;
    }

    private static ConsoleUser Read(DbDataReader r) => new(
        r.GetString(0),
        ConsoleRoles.Parse(r.GetString(1)) ?? throw new InvalidOperationException($"Unknown console role '{r.GetString(1)}' in the database."),
        r.GetNullableString(2),
        r.GetNullableInt64(3) is { } until ? DateTimeOffset.FromUnixTimeMilliseconds(until) : null,
        r.GetString(4),
        DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(5)));

    private static string NewStamp() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    private static UserChangeError NoSuchUser(string name) => new(ErrorCodes.NotFound, $"There is no user '{name}'.");

    [LoggerMessage(EventId = 6001, Level = LogLevel.Information, Message = "Console user {Username} created as {Role} by {Actor}")]
    private static partial void LogCreated(ILogger logger, LogText username, ConsoleRole role, LogText actor);

    [LoggerMessage(EventId = 6002, Level = LogLevel.Information, Message = "Console sign-in of {Username} ({Role})")]
    private static partial void LogSignedIn(ILogger logger, LogText username, ConsoleRole role);

    [LoggerMessage(EventId = 6003, Level = LogLevel.Information, Message = "Console sign-in of {Username} from {Address} refused: {Reason}")]
    private static partial void LogRefused(ILogger logger, LogText username, string address, string reason);

    [LoggerMessage(EventId = 6004, Level = LogLevel.Warning, Message = "Console name {Username} locked out from {Address} after {Attempts} wrong passwords")]
    private static partial void LogLockedOut(ILogger logger, LogText username, string address, int attempts);

    [LoggerMessage(EventId = 6005, Level = LogLevel.Warning, Message = "Console sign-ins from {Address} stopped after {Failures} failures")]
    private static partial void LogAddressStopped(ILogger logger, string address, int failures);
}
