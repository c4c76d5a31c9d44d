using Mbushja.Domain;
using Mbushja.Sms;
using Mbushja.TopUp;
using Mbushja.WebConsole.Users;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace Mbushja.WebConsole.Pages.Finance;

/// <summary>
/// Reconciliation of a bank's statement of one day: its CSV (docs/bank-statement-csv.md) or its ISO 20022 camt.053/camt.054
/// message (docs/bank-statement-camt.md) uploaded here, checked by <see cref="Reconciliations"/> against the settlement, the
/// report shown and recorded (and audited); a statement that is malformed, of another day or account, or too large is
/// refused whole with the service's reason, and nothing is recorded.
/// </summary>
/// <remarks>
/// The server takes small request bodies; this form takes the service's limit and room for the form around it, so
/// that a statement a little over the limit still reaches the service, which refuses it with its own reason.
/// </remarks>
[RequestSizeLimit(UploadLimit)]
[RequestFormLimits(MultipartBodyLengthLimit = UploadLimit)]
public sealed class ReconciliationModel(
    Reconciliations reconciliations, ConsoleAudit audit, BankDirectory banks, OperatorClock clock, ConsoleText texts)
    : FinancePage(banks, clock, texts)
{
    /// <summary>The largest upload the form reads: the service's largest limit and 1 MiB for the form and a margin.</summary>
    public const long UploadLimit = Reconciliations.MaxAnyBytes + (1024 * 1024);

    public const int EarlierShown = 50;

    [BindProperty]
    public IFormFile? Statement { get; set; }

    public ReconciliationReport? Report { get; private set; }

    public IReadOnlyList<ReconciliationSummary> Earlier { get; private set; } = [];

    public static long LimitMegabytes => Reconciliations.MaxBytes / (1024 * 1024);

    public static long XmlLimitMegabytes => Reconciliations.MaxXmlBytes / (1024 * 1024);

    public async Task<IActionResult> OnGetAsync()
    {
        if (Choose())
        {
            Earlier = await reconciliations.ListAsync(Bank!.Code, EarlierShown, HttpContext.RequestAborted);
        }

        return Page();
    }

    public async Task<IActionResult> OnPostAsync()
    {
        if (!Choose())
        {
            return Page();
        }

        CancellationToken ct = HttpContext.RequestAborted;
        string bank = Bank!.Code;
        if (Statement is not { Length: > 0 } file)
        {
            Response.StatusCode = StatusCodes.Status400BadRequest;
            Problem = Texts["recon.nofile"];
        }
        else
        {
            ReconciliationOutcome outcome;
            await using (Stream stream = file.OpenReadStream())
            {
                outcome = await reconciliations.ReconcileAsync(bank, Date, stream, Username, ct);
            }

            if (outcome.Succeeded)
            {
                Report = outcome.Report;
                await audit.RecordAsync(Username, ConsoleActions.StatementReconciled, $"{bank}/{DateValue}", new
                {
                    report = Report.Id,
                    file = file.FileName,
                    format = Report.Format,
                    lines = Report.StatementLines,
                    matched = Report.Matched.Count,
                    missingAtBank = Report.MissingAtBank.Count,
                    missingHere = Report.MissingHere.Count,
                    mismatched = Report.Mismatched.Count,
                }, ct);
                Notice = Texts["recon.done"];
            }
            else if (outcome.Error.Code == ErrorCodes.StatementTooLarge)
            {
                Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
                Problem = Texts.Format("recon.toolarge", LimitMegabytes, Reconciliations.MaxLines, XmlLimitMegabytes);
            }
            else
            {
                // The service's sentence names the line; the element too when it does not say it already (a camt message's).
                Response.StatusCode = StatusCodes.Status400BadRequest;
                ReconciliationError error = outcome.Error;
                string element = error.Field is { } field && !error.Message.Contains($"'{field}'", StringComparison.Ordinal) ? " " + Texts.Format("recon.element", field) : "";
                Problem = Texts.Format("recon.refused", error.Message + element);
            }
        }

        Earlier = await reconciliations.ListAsync(bank, EarlierShown, ct);
        return Page();
    }
}
