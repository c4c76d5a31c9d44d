using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Mbushja.TopUp;

/// <summary>
/// The one-time codes and PINs of confirmations: codes drawn from the system's cryptographic generator, and both kept
/// only as salted PBKDF2-SHA256 hashes (<c>pbkdf2-sha256$iterations$salt$hash</c>), compared in constant time. A code
/// lives minutes and allows a few tries, so it takes fewer iterations than a PIN, which lives for years.
/// </summary>
public static class ConfirmationSecrets
{
    /// <summary>Digits of a one-time code: a million codes against at most 10 tries.</summary>
    public const int CodeDigits = 6;

    public const int CodeIterations = 10_000;

    public const int PinIterations = 100_000;

    private const string Scheme = "pbkdf2-sha256";

    /// <summary>A new one-time code: <see cref="CodeDigits"/> random digits.</summary>
    public static string NewCode() => RandomNumberGenerator.GetInt32(0, 1_000_000).ToString("D6", CultureInfo.InvariantCulture);

    /// <summary>Whether <paramref name="pin"/> may be a PIN: 4 to 8 digits.</summary>
    public static bool IsPin(string? pin) => pin is { Length: >= 4 and <= 8 } && pin.All(char.IsAsciiDigit);

    /// <summary>The salted hash of a secret, as stored.</summary>
    public static string Hash(string secret, int iterations)
    {
        ArgumentNullException.ThrowIfNull(secret);
        byte[] salt = RandomNumberGenerator.GetBytes(16);
        byte[] hash = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(secret), salt, iterations, HashAlgorithmName.SHA256, 32);
        return string.Join('$', Scheme, iterations.ToString(CultureInfo.InvariantCulture), Convert.ToBase64String(salt), Convert.ToBase64String(hash));
    }

    /// <summary>Whether <paramref name="secret"/> is the one <paramref name="stored"/> was made from; false for anything malformed.</summary>
    public static bool Verify(string? secret, string? stored)
    {
        string[] parts = (stored ?? "").Split('$');
        if (secret is null || parts.Length != 4 || parts[0] != Scheme
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int iterations) || iterations is < 1 or > 10_000_000)
        {
            return false;
        }

        try
        {
            byte[] salt = Convert.FromBase64String(parts[2]);
            byte[] expected = Convert.FromBase64String(parts[3]);
            byte[] actual = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(secret), salt, iterations, HashAlgorithmName.SHA256, expected.Length);
            return CryptographicOperations.FixedTimeEquals(actual, expected);
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
