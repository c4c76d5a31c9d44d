using System.Diagnostics.Metrics;

namespace Mbushja.Messaging;

/// <summary>How a message from a subscriber ended, as counted (the answer's status of SMS Top Up and USSD alike).</summary>
public enum MessageOutcome
{
    Completed,
    Rejected,
    Failed,
}

/// <summary>Messages handled, by channel, bank, outcome and code (<c>mbushja.messages</c>), for operators' dashboards.</summary>
public static class MessageMetrics
{
    public const string MeterName = "Mbushja";

    private static readonly Meter Meter = new(MeterName);

    private static readonly Counter<long> Messages = Meter.CreateCounter<long>(
        "messages", unit: "{message}", description: "Messages handled, by channel (sms, ussd), bank, outcome (completed, rejected, failed) and code.");

    /// <summary>
    /// One message handled, once, when its answer is decided. <paramref name="bank"/> is the bank's code, or empty when
    /// the message never reached one (an unknown short code, USSD paid from credit); <paramref name="code"/> the
    /// refusal's stable code, empty for a success.
    /// </summary>
    public static void Message(string channel, string? bank, MessageOutcome outcome, string? code) =>
        Messages.Add(1, new("channel", channel), new("bank", bank ?? ""), new("outcome", ToWire(outcome)), new("code", code ?? ""));

    public static string ToWire(MessageOutcome outcome) => outcome switch
    {
        MessageOutcome.Completed => "completed",
        MessageOutcome.Rejected => "rejected",
        _ => "failed",
    };
}
