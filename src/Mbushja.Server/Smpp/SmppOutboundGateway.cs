using System.Globalization;
using Mbushja.Domain;
using Mbushja.Messaging;
using Mbushja.Smpp;
using Mbushja.Smpp.Pdus;
using Mbushja.Smpp.Session;
using Mbushja.Smpp.Text;
using Microsoft.Extensions.Logging;

namespace Mbushja.Server.Smpp;

/// <summary>
/// Replies leave the outbox by submit_sm (GSM 03.38 or UCS-2, long replies concatenated) through whichever bind may
/// submit; each part the SMSC accepts is recorded at once (<see cref="SmsSubmits"/>) and never sent again.
/// </summary>
/// <remarks>
/// Throttling is waited out here; other failures are left to the outbox's next attempt (docs/design/smpp-delivery.md,
/// "Replies").
/// </remarks>
public sealed partial class SmppOutboundGateway(
    SmppClientGroup binds, SmsSubmits submits, SmppSettings settings, TimeProvider time, ILogger<SmppOutboundGateway> logger) : IOutboundSmsGateway
{
    public string Name => "smpp";

    /// <summary>
    /// A server whose binds that may submit all wait for slots other servers hold leaves the replies to those servers.
    /// Binds of which none may submit (receivers only) are left to fail each attempt, with the reason.
    /// </summary>
    public bool CanSend => binds.MaySubmit || !binds.Clients.Any(c => c.Options.BindType.CanSubmit());

    public async Task<SendOutcome> SendAsync(OutboundSms sms, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sms);
        OutboundMessage message;
        try
        {
            message = OutboundText.Encode(sms.Text, Reference(sms.TransactionId), settings.Text);
        }
        catch (ArgumentException e)
        {
            return SendOutcome.Refuse(e.Message);
        }

        SubmitSm[] parts = [.. message.ToSubmitSms(Source(sms.Sender), Destination(sms.Recipient), settings.RegisteredDelivery)];
        Dictionary<int, string> accepted = (await submits.AcceptedAsync(sms.TransactionId, cancellationToken))
            .Where(p => p.Parts == parts.Length)
            .ToDictionary(p => p.Part, p => p.SmscMessageId);
        for (int i = 0; i < parts.Length; i++)
        {
            int number = i + 1;
            if (accepted.ContainsKey(number))
            {
                continue;
            }

            (string? smscId, string bind, string detail) = await SubmitAsync(parts[i], cancellationToken);
            if (smscId is null)
            {
                return SendOutcome.Refuse(parts.Length == 1 ? detail : $"part {number}/{parts.Length}: {detail}");
            }

            await submits.RecordAsync(sms.TransactionId, new SubmittedPart(number, parts.Length, smscId), SmscMessageId.Key(smscId), bind, CancellationToken.None);
            accepted[number] = smscId;
            if (logger.IsEnabled(LogLevel.Debug))
            {
                string masked = Numbering.Mask(sms.Recipient);
                LogPartAccepted(logger, sms.TransactionId, number, parts.Length, masked, new LogText(smscId), bind);
            }
        }

        string ids = string.Join(", ", Enumerable.Range(1, parts.Length).Select(n => accepted[n]));
        return SendOutcome.Accept(string.Create(
            CultureInfo.InvariantCulture, $"submit_sm accepted: {parts.Length} part(s), data_coding {message.DataCoding}, message_id {ids}"));
    }

    /// <summary>One part: the SMSC's id once it accepts it, or why not.</summary>
    private async Task<(string? SmscId, string Bind, string Detail)> SubmitAsync(SubmitSm part, CancellationToken cancellationToken)
    {
        long started = time.GetTimestamp();
        while (true)
        {
            Pdu response;
            SmppSession session;
            try
            {
                (response, session) = await binds.SendAsync(part, settings.WaitForBind, cancellationToken);
            }
            catch (SmppException e)
            {
                return (null, "", e.Message);
            }

            if (response is SubmitSmResp { CommandStatus: CommandStatus.Ok } ok)
            {
                return (ok.MessageId, session.Options.Name, "");
            }

            string detail = string.Create(CultureInfo.InvariantCulture, $"{response.CommandId} {response.CommandStatus} (0x{(uint)response.CommandStatus:X8})");
            if (response.CommandStatus is CommandStatus.Throttled or CommandStatus.MessageQueueFull && time.GetElapsedTime(started) < settings.ThrottlePatience)
            {
                // The session holds the next submit back for its throttling pause.
                continue;
            }

            return (null, session.Options.Name, detail);
        }
    }

    /// <summary>A short code or number as TON unknown, ISDN; a sender name as alphanumeric (TON 5).</summary>
    private static SmppAddress Source(string sender) =>
        sender.Length > 0 && sender.All(char.IsAsciiDigit) ? SmppAddress.ShortCode(sender) : SmppAddress.Alphanumeric(sender);

    /// <summary>E.164 as international (TON 1, without '+'); anything else as the inbound gateway gave it.</summary>
    private static SmppAddress Destination(string recipient) =>
        recipient.StartsWith('+') ? SmppAddress.International(recipient[1..]) : new SmppAddress(TypeOfNumber.Unknown, Mbushja.Smpp.NumberingPlan.Isdn, recipient);

    /// <summary>The concatenation reference of a reply: the same at every attempt, so that resent parts join the accepted ones (FNV-1a).</summary>
    internal static ushort Reference(string transactionId)
    {
        uint hash = 2166136261;
        foreach (char c in transactionId)
        {
            hash = unchecked((hash ^ c) * 16777619);
        }

        return unchecked((ushort)(hash ^ (hash >> 16)));
    }

    [LoggerMessage(EventId = 4111, Level = LogLevel.Debug, Message = "Reply to SMS {Id}: part {Part}/{Parts} to {Recipient} accepted as {SmscId} on {Bind}")]
    private static partial void LogPartAccepted(ILogger logger, string id, int part, int parts, string recipient, LogText smscId, string bind);
}
