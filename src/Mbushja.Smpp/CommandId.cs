namespace Mbushja.Smpp;

/// <summary>
/// The command_id of every SMPP 3.4 PDU (SMPP v3.4 Issue 1.2, §5.1.2.1). A response's id is its request's id with
/// the high bit set (<see cref="CommandIds.ResponseBit"/>). Only the ESME's PDUs have a type in <c>Pdus/</c>; the others are
/// named here so that logs and errors can say what arrived.
/// </summary>
public enum CommandId : uint
{
    /// <summary>generic_nack (§4.3.1).</summary>
    GenericNack = 0x8000_0000,

    /// <summary>bind_receiver (§4.1.3).</summary>
    BindReceiver = 0x0000_0001,

    /// <summary>bind_receiver_resp (§4.1.4).</summary>
    BindReceiverResp = 0x8000_0001,

    /// <summary>bind_transmitter (§4.1.1).</summary>
    BindTransmitter = 0x0000_0002,

    /// <summary>bind_transmitter_resp (§4.1.2).</summary>
    BindTransmitterResp = 0x8000_0002,

    /// <summary>query_sm (§4.8.1); not used by Mbushja.</summary>
    QuerySm = 0x0000_0003,

    /// <summary>query_sm_resp (§4.8.2); not used by Mbushja.</summary>
    QuerySmResp = 0x8000_0003,

    /// <summary>submit_sm (§4.4.1).</summary>
    SubmitSm = 0x0000_0004,

    /// <summary>submit_sm_resp (§4.4.2).</summary>
    SubmitSmResp = 0x8000_0004,

    /// <summary>deliver_sm (§4.6.1).</summary>
    DeliverSm = 0x0000_0005,

    /// <summary>deliver_sm_resp (§4.6.2).</summary>
    DeliverSmResp = 0x8000_0005,

    /// <summary>unbind (§4.2.1).</summary>
    Unbind = 0x0000_0006,

    /// <summary>unbind_resp (§4.2.2).</summary>
    UnbindResp = 0x8000_0006,

    /// <summary>replace_sm (§4.10.1); not used by Mbushja.</summary>
    ReplaceSm = 0x0000_0007,

    /// <summary>replace_sm_resp (§4.10.2); not used by Mbushja.</summary>
    ReplaceSmResp = 0x8000_0007,

    /// <summary>cancel_sm (§4.9.1); not used by Mbushja.</summary>
    CancelSm = 0x0000_0008,

    /// <summary>cancel_sm_resp (§4.9.2); not used by Mbushja.</summary>
    CancelSmResp = 0x8000_0008,

    /// <summary>bind_transceiver (§4.1.5).</summary>
    BindTransceiver = 0x0000_0009,

    /// <summary>bind_transceiver_resp (§4.1.6).</summary>
    BindTransceiverResp = 0x8000_0009,

    /// <summary>outbind (§4.1.7).</summary>
    Outbind = 0x0000_000B,

    /// <summary>enquire_link (§4.11.1).</summary>
    EnquireLink = 0x0000_0015,

    /// <summary>enquire_link_resp (§4.11.2).</summary>
    EnquireLinkResp = 0x8000_0015,

    /// <summary>submit_multi (§4.5.1); not used by Mbushja.</summary>
    SubmitMulti = 0x0000_0021,

    /// <summary>submit_multi_resp (§4.5.2); not used by Mbushja.</summary>
    SubmitMultiResp = 0x8000_0021,

    /// <summary>alert_notification (§4.12.1); not used by Mbushja.</summary>
    AlertNotification = 0x0000_0102,

    /// <summary>data_sm (§4.7.1).</summary>
    DataSm = 0x0000_0103,

    /// <summary>data_sm_resp (§4.7.2).</summary>
    DataSmResp = 0x8000_0103,
}

/// <summary>Helpers on <see cref="CommandId"/>.</summary>
public static class CommandIds
{
    /// <summary>The bit that marks a response (§5.1.2.1: "the most significant bit ... is set for a response").</summary>
    public const uint ResponseBit = 0x8000_0000;

    /// <summary>True for a response (generic_nack included).</summary>
    public static bool IsResponse(this CommandId id) => ((uint)id & ResponseBit) != 0;

    /// <summary>True when <paramref name="response"/> answers a <paramref name="request"/>: its own response, or a generic_nack.</summary>
    public static bool Answers(this CommandId response, CommandId request) =>
        response == CommandId.GenericNack || (uint)response == ((uint)request | ResponseBit);
}
