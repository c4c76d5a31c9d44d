using Mbushja.Smpp.Wire;

namespace Mbushja.Smpp.Pdus;

/// <summary>bind_transmitter (SMPP v3.4 §4.1.1). Binds as a transmitter: the ESME submits messages.</summary>
public sealed class BindTransmitter : Bind
{
    public BindTransmitter()
    {
    }

    internal BindTransmitter(in PduHeader header, ref BodyReader reader)
        : base(header, ref reader)
    {
    }

    public override CommandId CommandId => CommandId.BindTransmitter;
}
