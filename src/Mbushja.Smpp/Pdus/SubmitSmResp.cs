using Mbushja.Smpp.Wire;

namespace Mbushja.Smpp.Pdus;

/// <summary>submit_sm_resp (SMPP v3.4 §4.4.2). The SMSC accepted (or refused) a submit_sm; message_id names the message in its delivery receipts.</summary>
public sealed class SubmitSmResp : MessageIdResp
{
    public SubmitSmResp()
    {
    }

    internal SubmitSmResp(in PduHeader header, ref BodyReader reader)
        : base(header, ref reader)
    {
    }

    public override CommandId CommandId => CommandId.SubmitSmResp;
}
