using Mbushja.Smpp.Pdus;

namespace Mbushja.Smpp.Session;

/// <summary>How a session binds (SMPP v3.4 §2.2): one transceiver connection, or a transmitter and a receiver.</summary>
public enum SmppBindType
{
    /// <summary>bind_transceiver (§4.1.5): submits and receives on one connection (the default).</summary>
    Transceiver,

    /// <summary>bind_transmitter (§4.1.1): submits only.</summary>
    Transmitter,

    /// <summary>bind_receiver (§4.1.3): receives only.</summary>
    Receiver,
}

/// <summary>Helpers on <see cref="SmppBindType"/>.</summary>
public static class SmppBindTypes
{
    /// <summary>True when the bind may send submit_sm and data_sm.</summary>
    public static bool CanSubmit(this SmppBindType type) => type != SmppBindType.Receiver;

    /// <summary>True when the SMSC delivers deliver_sm and data_sm on the bind.</summary>
    public static bool CanReceive(this SmppBindType type) => type != SmppBindType.Transmitter;

    /// <summary>The bind request for <paramref name="type"/>.</summary>
    internal static Bind Request(this SmppBindType type, SmppSessionOptions options) => type switch
    {
        SmppBindType.Transmitter => new BindTransmitter { SystemId = options.SystemId, Password = options.Password, SystemType = options.SystemType, AddressRange = options.AddressRange },
        SmppBindType.Receiver => new BindReceiver { SystemId = options.SystemId, Password = options.Password, SystemType = options.SystemType, AddressRange = options.AddressRange },
        _ => new BindTransceiver { SystemId = options.SystemId, Password = options.Password, SystemType = options.SystemType, AddressRange = options.AddressRange },
    };

    /// <summary>Lower-case name for logs, metrics and configuration (<c>trx</c>, <c>tx</c>, <c>rx</c>).</summary>
    public static string ShortName(this SmppBindType type) => type switch
    {
        SmppBindType.Transmitter => "tx",
        SmppBindType.Receiver => "rx",
        _ => "trx",
    };
}

/// <summary>
/// A waiting time that doubles from <paramref name="Initial"/> up to <paramref name="Max"/>, less a random share of
/// up to <paramref name="Jitter"/> of it, so that many binds that lost their SMSC together do not come back together.
/// </summary>
public sealed record Backoff(TimeSpan Initial, TimeSpan Max, double Jitter = 0.5)
{
    /// <summary>The wait before try number <paramref name="attempt"/> + 1 (0: after the first failure).</summary>
    public TimeSpan Delay(int attempt, Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        double factor = Math.Pow(2, Math.Clamp(attempt, 0, 30));
        double ceiling = Math.Min(Max.TotalMilliseconds, Initial.TotalMilliseconds * factor);
        double draw;
        lock (random)
        {
            draw = random.NextDouble();
        }

        return TimeSpan.FromMilliseconds(ceiling * (1 - (Math.Clamp(Jitter, 0, 1) * draw)));
    }
}

/// <summary>
/// One bind to an SMSC (immutable; <see cref="Default"/> holds the defaults). Lengths are checked here, so that a
/// configuration the SMSC could never accept stops the start instead of failing at every reconnect.
/// </summary>
public sealed record SmppSessionOptions
{
    public static SmppSessionOptions Default { get; } = new();

    /// <summary>The bind's name in logs and metrics (<c>smsc1</c>); never a secret.</summary>
    public string Name { get; init; } = "smsc";

    public string Host { get; init; } = "127.0.0.1";

