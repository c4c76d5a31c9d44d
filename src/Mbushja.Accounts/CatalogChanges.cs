using System.Data.Common;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Mbushja.Domain;
using Mbushja.Storage;
using Mbushja.Storage.Commits;

namespace Mbushja.Accounts;

/// <summary>A change refused (nothing recorded): a stable code, a message, the field to blame.</summary>
public sealed record CatalogChangeError(string Code, string Message, string? Field = null);

public sealed record CatalogChangeOutcome(CatalogChange? Change, CatalogChangeError? Error)
{
    [MemberNotNullWhen(true, nameof(Change))]
    [MemberNotNullWhen(false, nameof(Error))]
    public bool Succeeded => Change is not null;

    public static CatalogChangeOutcome Refused(string code, string message, string? field = null) => new(null, new CatalogChangeError(code, message, field));
}

/// <summary>
/// Package prices and the service fee set by an administrator from a future operator-local date on, stored in the
/// database and laid over the shipped catalog file (<see cref="CatalogSchedule"/>). Each change is recorded once with
/// who, when and why, and never edited: the table is its own audit. Only future dates are taken, so nothing already
/// charged or quoted today changes; one change per package (or the fee) per date, decided by a unique index.
/// Readers take <see cref="Current"/>, a snapshot in memory refreshed after each change here and, for changes made on
/// other servers, at most <see cref="RefreshAfter"/> old.
/// </summary>
public sealed class CatalogChanges(Database database, CommitQueue commits, OperatorConfig config, OperatorClock clock)
{
    public const int MaxReasonLength = 500;

    /// <summary>How old the snapshot may get before it is read again (changes take effect from tomorrow at the earliest).</summary>
    public static readonly TimeSpan RefreshAfter = TimeSpan.FromSeconds(30);

    private const string Columns = "id, kind, package_code, amount, effective_from, changed_by, changed_at, reason";

    private CatalogSchedule _current = new(config.Catalog, []);
    private long _loadedAt;
    private bool _loaded;
    private int _refreshing;

    /// <summary>The catalog as it stands (the file with the recorded changes). Never waits: a stale snapshot is refreshed in the background.</summary>
    public CatalogSchedule Current
    {
        get
        {
            bool stale = !Volatile.Read(ref _loaded) || clock.Time.GetElapsedTime(Volatile.Read(ref _loadedAt)) > RefreshAfter;
            if (stale && Interlocked.Exchange(ref _refreshing, 1) == 0)
            {
                _ = Task.Run(async () =>
                {
                    try
                    {
                        await RefreshAsync();
                    }
                    catch (Exception e) when (e is DbException or InvalidOperationException)
                    {
                        // The old snapshot stays; the next reader tries again.
                    }
                    finally
                    {
                        Volatile.Write(ref _refreshing, 0);
                    }
                });
            }

            return Volatile.Read(ref _current);
        }
    }

    /// <summary>Reads the recorded changes (at start-up, and whenever the snapshot is stale).</summary>
    public async Task<CatalogSchedule> RefreshAsync(CancellationToken ct = default)
    {
        long started = clock.Time.GetTimestamp();
        var schedule = new CatalogSchedule(config.Catalog, await ListAsync(ct));
        Volatile.Write(ref _current, schedule);
        Volatile.Write(ref _loadedAt, started);
        Volatile.Write(ref _loaded, true);
        return schedule;
    }

    /// <summary>Every recorded change, by effective date.</summary>
    public async Task<List<CatalogChange>> ListAsync(CancellationToken ct = default)
    {
        await using DbConnection connection = await database.OpenAsync(ct);
        await using DbCommand command = connection.Command($"SELECT {Columns} FROM catalog_changes ORDER BY effective_from, changed_at");
        await using DbDataReader r = await command.ExecuteReaderAsync(ct);
        var list = new List<CatalogChange>();
        while (await r.ReadAsync(ct))
        {
            string code = r.GetString(2);
            list.Add(new CatalogChange(
                r.GetString(0),
                r.GetString(1) == "fee" ? CatalogChangeKind.Fee : CatalogChangeKind.Price,
                code.Length == 0 ? null : code,
                Money.FromCents(r.GetInt64(3)),
                DateOnly.ParseExact(r.GetString(4), "yyyy-MM-dd", CultureInfo.InvariantCulture),
                r.GetString(5),
                DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(6)),
                r.GetString(7)));
        }

