using System.Text.Json;
using Mbushja.Domain;
using Mbushja.Http;
using Mbushja.Sms;
using Mbushja.TopUp;
using Mbushja.WebConsole.Users;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Mbushja.Server.Api;

public sealed record CreateRegistrationRequest(string? HolderMsisdn, string? AccountRef, IReadOnlyList<string?>? Authorized, IReadOnlyList<string?>? ContractAccounts);

public sealed record AddAuthorizedRequest(string? Msisdn);

/// <summary>A confirmation PIN, set at the branch (never logged, kept only as a salted hash).</summary>
public sealed record SetPinRequest(string? Pin);

public sealed record ContractAccountResponse(string Id, string Kind, string? Username, string? Contract, string? SmartCard, string? Number)
{
    public static ContractAccountResponse From(ContractAccount a) => new(a.Id, a.Kind.ToWire(), a.Username, a.Contract, a.SmartCard, a.Number);
}

public sealed record RegistrationResponse(
    string Id,
    string Bank,
    string HolderMsisdn,
    string AccountRef,
    IReadOnlyList<string> Authorized,
    IReadOnlyList<ContractAccountResponse> ContractAccounts,
    DateTimeOffset CreatedAt)
{
    public static RegistrationResponse From(Registration r) => new(
        r.Id, r.BankCode, r.Holder.E164, r.AccountRef.Value, [.. r.Authorized.Select(m => m.E164)], [.. r.ContractAccounts.Select(ContractAccountResponse.From)], r.CreatedAt);
}

public sealed record AuditEntryResponse(DateTimeOffset At, string Actor, string Action, JsonElement Details);

public sealed record AuditTrailResponse(string RegistrationId, string Bank, IReadOnlyList<AuditEntryResponse> Entries);

/// <summary>
/// Registrations at partner banks: a holder, an IBAN, contract accounts and up to four authorised persons; one
/// registration per number per bank.
/// </summary>
public static class RegistrationsApi
{
    private const string Path = "/banks/{bankCode}/registrations";

    public static RouteGroupBuilder MapRegistrationsApi(this RouteGroupBuilder api)
    {
        api.MapPost(Path, CreateAsync)
            .Accepts<CreateRegistrationRequest>("application/json")
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .WithSummary("Register a holder's bank account for SMS Top Up, with up to 4 authorised persons.");
        api.MapGet(Path, FindByMsisdnAsync)
            .WithSummary("The registration a number belongs to at the bank (?msisdn=), as holder or authorised person.");
        api.MapGet(Path + "/{id}", GetAsync)
            .WithSummary("A registration by id.");
        api.MapPost(Path + "/{id}/authorized", AddAuthorizedAsync)
            .Accepts<AddAuthorizedRequest>("application/json")
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .WithSummary("Add an authorised person (at most 4).");
        api.MapDelete(Path + "/{id}/authorized/{msisdn}", RemoveAuthorizedAsync)
            .WithSummary("Remove an authorised person.");
        api.MapPut(Path + "/{id}/pins/{msisdn}", SetPinAsync)
            .Accepts<SetPinRequest>("application/json")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .WithSummary("Set a holder's or authorised person's PIN for confirmations, at a bank that asks for one (4 to 8 digits).");
        api.MapGet(Path + "/{id}/audit", AuditAsync)
            .WithSummary("Every change to a registration, oldest first.");
        return api;
    }

    private static async Task<Results<Created<RegistrationResponse>, ProblemHttpResult>> CreateAsync(
        string bankCode, HttpRequest request, Registrations registrations, BankDirectory banks, NumberingPlan numbering)
    {
        if (banks.ByCode(bankCode) is not { } bank)
        {
            return UnknownBank(bankCode);
        }

        (CreateRegistrationRequest? body, ProblemHttpResult? problem) = await JsonBody.ReadAsync<CreateRegistrationRequest>(request);
        if (problem is not null)
        {
            return problem;
        }

        if (body!.HolderMsisdn is null)
        {
            return Problems.Missing("holderMsisdn");
        }

        if (body.AccountRef is null)
        {
            return Problems.Missing("accountRef");
        }

        ParseResult<Msisdn> holder = numbering.ParseMsisdn(body.HolderMsisdn);
        if (!holder.Success)
        {
            return Problems.Unprocessable(holder.Error.Code, holder.Error.Message, "holderMsisdn");
        }

        ParseResult<Iban> iban = Iban.Parse(body.AccountRef);
        if (!iban.Success)
        {
            return Problems.Unprocessable(iban.Error.Code, iban.Error.Message, "accountRef");
        }

        IReadOnlyList<string?> authorizedText = body.Authorized ?? [];
        if (authorizedText.Count > Registrations.MaxAuthorized)
        {
            return Problems.Unprocessable(
                ErrorCodes.TooManyAuthorized, $"A registration has at most {Registrations.MaxAuthorized} authorised persons.", "authorized");
        }

        var authorized = new List<Msisdn>();
        for (int i = 0; i < authorizedText.Count; i++)
        {
            ParseResult<Msisdn> parsed = numbering.ParseMsisdn(authorizedText[i]);
            if (!parsed.Success)
            {
                return Problems.Unprocessable(parsed.Error.Code, parsed.Error.Message, $"authorized[{i}]");
            }

            authorized.Add(parsed.Value);
        }

        IReadOnlyList<string?> accounts = body.ContractAccounts ?? [];
        for (int i = 0; i < accounts.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(accounts[i]))
            {
                return Problems.Unprocessable(ErrorCodes.InvalidIdentifier, "A contract account is named by a non-empty identifier.", $"contractAccounts[{i}]");
            }
        }

