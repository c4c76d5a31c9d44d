using System.Security.Cryptography;
using System.Text;
using Mbushja.Banks.Connector;
using Mbushja.Domain;

namespace Mbushja.Sandbox;

/// <summary>How the sandbox fails on purpose (counted down per bank API request by <see cref="SandboxSettings.FailNext"/>).</summary>
public enum SandboxFailMode
{
    /// <summary>Answer 500 without doing anything.</summary>
    Error500,

    /// <summary>Answer 200 with a correctly signed body that is not JSON, without doing anything.</summary>
    Malformed,

    /// <summary>Do the operation and answer it, but without the signature headers.</summary>
    Unsigned,

    /// <summary>Answer nothing for 30 s (or until the caller gives up), without doing anything.</summary>
    Timeout,

    /// <summary>Do the operation, then answer 500: the answer is lost, the effect is not (a status query finds it).</summary>
    ApplyThenError500,
}

/// <summary>A sandbox bank's behaviour for tests and demos.</summary>
/// <param name="LatencyMs">Added before every bank API answer.</param>
/// <param name="DeclineAll">When set, every new hold is declined with this code (one of <see cref="BankWire.DeclineCodes"/>).</param>
/// <param name="FailNext">How many of the next bank API requests fail as <paramref name="FailMode"/> says.</param>
public sealed record SandboxSettings(int LatencyMs = 0, string? DeclineAll = null, int FailNext = 0, SandboxFailMode FailMode = SandboxFailMode.Error500)
{
    public static SandboxSettings Default { get; } = new();
}

/// <summary>A sandbox account: its balance and what holds reserve of it.</summary>
public sealed record SandboxAccount(string AccountRef, Money Balance, Money Held)
{
    public Money Available => Balance - Held;
}

/// <summary>A hold as the sandbox keeps it. A tombstone (a void of an id never held) has no account and no amount.</summary>
public sealed record SandboxHold(string HoldId, string? AccountRef, Money Amount, HoldStatus Status, string? Code);

/// <summary>
/// Money the sandbox moved on the operator's settlement account at the bank, as the bank books it: a captured hold
/// paid in (positive) or a refund paid out (negative), with the platform's id for it and the text sent with it. What
/// the bank's end-of-day statement lists (<see cref="SandboxStatements"/>).
/// </summary>
/// <param name="Id">The hold id of a capture, the refund id of a refund.</param>
/// <param name="Reference">The text the platform sent with the hold or the refund (<c>IPKO F73BB564</c>).</param>
public sealed record SandboxBooking(string Id, string Reference, Money Amount, DateTimeOffset At);

/// <summary>What a bank API operation answers: the HTTP status and the body.</summary>
public readonly record struct SandboxAnswer(int HttpStatus, HoldAnswerBody Body);

/// <summary>What a refund operation answers: the HTTP status and the body.</summary>
public readonly record struct SandboxRefundAnswer(int HttpStatus, RefundAnswerBody Body);

/// <summary>
/// THE SANDBOX BANK (README "Demo data"): an in-memory stand-in for partner banks, for demos and tests; it moves no
/// real money. It keeps, per bank code, accounts (by IBAN, compared without spaces and case-insensitively) and holds
/// (by hold id), and implements the bank connector API's rules (docs/bank-connector.openapi.yaml): idempotent holds,
/// conflicts, tombstones for voids of unknown ids, declines. Thread-safe: one lock per bank, held for microseconds.
/// State lives as long as the process.
/// </summary>
public sealed class SandboxBank
{
    private readonly Dictionary<string, BankState> _banks;

    /// <summary>A sandbox for the given banks, each with its shared secret.</summary>
    public SandboxBank(IEnumerable<KeyValuePair<string, string>> secretsByBankCode, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(secretsByBankCode);
        _banks = new Dictionary<string, BankState>(StringComparer.OrdinalIgnoreCase);
        foreach ((string code, string secret) in secretsByBankCode)
        {
            if (secret is not { Length: >= BankEndpoint.MinSecretLength })
            {
                throw new ArgumentException($"The secret of sandbox bank {code} must have at least {BankEndpoint.MinSecretLength} characters.", nameof(secretsByBankCode));
            }

            _banks.Add(code, new BankState(code, secret));
        }

        Time = time ?? TimeProvider.System;
    }

