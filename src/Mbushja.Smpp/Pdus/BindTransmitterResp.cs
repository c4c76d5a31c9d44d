using Mbushja.Smpp.Wire;

namespace Mbushja.Smpp.Pdus;

/// <summary>bind_transmitter_resp (SMPP v3.4 §4.1.2). The answer to bind_transmitter.</summary>
public sealed class BindTransmitterResp : BindResp
{
    public BindTransmitterResp()
    {
    }

    internal BindTransmitterResp(in PduHeader header, ref BodyReader reader)
        : base(header, ref reader)
    {
    }

    public override CommandId CommandId => CommandId.BindTransmitterResp;
}
