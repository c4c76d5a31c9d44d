using Mbushja.Messaging;

namespace Mbushja.TopUp;

/// <summary>Where an inbound SMS stands (the <c>state</c> column of <c>sms_transactions</c>).</summary>
public enum TopUpState
{
    /// <summary>Valid; the bank is asked to hold the total (the ledger holds it pending, bank → clearing).</summary>
    Holding,

    /// <summary>The bank held it; the credits and the reply are committed. The capture is the bank's to confirm.</summary>
    Credited,

    /// <summary>The bank did not answer (or the credits could not be made): its hold is being released. Never credited.</summary>
    Voiding,

    /// <summary>The bank captured the hold. Final.</summary>
    Completed,

    /// <summary>Refused before any money moved: the text, the sender or a target. Final.</summary>
    Rejected,

    /// <summary>The bank declined the hold. Final.</summary>
    Declined,

    /// <summary>The hold was released; nothing was charged. Final.</summary>
    Failed,
}

/// <summary>The states' names, meanings and the moves between them: the one place the SQL takes them from.</summary>
public static class TopUpStates
{
    /// <summary>
    /// Every move a message makes, and nothing else (tested as a table). A message begins <see cref="TopUpState.Holding"/>
    /// or <see cref="TopUpState.Rejected"/>; every change of state is conditional on the state before it.
    /// </summary>
    public static readonly IReadOnlyList<(TopUpState From, TopUpState To)> Moves =
    [
        (TopUpState.Holding, TopUpState.Credited),
        (TopUpState.Holding, TopUpState.Declined),
        (TopUpState.Holding, TopUpState.Voiding),
        (TopUpState.Credited, TopUpState.Completed),
        (TopUpState.Voiding, TopUpState.Failed),
    ];

    /// <summary>
    /// How a completed top-up that a supervisor reversed is shown (lists, its page, the API's <c>state</c>): not a state
    /// of its processing, which ended completed, but what became of it after (<see cref="SmsTransaction.Reversal"/>).
    /// </summary>
    public const string Reversed = "reversed";

    /// <summary>The states a message is recorded in first.</summary>
    public static readonly IReadOnlyList<TopUpState> Initial = [TopUpState.Holding, TopUpState.Rejected];

    /// <summary>The unfinished states, as a SQL list: <c>'holding', 'credited', 'voiding'</c>.</summary>
    public static readonly string UnfinishedSql = SqlList(Enum.GetValues<TopUpState>().Where(IsUnfinished));

    /// <summary>The states whose money moved (the credits are committed), as a SQL list.</summary>
    public static readonly string ChargedSql = SqlList(Enum.GetValues<TopUpState>().Where(IsCharged));

    public static bool CanMove(TopUpState from, TopUpState to) => Moves.Contains((from, to));

    /// <summary>Waiting for the bank, under a worker's lease (the recovery sweep takes it over once the lease runs out).</summary>
    public static bool IsUnfinished(TopUpState state) => state is TopUpState.Holding or TopUpState.Credited or TopUpState.Voiding;

    /// <summary>The credits are committed: the message counts as a top-up (the capture may still be on its way).</summary>
    public static bool IsCharged(TopUpState state) => state is TopUpState.Credited or TopUpState.Completed;

    /// <summary>
    /// The answer's status for a message's state and code: a text that moved no money but did what it asked (a renewal
    /// set or stopped, <see cref="RenewalCodes"/>) is recorded rejected, so that nothing counts it as a top-up, and
    /// answered completed.
    /// </summary>
    public static TopUpStatus? StatusOf(TopUpState state, string? code) =>
        state == TopUpState.Rejected && RenewalCodes.IsDone(code) ? TopUpStatus.Completed : StatusOf(state);

    /// <summary>The answer's status for a state: credited counts as completed (the capture is the bank's to finish).</summary>
    public static TopUpStatus? StatusOf(TopUpState state) => state switch
    {
        TopUpState.Credited or TopUpState.Completed => TopUpStatus.Completed,
        TopUpState.Rejected or TopUpState.Declined => TopUpStatus.Rejected,
        TopUpState.Voiding or TopUpState.Failed => TopUpStatus.Failed,
        _ => null,
    };

    public static string ToWire(this TopUpState state) => state switch
    {
        TopUpState.Holding => "holding",
        TopUpState.Credited => "credited",
        TopUpState.Voiding => "voiding",
        TopUpState.Completed => "completed",
        TopUpState.Rejected => "rejected",
        TopUpState.Declined => "declined",
        TopUpState.Failed => "failed",
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, null),
    };

    public static TopUpState Parse(string wire) =>
        ByWire.TryGetValue(wire, out TopUpState state) ? state : throw new InvalidDataException($"Unknown message state '{wire}' in the database.");

    public static string ToWire(this TopUpStatus status) => MessageMetrics.ToWire(status.ToOutcome());

    public static MessageOutcome ToOutcome(this TopUpStatus status) => status switch
    {
        TopUpStatus.Completed => MessageOutcome.Completed,
        TopUpStatus.Rejected => MessageOutcome.Rejected,
        _ => MessageOutcome.Failed,
    };

    private static readonly Dictionary<string, TopUpState> ByWire = Enum.GetValues<TopUpState>().ToDictionary(s => s.ToWire(), StringComparer.Ordinal);

    private static string SqlList(IEnumerable<TopUpState> states) => string.Join(", ", states.Select(s => $"'{s.ToWire()}'"));
}
