using Mbushja.Smpp.Wire;

namespace Mbushja.Smpp.Pdus;

/// <summary>bind_receiver_resp (SMPP v3.4 §4.1.4). The answer to bind_receiver.</summary>
public sealed class BindReceiverResp : BindResp
{
    public BindReceiverResp()
    {
    }

    internal BindReceiverResp(in PduHeader header, ref BodyReader reader)
        : base(header, ref reader)
    {
    }

    public override CommandId CommandId => CommandId.BindReceiverResp;
}
