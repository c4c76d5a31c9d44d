using Mbushja.Domain;
using Mbushja.Http;
using Mbushja.TopUp;
using Mbushja.WebConsole.Users;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Mbushja.Server.Api;

/// <param name="By">Who asks: the supervisor's name, recorded on the trail.</param>
public sealed record ReversalRequest(string? Reason, string? By);

public sealed record ReversalResponse(
    string TransactionId,
    string Reference,
    string RefundId,
    string Bank,
    long AmountCents,
    string Currency,
    string Reason,
    string RequestedBy,
    DateTimeOffset RequestedAt,
    string RefundState,
    string? RefundCode,
    int RefundAttempts,
    DateTimeOffset UpdatedAt)
{
    public static ReversalResponse Of(Reversal r) => new(
        r.TransactionId.Value,
        r.TransactionId.ShortRef,
        r.RefundId,
        r.BankCode,
        r.Amount.Cents,
        Money.Currency,
        r.Reason,
        r.RequestedBy,
        r.RequestedAt,
        r.State,
        r.RefundCode,
        r.Attempts,
        r.UpdatedAt);
}

/// <summary>Reversal of an SMS top-up: the credits back on the ledger, the money back at the bank.</summary>
public static class ReversalsApi
{
    public static RouteGroupBuilder MapReversalsApi(this RouteGroupBuilder api)
    {
        api.MapPost("/transactions/{id}/reversal", ReverseAsync)
            .Accepts<ReversalRequest>("application/json")
            .WithSummary("Reverses a completed SMS top-up: {reason, by}. The credits go back on the ledger at once (refused with "
                + "CREDIT_SPENT when spent, ALREADY_REVERSED, NOT_CAPTURED); the bank's refund is asked and, without an answer, asked "
                + "again by the recovery sweep (refundState refunding → refunded, or rejected).");
        api.MapGet("/transactions/{id}/reversal", GetAsync)
            .WithSummary("A transaction's reversal and where its bank refund stands.");
        return api;
    }

    private static async Task<Results<Ok<ReversalResponse>, ProblemHttpResult>> ReverseAsync(string id, HttpRequest request, TopUpReversals reversals, CancellationToken ct)
    {
        (ReversalRequest? body, ProblemHttpResult? problem) = await JsonBody.ReadAsync<ReversalRequest>(request);
        if (problem is not null)
        {
            return problem;
        }

        if (Problems.NulCharacter(("reason", body!.Reason), ("by", body.By)) is { } control)
        {
            return control;
        }

        ReversalOutcome outcome = await reversals.ReverseAsync(id, body.Reason ?? "", body.By ?? "", TopUpReversals.ViaApi, ct);
        if (outcome.Succeeded)
        {
            Reversal reversal = outcome.Reversal;
            await request.HttpContext.AuditAsync(ConsoleActions.TransactionReversed, reversal.TransactionId.Value, new
            {
                reference = reversal.TransactionId.ShortRef,
                bank = reversal.BankCode,
                amountCents = reversal.Amount.Cents,
                reason = reversal.Reason,
                by = reversal.RequestedBy,
                refundState = reversal.State,
                refundCode = reversal.RefundCode,
            });
            return TypedResults.Ok(ReversalResponse.Of(reversal));
        }

        ReversalError error = outcome.Error;
        int status = error.Code switch
        {
            ErrorCodes.NotFound => StatusCodes.Status404NotFound,
            ErrorCodes.MissingField or ErrorCodes.TooLong => StatusCodes.Status400BadRequest,
            _ => StatusCodes.Status409Conflict,
        };
        return Problems.Of(status, error.Code, error.Message, error.Field);
    }

    private static async Task<Results<Ok<ReversalResponse>, ProblemHttpResult>> GetAsync(string id, TopUpReversals reversals, CancellationToken ct) =>
        TransactionId.TryParse(id, out TransactionId key) && await reversals.GetAsync(key, ct) is { } reversal
            ? TypedResults.Ok(ReversalResponse.Of(reversal))
            : Problems.NotFoundOf($"A reversal of transaction '{id}'");
}
