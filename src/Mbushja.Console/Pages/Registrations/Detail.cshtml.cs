using Mbushja.Domain;
using Mbushja.Sms;
using Mbushja.TopUp;
using Mbushja.WebConsole.Users;
using Microsoft.AspNetCore.Mvc;

namespace Mbushja.WebConsole.Pages.Registrations;

/// <summary>
/// One registration: its people and account, adding and removing authorised persons (four at most: the fifth is
/// refused and nothing changes), changing the bank account, and the history of every change.
/// </summary>
public sealed class DetailModel(
    Mbushja.TopUp.Registrations registrations,
    BankDirectory banks,
    NumberingPlan numbering,
    ConsoleAudit audit,
    ConsoleText texts,
    TopUpControls controls,
    SpendingCaps spendingCaps,
    RenewalDesk renewalDesk)
    : RegistrationsPage(texts)
{
    /// <summary>The service account (any identifier) whose renewal is set, or the id of the one stopped.</summary>
    [BindProperty]
    public string? RenewAccount { get; set; }

    /// <summary>The renewals the registration's members set at its bank (docs/design/renewals.md).</summary>
    public IReadOnlyList<Renewal> Renewals { get; private set; } = [];

    [BindProperty(SupportsGet = true)]
    public string BankCode { get; set; } = "";

    [BindProperty(SupportsGet = true)]
    public string Id { get; set; } = "";

    [BindProperty]
    public string? Msisdn { get; set; }

    [BindProperty]
    public string? AccountRef { get; set; }

    public Mbushja.TopUp.Registration? Registration { get; private set; }

    /// <summary>The caps in force, the registration's and each authorised person's, with what is used today and this month.</summary>
    public RegistrationCaps? Caps { get; private set; }

    /// <summary>Whose caps the form sets: empty for the whole registration, else an authorised person's number.</summary>
    [BindProperty]
    public string? CapsOf { get; set; }

    [BindProperty]
    public string? CapsDaily { get; set; }

    [BindProperty]
    public string? CapsMonthly { get; set; }

    public IReadOnlyList<RegistrationAuditEntry> History { get; private set; } = [];

    public Task<IActionResult> OnGetAsync() => ShowAsync();

    public Task<IActionResult> OnPostAddAsync() => ChangeAsync(async (bank, ct) =>
        ReadNumber(numbering, Msisdn) is { } number
            ? (await registrations.AddAuthorizedAsync(bank, Id, number, Username, ct), ConsoleActions.AuthorizedAdded, new { msisdn = number.E164 }, "reg.added")
            : null);

    public Task<IActionResult> OnPostRemoveAsync() => ChangeAsync(async (bank, ct) =>
        ReadNumber(numbering, Msisdn) is { } number
            ? (await registrations.RemoveAuthorizedAsync(bank, Id, number, Username, ct), ConsoleActions.AuthorizedRemoved, new { msisdn = number.E164 }, "reg.removed")
            : null);

    public Task<IActionResult> OnPostAccountAsync() => ChangeAsync(async (bank, ct) =>
    {
        ParseResult<Iban> iban = Iban.Parse(AccountRef);
        if (!iban.Success)
        {
            Problem = Texts.Format("reg.error.iban", AccountRef);
            return null;
        }

        return (await registrations.ChangeAccountRefAsync(bank, Id, iban.Value, Username, ct), ConsoleActions.RegistrationAccountChanged, new { accountRef = iban.Value.Value }, "reg.accountchanged");
    });

    /// <summary>Sets the caps of the registration or of one authorised person (docs/design/controls.md), audited when set.</summary>
    public async Task<IActionResult> OnPostCapsAsync()
    {
        if (Allow(banks, BankCode) is not { } bank)
        {
            return Page();
        }

        Msisdn? person = null;
        if (!string.IsNullOrWhiteSpace(CapsOf) && (person = ReadNumber(numbering, CapsOf)) is null)
        {
            Response.StatusCode = 422;
            return await ShowAsync(keepStatus: true);
        }

        if (ReadCap(CapsDaily) is not { } daily || ReadCap(CapsMonthly) is not { } monthly)
        {
            Response.StatusCode = 422;
            return await ShowAsync(keepStatus: true);
        }

        CancellationToken ct = HttpContext.RequestAborted;
        (RegistrationCaps? set, RegistrationError? error) = await spendingCaps.SetAsync(bank.Code, Id, person, new CapsChange(daily.Amount, monthly.Amount), Username, ct);
        if (set is not null)
        {
            await audit.RecordAsync(
                Username, ConsoleActions.CapsSet, $"{bank.Code}/{set.RegistrationId}", new { msisdn = person?.E164, dailyCents = daily.Amount?.Cents, monthlyCents = monthly.Amount?.Cents }, ct);
            Notice = Texts["controls.capsset"];
        }
        else
        {
            Response.StatusCode = error!.Code == ErrorCodes.NotFound ? 404 : 422;
            Problem = error.Code == SpendingCaps.DailyAboveMonthly ? Texts["controls.error.dailyabove"] : Refusal(error);
        }

        return await ShowAsync(keepStatus: true);
    }

    /// <summary>A cap as typed (EUR; empty: none), or null with the reason set.</summary>
    private (Money? Amount, bool Read)? ReadCap(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return (null, true);
        }

        ParseResult<Money> amount = Money.ParseAmount(text);
        if (amount.Success)
        {
            return (amount.Value, true);
        }

        Problem = Texts.Format("controls.error.amount", text);
        return null;
    }

    /// <summary>Sets an account's renewal, paid by a member of this registration (<see cref="Msisdn"/>) from its bank account.</summary>
    public async Task<IActionResult> OnPostRenewAsync()
    {
        if (Allow(banks, BankCode) is not { } bank)
        {
            return Page();
        }

        CancellationToken ct = HttpContext.RequestAborted;
        Mbushja.TopUp.Registration? registration = await registrations.FindAsync(bank.Code, Id, ct);
        Msisdn? payer = ReadNumber(numbering, Msisdn);
        RenewalRefusal? refused = registration is null || payer is not { } who
                || (who != registration.Holder && !registration.Authorized.Contains(who))
            ? new RenewalRefusal(RenewalDesk.NotMember, "msisdn")
            : await renewalDesk.SetAsync(bank.Code, who, RenewAccount ?? "", Username, ct);
        if (refused is null)
        {
            await audit.RecordAsync(Username, ConsoleActions.RenewalSet, $"{bank.Code}/{Id}", new { msisdn = payer!.Value.E164, account = RenewAccount }, ct);
            Notice = Texts["renew.set"];
        }
        else
        {
            Response.StatusCode = 422;
            Problem = Texts["renew.error." + refused.Code];
        }

        return await ShowAsync(keepStatus: true);
    }

    /// <summary>Stops the renewal of one account (<see cref="RenewAccount"/>: its id) set at this bank.</summary>
    public async Task<IActionResult> OnPostStopRenewalAsync()
    {
        if (Allow(banks, BankCode) is not { } bank)
        {
            return Page();
        }

        CancellationToken ct = HttpContext.RequestAborted;
        if (await renewalDesk.StopAsync(bank.Code, RenewAccount ?? "", ct))
        {
            await audit.RecordAsync(Username, ConsoleActions.RenewalStopped, $"{bank.Code}/{Id}", new { account = RenewAccount }, ct);
            Notice = Texts["renew.stopped"];
        }
        else
        {
            Response.StatusCode = 404;
            Problem = Texts["renew.error.none"];
        }

        return await ShowAsync(keepStatus: true);
    }

    /// <summary>Runs one change of a registration this user may work on, audits it when it is made, and shows the registration again.</summary>
    private async Task<IActionResult> ChangeAsync(Func<string, CancellationToken, Task<(RegistrationOutcome Outcome, string Action, object Details, string Done)?>> change)
    {
        if (Allow(banks, BankCode) is not { } bank)
        {
            return Page();
        }

        CancellationToken ct = HttpContext.RequestAborted;
        if (await change(bank.Code, ct) is { } made)
        {
            if (made.Outcome.Succeeded)
            {
                await audit.RecordAsync(Username, made.Action, $"{bank.Code}/{made.Outcome.Registration.Id}", made.Details, ct);
                Notice = Texts[made.Done];
            }
            else
            {
                Response.StatusCode = made.Outcome.Error.Code == ErrorCodes.NotFound ? 404 : 422;
                Problem = Refusal(made.Outcome.Error);
            }
        }
        else
        {
            Response.StatusCode = 422;
        }

        return await ShowAsync(keepStatus: true);
    }

    private async Task<IActionResult> ShowAsync(bool keepStatus = false)
    {
        if (!keepStatus && Allow(banks, BankCode) is null)
        {
            return Page();
        }

        Bank ??= banks.ByCode(BankCode);
        if (Bank is null)
        {
            return Page();
        }

        Registration = await registrations.FindAsync(Bank.Code, Id, HttpContext.RequestAborted);
        if (Registration is null)
        {
            Response.StatusCode = 404;
            Problem = Texts["reg.error.notfound"];
            return Page();
        }

        History = await registrations.AuditTrailAsync(Bank.Code, Id, HttpContext.RequestAborted) ?? [];
        Caps = await controls.CapsOfAsync(Registration, HttpContext.RequestAborted);
        Renewals = await renewalDesk.OfRegistrationAsync(Registration, HttpContext.RequestAborted);
        return Page();
    }
}
