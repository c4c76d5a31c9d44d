using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace Mbushja.Server.Tests;

/// <summary>Never a 500: whatever a client sends, the answer is a 4xx problem with a code.</summary>
public abstract partial class ServerApiSpec
{
    public static readonly string[] WriteEndpoints = ["/api/v1/subscribers", "/api/v1/service-accounts"];

    /// <summary>Bodies by name (the names keep test titles short); each as bytes, since some are not UTF-8.</summary>
    public static byte[] NastyBody(string name)
    {
        switch (name)
        {
            case "invalid utf-8":
                return [.. """{"msisdn":"049"""u8, 0xFF, 0xFE, 0xC0, .. "\",\"creditCents\":1,\"kind\":\"tv\"}"u8];
            case "truncated utf-8":
                return [.. """{"msisdn":"049100000","kind":"t"""u8, 0xE2, 0x82];
        }

        string tenThousandDigits = "0" + new string('4', 9_999);
        string text = name switch
        {
            "empty" => "",
            "whitespace" => " \r\n\t ",
            "null" => "null",
            "array" => "[]",
            "string" => "\"str\"",
            "number" => "42",
            "true" => "true",
            "nested arrays" => new string('[', 5_000) + new string(']', 5_000),
            "nested objects" => string.Concat(Enumerable.Repeat("{\"msisdn\":", 2_000)) + "1" + new string('}', 2_000),
            "huge integer" => $$"""{"msisdn":"049100000","creditCents":{{new string('9', 5_000)}},"kind":"tv","packageCode":"PPV","balanceCents":{{new string('9', 5_000)}}}""",
            "huge exponent" => """{"msisdn":"049100000","creditCents":1e999999999,"balanceCents":1e999999999}""",
            "tiny exponent" => """{"msisdn":"049100000","creditCents":1e-999,"balanceCents":1e-999}""",
            "NaN" => """{"msisdn":"049100000","creditCents":NaN,"balanceCents":NaN}""",
            "emoji" => """{"msisdn":"📱😀🇽🇰","creditCents":1,"kind":"📺","packageCode":"🎬","username":"😀","language":"🙂"}""",
            "emoji identifiers" => """{"kind":"tv","packageCode":"DTV_FAMILJARE","username":"😀😀","smartCard":"🎫🎫🎫🎫"}""",
            "escaped control chars" => """{"msisdn":"049\u0000100\u0007001","creditCents":1,"kind":"tv\u0000","packageCode":"DTV_FAMILJARE\u001b","smartCard":"1234\u0000"}""",
            "raw control chars" => "{\"msisdn\":\"049\u0001100001\",\"creditCents\":1,\"kind\":\"\u0002\"}",
            "lone surrogate" => """{"msisdn":"\ud800","creditCents":1,"kind":"\udfff","packageCode":"\ud800x"}""",
            "bad escape" => """{"msisdn":"\x41","creditCents":1,"kind":"\u12"}""",
            "10,000-char fields" => $$"""{"msisdn":"{{tenThousandDigits}}","creditCents":1,"language":"{{tenThousandDigits}}","kind":"duo","packageCode":"DUO_MINI","username":"{{tenThousandDigits}}","contract":"{{tenThousandDigits}}","smartCard":"{{tenThousandDigits}}","number":"{{tenThousandDigits}}"}""",
            "10,000-char msisdn" => $$"""{"msisdn":"{{tenThousandDigits}}","creditCents":1}""",
            "10,000-char number" => $$"""{"kind":"fixed","packageCode":"FIXED_LINE","number":"{{tenThousandDigits}}"}""",
            "wrong types" => """{"msisdn":49100000,"creditCents":"1","language":1,"kind":1,"packageCode":[],"username":{},"balanceCents":"0"}""",
            "fields as null" => """{"msisdn":null,"creditCents":null,"language":null,"kind":null,"packageCode":null,"username":null}""",
            "duplicate fields" => """{"msisdn":"049100000","msisdn":"nope","creditCents":1,"kind":"tv","kind":"nope","packageCode":"DTV_FAMILJARE","smartCard":"1234"}""",
            "many unknown fields" => "{" + string.Join(',', Enumerable.Range(0, 3_000).Select(i => $"\"f{i}\":{i}")) + "}",
            "comment" => """{"msisdn":"049100000", /* hi */ "creditCents":1}""",
            "single quotes" => "{'msisdn':'049100000','creditCents':1}",
            _ => throw new ArgumentOutOfRangeException(nameof(name), name, null),
        };
        return Encoding.UTF8.GetBytes(text);
    }

    public static TheoryData<string, string> NastyBodies()
    {
        string[] names =
        [
            "empty", "whitespace", "null", "array", "string", "number", "true", "nested arrays", "nested objects", "huge integer",
            "huge exponent", "tiny exponent", "NaN", "emoji", "emoji identifiers", "escaped control chars", "raw control chars",
            "lone surrogate", "bad escape", "10,000-char fields", "10,000-char msisdn", "10,000-char number", "wrong types",
            "fields as null", "duplicate fields", "many unknown fields", "comment", "single quotes", "invalid utf-8", "truncated utf-8",
        ];
        var data = new TheoryData<string, string>();
        foreach (string endpoint in WriteEndpoints)
        {
            foreach (string name in names)
            {
                data.Add(endpoint, name);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(NastyBodies))]
    public async Task Post_NastyBody_Returns4xxProblemNever500(string endpoint, string body)
    {
        var content = new ByteArrayContent(NastyBody(body));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");

        HttpResponseMessage response = await Http.SendAsync(HttpMethod.Post, endpoint, content, Api.Admin);

        await response.ExpectClientErrorAsync();
    }

    [Theory]
    [InlineData("%F0%9F%93%B1")] // 📱
    [InlineData("%FF%FE")]
    [InlineData("%0A%0D")]
    [InlineData("%E2%80%AE049123456")] // right-to-left override
    [InlineData("x'%20OR%20'1'='1")]
    [InlineData("..%2F..%2Fhealth")]
    [InlineData("%2B%2B%2B")]
    [InlineData("049123456%20%20%20%20%20%20%20%20%20%20%20%20%20%20%20%20%20%20%20%20%20%20%20%20%20%20%20%20%20%20%20%20%20")]
    public async Task Get_NastyIdentifier_Returns4xxNever500(string escaped)
    {
        foreach (string path in new[] { "/api/v1/subscribers/", "/api/v1/service-accounts/" })
        {
            HttpResponseMessage response = await Http.GetAsAdminAsync(path + escaped);

            await response.ExpectClientErrorAsync();
        }
    }

    [Theory]
    [InlineData("/api/v1/subscribers/")]
    [InlineData("/api/v1/service-accounts/")]
    public async Task Get_NulCharacterInPath_Returns400(string path)
    {
        // Kestrel refuses the request line itself, before any application code runs (so no problem body).
        HttpResponseMessage response = await Http.GetAsAdminAsync(path + "049%00123456");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Theory]
    [InlineData("/api/v1/subscribers/")]
    [InlineData("/api/v1/service-accounts/")]
    public async Task Get_4000CharacterIdentifier_Returns4xxNever500(string path)
    {
        HttpResponseMessage response = await Http.GetAsAdminAsync(path + new string('4', 4_000));

        await response.ExpectClientErrorAsync();
    }
}