    /// <summary>The path under which the sandbox serves a bank (its connector API is <c>{this}/api/</c>).</summary>
    public const string PathPrefix = "/sandbox/banks";

    public TimeProvider Time { get; }

    public IEnumerable<string> BankCodes => _banks.Values.Select(b => b.Code);

    /// <summary>A sandbox whose banks get fresh random secrets (the server's own, reached only by its connector).</summary>
    public static SandboxBank WithRandomSecrets(IEnumerable<string> bankCodes, TimeProvider? time = null) =>
        new(bankCodes.Select(code => KeyValuePair.Create(code, Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)))), time);

    public bool Knows(string bankCode) => _banks.ContainsKey(bankCode);

    /// <summary>The connector endpoints of every sandbox bank on a server at <paramref name="serverBaseUrl"/>.</summary>
    public IReadOnlyList<BankEndpoint> EndpointsAt(Uri serverBaseUrl)
    {
        ArgumentNullException.ThrowIfNull(serverBaseUrl);
        return [.. _banks.Values.Select(b => new BankEndpoint(b.Code, new Uri(serverBaseUrl, $"{PathPrefix}/{b.Code}/api/"), b.Secret))];
    }

    /// <summary>Sets an account's balance, creating it when new. What holds reserve stays reserved.</summary>
    public SandboxAccount SetAccount(string bankCode, string accountRef, Money balance)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(balance, Money.Zero);
        BankState bank = Bank(bankCode);
        string key = Normalize(accountRef);
        lock (bank.Gate)
        {
            if (!bank.Accounts.TryGetValue(key, out Account? account))
            {
                account = new Account(key);
                bank.Accounts.Add(key, account);
            }

            account.Balance = balance;
            return account.Snapshot();
        }
    }

    public SandboxAccount? GetAccount(string bankCode, string accountRef)
    {
        BankState bank = Bank(bankCode);
        lock (bank.Gate)
        {
            return bank.Accounts.TryGetValue(Normalize(accountRef), out Account? account) ? account.Snapshot() : null;
        }
    }

    public SandboxHold? GetHold(string bankCode, string holdId)
    {
        BankState bank = Bank(bankCode);
        lock (bank.Gate)
        {
            return bank.Holds.TryGetValue(holdId, out HoldEntry? hold) ? hold.Snapshot() : null;
        }
    }

    /// <summary>Replaces a bank's settings (the failure countdown restarts at <see cref="SandboxSettings.FailNext"/>).</summary>
    public void Configure(string bankCode, SandboxSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentOutOfRangeException.ThrowIfNegative(settings.LatencyMs);
        ArgumentOutOfRangeException.ThrowIfNegative(settings.FailNext);
        if (settings.DeclineAll is not null && !BankWire.DeclineCodes.Contains(settings.DeclineAll))
        {
            throw new ArgumentException($"'{settings.DeclineAll}' is not a decline code.", nameof(settings));
        }

        BankState bank = Bank(bankCode);
        lock (bank.Gate)
        {
            bank.Settings = settings;
        }
    }

    /// <summary>A bank's settings, with <see cref="SandboxSettings.FailNext"/> as what is left of the countdown.</summary>
    public SandboxSettings SettingsOf(string bankCode)
    {
        BankState bank = Bank(bankCode);
        lock (bank.Gate)
        {
            return bank.Settings;
        }
    }

    internal byte[] KeyOf(string bankCode) => Bank(bankCode).Key;

    internal string CodeOf(string bankCode) => Bank(bankCode).Code;

    /// <summary>Takes one request's worth of the settings: the latency, and the failure if the countdown is running.</summary>
    internal (int LatencyMs, SandboxFailMode? Failure) TakeRequest(string bankCode)
    {
        BankState bank = Bank(bankCode);
        lock (bank.Gate)
        {
            SandboxSettings settings = bank.Settings;
            if (settings.FailNext == 0)
            {
                return (settings.LatencyMs, null);
            }

            bank.Settings = settings with { FailNext = settings.FailNext - 1 };
            return (settings.LatencyMs, settings.FailMode);
        }
    }

    /// <summary><c>POST holds</c>: reserve, decline, or answer again as the first time (idempotent by hold id).</summary>
    public SandboxAnswer Hold(string bankCode, string holdId, string accountRef, Money amount, string reference)
    {
        BankState bank = Bank(bankCode);
        string key = Normalize(accountRef);
        lock (bank.Gate)
        {
            if (bank.Holds.TryGetValue(holdId, out HoldEntry? existing))
            {
                if (existing.IsTombstone)
                {
                    return Ok(existing, "The hold id was voided before this hold was asked; nothing is reserved.");
                }

                return existing.AccountKey == key && existing.Amount == amount && existing.Reference == reference
                    ? Ok(existing, existing.Message)
                    : new SandboxAnswer(409, Body(existing, BankWire.HoldIdConflict, "This hold id was used for another hold."));
            }

            var hold = new HoldEntry(holdId, key, amount, reference);
            bank.Holds.Add(holdId, hold);
            if (bank.Settings.DeclineAll is { } code)
            {
                hold.Decline(code, "The sandbox declines every hold of this bank (settings).");
            }
            else if (!bank.Accounts.TryGetValue(key, out Account? account))
            {
                hold.Decline(BankWire.AccountNotFound, "No such account.");
            }
            else if (account.Balance - account.Held < amount)
            {
                hold.Decline(BankWire.InsufficientFunds, "The available balance is too low.");
            }
            else
            {
                account.Held += amount;
                hold.Status = HoldStatus.Held;
            }

            return Ok(hold, hold.Message);
        }
    }

    /// <summary>
    /// <c>POST holds/{holdId}/capture</c>: move the held money (idempotent), booked at <paramref name="at"/> (now, by
    /// <see cref="Time"/>, unless a caller in-process books it on a day of its own: <see cref="SandboxConnector"/>).
    /// </summary>
    public SandboxAnswer Capture(string bankCode, string holdId, DateTimeOffset? at = null)
    {
        BankState bank = Bank(bankCode);
        lock (bank.Gate)
        {
            if (!bank.Holds.TryGetValue(holdId, out HoldEntry? hold))
            {
                return NotFound(holdId);
            }

            switch (hold.Status)
            {
                case HoldStatus.Held:
                    Account account = bank.Accounts[hold.AccountKey!];
                    account.Held -= hold.Amount;
                    account.Balance -= hold.Amount;
                    hold.Status = HoldStatus.Captured;
                    bank.Bookings.Add(new SandboxBooking(hold.Id, hold.Reference ?? "", hold.Amount, at ?? Time.GetUtcNow()));
                    return Ok(hold, null);
                case HoldStatus.Captured:
                    return Ok(hold, null);
                default:
                    return new SandboxAnswer(409, Body(hold, hold.Code, "Only a held hold can be captured."));
            }
        }
    }

    /// <summary><c>POST holds/{holdId}/void</c>: release (idempotent); an unknown id is remembered as voided.</summary>
    public SandboxAnswer Void(string bankCode, string holdId)
    {
        BankState bank = Bank(bankCode);
        lock (bank.Gate)
        {
            if (!bank.Holds.TryGetValue(holdId, out HoldEntry? hold))
            {
                hold = HoldEntry.Tombstone(holdId);
                bank.Holds.Add(holdId, hold);
                return Ok(hold, null);
            }

            switch (hold.Status)
            {
                case HoldStatus.Captured:
                    return new SandboxAnswer(409, Body(hold, null, "The hold is captured; it cannot be voided."));
                case HoldStatus.Held:
                    bank.Accounts[hold.AccountKey!].Held -= hold.Amount;
                    break;
            }

            // A declined hold reserved nothing: voiding it only makes it final as voided.
            hold.MarkVoided();
            return Ok(hold, null);
        }
    }

    /// <summary><c>GET holds/{holdId}</c>.</summary>
    public SandboxAnswer Status(string bankCode, string holdId)
    {
        BankState bank = Bank(bankCode);
        lock (bank.Gate)
        {
            return bank.Holds.TryGetValue(holdId, out HoldEntry? hold)
                ? new SandboxAnswer(200, Body(hold, hold.Code, null) with { AmountCents = hold.IsTombstone ? null : hold.Amount.Cents })
                : NotFound(holdId);
        }
    }

    /// <summary>
    /// <c>POST refunds</c>: gives <paramref name="amount"/> of a captured hold back to the holder's current account
    /// (its balance goes up), at most the hold's amount over all its refunds. Idempotent by refund id: the same id with
    /// the same content answers as the first time and moves nothing more; with other content, 409. Booked at
    /// <paramref name="at"/>, as a capture is.
    /// </summary>
    public SandboxRefundAnswer Refund(string bankCode, string refundId, string holdId, string accountRef, Money amount, string reference, DateTimeOffset? at = null)
    {
        BankState bank = Bank(bankCode);
        string key = Normalize(accountRef);
        lock (bank.Gate)
        {
            if (bank.Refunds.TryGetValue(refundId, out RefundEntry? existing))
            {
                return existing.HoldId == holdId && existing.AccountKey == key && existing.Amount == amount && existing.Reference == reference
                    ? new SandboxRefundAnswer(200, existing.Body(existing.Message))
                    : new SandboxRefundAnswer(409, existing.Body("This refund id was used for another refund.") with { Code = BankWire.RefundIdConflict });
            }

            var refund = new RefundEntry(refundId, holdId, key, amount, reference);
            bank.Refunds.Add(refundId, refund);
            if (!bank.Holds.TryGetValue(holdId, out HoldEntry? hold) || hold.Status != HoldStatus.Captured)
            {
                refund.Reject(BankWire.HoldNotCaptured, "Only a captured hold can be refunded.");
            }
            else if (hold.AccountKey != key)
            {
                refund.Reject(BankWire.AccountMismatch, "The hold was not on this account.");
            }
            else if (hold.Refunded + amount > hold.Amount)
            {
                refund.Reject(BankWire.AmountExceedsHold, "The refunds of a hold cannot exceed what it captured.");
            }
            else if (!bank.Accounts.TryGetValue(key, out Account? account))
            {
                refund.Reject(BankWire.AccountNotFound, "No such account.");
            }
            else
            {
                account.Balance += amount;
                hold.Refunded += amount;
                refund.Status = RefundStatus.Refunded;
                bank.Bookings.Add(new SandboxBooking(refundId, reference, -amount, at ?? Time.GetUtcNow()));
            }

            return new SandboxRefundAnswer(200, refund.Body(refund.Message));
        }
    }

    /// <summary><c>GET refunds/{refundId}</c>.</summary>
    public SandboxRefundAnswer RefundStatusOf(string bankCode, string refundId)
    {
        BankState bank = Bank(bankCode);
        lock (bank.Gate)
        {
            return bank.Refunds.TryGetValue(refundId, out RefundEntry? refund)
                ? new SandboxRefundAnswer(200, refund.Body(null))
                : new SandboxRefundAnswer(404, new RefundAnswerBody(refundId, BankWire.NotFound, null, "No refund has this id."));
        }
    }

    /// <summary>How many refunds the sandbox has made of a hold, and their total (tests: never refunded twice).</summary>
    public (int Count, Money Total) RefundsOf(string bankCode, string holdId)
    {
        BankState bank = Bank(bankCode);
        lock (bank.Gate)
        {
            RefundEntry[] made = [.. bank.Refunds.Values.Where(r => r.HoldId == holdId && r.Status == RefundStatus.Refunded)];
            return (made.Length, made.Aggregate(Money.Zero, (sum, r) => sum + r.Amount));
        }
    }

    /// <summary>What the bank booked on the operator's settlement account from <paramref name="from"/> (inclusive) to <paramref name="to"/>, in the order it booked it.</summary>
    public IReadOnlyList<SandboxBooking> BookingsOf(string bankCode, DateTimeOffset from, DateTimeOffset to)
    {
        BankState bank = Bank(bankCode);
        lock (bank.Gate)
        {
            return [.. bank.Bookings.Where(b => b.At >= from && b.At < to)];
        }
    }

    /// <summary>An IBAN as given, compared without spaces and in upper case.</summary>
    public static string Normalize(string accountRef)
    {
        ArgumentNullException.ThrowIfNull(accountRef);
        return accountRef.Replace(" ", "", StringComparison.Ordinal).ToUpperInvariant();
    }

    private static SandboxAnswer Ok(HoldEntry hold, string? message) => new(200, Body(hold, hold.Code, message));

    private static SandboxAnswer NotFound(string holdId) => new(404, new HoldAnswerBody(holdId, BankWire.NotFound, null, "No hold has this id."));

    private static HoldAnswerBody Body(HoldEntry hold, string? code, string? message) => new(hold.Id, hold.Status.ToWire(), code, message);

    private BankState Bank(string bankCode) =>
        _banks.TryGetValue(bankCode, out BankState? bank) ? bank : throw new ArgumentException($"The sandbox has no bank {bankCode}.", nameof(bankCode));

    private sealed class BankState(string code, string secret)
    {
        public string Code { get; } = code;

        public string Secret { get; } = secret;

        public byte[] Key { get; } = Encoding.UTF8.GetBytes(secret);

        public Lock Gate { get; } = new();

        public Dictionary<string, Account> Accounts { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, HoldEntry> Holds { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, RefundEntry> Refunds { get; } = new(StringComparer.Ordinal);

        public List<SandboxBooking> Bookings { get; } = [];

        public SandboxSettings Settings { get; set; } = SandboxSettings.Default;
    }

    private sealed class Account(string key)
    {
        public string Key { get; } = key;

        public Money Balance { get; set; }

        public Money Held { get; set; }

        public SandboxAccount Snapshot() => new(Key, Balance, Held);
    }

    private sealed class HoldEntry(string id, string? accountKey, Money amount, string? reference)
    {
        public string Id { get; } = id;

        public string? AccountKey { get; } = accountKey;

        public Money Amount { get; } = amount;

        public string? Reference { get; } = reference;

        public HoldStatus Status { get; set; }

        /// <summary>What refunds gave back of a captured hold.</summary>
        public Money Refunded { get; set; }

        public string? Code { get; private set; }

        public string? Message { get; private set; }

        public bool IsTombstone => AccountKey is null;

        public static HoldEntry Tombstone(string id) => new(id, null, Money.Zero, null) { Status = HoldStatus.Voided };

        public void Decline(string code, string message)
        {
            Status = HoldStatus.Declined;
            Code = code;
            Message = message;
        }

        public void MarkVoided()
        {
            Status = HoldStatus.Voided;
            Code = null;
            Message = null;
        }

        public SandboxHold Snapshot() => new(Id, AccountKey, Amount, Status, Code);
    }

    private sealed class RefundEntry(string id, string holdId, string accountKey, Money amount, string reference)
    {
        public string Id { get; } = id;

        public string HoldId { get; } = holdId;

        public string AccountKey { get; } = accountKey;

        public Money Amount { get; } = amount;

        public string Reference { get; } = reference;

        public RefundStatus Status { get; set; }

        public string? Code { get; private set; }

        public string? Message { get; private set; }

        public void Reject(string code, string message)
        {
            Status = RefundStatus.Rejected;
            Code = code;
            Message = message;
        }

        public RefundAnswerBody Body(string? message) => new(Id, Status.ToWire(), Code, message, Amount.Cents);
    }
}