        return list;
    }

    /// <summary>
    /// Records a package's monthly price (<paramref name="packageCode"/>) or the fee (null) from
    /// <paramref name="effectiveFrom"/> on, a local date after today. Refused, with nothing recorded, for an unknown
    /// package or one sold by amount, a date not in the future, an amount out of range, or a change for that date already.
    /// </summary>
    public async Task<CatalogChangeOutcome> ScheduleAsync(
        CatalogChangeKind kind, string? packageCode, Money amount, DateOnly effectiveFrom, string changedBy, string reason, CancellationToken ct = default)
    {
        if (string.IsNullOrWhiteSpace(changedBy))
        {
            return CatalogChangeOutcome.Refused(ErrorCodes.MissingField, "The field 'by' is required.", "by");
        }

        if (string.IsNullOrWhiteSpace(reason) || reason.Length > MaxReasonLength)
        {
            return CatalogChangeOutcome.Refused(ErrorCodes.MissingField, $"A reason of 1 to {MaxReasonLength} characters is required.", "reason");
        }

        string code = "";
        if (kind == CatalogChangeKind.Price)
        {
            if (config.Catalog.Find(packageCode) is not { } package)
            {
                return CatalogChangeOutcome.Refused(ErrorCodes.UnknownPackage, $"There is no package '{packageCode}'.", "packageCode");
            }

            if (package.Price is null)
            {
                return CatalogChangeOutcome.Refused(ErrorCodes.NoMonthlyPrice, $"{package.Code} is bought by amount; it has no monthly price.", "packageCode");
            }

            code = package.Code;
        }

        // Checked here for every caller: a price must be positive, a fee may be zero.
        ParseResult<Money> allowed = kind == CatalogChangeKind.Price ? Money.Positive(amount.Cents) : Money.NonNegative(amount.Cents);
        if (!allowed.Success)
        {
            return CatalogChangeOutcome.Refused(ErrorCodes.InvalidAmount, allowed.Error.Message, "amountCents");
        }

        if (effectiveFrom <= clock.Today)
        {
            return CatalogChangeOutcome.Refused(
                ErrorCodes.EffectiveDateNotFuture, $"A change takes effect from a future day (after {clock.Today:yyyy-MM-dd}, operator time); what was charged stays.", "effectiveFrom");
        }

        var change = new CatalogChange(
            Guid.CreateVersion7().ToString("N"), kind, code.Length == 0 ? null : code, allowed.Value, effectiveFrom, changedBy.Trim(), clock.UtcNow, reason.Trim());
        // The unique (kind, package_code, effective_from) decides a second change for one date; no "look, then insert".
        var insert = CommitStatement.Conditional(
            $"INSERT INTO catalog_changes ({Columns}) VALUES (@id, @kind, @code, @amount, @from, @by, @at, @reason) ON CONFLICT DO NOTHING",
            new CommitRefusal(
                ErrorCodes.ChangeExists, $"A change of {(code.Length == 0 ? "the fee" : code)} from {effectiveFrom:yyyy-MM-dd} is recorded already.", "effectiveFrom"),
            ("id", change.Id),
            ("kind", kind == CatalogChangeKind.Fee ? "fee" : "price"),
            ("code", code),
            ("amount", change.Amount.Cents),
            ("from", effectiveFrom.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)),
            ("by", change.ChangedBy),
            ("at", change.ChangedAt.ToUnixTimeMilliseconds()),
            ("reason", change.Reason));
        if (await commits.CommitAsync(insert, Durability.Durable, ct) is { } refused)
        {
            return CatalogChangeOutcome.Refused(refused.Code, refused.Message, refused.Subject);
        }

        await RefreshAsync(ct);
        return new CatalogChangeOutcome(change, null);
    }
}
