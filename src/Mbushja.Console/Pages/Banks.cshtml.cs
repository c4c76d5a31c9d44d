using Mbushja.Domain;
using Mbushja.Sms;
using Microsoft.AspNetCore.Mvc;

namespace Mbushja.WebConsole.Pages;

/// <summary>
/// The banks (README "Console"): each bank's code, short code, limits, grammar with its examples and help texts, as its
/// file declares them, and a grammar tester that reads a text with the server's own <see cref="SmsInterpreter"/> (what
/// <c>mbushja parse</c> calls), changing nothing. Every role reads it; a bank officer sees their own bank only.
/// </summary>
public sealed class BanksModel(BankDirectory banks, SmsInterpreter interpreter, NumberingPlan numbering, ConsoleText texts) : ConsolePage
{
    [BindProperty(SupportsGet = true, Name = "bank")]
    public string? BankCode { get; set; }

    /// <summary>The short code the tested text is sent to (it picks the bank, as on the network).</summary>
    [BindProperty]
    public string? ShortCode { get; set; }

    [BindProperty]
    public string? Text { get; set; }

    /// <summary>The sender; empty: <see cref="StandInSender"/>.</summary>
    [BindProperty]
    public string? Sender { get; set; }

    /// <summary>The banks this user may see.</summary>
    public IReadOnlyList<Bank> Visible => [.. banks.Banks.Where(b => SeesEveryBank || string.Equals(b.Code, OwnBank, StringComparison.OrdinalIgnoreCase))];

    /// <summary>The bank shown.</summary>
    public Bank? Bank { get; private set; }

    /// <summary>The tester's reading of the text, exactly as <c>mbushja parse</c> prints it (<see cref="SmsInterpretation.ToJson"/>).</summary>
    public SmsInterpretation? Result { get; private set; }

    /// <summary>The sender the text was read for.</summary>
    public string? ReadFor { get; private set; }

    /// <summary>
    /// The sender the tester reads a text for when none is given: a number of the operator's first prefix (a bare amount
    /// needs someone's number).
    /// </summary>
    public string StandInSender => numbering.OperatorPrefixes[0].PadRight(numbering.NationalLength + 1, '0');

    /// <summary>The bank's help in the language of the page (the reply a subscriber gets for a text it does not read).</summary>
    public string Help(Bank bank) => bank.HelpText(DomainNames.ParseLanguage(texts.Language).TryGetValue(out Language language) ? language : Language.Sq);

    public IActionResult OnGet()
    {
        Bank = AllowBank(banks, BankCode, texts, "banks.otherbank");
        return Page();
    }

    public IActionResult OnPostTest()
    {
        // The short code picks the bank; an officer may try their own bank's only.
        Bank? target = banks.ByShortCode(ShortCode);
        if (!SeesEveryBank && !string.Equals(target?.Code, OwnBank, StringComparison.OrdinalIgnoreCase))
        {
            Response.StatusCode = Microsoft.AspNetCore.Http.StatusCodes.Status403Forbidden;
            Problem = texts.Format("banks.otherbank", OwnBank, target?.Code ?? ShortCode);
            Bank = AllowBank(banks, OwnBank, texts, "banks.otherbank");
            return Page();
        }

        Bank = target ?? AllowBank(banks, BankCode, texts, "banks.otherbank");
        ReadFor = string.IsNullOrWhiteSpace(Sender) ? StandInSender : Sender.Trim();
        Result = interpreter.Interpret(ShortCode, ReadFor, Text);
        return Page();
    }

    /// <summary>A target's "what" in words: the number, the account as written, or the registered account.</summary>
    public string What(TopUpTarget target) =>
        target.Msisdn?.E164 ?? target.Number?.E164 ?? target.Account ?? texts["banks.registeredaccount"];
}
