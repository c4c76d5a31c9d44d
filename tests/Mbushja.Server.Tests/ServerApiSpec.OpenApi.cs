using System.Net;
using System.Text.Json;

namespace Mbushja.Server.Tests;

/// <summary>
/// Everything is documented in the OpenAPI description the running server serves (<c>/openapi/v1.json</c>): the
/// document describes the public contracts as the server keeps them — field types, which fields are optional,
/// the statuses they promise, the admin key, the USSD form.
/// </summary>
public abstract partial class ServerApiSpec
{
    private async Task<JsonElement> OpenApiAsync() =>
        await (await Http.GetAsync("/openapi/v1.json", authorization: null)).ExpectAsync(HttpStatusCode.OK);

    private static JsonElement Operation(JsonElement document, string path, string method) =>
        document.GetProperty("paths").GetProperty(path).GetProperty(method);

    /// <summary>A schema with its <c>$ref</c> (if any) followed into <c>components/schemas</c>.</summary>
    private static JsonElement Resolve(JsonElement document, JsonElement schema)
    {
        while (schema.TryGetProperty("$ref", out JsonElement reference))
        {
            string name = reference.GetString()!.Split('/')[^1];
            schema = document.GetProperty("components").GetProperty("schemas").GetProperty(name);
        }

        return schema;
    }

    private static JsonElement RequestSchema(JsonElement document, string path, string method, string mediaType = "application/json") =>
        Resolve(document, Operation(document, path, method).GetProperty("requestBody").GetProperty("content").GetProperty(mediaType).GetProperty("schema"));

    private static JsonElement ResponseSchema(JsonElement document, string path, string method, string status) =>
        Resolve(document, Operation(document, path, method).GetProperty("responses").GetProperty(status).GetProperty("content").GetProperty("application/json").GetProperty("schema"));

    private static string[] Types(JsonElement property) => property.GetProperty("type").ValueKind == JsonValueKind.Array
        ? [.. property.GetProperty("type").EnumerateArray().Select(t => t.GetString()!)]
        : [property.GetProperty("type").GetString()!];

    private static string[] Required(JsonElement schema) =>
        schema.TryGetProperty("required", out JsonElement required) ? [.. required.EnumerateArray().Select(r => r.GetString()!)] : [];

    public static TheoryData<string, string, string, string> AmountFields => new()
    {
        // APIs carry money as integer cents, never as a decimal amount.
        { "request", "/api/v1/subscribers", "post", "creditCents" },
        { "request", "/api/v1/service-accounts", "post", "balanceCents" },
        { "request", "/sandbox/banks/{bankCode}/accounts/{accountRef}", "put", "balanceCents" },
        { "201", "/api/v1/subscribers", "post", "creditCents" },
        { "200", "/api/v1/subscribers/{msisdn}", "get", "creditCents" },
        { "200", "/api/v1/service-accounts/{identifier}", "get", "balanceCents" },
        { "200", "/api/v1/catalog", "get", "feeCents" },
        { "200", "/sandbox/banks/{bankCode}/accounts/{accountRef}", "get", "balanceCents" },
        { "200", "/sandbox/banks/{bankCode}/accounts/{accountRef}", "get", "heldCents" },
    };

    [Theory]
    [MemberData(nameof(AmountFields))]
    public async Task OpenApi_AmountInCents_IsDocumentedAsAnIntegerOnly(string where, string path, string method, string field)
    {
        JsonElement document = await OpenApiAsync();
        JsonElement schema = where == "request" ? RequestSchema(document, path, method) : ResponseSchema(document, path, method, where);

        string[] types = Types(schema.GetProperty("properties").GetProperty(field));

        Assert.Contains("integer", types);
        Assert.DoesNotContain("string", types); // the server refuses "500": 400 MALFORMED_BODY (below)
    }

    [Fact]
    public async Task CreateSubscriber_CreditCentsAsAString_IsRefused_SoTheDocumentMustNotAllowIt()
    {
        HttpResponseMessage response = await Http.PostJsonAsync("/api/v1/subscribers", $$"""{"msisdn":"0{{Server.NextMobile()}}","creditCents":"500"}""");

        await response.ExpectProblemAsync(HttpStatusCode.BadRequest, "MALFORMED_BODY", "creditCents");
    }

