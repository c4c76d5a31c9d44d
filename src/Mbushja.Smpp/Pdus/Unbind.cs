namespace Mbushja.Smpp.Pdus;

/// <summary>unbind (SMPP v3.4 §4.2.1). Ends the session; the peer answers unbind_resp and closes.</summary>
public sealed class Unbind : HeaderOnlyPdu
{
    public Unbind()
    {
    }

    internal Unbind(in PduHeader header)
        : base(header)
    {
    }

    public override CommandId CommandId => CommandId.Unbind;
}
