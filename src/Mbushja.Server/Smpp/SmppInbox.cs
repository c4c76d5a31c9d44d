using System.Security.Cryptography;
using System.Text;
using Mbushja.Domain;
using Mbushja.Messaging;
using Mbushja.Server.Api;
using Mbushja.Smpp;
using Mbushja.Smpp.Pdus;
using Mbushja.Smpp.Session;
using Mbushja.Smpp.Text;
using Mbushja.TopUp;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Mbushja.Server.Smpp;

/// <summary>
/// USSD over SMPP (README "SMPP (the operator's SMSC)"): a deliver_sm or data_sm with ussd_service_op goes to the
/// registered handler, which says what to answer the SMSC (ESME_ROK once the step is safe), and sends the next screen
/// once that answer is queued (<see cref="OnAnswered"/>). Without one, USSD messages are refused (ESME_RX_R_APPN) so
/// that the SMSC stops trying.
/// </summary>
public interface ISmppUssdHandler
{
    ValueTask<CommandStatus> OnUssdAsync(SmppSession session, Pdu message, CancellationToken cancellationToken);

    /// <summary>The answer to <paramref name="message"/> is queued on <paramref name="session"/> (see <see cref="ISmppInboundHandler.OnAnswered"/>).</summary>
    void OnAnswered(SmppSession session, Pdu message, CommandStatus status);
}

