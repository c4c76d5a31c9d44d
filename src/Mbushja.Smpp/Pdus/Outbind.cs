using Mbushja.Smpp.Wire;

namespace Mbushja.Smpp.Pdus;

/// <summary>
/// outbind (SMPP v3.4 §4.1.7): the SMSC asks the ESME to bind as a receiver. system_id (16), password (9). It has
/// no response; the ESME answers with a bind.
/// </summary>
public sealed class Outbind : Pdu
{
    public Outbind()
    {
    }

    internal Outbind(in PduHeader header, ref BodyReader reader)
        : base(header)
    {
        SystemId = reader.CString(16, CommandStatus.InvalidSystemId, "system_id");
        Password = reader.CString(9, CommandStatus.InvalidPassword, "password");
    }

    public override CommandId CommandId => CommandId.Outbind;

    public string SystemId { get; init; } = string.Empty;

    public string Password { get; init; } = string.Empty;

    internal override int BodyLength => CString.Size(SystemId) + CString.Size(Password);

    internal override void WriteBody(ref BodyWriter writer)
    {
        writer.CString(SystemId, 16, "system_id");
        writer.CString(Password, 9, "password");
    }
}
