using System.Text.Json;
using System.Text.Json.Serialization;
using Mbushja.Domain;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Mbushja.Http;

/// <summary>
/// Reads a JSON request body into a request record, turning every way it can be wrong — not JSON, the wrong type
/// for a field, an unknown field, too large — into a problem that names the field, never a 500.
/// </summary>
public static class JsonBody
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        NumberHandling = JsonNumberHandling.Strict,
    };

    public static async Task<(T? Value, ProblemHttpResult? Problem)> ReadAsync<T>(HttpRequest request)
        where T : class
    {
        if (request.ContentType is not { } type || !type.Contains("json", StringComparison.OrdinalIgnoreCase))
        {
            return (null, Problems.Of(StatusCodes.Status415UnsupportedMediaType, ErrorCodes.UnsupportedMediaType, "Send the body as application/json."));
        }

        try
        {
            T? value = await JsonSerializer.DeserializeAsync<T>(request.Body, Options, request.HttpContext.RequestAborted);
            return value is null
                ? (null, Problems.BadRequest(ErrorCodes.MalformedBody, "The body must be a JSON object."))
                : (value, null);
        }
        catch (JsonException e)
        {
            string? field = FieldOf(e.Path);
            string detail = field is null
                ? $"The body is not valid JSON (line {e.LineNumber + 1}, position {e.BytePositionInLine})."
                : $"The body cannot be read at '{field}' (line {e.LineNumber + 1}, position {e.BytePositionInLine}): "
                    + "the JSON ends or breaks there, the value has the wrong type or size, or the field is not known.";
            return (null, Problems.BadRequest(ErrorCodes.MalformedBody, detail, field));
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, Problems.Of(StatusCodes.Status413PayloadTooLarge, ErrorCodes.BodyTooLarge, "The body is too large."));
        }
    }

    /// <summary>The field a JSON path names: <c>$.creditCents</c> and <c>$['odd name']</c> (System.Text.Json's form for names that need quoting).</summary>
    private static string? FieldOf(string? path)
    {
        if (path is not { Length: > 2 })
        {
            return null;
        }

        return path.StartsWith("$['", StringComparison.Ordinal) && path.EndsWith("']", StringComparison.Ordinal)
            ? path[3..^2]
            : path.TrimStart('$', '.');
    }
}