/// <summary>
/// What the SMSC delivers: an SMS Top Up message is answered ESME_ROK once it is recorded, and handled after the
/// answer (<see cref="TopUpProcessor.AcceptAsync"/>); ESME_RX_T_APPN when it cannot be. Receipts go on the reply's trail.
/// </summary>
/// <remarks>
/// A repeat is known by a key held for <see cref="SmppSettings.RedeliveryWindow"/>; a long message is stored part by
/// part, each before it is acknowledged (docs/design/smpp-delivery.md).
/// </remarks>
public sealed partial class SmppInbox(
    TopUpProcessor processor,
    InboundParts parts,
    SmsSubmits submits,
    SmppSettings settings,
    TimeProvider time,
    IServiceProvider services,
    ILogger<SmppInbox> logger) : ISmppInboundHandler
{
    public async ValueTask<CommandStatus> OnMessageAsync(SmppSession session, Pdu message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        (byte esmClass, TlvList tlvs, InboundPart part, DeliveryReceipt? receipt) = message switch
        {
            DeliverSm d => (d.EsmClass, d.Tlvs, InboundPart.From(d, settings.Text), DeliveryReceipt.From(d, settings.Text)),
            DataSm d => (d.EsmClass, d.Tlvs, InboundPart.From(d, settings.Text), DeliveryReceipt.From(d, settings.Text)),
            _ => throw new ArgumentException($"{message.CommandId} carries no message.", nameof(message)),
        };

        if (receipt is not null)
        {
            return await OnReceiptAsync(receipt, cancellationToken);
        }

        if ((esmClass & EsmClass.MessageTypeMask) != 0)
        {
            // A notification that names no message: nothing to record, and no reason for the SMSC to send it again.
            LogNotificationWithoutId(logger, session.Options.Name, esmClass);
            return CommandStatus.Ok;
        }

        if (tlvs.UssdServiceOp is { } operation)
        {
            if (services.GetService<ISmppUssdHandler>() is { } ussd)
            {
                return await ussd.OnUssdAsync(session, message, cancellationToken);
            }

            LogUssdRefused(logger, session.Options.Name, operation);
            return CommandStatus.ReceiverRejectMessage;
        }

        return part.Concat is { Total: > 1 } concat
            ? await OnPartAsync(message, part, concat, cancellationToken)
            : await OnWholeAsync(message, part, tlvs, cancellationToken);
    }

    public void OnAnswered(SmppSession session, Pdu message, CommandStatus status)
    {
        TlvList? tlvs = message switch
        {
            DeliverSm d => d.Tlvs,
            DataSm d => d.Tlvs,
            _ => null,
        };
        if (tlvs?.UssdServiceOp is not null && services.GetService<ISmppUssdHandler>() is { } ussd)
        {
            ussd.OnAnswered(session, message, status);
        }
    }

    /// <summary>Handles the long messages whose parts stopped coming, with the parts that came. Returns how many.</summary>
    public async Task<int> SweepAsync(CancellationToken cancellationToken = default)
    {
        int handled = 0;
        foreach (OpenLongMessage open in await parts.OpenBeforeAsync(time.GetUtcNow() - settings.ReassemblyTimeout, 100, cancellationToken))
        {
            LogIncomplete(logger, open.MessageId, open.Parts.Count, open.Total);
            await RecordLongAsync(open.MessageId, open.Parts, cancellationToken);
            handled++;
        }

        return handled;
    }

    private async Task<CommandStatus> OnWholeAsync(Pdu message, InboundPart part, TlvList tlvs, CancellationToken cancellationToken)
    {
        string key = Fingerprint(message, tlvs);
        var sms = new InboundSms(
            Sender(part.Source),
            part.Destination.Address,
            Limited(part.Text),
            $"smpp:{key[..24]}:{time.GetUtcNow().ToUnixTimeMilliseconds()}",
            ReplyRoute.Outbound);
        AcceptedSms accepted = await processor.AcceptAsync(sms, new RedeliveryKey("smpp:" + key, settings.RedeliveryWindow), cancellationToken);
        Carry(accepted);
        return CommandStatus.Ok;
    }

    private async Task<CommandStatus> OnPartAsync(Pdu message, InboundPart part, ConcatInfo concat, CancellationToken cancellationToken)
    {
        PartOutcome outcome = await parts.StoreAsync(
            LongMessageKey(part, concat), concat.Total, concat.Sequence, PduEncoder.ToArray(message), settings.RedeliveryWindow, cancellationToken);
        if (outcome.Status == PartStatus.Complete)
        {
            await RecordLongAsync(outcome.MessageId, outcome.Parts, cancellationToken);
        }

        return CommandStatus.Ok;
    }

    /// <summary>Records a long message from its stored parts (idempotent by its id), then lets its parts go.</summary>
    private async Task RecordLongAsync(string id, IReadOnlyList<StoredPart> stored, CancellationToken cancellationToken)
    {
        InboundPart[] read = [.. stored.Select(p => Read(p.Octets)).OfType<InboundPart>()];
        if (read.Length > 0)
        {
            var sms = new InboundSms(
                Sender(read[0].Source), read[0].Destination.Address, Limited(InboundPart.Join(read)), InboundParts.MessageIdOf(id), ReplyRoute.Outbound);
            Carry(await processor.AcceptAsync(sms, redelivery: null, cancellationToken));
        }

        await parts.DoneAsync(id, cancellationToken);
    }

    private InboundPart? Read(byte[] octets) => PduDecoder.Decode(octets).Pdu switch
    {
        DeliverSm d => InboundPart.From(d, settings.Text),
        DataSm d => InboundPart.From(d, settings.Text),
        _ => null,
    };

    private async Task<CommandStatus> OnReceiptAsync(DeliveryReceipt receipt, CancellationToken cancellationToken)
    {
        string? state = receipt.State?.ToString().ToLowerInvariant();
        ReceiptMatch? match = await submits.RecordReceiptAsync(
            SmscMessageId.Keys(receipt.MessageId), receipt.MessageId, state, receipt.Status, receipt.Error, cancellationToken);
        if (match is null)
        {
            LogUnknownReceipt(logger, new LogText(receipt.MessageId), new LogText(receipt.Status));
        }

        // Recorded, or about no reply of ours: either way there is nothing for the SMSC to send again.
        return CommandStatus.Ok;
    }

    private void Carry(AcceptedSms accepted)
    {
        if (accepted.Row is { } row)
        {
            processor.FinishInBackground(row);
        }
        else
        {
            LogRepeat(logger, accepted.MessageId ?? "");
        }
    }

    /// <summary>An international number (TON 1) as E.164; anything else as the SMSC wrote it, for the numbering plan to read.</summary>
    private static string Sender(SmppAddress source) =>
        source.Ton == TypeOfNumber.International && source.Address.Length > 0 && source.Address.All(char.IsAsciiDigit) ? "+" + source.Address : source.Address;

    private static string Limited(string text) => text.Length <= SmsApi.MaxTextLength ? text : text[..SmsApi.MaxTextLength];

    private string Fingerprint(Pdu message, TlvList tlvs)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        string smscId = tlvs.ReceiptedMessageId
            ?? (settings.MessageIdTag is { } tag && tlvs.TryGet(tag, out ReadOnlyMemory<byte> vendor) ? Convert.ToHexString(vendor.Span) : "");
        Field(hash, smscId);
        switch (message)
        {
            case DeliverSm d:
                Address(hash, d.Source);
                Address(hash, d.Destination);
                Field(hash, [d.EsmClass, d.DataCoding]);
                Field(hash, d.ShortMessage.Span);
                break;
            case DataSm d:
                Address(hash, d.Source);
                Address(hash, d.Destination);
                Field(hash, [d.EsmClass, d.DataCoding]);
                Field(hash, ReadOnlySpan<byte>.Empty);
                break;
        }

        Field(hash, tlvs.MessagePayload is { } payload ? payload.Span : ReadOnlySpan<byte>.Empty);
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static string LongMessageKey(InboundPart part, ConcatInfo concat)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Address(hash, part.Source);
        Address(hash, part.Destination);
        Field(hash, $"{concat.Scheme}:{concat.Reference}:{concat.Total}");
        return "smpp-long:" + Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static void Address(IncrementalHash hash, SmppAddress address) => Field(hash, $"{(byte)address.Ton}/{(byte)address.Npi}/{address.Address}");

    private static void Field(IncrementalHash hash, string value) => Field(hash, Encoding.UTF8.GetBytes(value));

    // Each field with its length first, so that no two different messages hash the same octets.
    private static void Field(IncrementalHash hash, ReadOnlySpan<byte> value)
    {
        Span<byte> length = stackalloc byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(length, value.Length);
        hash.AppendData(length);
        hash.AppendData(value);
    }

    [LoggerMessage(EventId = 4151, Level = LogLevel.Debug, Message = "SMPP: {MessageId} was delivered again; acknowledged, nothing more")]
    private static partial void LogRepeat(ILogger logger, string messageId);

    [LoggerMessage(EventId = 4152, Level = LogLevel.Warning, Message = "SMPP: long message {Id} had {Received} of {Total} parts when its time ran out; handled with those")]
    private static partial void LogIncomplete(ILogger logger, string id, int received, int total);

    [LoggerMessage(EventId = 4153, Level = LogLevel.Information, Message = "SMPP: delivery receipt for {MessageId} ({Status}) matches no reply")]
    private static partial void LogUnknownReceipt(ILogger logger, LogText messageId, LogText status);

    [LoggerMessage(EventId = 4154, Level = LogLevel.Warning, Message = "SMPP {Bind}: USSD ({Operation}) refused: USSD over SMPP is switched off (smpp.json ussd.enabled)")]
    private static partial void LogUssdRefused(ILogger logger, string bind, UssdServiceOp operation);

    [LoggerMessage(EventId = 4155, Level = LogLevel.Information, Message = "SMPP {Bind}: notification (esm_class 0x{EsmClass:X2}) without a message id; acknowledged")]
    private static partial void LogNotificationWithoutId(ILogger logger, string bind, byte esmClass);
}
