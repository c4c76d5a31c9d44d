using Mbushja.Smpp.Wire;

namespace Mbushja.Smpp.Pdus;

/// <summary>
/// The layout submit_sm_resp (SMPP v3.4 §4.4.2), deliver_sm_resp (§4.6.2) and data_sm_resp (§4.7.2) share: message_id
/// (65 octets with its NUL; always NULL in deliver_sm_resp), then optional parameters (data_sm_resp's; SMSCs of later
/// versions add them to the others too, and they are carried). A submit_sm_resp built with a command_status other than
/// 0 goes without a body (§4.4.2: "not returned if the command_status field contains a non-zero value"); the two an
/// ESME sends keep theirs. On decoding, an error response may come without a body.
/// </summary>
public abstract class MessageIdResp : Pdu
{
    // As decoded, so that a PDU encodes to the octets it came from; when built, by the rule above.
    private readonly bool? _bodyPresent;

    private protected MessageIdResp()
    {
    }

    private protected MessageIdResp(in PduHeader header, ref BodyReader reader)
        : base(header)
    {
        _bodyPresent = reader.Remaining != 0;
        if (!_bodyPresent.Value && header.CommandStatus != CommandStatus.Ok)
        {
            return;
        }

        MessageId = reader.CString(65, CommandStatus.InvalidMessageId, "message_id");
        Tlvs = reader.Tlvs();
    }

    /// <summary>The SMSC's id for the message, as the delivery receipt will quote it.</summary>
    public string MessageId { get; init; } = string.Empty;

    public TlvList Tlvs { get; init; } = TlvList.Empty;

    private bool OmitsBody => _bodyPresent is { } present
        ? !present
        : OmitsBodyOnError && CommandStatus != CommandStatus.Ok && MessageId.Length == 0 && Tlvs.Count == 0;

    /// <summary>Whether an error response is sent without a body when built (false for deliver_sm_resp and data_sm_resp).</summary>
    private protected virtual bool OmitsBodyOnError => true;

    internal sealed override int BodyLength => OmitsBody ? 0 : CString.Size(MessageId) + Tlvs.EncodedLength;

    internal sealed override void WriteBody(ref BodyWriter writer)
    {
        if (OmitsBody)
        {
            return;
        }

        writer.CString(MessageId, 65, "message_id");
        writer.Tlvs(Tlvs);
    }
}
