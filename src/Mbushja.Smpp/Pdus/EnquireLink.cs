namespace Mbushja.Smpp.Pdus;

/// <summary>enquire_link (SMPP v3.4 §4.11.1). Link confidence check, sent by either side.</summary>
public sealed class EnquireLink : HeaderOnlyPdu
{
    public EnquireLink()
    {
    }

    internal EnquireLink(in PduHeader header)
        : base(header)
    {
    }

    public override CommandId CommandId => CommandId.EnquireLink;
}
