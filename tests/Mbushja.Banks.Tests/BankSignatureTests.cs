using System.Text;
using Mbushja.Banks.Connector;

namespace Mbushja.Banks.Tests;

/// <summary>
/// The v1 signature against vectors computed outside .NET (Python's hmac and hashlib over the canonical text
/// METHOD \n path \n timestamp \n hex(SHA-256(body))), then the refusals, one row each.
/// </summary>
public sealed class BankSignatureTests
{
    private const string Secret = "sandbox-secret-0123456789abcdef";
    private const long Timestamp = 1_700_000_000;
    private const string HoldBody = """{"holdId":"h1","accountRef":"XK051212012345678906","amountCents":500,"currency":"EUR","reference":"TopUp"}""";
    private const string EmptySha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    private static readonly byte[] Key = Encoding.UTF8.GetBytes(Secret);
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(Timestamp);

    public static TheoryData<string, string, string, string> Vectors => new()
    {
        { "POST", "/mbushja/v1/holds", HoldBody, "v1=4126c56ca0ca6fb60e9cdf9d2b2bb7810b08365ea18c271e19773e9f7658c633" },
        { "GET", "/mbushja/v1/holds/h1", "", "v1=918069d39a9f03577b019e623c13809e0f3ce5af6198aa9e985b50ccdeade0f5" },
        { "POST", "/mbushja/v1/holds/h1/capture", "", "v1=c27afe73f96351d48c5658afc2a220e19c33a2c7ba7aaf30549fa93e6a03cc81" },
        { "GET", "/mbushja/v1/holds/h1?x=1", "", "v1=d7962d3fb03d6484e6695126d5f2527449bcf50a7d0dfa97efac8d7b0612889f" },
    };

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Sign_KnownVector_GivesTheIndependentlyComputedSignature(string method, string path, string body, string expected)
    {
        Assert.Equal(expected, BankSignature.Sign(Key, method, path, Timestamp, Encoding.UTF8.GetBytes(body)));
    }

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Verify_KnownVector_IsValid(string method, string path, string body, string signature)
    {
        Assert.Equal(SignatureCheck.Valid, BankSignature.Verify(Key, method, path, "1700000000", signature, Encoding.UTF8.GetBytes(body), Now));
    }

    [Fact]
    public void CanonicalText_EmptyBody_EndsWithTheEmptySha256()
    {
        Assert.Equal($"GET\n/mbushja/v1/holds/h1\n1700000000\n{EmptySha256}", BankSignature.CanonicalText("GET", "/mbushja/v1/holds/h1", Timestamp, []));
    }

