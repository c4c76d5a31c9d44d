namespace Mbushja.Domain;

/// <summary>What a catalog change sets.</summary>
public enum CatalogChangeKind
{
    /// <summary>A package's monthly price.</summary>
    Price,

    /// <summary>The service fee.</summary>
    Fee,
}

/// <summary>
/// A price or fee set by an administrator from an operator-local date on (docs/money.md, "Catalog and fee changes"): it
/// takes precedence over the shipped catalog file from that date. Recorded once, never changed: the list is the audit.
/// </summary>
/// <param name="PackageCode">The package, for a price; null for the fee.</param>
public sealed record CatalogChange(
    string Id, CatalogChangeKind Kind, string? PackageCode, Money Amount, DateOnly EffectiveFrom, string ChangedBy, DateTimeOffset ChangedAt, string Reason);

/// <summary>
/// The shipped catalog with the changes recorded in the database laid over it: the price of a package and the service
/// fee on any local date. On a date where both the file and a recorded change set the fee, the recorded change wins.
/// Immutable: a new snapshot replaces it when changes are recorded.
/// </summary>
public sealed class CatalogSchedule
{
    private readonly Dictionary<string, CatalogChange[]> _prices;
    private readonly CatalogChange[] _fees;

    public CatalogSchedule(Catalog catalog, IEnumerable<CatalogChange> changes)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(changes);
        Catalog = catalog;
        CatalogChange[] all = [.. changes.OrderBy(c => c.EffectiveFrom).ThenBy(c => c.ChangedAt)];
        Changes = all;
        _prices = all.Where(c => c.Kind == CatalogChangeKind.Price && c.PackageCode is not null)
            .GroupBy(c => c.PackageCode!, StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key, g => g.ToArray(), StringComparer.OrdinalIgnoreCase);
        _fees = [.. all.Where(c => c.Kind == CatalogChangeKind.Fee)];
    }

    public Catalog Catalog { get; }

    /// <summary>Every recorded change, by effective date.</summary>
    public IReadOnlyList<CatalogChange> Changes { get; }

    /// <summary>A package's monthly price on a local date; null for a package bought by amount (PPV).</summary>
    public Money? PriceOn(Package package, DateOnly localDate)
    {
        ArgumentNullException.ThrowIfNull(package);
        if (package.Price is null)
        {
            return null;
        }

        return _prices.TryGetValue(package.Code, out CatalogChange[]? changes) && Latest(changes, localDate) is { } change
            ? change.Amount
            : package.Price;
    }

    /// <summary>The service fee on a local date: the latest change on or before it, the file's or a recorded one.</summary>
    public Money FeeOn(DateOnly localDate)
    {
        FeeChange? shipped = Catalog.Fees.Changes.LastOrDefault(c => c.EffectiveFrom <= localDate);
        CatalogChange? recorded = Latest(_fees, localDate);
        return recorded is not null && (shipped is null || recorded.EffectiveFrom >= shipped.EffectiveFrom)
            ? recorded.Amount
            : Catalog.Fees.FeeOn(localDate);
    }

    private static CatalogChange? Latest(CatalogChange[] changes, DateOnly localDate) => changes.LastOrDefault(c => c.EffectiveFrom <= localDate);
}
