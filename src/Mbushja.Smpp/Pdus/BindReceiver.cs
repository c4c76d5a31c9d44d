using Mbushja.Smpp.Wire;

namespace Mbushja.Smpp.Pdus;

/// <summary>bind_receiver (SMPP v3.4 §4.1.3). Binds as a receiver: the SMSC delivers messages to the ESME.</summary>
public sealed class BindReceiver : Bind
{
    public BindReceiver()
    {
    }

    internal BindReceiver(in PduHeader header, ref BodyReader reader)
        : base(header, ref reader)
    {
    }

    public override CommandId CommandId => CommandId.BindReceiver;
}
