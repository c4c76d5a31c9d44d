namespace Mbushja.WebConsole.Users;

/// <summary>What a console user may do (README "Console"). Each role may do what the ones before it may, except a bank officer.</summary>
public enum ConsoleRole
{
    /// <summary>Customer care: dashboard, lookup, transaction trails.</summary>
    Agent,

    /// <summary>An agent who may also reverse a transaction.</summary>
    Supervisor,

    /// <summary>Bank branch staff: the registrations of their own bank, nothing else.</summary>
    BankOfficer,

    /// <summary>Everything, and configuration and users.</summary>
    Admin,
}

public static class ConsoleRoles
{
    public const string Agent = "agent";
    public const string Supervisor = "supervisor";
    public const string BankOfficer = "bank-officer";
    public const string Admin = "admin";

    /// <summary>Every role's name, as stored, typed on the command line and shown.</summary>
    public static IReadOnlyList<string> Names { get; } = [Agent, Supervisor, BankOfficer, Admin];

    public static string ToWire(this ConsoleRole role) => role switch
    {
        ConsoleRole.Agent => Agent,
        ConsoleRole.Supervisor => Supervisor,
        ConsoleRole.BankOfficer => BankOfficer,
        ConsoleRole.Admin => Admin,
        _ => throw new ArgumentOutOfRangeException(nameof(role), role, null),
    };

    /// <summary>A role from its name (case and <c>_</c>/<c>-</c> ignored), or null.</summary>
    public static ConsoleRole? Parse(string? text) => text?.Trim().ToLowerInvariant().Replace('_', '-') switch
    {
        Agent => ConsoleRole.Agent,
        Supervisor => ConsoleRole.Supervisor,
        BankOfficer => ConsoleRole.BankOfficer,
        Admin => ConsoleRole.Admin,
        _ => null,
    };
}

/// <summary>
/// The authorization policies of the console. Pages name a policy, never a role, so that who may do what is read here
/// in one place.
/// </summary>
public static class ConsolePolicies
{
    /// <summary>Any signed-in console user.</summary>
    public const string SignedIn = "console";

    /// <summary>Look subscribers and transactions up, see the dashboard: customer care and admins.</summary>
    public const string CustomerCare = "console.care";

    /// <summary>Reverse a transaction: supervisors and admins (the reversal itself is built on the transaction page).</summary>
    public const string Reverse = "console.reverse";

    /// <summary>Registrations: bank officers (their own bank only, checked per bank) and admins.</summary>
    public const string Registrations = "console.registrations";

    /// <summary>
    /// A bank's money, settlement and reconciliation: supervisors (who reverse, and answer for it), bank officers (their
    /// own bank only, checked per bank: the statement is theirs to send) and admins. Agents look up, they do not settle.
    /// </summary>
    public const string Finance = "console.finance";

    /// <summary>Users, the audit log, the catalog and the fee: admins.</summary>
    public const string Admin = "console.admin";

    /// <summary>
    /// Act as a subscriber in the phone emulator (sandbox demos only): supervisors and admins. It spends money as
    /// someone else (a bank debit, prepaid credit), so it goes to those who may also reverse; agents read, they do not act.
    /// </summary>
    public const string Phone = "console.phone";

    /// <summary>The roles each policy admits.</summary>
    public static IReadOnlyDictionary<string, string[]> Roles { get; } = new Dictionary<string, string[]>(StringComparer.Ordinal)
    {
        [CustomerCare] = [ConsoleRoles.Agent, ConsoleRoles.Supervisor, ConsoleRoles.Admin],
        [Reverse] = [ConsoleRoles.Supervisor, ConsoleRoles.Admin],
        [Registrations] = [ConsoleRoles.BankOfficer, ConsoleRoles.Admin],
        [Finance] = [ConsoleRoles.Supervisor, ConsoleRoles.BankOfficer, ConsoleRoles.Admin],
        [Admin] = [ConsoleRoles.Admin],
        [Phone] = [ConsoleRoles.Supervisor, ConsoleRoles.Admin],
    };
}