    public int Port
    {
        get;
        init => field = value is > 0 and <= 65535 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "A TCP port is 1 to 65535.");
    } = 2775;

    /// <summary>system_id (§5.2.1): at most 15 characters.</summary>
    public string SystemId
    {
        get;
        init => field = Checked(value, 15, nameof(SystemId));
    } = string.Empty;

    /// <summary>password (§5.2.2): at most 8 characters; never logged.</summary>
    public string Password
    {
        get;
        init => field = Checked(value, 8, nameof(Password));
    } = string.Empty;

    /// <summary>system_type (§5.2.3): at most 12 characters, often empty.</summary>
    public string SystemType
    {
        get;
        init => field = Checked(value, 12, nameof(SystemType));
    } = string.Empty;

    /// <summary>address_range (§5.2.7): the addresses this ESME serves; empty for what the SMSC routes to it.</summary>
    public SmppAddress AddressRange { get; init; } = SmppAddress.Empty;

    public SmppBindType BindType { get; init; } = SmppBindType.Transceiver;

    /// <summary>Requests sent and not yet answered, at most (default 10).</summary>
    public int WindowSize
    {
        get;
        init => field = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "A window holds at least one request.");
    } = 10;

    /// <summary>
    /// PDUs waiting to be written to the SMSC, at most (default 128): queued, or handed to the socket and not yet
    /// flushed. Beyond it, whoever sends waits (a request within its response timeout, an answer while reading pauses),
    /// so an SMSC that stops reading costs this many PDUs of memory, not more. Above <see cref="WindowSize"/> plus
    /// <see cref="MaxInboundInFlight"/>, a healthy SMSC never meets it (docs/design/smpp-limits.md).
    /// </summary>
    public int MaxQueuedPdus
    {
        get;
        init => field = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "The outgoing queue holds at least one PDU.");
    } = 128;

    /// <summary>
    /// Received messages (deliver_sm, data_sm) being made safe at once, at most (default 64, above the windows SMSCs
    /// use): beyond it nothing more is read from the socket until one is answered, so TCP pushes back on the SMSC.
    /// Below the SMSC's window, reading also pauses whenever the store is slow, and responses to submits wait behind.
    /// </summary>
    public int MaxInboundInFlight
    {
        get;
        init => field = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "At least one received message is handled at a time.");
    } = 64;

    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long a request waits for its response (bind, submit_sm, enquire_link, unbind); and, before that, at most
    /// as long for room in the outgoing queue (<see cref="MaxQueuedPdus"/>).
    /// </summary>
    public TimeSpan ResponseTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>An idle link is checked with enquire_link this often (§4.11); no answer within the response timeout closes it.</summary>
    public TimeSpan EnquireLinkInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a received message may take to be made safe before it is answered ESME_RX_T_APPN (0x64) so that the
    /// SMSC tries again; well within the SMSC's own response timeout.
    /// </summary>
    public TimeSpan InboundTimeout { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>Waiting between connection attempts (default 1 s doubling to 60 s, with jitter).</summary>
    public Backoff Reconnect { get; init; } = new(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60));

    /// <summary>A session that stayed bound this long resets <see cref="Reconnect"/> to its first step.</summary>
    public TimeSpan StableAfter { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Pause of submits after ESME_RTHROTTLED (0x58) or ESME_RMSGQFUL (0x14), doubling while they go on.</summary>
    public Backoff Throttle { get; init; } = new(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30));

    public SmppCodecOptions Codec { get; init; } = SmppCodecOptions.Default;

    /// <summary><c>name (trx systemId@host:port)</c>, for logs: no password.</summary>
    public string Describe() => $"{Name} ({BindType.ShortName()} {SystemId}@{Host}:{Port})";

    // Records print every member: the password must not be one of them.
    public override string ToString() =>
        $"SmppSessionOptions {{ {Describe()}, SystemType = {SystemType}, Password = {(Password.Length == 0 ? "" : "(set)")}, WindowSize = {WindowSize}, "
        + $"MaxQueuedPdus = {MaxQueuedPdus}, MaxInboundInFlight = {MaxInboundInFlight}, ResponseTimeout = {ResponseTimeout}, EnquireLinkInterval = {EnquireLinkInterval} }}";

    private static string Checked(string value, int max, string name)
    {
        ArgumentNullException.ThrowIfNull(value, name);
        if (value.Length > max || value.Any(c => c is '\0' or > '\u007F'))
        {
            throw new ArgumentException($"{name} takes at most {max} ASCII characters.", name);
        }

        return value;
    }
}
