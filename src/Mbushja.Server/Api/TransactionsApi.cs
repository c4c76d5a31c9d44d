using System.Globalization;
using System.Text.Json;
using Mbushja.Domain;
using Mbushja.Http;
using Mbushja.Ledger;
using Mbushja.TopUp;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Mbushja.Server.Api;

/// <param name="State">
/// Where the message stands: holding, credited, voiding, completed, rejected, declined, failed, or <c>reversed</c> once
/// a supervisor reversed a completed top-up (<paramref name="Reversal"/> then says where its bank refund stands).
/// </param>
/// <param name="Status">The answer's status, as <c>POST /api/v1/sms/inbound</c> gave it (completed, rejected, failed): it stays.</param>
/// <param name="Reversal">The reversal's refund state (refunding, refunded, rejected); null when it was never reversed.</param>
public sealed record TransactionSummary(
    string Id,
    string Channel,
    string? MessageId,
    string From,
    string To,
    string? Bank,
    string State,
    string? Status,
    string? Code,
    long? AmountCents,
    string Currency,
    string? Reply,
    string Reference,
    DateTimeOffset ReceivedAt,
    DateTimeOffset UpdatedAt,
    string? Reversal = null)
{
    public static TransactionSummary Of(SmsTransaction t) => new(
        t.Id.Value,
        "sms",
        t.MessageId,
        t.Msisdn ?? t.Sender,
        t.ShortCode,
        t.BankCode,
        t.ShownState,
        TopUpStates.StatusOf(t.State, t.Code)?.ToWire(),
        t.Code,
        t.Amount?.Cents,
        Money.Currency,
        t.Reply,
        t.Id.ShortRef,
        t.ReceivedAt,
        t.UpdatedAt,
        t.Reversal);
}

public sealed record TrailEvent(int Seq, DateTimeOffset At, string Kind, JsonElement Detail);

/// <summary>A ledger transfer as the API shows it: kind (single, pending, post, void), state (posted, pending, voided), cents.</summary>
public sealed record TransferResponse(
    string Id, string Kind, string Debit, string Credit, long AmountCents, string? PendingId, string State, string Code, string? LinkedId, DateTimeOffset CreatedAt)
{
    public static TransferResponse Of(Transfer t) =>
        new(t.Id, t.Kind.ToWire(), t.Debit, t.Credit, t.Amount.Cents, t.PendingId, t.State.ToWire(), t.Code, t.LinkedId, t.CreatedAt);
}

/// <param name="Transfers">The message's ledger transfers: the bank's hold, the credits, the hold's capture or void, and a reversal's.</param>
public sealed record TransactionDetail(
    TransactionSummary Transaction, string Text, IReadOnlyList<TrailEvent> Trail, IReadOnlyList<TransferResponse> Transfers, ReversalResponse? Reversal = null);

public sealed record TransactionList(IReadOnlyList<TransactionSummary> Transactions);

/// <summary>Transactions and their whole trail, for customer care and partners.</summary>
public static class TransactionsApi
{
    public const int MaxList = 200;

    public static RouteGroupBuilder MapTransactionsApi(this RouteGroupBuilder api)
    {
        api.MapGet("/transactions", ListAsync)
            .WithSummary("Transactions, newest first; by sender (?msisdn=, any accepted form) and time (?from=&to=, ISO 8601).");
        api.MapGet("/transactions/{id}", GetAsync)
            .WithSummary("One transaction with its whole trail: inbound message, interpretation, bank requests and answers, ledger transfers, reply.");
        return api;
    }

    private static async Task<Results<Ok<TransactionList>, ProblemHttpResult>> ListAsync(
        string? msisdn, string? from, string? to, int? limit, SmsTransactions store, OperatorConfig config, CancellationToken ct)
    {
        string? sender = null;
        if (!string.IsNullOrWhiteSpace(msisdn))
        {
            ParseResult<Msisdn> read = config.Numbering.ParseMsisdn(msisdn);
            if (!read.Success)
            {
                return Problems.BadRequest(read.Error.Code, read.Error.Message, "msisdn");
            }

            sender = read.Value.E164;
        }

        if (!TryTime(from, out DateTimeOffset? since))
        {
            return Problems.BadRequest(ErrorCodes.InvalidTime, $"'{from}' is not an ISO 8601 date or time.", "from");
        }

        if (!TryTime(to, out DateTimeOffset? until))
        {
            return Problems.BadRequest(ErrorCodes.InvalidTime, $"'{to}' is not an ISO 8601 date or time.", "to");
        }

        if (limit is < 1 or > MaxList)
        {
            return Problems.BadRequest(ErrorCodes.BadRequest, $"'limit' is from 1 to {MaxList}.", "limit");
        }

        List<SmsTransaction> rows = await store.ListAsync(sender, since, until, limit ?? 50, ct);
        return TypedResults.Ok(new TransactionList([.. rows.Select(TransactionSummary.Of)]));
    }

    private static async Task<Results<Ok<TransactionDetail>, ProblemHttpResult>> GetAsync(
        string id, SmsTransactions store, SmsTrail trail, TopUpTransfers transfers, TopUpReversals reversals, CancellationToken ct)
    {
        if (!TransactionId.TryParse(id, out TransactionId key) || await store.GetAsync(key, ct) is not { } row)
        {
            return Problems.NotFoundOf($"Transaction '{id}'");
        }

        List<SmsEvent> events = await trail.ReadAsync(row.Id, ct);
        IReadOnlyList<Transfer> made = await transfers.OfAsync(row, ct);
        Reversal? reversal = await reversals.GetAsync(row.Id, ct);
        TrailEvent[] lines = [.. events.Select(e => new TrailEvent(e.Seq, e.At, e.Kind, Parse(e.Detail)))];
        return TypedResults.Ok(new TransactionDetail(
            TransactionSummary.Of(row), row.Text, lines, [.. made.Select(TransferResponse.Of)], reversal is null ? null : ReversalResponse.Of(reversal)));
    }

    private static JsonElement Parse(string json)
    {
        using JsonDocument document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }

    private static bool TryTime(string? text, out DateTimeOffset? value)
    {
        value = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            return true;
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out DateTimeOffset parsed))
        {
            value = parsed;
            return true;
        }

        return false;
    }
}
