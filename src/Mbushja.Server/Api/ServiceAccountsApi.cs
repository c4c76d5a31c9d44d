using Mbushja.Accounts;
using Mbushja.Domain;
using Mbushja.Http;
using Mbushja.Ledger;
using Mbushja.WebConsole.Users;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Mbushja.Server.Api;

public sealed record CreateServiceAccountRequest(
    string? Kind, string? PackageCode, string? Username = null, string? Contract = null, string? SmartCard = null, string? Number = null, long? BalanceCents = null);

public sealed record ServiceAccountResponse(
    string Id,
    string Kind,
    string PackageCode,
    string? Username,
    string? Contract,
    string? SmartCard,
    string? Number,
    DateTimeOffset? PaidUntil,
    long BalanceCents,
    string Currency,
    DateTimeOffset CreatedAt)
{
    public static ServiceAccountResponse From(ServiceAccount a) => new(
        a.Id, a.Kind.ToWire(), a.PackageCode, a.Username, a.Contract, a.SmartCard, a.Number?.E164, a.PaidUntil, a.Balance.Cents, Money.Currency, a.CreatedAt);
}

/// <summary>Service accounts: fixed, internet, TV and DUO, found by any of their identifiers.</summary>
public static class ServiceAccountsApi
{
    public static RouteGroupBuilder MapServiceAccountsApi(this RouteGroupBuilder api)
    {
        api.MapPost("/service-accounts", CreateAsync)
            .Accepts<CreateServiceAccountRequest>("application/json")
            .WithSummary("Create a fixed, internet, TV or DUO account.");
        api.MapGet("/service-accounts/{identifier}", GetAsync)
            .WithSummary("A service account by id, username, contract, SMART card or fixed number.");
        return api;
    }

    private static async Task<Results<Created<ServiceAccountResponse>, ProblemHttpResult>> CreateAsync(
        HttpRequest request, ServiceAccounts accounts, OperatorConfig config)
    {
        (CreateServiceAccountRequest? body, ProblemHttpResult? problem) = await JsonBody.ReadAsync<CreateServiceAccountRequest>(request);
        if (problem is not null)
        {
            return problem;
        }

        (NewServiceAccount? account, ProblemHttpResult? invalid) = Validate(body!, config);
        if (invalid is not null)
        {
            return invalid;
        }

        (LedgerOutcome outcome, string id) = await accounts.CreateAsync(account!, request.HttpContext.RequestAborted);
        if (!outcome.Succeeded)
        {
            return outcome.Error!.Code == ErrorCodes.IdentifierTaken
                ? Problems.Conflict(ErrorCodes.IdentifierTaken, outcome.Error.Message, outcome.Error.Subject)
                : Problems.Unprocessable(outcome.Error.Code, outcome.Error.Message);
        }

        ServiceAccount created = (await accounts.FindAsync(id))!;
        // The object is named as people name it (the console's lookup finds it by it); the id is in the details.
        await request.HttpContext.AuditAsync(
            ConsoleActions.ServiceAccountCreated,
            created.Username ?? created.Contract ?? created.SmartCard ?? created.Number?.E164 ?? created.Id,
            new
            {
                id = created.Id,
                kind = created.Kind.ToWire(),
                packageCode = created.PackageCode,
                username = created.Username,
                contract = created.Contract,
                smartCard = created.SmartCard,
                number = created.Number?.E164,
                balanceCents = created.Balance.Cents,
            });
        return TypedResults.Created($"/api/v1/service-accounts/{id}", ServiceAccountResponse.From(created));
    }

