using Mbushja.Smpp.Wire;

namespace Mbushja.Smpp.Pdus;

/// <summary>
/// deliver_sm_resp (SMPP v3.4 §4.6.2). The ESME's answer to deliver_sm: 0 only once the message is durably stored.
/// Its message_id is always NULL, and it is sent with that one-octet body whatever the status: §4.6.2 does not leave
/// the body out on errors as §4.4.2 does, and strict SMSCs count the octet.
/// </summary>
public sealed class DeliverSmResp : MessageIdResp
{
    public DeliverSmResp()
    {
    }

    internal DeliverSmResp(in PduHeader header, ref BodyReader reader)
        : base(header, ref reader)
    {
    }

    public override CommandId CommandId => CommandId.DeliverSmResp;

    private protected override bool OmitsBodyOnError => false;
}
