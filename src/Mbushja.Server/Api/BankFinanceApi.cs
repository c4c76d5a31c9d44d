using System.Globalization;
using System.Text;
using Mbushja.Domain;
using Mbushja.Http;
using Mbushja.Sms;
using Mbushja.TopUp;
using Mbushja.WebConsole.Users;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Mbushja.Server.Api;

public sealed record SettlementResponse(
    string Bank,
    DateOnly Date,
    string TimeZone,
    DateTimeOffset From,
    DateTimeOffset To,
    string Currency,
    SettlementTotalsResponse Totals,
    IReadOnlyList<SettlementLineResponse> Lines)
{
    public static SettlementResponse Of(Settlement s) =>
        new(s.BankCode, s.Date, s.TimeZone, s.From, s.To, Money.Currency, SettlementTotalsResponse.Of(s.Totals), [.. s.Lines.Select(SettlementLineResponse.Of)]);
}

/// <summary>A day's sums. SMS Top Up charges no service fee (the fee is USSD's), so there is no fee column.</summary>
public sealed record SettlementTotalsResponse(int TopUpCount, long TopUpCents, int ReversalCount, long ReversalCents, long NetCents)
{
    public static SettlementTotalsResponse Of(SettlementTotals t) =>
        new(t.TopUpCount, t.TopUpTotal.Cents, t.ReversalCount, t.ReversalTotal.Cents, t.Net.Cents);
}

/// <summary>
/// One line of a bank's settlement: a top-up (positive) or a reversal (negative), with the platform's transaction id,
/// which is the hold id the bank knows (the refund id of a reversal is <c>rf-</c> + it).
/// </summary>
/// <param name="Reference">The short reference the subscriber's reply showed.</param>
/// <param name="Time">When it happened, on the operator's wall clock (received, or reversal asked).</param>
/// <param name="Targets">What was topped up: each target as the subscriber named it, with its amount.</param>
/// <param name="State">A top-up's state (<c>completed</c>, or <c>credited</c> while the capture is pending); a reversal's refund state.</param>
public sealed record SettlementLineResponse(
    string Kind, string Reference, string TransactionId, DateTimeOffset Time, string Msisdn, long AmountCents, string Targets, string State)
{
    public static SettlementLineResponse Of(SettlementLine l) => new(l.Kind, l.Reference, l.TransactionId, l.Time, l.Msisdn, l.Amount.Cents, l.Targets, l.State);
}

/// <summary>A reconciliation on the wire, its four lists as the domain's report names them (see <c>ReconciliationReport</c>).</summary>
/// <param name="Format">What the statement was: <c>csv</c>, or the ISO 20022 message read (<c>camt.053.001.08</c>).</param>
public sealed record ReconciliationReportResponse(
    string Id,
    string BankCode,
    DateOnly Date,
    string UploadedBy,
    DateTimeOffset UploadedAt,
    int StatementLines,
    IReadOnlyList<ReconciliationItemResponse> Matched,
    IReadOnlyList<ReconciliationItemResponse> MissingAtBank,
    IReadOnlyList<ReconciliationItemResponse> MissingHere,
    IReadOnlyList<ReconciliationItemResponse> Mismatched,
    string Format)
{
    public static ReconciliationReportResponse Of(ReconciliationReport r) => new(
        r.Id, r.BankCode, r.Date, r.UploadedBy, r.UploadedAt, r.StatementLines, Items(r.Matched), Items(r.MissingAtBank), Items(r.MissingHere), Items(r.Mismatched), r.Format);

    private static ReconciliationItemResponse[] Items(IReadOnlyList<ReconciliationItem> items) => [.. items.Select(ReconciliationItemResponse.Of)];
}

/// <summary>One reference in a reconciliation: what the platform and the bank each say about it.</summary>
/// <param name="Reference">The statement's reference: a transaction id (= hold id), or a refund id (<c>rf-</c> + it).</param>
/// <param name="Kind">The platform's line kind (<see cref="SettlementKinds"/>), when the platform has the reference.</param>
/// <param name="PlatformCents">The platform's amount: positive for a top-up, negative for a reversal's refund.</param>
/// <param name="BankCents">The statement's amount, in cents.</param>
/// <param name="StatementLine">The line of the statement (CSV: 1 = the header; camt: the line of the transaction's TxDtls, or of its Ntry).</param>
public sealed record ReconciliationItemResponse(string Reference, string? Kind, long? PlatformCents, long? BankCents, long? StatementLine)
{
    public static ReconciliationItemResponse Of(ReconciliationItem i) => new(i.Reference, i.Kind, i.Platform?.Cents, i.Bank?.Cents, i.StatementLine);
}

