using Mbushja.Smpp.Wire;

namespace Mbushja.Smpp.Pdus;

/// <summary>submit_sm (SMPP v3.4 §4.4.1): the ESME sends a message (Mbushja's replies).</summary>
public sealed class SubmitSm : ShortMessageRequest
{
    public SubmitSm()
    {
    }

    internal SubmitSm(in PduHeader header, ref BodyReader reader)
        : base(header, ref reader)
    {
    }

    public override CommandId CommandId => CommandId.SubmitSm;
}
