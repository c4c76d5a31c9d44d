using Mbushja.Smpp.Pdus;

namespace Mbushja.Smpp;

/// <summary>
/// Why a PDU could not be read, and what to answer: the command_status to send back, the command id and sequence
/// number when the header could be read (so the answer reaches the right request), and whether the connection's
/// framing is lost. Decoding never throws on input: it returns one of these.
/// </summary>
public sealed class DecodeError
{
    internal DecodeError(CommandStatus status, string detail, CommandId? commandId = null, uint? sequenceNumber = null, bool framingLost = false)
    {
        Status = status;
        Detail = detail;
        CommandId = commandId;
        SequenceNumber = sequenceNumber;
        FramingLost = framingLost;
    }

    /// <summary>The command_status that answers the PDU (§5.1.3).</summary>
    public CommandStatus Status { get; }

    /// <summary>What was wrong, in words, naming the spec's field; never holds message content.</summary>
    public string Detail { get; }

    /// <summary>The command_id of the PDU, when its header could be read.</summary>
    public CommandId? CommandId { get; }

    /// <summary>The sequence_number of the PDU, when its header could be read.</summary>
    public uint? SequenceNumber { get; }

    /// <summary>
    /// True when command_length cannot be trusted (below the header's 16 octets, or over the limit with a command_id
    /// SMPP 3.4 does not know): no later PDU on this connection can be found, so after answering the session must
    /// close it (and reconnect). Otherwise the bad PDU has been skipped and the session goes on.
    /// </summary>
    public bool FramingLost { get; }

    /// <summary>
    /// The PDU to send back (§4.3.1): generic_nack for an invalid length or an unknown command, and for a response
    /// that cannot be read; for a request whose body is wrong, that request's own response with <see cref="Status"/>
    /// (a deliver_sm with a bad source_addr gets a deliver_sm_resp with ESME_RINVSRCADR). The sequence number is the
    /// PDU's, or 0 when it could not be read.
    /// </summary>
    public Pdu Answer()
    {
        uint sequence = SequenceNumber ?? 0;
        if (Status is not (CommandStatus.InvalidCommandLength or CommandStatus.InvalidCommandId)
            && CommandId is { } id
            && Responses.For(id, Status, sequence) is { } response)
        {
            return response;
        }

        return new GenericNack { CommandStatus = Status, SequenceNumber = sequence };
    }

    public override string ToString() =>
        $"{Status} (0x{(uint)Status:X8}){(CommandId is { } id ? $" in {id}" : string.Empty)}{(SequenceNumber is { } s ? $" #{s}" : string.Empty)}: {Detail}";
}

/// <summary>What decoding one frame gave: a PDU, or an error that says what to answer.</summary>
public readonly struct DecodeResult
{
    private DecodeResult(Pdu? pdu, DecodeError? error)
    {
        Pdu = pdu;
        Error = error;
    }

    public Pdu? Pdu { get; }

    public DecodeError? Error { get; }

    public bool Succeeded => Pdu is not null;

    internal static DecodeResult Of(Pdu pdu) => new(pdu, null);

    internal static DecodeResult Fail(DecodeError error) => new(null, error);
}
