using System.Text.RegularExpressions;

namespace Mbushja.Testing;

/// <summary>What a test reads from a confirmation request's reply (README "Confirmation above a threshold").</summary>
public static partial class ConfirmationReplies
{
    /// <summary>The one-time code the reply asks the sender to send back; an exception naming the reply when it has none.</summary>
    public static string CodeOf(string reply) =>
        Code().Match(reply) is { Success: true } m ? m.Value : throw new InvalidOperationException("No confirmation code in: " + reply);

    [GeneratedRegex(@"\b\d{6}\b")]
    private static partial Regex Code();
}
