namespace Mbushja.Domain;

/// <summary>A package of the catalog (<c>catalog.json</c>).</summary>
/// <param name="Code">Stable identifier: <c>DTV_FAMILJARE</c>.</param>
/// <param name="Name">Display name: <c>DTV Familjare</c>.</param>
/// <param name="Kind">The kind of service account it is for.</param>
/// <param name="AsksFor">The identifiers the USSD flow accepts for it, in the order it asks.</param>
/// <param name="Price">The monthly price; null for a package bought by chosen amount (PPV).</param>
/// <param name="Amounts">The amounts one may choose, for a package without a monthly price.</param>
/// <param name="InUssdMenu">Whether the <c>*101#</c> list shows it.</param>
public sealed record Package(
    string Code,
    string Name,
    ServiceKind Kind,
    IReadOnlyList<IdentifierKind> AsksFor,
    Money? Price,
    IReadOnlyList<Money> Amounts,
    bool InUssdMenu);

/// <summary>One line of the service fee's history: the fee in force from a local date on.</summary>
public sealed record FeeChange(DateOnly EffectiveFrom, Money Fee);

/// <summary>The service fee with its effective-from dates (the seed's: 0.50 EUR from 1 April 2016).</summary>
public sealed class FeeSchedule
{
    private readonly FeeChange[] _changes;

    public FeeSchedule(IEnumerable<FeeChange> changes)
    {
        _changes = [.. changes.OrderBy(c => c.EffectiveFrom)];
        for (int i = 1; i < _changes.Length; i++)
        {
            if (_changes[i].EffectiveFrom == _changes[i - 1].EffectiveFrom)
            {
                throw new ArgumentException($"Two service fees take effect on {_changes[i].EffectiveFrom:yyyy-MM-dd}.", nameof(changes));
            }
        }
    }

    public IReadOnlyList<FeeChange> Changes => _changes;

    /// <summary>The fee on a local date: the latest change on or before it; zero before the first.</summary>
    public Money FeeOn(DateOnly localDate)
    {
        Money fee = Money.Zero;
        foreach (FeeChange change in _changes)
        {
            if (change.EffectiveFrom > localDate)
            {
                break;
            }

            fee = change.Fee;
        }

        return fee;
    }
}

/// <summary>The packages an operator sells and its service fee.</summary>
public sealed class Catalog
{
    private readonly Dictionary<string, Package> _byCode;

    public Catalog(IEnumerable<Package> packages, FeeSchedule fees)
    {
        Packages = [.. packages];
        _byCode = new Dictionary<string, Package>(StringComparer.OrdinalIgnoreCase);
        foreach (Package p in Packages)
        {
            if (!_byCode.TryAdd(p.Code, p))
            {
                throw new ArgumentException($"Package code '{p.Code}' appears twice.", nameof(packages));
            }
        }

        Fees = fees;
    }

    /// <summary>All packages, in the configured order.</summary>
    public IReadOnlyList<Package> Packages { get; }

    public FeeSchedule Fees { get; }

    /// <summary>The packages the USSD list shows, in order.</summary>
    public IEnumerable<Package> UssdPackages => Packages.Where(p => p.InUssdMenu);

    public Package? Find(string? code) => code is not null && _byCode.TryGetValue(code.Trim(), out Package? p) ? p : null;
}