public sealed record ReconciliationList(IReadOnlyList<ReconciliationSummary> Reconciliations);

/// <summary>
/// A bank's money for finance (docs/money.md): the settlement of a day (JSON, or CSV as docs/settlement-csv.md
/// describes), and the reconciliation of the bank's statement: its CSV (docs/bank-statement-csv.md) or its ISO 20022
/// camt.053 statement or camt.054 notification (docs/bank-statement-camt.md), told apart by their content.
/// </summary>
public static class BankFinanceApi
{
    public static RouteGroupBuilder MapBankFinanceApi(this RouteGroupBuilder api)
    {
        api.MapGet("/banks/{code}/settlement", SettlementAsync)
            .WithSummary("A bank's settlement of one operator-local day (?date=YYYY-MM-DD, today by default): totals and lines, reversals as negative lines.");
        api.MapGet("/banks/{code}/settlement.csv", SettlementCsvAsync)
            .WithSummary("The same settlement as RFC 4180 CSV (columns in docs/settlement-csv.md).");
        api.MapPost("/banks/{code}/reconciliation", ReconcileAsync)
            .WithSummary("Reconciles the bank's statement of one day, its CSV or an ISO 20022 camt.053/camt.054 message of the bank's settlement "
                + "account (?date=YYYY-MM-DD, a camt message's own day by default; optional ?by=who): matched, missing at the bank, missing here, "
                + "amount mismatches. A malformed statement, one of another day or account, or in another currency, is refused naming the line and "
                + "element (400); a CSV over 5 MB or 100,000 lines, a camt message over 20 MB, with 413; then nothing is recorded.");
        api.MapGet("/banks/{code}/reconciliations", ListAsync)
            .WithSummary("A bank's recorded reconciliations, newest first.");
        return api;
    }

    private static async Task<Results<Ok<SettlementResponse>, ProblemHttpResult>> SettlementAsync(
        string code, string? date, BankDirectory banks, OperatorClock clock, Settlements settlements, CancellationToken ct)
    {
        if (Check(code, date, banks, clock, out Bank? bank, out DateOnly day) is { } problem)
        {
            return problem;
        }

        return TypedResults.Ok(SettlementResponse.Of(await settlements.ForDayAsync(bank!.Code, day, ct)));
    }

    private static async Task<IResult> SettlementCsvAsync(
        string code, string? date, BankDirectory banks, OperatorClock clock, Settlements settlements, HttpResponse response, CancellationToken ct)
    {
        if (Check(code, date, banks, clock, out Bank? bank, out DateOnly day) is { } problem)
        {
            return problem;
        }

        Settlement settlement = await settlements.ForDayAsync(bank!.Code, day, ct);
        var text = new StringWriter(CultureInfo.InvariantCulture);
        await Settlements.WriteCsvAsync(settlement, text, ct);
        response.Headers.ContentDisposition = $"attachment; filename=\"settlement-{bank.Code}-{day:yyyy-MM-dd}.csv\"";
        return TypedResults.Text(text.ToString(), "text/csv; charset=utf-8; header=present", Encoding.UTF8);
    }

    private static async Task<Results<Ok<ReconciliationReportResponse>, ProblemHttpResult>> ReconcileAsync(
        string code, string? date, string? by, HttpRequest request, BankDirectory banks, OperatorClock clock, Reconciliations reconciliations, CancellationToken ct)
    {
        if (Check(code, date, banks, clock, out Bank? bank, out DateOnly day) is { } problem)
        {
            return problem;
        }

        // A body announced larger than its format allows is refused before it is read (a format not announced: the larger).
        long allowed = IsCsv(request.ContentType) ? Reconciliations.MaxBytes : Reconciliations.MaxAnyBytes;
        if (request.ContentLength > allowed)
        {
            return TooLarge($"The statement is larger than {allowed / (1024 * 1024)} MB; split it by day.");
        }

        // The server's body limit is for JSON requests; a statement may be larger. Reconciliations counts the bytes itself.
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = Reconciliations.MaxAnyBytes + 1;
        }

