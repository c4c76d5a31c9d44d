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

/// <summary>Caps to set; a null (or absent) cap removes the registration's own, and the bank's default applies.</summary>
public sealed record SetCapsRequest(long? DailyCents, long? MonthlyCents);

/// <summary>A cap pair in force and its use today and this month (operator time); <c>own</c>: set on the registration, else the bank's default.</summary>
public sealed record CapsResponse(
    long? DailyCents, long? MonthlyCents, bool OwnDaily, bool OwnMonthly, long UsedTodayCents, long UsedThisMonthCents, long? LeftTodayCents, long? LeftThisMonthCents)
{
    public static CapsResponse From(CapsUse c) => new(
        c.Daily?.Cents, c.Monthly?.Cents, c.OwnDaily, c.OwnMonthly, c.UsedToday.Cents, c.UsedThisMonth.Cents, c.LeftToday?.Cents, c.LeftThisMonth?.Cents);
}

public sealed record PersonCapsResponse(string Msisdn, CapsResponse Caps);

public sealed record RegistrationCapsResponse(string RegistrationId, string Bank, DateOnly Today, CapsResponse Registration, IReadOnlyList<PersonCapsResponse> Authorized)
{
    public static RegistrationCapsResponse From(RegistrationCaps c) => new(
        c.RegistrationId, c.BankCode, c.Today, CapsResponse.From(c.Registration), [.. c.Authorized.Select(p => new PersonCapsResponse(p.Msisdn.E164, CapsResponse.From(p.Caps)))]);
}

/// <summary>A SIM change to record; <c>changedAt</c> (ISO 8601 with its offset) defaults to now, and may not be later.</summary>
public sealed record SimChangeRequest(string? Msisdn, DateTimeOffset? ChangedAt);

public sealed record SimChangeRecordedResponse(string Msisdn, DateTimeOffset ChangedAt, bool New, int HoldersNotified);

public sealed record SimChangesRecordedResponse(int Lines, int New, int HoldersNotified, IReadOnlyList<SimChangeRecordedResponse> Changes);

public sealed record SimPauseResponse(string Bank, DateTimeOffset Until);

public sealed record SimChangeResponse(DateTimeOffset ChangedAt, DateTimeOffset RecordedAt, string Source);

public sealed record SimChangesResponse(string Msisdn, IReadOnlyList<SimChangeResponse> Changes, IReadOnlyList<SimPauseResponse> SmsTopUpPaused);

/// <summary>
/// The controls on SMS Top Up (docs/design/controls.md): a registration's caps and their use, set as a whole or per
/// authorised person, and the SIM changes an operator reports, one as JSON or many as CSV.
/// </summary>
public static class ControlsApi
{
    private const string Registration = "/banks/{bankCode}/registrations/{id}";

    public static RouteGroupBuilder MapControlsApi(this RouteGroupBuilder api)
    {
        api.MapGet(Registration + "/caps", GetCapsAsync)
            .WithSummary("A registration's daily and monthly caps, as a whole and per authorised person, with what is used today and this month (operator time).");
        api.MapPut(Registration + "/caps", SetRegistrationCapsAsync)
            .Accepts<SetCapsRequest>("application/json")
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .WithSummary("Sets the registration's own daily and monthly caps (null: none of its own; the bank's default applies).");
        api.MapPut(Registration + "/authorized/{msisdn}/caps", SetPersonCapsAsync)
            .Accepts<SetCapsRequest>("application/json")
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .WithSummary("Sets an authorised person's own daily and monthly caps (null: none of their own; the bank's default applies).");
        api.MapPost("/sim-changes", RecordSimChangesAsync)
            .Accepts<SimChangeRequest>("application/json", "text/csv")
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .WithSummary("Records SIM changes: one as JSON {msisdn, changedAt}, or many as CSV (header msisdn,changedAt; at most 100,000 lines, 5 MB). "
                + "SMS Top Up from the number is refused for the bank's cool-down (72 h by default); holders of registrations it is authorised on are told by SMS. "
                + "A change dated in the future refuses the request whole (422 CHANGED_AT_IN_FUTURE), as does any bad CSV line (400, naming the line).");
        api.MapGet("/sim-changes/{msisdn}", GetSimChangesAsync)
            .WithSummary("A number's reported SIM changes, newest first, and the banks at which SMS Top Up from it is paused, until when.");
        return api;
    }

