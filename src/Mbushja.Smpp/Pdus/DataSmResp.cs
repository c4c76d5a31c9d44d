using Mbushja.Smpp.Wire;

namespace Mbushja.Smpp.Pdus;

/// <summary>data_sm_resp (SMPP v3.4 §4.7.2). The answer to data_sm.</summary>
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
}
