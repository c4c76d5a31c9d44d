using Mbushja.Domain;
using Mbushja.Http;
using Mbushja.Server.Http;
using Mbushja.Ussd;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Primitives;

namespace Mbushja.Server.Api;

/// <summary>The aggregator's form fields (README "USSD *101#"), for the OpenAPI document; the handler reads the form itself.</summary>
public sealed record UssdForm(string SessionId, string ServiceCode, string PhoneNumber, string Text);

/// <summary>
/// The USSD aggregator callback (README "USSD *101#"): <c>POST /ussd</c> with form fields <c>sessionId</c>,
/// <c>serviceCode</c>, <c>phoneNumber</c> and <c>text</c> (every input of the session, <c>*</c>-joined), answered in
/// plain text <c>CON …</c> (the session goes on) or <c>END …</c>. Behind the same gateway access as the SMS endpoints.
/// </summary>
public static class UssdApi
{
    public static IEndpointRouteBuilder MapUssdGateway(this IEndpointRouteBuilder app, GatewayAccess access)
    {
        app.MapGroup("")
            .AddEndpointFilter(new GatewayAccessFilter(access))
            .MapPost("/ussd", HandleAsync)
            .Accepts<UssdForm>("application/x-www-form-urlencoded")
            .Produces<string>(StatusCodes.Status200OK, "text/plain")
            .WithSummary("USSD *101# (aggregator callback): form sessionId, serviceCode, phoneNumber, text; answers 'CON …' or 'END …'.")
            .WithDescription("text holds every input of the session, *-joined ('' at the start, then '1', '1*3', ...). "
                + "The same request again gets the same answer and charges nothing more.");
        return app;
    }

    private static async Task<IResult> HandleAsync(HttpRequest request, UssdService ussd, CancellationToken ct)
    {
        if (!request.HasFormContentType)
        {
            return Problems.Of(
                StatusCodes.Status415UnsupportedMediaType, ErrorCodes.UnsupportedMediaType, "Send the fields as application/x-www-form-urlencoded.");
        }

        IFormCollection form;
        try
        {
            form = await request.ReadFormAsync(ct);
        }
        catch (InvalidDataException e)
        {
            return Problems.BadRequest(ErrorCodes.MalformedBody, $"The form cannot be read: {e.Message}");
        }

        string[] names = ["sessionId", "serviceCode", "phoneNumber", "text"];
        foreach (string name in names)
        {
            if (form.TryGetValue(name, out StringValues values) && values.Count > 1)
            {
                return Problems.BadRequest(ErrorCodes.MalformedField, $"The field '{name}' is given more than once.", name);
            }
        }

        string? Field(string name) => form.TryGetValue(name, out StringValues values) ? values.ToString() : null;
        UssdOutcome outcome = await ussd.HandleAsync(
            new UssdRequest(Field("sessionId"), Field("serviceCode"), Field("phoneNumber"), Field("text")), ct);
        if (outcome.Refusal is { } refusal)
        {
            return refusal.Code == ErrorCodes.SessionMismatch
                ? Problems.Conflict(refusal.Code, refusal.Message, outcome.Field)
                : Problems.BadRequest(refusal.Code, refusal.Message, outcome.Field);
        }

        return TypedResults.Text(outcome.Body, "text/plain; charset=utf-8");
    }
}