    private static async Task<Results<Ok<RegistrationCapsResponse>, ProblemHttpResult>> GetCapsAsync(
        string bankCode, string id, BankDirectory banks, Registrations registrations, TopUpControls controls, CancellationToken ct)
    {
        if (banks.ByCode(bankCode) is not { } bank)
        {
            return UnknownBank(bankCode);
        }

        Registration? found = await registrations.FindAsync(bank.Code, id, ct);
        return found is null
            ? Problems.NotFoundOf($"Registration {id} at {bank.Code}")
            : TypedResults.Ok(RegistrationCapsResponse.From(await controls.CapsOfAsync(found, ct)));
    }

    private static Task<Results<Ok<RegistrationCapsResponse>, ProblemHttpResult>> SetRegistrationCapsAsync(
        string bankCode, string id, HttpRequest request, BankDirectory banks, SpendingCaps caps) =>
        SetAsync(bankCode, id, null, request, banks, caps);

    private static async Task<Results<Ok<RegistrationCapsResponse>, ProblemHttpResult>> SetPersonCapsAsync(
        string bankCode, string id, string msisdn, HttpRequest request, BankDirectory banks, SpendingCaps caps, NumberingPlan numbering)
    {
        ParseResult<Msisdn> number = numbering.ParseMsisdn(msisdn);
        return number.Success
            ? await SetAsync(bankCode, id, number.Value, request, banks, caps)
            : Problems.BadRequest(number.Error.Code, number.Error.Message, "msisdn");
    }

    private static async Task<Results<Ok<RegistrationCapsResponse>, ProblemHttpResult>> SetAsync(
        string bankCode, string id, Msisdn? person, HttpRequest request, BankDirectory banks, SpendingCaps caps)
    {
        if (banks.ByCode(bankCode) is not { } bank)
        {
            return UnknownBank(bankCode);
        }

        (SetCapsRequest? body, ProblemHttpResult? problem) = await JsonBody.ReadAsync<SetCapsRequest>(request);
        if (problem is not null)
        {
            return problem;
        }

        foreach ((long? cents, string field) in new[] { (body!.DailyCents, "dailyCents"), (body.MonthlyCents, "monthlyCents") })
        {
            if (cents is < 0 or > Money.MaxCents)
            {
                return Problems.Unprocessable(ErrorCodes.InvalidAmount, $"A cap is 0 to {Money.MaxCents} cents.", field);
            }
        }

        var change = new CapsChange(Cents(body.DailyCents), Cents(body.MonthlyCents));
        (RegistrationCaps? set, RegistrationError? error) = await caps.SetAsync(
            bank.Code, id, person, change, ApiAudit.Actor(request.HttpContext), request.HttpContext.RequestAborted);
        if (error is not null)
        {
            return error.Code == ErrorCodes.NotFound
                ? Problems.Of(StatusCodes.Status404NotFound, error.Code, error.Message, error.Field)
                : Problems.Unprocessable(error.Code, error.Message, error.Field);
        }

        await request.HttpContext.AuditAsync(
            ConsoleActions.CapsSet, $"{set!.BankCode}/{set.RegistrationId}", new { msisdn = person?.E164, dailyCents = body.DailyCents, monthlyCents = body.MonthlyCents });
        return TypedResults.Ok(RegistrationCapsResponse.From(set));
    }

