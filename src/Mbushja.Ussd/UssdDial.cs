namespace Mbushja.Ussd;

/// <summary>
/// What a phone sends when its user dials or answers (the aggregator's callback convention, README "USSD *101#"): the
/// code dialled, and every input of the session <c>*</c>-joined. Shared by the phones that drive the engine for people
/// (<c>mbushja phone</c>, the console's phone emulator), so both read <c>*101*1*3#</c> alike.
/// </summary>
public static class UssdDial
{
    /// <summary>
    /// A dialled string as the network reads it: <c>*101#</c> is the code with no input yet, <c>*101*1*3#</c> the code
    /// with its first answers already in it (<c>1*3</c>). Null when it is not a USSD string.
    /// </summary>
    public static (string ServiceCode, string Text)? Read(string? dialled)
    {
        string d = (dialled ?? "").Trim();
        if (d.Length < 3 || !d.StartsWith('*') || !d.EndsWith('#'))
        {
            return null;
        }

        string[] parts = d[1..^1].Split('*');
        return parts[0].Length == 0 ? null : ($"*{parts[0]}#", string.Join('*', parts[1..]));
    }

    /// <summary>The session's inputs with one more answer: what the next request's <c>text</c> carries.</summary>
    public static string Append(string inputs, string answer) => inputs.Length == 0 ? answer : inputs + "*" + answer;
}
