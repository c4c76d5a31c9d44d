namespace Mbushja.Smpp.Pdus;

/// <summary>enquire_link_resp (SMPP v3.4 §4.11.2). The answer to enquire_link.</summary>
public sealed class EnquireLinkResp : HeaderOnlyPdu
{
    public EnquireLinkResp()
    {
    }

    internal EnquireLinkResp(in PduHeader header)
        : base(header)
    {
    }

    public override CommandId CommandId => CommandId.EnquireLinkResp;
}
