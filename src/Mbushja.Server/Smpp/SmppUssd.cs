using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Mbushja.Domain;
using Mbushja.Smpp;
using Mbushja.Smpp.Pdus;
using Mbushja.Smpp.Session;
using Mbushja.Smpp.Text;
using Mbushja.Ussd;
using Microsoft.Extensions.Logging;

namespace Mbushja.Server.Smpp;

/// <summary>
/// USSD over SMPP, on the same engine as <c>POST /ussd</c>: each dialogue the SMSC names is one session of
/// <see cref="UssdService"/>, driven by the answers it has taken as an aggregator's <c>text</c> drives it.
/// </summary>
/// <remarks>
/// A step is acknowledged once durable, screens go straight to the SMSC, and a repeat is told from the next answer by
/// whether the SMSC accepted the step's screen (docs/design/smpp-delivery.md, "USSD over SMPP").
/// </remarks>
public sealed partial class SmppUssd(
    UssdService ussd,
    UssdEngine engine,
    OperatorConfig config,
    SmppUssdDialogues dialogues,
    SmppClientGroup binds,
    SmppSettings settings,
    ILogger<SmppUssd> logger) : ISmppUssdHandler
{
    /// <summary>Screens of steps taken, waiting for the deliver_sm_resp to be queued before them.</summary>
    private readonly ConcurrentDictionary<Pdu, Screen> _screens = new(ReferenceEqualityComparer.Instance);

    /// <summary>Screens on their way to the SMSC from this server, by dialogue and step; done once accepted (and recorded) or not.</summary>
    private readonly ConcurrentDictionary<string, Task> _sending = new(StringComparer.Ordinal);

    private SmppUssdSettings Options => settings.Ussd;

    private string MenuServiceCode => engine.Menu.Settings.ServiceCode;

    public async ValueTask<CommandStatus> OnUssdAsync(SmppSession session, Pdu message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        (TlvList tlvs, InboundPart part) = message switch
        {
            DeliverSm d => (d.Tlvs, InboundPart.From(d, settings.Text)),
            DataSm d => (d.Tlvs, InboundPart.From(d, settings.Text)),
            _ => throw new ArgumentException($"{message.CommandId} carries no message.", nameof(message)),
        };
        byte operation = (byte)tlvs.UssdServiceOp!.Value;
        string masked = Numbering.Mask(part.Source.Address);
        if (tlvs.ItsSessionInfo is not { } info)
        {
            LogRefused(logger, masked, operation, new LogText("no its_session_info"));
            return CommandStatus.MissingOptionalParameter;
        }

        UssdStep step = Options.Classify(operation);
        if (step == UssdStep.Unknown)
        {
            LogRefused(logger, masked, operation, new LogText("a ussd_service_op this operator's variant does not use"));
            return CommandStatus.InvalidOptionalParameterValue;
        }

        var reply = new ReplyTo(part.Source, part.Destination, info);
        string dialogueKey = string.Create(
            CultureInfo.InvariantCulture, $"{(byte)part.Source.Ton}/{(byte)part.Source.Npi}/{part.Source.Address}#{info.SessionNumber}");
        string key = Fingerprint(operation, info, part);
        SmppUssdDialogue? dialogue = await dialogues.GetAsync(dialogueKey, cancellationToken);
        if (dialogue is { Accepted: false } && dialogue.LastKey == key
            && _sending.TryGetValue(Sending(dialogueKey, dialogue.Version), out Task? sending))
        {
            // Its screen is on its way from this server: whether the SMSC takes it decides what this delivery is.
            await sending.WaitAsync(cancellationToken);
            dialogue = await dialogues.GetAsync(dialogueKey, cancellationToken);
        }

        if (dialogue is { Accepted: false } && dialogue.LastKey == key)
        {
            // Delivered again before its screen got through: the step is taken; its screen goes again.
            LogRepeat(logger, masked, info.SessionNumber);
            _screens[message] = new Screen(reply, dialogue.Response, dialogue.DialogueKey, dialogue.Version);
            return CommandStatus.Ok;
        }

        string sessionId;
        string history;
        if (step == UssdStep.Begin)
        {
            if (Dialled(part) is not { } inputs)
            {
                LogRefused(logger, masked, operation, new LogText($"not the service code {Options.ServiceCode ?? MenuServiceCode}"));
                return CommandStatus.InvalidDestinationAddress;
            }

            sessionId = "smpp-" + Guid.CreateVersion7().ToString("N");
            history = inputs;
        }
        else if (dialogue is null)
        {
            // No dialogue to go on with (unknown here, or long over): nothing to take.
            LogNoDialogue(logger, masked, info.SessionNumber);
            if (!info.EndOfSession)
            {
                _screens[message] = new Screen(reply, "END " + engine.RenderEnd(engine.Menu.Text("end.ended", config.DefaultLanguage, ("code", MenuServiceCode))), null, 0);
            }

            return CommandStatus.Ok;
        }
        else if (info.EndOfSession)
        {
            // The subscriber (or the network) left the dialogue: nothing to answer, and nothing more is taken in it.
            return await dialogues.SaveAsync(dialogue with { LastKey = key, Ended = true }, dialogue.Version, cancellationToken) is null
                ? CommandStatus.ReceiverTemporaryAppError
                : CommandStatus.Ok;
        }
        else
        {
            sessionId = dialogue.SessionId;
            string input = part.Text.Trim();
            history = dialogue.History.Length == 0 ? input : dialogue.History + "*" + input;
        }

        UssdOutcome outcome = await ussd.HandleAsync(new UssdRequest(sessionId, MenuServiceCode, Sender(part.Source), history), cancellationToken);
        if (outcome.Body is not { } body)
        {
            LogRefused(logger, masked, operation, new LogText($"{outcome.Refusal?.Code}: {outcome.Refusal?.Message}"));
            return outcome.Field == "phoneNumber" ? CommandStatus.InvalidSourceAddress : CommandStatus.ReceiverRejectMessage;
        }

        var taken = new SmppUssdDialogue(dialogueKey, sessionId, history, key, body, body.StartsWith("END ", StringComparison.Ordinal), false, 0, default);
        if (await dialogues.SaveAsync(taken, dialogue?.Version, cancellationToken) is not { } version)
        {
            // Another delivery moved the dialogue meanwhile: the SMSC tries again, and finds where it stands.
            return CommandStatus.ReceiverTemporaryAppError;
        }

        _screens[message] = new Screen(reply, body, dialogueKey, version);
        return CommandStatus.Ok;
    }

    public void OnAnswered(SmppSession session, Pdu message, CommandStatus status)
    {
        if (_screens.TryRemove(message, out Screen? screen) && status == CommandStatus.Ok)
        {
            string? sending = screen.DialogueKey is { } key ? Sending(key, screen.Version) : null;
            Task send = SendAsync(session, screen);
            if (sending is not null && !send.IsCompleted)
            {
                _sending[sending] = send;
                _ = send.ContinueWith(_ => _sending.TryRemove(sending, out Task? _), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }
        }
    }

    private static string Sending(string dialogueKey, long version) => string.Create(CultureInfo.InvariantCulture, $"{dialogueKey}@{version}");

    /// <summary>The screen, on the session the answer went by when it may submit (see the class remarks), else on any bind.</summary>
    private async Task SendAsync(SmppSession session, Screen screen)
    {
        bool ends = !screen.Body.StartsWith("CON ", StringComparison.Ordinal);
        Pdu request = Build(screen, ends);
        try
        {
            Pdu response = session.Options.BindType.CanSubmit()
                ? await session.SendAsync(request)
                : (await binds.SendAsync(request, settings.WaitForBind)).Response;
            if (response.CommandStatus != CommandStatus.Ok)
            {
                LogScreenRefused(logger, Numbering.Mask(screen.To.Source.Address), response.CommandStatus);
                return;
            }

            if (screen.DialogueKey is { } key)
            {
                await dialogues.AcceptedAsync(key, screen.Version);
            }
        }
        catch (Exception e)
        {
            // Nobody waits for this task: what went wrong is logged, and the SMSC's redelivery sends the screen again.
            LogScreenFailed(logger, Numbering.Mask(screen.To.Source.Address), new LogText(e.Message));
        }
    }

    private Pdu Build(Screen screen, bool ends)
    {
        (_, byte dataCoding, byte[] octets) = OutboundText.Whole(screen.Body[4..], settings.Text);
        TlvList tlvs =
        [
            Tlv.UssdServiceOp((UssdServiceOp)(ends ? Options.End : Options.Menu)),
            Tlv.ItsSessionInfo(screen.To.Info with { EndOfSession = ends }),
        ];
        bool payload = Options.Via == SmppUssdVia.DataSm || octets.Length > MaxShortMessage;
        if (payload)
        {
            tlvs = tlvs.Add(Tlv.MessagePayload(octets));
        }

        // Back to the subscriber, from the address the dialogue was addressed to.
        return Options.Via == SmppUssdVia.DataSm
            ? new DataSm { ServiceType = Options.ServiceType, Source = screen.To.Destination, Destination = screen.To.Source, DataCoding = dataCoding, Tlvs = tlvs }
            : new SubmitSm
            {
                ServiceType = Options.ServiceType,
                Source = screen.To.Destination,
                Destination = screen.To.Source,
                DataCoding = dataCoding,
                ShortMessage = payload ? ReadOnlyMemory<byte>.Empty : octets,
                Tlvs = tlvs,
            };
    }

    private const int MaxShortMessage = 254;

    /// <summary>
    /// The answers a begin brings (<c>*101*1*3#</c> brings <c>1*3</c>; <c>*101#</c> none), from the text dialled or,
    /// when the SMSC gives none, the destination address; null when it is not this service's code.
    /// </summary>
    private string? Dialled(InboundPart part)
    {
        string code = Bare(Options.ServiceCode ?? MenuServiceCode);
        string text = part.Text.Trim();
        string dialled = Bare(text.StartsWith('*') ? text : part.Destination.Address);
        if (dialled == code)
        {
            return "";
        }

        return dialled.StartsWith(code + "*", StringComparison.Ordinal) ? dialled[(code.Length + 1)..] : null;
    }

    /// <summary><c>*101*2#</c> as <c>101*2</c>.</summary>
    private static string Bare(string code) => code.Trim().TrimStart('*').TrimEnd('#');

    /// <summary>An international number (TON 1) as E.164; anything else as the SMSC wrote it, for the numbering plan to read.</summary>
    private static string Sender(SmppAddress source) =>
        source.Ton == TypeOfNumber.International && source.Address.Length > 0 && source.Address.All(char.IsAsciiDigit) ? "+" + source.Address : source.Address;

    /// <summary>What the SMSC gives of one deliver_sm: the same octets again are the same delivery.</summary>
    private static string Fingerprint(byte operation, ItsSessionInfo info, InboundPart part)
    {
        string fields = string.Create(
            CultureInfo.InvariantCulture,
            $"{operation}|{info.SessionNumber}/{info.SequenceNumber}/{info.EndOfSession}|{(byte)part.Source.Ton}/{part.Source.Address}|{(byte)part.Destination.Ton}/{part.Destination.Address}|{part.Text}");
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(fields)));
    }

    /// <summary>Where a screen goes: back to the dialogue's subscriber, with its its_session_info.</summary>
    private sealed record ReplyTo(SmppAddress Source, SmppAddress Destination, ItsSessionInfo Info);

    /// <summary>A screen to send once the deliver_sm is answered; <see cref="DialogueKey"/> null for a screen of no step.</summary>
    private sealed record Screen(ReplyTo To, string Body, string? DialogueKey, long Version);

    [LoggerMessage(EventId = 4131, Level = LogLevel.Warning, Message = "SMPP USSD from {Msisdn}: ussd_service_op {Operation} refused: {Reason}")]
    private static partial void LogRefused(ILogger logger, string msisdn, byte operation, LogText reason);

    [LoggerMessage(EventId = 4132, Level = LogLevel.Information, Message = "SMPP USSD from {Msisdn}, session {Session}: delivered again before its screen got through; the screen goes again")]
    private static partial void LogRepeat(ILogger logger, string msisdn, byte session);

    [LoggerMessage(EventId = 4133, Level = LogLevel.Information, Message = "SMPP USSD from {Msisdn}, session {Session}: no open dialogue to go on with")]
    private static partial void LogNoDialogue(ILogger logger, string msisdn, byte session);

    [LoggerMessage(EventId = 4134, Level = LogLevel.Warning, Message = "SMPP USSD screen to {Msisdn} refused by the SMSC: {Status}")]
    private static partial void LogScreenRefused(ILogger logger, string msisdn, CommandStatus status);

    [LoggerMessage(EventId = 4135, Level = LogLevel.Warning, Message = "SMPP USSD screen to {Msisdn} not sent: {Reason}")]
    private static partial void LogScreenFailed(ILogger logger, string msisdn, LogText reason);
}
