using Mbushja.Domain;
using Mbushja.Sms;
using Mbushja.TopUp;
using Mbushja.WebConsole.Users;
using Microsoft.AspNetCore.Mvc;

namespace Mbushja.WebConsole.Pages.Registrations;

/// <summary>A bank's registrations: the latest, one found by number, and a new one.</summary>
public sealed class IndexModel(
    Mbushja.TopUp.Registrations registrations, BankDirectory banks, NumberingPlan numbering, ConsoleAudit audit, ConsoleText texts)
    : RegistrationsPage(texts)
{
    public const int ListLength = 100;

    [BindProperty(SupportsGet = true, Name = "bank")]
    public string? BankCode { get; set; }

    [BindProperty(SupportsGet = true, Name = "msisdn")]
    public string? Search { get; set; }

    [BindProperty]
    public NewRegistrationForm Form { get; set; } = new();

    public IReadOnlyList<Mbushja.TopUp.Registration> Latest { get; private set; } = [];

    public RegistrationMember? Found { get; private set; }

    public IReadOnlyList<string> Banks => [.. banks.Banks.Select(b => b.Code)];

    public async Task<IActionResult> OnGetAsync()
    {
        if (Allow(banks, BankCode) is not { } bank)
        {
            return Page();
        }

        if (!string.IsNullOrWhiteSpace(Search) && ReadNumber(numbering, Search) is { } number)
        {
            Found = await registrations.FindMemberAsync(bank.Code, number, HttpContext.RequestAborted);
            Problem = Found is null ? Texts.Format("reg.notfoundnumber", number.E164, bank.Code) : null;
        }

        Latest = await registrations.ListAsync(bank.Code, ListLength, HttpContext.RequestAborted);
        return Page();
    }

    public async Task<IActionResult> OnPostAsync()
    {
        if (Allow(banks, BankCode) is not { } bank)
        {
            return Page();
        }

        CancellationToken ct = HttpContext.RequestAborted;
        NewRegistration? registration = Read(bank.Code);
        if (registration is not null)
        {
            RegistrationOutcome outcome = await registrations.CreateAsync(registration, Username, ct);
            if (outcome.Succeeded)
            {
                Mbushja.TopUp.Registration created = outcome.Registration;
                await audit.RecordAsync(Username, ConsoleActions.RegistrationCreated, $"{created.BankCode}/{created.Id}", new
                {
                    holder = created.Holder.E164,
                    authorized = created.Authorized.Select(a => a.E164),
                    contractAccounts = created.ContractAccounts.Select(a => a.Id),
                }, ct);
                return Redirect($"/console/registrations/{created.BankCode}/{created.Id}");
            }

            Problem = Refusal(outcome.Error);
        }

        Latest = await registrations.ListAsync(bank.Code, ListLength, ct);
        return Page();
    }

    private NewRegistration? Read(string bank)
    {
        if (ReadNumber(numbering, Form.Holder) is not { } holder)
        {
            return null;
        }

        ParseResult<Iban> iban = Iban.Parse(Form.AccountRef);
        if (!iban.Success)
        {
            Problem = Texts.Format("reg.error.iban", Form.AccountRef);
            return null;
        }

        var authorized = new List<Msisdn>();
        foreach (string text in Form.Authorized.Where(a => !string.IsNullOrWhiteSpace(a)).Select(a => a!))
        {
            if (ReadNumber(numbering, text) is not { } number)
            {
                return null;
            }

            authorized.Add(number);
        }

        string[] accounts = (Form.ContractAccounts ?? "").Split([',', ' ', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return new NewRegistration(bank, holder, iban.Value, authorized, accounts);
    }
}

/// <summary>The fields of the new-registration form.</summary>
public sealed class NewRegistrationForm
{
    public string? Holder { get; set; }

    public string? AccountRef { get; set; }

    /// <summary>Up to four numbers; empty fields are skipped.</summary>
    public List<string?> Authorized { get; set; } = [];

    /// <summary>The holder's service accounts, separated by commas or spaces.</summary>
    public string? ContractAccounts { get; set; }
}
