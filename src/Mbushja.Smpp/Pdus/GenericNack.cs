namespace Mbushja.Smpp.Pdus;

/// <summary>generic_nack (SMPP v3.4 §4.3.1). A negative acknowledgement of a PDU that could not be read: its command_status says why (ESME_RINVCMDLEN, ESME_RINVCMDID, ...).</summary>
public sealed class GenericNack : HeaderOnlyPdu
{
    public GenericNack()
    {
    }

    internal GenericNack(in PduHeader header)
        : base(header)
    {
    }

    public override CommandId CommandId => CommandId.GenericNack;
}
