using Mbushja.Smpp.Wire;

namespace Mbushja.Smpp.Pdus;

/// <summary>bind_transceiver (SMPP v3.4 §4.1.5). Binds as both, on one connection (Mbushja's default).</summary>
public sealed class BindTransceiver : Bind
{
    public BindTransceiver()
    {
    }

    internal BindTransceiver(in PduHeader header, ref BodyReader reader)
        : base(header, ref reader)
    {
    }

    public override CommandId CommandId => CommandId.BindTransceiver;
}
