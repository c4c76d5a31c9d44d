namespace Mbushja.Smpp.Wire;

/// <summary>The texts of decode errors, in one place (after NodaTime's Messages): field names are the spec's.</summary>
internal static class DecodeMessages
{
    public static string LengthBelowHeader(uint length) => $"command_length {length} is below the 16-octet header";

    public static string LengthOverLimit(uint length, int limit) => $"command_length {length} is over the limit of {limit}";

    public static string LengthNotFrame(uint length, int frame) => $"command_length {length} disagrees with the frame of {frame} octets";

    public static string UnknownCommand(uint id) => $"command_id 0x{id:X8} is unknown or not handled by an ESME";

    public static string HeaderOnlyWithBody(CommandId id, int body) => $"{id} has no body, but {body} octets follow the header";

    public static string Truncated(string field) => $"the body ends before {field}";

    public static string NoTerminator(string field, int maxOctets) => $"{field}: no NUL within {maxOctets} octets";

    public static string BadTime(string field, int length) => $"{field}: {length} characters; a time is empty or 16 characters";

    public static string ShortMessageOverBody(int smLength, int remaining) => $"sm_length {smLength} is over the {remaining} octets left in the body";

    public static string ShortMessageTooLong(int smLength) => $"sm_length {smLength} is over the maximum of 254";

    public static string ShortMessageWithPayload(int smLength) => $"sm_length {smLength} with a message_payload: one of them must be empty (sm_length 0)";

    public static string InvalidDataCoding(byte dataCoding) => $"data_coding 0x{dataCoding:X2} is reserved";

    public static string TlvHeaderTruncated(int offset, int left) => $"optional parameters: {left} octets at offset {offset} are too few for a tag and length";

    public static string TlvValueTruncated(ushort tag, int length, int left) => $"optional parameter 0x{tag:X4}: length {length} is over the {left} octets left";

    public static string TlvWrongLength(ushort tag, int length, int min, int max) =>
        min == max ? $"optional parameter 0x{tag:X4}: length {length}, expected {min}" : $"optional parameter 0x{tag:X4}: length {length}, expected {min}..{max}";

    public static string TlvNotCString(ushort tag) => $"optional parameter 0x{tag:X4}: the C-octet string does not end with NUL";
}
