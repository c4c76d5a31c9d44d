using Mbushja.Smpp.Wire;

namespace Mbushja.Smpp.Pdus;

/// <summary>The PDUs that are a header and nothing else (unbind, enquire_link, their responses, generic_nack).</summary>
public abstract class HeaderOnlyPdu : Pdu
{
    private protected HeaderOnlyPdu()
    {
    }

    private protected HeaderOnlyPdu(in PduHeader header)
        : base(header)
    {
    }

    internal sealed override int BodyLength => 0;

    internal sealed override void WriteBody(ref BodyWriter writer)
    {
    }
}