    private static (NewServiceAccount?, ProblemHttpResult?) Validate(CreateServiceAccountRequest body, OperatorConfig config)
    {
        if (body.Kind is null)
        {
            return (null, Problems.Missing("kind"));
        }

        if (body.PackageCode is null)
        {
            return (null, Problems.Missing("packageCode"));
        }

        ParseResult<ServiceKind> kind = DomainNames.ParseKind(body.Kind);
        if (!kind.Success)
        {
            return (null, Problems.Unprocessable(kind.Error.Code, kind.Error.Message, "kind"));
        }

        Package? package = config.Catalog.Find(body.PackageCode);
        if (package is null)
        {
            return (null, Problems.Unprocessable(ErrorCodes.UnknownPackage, $"There is no package '{body.PackageCode}' in the catalog.", "packageCode"));
        }

        if (package.Kind != kind.Value || package.Price is null)
        {
            string why = package.Price is null
                ? $"{package.Name} is bought by amount; an account subscribes to a monthly package."
                : $"{package.Name} is a {package.Kind.ToWire()} package, not a {kind.Value.ToWire()} one.";
            return (null, Problems.Unprocessable(ErrorCodes.PackageKindMismatch, why, "packageCode"));
        }

        var identifiers = new Dictionary<IdentifierKind, AccountIdentifier>();
        foreach ((IdentifierKind idKind, string field, string? text) in new[]
        {
            (IdentifierKind.Username, "username", body.Username),
            (IdentifierKind.Contract, "contract", body.Contract),
            (IdentifierKind.SmartCard, "smartCard", body.SmartCard),
        })
        {
            if (text is null)
            {
                continue;
            }

            ParseResult<AccountIdentifier> parsed = AccountIdentifier.Parse(text, idKind);
            if (!parsed.Success)
            {
                return (null, Problems.Unprocessable(parsed.Error.Code, parsed.Error.Message, field));
            }

            identifiers[idKind] = parsed.Value;
        }

        FixedNumber? number = null;
        if (body.Number is not null)
        {
            if (kind.Value != ServiceKind.Fixed)
            {
                return (null, Problems.Unprocessable(ErrorCodes.IdentifierNotAllowed, "Only a fixed-line account has a number.", "number"));
            }

            ParseResult<FixedNumber> parsed = config.Numbering.ParseFixed(body.Number);
            if (!parsed.Success)
            {
                return (null, Problems.Unprocessable(parsed.Error.Code, parsed.Error.Message, "number"));
            }

            number = parsed.Value;
        }

        if (identifiers.ContainsKey(IdentifierKind.SmartCard) && kind.Value is not (ServiceKind.Tv or ServiceKind.Duo))
        {
            return (null, Problems.Unprocessable(ErrorCodes.IdentifierNotAllowed, "Only TV and DUO accounts have a SMART card.", "smartCard"));
        }

        if (kind.Value == ServiceKind.Fixed && number is null)
        {
            return (null, Problems.Unprocessable(ErrorCodes.IdentifierRequired, "A fixed-line account needs its number.", "number"));
        }

        if (identifiers.Count == 0 && number is null)
        {
            return (null, Problems.Unprocessable(ErrorCodes.IdentifierRequired, "Give at least one of username, contract, smartCard.", "username"));
        }

        Money balance = Money.Zero;
        if (body.BalanceCents is { } cents)
        {
            ParseResult<Money> parsed = Money.NonNegative(cents);
            if (!parsed.Success)
            {
                return (null, Problems.Unprocessable(parsed.Error.Code, parsed.Error.Message, "balanceCents"));
            }

            if (parsed.Value > Money.Zero && kind.Value == ServiceKind.Internet)
            {
                return (null, Problems.Unprocessable(ErrorCodes.BalanceNotAllowed, "Internet accounts hold no prepaid balance.", "balanceCents"));
            }

            balance = parsed.Value;
        }

        return (new NewServiceAccount(
            kind.Value,
            package,
            identifiers.GetValueOrDefault(IdentifierKind.Username) is { Value: not null } u ? u : null,
            identifiers.GetValueOrDefault(IdentifierKind.Contract) is { Value: not null } c ? c : null,
            identifiers.GetValueOrDefault(IdentifierKind.SmartCard) is { Value: not null } s ? s : null,
            number,
            balance), null);
    }

    private static async Task<Results<Ok<ServiceAccountResponse>, ProblemHttpResult>> GetAsync(string identifier, ServiceAccounts accounts, CancellationToken ct)
    {
        ServiceAccount? found = await accounts.FindAsync(identifier, ct);
        return found is null ? Problems.NotFoundOf($"Service account '{identifier}'") : TypedResults.Ok(ServiceAccountResponse.From(found));
    }
}
