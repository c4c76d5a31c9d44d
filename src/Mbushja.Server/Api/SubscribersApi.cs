using Mbushja.Accounts;
using Mbushja.Domain;
using Mbushja.Http;
using Mbushja.Ledger;
using Mbushja.WebConsole.Users;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;

namespace Mbushja.Server.Api;

public sealed record CreateSubscriberRequest(string? Msisdn, long? CreditCents, string? Language = null);

public sealed record SubscriberResponse(string Msisdn, long CreditCents, string Currency, string Language, DateTimeOffset CreatedAt)
{
    public static SubscriberResponse From(Subscriber s) => new(s.Msisdn.E164, s.Credit.Cents, Money.Currency, s.Language.ToWire(), s.CreatedAt);
}

/// <summary>Mobile subscribers: create with an opening credit, look up by number in any accepted form.</summary>
public static partial class SubscribersApi
{
    public static RouteGroupBuilder MapSubscribersApi(this RouteGroupBuilder api)
    {
        api.MapPost("/subscribers", CreateAsync)
            .Accepts<CreateSubscriberRequest>("application/json")
            .WithSummary("Create a mobile subscriber with an opening credit.");
        api.MapGet("/subscribers/{msisdn}", GetAsync)
            .WithSummary("A subscriber's credit and language.");
        return api;
    }

    private static async Task<Results<Created<SubscriberResponse>, ProblemHttpResult>> CreateAsync(
        HttpRequest request, Subscribers subscribers, OperatorConfig config, ILogger<Subscribers> logger)
    {
        (CreateSubscriberRequest? body, ProblemHttpResult? problem) = await JsonBody.ReadAsync<CreateSubscriberRequest>(request);
        if (problem is not null)
        {
            return problem;
        }

        if (body!.Msisdn is null)
        {
            return Problems.Missing("msisdn");
        }

        if (body.CreditCents is null)
        {
            return Problems.Missing("creditCents");
        }

        ParseResult<Msisdn> msisdn = config.Numbering.ParseMsisdn(body.Msisdn);
        if (!msisdn.Success)
        {
            return Problems.Unprocessable(msisdn.Error.Code, msisdn.Error.Message, "msisdn");
        }

        ParseResult<Money> credit = Money.NonNegative(body.CreditCents.Value);
        if (!credit.Success)
        {
            return Problems.Unprocessable(credit.Error.Code, credit.Error.Message, "creditCents");
        }

        Language language = config.DefaultLanguage;
        if (body.Language is not null)
        {
            ParseResult<Language> parsed = DomainNames.ParseLanguage(body.Language);
            if (!parsed.Success)
            {
                return Problems.Unprocessable(parsed.Error.Code, parsed.Error.Message, "language");
            }

            language = parsed.Value;
        }

        LedgerOutcome outcome = await subscribers.CreateAsync(msisdn.Value, credit.Value, language, request.HttpContext.RequestAborted);
        if (!outcome.Succeeded)
        {
            return outcome.Error!.Code == ErrorCodes.SubscriberExists
                ? Problems.Conflict(ErrorCodes.SubscriberExists, outcome.Error.Message, "msisdn")
                : Problems.Unprocessable(outcome.Error.Code, outcome.Error.Message);
        }

        LogCreated(logger, msisdn.Value.Masked, credit.Value.Cents);
        await request.HttpContext.AuditAsync(
            ConsoleActions.SubscriberCreated, msisdn.Value.E164, new { creditCents = credit.Value.Cents, language = language.ToWire() });
        Subscriber created = (await subscribers.FindAsync(msisdn.Value))!;
        return TypedResults.Created($"/api/v1/subscribers/{Uri.EscapeDataString(created.Msisdn.E164)}", SubscriberResponse.From(created));
    }

    private static async Task<Results<Ok<SubscriberResponse>, ProblemHttpResult>> GetAsync(
        string msisdn, Subscribers subscribers, OperatorConfig config, CancellationToken ct)
    {
        ParseResult<Msisdn> number = config.Numbering.ParseMsisdn(msisdn);
        if (!number.Success)
        {
            return Problems.BadRequest(number.Error.Code, number.Error.Message, "msisdn");
        }

        Subscriber? found = await subscribers.FindAsync(number.Value, ct);
        return found is null ? Problems.NotFoundOf($"Subscriber {number.Value.E164}") : TypedResults.Ok(SubscriberResponse.From(found));
    }

    [LoggerMessage(EventId = 1301, Level = LogLevel.Information, Message = "Subscriber {Msisdn} created with {CreditCents} cents")]
    private static partial void LogCreated(ILogger logger, string msisdn, long creditCents);
}
