namespace Mbushja.TopUp;

/// <summary>
/// The codes of confirmations: the stable <c>code</c> of a message's answer (status <c>rejected</c>: nothing was charged
/// by that message) and the refusals that make the processor decide a message again.
/// </summary>
public static class ConfirmationCodes
{
    /// <summary>The top-up waits for its sender's confirmation; the reply asks for it.</summary>
    public const string Required = "CONFIRMATION_REQUIRED";

    /// <summary>A confirmation, but nothing of the sender's waits for one at that short code.</summary>
    public const string NonePending = "NO_CONFIRMATION_PENDING";

    /// <summary>A confirmation after the window: the top-up is cancelled.</summary>
    public const string Expired = "CONFIRMATION_EXPIRED";

    /// <summary>A wrong code (or PIN); tries are left.</summary>
    public const string WrongCode = "WRONG_CONFIRMATION_CODE";

    /// <summary>The last wrong code: the top-up is cancelled.</summary>
    public const string Failed = "CONFIRMATION_FAILED";

    /// <summary>The confirmation was used already (a second reply with the code).</summary>
    public const string Used = "CONFIRMATION_USED";

    /// <summary>The bank asks for a PIN and the sender has none set.</summary>
    public const string PinNotSet = "PIN_NOT_SET";

    /// <summary>A PIN set through the API that is not 4 to 8 digits.</summary>
    public const string InvalidPin = "INVALID_PIN";

    /// <summary>Refusal of a record: the payment would pass the count or sum allowed unconfirmed (it asks for a confirmation instead).</summary>
    internal const string LimitReached = "CONFIRMATION_LIMIT";

    /// <summary>Refusal of a record: the confirmation changed since it was read (another message, another server).</summary>
    internal const string Changed = "CONFIRMATION_CHANGED";

    /// <summary>Whether a refused record is decided again: the refusal came from what changed after the decision.</summary>
    internal static bool DecideAgain(string code) => code is LimitReached or Changed;
}

/// <summary>The keys of the confirmation replies in <c>sms-replies.json</c> (each in sq, en and sr).</summary>
public static class ConfirmationTexts
{
    public const string Request = "confirm.request";
    public const string RequestPin = "confirm.request.pin";
    public const string None = "confirm.none";
    public const string Expired = "confirm.expired";
    public const string Wrong = "confirm.wrong";
    public const string Failed = "confirm.failed";
    public const string Used = "confirm.used";
    public const string Superseded = "confirm.superseded";
    public const string NoPin = "confirm.noPin";

    public static readonly IReadOnlyList<string> Keys = [Request, RequestPin, None, Expired, Wrong, Failed, Used, Superseded, NoPin];
}
