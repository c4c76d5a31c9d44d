using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Mbushja.Banks.Connector;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OpenApi;
using Microsoft.OpenApi.Reader;
using YamlDotNet.RepresentationModel;

namespace Mbushja.Banks.Tests;

/// <summary>
/// The published contract (docs/bank-connector.openapi.yaml) and the sandbox agree in the essentials: the same
/// operations, answers with documented status codes, signed, with status words and codes from the document.
/// </summary>
public sealed partial class BankContractTests(SandboxHost host) : IClassFixture<SandboxHost>
{
    private static readonly Lazy<OpenApiDocument> Contract = new(Load);

    [Fact]
    public void Document_IsValidOpenApi3()
    {
        OpenApiDocument document = Contract.Value;

        Assert.Equal("Mbushja bank connector API", document.Info.Title);
        Assert.Equal(6, Operations(document).Count);
        Assert.Equal(["signature", "timestamp"], document.Components!.SecuritySchemes!.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Document_ListsExactlyTheOperationsTheSandboxServes()
    {
        var served = host.App.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText!.Contains("/api/", StringComparison.Ordinal))
            .SelectMany(e => e.Metadata.GetMetadata<HttpMethodMetadata>()!.HttpMethods.Select(m => $"{m} /{e.RoutePattern.RawText!.Split("/api/")[1]}"))
            .Order(StringComparer.Ordinal);

        Assert.Equal(Operations(Contract.Value).Select(o => $"{o.Method} {o.Path}").Order(StringComparer.Ordinal), served);
    }

    [Fact]
    public void Document_StatusWordsAndDeclineCodes_AreTheWiresOwn()
    {
        IDictionary<string, IOpenApiSchema> schemas = Contract.Value.Components!.Schemas!;

        Assert.Equal(BankWire.Statuses, schemas["HoldStatus"].Enum!.Select(n => n.GetValue<string>()));
        Assert.Equal(BankWire.DeclineCodes, schemas["DeclineCode"].Enum!.Select(n => n.GetValue<string>()));
        Assert.Matches(schemas["HoldId"].Pattern!, "tx-01HZY8S3KQ_a");
        Assert.DoesNotMatch(schemas["HoldId"].Pattern!, "a/b");
        Assert.Equal(BankWire.MaxHoldIdLength, schemas["HoldId"].MaxLength);
        Assert.Equal(BankWire.MaxReferenceLength, schemas["HoldRequest"].Properties!["reference"].MaxLength);
        Assert.Equal(BankWire.RefundStatuses, schemas["RefundStatus"].Enum!.Select(n => n.GetValue<string>()));
        Assert.Equal(BankWire.RefundRejectCodes, schemas["RefundRejectCode"].Enum!.Select(n => n.GetValue<string>()));
        Assert.Equal(BankWire.MaxReferenceLength, schemas["RefundRequest"].Properties!["reference"].MaxLength);
    }

    [Fact]
    public void Document_SignatureExample_IsWhatTheCodeComputes()
    {
        Match example = SignatureExample().Match(Contract.Value.Info.Description!);

        Assert.True(example.Success);
        Assert.Equal(
            example.Groups["signature"].Value,
            BankSignature.Sign(
                System.Text.Encoding.UTF8.GetBytes(example.Groups["secret"].Value),
                example.Groups["method"].Value,
                example.Groups["path"].Value,
                long.Parse(example.Groups["timestamp"].Value, CultureInfo.InvariantCulture),
                []));
    }

    [Fact]
    public async Task EveryOperation_SignedRequest_AnswersADocumentedSignedStatus()
    {
        foreach ((string method, string path, OpenApiOperation operation) in Operations(Contract.Value))
        {
            string iban = host.NextIban("BEK", 10_000);
            string id = host.NextId();
            bool refund = path.StartsWith("/refunds", StringComparison.Ordinal);
            string? json = operation.RequestBody is null ? null : refund ? SandboxHost.RefundJson(id, host.NextId(), iban, 100) : SandboxHost.HoldJson(id, iban, 100);
            string target = path.TrimStart('/').Replace("{holdId}", id, StringComparison.Ordinal).Replace("{refundId}", id, StringComparison.Ordinal);

            using HttpResponseMessage response = await host.SendSignedAsync(new HttpMethod(method), "BEK", target, json);

            string code = ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture);
            Assert.True(operation.Responses!.ContainsKey(code), $"{method} {path}: {code} is not documented");
            Assert.True(response.Headers.Contains(BankSignature.SignatureHeader), $"{method} {path}: unsigned");
            JsonElement body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            Assert.Contains(body.GetProperty("status").GetString(), refund ? BankWire.RefundStatuses : BankWire.Statuses);
            Assert.Equal(id, body.GetProperty(refund ? "refundId" : "holdId").GetString());
        }
    }

    [Fact]
    public async Task EveryOperation_UnsignedRequest_Answers401AsDocumented()
    {
        foreach ((string method, string path, OpenApiOperation operation) in Operations(Contract.Value))
        {
            using var request = new HttpRequestMessage(new HttpMethod(method), $"/sandbox/banks/BEK/api{path.Replace("{holdId}", host.NextId(), StringComparison.Ordinal).Replace("{refundId}", host.NextId(), StringComparison.Ordinal)}");

            using HttpResponseMessage response = await host.Http.SendAsync(request);

            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.True(operation.Responses!.ContainsKey("401"), $"{method} {path}: 401 is not documented");
        }
    }

    private static List<(string Method, string Path, OpenApiOperation Operation)> Operations(OpenApiDocument document) =>
        [.. document.Paths.SelectMany(p => p.Value.Operations!.Select(o => (o.Key.Method, p.Key, o.Value)))];

    private static OpenApiDocument Load()
    {
        string yaml = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "bank-connector.openapi.yaml"));
        ReadResult result = OpenApiDocument.Parse(YamlToJson(yaml), OpenApiConstants.Json);
        Assert.Empty(result.Diagnostic?.Errors ?? []);
        return result.Document!;
    }

    /// <summary>
    /// YAML to JSON (Microsoft.OpenApi 2.3 reads JSON itself; its YAML reader is a separate package): plain scalars
    /// that read as booleans, null or numbers become those, quoted scalars stay strings.
    /// </summary>
    private static string YamlToJson(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return Convert(stream.Documents[0].RootNode)!.ToJsonString();

        static JsonNode? Convert(YamlNode node) => node switch
        {
            YamlMappingNode map => new JsonObject(map.Children.Select(c => KeyValuePair.Create(((YamlScalarNode)c.Key).Value!, Convert(c.Value)))),
            YamlSequenceNode list => new JsonArray([.. list.Children.Select(Convert)]),
            YamlScalarNode { Style: YamlDotNet.Core.ScalarStyle.Plain } scalar => Plain(scalar.Value!),
            YamlScalarNode scalar => JsonValue.Create(scalar.Value),
            _ => throw new InvalidOperationException($"Unexpected YAML node {node.NodeType}"),
        };

        static JsonNode? Plain(string text) => text switch
        {
            "true" => JsonValue.Create(true),
            "false" => JsonValue.Create(false),
            "null" or "~" or "" => null,
            _ when long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long n) => JsonValue.Create(n),
            _ when double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) => JsonValue.Create(d),
            _ => JsonValue.Create(text),
        };
    }

    [GeneratedRegex(@"secret `(?<secret>[^`]+)`, `(?<method>[A-Z]+) (?<path>[^`]+)`, timestamp `(?<timestamp>\d+)`, no\s+body → `(?<signature>v1=[0-9a-f]{64})`")]
    private static partial Regex SignatureExample();
}