        string uploadedBy = string.IsNullOrWhiteSpace(by) ? "admin" : by.Trim();
        if (uploadedBy.Length > TopUpReversals.MaxActorLength)
        {
            return Problems.BadRequest(ErrorCodes.TooLong, $"'by' has at most {TopUpReversals.MaxActorLength} characters.", "by");
        }

        if (Problems.NulCharacter(("by", uploadedBy)) is { } nul)
        {
            return nul;
        }

        ReconciliationOutcome outcome;
        try
        {
            // No ?date=: a camt message says its own day (a CSV's is today).
            outcome = await reconciliations.ReconcileAsync(bank!.Code, string.IsNullOrWhiteSpace(date) ? null : day, request.Body, uploadedBy, ct);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return TooLarge($"The statement is larger than {Reconciliations.MaxAnyBytes / (1024 * 1024)} MB; split it by day.");
        }

        if (outcome.Succeeded)
        {
            ReconciliationReport report = outcome.Report;
            await request.HttpContext.AuditAsync(ConsoleActions.StatementReconciled, $"{bank!.Code}/{day:yyyy-MM-dd}", new
            {
                report = report.Id,
                by = uploadedBy,
                lines = report.StatementLines,
                matched = report.Matched.Count,
                missingAtBank = report.MissingAtBank.Count,
                missingHere = report.MissingHere.Count,
                mismatched = report.Mismatched.Count,
            });
            return TypedResults.Ok(ReconciliationReportResponse.Of(report));
        }

        ReconciliationError error = outcome.Error;
        var extensions = new Dictionary<string, object?> { ["code"] = error.Code };
        if (error.Field is not null)
        {
            extensions["field"] = error.Field;
        }

        if (error.Line is not null)
        {
            extensions["line"] = error.Line;
        }

        int status = error.Code == ErrorCodes.StatementTooLarge ? StatusCodes.Status413PayloadTooLarge : StatusCodes.Status400BadRequest;
        return TypedResults.Problem(detail: error.Message, statusCode: status, extensions: extensions);
    }

    private static async Task<Results<Ok<ReconciliationList>, ProblemHttpResult>> ListAsync(string code, BankDirectory banks, Reconciliations reconciliations, CancellationToken ct) =>
        banks.ByCode(code) is { } bank
            ? TypedResults.Ok(new ReconciliationList(await reconciliations.ListAsync(bank.Code, 50, ct)))
            : UnknownBankProblem(code);

    private static ProblemHttpResult? Check(string code, string? date, BankDirectory banks, OperatorClock clock, out Bank? bank, out DateOnly day)
    {
        day = clock.Today;
        bank = banks.ByCode(code);
        if (bank is null)
        {
            return UnknownBankProblem(code);
        }

        if (!string.IsNullOrWhiteSpace(date) && !DateOnly.TryParseExact(date.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out day))
        {
            return Problems.BadRequest(ErrorCodes.InvalidDate, $"'{date}' is not a date written YYYY-MM-DD.", "date");
        }

        // The day's bounds must exist as instants: not the calendar's first day (before UTC's) nor its last (no next day).
        if (day.Year is < 1900 or > 9000)
        {
            return Problems.BadRequest(ErrorCodes.InvalidDate, $"'{date}' is out of range (years 1900 to 9000).", "date");
        }

        return null;
    }

    private static bool IsCsv(string? contentType) =>
        System.Net.Http.Headers.MediaTypeHeaderValue.TryParse(contentType, out System.Net.Http.Headers.MediaTypeHeaderValue? type)
        && type.MediaType?.ToLowerInvariant() is "text/csv" or "application/csv";

    private static ProblemHttpResult UnknownBankProblem(string code) =>
        Problems.Of(StatusCodes.Status404NotFound, ErrorCodes.UnknownBank, $"There is no bank '{code}'.", "code");

    private static ProblemHttpResult TooLarge(string detail) =>
        Problems.Of(StatusCodes.Status413PayloadTooLarge, ErrorCodes.StatementTooLarge, detail);
}
