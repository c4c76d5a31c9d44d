using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Mbushja.Server.Tests;

/// <summary>Requests and assertions for the HTTP API, over a real socket.</summary>
internal static class Api
{
    public const string ProblemJson = "application/problem+json";

    /// <summary>The default: the right admin key.</summary>
    public static readonly string? Admin = "Bearer " + RunningServer.AdminKey;

    private static readonly JsonSerializerOptions Writer = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>A body from an anonymous object: camelCase, null members left out.</summary>
    public static string Json(object body) => JsonSerializer.Serialize(body, Writer);

    public static Task<HttpResponseMessage> GetAsync(this HttpClient http, string path, string? authorization) =>
        http.SendAsync(HttpMethod.Get, path, null, authorization);

    public static Task<HttpResponseMessage> GetAsAdminAsync(this HttpClient http, string path) => http.SendAsync(HttpMethod.Get, path, null, Admin);

    /// <summary>POSTs <paramref name="json"/> as <c>application/json</c> with the admin key.</summary>
    public static Task<HttpResponseMessage> PostJsonAsync(this HttpClient http, string path, string json, string? authorization = null) =>
        http.SendAsync(HttpMethod.Post, path, new StringContent(json, Encoding.UTF8, "application/json"), authorization ?? Admin);

    public static async Task<HttpResponseMessage> SendAsync(this HttpClient http, HttpMethod method, string path, HttpContent? content, string? authorization)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        if (authorization is not null)
        {
            // Without validation: the tests send headers a careful client would not.
            Assert.True(request.Headers.TryAddWithoutValidation("Authorization", authorization));
        }

        return await http.SendAsync(request);
    }

    /// <summary>Asserts the status (showing the body when it differs) and returns the JSON body.</summary>
    public static async Task<JsonElement> ExpectAsync(this HttpResponseMessage response, HttpStatusCode status)
    {
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"Expected {(int)status}, got {(int)response.StatusCode}: {text}");
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>
    /// Asserts an RFC 9457 problem: the status, <c>application/problem+json</c>, the stable <c>code</c>, and the
    /// <c>field</c> to blame when one is expected.
    /// </summary>
    public static async Task<JsonElement> ExpectProblemAsync(this HttpResponseMessage response, HttpStatusCode status, string code, string? field = null)
    {
        JsonElement problem = await response.ExpectAsync(status);
        AssertProblem(response, problem, (int)status);
        Assert.Equal(code, problem.GetProperty("code").GetString());
        if (field is not null)
        {
            Assert.True(problem.TryGetProperty("field", out JsonElement blamed), $"No field in {problem}");
            Assert.Equal(field, blamed.GetString());
        }

        return problem;
    }

    /// <summary>Any client error, as a problem with a code: what every bad request must get, never a 5xx.</summary>
    public static async Task<JsonElement> ExpectClientErrorAsync(this HttpResponseMessage response)
    {
        string text = await response.Content.ReadAsStringAsync();
        int status = (int)response.StatusCode;
        Assert.True(status is >= 400 and < 500, $"Expected a 4xx, got {status}: {text}");
        JsonElement problem = JsonDocument.Parse(text).RootElement.Clone();
        AssertProblem(response, problem, status);
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("code").GetString()), $"No code in {text}");
        return problem;
    }

    private static void AssertProblem(HttpResponseMessage response, JsonElement problem, int status)
    {
        MediaTypeHeaderValue? type = response.Content.Headers.ContentType;
        Assert.Equal(ProblemJson, type?.MediaType);
        Assert.Equal(JsonValueKind.Object, problem.ValueKind);
        Assert.Equal(status, problem.GetProperty("status").GetInt32());
    }

    public static string String(this JsonElement element, string name) => element.GetProperty(name).GetString()!;

    public static long Long(this JsonElement element, string name) => element.GetProperty(name).GetInt64();
}
