using System.Collections.Concurrent;
using System.Globalization;
using Mbushja.Accounts;
using Mbushja.Domain;
using Mbushja.Messaging;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Mbushja.Ussd;

/// <summary>
/// Walks the menu: one input at a time against the screen shown, and the screen to show next. It holds no state of its
/// own (a session's state travels in <see cref="UssdState"/>) and moves no money: a confirmation comes back as
/// <see cref="Confirmed"/> for the caller to pay. Customer input never throws: a bad choice, an unknown account or an
/// over-long input re-asks with a short reason.
/// </summary>
/// <param name="prices">Prices and fees an administrator recorded over the catalog file; without it, the file's.</param>
public sealed partial class UssdEngine(
    UssdMenu menu, OperatorConfig config, OperatorClock clock, IUssdData data, ILogger<UssdEngine>? logger = null, CatalogChanges? prices = null)
{
    /// <summary>The longest input taken: the longest identifier there is.</summary>
    public const int MaxInput = AccountIdentifier.MaxLength;

    private readonly ScreenWriter _writer = new(
        menu.Settings.Transliterate, text => LogCut(logger ?? (ILogger)NullLogger.Instance, new LogText(text.Split('\n')[0])));

    private static readonly Language[] Languages = Enum.GetValues<Language>();

    /// <summary>Pages of lists that read nothing (menus, packages, amounts, languages) are the same for every caller.</summary>
    private const int MaxKeptPages = 4096;

    private readonly ConcurrentDictionary<PageKey, ListPage> _pages = new();

    public UssdMenu Menu => menu;

    public ScreenWriter Writer => _writer;

    /// <summary>
    /// Whether the start screen reads nothing to open or to show (a menu, as shipped): it is then the same for every
    /// caller of a language.
    /// </summary>
    public bool StartReadsNothing => menu[menu.Start].Type == ScreenType.Menu;

    /// <summary>A new session: the start screen.</summary>
    public Task<StepResult> StartAsync(Caller caller, CancellationToken ct) => EnterAsync(caller, UssdState.Empty, menu.Start, ct);

    /// <summary>Takes one input on the screen <paramref name="state"/> shows.</summary>
    public async Task<StepResult> ApplyAsync(Caller caller, UssdState state, string input, CancellationToken ct)
    {
        input = input.Trim();
        Language lang = caller.Language;
        if (state.Stack.Count == 0)
        {
            return await StartAsync(caller, ct);
        }

        if (input.Length > MaxInput)
        {
            return new Proceed(state, menu.Text("error.tooLong", lang));
        }

        Frame top = state.Top;
        Screen screen = menu[top.Screen];
        switch (input)
        {
            case "00":
                return await StartAsync(caller, ct);
            case "0":
                return new Proceed(top.Page > 0 ? state.WithPage(top.Page - 1) : state.Pop());
            case "98" when IsList(screen.Type):
                ListPage page = await ListAsync(caller, state, null, ct);
                return page.HasMore ? new Proceed(state.WithPage(page.Page + 1)) : Invalid(state, lang);
        }

        Package? package = config.Catalog.Find(state.Selection.Package);
        switch (screen.Type)
        {
            case ScreenType.Menu when Choice(input, screen.Items.Count) is { } n:
                return await EnterAsync(caller, state, screen.Items[n].Goto, ct);
            case ScreenType.Packages when Choice(input, UssdPackages.Count) is { } n:
                state = state with { Selection = new Selection(Package: UssdPackages[n].Code) };
                return await EnterAsync(caller, state, screen.Next!, ct);
            case ScreenType.Account when package is not null:
                return await AccountAsync(caller, state, screen, package, input, ct);
            case ScreenType.Amount when package is not null && Choice(input, package.Amounts.Count) is { } n:
                state = state with { Selection = state.Selection with { Amount = package.Amounts[n] } };
                return await EnterAsync(caller, state, screen.Next!, ct);
            case ScreenType.Confirm when input == "1":
                return QuoteOf(state) is { } quote ? new Confirmed(state, quote) : new Finish(menu.Text("end.failed", lang));
            case ScreenType.Confirm when input == "2":
                return new Finish(menu.Text("cancelled", lang));
            case ScreenType.RenewalPackages when Choice(input, MonthlyPackages.Count) is { } n:
                state = state with { Selection = new Selection(Package: MonthlyPackages[n].Code) };
                return await EnterAsync(caller, state, screen.Next!, ct);
            case ScreenType.Renewals:
                return await PickRenewalAsync(caller, state, screen, input, ct);
            case ScreenType.RenewalConfirm when input == "1" && RenewalQuoteOf(state) is { } setting:
                return SetRenewal(state, setting, lang);
            case ScreenType.RenewalStop when input == "1" && RenewalQuoteOf(state) is { } stopping:
                return new RenewalChange(
                    state,
                    new RenewalOrder(stopping.ServiceAccountId, stopping.Package.Code, Stop: true, -1, Money.Zero),
                    menu.Text("autopay.stopped", lang, ("package", stopping.Package.Name), ("account", stopping.Account)));
            case ScreenType.RenewalConfirm or ScreenType.RenewalStop when input == "2":
                return new Finish(menu.Text("autopay.kept", lang));
            case ScreenType.Language when Choice(input, Languages.Length) is { } n:
                Language chosen = Languages[n];
                StepResult start = await StartAsync(caller with { Language = chosen }, ct);
                return start is Proceed next ? next with { Notice = menu.Text("language.saved", chosen), NewLanguage = chosen } : start;
            default:
                return Invalid(state, lang);
        }
    }

    /// <summary>The screen <paramref name="state"/> shows, with <paramref name="notice"/> above it; fits one USSD screen.</summary>
    public async Task<string> RenderAsync(Caller caller, UssdState state, string? notice, CancellationToken ct)
    {
        Language lang = caller.Language;
        Screen screen = menu[state.Top.Screen];
        Package? package = config.Catalog.Find(state.Selection.Package);
        string nav = menu.Text("nav", lang);
        switch (screen.Type)
        {
            case ScreenType.Account when package is not null:
                return _writer.Single(Lines(notice, package.Name, menu.Text(UssdMenu.PromptKey(package), lang), nav));
            case ScreenType.Confirm when QuoteOf(state) is { } quote:
                return _writer.WithLongValue(
                    account => Lines(
                        notice,
                        menu.Text(
                            "confirm",
                            lang,
                            ("package", quote.Package.Name),
                            ("account", account),
                            ("price", quote.Price.ToDecimalString()),
                            ("fee", quote.Fee.ToDecimalString()),
                            ("total", quote.Total.ToDecimalString())),
                        nav),
                    quote.Account);
            case ScreenType.RenewalConfirm or ScreenType.RenewalStop when RenewalQuoteOf(state) is { } renewal:
                string key = screen.Type == ScreenType.RenewalConfirm ? "autopay.confirm" : "autopay.stop";
                return _writer.WithLongValue(
                    account => Lines(notice, menu.Text(key, lang, RenewalValues(renewal, state.Selection.Due, account)), nav), renewal.Account);
            case ScreenType.Balance:
                Money credit = await data.CreditAsync(caller.Msisdn, ct) ?? Money.Zero;
                return _writer.Single(Lines(notice, menu.Text("balance.text", lang, ("credit", credit.ToDecimalString())), nav));
            case var type when IsList(type):
                return (await ListAsync(caller, state, notice, ct)).Text;
            default:
                // A state no step makes (an account screen without a package): the start screen rather than an error.
                return (await ListAsync(caller, UssdState.Empty.Push(menu.Start), notice, ct)).Text;
        }
    }

    /// <summary>An ending text as the screen shows it; a long account name is shortened to fit.</summary>
    public string RenderEnd(string text) => _writer.Single(text);

    private IReadOnlyList<Package> UssdPackages => [.. config.Catalog.UssdPackages];

    /// <summary>The USSD packages an automatic renewal may pay: those with a monthly price (not PPV, sold by amount).</summary>
    private IReadOnlyList<Package> MonthlyPackages => [.. config.Catalog.UssdPackages.Where(p => p.Price is not null)];

    /// <summary>A package's price and fee on a day, as a renewal due that day is charged.</summary>
    private (Money Price, Money Fee)? PriceOn(Package package, DateOnly day) =>
        (prices?.Current.PriceOn(package, day) ?? package.Price) is { } price
            ? (price, prices?.Current.FeeOn(day) ?? config.Catalog.Fees.FeeOn(day))
            : null;

    /// <summary>A renewal of the caller's list, to stop: its package, account and next due day are what the stop screen shows.</summary>
    private async Task<StepResult> PickRenewalAsync(Caller caller, UssdState state, Screen screen, string input, CancellationToken ct)
    {
        IReadOnlyList<UssdRenewalDue> mine = await data.RenewalsAsync(caller.Msisdn, ct);
        if (Choice(input, mine.Count) is not { } k)
        {
            return Invalid(state, caller.Language);
        }

        UssdRenewalDue picked = mine[k];
        state = state with
        {
            Selection = new Selection(
                Package: picked.Renewal.PackageCode,
                AccountId: picked.Renewal.ServiceAccountId,
                Account: picked.Label,
                Due: RenewalCalendar.DueDay(clock, picked.PaidUntil),
                Period: picked.Period),
        };
        return await EnterAsync(caller, state, screen.Next!, ct);
    }

    /// <summary>
    /// The renewal confirmed: set with the session's end. When the reminder's day has come already, the confirmation
    /// was the notice (it showed the amount and the day): no reminder follows for this period.
    /// </summary>
    private RenewalChange SetRenewal(UssdState state, Quote quote, Language lang)
    {
        DateTimeOffset? paidUntil = state.Selection.Period is { } ms and > 0 ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;
        bool told = clock.UtcNow >= RenewalCalendar.RemindAt(clock, paidUntil, menu.Settings.RenewalReminderDays);
        var order = new RenewalOrder(quote.ServiceAccountId, quote.Package.Code, Stop: false, told ? state.Selection.Period ?? 0 : -1, told ? quote.Total : Money.Zero);
        string days = menu.Settings.RenewalReminderDays.ToString(CultureInfo.InvariantCulture);
        return new RenewalChange(
            state,
            order,
            told
                ? menu.Text("autopay.set.due", lang, RenewalValues(quote, state.Selection.Due, quote.Account))
                : menu.Text("autopay.set", lang, [.. RenewalValues(quote, state.Selection.Due, quote.Account), ("days", days)]));
    }

    /// <summary>A renewal's confirmation or stop screen: what its due day's payment takes, fixed when the screen opens.</summary>
    private StepResult RenewalPriced(UssdState state, Language lang)
    {
        Selection s = state.Selection;
        return config.Catalog.Find(s.Package) is { } package && s.AccountId is not null && s.Due is { } due && PriceOn(package, due) is { } priced
            ? new Proceed(state with { Selection = s with { Price = priced.Price, Fee = priced.Fee } })
            : new Finish(menu.Text("end.failed", lang));
    }

    private Quote? RenewalQuoteOf(UssdState state)
    {
        Selection s = state.Selection;
        return config.Catalog.Find(s.Package) is { } package && s is { AccountId: { } id, Account: { } account, Price: { } price, Fee: { } fee, Due: not null }
            ? new Quote(package, id, account, price, fee, ByAmount: false)
            : null;
    }

    private static (string Name, string Value)[] RenewalValues(Quote quote, DateOnly? due, string account) =>
    [
        ("package", quote.Package.Name),
        ("account", account),
        ("price", quote.Price.ToDecimalString()),
        ("fee", quote.Fee.ToDecimalString()),
        ("total", quote.Total.ToDecimalString()),
        ("due", due is { } day ? MessageFormat.Date(day) : ""),
    ];

    /// <summary>Opens a screen: pushes it, or ends the session when a rule says so, or passes on when it has nothing to ask.</summary>
    /// <param name="credit">The caller's credit, when the step read it already.</param>
    private async Task<StepResult> EnterAsync(Caller caller, UssdState state, string id, CancellationToken ct, Money? credit = null)
    {
        Language lang = caller.Language;
        Screen screen = menu[id];
        Package? package = config.Catalog.Find(state.Selection.Package);
        switch (screen.Type)
        {
            case ScreenType.Packages when menu.Settings.OncePerMonth && await data.PaidInMonthAsync(caller.Msisdn, clock.MonthKey(clock.UtcNow), ct):
                DateOnly today = clock.Today;
                DateOnly next = new DateOnly(today.Year, today.Month, 1).AddMonths(1);
                return new Finish(menu.Text("end.oncePerMonth", lang, ("date", MessageFormat.Date(next))));
            case ScreenType.Amount when package?.Price is not null:
                // Nothing to choose for a package with a monthly price: on to the next screen, without a stop here.
                return await EnterAsync(caller, state, screen.Next!, ct, credit);
            case ScreenType.Confirm:
                return await QuoteAsync(caller, state.Push(id), credit, ct);
            case ScreenType.RenewalConfirm or ScreenType.RenewalStop:
                return RenewalPriced(state.Push(id), lang);
            case ScreenType.Info:
                return new Finish(menu.Text(screen.Text!, lang));
            default:
                return new Proceed(state.Push(id));
        }
    }

    /// <summary>The confirmation: price and today's fee are fixed now, and what is shown is what is charged.</summary>
    /// <param name="known">The caller's credit, when the step read it already.</param>
    private async Task<StepResult> QuoteAsync(Caller caller, UssdState state, Money? known, CancellationToken ct)
    {
        Package? package = config.Catalog.Find(state.Selection.Package);
        DateOnly today = clock.Today;
        Money? price = (package is null ? null : prices?.Current.PriceOn(package, today) ?? package.Price)
            ?? state.Selection.Amount;
        if (package is null || price is null || state.Selection.AccountId is null)
        {
            return new Finish(menu.Text("end.failed", caller.Language));
        }

        Money fee = prices?.Current.FeeOn(today) ?? config.Catalog.Fees.FeeOn(today);
        Money credit = known ?? await data.CreditAsync(caller.Msisdn, ct) ?? Money.Zero;
        if (credit < price.Value + fee)
        {
            return new Finish(menu.Text(
                "end.insufficient",
                caller.Language,
                ("credit", credit.ToDecimalString()),
                ("total", (price.Value + fee).ToDecimalString())));
        }

        return new Proceed(state with { Selection = state.Selection with { Price = price.Value, Fee = fee } });
    }

    /// <summary>An identifier for the chosen package: well-formed, an account that has it as one of the asked kinds, of the package's kind.</summary>
    private async Task<StepResult> AccountAsync(Caller caller, UssdState state, Screen screen, Package package, string input, CancellationToken ct)
    {
        Language lang = caller.Language;
        bool wellFormed = package.AsksFor.Any(kind => kind switch
        {
            IdentifierKind.Number => config.Numbering.ParseFixed(input).Success,
            _ => AccountIdentifier.Parse(input, kind).Success,
        });
        if (!wellFormed)
        {
            return new Proceed(state, menu.Text("error.identifier", lang));
        }

        (ServiceAccount? account, Money? credit) = await data.FindAccountAsync(input, caller.Msisdn, ct);
        if (account is null || !package.AsksFor.Any(kind => Names(account, kind, input)))
        {
            return new Proceed(state, menu.Text("error.unknownAccount", lang, ("account", Short(input)), ("package", package.Name)));
        }

        if (account.Kind != package.Kind)
        {
            return new Proceed(state, menu.Text("error.wrongKind", lang, ("account", Short(input)), ("package", package.Name)));
        }

        state = state with { Selection = state.Selection with { AccountId = account.Id, Account = input } };
        if (menu[screen.Next!].Type == ScreenType.RenewalConfirm)
        {
            // An automatic renewal: first due on the account's paid-until day (today when never paid or lapsed).
            state = state with
            {
                Selection = state.Selection with
                {
                    Due = RenewalCalendar.DueDay(clock, account.PaidUntil),
                    Period = account.PaidUntil?.ToUnixTimeMilliseconds() ?? 0,
                },
            };
        }

        return await EnterAsync(caller, state, screen.Next!, ct, credit ?? Money.Zero);
    }

    /// <summary>Whether the input is the account's identifier of that kind (the lookup also knows the others).</summary>
    private bool Names(ServiceAccount account, IdentifierKind kind, string input) => kind switch
    {
        IdentifierKind.Username => string.Equals(account.Username, input, StringComparison.OrdinalIgnoreCase),
        IdentifierKind.Contract => string.Equals(account.Contract, input, StringComparison.OrdinalIgnoreCase),
        IdentifierKind.SmartCard => string.Equals(account.SmartCard, input, StringComparison.OrdinalIgnoreCase),
        IdentifierKind.Number => account.Number is { } number && config.Numbering.ParseFixed(input).TryGetValue(out FixedNumber typed) && typed == number,
        _ => false,
    };

    private Quote? QuoteOf(UssdState state)
    {
        Selection s = state.Selection;
        return config.Catalog.Find(s.Package) is { } package && s is { AccountId: { } id, Account: { } account, Price: { } price, Fee: { } fee }
            ? new Quote(package, id, account, price, fee, ByAmount: package.Price is null)
            : null;
    }

    private static bool IsList(ScreenType type) =>
        type is ScreenType.Menu or ScreenType.Packages or ScreenType.Amount or ScreenType.History or ScreenType.Language or ScreenType.RenewalPackages
            or ScreenType.Renewals;

    /// <summary>The list a screen shows, cut to the page the state is on.</summary>
    private async Task<ListPage> ListAsync(Caller caller, UssdState state, string? notice, CancellationToken ct)
    {
        Frame top = state.Top;
        Screen screen = menu[top.Screen];
        // The start screen's first page has nowhere to go back to.
        bool back = state.Stack.Count > 1 || top.Page > 0;
        if (screen.Type is ScreenType.History or ScreenType.Renewals)
        {
            return await ListOfAsync(caller, state, screen, notice, back, ct);
        }

        var key = new PageKey(screen.Id, caller.Language, top.Page, notice, back, screen.Type == ScreenType.Amount ? state.Selection.Package : null);
        if (_pages.TryGetValue(key, out ListPage? kept))
        {
            return kept;
        }

        ListPage page = await ListOfAsync(caller, state, screen, notice, back, ct);
        if (_pages.Count < MaxKeptPages)
        {
            _pages.TryAdd(key, page);
        }

        return page;
    }

    private async Task<ListPage> ListOfAsync(Caller caller, UssdState state, Screen screen, string? notice, bool back, CancellationToken ct)
    {
        Language lang = caller.Language;
        Frame top = state.Top;
        Package? package = config.Catalog.Find(state.Selection.Package);
        var header = new List<string>(3);
        if (notice is not null)
        {
            header.Add(notice);
        }

        if (screen.Type == ScreenType.Amount)
        {
            header.Add(package?.Name ?? "");
        }

        if (screen.Title is not null)
        {
            header.Add(menu.Text(screen.Title, lang));
        }

        List<string> items;
        switch (screen.Type)
        {
            case ScreenType.Menu:
                items = [.. screen.Items.Select((item, i) => Numbered(i, menu.Text(item.Label, lang)))];
                break;
            case ScreenType.Packages:
                items = [.. UssdPackages.Select((p, i) => Numbered(i, p.Name))];
                break;
            case ScreenType.Amount:
                items = [.. (package?.Amounts ?? []).Select((a, i) => Numbered(i, a.ToDecimalString() + " €"))];
                break;
            case ScreenType.History:
                IReadOnlyList<PaymentRecord> payments = await data.LastPaymentsAsync(caller.Msisdn, menu.Settings.HistorySize, ct);
                items = payments.Count == 0
                    ? [menu.Text("history.none", lang)]
                    : [.. payments.Select(p => menu.Text(
                        "history.item",
                        lang,
                        ("date", clock.LocalDate(p.At).ToString("dd.MM", CultureInfo.InvariantCulture)),
                        ("package", config.Catalog.Find(p.PackageCode)?.Name ?? p.PackageCode),
                        ("account", p.Account),
                        ("price", p.Amount.ToDecimalString()),
                        ("fee", p.Fee.ToDecimalString()),
                        ("total", (p.Amount + p.Fee).ToDecimalString())))];
                break;
            case ScreenType.Language:
                items = [.. Languages.Select((l, i) => Numbered(i, menu.Text("language.name", l)))];
                break;
            case ScreenType.RenewalPackages:
                items = [.. MonthlyPackages.Select((p, i) => Numbered(i, p.Name))];
                break;
            case ScreenType.Renewals:
                IReadOnlyList<UssdRenewalDue> mine = await data.RenewalsAsync(caller.Msisdn, ct);
                items = mine.Count == 0 ? [menu.Text("autopay.none", lang)] : [.. mine.Select((r, i) => Numbered(i, RenewalItem(r, lang)))];
                break;
            default:
                throw new InvalidOperationException($"Screen {screen.Id} ({screen.Type}) is not a list.");
        }

        string[] footer = back ? [menu.Text("nav", lang)] : [];
        return _writer.Page(header, items, footer, menu.Text("nav.more", lang), top.Page);
    }

    /// <summary>A renewal as the list shows it: package, account, what its next due day takes, and that day.</summary>
    private string RenewalItem(UssdRenewalDue renewal, Language lang)
    {
        DateOnly due = RenewalCalendar.DueDay(clock, renewal.PaidUntil);
        Package? package = config.Catalog.Find(renewal.Renewal.PackageCode);
        (Money Price, Money Fee)? priced = package is null ? null : PriceOn(package, due);
        return menu.Text(
            "autopay.item",
            lang,
            ("package", package?.Name ?? renewal.Renewal.PackageCode),
            ("account", Short(renewal.Label, 16)),
            ("total", priced is { } p ? (p.Price + p.Fee).ToDecimalString() : "-"),
            ("due", due.ToString("dd.MM", CultureInfo.InvariantCulture)));
    }

    /// <summary>A value quoted in a reason line, shortened in the middle: the question below it must still fit.</summary>
    private static string Short(string value, int max = 20) =>
        value.Length <= max ? value : string.Concat(value.AsSpan(0, (max / 2) - 1), "..", value.AsSpan(value.Length - (max / 2) + 1));

    private static string Numbered(int index, string label) => string.Create(CultureInfo.InvariantCulture, $"{index + 1}. {label}");

    private static string Lines(params string?[] lines) => string.Join('\n', lines.Where(l => l is not null));

    private Proceed Invalid(UssdState state, Language lang) => new(state, menu.Text("error.choice", lang));

    /// <summary>A menu number from 1 to <paramref name="count"/>, as a 0-based index; null for anything else.</summary>
    private static int? Choice(string input, int count) =>
        input.Length is > 0 and <= 3 && input.All(char.IsAsciiDigit) && int.Parse(input, CultureInfo.InvariantCulture) is var n && n >= 1 && n <= count
            ? n - 1
            : null;

    [LoggerMessage(EventId = 4311, Level = LogLevel.Warning, Message = "A USSD screen was cut to fit 182 characters (\"{FirstLine}\"): shorten its texts in ussd.json")]
    private static partial void LogCut(ILogger logger, LogText firstLine);

    /// <summary>What a page of a list that reads nothing depends on.</summary>
    private readonly record struct PageKey(string Screen, Language Language, int Page, string? Notice, bool Back, string? Package);
}