    public static TheoryData<string, string?, string?, string, long, SignatureCheck> Refusals => new()
    {
        // what, timestamp header, signature header, body, seconds from the signer's clock, expected
        { "no timestamp", null, "v1=918069d39a9f03577b019e623c13809e0f3ce5af6198aa9e985b50ccdeade0f5", "", 0, SignatureCheck.Missing },
        { "no signature", "1700000000", null, "", 0, SignatureCheck.Missing },
        { "empty signature", "1700000000", "", "", 0, SignatureCheck.Missing },
        { "other scheme", "1700000000", "v2=918069d39a9f03577b019e623c13809e0f3ce5af6198aa9e985b50ccdeade0f5", "", 0, SignatureCheck.Invalid },
        { "not hex", "1700000000", "v1=z18069d39a9f03577b019e623c13809e0f3ce5af6198aa9e985b50ccdeade0f5", "", 0, SignatureCheck.Invalid },
        { "short", "1700000000", "v1=918069d39a9f03577b019e623c13809e", "", 0, SignatureCheck.Invalid },
        { "one bit off", "1700000000", "v1=918069d39a9f03577b019e623c13809e0f3ce5af6198aa9e985b50ccdeade0f4", "", 0, SignatureCheck.Invalid },
        { "tampered body", "1700000000", "v1=918069d39a9f03577b019e623c13809e0f3ce5af6198aa9e985b50ccdeade0f5", "{}", 0, SignatureCheck.Invalid },
        { "timestamp changed", "1700000001", "v1=918069d39a9f03577b019e623c13809e0f3ce5af6198aa9e985b50ccdeade0f5", "", 0, SignatureCheck.Invalid },
        { "signed timestamp", "+1700000000", "v1=918069d39a9f03577b019e623c13809e0f3ce5af6198aa9e985b50ccdeade0f5", "", 0, SignatureCheck.Invalid },
        { "timestamp in ms", "1700000000000", "v1=918069d39a9f03577b019e623c13809e0f3ce5af6198aa9e985b50ccdeade0f5", "", 0, SignatureCheck.Invalid },
        { "300 s late: accepted", "1700000000", "v1=918069d39a9f03577b019e623c13809e0f3ce5af6198aa9e985b50ccdeade0f5", "", 300, SignatureCheck.Valid },
        { "300 s early: accepted", "1700000000", "v1=918069d39a9f03577b019e623c13809e0f3ce5af6198aa9e985b50ccdeade0f5", "", -300, SignatureCheck.Valid },
        { "301 s late", "1700000000", "v1=918069d39a9f03577b019e623c13809e0f3ce5af6198aa9e985b50ccdeade0f5", "", 301, SignatureCheck.OutOfWindow },
        { "301 s early", "1700000000", "v1=918069d39a9f03577b019e623c13809e0f3ce5af6198aa9e985b50ccdeade0f5", "", -301, SignatureCheck.OutOfWindow },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public void Verify_GetHoldH1_ChecksEachPart(string what, string? timestamp, string? signature, string body, long skewSeconds, SignatureCheck expected)
    {
        SignatureCheck check = BankSignature.Verify(Key, "GET", "/mbushja/v1/holds/h1", timestamp, signature, Encoding.UTF8.GetBytes(body), Now.AddSeconds(skewSeconds));

        Assert.True(expected == check, $"{what}: expected {expected}, got {check}");
    }

    [Fact]
    public void Verify_WrongSecret_IsInvalid()
    {
        SignatureCheck check = BankSignature.Verify(
            Encoding.UTF8.GetBytes("another-secret-0123456789abcdef"), "GET", "/mbushja/v1/holds/h1", "1700000000",
            "v1=918069d39a9f03577b019e623c13809e0f3ce5af6198aa9e985b50ccdeade0f5", [], Now);

        Assert.Equal(SignatureCheck.Invalid, check);
    }

    [Theory]
    [InlineData("POST", "/mbushja/v1/holds/h1")] // the method is signed
    [InlineData("GET", "/mbushja/v1/holds/h2")] // the path is signed
    [InlineData("GET", "/mbushja/v1/holds/h1?x=1")] // the query is signed
    public void Verify_OtherRequestLine_IsInvalid(string method, string path)
    {
        Assert.Equal(
            SignatureCheck.Invalid,
            BankSignature.Verify(Key, method, path, "1700000000", "v1=918069d39a9f03577b019e623c13809e0f3ce5af6198aa9e985b50ccdeade0f5", [], Now));
    }

    [Fact]
    public void Sign_LongPath_UsesTheSameCanonicalText()
    {
        // Longer than the stack buffer: the rented-buffer path must sign the same text.
        string path = "/mbushja/v1/holds/" + new string('a', 600);
        string signature = BankSignature.Sign(Key, "GET", path, Timestamp, []);

        Assert.Equal(SignatureCheck.Valid, BankSignature.Verify(Key, "GET", path, "1700000000", signature, [], Now));
        Assert.Equal(
            "v1=" + Convert.ToHexStringLower(System.Security.Cryptography.HMACSHA256.HashData(Key, Encoding.UTF8.GetBytes(BankSignature.CanonicalText("GET", path, Timestamp, [])))),
            signature);
    }
}
