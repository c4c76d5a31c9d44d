namespace Mbushja.Sms;

/// <summary>
/// A bank's automatic renewals (the <c>"renewal"</c> object of <c>banks/&lt;CODE&gt;.json</c>; README "Automatic
/// renewal"): the SMS words that set and stop one, how many days before the due date the reminder goes, and how often a
/// declined renewal is tried before it is reported. A bank file without the object gets <see cref="Default"/>.
/// </summary>
public sealed record RenewalSettings
{
    public static RenewalSettings Default { get; } = new();

    /// <summary>Whether the bank offers renewals at all; when not, its AUTO words are read as any other text.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>The words before a package payment's text that set its renewal (<c>AUTO internet drita</c>).</summary>
    public IReadOnlyList<string> Start { get; init; } = ["AUTO"];

    /// <summary>The words that stop one (<c>STOP AUTO internet drita</c>), or all of the sender's at the bank when alone.</summary>
    public IReadOnlyList<string> Stop { get; init; } = ["STOP", "AUTO"];

    /// <summary>Days before the due date (operator-local) on whose first moment the reminder goes out.</summary>
    public int ReminderDays { get; init; } = 3;

    /// <summary>Tries of one period's renewal that the bank may decline before it is reported and left until the next.</summary>
    public int Attempts { get; init; } = 3;

    /// <summary>The wait between a declined try and the next.</summary>
    public TimeSpan RetryAfter { get; init; } = TimeSpan.FromHours(6);

    /// <summary>The start words as written in the reply texts.</summary>
    public string StartText => string.Join(' ', Start);

    /// <summary>The stop words as written in the reply texts.</summary>
    public string StopText => string.Join(' ', Stop);

    /// <summary>Reads the object of a bank file; each mistake is added to <paramref name="errors"/> with <paramref name="where"/>.</summary>
    internal static RenewalSettings Read(RenewalFile? file, string where, List<string> errors)
    {
        if (file is null)
        {
            return Default;
        }

        string[]? start = Words(file.Start, "start");
        string[]? stop = Words(file.Stop, "stop");
        if (start is not null && stop is not null && StartsWith(start, stop))
        {
            // The stop words are read first (docs/design/renewals.md): a start that begins with them would never be read.
            errors.Add($"{where}: renewal.start must not begin with the words of renewal.stop: every start would read as a stop.");
        }

        if (file.ReminderDays is < 1 or > 28)
        {
            errors.Add($"{where}: renewal.reminderDays must be 1 to 28.");
        }

        if (file.Attempts is < 1 or > 10)
        {
            errors.Add($"{where}: renewal.attempts must be 1 to 10.");
        }

        if (file.RetryHours is < 1 or > 24)
        {
            errors.Add($"{where}: renewal.retryHours must be 1 to 24 (every try falls on the due date or the day after).");
        }

        return new RenewalSettings
        {
            Enabled = file.Enabled ?? Default.Enabled,
            Start = start ?? Default.Start,
            Stop = stop ?? Default.Stop,
            ReminderDays = file.ReminderDays ?? Default.ReminderDays,
            Attempts = file.Attempts ?? Default.Attempts,
            RetryAfter = file.RetryHours is { } hours ? TimeSpan.FromHours(hours) : Default.RetryAfter,
        };

        string[]? Words(string? text, string name)
        {
            if (text is null)
            {
                return null;
            }

            string[] words = SmsInterpreter.Tokens(text);
            if (words.Length == 0 || words.Any(w => !w.All(char.IsLetter)))
            {
                errors.Add($"{where}: renewal.{name} must be one or more words of letters.");
                return null;
            }

            return words;
        }
    }

    /// <summary>Whether <paramref name="tokens"/> begins with <paramref name="words"/>, ignoring case.</summary>
    internal static bool StartsWith(IReadOnlyList<string> tokens, IReadOnlyList<string> words) =>
        tokens.Count >= words.Count && words.Select((w, i) => string.Equals(tokens[i], w, StringComparison.OrdinalIgnoreCase)).All(same => same);

    internal sealed record RenewalFile(bool? Enabled, string? Start, string? Stop, int? ReminderDays, int? Attempts, int? RetryHours);
}

/// <summary>What a renewal text asks: to set a package's renewal, or to stop one (or all of the sender's, with no target).</summary>
public enum RenewalAction
{
    Start,
    Stop,
}

/// <summary>
/// A text that begins with a bank's renewal words, read: the action, and what follows the words read by the bank's own
/// grammar (<see cref="Payment"/>; null for a bare stop), which must be a payment of one service account's package.
/// </summary>
/// <param name="Text">What follows the words, as the bank's grammar reads it: the text a renewal sends on the due date.</param>
public sealed record RenewalReading(Bank Bank, RenewalAction Action, string Text, SmsInterpretation? Payment)
{
    /// <summary>The one target, when the payment reads as one service account's package (no amount, not a mobile number).</summary>
    public TopUpTarget? Package => Payment is { Ok: true, Command: { Kind: not TargetKind.Mobile, Targets: [{ Amount: null } target] } } ? target : null;

    /// <summary>The kind of account the payment names.</summary>
    public TargetKind? Kind => Payment?.Command?.Kind;
}
