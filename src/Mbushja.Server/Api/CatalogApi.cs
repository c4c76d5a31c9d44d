using Mbushja.Domain;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Mbushja.Server.Api;

public sealed record PackageResponse(
    string Code, string Name, string Kind, long? PriceCents, IReadOnlyList<long> AmountsCents, IReadOnlyList<string> AsksFor, bool InUssdMenu);

public sealed record FeeResponse(DateOnly EffectiveFrom, long FeeCents);

public sealed record CatalogResponse(string Currency, IReadOnlyList<PackageResponse> Packages, long FeeCents, IReadOnlyList<FeeResponse> FeeSchedule);

/// <summary>The catalog: packages in menu order, today's service fee and its history.</summary>
public static class CatalogApi
{
    public static RouteGroupBuilder MapCatalogApi(this RouteGroupBuilder api)
    {
        api.MapGet("/catalog", Get).WithSummary("Packages, prices and the service fee.");
        return api;
    }

    private static Ok<CatalogResponse> Get(OperatorConfig config, OperatorClock clock, Mbushja.Accounts.CatalogChanges changes)
    {
        Catalog catalog = config.Catalog;
        CatalogSchedule schedule = changes.Current;
        DateOnly today = clock.Today;
        return TypedResults.Ok(new CatalogResponse(
            Money.Currency,
            [.. catalog.Packages.Select(p => new PackageResponse(
                p.Code,
                p.Name,
                p.Kind.ToWire(),
                schedule.PriceOn(p, today)?.Cents,
                [.. p.Amounts.Select(a => a.Cents)],
                [.. p.AsksFor.Select(a => char.ToLowerInvariant(a.ToString()[0]) + a.ToString()[1..])],
                p.InUssdMenu))],
            schedule.FeeOn(today).Cents,
            [.. catalog.Fees.Changes.Select(c => new FeeResponse(c.EffectiveFrom, c.Fee.Cents))]));
    }
}
