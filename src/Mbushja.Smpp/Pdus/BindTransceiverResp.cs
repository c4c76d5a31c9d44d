using Mbushja.Smpp.Wire;

namespace Mbushja.Smpp.Pdus;

/// <summary>bind_transceiver_resp (SMPP v3.4 §4.1.6). The answer to bind_transceiver.</summary>
public sealed class BindTransceiverResp : BindResp
{
    public BindTransceiverResp()
    {
    }

    internal BindTransceiverResp(in PduHeader header, ref BodyReader reader)
        : base(header, ref reader)
    {
    }

    public override CommandId CommandId => CommandId.BindTransceiverResp;
}
