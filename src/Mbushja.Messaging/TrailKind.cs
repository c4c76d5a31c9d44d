namespace Mbushja.Messaging;

/// <summary>
/// The kind of a trail line (<c>sms_events.kind</c>): every kind any feature writes is one of the instances below and
/// nothing else can be made, so <see cref="All"/> is the trail's whole vocabulary. The console tells each kind as a
/// sentence in every language it speaks, and a test holds it to that (docs/design/trail-story.md).
/// </summary>
public readonly record struct TrailKind
{
    private TrailKind(string name) => Name = name;

    /// <summary>The kind as stored and as the API's trail gives it (<c>bank.hold</c>).</summary>
    public string Name { get; }

    /// <summary>The SMS as it arrived: from, to, text, the gateway's message id.</summary>
    public static readonly TrailKind Received = new("received");

    /// <summary>
    /// The message is a try of an automatic renewal (docs/design/renewals.md), made by the sweep: the account, the period
    /// (its paid-until), the round and the try.
    /// </summary>
    public static readonly TrailKind Renewal = new("renewal");

    /// <summary>How the text was read (<c>mbushja parse</c>'s JSON): the command and its targets, or the refusal.</summary>
    public static readonly TrailKind Interpreted = new("interpreted");

    /// <summary>A control refused the message as it was recorded (a cap, a velocity limit, a SIM change): which, and its figures.</summary>
    public static readonly TrailKind Control = new("control");

    /// <summary>
    /// The top-up waits for its sender's confirmation (docs/design/confirmation.md): why (<c>amount</c>, <c>unconfirmed
    /// payments</c>), by code or PIN, the amount and until when. Nothing is held.
    /// </summary>
    public static readonly TrailKind ConfirmationRequested = new("confirmation.requested");

    /// <summary>
    /// A reply "YES 123456" read against a confirmation (<c>of</c>): <c>confirmed</c> (this message carries its top-up
    /// on), or the refusal's code (a wrong code, too late, used, or a control that refused the confirmed top-up).
    /// </summary>
    public static readonly TrailKind Confirmation = new("confirmation");

    /// <summary>On the top-up that asked: the message that confirmed it (<c>by</c>), which holds and charges.</summary>
    public static readonly TrailKind ConfirmationConfirmed = new("confirmation.confirmed");

    /// <summary>On the top-up that asked: a wrong code (<c>by</c> the message, the tries so far).</summary>
    public static readonly TrailKind ConfirmationWrongCode = new("confirmation.wrongCode");

    /// <summary>On the top-up that asked: its window passed (a late reply, or the sweep); nothing was charged.</summary>
    public static readonly TrailKind ConfirmationExpired = new("confirmation.expired");

    /// <summary>On the top-up that asked: the last wrong code closed it; nothing was charged.</summary>
    public static readonly TrailKind ConfirmationFailed = new("confirmation.failed");

    /// <summary>The ledger's hold of the total: a pending transfer from the bank's account to its clearing account.</summary>
    public static readonly TrailKind LedgerHold = new("ledger.hold");

    /// <summary>The bank's answer to the hold (held, declined), or why none came.</summary>
    public static readonly TrailKind BankHold = new("bank.hold");

    /// <summary>The bank's answer to a status query, asked when the hold got no answer.</summary>
    public static readonly TrailKind BankStatus = new("bank.status");

    /// <summary>The credits: clearing → each target.</summary>
    public static readonly TrailKind Ledger = new("ledger");

    /// <summary>The reply written, and which way it goes back (the HTTP answer or the outbound gateway).</summary>
    public static readonly TrailKind Reply = new("reply");

    /// <summary>The bank's answer to the capture.</summary>
    public static readonly TrailKind BankCapture = new("bank.capture");

    /// <summary>The ledger's post of the hold, with the capture.</summary>
    public static readonly TrailKind LedgerCapture = new("ledger.capture");

    /// <summary>The bank's answer to the void of the hold.</summary>
    public static readonly TrailKind BankVoid = new("bank.void");

    /// <summary>The ledger's void of the hold: nothing charged.</summary>
    public static readonly TrailKind LedgerVoid = new("ledger.void");

    /// <summary>A reversal asked: by whom, through which channel, why, the refund's id and amount.</summary>
    public static readonly TrailKind ReversalRequested = new("reversal.requested");

    /// <summary>The reversal's transfers: each target → the bank's settlement account.</summary>
    public static readonly TrailKind ReversalLedger = new("reversal.ledger");

    /// <summary>The bank's answer to the refund (refunded, rejected), or why none came.</summary>
    public static readonly TrailKind BankRefund = new("bank.refund");

    /// <summary>The outbound gateway took the reply.</summary>
    public static readonly TrailKind ReplySent = new("reply.sent");

    /// <summary>The outbound gateway refused the reply or did not answer: tried again later.</summary>
    public static readonly TrailKind ReplyRetry = new("reply.retry");

    /// <summary>Sending the reply was given up.</summary>
    public static readonly TrailKind ReplyFailed = new("reply.failed");

    /// <summary>The SMSC took one part of the reply (<c>submit_sm_resp</c>).</summary>
    public static readonly TrailKind ReplyPart = new("reply.part");

    /// <summary>The SMSC's delivery receipt for a part of the reply.</summary>
    public static readonly TrailKind ReplyReceipt = new("reply.receipt");

    /// <summary>Every kind, in the order a top-up's trail usually tells them.</summary>
    public static IReadOnlyList<TrailKind> All { get; } =
    [
        Received, Renewal, Interpreted, ConfirmationRequested, Confirmation, ConfirmationConfirmed, ConfirmationWrongCode, ConfirmationExpired,
        ConfirmationFailed, Control, LedgerHold, BankHold, BankStatus, Ledger, Reply, BankCapture, LedgerCapture, BankVoid, LedgerVoid,
        ReversalRequested, ReversalLedger, BankRefund, ReplySent, ReplyRetry, ReplyFailed, ReplyPart, ReplyReceipt,
    ];

    public override string ToString() => Name;
}
