namespace Mbushja.Smpp.Session;

/// <summary>
/// Why a session could not do what was asked (after Npgsql's NpgsqlException): the link, not the SMSC's verdict on a
/// message. A response with an error status is not an exception: it comes back as the response PDU for the caller to
/// read. <see cref="IsTransient"/> says whether trying again later can succeed.
/// </summary>
public class SmppException : Exception
{
    public SmppException()
    {
    }

    public SmppException(string message)
        : base(message)
    {
    }

    public SmppException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>True when the same request may succeed on a later try (a new connection, a free window).</summary>
    public virtual bool IsTransient => true;
}

/// <summary>The connection could not be opened, or was lost; requests in flight have no answer.</summary>
public sealed class SmppConnectionException : SmppException
{
    public SmppConnectionException()
    {
    }

    public SmppConnectionException(string message)
        : base(message)
    {
    }

    public SmppConnectionException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// A request had no response within the response timeout. Whether the SMSC acted on it is unknown: a submit_sm may
/// have been accepted.
/// </summary>
public sealed class SmppTimeoutException : SmppException
{
    public SmppTimeoutException()
    {
    }

    public SmppTimeoutException(string message)
        : base(message)
    {
    }

    public SmppTimeoutException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>No session is bound (yet, or any more) that could carry the request.</summary>
public sealed class SmppNotBoundException : SmppException
{
    public SmppNotBoundException()
    {
    }

    public SmppNotBoundException(string message)
        : base(message)
    {
    }

    public SmppNotBoundException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>The SMSC refused the bind (§4.1.2: ESME_RBINDFAIL, ESME_RINVPASWD, ESME_RINVSYSID, ...).</summary>
public sealed class SmppBindException : SmppException
{
    public SmppBindException()
    {
    }

    public SmppBindException(string message)
        : base(message)
    {
    }

    public SmppBindException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    public SmppBindException(CommandStatus status)
        : base($"The SMSC refused the bind: {status} (0x{(uint)status:X8}).")
    {
        Status = status;
    }

    public CommandStatus Status { get; }

    /// <summary>Wrong credentials stay wrong until someone changes the configuration; other refusals may pass.</summary>
    public override bool IsTransient => Status is not (CommandStatus.InvalidPassword or CommandStatus.InvalidSystemId);
}