    private static async Task<Results<Ok<SimChangesRecordedResponse>, Created<SimChangesRecordedResponse>, ProblemHttpResult>> RecordSimChangesAsync(
        HttpRequest request, SimChanges simChanges, NumberingPlan numbering, CancellationToken ct)
    {
        List<(Msisdn Msisdn, DateTimeOffset? ChangedAt)> changes;
        bool csv = IsCsv(request.ContentType);
        if (csv)
        {
            if (request.ContentLength > SimChanges.MaxBytes)
            {
                return TooLarge();
            }

            // The server's body limit is for JSON requests; a report may be larger, up to its own limit.
            if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            {
                limit.MaxRequestBodySize = SimChanges.MaxBytes + 1;
            }

            byte[] bytes;
            try
            {
                using var buffer = new MemoryStream();
                await request.Body.CopyToAsync(buffer, ct);
                if (buffer.Length > SimChanges.MaxBytes)
                {
                    return TooLarge();
                }

                bytes = buffer.ToArray();
            }
            catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
            {
                return TooLarge();
            }

            (List<(Msisdn, DateTimeOffset?)>? read, SimChangeError? bad) = SimChanges.ReadCsv(bytes, numbering, ct);
            if (bad is not null)
            {
                return LineProblem(bad, bad.Code == ErrorCodes.BodyTooLarge ? StatusCodes.Status413PayloadTooLarge : StatusCodes.Status400BadRequest);
            }

            changes = read!;
        }
        else
        {
            (SimChangeRequest? body, ProblemHttpResult? problem) = await JsonBody.ReadAsync<SimChangeRequest>(request);
            if (problem is not null)
            {
                return problem;
            }

            (Msisdn msisdn, ProblemHttpResult? bad) = MsisdnField.Parse(numbering, body!.Msisdn);
            if (bad is not null)
            {
                return bad;
            }

            changes = [(msisdn, body.ChangedAt)];
        }

        (IReadOnlyList<SimChangeRecorded>? recorded, SimChangeError? error) = await simChanges.RecordAsync(changes, csv ? "csv" : "api", CancellationToken.None);
        if (error is not null)
        {
            return LineProblem(error, StatusCodes.Status422UnprocessableEntity);
        }

        IReadOnlyList<SimChangeRecorded> done = recorded!;
        if (!csv)
        {
            if (done[0] is { New: true } change)
            {
                await request.HttpContext.AuditAsync(
                    ConsoleActions.SimChangeRecorded, change.Msisdn.E164, new { changedAt = change.ChangedAt, holdersNotified = change.HoldersNotified });
            }
        }
        else if (done.Any(r => r.New))
        {
            // A report of thousands is one entry, with the numbers it brought (the first thousand).
            await request.HttpContext.AuditAsync(ConsoleActions.SimChangesReported, "sim-changes", new
            {
                lines = done.Count,
                @new = done.Count(r => r.New),
                holdersNotified = done.Sum(r => r.HoldersNotified),
                numbers = done.Where(r => r.New).Take(1000).Select(r => r.Msisdn.E164),
            });
        }

        var response = new SimChangesRecordedResponse(
            done.Count,
            done.Count(r => r.New),
            done.Sum(r => r.HoldersNotified),
            [.. done.Take(1000).Select(r => new SimChangeRecordedResponse(r.Msisdn.E164, r.ChangedAt, r.New, r.HoldersNotified))]);
        return done.Any(r => r.New) ? TypedResults.Created((string?)null, response) : TypedResults.Ok(response);
    }

    private static async Task<Results<Ok<SimChangesResponse>, ProblemHttpResult>> GetSimChangesAsync(
        string msisdn, SimChanges simChanges, NumberingPlan numbering, CancellationToken ct)
    {
        ParseResult<Msisdn> number = numbering.ParseMsisdn(msisdn);
        if (!number.Success)
        {
            return Problems.BadRequest(number.Error.Code, number.Error.Message, "msisdn");
        }

        (IReadOnlyList<SimChange> changes, IReadOnlyList<SimPause> paused) = await simChanges.OfAsync(number.Value, ct);
        return TypedResults.Ok(new SimChangesResponse(
            number.Value.E164,
            [.. changes.Select(c => new SimChangeResponse(c.ChangedAt, c.RecordedAt, c.Source))],
            [.. paused.Select(p => new SimPauseResponse(p.BankCode, p.Until))]));
    }

    private static Money? Cents(long? cents) => cents is { } c ? Money.FromCents(c) : null;

    private static bool IsCsv(string? contentType) =>
        System.Net.Http.Headers.MediaTypeHeaderValue.TryParse(contentType, out System.Net.Http.Headers.MediaTypeHeaderValue? type)
        && type.MediaType?.ToLowerInvariant() is "text/csv" or "application/csv";

    private static ProblemHttpResult LineProblem(SimChangeError error, int status)
    {
        var extensions = new Dictionary<string, object?> { ["code"] = error.Code };
        if (error.Field is not null)
        {
            extensions["field"] = error.Field;
        }

        if (error.Line is not null)
        {
            extensions["line"] = error.Line;
        }

        return TypedResults.Problem(error.Line is null ? error.Message : $"Line {error.Line}: {error.Message}", statusCode: status, extensions: extensions);
    }

    private static ProblemHttpResult TooLarge() =>
        Problems.Of(StatusCodes.Status413PayloadTooLarge, ErrorCodes.BodyTooLarge, $"A SIM change report is at most {SimChanges.MaxBytes / (1024 * 1024)} MB; send several.");

    private static ProblemHttpResult UnknownBank(string bankCode) =>
        Problems.Of(StatusCodes.Status404NotFound, ErrorCodes.UnknownBank, $"There is no bank '{bankCode}'.", "bankCode");
}
