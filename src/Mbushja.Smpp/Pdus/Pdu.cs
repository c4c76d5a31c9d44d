using Mbushja.Smpp.Wire;

namespace Mbushja.Smpp.Pdus;

/// <summary>
/// An SMPP PDU (SMPP v3.4 §3.2): the 16-octet header — command_length, command_id, command_status, sequence_number —
/// and a body that each sealed subtype lays out as its spec section says. command_length is never stored: the
/// encoder computes it and the decoder checks it.
/// </summary>
public abstract class Pdu
{
    /// <summary>The header is four 4-octet integers (§3.2).</summary>
    public const int HeaderLength = 16;

    private protected Pdu()
    {
    }

    private protected Pdu(in PduHeader header)
    {
        CommandStatus = header.CommandStatus;
        SequenceNumber = header.SequenceNumber;
    }

    public abstract CommandId CommandId { get; }

    /// <summary>0 in requests; the outcome in responses (§5.1.3).</summary>
    public CommandStatus CommandStatus { get; init; }

    /// <summary>
    /// Matches a response to its request (§3.2: 0x00000001–0x7FFFFFFF). Settable because the session numbers a
    /// request when it sends it, not when it is built.
    /// </summary>
    public uint SequenceNumber { get; set; }

    /// <summary>Octets after the header; computing it checks nothing, writing does.</summary>
    internal abstract int BodyLength { get; }

    internal abstract void WriteBody(ref BodyWriter writer);

    /// <summary>
    /// The response to this request with <paramref name="status"/> and the same sequence number: deliver_sm_resp
    /// for a deliver_sm, and so on; null for a PDU that has no response (responses themselves, outbind).
    /// </summary>
    public Pdu? CreateResponse(CommandStatus status = CommandStatus.Ok) => Responses.For(CommandId, status, SequenceNumber);
}

/// <summary>The header of a PDU (SMPP v3.4 §3.2), as read before the body.</summary>
public readonly record struct PduHeader(uint CommandLength, CommandId CommandId, CommandStatus CommandStatus, uint SequenceNumber);
