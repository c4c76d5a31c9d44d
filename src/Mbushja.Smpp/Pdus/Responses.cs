namespace Mbushja.Smpp.Pdus;

/// <summary>Which response answers which request (SMPP v3.4 §4): the one place that pairs them.</summary>
internal static class Responses
{
    public static Pdu? For(CommandId request, CommandStatus status, uint sequenceNumber) => request switch
    {
        CommandId.BindTransmitter => new BindTransmitterResp { CommandStatus = status, SequenceNumber = sequenceNumber },
        CommandId.BindReceiver => new BindReceiverResp { CommandStatus = status, SequenceNumber = sequenceNumber },
        CommandId.BindTransceiver => new BindTransceiverResp { CommandStatus = status, SequenceNumber = sequenceNumber },
        CommandId.Unbind => new UnbindResp { CommandStatus = status, SequenceNumber = sequenceNumber },
        CommandId.EnquireLink => new EnquireLinkResp { CommandStatus = status, SequenceNumber = sequenceNumber },
        CommandId.SubmitSm => new SubmitSmResp { CommandStatus = status, SequenceNumber = sequenceNumber },
        CommandId.DeliverSm => new DeliverSmResp { CommandStatus = status, SequenceNumber = sequenceNumber },
        CommandId.DataSm => new DataSmResp { CommandStatus = status, SequenceNumber = sequenceNumber },
        _ => null,
    };
}
