using Mbushja.Smpp.Wire;

namespace Mbushja.Smpp.Pdus;

/// <summary>
/// deliver_sm (SMPP v3.4 §4.6.1): the SMSC delivers a message from a subscriber, or a delivery receipt (esm_class
/// message type 0x04, with receipted_message_id and message_state). schedule_delivery_time and validity_period are
/// NULL here, by the spec.
/// </summary>
public sealed class DeliverSm : ShortMessageRequest
{
    public DeliverSm()
    {
    }

    internal DeliverSm(in PduHeader header, ref BodyReader reader)
        : base(header, ref reader)
    {
    }

    public override CommandId CommandId => CommandId.DeliverSm;
}