        RegistrationOutcome outcome = await registrations.CreateAsync(
            new NewRegistration(bank.Code, holder.Value, iban.Value, authorized, [.. accounts.Select(a => a!)]),
            Actor(request.HttpContext),
            request.HttpContext.RequestAborted);
        if (!outcome.Succeeded)
        {
            return Refused(outcome.Error);
        }

        Registration created = outcome.Registration;
        await request.HttpContext.AuditAsync(ConsoleActions.RegistrationCreated, $"{created.BankCode}/{created.Id}", new
        {
            holder = created.Holder.E164,
            accountRef = created.AccountRef.Value,
            authorized = created.Authorized.Select(a => a.E164),
            contractAccounts = created.ContractAccounts.Select(a => a.Id),
        });
        return TypedResults.Created(Location(created), RegistrationResponse.From(created));
    }

    private static async Task<Results<Ok<RegistrationResponse>, ProblemHttpResult>> GetAsync(
        string bankCode, string id, Registrations registrations, BankDirectory banks, CancellationToken ct)
    {
        if (banks.ByCode(bankCode) is not { } bank)
        {
            return UnknownBank(bankCode);
        }

        Registration? found = await registrations.FindAsync(bank.Code, id, ct);
        return found is null ? Problems.NotFoundOf($"Registration {id} at {bank.Code}") : TypedResults.Ok(RegistrationResponse.From(found));
    }

    private static async Task<Results<Ok<RegistrationResponse>, ProblemHttpResult>> FindByMsisdnAsync(
        string bankCode, string? msisdn, Registrations registrations, BankDirectory banks, NumberingPlan numbering, CancellationToken ct)
    {
        if (banks.ByCode(bankCode) is not { } bank)
        {
            return UnknownBank(bankCode);
        }

        if (msisdn is null)
        {
            return Problems.Missing("msisdn");
        }

        ParseResult<Msisdn> number = numbering.ParseMsisdn(msisdn);
        if (!number.Success)
        {
            return Problems.BadRequest(number.Error.Code, number.Error.Message, "msisdn");
        }

        RegistrationMember? member = await registrations.FindMemberAsync(bank.Code, number.Value, ct);
        return member is null
            ? Problems.NotFoundOf($"A registration of {number.Value.E164} at {bank.Code}")
            : TypedResults.Ok(RegistrationResponse.From(member.Registration));
    }

    private static async Task<Results<Created<RegistrationResponse>, ProblemHttpResult>> AddAuthorizedAsync(
        string bankCode, string id, HttpRequest request, Registrations registrations, BankDirectory banks, NumberingPlan numbering)
    {
        if (banks.ByCode(bankCode) is not { } bank)
        {
            return UnknownBank(bankCode);
        }

        (AddAuthorizedRequest? body, ProblemHttpResult? problem) = await JsonBody.ReadAsync<AddAuthorizedRequest>(request);
        if (problem is not null)
        {
            return problem;
        }

        (Msisdn msisdn, ProblemHttpResult? bad) = MsisdnField.Parse(numbering, body!.Msisdn);
        if (bad is not null)
        {
            return bad;
        }

        RegistrationOutcome outcome = await registrations.AddAuthorizedAsync(
            bank.Code, id, msisdn, Actor(request.HttpContext), request.HttpContext.RequestAborted);
        if (!outcome.Succeeded)
        {
            return Refused(outcome.Error);
        }

        await request.HttpContext.AuditAsync(
            ConsoleActions.AuthorizedAdded, $"{outcome.Registration.BankCode}/{outcome.Registration.Id}", new { msisdn = msisdn.E164 });
        return TypedResults.Created(Location(outcome.Registration), RegistrationResponse.From(outcome.Registration));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> RemoveAuthorizedAsync(
        string bankCode, string id, string msisdn, HttpContext context, Registrations registrations, BankDirectory banks, NumberingPlan numbering)
    {
        if (banks.ByCode(bankCode) is not { } bank)
        {
            return UnknownBank(bankCode);
        }

        ParseResult<Msisdn> number = numbering.ParseMsisdn(msisdn);
        if (!number.Success)
        {
            return Problems.BadRequest(number.Error.Code, number.Error.Message, "msisdn");
        }

        RegistrationOutcome outcome = await registrations.RemoveAuthorizedAsync(bank.Code, id, number.Value, Actor(context), context.RequestAborted);
        if (!outcome.Succeeded)
        {
            return Refused(outcome.Error);
        }

        await context.AuditAsync(ConsoleActions.AuthorizedRemoved, $"{outcome.Registration.BankCode}/{outcome.Registration.Id}", new { msisdn = number.Value.E164 });
        return TypedResults.NoContent();
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> SetPinAsync(
        string bankCode, string id, string msisdn, HttpRequest request, Registrations registrations, SmsConfirmations confirmations, BankDirectory banks, NumberingPlan numbering)
    {
        if (banks.ByCode(bankCode) is not { } bank)
        {
            return UnknownBank(bankCode);
        }

        ParseResult<Msisdn> number = numbering.ParseMsisdn(msisdn);
        if (!number.Success)
        {
            return Problems.BadRequest(number.Error.Code, number.Error.Message, "msisdn");
        }

        (SetPinRequest? body, ProblemHttpResult? problem) = await JsonBody.ReadAsync<SetPinRequest>(request);
        if (problem is not null)
        {
            return problem;
        }

        if (body!.Pin is null)
        {
            return Problems.Missing("pin");
        }

        if (!ConfirmationSecrets.IsPin(body.Pin))
        {
            return Problems.Unprocessable(ConfirmationCodes.InvalidPin, "A PIN is 4 to 8 digits.", "pin");
        }

        Registration? registration = await registrations.FindAsync(bank.Code, id, request.HttpContext.RequestAborted);
        if (registration is null || (registration.Holder != number.Value && !registration.Authorized.Contains(number.Value)))
        {
            return Problems.NotFoundOf($"{Numbering.Mask(number.Value.E164)} in registration {id} at {bank.Code}");
        }

        await confirmations.SetPinAsync(bank.Code, number.Value.E164, body.Pin, Actor(request.HttpContext), request.HttpContext.RequestAborted);
        await request.HttpContext.AuditAsync(ConsoleActions.ConfirmationPinSet, $"{bank.Code}/{registration.Id}", new { msisdn = number.Value.E164 });
        return TypedResults.NoContent();
    }

    private static async Task<Results<Ok<AuditTrailResponse>, ProblemHttpResult>> AuditAsync(
        string bankCode, string id, Registrations registrations, BankDirectory banks, CancellationToken ct)
    {
        if (banks.ByCode(bankCode) is not { } bank)
        {
            return UnknownBank(bankCode);
        }

        IReadOnlyList<RegistrationAuditEntry>? entries = await registrations.AuditTrailAsync(bank.Code, id, ct);
        if (entries is null)
        {
            return Problems.NotFoundOf($"Registration {id} at {bank.Code}");
        }

        return TypedResults.Ok(new AuditTrailResponse(
            id.Trim().ToLowerInvariant(),
            bank.Code,
            [.. entries.Select(e => new AuditEntryResponse(e.At, e.Actor, e.Action, Details(e.Details)))]));
    }

    private static JsonElement Details(string json)
    {
        using JsonDocument document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }

    /// <summary>Who made the change, for the registration's history: the authenticated caller's name ("api" for the admin key).</summary>
    private static string Actor(HttpContext context) => ApiAudit.Actor(context);

    private static string Location(Registration r) => $"/api/v1/banks/{r.BankCode}/registrations/{r.Id}";

    private static ProblemHttpResult UnknownBank(string bankCode) =>
        Problems.Of(StatusCodes.Status404NotFound, ErrorCodes.UnknownBank, $"There is no bank '{bankCode}'.", "bankCode");

    private static ProblemHttpResult Refused(RegistrationError error) => error.Code switch
    {
        ErrorCodes.NotFound => Problems.Of(StatusCodes.Status404NotFound, error.Code, error.Message, error.Field),
        ErrorCodes.AlreadyRegistered => Problems.Conflict(error.Code, error.Message, error.Field),
        _ => Problems.Unprocessable(error.Code, error.Message, error.Field),
    };
}
