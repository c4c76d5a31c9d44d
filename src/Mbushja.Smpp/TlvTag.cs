namespace Mbushja.Smpp;

/// <summary>
/// Tags of the optional parameters (TLVs) of SMPP v3.4 Issue 1.2 (§5.3.2, table 5-12). A tag not listed (vendor
/// specific, 0x1400–0x3FFF, or from a later version) is carried through unchanged as a cast value.
/// </summary>
public enum TlvTag : ushort
{
    /// <summary>dest_addr_subunit (§5.3.2.1), 1 octet.</summary>
    DestAddrSubunit = 0x0005,

    /// <summary>dest_network_type (§5.3.2.3), 1 octet.</summary>
    DestNetworkType = 0x0006,

    /// <summary>dest_bearer_type (§5.3.2.5), 1 octet.</summary>
    DestBearerType = 0x0007,

    /// <summary>dest_telematics_id (§5.3.2.7), 2 octets.</summary>
    DestTelematicsId = 0x0008,

    /// <summary>source_addr_subunit (§5.3.2.2), 1 octet.</summary>
    SourceAddrSubunit = 0x000D,

    /// <summary>source_network_type (§5.3.2.4), 1 octet.</summary>
    SourceNetworkType = 0x000E,

    /// <summary>source_bearer_type (§5.3.2.6), 1 octet.</summary>
    SourceBearerType = 0x000F,

    /// <summary>source_telematics_id (§5.3.2.8), 1 octet.</summary>
    SourceTelematicsId = 0x0010,

    /// <summary>qos_time_to_live (§5.3.2.9), 4 octets.</summary>
    QosTimeToLive = 0x0017,

    /// <summary>payload_type (§5.3.2.10), 1 octet.</summary>
    PayloadType = 0x0019,

    /// <summary>additional_status_info_text (§5.3.2.11), C-octet string of at most 256 octets.</summary>
    AdditionalStatusInfoText = 0x001D,

    /// <summary>receipted_message_id (§5.3.2.12), C-octet string of at most 65 octets.</summary>
    ReceiptedMessageId = 0x001E,

    /// <summary>ms_msg_wait_facilities (§5.3.2.13), 1 octet.</summary>
    MsMsgWaitFacilities = 0x0030,

    /// <summary>privacy_indicator (§5.3.2.14), 1 octet.</summary>
    PrivacyIndicator = 0x0201,

    /// <summary>source_subaddress (§5.3.2.15), 2–23 octets.</summary>
    SourceSubaddress = 0x0202,

    /// <summary>dest_subaddress (§5.3.2.16), 2–23 octets.</summary>
    DestSubaddress = 0x0203,

    /// <summary>user_message_reference (§5.3.2.17), 2 octets.</summary>
    UserMessageReference = 0x0204,

    /// <summary>user_response_code (§5.3.2.18), 1 octet.</summary>
    UserResponseCode = 0x0205,

    /// <summary>source_port (§5.3.2.20), 2 octets.</summary>
    SourcePort = 0x020A,

    /// <summary>destination_port (§5.3.2.21), 2 octets.</summary>
    DestinationPort = 0x020B,

    /// <summary>sar_msg_ref_num (§5.3.2.22), 2 octets: the reference of a concatenated message.</summary>
    SarMsgRefNum = 0x020C,

    /// <summary>language_indicator (§5.3.2.19), 1 octet.</summary>
    LanguageIndicator = 0x020D,

    /// <summary>sar_total_segments (§5.3.2.23), 1 octet.</summary>
    SarTotalSegments = 0x020E,

    /// <summary>sar_segment_seqnum (§5.3.2.24), 1 octet, starting at 1.</summary>
    SarSegmentSeqnum = 0x020F,

    /// <summary>sc_interface_version (§5.3.2.25), 1 octet.</summary>
    ScInterfaceVersion = 0x0210,

    /// <summary>callback_num_pres_ind (§5.3.2.37), 1 octet.</summary>
    CallbackNumPresInd = 0x0302,

    /// <summary>callback_num_atag (§5.3.2.38), variable.</summary>
    CallbackNumAtag = 0x0303,

    /// <summary>number_of_messages (§5.3.2.39), 1 octet.</summary>
    NumberOfMessages = 0x0304,

    /// <summary>callback_num (§5.3.2.36), 4–19 octets.</summary>
    CallbackNum = 0x0381,

    /// <summary>dpf_result (§5.3.2.28), 1 octet.</summary>
    DpfResult = 0x0420,

    /// <summary>set_dpf (§5.3.2.29), 1 octet.</summary>
    SetDpf = 0x0421,

    /// <summary>ms_availability_status (§5.3.2.30), 1 octet.</summary>
    MsAvailabilityStatus = 0x0422,

    /// <summary>network_error_code (§5.3.2.31), 3 octets.</summary>
    NetworkErrorCode = 0x0423,

    /// <summary>message_payload (§5.3.2.32), variable: the message when it does not travel in short_message.</summary>
    MessagePayload = 0x0424,

    /// <summary>delivery_failure_reason (§5.3.2.33), 1 octet.</summary>
    DeliveryFailureReason = 0x0425,

    /// <summary>more_messages_to_send (§5.3.2.34), 1 octet.</summary>
    MoreMessagesToSend = 0x0426,

    /// <summary>message_state (§5.3.2.35), 1 octet (values in <see cref="Smpp.MessageState"/>).</summary>
    MessageState = 0x0427,

    /// <summary>ussd_service_op (§5.3.2.44), 1 octet (values in <see cref="Smpp.UssdServiceOp"/>).</summary>
    UssdServiceOp = 0x0501,

    /// <summary>display_time (§5.3.2.26), 1 octet.</summary>
    DisplayTime = 0x1201,

    /// <summary>sms_signal (§5.3.2.40), 2 octets.</summary>
    SmsSignal = 0x1203,

    /// <summary>ms_validity (§5.3.2.27), 1 octet.</summary>
    MsValidity = 0x1204,

    /// <summary>alert_on_message_delivery (§5.3.2.41), no value.</summary>
    AlertOnMessageDelivery = 0x130C,

    /// <summary>its_reply_type (§5.3.2.42), 1 octet.</summary>
    ItsReplyType = 0x1380,

    /// <summary>its_session_info (§5.3.2.43), 2 octets (see <see cref="Smpp.ItsSessionInfo"/>).</summary>
    ItsSessionInfo = 0x1383,
}
