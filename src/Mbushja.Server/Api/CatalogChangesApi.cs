using System.Globalization;
using Mbushja.Accounts;
using Mbushja.Domain;
using Mbushja.Http;
using Mbushja.WebConsole.Users;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Mbushja.Server.Api;

/// <param name="Kind"><c>price</c> (with <paramref name="PackageCode"/>) or <c>fee</c>.</param>
/// <param name="EffectiveFrom">An operator-local date after today, <c>YYYY-MM-DD</c>.</param>
public sealed record CatalogChangeRequest(string? Kind, string? PackageCode, long? AmountCents, string? EffectiveFrom, string? By, string? Reason);

public sealed record CatalogChangeResponse(
    string Id, string Kind, string? PackageCode, long AmountCents, string Currency, DateOnly EffectiveFrom, string ChangedBy, DateTimeOffset ChangedAt, string Reason)
{
    public static CatalogChangeResponse Of(CatalogChange c) => new(
        c.Id, c.Kind == CatalogChangeKind.Fee ? "fee" : "price", c.PackageCode, c.Amount.Cents, Money.Currency, c.EffectiveFrom, c.ChangedBy, c.ChangedAt, c.Reason);
}

public sealed record CatalogChangeList(IReadOnlyList<CatalogChangeResponse> Changes);

/// <summary>Prices and the service fee from a future date on (admins; docs/money.md): recorded, audited, over the catalog file.</summary>
public static class CatalogChangesApi
{
    public static RouteGroupBuilder MapCatalogChangesApi(this RouteGroupBuilder api)
    {
        api.MapGet("/catalog/changes", ListAsync).WithSummary("Every recorded price and fee change (the audit): who, when, why, from when.");
        api.MapPost("/catalog/changes", ScheduleAsync)
            .Accepts<CatalogChangeRequest>("application/json")
            .WithSummary("Sets a package's monthly price or the service fee from a future operator-local date on: "
                + "{kind: price|fee, packageCode?, amountCents, effectiveFrom: YYYY-MM-DD, by, reason}. It takes precedence over the catalog file from that date.");
        return api;
    }

    private static async Task<Ok<CatalogChangeList>> ListAsync(CatalogChanges changes, CancellationToken ct) =>
        TypedResults.Ok(new CatalogChangeList([.. (await changes.ListAsync(ct)).Select(CatalogChangeResponse.Of)]));

    private static async Task<Results<Created<CatalogChangeResponse>, ProblemHttpResult>> ScheduleAsync(HttpRequest request, CatalogChanges changes, CancellationToken ct)
    {
        (CatalogChangeRequest? body, ProblemHttpResult? problem) = await JsonBody.ReadAsync<CatalogChangeRequest>(request);
        if (problem is not null)
        {
            return problem;
        }

        if (Problems.NulCharacter(("by", body!.By), ("reason", body.Reason)) is { } control)
        {
            return control;
        }

        CatalogChangeKind? kind = body.Kind switch
        {
            "price" => CatalogChangeKind.Price,
            "fee" => CatalogChangeKind.Fee,
            _ => null,
        };
        if (kind is null)
        {
            return body.Kind is null ? Problems.Missing("kind") : Problems.BadRequest(ErrorCodes.InvalidKind, "kind is 'price' or 'fee'.", "kind");
        }

        if (body.AmountCents is not { } amount)
        {
            return Problems.Missing("amountCents");
        }

        if (body.EffectiveFrom is null)
        {
            return Problems.Missing("effectiveFrom");
        }

        if (!DateOnly.TryParseExact(body.EffectiveFrom, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out DateOnly from))
        {
            return Problems.BadRequest(ErrorCodes.InvalidDate, $"'{body.EffectiveFrom}' is not a date written YYYY-MM-DD.", "effectiveFrom");
        }

        CatalogChangeOutcome outcome = await changes.ScheduleAsync(kind.Value, body.PackageCode, Money.FromCents(amount), from, body.By ?? "", body.Reason ?? "", ct);
        if (outcome.Succeeded)
        {
            CatalogChange change = outcome.Change;
            // Named as the console names it: the package's code, or "fee".
            await request.HttpContext.AuditAsync(ConsoleActions.CatalogChangeScheduled, change.PackageCode ?? "fee", new
            {
                change = change.Id,
                kind = body.Kind,
                amountCents = change.Amount.Cents,
                effectiveFrom = change.EffectiveFrom.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                by = change.ChangedBy,
                reason = change.Reason,
            });
            return TypedResults.Created("/api/v1/catalog/changes", CatalogChangeResponse.Of(change));
        }

        CatalogChangeError error = outcome.Error;
        int status = error.Code switch
        {
            ErrorCodes.MissingField => StatusCodes.Status400BadRequest,
            ErrorCodes.ChangeExists => StatusCodes.Status409Conflict,
            _ => StatusCodes.Status422UnprocessableEntity,
        };
        return Problems.Of(status, error.Code, error.Message, error.Field);
    }
}
