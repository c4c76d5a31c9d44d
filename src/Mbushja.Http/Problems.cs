using Mbushja.Domain;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Mbushja.Http;

/// <summary>RFC 9457 problem details with a stable <c>code</c> and, where one is to blame, the <c>field</c>.</summary>
public static class Problems
{
    /// <summary>The first of <paramref name="fields"/> that holds a NUL character, which no text field may (PostgreSQL text cannot hold it).</summary>
    public static ProblemHttpResult? NulCharacter(params (string Name, string? Value)[] fields) =>
        fields.FirstOrDefault(f => f.Value is not null && f.Value.Contains('\0', StringComparison.Ordinal)) is { Name: not null } bad
            ? BadRequest(ErrorCodes.MalformedField, $"'{bad.Name}' holds a NUL character.", bad.Name)
            : null;

    /// <summary>
    /// Gives the problems that the framework writes itself (an unknown route, a method or content type that routing
    /// refuses) a stable code too; problems that carry one keep it.
    /// </summary>
    public static void AddMissingCode(ProblemDetailsContext context)
    {
        IDictionary<string, object?> extensions = context.ProblemDetails.Extensions;
        if (!extensions.ContainsKey("code"))
        {
            extensions["code"] = context.ProblemDetails.Status switch
            {
                StatusCodes.Status400BadRequest => ErrorCodes.BadRequest,
                StatusCodes.Status401Unauthorized => ErrorCodes.Unauthenticated,
                StatusCodes.Status404NotFound => ErrorCodes.NotFound,
                StatusCodes.Status405MethodNotAllowed => ErrorCodes.MethodNotAllowed,
                StatusCodes.Status413PayloadTooLarge => ErrorCodes.BodyTooLarge,
                StatusCodes.Status415UnsupportedMediaType => ErrorCodes.UnsupportedMediaType,
                StatusCodes.Status500InternalServerError => ErrorCodes.Internal,
                int status => $"HTTP_{status}",
                null => ErrorCodes.Internal,
            };
        }
    }

    public static ProblemHttpResult Of(int status, string code, string detail, string? field = null)
    {
        var extensions = new Dictionary<string, object?> { ["code"] = code };
        if (field is not null)
        {
            extensions["field"] = field;
        }

        return TypedResults.Problem(detail: detail, statusCode: status, extensions: extensions);
    }

    public static ProblemHttpResult BadRequest(string code, string detail, string? field = null) => Of(StatusCodes.Status400BadRequest, code, detail, field);

    public static ProblemHttpResult Unprocessable(string code, string detail, string? field = null) =>
        Of(StatusCodes.Status422UnprocessableEntity, code, detail, field);

    public static ProblemHttpResult Conflict(string code, string detail, string? field = null) => Of(StatusCodes.Status409Conflict, code, detail, field);

    public static ProblemHttpResult Missing(string field) => BadRequest(ErrorCodes.MissingField, $"The field '{field}' is required.", field);

    public static ProblemHttpResult NotFoundOf(string what) => Of(StatusCodes.Status404NotFound, ErrorCodes.NotFound, $"{what} was not found.");
}