    public static TheoryData<string, string> OptionalRequestFields => new()
    {
        // Optional fields end in ?: {from, to, text, messageId?}; {msisdn, creditCents, language?};
        // {kind, packageCode, username?, contract?, smartCard?, number?, balanceCents?}.
        { "/api/v1/sms/inbound", "messageId" },
        { "/api/v1/subscribers", "language" },
        { "/api/v1/service-accounts", "username" },
        { "/api/v1/service-accounts", "contract" },
        { "/api/v1/service-accounts", "smartCard" },
        { "/api/v1/service-accounts", "number" },
        { "/api/v1/service-accounts", "balanceCents" },
    };

    [Theory]
    [MemberData(nameof(OptionalRequestFields))]
    public async Task OpenApi_OptionalRequestField_IsNotListedAsRequired(string path, string field)
    {
        JsonElement document = await OpenApiAsync();

        string[] required = Required(RequestSchema(document, path, "post"));

        Assert.DoesNotContain(field, required);
    }

    [Fact]
    public async Task Inbound_WithoutMessageId_IsAnswered_SoTheDocumentMustNotRequireIt()
    {
        HttpResponseMessage response = await Http.PostJsonAsync(
            "/api/v1/sms/inbound", Api.Json(new { from = "0" + Server.NextMobile(), to = "50001", text = "5" }), authorization: null);

        JsonElement body = await response.ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("rejected", body.String("status"));
    }

    public static TheoryData<string, string, string> SpecifiedStatuses => new()
    {
        // Statuses promised: more than 4 authorised → 422; an MSISDN already registered at that bank → 409;
        // .../authorized {msisdn} adds one (422 when 4 are there); /api/v1 without the admin key → 401.
        { "/api/v1/banks/{bankCode}/registrations", "post", "422" },
        { "/api/v1/banks/{bankCode}/registrations", "post", "409" },
        { "/api/v1/banks/{bankCode}/registrations/{id}/authorized", "post", "422" },
        { "/api/v1/banks/{bankCode}/registrations", "post", "401" },
        { "/api/v1/subscribers", "post", "401" },
        { "/api/v1/transactions", "get", "401" },
    };

    [Theory]
    [MemberData(nameof(SpecifiedStatuses))]
    public async Task OpenApi_StatusThatSpecNames_IsDocumentedAsAProblem(string path, string method, string status)
    {
        JsonElement document = await OpenApiAsync();

        JsonElement responses = Operation(document, path, method).GetProperty("responses");

        Assert.True(responses.TryGetProperty(status, out JsonElement response), $"{method.ToUpperInvariant()} {path} documents only {string.Join(", ", responses.EnumerateObject().Select(r => r.Name))}, not {status}");
        Assert.True(response.GetProperty("content").TryGetProperty(Api.ProblemJson, out _), $"{status} of {path} is not documented as {Api.ProblemJson}");
    }

    [Fact]
    public async Task OpenApi_ApiV1_DeclaresTheBearerAdminKey()
    {
        JsonElement document = await OpenApiAsync();

        JsonElement schemes = default;
        Assert.True(
            document.TryGetProperty("components", out JsonElement components) && components.TryGetProperty("securitySchemes", out schemes),
            "The document declares no security scheme, though every /api/v1 call takes 'Authorization: Bearer <admin key>'.");
        Assert.Contains(schemes.EnumerateObject(), s => s.Value.TryGetProperty("scheme", out JsonElement scheme) && scheme.GetString() == "bearer");
        Assert.True(Operation(document, "/api/v1/subscribers", "post").TryGetProperty("security", out _) || document.TryGetProperty("security", out _));
    }

    [Fact]
    public async Task OpenApi_Ussd_DocumentsTheFormFieldsOfSection3()
    {
        JsonElement document = await OpenApiAsync();

        JsonElement form = RequestSchema(document, "/ussd", "post", "application/x-www-form-urlencoded");

        Assert.Equal("object", Types(form).Single(t => t != "null"));
        string[] fields = [.. form.GetProperty("properties").EnumerateObject().Select(p => p.Name)];
        Assert.Equal(["phoneNumber", "serviceCode", "sessionId", "text"], fields.Order(StringComparer.Ordinal));
    }
}
