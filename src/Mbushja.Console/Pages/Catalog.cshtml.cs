using System.Globalization;
using Mbushja.Accounts;
using Mbushja.Domain;
using Mbushja.WebConsole.Users;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace Mbushja.WebConsole.Pages;

/// <summary>
/// The catalog and the service fee (admins; docs/money.md): today's prices and fee, the recorded changes with their
/// effective dates, and a form to schedule a package's price or the fee from a future operator-local day on
/// (<see cref="CatalogChanges.ScheduleAsync"/> decides, as the signed-in admin). Every change is audited.
/// </summary>
public sealed class CatalogModel(CatalogChanges changes, OperatorConfig config, OperatorClock clock, ConsoleAudit audit, ConsoleText texts) : ConsolePage
{
    public const string PriceKind = "price";
    public const string FeeKind = "fee";

    [BindProperty]
    public string? Kind { get; set; } = PriceKind;

    [BindProperty]
    public string? PackageCode { get; set; }

    /// <summary>EUR as a person writes it: <c>15.90</c> or <c>15,90</c>.</summary>
    [BindProperty]
    public string? Amount { get; set; }

    [BindProperty]
    public string? EffectiveFrom { get; set; }

    [BindProperty]
    public string? Reason { get; set; }

    public CatalogSchedule Schedule { get; private set; } = null!;

    public DateOnly Today => clock.Today;

    public Catalog Catalog => config.Catalog;

    public async Task OnGetAsync() => Schedule = await changes.RefreshAsync(HttpContext.RequestAborted);

    public async Task<IActionResult> OnPostAsync()
    {
        CancellationToken ct = HttpContext.RequestAborted;
        CatalogChangeKind? kind = Kind switch
        {
            PriceKind => CatalogChangeKind.Price,
            FeeKind => CatalogChangeKind.Fee,
            _ => null,
        };
        ParseResult<Money> amount = Money.ParseAmount(Amount);
        bool dated = DateOnly.TryParseExact(EffectiveFrom?.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out DateOnly from);
        if (kind is null)
        {
            Refuse(StatusCodes.Status400BadRequest, texts["catalog.error.kind"]);
        }
        else if (!amount.Success)
        {
            Refuse(StatusCodes.Status400BadRequest, texts.Format("catalog.error.amount", Amount));
        }
        else if (!dated)
        {
            Refuse(StatusCodes.Status400BadRequest, texts.Format("money.baddate", EffectiveFrom));
        }
        else
        {
            string? package = kind == CatalogChangeKind.Price ? PackageCode : null;
            CatalogChangeOutcome outcome = await changes.ScheduleAsync(kind.Value, package, amount.Value, from, Username, Reason ?? "", ct);
            if (outcome.Succeeded)
            {
                CatalogChange change = outcome.Change;
                await audit.RecordAsync(Username, ConsoleActions.CatalogChangeScheduled, change.PackageCode ?? FeeKind, new
                {
                    change = change.Id,
                    kind = Kind,
                    amountCents = change.Amount.Cents,
                    effectiveFrom = change.EffectiveFrom.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                    reason = change.Reason,
                }, ct);
                Notice = texts.Format("catalog.scheduled", What(change.PackageCode), change.Amount, change.EffectiveFrom.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
                Amount = EffectiveFrom = Reason = null;
            }
            else
            {
                CatalogChangeError error = outcome.Error;
                Refuse(
                    error.Code switch
                    {
                        ErrorCodes.ChangeExists => StatusCodes.Status409Conflict,
                        ErrorCodes.MissingField => StatusCodes.Status400BadRequest,
                        _ => StatusCodes.Status422UnprocessableEntity,
                    },
                    texts.Format(
                        "catalog.error." + error.Code.ToLowerInvariant(),
                        Today.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                        What(package),
                        error.Message,
                        CatalogChanges.MaxReasonLength));
            }
        }

        Schedule = await changes.RefreshAsync(ct);
        return Page();
    }

    /// <summary>The next recorded change of a package's price (null) or of the fee, after today.</summary>
    public CatalogChange? NextChange(string? packageCode) => Schedule.Changes.FirstOrDefault(c =>
        c.EffectiveFrom > Today && string.Equals(c.PackageCode, packageCode, StringComparison.OrdinalIgnoreCase)
        && (c.Kind == CatalogChangeKind.Fee) == (packageCode is null));

    private string What(string? packageCode) => packageCode ?? texts["catalog.kind.fee"];

    private void Refuse(int status, string problem)
    {
        Response.StatusCode = status;
        Problem = problem;
    }
}
