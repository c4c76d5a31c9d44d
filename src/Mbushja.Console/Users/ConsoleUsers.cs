using System.Data.Common;
using System.Security.Cryptography;
using Mbushja.Domain;
using Mbushja.Storage;
using Mbushja.Storage.Commits;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Logging;

namespace Mbushja.WebConsole.Users;

/// <summary>A console user as stored (never with the password hash).</summary>
public sealed record ConsoleUser(
    string Username,
    ConsoleRole Role,
    string? BankCode,
    int FailedAttempts,
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

    /// <summary>Too many wrong passwords: no sign-in until <see cref="SignInResult.LockedUntil"/>, right password or not.</summary>
    LockedOut,
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
/// The console's users: passwords hashed by ASP.NET Core Identity's <see cref="PasswordHasher{TUser}"/>, a lockout
/// after <see cref="ConsoleOptions.MaxFailedAttempts"/> wrong passwords, each try counted by the database before its
/// password is checked (one conditional UPDATE, no read-modify-write), and every change audited in its own transaction.
/// </summary>
public sealed partial class ConsoleUsers(
    Database database, CommitQueue commits, TimeProvider time, ConsoleOptions options, IReadOnlyCollection<string> bankCodes, ILogger<ConsoleUsers> logger)
{
    private const string Columns = "username, role, bank_code, failed_attempts, locked_until, stamp, created_at";

    /// <summary>Unknown names counted at most; past it the counts start again (a flood of names cannot fill the memory).</summary>
    private const int MaxUnknownNames = 10_000;

    private static readonly PasswordHasher<ConsoleUser> Hasher = new();

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, (int Tries, DateTimeOffset? LockedUntil)> _unknown = new(StringComparer.Ordinal);

    /// <summary>Verified when the user is unknown, so that a wrong name costs as long as a wrong password.</summary>
    private static readonly string DummyHash = Hasher.HashPassword(null!, "not-a-password-" + Guid.NewGuid());

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

            await ConsoleAudit.InsertAsync(connection, tx, now, actor, ConsoleActions.UserCreated, name, new { role = role.ToWire(), bank }, ct);
            LogCreated(logger, new LogText(name), role, new LogText(actor));
            return null;
        }, ct);
    }

    /// <summary>
    /// Signs in: a locked-out user is refused whatever the password; a wrong password counts towards the lockout, and
    /// the one that reaches it locks the user out (audited); a right one clears the count. Each try is counted before
    /// its password is checked, so however many arrive at once, at most the limit are checked before the lockout. An
    /// unknown name is counted and locked out the same way, so the answers do not tell which names exist.
    /// </summary>
    public async Task<SignInResult> SignInAsync(string username, string password, CancellationToken ct = default)
    {
        string name = Normalize(username);
        DateTimeOffset now = time.GetUtcNow();
        (ConsoleUser User, string Hash)? found = await FindWithHashAsync(name, ct);
        if (found is null)
        {
            Hasher.VerifyHashedPassword(null!, DummyHash, password);
            return Unknown(name, now);
        }

        (ConsoleUser user, string hash) = found.Value;
        if (user.IsLockedAt(now))
        {
            LogRefused(logger, new LogText(name), "locked out");
            return new SignInResult(SignInStatus.LockedOut, LockedUntil: user.LockedUntil);
        }

        if (await ClaimTryAsync(name, now, ct) is not { } tries)
        {
            // The limit's tries are under way: this one is refused as a lockout, unchecked.
            LogRefused(logger, new LogText(name), "locked out");
            DateTimeOffset? until = (await FindWithHashAsync(name, ct))?.User.LockedUntil;
            return new SignInResult(SignInStatus.LockedOut, LockedUntil: until > now ? until : now + options.Lockout);
        }

        PasswordVerificationResult verified = Hasher.VerifyHashedPassword(user, hash, password);
        if (verified == PasswordVerificationResult.Failed)
        {
            return tries >= options.MaxFailedAttempts ? await LockOutAsync(name, now, ct) : Wrong(name);
        }

        string rehash = verified == PasswordVerificationResult.SuccessRehashNeeded ? Hasher.HashPassword(user, password) : hash;
        await commits.CommitAsync(
            CommitStatement.Any(
                "UPDATE console_users SET failed_attempts = 0, locked_until = NULL, password_hash = @hash WHERE username = @u", ("u", name), ("hash", rehash)),
            Durability.Durable,
            ct);
        LogSignedIn(logger, new LogText(name), user.Role);
        return new SignInResult(SignInStatus.SignedIn, user with { FailedAttempts = 0, LockedUntil = null });
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

    /// <summary>Lets a locked-out user sign in again at once.</summary>
    public Task<UserChangeError?> UnlockAsync(string username, string actor, CancellationToken ct = default) =>
        UpdateAsync(Normalize(username), "failed_attempts = 0, locked_until = NULL", [], actor, ConsoleActions.UserUnlocked, new { }, ct);

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
    /// Counts a try before its password is checked, unless the user is locked out or the limit's tries are counted
    /// already (one statement: tries at once cannot all pass). Returns the tries counted, this one included; null when refused.
    /// </summary>
    private async Task<long?> ClaimTryAsync(string name, DateTimeOffset now, CancellationToken ct)
    {
        var claim = new ClaimTry(name, options.MaxFailedAttempts, now);
        await commits.CommitAsync(claim, Durability.Durable, ct);
        return claim.Tries;
    }

    /// <summary>The try that reached the limit had a wrong password: the user is locked out (audited), and the count starts again.</summary>
    private async Task<SignInResult> LockOutAsync(string name, DateTimeOffset now, CancellationToken ct)
    {
        DateTimeOffset until = DateTimeOffset.FromUnixTimeMilliseconds((now + options.Lockout).ToUnixTimeMilliseconds());
        await InTransactionAsync(async (connection, tx) =>
        {
            await using (DbCommand update = connection.Command(
                "UPDATE console_users SET locked_until = @until, failed_attempts = 0 WHERE username = @u",
                tx,
                ("u", name),
                ("until", until.ToUnixTimeMilliseconds())))
            {
                await update.ExecuteNonQueryAsync(ct);
            }

            await ConsoleAudit.InsertAsync(
                connection, tx, now, name, ConsoleActions.UserLockedOut, name, new { attempts = options.MaxFailedAttempts, until }, ct);
            return null;
        }, ct);

        LogLockedOut(logger, new LogText(name), options.MaxFailedAttempts);
        return new SignInResult(SignInStatus.LockedOut, LockedUntil: until);
    }

    private SignInResult Wrong(string name)
    {
        LogRefused(logger, new LogText(name), "wrong username or password");
        return new SignInResult(SignInStatus.WrongCredentials);
    }

    /// <summary>An unknown name: counted and locked out in memory exactly as a user is in the database.</summary>
    private SignInResult Unknown(string name, DateTimeOffset now)
    {
        if (_unknown.Count > MaxUnknownNames)
        {
            _unknown.Clear();
        }

        DateTimeOffset? lockedUntil = null;
        (int Tries, DateTimeOffset? LockedUntil) Next((int Tries, DateTimeOffset? LockedUntil) was)
        {
            if (was.LockedUntil > now)
            {
                lockedUntil = was.LockedUntil;
                return was;
            }

            int tries = (was.LockedUntil is null ? was.Tries : 0) + 1;
            if (tries < options.MaxFailedAttempts)
            {
                lockedUntil = null;
                return (tries, null);
            }

            lockedUntil = DateTimeOffset.FromUnixTimeMilliseconds((now + options.Lockout).ToUnixTimeMilliseconds());
            return (0, lockedUntil);
        }

        _unknown.AddOrUpdate(name, _ => Next((0, null)), (_, was) => Next(was));
        return lockedUntil is { } until ? new SignInResult(SignInStatus.LockedOut, LockedUntil: until) : Wrong(name);
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

            await ConsoleAudit.InsertAsync(connection, tx, now, actor, action, name, details, ct);
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

    /// <summary>Counts a try in one statement, and reads back the count (none when refused).</summary>
    private sealed class ClaimTry(string name, int max, DateTimeOffset now) : ICommitWork
    {
        public long? Tries { get; private set; }

        public bool RefusesBeforeWriting => true;

        public async Task<CommitRefusal?> ApplyAsync(CommitContext context, CancellationToken cancellationToken)
        {
            object? tries = await context.Statement(
                "UPDATE console_users SET failed_attempts = failed_attempts + 1 "
                + "WHERE username = @u AND failed_attempts < @max AND (locked_until IS NULL OR locked_until <= @now) RETURNING failed_attempts",
                ("u", name),
                ("max", max),
                ("now", now.ToUnixTimeMilliseconds())).ExecuteScalarAsync(cancellationToken);
            Tries = tries is null or DBNull ? null : Convert.ToInt64(tries, System.Globalization.CultureInfo.InvariantCulture);
            return null;
        }
    }

    private async Task<(ConsoleUser User, string Hash)?> FindWithHashAsync(string name, CancellationToken ct)
    {
        await using DbConnection connection = await database.OpenAsync(ct);
        await using DbCommand command = connection.Command($"SELECT {Columns}, password_hash FROM console_users WHERE username = @u", null, ("u", name));
        await using DbDataReader r = await command.ExecuteReaderAsync(ct);
        return await r.ReadAsync(ct) ? (Read(r), r.GetString(7)) : null;
    }

    private static ConsoleUser Read(DbDataReader r) => new(
        r.GetString(0),
        ConsoleRoles.Parse(r.GetString(1)) ?? throw new InvalidOperationException($"Unknown console role '{r.GetString(1)}' in the database."),
        r.GetNullableString(2),
        r.GetInt32(3),
        r.GetNullableInt64(4) is { } until ? DateTimeOffset.FromUnixTimeMilliseconds(until) : null,
        r.GetString(5),
        DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(6)));

    private static string NewStamp() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    private static UserChangeError NoSuchUser(string name) => new(ErrorCodes.NotFound, $"There is no user '{name}'.");

    [LoggerMessage(EventId = 6001, Level = LogLevel.Information, Message = "Console user {Username} created as {Role} by {Actor}")]
    private static partial void LogCreated(ILogger logger, LogText username, ConsoleRole role, LogText actor);

    [LoggerMessage(EventId = 6002, Level = LogLevel.Information, Message = "Console sign-in of {Username} ({Role})")]
    private static partial void LogSignedIn(ILogger logger, LogText username, ConsoleRole role);

    [LoggerMessage(EventId = 6003, Level = LogLevel.Information, Message = "Console sign-in of {Username} refused: {Reason}")]
    private static partial void LogRefused(ILogger logger, LogText username, string reason);

    [LoggerMessage(EventId = 6004, Level = LogLevel.Warning, Message = "Console user {Username} locked out after {Attempts} wrong passwords")]
    private static partial void LogLockedOut(ILogger logger, LogText username, int attempts);
}
