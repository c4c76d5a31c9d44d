using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Mbushja.Http;

/// <summary>RFC 9457 problem details with a stable <c>code</c> and, where one is to blame, the <c>field</c>.</summary>
public static class Problems
{
    public const string Unauthenticated = "UNAUTHENTICATED";
    public const string MalformedBody = "MALFORMED_BODY";
    public const string BodyTooLarge = "BODY_TOO_LARGE";
    public const string UnsupportedMediaType = "UNSUPPORTED_MEDIA_TYPE";
    public const string MissingField = "MISSING_FIELD";
    public const string NotFound = "NOT_FOUND";
    public const string Internal = "INTERNAL_ERROR";
    public const string MethodNotAllowed = "METHOD_NOT_ALLOWED";
    public const string BadRequestCode = "BAD_REQUEST";
    public const string TooLong = "TOO_LONG";
    public const string EmptyField = "EMPTY_FIELD";
    public const string InvalidTime = "INVALID_TIME";
    public const string MalformedField = "MALFORMED_FIELD";

    /// <summary>The first of <paramref name="fields"/> that holds a NUL character, which no text field may (PostgreSQL text cannot hold it).</summary>
    public static ProblemHttpResult? NulCharacter(params (string Name, string? Value)[] fields) =>
        fields.FirstOrDefault(f => f.Value is not null && f.Value.Contains('\0', StringComparison.Ordinal)) is { Name: not null } bad
            ? BadRequest(MalformedField, $"'{bad.Name}' holds a NUL character.", bad.Name)
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
                StatusCodes.Status400BadRequest => BadRequestCode,
                StatusCodes.Status401Unauthorized => Unauthenticated,
                StatusCodes.Status404NotFound => NotFound,
                StatusCodes.Status405MethodNotAllowed => MethodNotAllowed,
                StatusCodes.Status413PayloadTooLarge => BodyTooLarge,
                StatusCodes.Status415UnsupportedMediaType => UnsupportedMediaType,
                StatusCodes.Status500InternalServerError => Internal,
                int status => $"HTTP_{status}",
                null => Internal,
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

    public static ProblemHttpResult Missing(string field) => BadRequest(MissingField, $"The field '{field}' is required.", field);

    public static ProblemHttpResult NotFoundOf(string what) => Of(StatusCodes.Status404NotFound, NotFound, $"{what} was not found.");
}
