using System.Diagnostics;
using System.Diagnostics.Metrics;
using Mbushja.Smpp.Pdus;

namespace Mbushja.Smpp.Session;

/// <summary>
/// SMPP metrics (meter <c>Mbushja.Smpp</c>), tagged by bind name: binds up, PDUs each way by command and status,
/// PDUs waiting to be written and received messages being handled, undecodable input, response times, timeouts,
/// throttling pauses and reconnects; and, when servers share the binds, slots held, binds waiting for one and slots
/// lost.
/// </summary>
public static class SmppMetrics
{
    public const string MeterName = "Mbushja.Smpp";

    private static readonly Meter Meter = new(MeterName);

    private static readonly UpDownCounter<long> Bound = Meter.CreateUpDownCounter<long>(
        "binds", description: "Sessions bound to an SMSC (1 per bound session).");

    private static readonly Counter<long> Pdus = Meter.CreateCounter<long>(
        "pdus", description: "PDUs sent and received, by direction, command and status.");

    private static readonly UpDownCounter<long> Queued = Meter.CreateUpDownCounter<long>(
        "outgoing.queued", description: "PDUs waiting to be written to the SMSC (at most SmppSessionOptions.MaxQueuedPdus per session).");

    private static readonly UpDownCounter<long> InboundInFlight = Meter.CreateUpDownCounter<long>(
        "inbound.in_flight", description: "Received messages being made safe (at most SmppSessionOptions.MaxInboundInFlight per session).");

    private static readonly Counter<long> DecodeErrors = Meter.CreateCounter<long>(
        "decode_errors", description: "Received octets that were no readable PDU, by the status answered.");

    private static readonly Histogram<double> ResponseTime = Meter.CreateHistogram<double>(
        "response.duration", unit: "s", description: "Time from a request to its response.");

    private static readonly Counter<long> Timeouts = Meter.CreateCounter<long>(
        "timeouts", description: "Requests without a response within the response timeout.");

    private static readonly Counter<long> Throttles = Meter.CreateCounter<long>(
        "throttled", description: "Responses ESME_RTHROTTLED or ESME_RMSGQFUL that paused submits.");

    private static readonly Counter<long> Reconnects = Meter.CreateCounter<long>(
        "reconnects", description: "Connection attempts after the first.");

    private static readonly UpDownCounter<long> SlotsHeld = Meter.CreateUpDownCounter<long>(
        "bind_slots.held", description: "Bind slots this server holds, when servers share the binds (1 per slot held).");

    private static readonly UpDownCounter<long> SlotsWaiting = Meter.CreateUpDownCounter<long>(
        "bind_slots.waiting", description: "Binds waiting for a slot that other servers hold (1 per bind waiting).");

    private static readonly Counter<long> SlotsLost = Meter.CreateCounter<long>(
        "bind_slots.lost", description: "Binds ended because their slot could not be kept (its lease was not renewed in time).");

    internal static void SlotHeld(string bind, int delta) => SlotsHeld.Add(delta, Tag("bind", bind));

    internal static void SlotWaiting(string bind, int delta) => SlotsWaiting.Add(delta, Tag("bind", bind));

    internal static void SlotLost(string bind) => SlotsLost.Add(1, Tag("bind", bind));

    internal static void BindUp(string bind) => Bound.Add(1, Tag("bind", bind));

    internal static void BindDown(string bind) => Bound.Add(-1, Tag("bind", bind));

    internal static void Pdu(string bind, string direction, Pdu pdu) =>
        Pdus.Add(1, Tag("bind", bind), Tag("direction", direction), Tag("command", pdu.CommandId.ToString()), Tag("status", pdu.CommandStatus.ToString()));

    internal static void OutgoingQueued(string bind, int delta) => Queued.Add(delta, Tag("bind", bind));

    internal static void Inbound(string bind, int delta) => InboundInFlight.Add(delta, Tag("bind", bind));

    internal static void DecodeError(string bind, CommandStatus status) => DecodeErrors.Add(1, Tag("bind", bind), Tag("status", status.ToString()));

    internal static void Response(string bind, CommandId command, long startedTimestamp) =>
        ResponseTime.Record(Stopwatch.GetElapsedTime(startedTimestamp).TotalSeconds, Tag("bind", bind), Tag("command", command.ToString()));

    internal static void Timeout(string bind, CommandId command) => Timeouts.Add(1, Tag("bind", bind), Tag("command", command.ToString()));

    internal static void Throttled(string bind) => Throttles.Add(1, Tag("bind", bind));

    internal static void Reconnect(string bind) => Reconnects.Add(1, Tag("bind", bind));

    private static KeyValuePair<string, object?> Tag(string name, object? value) => new(name, value);
}
