using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Mbushja.Banks.Connector;

/// <summary>Why a signature was refused.</summary>
public enum SignatureCheck
{
    Valid,

    /// <summary>The timestamp or signature header is absent.</summary>
    Missing,

    /// <summary>A header is not in the expected form, or the HMAC does not match.</summary>
    Invalid,

    /// <summary>The timestamp is outside the replay window.</summary>
    OutOfWindow,
}

/// <summary>
/// Signatures of the bank connector API, both directions (docs/bank-connector.openapi.yaml, "Signatures"):
/// <c>X-Mbushja-Signature: v1=hex(HMAC-SHA256(secret, METHOD \n path-with-query \n timestamp \n hex(SHA-256(body))))</c>
/// with <c>X-Mbushja-Timestamp</c> in unix seconds, accepted within ±300 s. Hex is lower case.
/// </summary>
public static class BankSignature
{
    public const string TimestampHeader = "X-Mbushja-Timestamp";
    public const string SignatureHeader = "X-Mbushja-Signature";
    public const string Scheme = "v1=";

    /// <summary>How far a timestamp may be from the checker's clock, either way.</summary>
    public static readonly TimeSpan ReplayWindow = TimeSpan.FromSeconds(300);

    private const int HashLength = 32; // SHA-256 and HMAC-SHA256
    private const int StackLimit = 512;

    /// <summary>The header value <c>v1=&lt;lower hex&gt;</c> for a message.</summary>
    public static string Sign(ReadOnlySpan<byte> secret, string method, string pathAndQuery, long timestamp, ReadOnlySpan<byte> body)
    {
        Span<byte> mac = stackalloc byte[HashLength];
        Compute(secret, method, pathAndQuery, timestamp, body, mac);
        return Scheme + Convert.ToHexStringLower(mac);
    }

    /// <summary>Checks a message's headers against the secret and the clock; compares in constant time.</summary>
    public static SignatureCheck Verify(
        ReadOnlySpan<byte> secret, string method, string pathAndQuery, string? timestampHeader, string? signatureHeader, ReadOnlySpan<byte> body, DateTimeOffset now)
    {
        if (string.IsNullOrEmpty(timestampHeader) || string.IsNullOrEmpty(signatureHeader))
        {
            return SignatureCheck.Missing;
        }

        if (!TryParseTimestamp(timestampHeader, out long timestamp)
            || !signatureHeader.StartsWith(Scheme, StringComparison.Ordinal)
            || signatureHeader.Length != Scheme.Length + (2 * HashLength))
        {
            return SignatureCheck.Invalid;
        }

        Span<byte> given = stackalloc byte[HashLength];
        if (Convert.FromHexString(signatureHeader.AsSpan(Scheme.Length), given, out _, out int written) != OperationStatus.Done || written != HashLength)
        {
            return SignatureCheck.Invalid;
        }

        Span<byte> expected = stackalloc byte[HashLength];
        Compute(secret, method, pathAndQuery, timestamp, body, expected);
        if (!CryptographicOperations.FixedTimeEquals(given, expected))
        {
            return SignatureCheck.Invalid;
        }

        // Checked after the HMAC, so a forged timestamp is "invalid", not "stale".
        long skew = Math.Abs(now.ToUnixTimeSeconds() - timestamp);
        return skew <= (long)ReplayWindow.TotalSeconds ? SignatureCheck.Valid : SignatureCheck.OutOfWindow;
    }

    public static string FormatTimestamp(DateTimeOffset now) => now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);

    /// <summary>The exact text that is signed (for documentation and independent test vectors).</summary>
    public static string CanonicalText(string method, string pathAndQuery, long timestamp, ReadOnlySpan<byte> body)
    {
        Span<byte> bodyHash = stackalloc byte[HashLength];
        SHA256.HashData(body, bodyHash);
        return string.Create(CultureInfo.InvariantCulture, $"{method}\n{pathAndQuery}\n{timestamp}\n{Convert.ToHexStringLower(bodyHash)}");
    }

    private static void Compute(ReadOnlySpan<byte> secret, string method, string pathAndQuery, long timestamp, ReadOnlySpan<byte> body, Span<byte> mac)
    {
        Span<byte> bodyHash = stackalloc byte[HashLength];
        SHA256.HashData(body, bodyHash);
        Span<char> bodyHex = stackalloc char[2 * HashLength];
        Convert.TryToHexStringLower(bodyHash, bodyHex, out _);
        Span<char> digits = stackalloc char[20];
        timestamp.TryFormat(digits, out int digitCount, provider: CultureInfo.InvariantCulture);

        int length = Encoding.UTF8.GetByteCount(method) + Encoding.UTF8.GetByteCount(pathAndQuery) + digitCount + bodyHex.Length + 3;
        byte[]? rented = null;
        Span<byte> text = length <= StackLimit ? stackalloc byte[StackLimit] : (rented = ArrayPool<byte>.Shared.Rent(length));
        try
        {
            int at = Encoding.UTF8.GetBytes(method, text);
            text[at++] = (byte)'\n';
            at += Encoding.UTF8.GetBytes(pathAndQuery, text[at..]);
            text[at++] = (byte)'\n';
            at += Encoding.UTF8.GetBytes(digits[..digitCount], text[at..]);
            text[at++] = (byte)'\n';
            at += Encoding.UTF8.GetBytes(bodyHex, text[at..]);
            HMACSHA256.HashData(secret, text[..at], mac);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private static bool TryParseTimestamp(string text, out long timestamp)
    {
        timestamp = 0;
        // Digits only, at most 12 (year 33658): no sign, spaces or exponent.
        if (text.Length is 0 or > 12 || text.AsSpan().ContainsAnyExceptInRange('0', '9'))
        {
            return false;
        }

        return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out timestamp);
    }
}
