using Mbushja.Smpp;

namespace Mbushja.Server.Smpp;

/// <summary>How a USSD screen travels to the SMSC.</summary>
public enum SmppUssdVia
{
    /// <summary>submit_sm (SMPP v3.4 §4.4.1), the screen in short_message (message_payload when longer).</summary>
    SubmitSm,

    /// <summary>data_sm (§4.7.1), the screen in message_payload.</summary>
    DataSm,
}

/// <summary>
/// USSD over SMPP (README "SMPP (the operator's SMSC)") for the operator's SMSC variant: which ussd_service_op values
/// (SMPP v3.4 §5.3.2.44) begin a dialogue and answer a screen, which ones carry a screen that waits for an answer and
/// the last screen, how screens travel, and the code subscribers dial. The defaults are the specification's:
/// PSSR indication (1) begins, USSR confirm (18) answers, USSR request (2) asks, PSSR response (17) ends.
/// </summary>
public sealed record SmppUssdSettings
{
    public static SmppUssdSettings Default { get; } = new();

    /// <summary>False: deliver_sm with ussd_service_op are refused (ESME_RX_R_APPN) as before USSD over SMPP.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>Values that begin a dialogue: the subscriber dialled the service code.</summary>
    public IReadOnlyList<byte> Begin { get; init; } = [(byte)UssdServiceOp.PssrIndication];

    /// <summary>Values that answer the screen shown.</summary>
    public IReadOnlyList<byte> Continue { get; init; } = [(byte)UssdServiceOp.UssrConfirm];

    /// <summary>The value of a screen that waits for an answer.</summary>
    public byte Menu { get; init; } = (byte)UssdServiceOp.UssrRequest;

    /// <summary>The value of the last screen of a dialogue.</summary>
    public byte End { get; init; } = (byte)UssdServiceOp.PssrResponse;

    public SmppUssdVia Via { get; init; } = SmppUssdVia.SubmitSm;

    /// <summary>The code as the SMSC gives it (<c>*101#</c>, or <c>101</c> in destination_addr); null: the menu's own (ussd.json).</summary>
    public string? ServiceCode { get; init; }

    /// <summary>service_type of the screens (§5.2.11); some USSD gateways want <c>USSD</c>.</summary>
    public string ServiceType { get; init; } = "";

    /// <summary>What a received ussd_service_op value means here.</summary>
    public UssdStep Classify(byte operation) =>
        Begin.Contains(operation) ? UssdStep.Begin : Continue.Contains(operation) ? UssdStep.Continue : UssdStep.Unknown;

    public override string ToString() =>
        $"SmppUssdSettings {{ Enabled = {Enabled}, Begin = [{string.Join(", ", Begin)}], Continue = [{string.Join(", ", Continue)}], Menu = {Menu}, End = {End}, "
        + $"Via = {Via}, ServiceCode = {ServiceCode ?? "(menu's)"}, ServiceType = {ServiceType} }}";

    /// <summary><c>"ussd"</c> of smpp.json, as written there; every member optional.</summary>
    internal sealed record File(
        bool? Enabled, int[]? Begin, int[]? Continue, int? Menu, int? End, string? Via, string? ServiceCode, string? ServiceType);

    /// <summary>The settings a file section gives, or the reasons it cannot be used.</summary>
    internal static SmppUssdSettings From(File? file, List<string> errors, string where)
    {
        if (file is null)
        {
            return Default;
        }

        SmppUssdVia? via = file.Via switch
        {
            null or "submit_sm" => SmppUssdVia.SubmitSm,
            "data_sm" => SmppUssdVia.DataSm,
            _ => null,
        };
        if (via is null)
        {
            errors.Add($"{where}: ussd.via '{file.Via}' is not submit_sm or data_sm.");
        }

        int[] values = [.. file.Begin ?? [], .. file.Continue ?? [], file.Menu ?? 0, file.End ?? 0];
        if (values.Any(v => v is < 0 or > 255))
        {
            errors.Add($"{where}: ussd_service_op values are 0 to 255 (one octet).");
        }

        var settings = new SmppUssdSettings
        {
            Enabled = file.Enabled ?? true,
            Begin = file.Begin is { } begin ? [.. begin.Select(v => unchecked((byte)v))] : Default.Begin,
            Continue = file.Continue is { } next ? [.. next.Select(v => unchecked((byte)v))] : Default.Continue,
            Menu = file.Menu is { } menu ? unchecked((byte)menu) : Default.Menu,
            End = file.End is { } end ? unchecked((byte)end) : Default.End,
            Via = via ?? SmppUssdVia.SubmitSm,
            ServiceCode = string.IsNullOrWhiteSpace(file.ServiceCode) ? null : file.ServiceCode.Trim(),
            ServiceType = file.ServiceType ?? "",
        };
        if (settings.Begin.Count == 0 || settings.Continue.Count == 0)
        {
            errors.Add($"{where}: ussd.begin and ussd.continue each need at least one ussd_service_op value.");
        }

        if (settings.Begin.Intersect(settings.Continue).Any())
        {
            errors.Add($"{where}: a ussd_service_op value cannot both begin a dialogue and answer a screen.");
        }

        if (settings.ServiceType.Length > 5)
        {
            errors.Add($"{where}: ussd.serviceType holds at most 5 characters.");
        }

        return settings;
    }
}

/// <summary>What a received ussd_service_op asks for.</summary>
public enum UssdStep
{
    Unknown,
    Begin,
    Continue,
}
