using System.Text;

namespace Mbushja.Banks.Connector;

/// <summary>Where a bank's connector API is and the secret it shares with the platform. <see cref="ToString"/> leaves the secret out.</summary>
public sealed class BankEndpoint
{
    /// <summary>The shortest secret accepted: 16 bytes of a good random source, or a longer passphrase.</summary>
    public const int MinSecretLength = 16;

    public BankEndpoint(string code, Uri baseUrl, string secret)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(code);
        ArgumentNullException.ThrowIfNull(baseUrl);
        ArgumentNullException.ThrowIfNull(secret);
        if (!baseUrl.IsAbsoluteUri || (baseUrl.Scheme != Uri.UriSchemeHttp && baseUrl.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException($"The base URL of bank {code} must be an absolute http(s) URL.", nameof(baseUrl));
        }

        if (secret.Length < MinSecretLength)
        {
            throw new ArgumentException($"The secret of bank {code} must have at least {MinSecretLength} characters.", nameof(secret));
        }

        Code = code;
        // Relative paths resolve below the base only when it ends with '/'.
        BaseUrl = baseUrl.AbsoluteUri.EndsWith('/') ? baseUrl : new Uri(baseUrl.AbsoluteUri + "/");
        Key = Encoding.UTF8.GetBytes(secret);
    }

    public string Code { get; }

    /// <summary>The API's base, ending with '/': <c>https://bank.example/mbushja/v1/</c>.</summary>
    public Uri BaseUrl { get; }

    /// <summary>The secret as the HMAC key (UTF-8).</summary>
    internal byte[] Key { get; }

    public override string ToString() => $"{Code} at {BaseUrl}";
}

/// <summary>How the HTTP connector calls banks. Immutable; start from <see cref="Default"/>.</summary>
public sealed record BankConnectorOptions
{
    public static BankConnectorOptions Default { get; } = new();

    /// <summary>How long one attempt may take, from connecting to the last byte of the answer.</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Attempts per call, the first included (1 = no retry).</summary>
    public int MaxAttempts { get; init; } = 3;

    /// <summary>The base of the exponential backoff between attempts (jittered).</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>The longest wait between two attempts.</summary>
    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Open connections per bank at most; calls beyond it wait for a free one. An HTTP/1.1 connection carries one call
    /// at a time, so a bank answering in 50 ms at 2,000 top-ups/s (a hold and a capture each) needs some 200 of them
    /// plus what waits in this server's queues: 256 was measured to cap that load at about 1,850/s.
    /// </summary>
    public int MaxConnectionsPerBank { get; init; } = 1024;

    /// <summary>The largest answer read; a bigger one is malformed.</summary>
    public int MaxAnswerBytes { get; init; } = 64 * 1024;
}
