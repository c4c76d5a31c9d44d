namespace Mbushja.Smpp.Pdus;

/// <summary>unbind_resp (SMPP v3.4 §4.2.2). The answer to unbind.</summary>
public sealed class UnbindResp : HeaderOnlyPdu
{
    public UnbindResp()
    {
    }

    internal UnbindResp(in PduHeader header)
        : base(header)
    {
    }

    public override CommandId CommandId => CommandId.UnbindResp;
}
