using Mbushja.Smpp.Wire;

namespace Mbushja.Smpp.Pdus;

/// <summary>
/// data_sm_resp (SMPP v3.4 §4.7.2). The answer to data_sm. Like deliver_sm_resp it is what an ESME sends back for a
/// message it received, so it keeps its message_id octet on errors too (§4.4.2's "body not returned" is said of
/// submit_sm_resp).
/// </summary>
public sealed class DataSmResp : MessageIdResp
{
    public DataSmResp()
    {
    }

    internal DataSmResp(in PduHeader header, ref BodyReader reader)
        : base(header, ref reader)
    {
    }

    public override CommandId CommandId => CommandId.DataSmResp;

    private protected override bool OmitsBodyOnError => false;
}
