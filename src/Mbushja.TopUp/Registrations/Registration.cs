using System.Diagnostics.CodeAnalysis;
using Mbushja.Domain;

namespace Mbushja.TopUp;

/// <summary>How a number belongs to a registration.</summary>
public enum RegistrationRole
{
    /// <summary>The account holder, who registered at the branch.</summary>
    Holder,

    /// <summary>One of up to four people the holder lets top up from the account.</summary>
    Authorized,
}

/// <summary>One of the holder's own service accounts recorded in a registration (ProCredit's bare <c>tv</c> pays it).</summary>
public sealed record ContractAccount(string Id, ServiceKind Kind, string? Username, string? Contract, string? SmartCard, string? Number);

/// <summary>A registration for SMS Top Up at one bank: who may charge which account.</summary>
public sealed record Registration(
    string Id,
    string BankCode,
    Msisdn Holder,
    Iban AccountRef,
    IReadOnlyList<Msisdn> Authorized,
    IReadOnlyList<ContractAccount> ContractAccounts,
    DateTimeOffset CreatedAt);

/// <summary>The registration a number belongs to at a bank, and as what.</summary>
public sealed record RegistrationMember(Registration Registration, RegistrationRole Role);

/// <summary>
/// A registration to create, its numbers and IBAN already read; contract accounts as the bank wrote them (any
/// identifier of a service account).
/// </summary>
public sealed record NewRegistration(
    string BankCode,
    Msisdn Holder,
    Iban AccountRef,
    IReadOnlyList<Msisdn> Authorized,
    IReadOnlyList<string> ContractAccounts);

/// <summary>One change to a registration. <see cref="Details"/> is short JSON with full numbers (an access-controlled record).</summary>
public sealed record RegistrationAuditEntry(long Seq, string RegistrationId, string BankCode, DateTimeOffset At, string Actor, string Action, string Details);

/// <summary>Why a registration change was refused: a stable code, a message, and the request field to blame.</summary>
public sealed record RegistrationError(string Code, string Message, string? Field = null);

/// <summary>The registration after a change, or why the change was refused (and then nothing changed).</summary>
public sealed class RegistrationOutcome
{
    private RegistrationOutcome(Registration? registration, RegistrationError? error)
    {
        Registration = registration;
        Error = error;
    }

    public Registration? Registration { get; }

    public RegistrationError? Error { get; }

    [MemberNotNullWhen(true, nameof(Registration))]
    [MemberNotNullWhen(false, nameof(Error))]
    public bool Succeeded => Registration is not null;

    public static RegistrationOutcome Ok(Registration registration) => new(registration, null);

    public static RegistrationOutcome Refused(string code, string message, string? field = null) => new(null, new RegistrationError(code, message, field));
}

/// <summary>What an audit entry records.</summary>
public static class RegistrationActions
{
    public const string Created = "created";
    public const string AuthorizedAdded = "authorized_added";
    public const string AuthorizedRemoved = "authorized_removed";
    public const string AccountChanged = "account_changed";
}
