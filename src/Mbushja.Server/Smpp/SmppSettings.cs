using Mbushja.Domain;
using Mbushja.Smpp;
using Mbushja.Smpp.Session;
using Mbushja.Smpp.Text;

namespace Mbushja.Server.Smpp;

/// <summary>
/// The operator's SMSC over SMPP (README "SMPP (the operator's SMSC)"): the binds, how text is coded on them, and how
/// received messages are made safe. With no binds the platform speaks no SMPP.
/// </summary>
public sealed record SmppSettings
{
    public static SmppSettings None { get; } = new();

    /// <summary>One session per entry (a transmitter + receiver pair is two entries); several for throughput and redundancy.</summary>
    public IReadOnlyList<SmppSessionOptions> Binds { get; init; } = [];

    /// <summary>GSM-7 packed or not, transliteration, how long replies are split: as the SMSC is configured (all binds).</summary>
    public SmppTextOptions Text { get; init; } = SmppTextOptions.Default;

    /// <summary>registered_delivery of replies (§5.2.17): 1 asks for a delivery receipt on the final outcome; 0 for none.</summary>
    public byte RegisteredDelivery { get; init; } = 1;

    /// <summary>
    /// How long a delivered message is remembered, so that the SMSC delivering it again (its deliver_sm_resp was lost
    /// or late) is not taken for a new message. deliver_sm names no message, so the same sender sending the same text
    /// to the same short code again within this window is taken for a repeat too (see README "SMPP").
    /// </summary>
    public TimeSpan RedeliveryWindow { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>How long the parts of a long message are waited for; then what came is handled as the message.</summary>
    public TimeSpan ReassemblyTimeout { get; init; } = ReassemblyOptions.Default.Timeout;

    /// <summary>
    /// A vendor TLV in which the SMSC gives its own id of a received message (when receipted_message_id is not used
    /// for that); part of what tells a redelivery from a new message.
    /// </summary>
    public TlvTag? MessageIdTag { get; init; }

    /// <summary>How long a reply waits for a bind that may submit before it is left to the outbox's next attempt.</summary>
    public TimeSpan WaitForBind { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a reply part is retried while the SMSC answers ESME_RTHROTTLED or ESME_RMSGQFUL.</summary>
    public TimeSpan ThrottlePatience { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>USSD over SMPP: the operator's ussd_service_op variant and how screens travel.</summary>
    public SmppUssdSettings Ussd { get; init; } = SmppUssdSettings.Default;

    /// <summary>
    /// How many binds the SMSC allows one system_id, for all servers together: the binds are shared among the servers by
    /// lease (docs/design/smpp-bind-leases.md), so that any server may die and another takes its binds over. Null (the
    /// default): one slot per configured bind, so the servers together hold each configured bind once. 0: no limit and no
    /// leases: every server binds every configured bind.
    /// </summary>
    public int? MaxBindsPerSystemId { get; init; }

    /// <summary>
    /// How long a bind slot is held without a renewal (default 30 s). A holder renews it at a third, unbinds when no
    /// renewal came through by two thirds, and its bind is gone by five sixths; a bind waiting for a slot looks again
    /// every sixth, and when the lease it waits for runs out.
    /// </summary>
    public TimeSpan BindLease { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The shortest <see cref="BindLease"/>: its renewal must have time for a few tries.</summary>
    public static readonly TimeSpan MinBindLease = TimeSpan.FromSeconds(6);

    /// <summary>True when servers share the binds by lease (<see cref="MaxBindsPerSystemId"/> is not 0).</summary>
    public bool SharesBinds => MaxBindsPerSystemId != 0;

    /// <summary>
    /// The slots <see cref="Binds"/>[<paramref name="index"/>] may take (none when binds are not shared). The slots of a
    /// system_id, 0 to <see cref="MaxBindsPerSystemId"/> - 1, are dealt in turn to its binds in the order configured, so
    /// that every bind has its share: with binds A, B and a limit of 5, A may take slots 0, 2, 4 and B slots 1, 3. Each
    /// server holds at most one slot per bind, so the servers together hold at most the limit.
    /// </summary>
    public IReadOnlyList<int> SlotsOf(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Binds.Count);
        if (!SharesBinds)
        {
            return [];
        }

        string systemId = Binds[index].SystemId;
        int turn = Binds.Take(index).Count(b => b.SystemId == systemId);
        int binds = Binds.Count(b => b.SystemId == systemId);
        int slots = MaxBindsPerSystemId ?? binds;
        return [.. Enumerable.Range(0, slots).Where(slot => slot % binds == turn)];
    }

    /// <summary>What makes the binds and their limit unusable together, one line each (empty when they are fine).</summary>
    public IReadOnlyList<string> BindLimitErrors()
    {
        var errors = new List<string>();
        if (MaxBindsPerSystemId is < 0)
        {
            errors.Add("SMPP: the binds allowed per system_id must be 0 (no limit) or more.");
        }

        if (BindLease < MinBindLease)
        {
            errors.Add($"SMPP: a bind lease lasts at least {MinBindLease.TotalSeconds:0} seconds.");
        }

        if (MaxBindsPerSystemId is > 0 and int max)
        {
            errors.AddRange(Binds.GroupBy(b => b.SystemId, StringComparer.Ordinal).Where(g => g.Count() > max).Select(g =>
                $"SMPP: {g.Count()} binds for system_id '{g.Key}' ({string.Join(", ", g.Select(b => b.Name))}; a pair is two), but the SMSC allows "
                + $"{max}: name at most {max}, or raise the binds allowed per system_id."));
        }

        return errors;
    }

    /// <summary>
    /// Every bind with the same limits on what its session holds (docs/design/smpp-limits.md): PDUs waiting to be
    /// written (<c>--smpp-max-queued-pdus</c>) and received messages handled at once (<c>--smpp-max-inbound-in-flight</c>).
    /// </summary>
    public SmppSettings WithSessionLimits(int maxQueuedPdus, int maxInboundInFlight) =>
        this with { Binds = [.. Binds.Select(b => b with { MaxQueuedPdus = maxQueuedPdus, MaxInboundInFlight = maxInboundInFlight })] };

    /// <summary>How often long messages past their timeout and old redelivery keys are looked for.</summary>
    public TimeSpan SweepInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The binds (by name) whose password is written in their URL, where others may read it (every user of the machine
    /// reads a command line): the server warns about each at start.
    /// </summary>
    public IReadOnlyList<string> PasswordsInUrls { get; init; } = [];

    /// <summary>Whether an <c>smpp://</c> URL carries a password (<c>systemId:password@host</c>, an empty one too).</summary>
    public static bool HasPasswordInUrl(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out Uri? uri) && uri.UserInfo.Contains(':', StringComparison.Ordinal);

    /// <summary>
    /// The environment as <see cref="ParseBind"/> reads it, with the password of a file (<c>--smsc-password-file</c>)
    /// in the place of <see cref="PasswordVariable"/>; a bind's own <see cref="PasswordVariable"/>_<c>SYSTEMID</c> still
    /// comes first.
    /// </summary>
    public static Func<string, string?> WithPasswordFile(Func<string, string?> environment, string? password) =>
        password is null ? environment : name => name == PasswordVariable ? password : environment(name);

    /// <summary>The environment variable that gives the password of binds whose URL has none.</summary>
    public const string PasswordVariable = "MBUSHJA_SMPP_PASSWORD";

    /// <summary>
    /// The sessions of one <c>--smsc</c> URL, <c>smpp://systemId@host:port</c>, with optional query settings:
    /// <c>bind=trx|pair|tx|rx</c> (a transceiver, or a transmitter and a receiver), <c>window=10</c>,
    /// <c>system_type=...</c>, <c>name=...</c> (for logs and metrics; default <c>smsc</c>N). The password comes from
    /// <see cref="PasswordVariable"/>_<c>SYSTEMID</c>, then <see cref="PasswordVariable"/> (or the file
    /// <see cref="WithPasswordFile"/> puts there); one written in the URL (<c>systemId:password@</c>) comes first, and
    /// the server warns about it (<see cref="PasswordsInUrls"/>).
    /// Never throws: a URL that cannot be used gives the reason, which never shows the password.
    /// </summary>
    public static (IReadOnlyList<SmppSessionOptions> Binds, string? Error) ParseBind(string url, int index, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(url);
        ArgumentNullException.ThrowIfNull(environment);
        if (!Uri.TryCreate(url, UriKind.Absolute, out Uri? uri) || uri.Scheme != "smpp" || uri.Host.Length == 0 || uri.UserInfo.Length == 0)
        {
            return ([], "--smsc must be smpp://systemId@host:port (the password from " + PasswordVariable + " or --smsc-password-file).");
        }

        string[] user = uri.UserInfo.Split(':', 2);
        string systemId = Uri.UnescapeDataString(user[0]);
        string? password = user.Length > 1 ? Uri.UnescapeDataString(user[1]) : null;
        password ??= environment(PasswordVariable + "_" + systemId.ToUpperInvariant()) ?? environment(PasswordVariable);
        if (password is null)
        {
            return ([], $"--smsc for system_id '{systemId}' at {uri.Host}: no password in {PasswordVariable}_{systemId.ToUpperInvariant()}, {PasswordVariable} or --smsc-password-file.");
        }

        var query = System.Web.HttpUtility.ParseQueryString(uri.Query);
        string name = query["name"] is { Length: > 0 } given ? given : "smsc" + (index + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
        int window = SmppSessionOptions.Default.WindowSize;
        if (query["window"] is { } windowText
            && !(int.TryParse(windowText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out window) && window >= 1))
        {
            return ([], $"--smsc {name}: window={windowText} is not a number of requests from 1 up.");
        }

        try
        {
            var options = new SmppSessionOptions
            {
                Name = name,
                Host = uri.Host,
                Port = uri.IsDefaultPort || uri.Port <= 0 ? 2775 : uri.Port,
                SystemId = systemId,
                Password = password,
                SystemType = query["system_type"] ?? "",
                WindowSize = window,
            };
            return (query["bind"] ?? "trx") switch
            {
                "trx" => ([options], null),
                "tx" => ([options with { BindType = SmppBindType.Transmitter }], null),
                "rx" => ([options with { BindType = SmppBindType.Receiver }], null),
                "pair" => ([options with { Name = name + "-tx", BindType = SmppBindType.Transmitter }, options with { Name = name + "-rx", BindType = SmppBindType.Receiver }], null),
                string other => ([], $"--smsc {name}: bind={other} is not trx, pair, tx or rx."),
            };
        }
        catch (ArgumentException e)
        {
            // The message names the field and its limit; it never holds the value.
            return ([], $"--smsc {name}: {e.Message.ReplaceLineEndings(" ")}");
        }
    }

    /// <summary>The file in the operator's configuration folder that may name the SMSC binds, as <c>--smsc</c> does.</summary>
    public const string FileName = "smpp.json";

    /// <summary>
    /// The SMPP settings in <see cref="FileName"/> of the operator's configuration folder, or null when there is none:
    /// <c>{"binds": ["smpp://systemId@host:port?bind=pair", ...], "longMessages": "udh8", "gsm7Packed": false,
    /// "transliterate": false, "registeredDelivery": 1, "redeliveryWindowSeconds": 600, "maxBindsPerSystemId": 2,
    /// "bindLeaseSeconds": 30, "maxQueuedPdus": 128, "maxInboundInFlight": 64, "ussd": {"begin": [1], "continue": [18],
    /// "menu": 2, "end": 17, "via": "submit_sm", "serviceCode": "*101#", "serviceType": ""}}</c>, passwords as for
    /// <c>--smsc</c> (best from the environment: the file is no place for them). Every mistake is reported at once
    /// (<see cref="ConfigurationException"/>), without a password.
    /// </summary>
    public static SmppSettings? Load(string directory, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(directory);
        string path = Path.Combine(directory, FileName);
        if (!File.Exists(path))
        {
            return null;
        }

        SmppFile? file;
        try
        {
            using FileStream stream = File.OpenRead(path);
            file = System.Text.Json.JsonSerializer.Deserialize<SmppFile>(stream, FileOptions);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Text.Json.JsonException)
        {
            throw new ConfigurationException([$"{FileName}: {e.Message}"]);
        }

        var errors = new List<string>();
        var binds = new List<SmppSessionOptions>();
        var passwordsInUrls = new List<string>();
        string[] urls = file?.Binds ?? [];
        if (urls.Length == 0)
        {
            errors.Add($"{FileName}: binds: name at least one smpp:// URL.");
        }

        for (int i = 0; i < urls.Length; i++)
        {
            (IReadOnlyList<SmppSessionOptions> parsed, string? error) = ParseBind(urls[i], i, environment);
            if (error is not null)
            {
                errors.Add($"{FileName}: binds[{i}]: {error}");
            }

            binds.AddRange(parsed);
            if (HasPasswordInUrl(urls[i]))
            {
                passwordsInUrls.AddRange(parsed.Select(b => b.Name));
            }
        }

        LongMessageMode? mode = LongMessagesMode(file?.LongMessages ?? "udh8");
        if (mode is null)
        {
            errors.Add($"{FileName}: longMessages '{file?.LongMessages}' is not udh8, udh16, sar or payload.");
        }

        if (file?.RegisteredDelivery is < 0 or > 255)
        {
            errors.Add($"{FileName}: registeredDelivery must be 0 to 255.");
        }

        if (file?.RedeliveryWindowSeconds is < 1)
        {
            errors.Add($"{FileName}: redeliveryWindowSeconds must be at least 1.");
        }

        if (file?.MaxBindsPerSystemId is < 0)
        {
            errors.Add($"{FileName}: maxBindsPerSystemId must be 0 (no limit) or more.");
        }

        if (file?.BindLeaseSeconds is { } lease && lease < MinBindLease.TotalSeconds)
        {
            errors.Add($"{FileName}: bindLeaseSeconds must be at least {MinBindLease.TotalSeconds:0}.");
        }

        if (file?.MaxQueuedPdus is < 1)
        {
            errors.Add($"{FileName}: maxQueuedPdus must be at least 1.");
        }

        if (file?.MaxInboundInFlight is < 1)
        {
            errors.Add($"{FileName}: maxInboundInFlight must be at least 1.");
        }

        SmppUssdSettings ussd = SmppUssdSettings.From(file?.Ussd, errors, FileName);
        if (errors.Count == 0)
        {
            var limited = new SmppSettings { Binds = binds, MaxBindsPerSystemId = file?.MaxBindsPerSystemId };
            errors.AddRange(limited.BindLimitErrors().Select(e => $"{FileName}: {e["SMPP: ".Length..]}"));
        }

        if (errors.Count > 0)
        {
            throw new ConfigurationException(errors);
        }

        return new SmppSettings
        {
            Binds = binds,
            Text = SmppTextOptions.Default with
            {
                LongMessages = mode!.Value,
                Gsm7Packed = file!.Gsm7Packed ?? false,
                Transliterate = file.Transliterate ?? false,
            },
            RegisteredDelivery = (byte)(file.RegisteredDelivery ?? 1),
            RedeliveryWindow = file.RedeliveryWindowSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : None.RedeliveryWindow,
            MaxBindsPerSystemId = file.MaxBindsPerSystemId,
            BindLease = file.BindLeaseSeconds is { } leaseSeconds ? TimeSpan.FromSeconds(leaseSeconds) : None.BindLease,
            Ussd = ussd,
            PasswordsInUrls = passwordsInUrls,
        }.WithSessionLimits(
            file.MaxQueuedPdus ?? SmppSessionOptions.Default.MaxQueuedPdus,
            file.MaxInboundInFlight ?? SmppSessionOptions.Default.MaxInboundInFlight);
    }

    /// <summary>How long replies leave, by its name in options and files: udh8, udh16, sar, payload.</summary>
    public static LongMessageMode? LongMessagesMode(string name) => name switch
    {
        "udh8" => LongMessageMode.Udh8,
        "udh16" => LongMessageMode.Udh16,
        "sar" => LongMessageMode.Sar,
        "payload" => LongMessageMode.MessagePayload,
        _ => null,
    };

    private static readonly System.Text.Json.JsonSerializerOptions FileOptions = new()
    {
        PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.CamelCase,
        ReadCommentHandling = System.Text.Json.JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow,
    };

    private sealed record SmppFile(
        string[]? Binds,
        string? LongMessages,
        bool? Gsm7Packed,
        bool? Transliterate,
        int? RegisteredDelivery,
        int? RedeliveryWindowSeconds,
        int? MaxBindsPerSystemId,
        int? BindLeaseSeconds,
        int? MaxQueuedPdus,
        int? MaxInboundInFlight,
        SmppUssdSettings.File? Ussd);

    /// <summary>Without passwords: records print every member.</summary>
    public override string ToString() =>
        $"SmppSettings {{ Binds = [{string.Join(", ", Binds.Select(b => b.Describe()))}], LongMessages = {Text.LongMessages}, Gsm7Packed = {Text.Gsm7Packed}, "
        + $"Transliterate = {Text.Transliterate}, RegisteredDelivery = {RegisteredDelivery}, RedeliveryWindow = {RedeliveryWindow}, "
        + $"MaxBindsPerSystemId = {DescribeLimit()}, BindLease = {BindLease}, Ussd = {Ussd} }}";

    /// <summary>The bind limit in words: <c>one per configured bind</c>, <c>no limit</c>, or the number.</summary>
    public string DescribeLimit() => MaxBindsPerSystemId switch
    {
        null => "one per configured bind",
        0 => "no limit",
        int max => max.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
