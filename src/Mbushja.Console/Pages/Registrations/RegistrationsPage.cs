using Mbushja.Domain;
using Mbushja.TopUp;

namespace Mbushja.WebConsole.Pages.Registrations;

/// <summary>
/// What the registration pages share: a bank officer works on their own bank only (another bank's registrations are
/// refused with 403 and a message saying why), an admin on any; refusals of the registration service in the user's
/// language.
/// </summary>
public abstract class RegistrationsPage(ConsoleText texts) : ConsolePage
{
    protected ConsoleText Texts { get; } = texts;

    /// <summary>The bank whose registrations this is, once allowed.</summary>
    public Mbushja.Sms.Bank? Bank { get; protected set; }

    /// <summary>
    /// The bank asked for, when this user may work on it (the policy admits officers and admins; an officer works on
    /// their own bank only); otherwise null with <see cref="ConsolePage.Problem"/> and the status set.
    /// </summary>
    protected Mbushja.Sms.Bank? Allow(Mbushja.Sms.BankDirectory banks, string? code)
    {
        Bank = AllowBank(banks, code, Texts, "reg.otherbank");
        return Bank;
    }

    /// <summary>A refusal of the registration service, in the user's language.</summary>
    protected string Refusal(RegistrationError error) => error.Code switch
    {
        ErrorCodes.TooManyAuthorized => Texts.Format("reg.error.toomany", Mbushja.TopUp.Registrations.MaxAuthorized),
        ErrorCodes.AlreadyRegistered => Texts.Format("reg.error.registered", Detail(error)),
        ErrorCodes.DuplicateNumber => Texts.Format("reg.error.duplicate", Detail(error)),
        ErrorCodes.UnknownAccount or ErrorCodes.DuplicateAccount => Texts.Format("reg.error.account", Detail(error)),
        ErrorCodes.NotFound => Texts["reg.error.notfound"],
        _ => Texts.Format("reg.error.other", Detail(error)),
    };

    /// <summary>A number typed into a form, or null with the reason set.</summary>
    protected Msisdn? ReadNumber(NumberingPlan numbering, string? text)
    {
        ParseResult<Msisdn> parsed = numbering.ParseMsisdn(text);
        if (parsed.Success)
        {
            return parsed.Value;
        }

        Problem = Texts.Format("reg.error.number", text);
        return null;
    }

    private static string Detail(RegistrationError error) => error.Message;
}
