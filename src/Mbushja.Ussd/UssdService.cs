using System.Diagnostics;
using Mbushja.Accounts;
using Mbushja.Domain;
using Mbushja.Ledger;
using Mbushja.Messaging;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Logging;

namespace Mbushja.Ussd;

/// <summary>
/// One request of the aggregator callback convention (README "USSD *101#"): the session, the code dialled, the caller's
/// number, and every input of the session so far, <c>*</c>-joined. Untrusted: checked by <see cref="UssdService"/>.
/// </summary>
public sealed record UssdRequest(string? SessionId, string? ServiceCode, string? PhoneNumber, string? Text);

/// <summary>The answer: a body for the gateway (<c>CON …</c> or <c>END …</c>), or why the request itself is refused.</summary>
/// <param name="Field">The request field to blame for a refusal.</param>
public sealed record UssdOutcome(string? Body, ParseError? Refusal = null, string? Field = null)
{
    public static UssdOutcome Answer(string body) => new(body);

    public static UssdOutcome Refuse(string code, string message, string field) => new(null, new ParseError(code, message), field);
}

/// <summary>
/// Answers the aggregator's callback (README "USSD *101#"). The gateway sends every input each time, so a repeated
/// request gets the same screen and changes nothing, and only the new inputs are walked.
/// </summary>
/// <remarks>
/// The database holds only what another server could not rebuild (<see cref="SaveAsync"/>); two servers writing one
/// session race on its version (docs/design/ussd-sessions.md).
/// </remarks>
public sealed partial class UssdService(
    UssdEngine engine,
    UssdSessions sessions,
    UssdPayments payments,
    Subscribers subscribers,
    OperatorConfig config,
    OperatorClock clock,
    ILogger<UssdService> logger) : IDisposable
{
    public const int MaxSessionIdLength = 128;
    public const int MaxTextLength = 1000;

    /// <summary>Reads of a session that another request keeps changing under this one, before giving up.</summary>
    private const int MaxAttempts = 8;

    /// <summary>
    /// Sessions as this server left them, by session id (most steps of a session come to the server of the step before),
    /// with the steps it answered without writing them.
    /// </summary>
    private readonly MemoryCache _recent = new(new MemoryCacheOptions { SizeLimit = 100_000 });

    /// <summary>The start screen in every language (<see cref="StartWrittenAsync"/>), once made.</summary>
    private StartScreens? _startScreens;

    private UssdMenu Menu => engine.Menu;

    private UssdSettings Settings => engine.Menu.Settings;

    public async Task<UssdOutcome> HandleAsync(UssdRequest request, CancellationToken ct = default)
    {
        if (Check(request) is { } refused)
        {
            return refused;
        }

        ParseResult<Msisdn> number = config.Numbering.ParseMsisdn(request.PhoneNumber);
        if (!number.Success)
        {
            return number.Error.Code == ErrorCodes.NotOperatorNumber
                ? End(Menu.Text("end.notOperator", config.DefaultLanguage))
                : UssdOutcome.Refuse(number.Error.Code, number.Error.Message, "phoneNumber");
        }

        string sessionId = request.SessionId!;
        string text = Normalized(request.Text!);
        if (text.Length == 0 && !_recent.TryGetValue(sessionId, out _) && await StartWrittenAsync(sessionId, number.Value, ct) is { } startedNow)
        {
            return startedNow;
        }

        for (int attempt = 1; attempt <= MaxAttempts; attempt++)
        {
            // The session as this server left it saves a read; a write is conditional on its version anyway, and an
            // answer given without a write comes from what the database says, unless this server holds steps of the
            // session that are not written.
            long started = Stopwatch.GetTimestamp();
            Remembered? remembered = null;
            bool cached = attempt == 1 && _recent.TryGetValue(sessionId, out remembered);
            if (!cached)
            {
                remembered = await StoredAsync(sessionId, ct);
                UssdMetrics.Phase("read", started);
            }

            started = Stopwatch.GetTimestamp();
            Decision decision = await DecideAsync(sessionId, number.Value, text, remembered?.Session, ct);
            if (cached && decision is Reply && !remembered!.Unwritten)
            {
                // Nothing of the session is this server's alone: the answer is what the database says.
                remembered = await StoredAsync(sessionId, ct);
                decision = await DecideAsync(sessionId, number.Value, text, remembered?.Session, ct);
            }

            UssdMetrics.Phase("decide", started);
            started = Stopwatch.GetTimestamp();
            Saved saved = Saved.Changed;
            UssdOutcome? outcome = decision switch
            {
                Reply reply => reply.Outcome,
                Write write => (saved = await SaveAsync(write.Session, remembered?.StoredAt, ct)) != Saved.Changed ? UssdOutcome.Answer(write.Session.Response) : null,
                Charge charge => await PayAsync(charge, ct),
                Change change => await sessions.SaveWithAsync(change.Session, c => UssdRenewals.Apply(c, change.Session.Msisdn, "ussd", change.Order), ct)
                    ? UssdOutcome.Answer(change.Session.Response)
                    : null,
                _ => throw new InvalidOperationException($"Unknown decision {decision}."),
            };
            UssdMetrics.Phase(decision switch { Write => saved == Saved.Remembered ? "remember" : "write", Charge => "pay", Change => "write", _ => "reply" }, started);
            if (outcome is not null)
            {
                return outcome;
            }

            _recent.Remove(sessionId);
        }

        LogContended(logger, new LogText(sessionId));
        return End(Menu.Text("end.failed", config.DefaultLanguage));
    }

    private async Task<Decision> DecideAsync(string sessionId, Msisdn msisdn, string text, UssdSession? session, CancellationToken ct)
    {
        DateTimeOffset now = clock.UtcNow;
        if (session is null)
        {
            return await StartAsync(sessionId, msisdn, text, NewKey(), expectedVersion: null, ct);
        }

        bool expired = now - session.UpdatedAt > Settings.SessionTimeout;
        bool over = session.Ended || expired;
        if (session.Msisdn != msisdn.E164)
        {
            // A gateway may reuse a session id long after; anything else is sessions mixed up.
            return text.Length == 0 && expired
                ? await StartAsync(sessionId, msisdn, text, NewKey(), session.Version, ct)
                : new Reply(UssdOutcome.Refuse(ErrorCodes.SessionMismatch, "This session belongs to another phone number.", "sessionId"));
        }

        var caller = new Caller(msisdn, session.Language);
        if (text == session.History)
        {
            // The same request again: the same answer, and nothing changes (a payment is not made twice).
            return new Reply(UssdOutcome.Answer(session.Ended || !expired ? session.Response : EndBody(Menu.Text("end.expired", caller.Language, ("code", Settings.ServiceCode)))));
        }

        if (text.Length == 0)
        {
            // The session's start again: a late copy of a session that just ended gets its last answer; an id reused
            // after a session ended long ago starts a new one; a live session goes back to the start screen.
            return !over
                ? await StartAsync(sessionId, msisdn, text, session.Key, session.Version, ct)
                : expired
                    ? await StartAsync(sessionId, msisdn, text, NewKey(), session.Version, ct)
                    : new Reply(UssdOutcome.Answer(session.Response));
        }

        if (session.Ended)
        {
            return new Reply(End(Menu.Text("end.ended", caller.Language, ("code", Settings.ServiceCode))));
        }

        if (expired)
        {
            return new Reply(End(Menu.Text("end.expired", caller.Language, ("code", Settings.ServiceCode))));
        }

        if (session.History.Length == 0 || text.StartsWith(session.History + "*", StringComparison.Ordinal))
        {
            string[] inputs = (session.History.Length == 0 ? text : text[(session.History.Length + 1)..]).Split('*');
            return await WalkAsync(session, caller, session.State, text, inputs, ct);
        }

        // An older request of this session, arriving late: the answer stays what the session shows now.
        return session.History.StartsWith(text + "*", StringComparison.Ordinal)
            ? new Reply(UssdOutcome.Answer(session.Response))
            : new Reply(End(Menu.Text("end.ended", caller.Language, ("code", Settings.ServiceCode))));
    }

    /// <summary>
    /// The inputs as the session keeps them: each trimmed. A later request repeats every input, and must still start
    /// with what the session took, whether the spaces were the subscriber's (a keyboard's trailing space on a username)
    /// or the gateway's; the engine takes each input trimmed anyway.
    /// </summary>
    private static string Normalized(string text)
    {
        foreach (char c in text)
        {
            if (char.IsWhiteSpace(c))
            {
                string[] inputs = text.Split('*');
                for (int i = 0; i < inputs.Length; i++)
                {
                    inputs[i] = inputs[i].Trim();
                }

                return string.Join('*', inputs);
            }
        }

        return text;
    }

    /// <summary>A session's start screen, for a new session or one that starts over, and the inputs that came with it.</summary>
    private async Task<Decision> StartAsync(string sessionId, Msisdn msisdn, string text, string key, long? expectedVersion, CancellationToken ct)
    {
        Subscriber? subscriber = await subscribers.FindAsync(msisdn, ct);
        if (subscriber is null)
        {
            return new Reply(End(Menu.Text("end.notSubscriber", config.DefaultLanguage)));
        }

        var caller = new Caller(msisdn, subscriber.Language);
        // Version -1: no row yet, the write inserts one.
        var fresh = new UssdSession(sessionId, key, msisdn.E164, subscriber.Language, "", UssdState.Empty, "", false, expectedVersion ?? -1, default, default);
        StepResult start = await engine.StartAsync(caller, ct);
        string[] inputs = text.Length == 0 ? [] : text.Split('*');
        return start switch
        {
            Proceed c => await WalkAsync(fresh, caller, c.State, text, inputs, ct, restart: true),
            _ => Ending(fresh, caller, text, UssdState.Empty, start, restart: true),
        };
    }

    /// <summary>Takes the new inputs one by one; the session ends at the first that ends it, or shows the screen reached.</summary>
    private async Task<Decision> WalkAsync(
        UssdSession session, Caller caller, UssdState state, string text, string[] inputs, CancellationToken ct, bool restart = false)
    {
        string? notice = null;
        Language? newLanguage = null;
        foreach (string input in inputs)
        {
            StepResult step = await engine.ApplyAsync(caller, state, input, ct);
            switch (step)
            {
                case Proceed c:
                    state = c.State;
                    notice = c.Notice;
                    if (c.NewLanguage is { } language)
                    {
                        caller = caller with { Language = language };
                        newLanguage = language;
                    }

                    break;
                default:
                    return Ending(session, caller, text, state, step, restart, newLanguage);
            }
        }

        string body = "CON " + await engine.RenderAsync(caller, state, notice, ct);
        return new Write(ToWrite(session, caller, text, state, body, ended: false, restart, newLanguage));
    }

    private Decision Ending(UssdSession session, Caller caller, string text, UssdState state, StepResult step, bool restart, Language? newLanguage = null) => step switch
    {
        Confirmed confirmed => new Charge(ToWrite(session, caller, text, confirmed.State, "", ended: true, restart, newLanguage), confirmed.Quote),
        Finish finish => new Write(ToWrite(session, caller, text, state, EndBody(finish.Text), ended: true, restart, newLanguage)),
        RenewalChange change => new Change(ToWrite(session, caller, text, change.State, EndBody(change.Text), ended: true, restart, newLanguage), change.Order),
        _ => throw new InvalidOperationException($"Step {step} does not end a session."),
    };

    private static SessionWrite ToWrite(UssdSession session, Caller caller, string text, UssdState state, string body, bool ended, bool restart, Language? newLanguage) =>
        new(
            session.SessionId,
            session.Key,
            caller.Msisdn,
            caller.Language,
            text,
            state,
            body,
            ended,
            session.Version < 0 ? null : session.Version,
            restart,
            newLanguage);

    /// <summary>
    /// Saves a step, or only remembers it when the database need not know it yet: a session's start, restart or language
    /// choice is written, and a step once the stored one is older than <see cref="KeepAlive"/> (docs/design/ussd-sessions.md).
    /// </summary>
    /// <param name="storedAt">When the session's stored step was written; null: write this step whatever its age.</param>
    private async Task<Saved> SaveAsync(SessionWrite write, DateTimeOffset? storedAt, CancellationToken ct)
    {
        DateTimeOffset now = clock.UtcNow;
        bool remembered = write.ExpectedVersion is not null
            && !write.Restart
            && write.NewLanguage is null
            && storedAt is { } stored
            && now - stored < KeepAlive;
        if (!remembered && !await sessions.SaveAsync(write, ct))
        {
            return Saved.Changed;
        }

        var session = new UssdSession(
            write.SessionId,
            write.Key,
            write.Msisdn.E164,
            write.Language,
            write.History,
            write.State,
            write.Response,
            write.Ended,
            remembered ? write.ExpectedVersion!.Value : (write.ExpectedVersion ?? 0) + 1,
            now, // not the start as stored: only the time of the last step is used
            now);
        _recent.Set(
            write.SessionId,
            new Remembered(session, remembered ? storedAt!.Value : now, remembered),
            new MemoryCacheEntryOptions { Size = 1, SlidingExpiration = Settings.SessionTimeout });
        return remembered ? Saved.Remembered : Saved.Written;
    }

    /// <summary>
    /// A session's first request, when this server knows nothing of it: the start is written at once, in the
    /// subscriber's language, which the same statement finds (one round trip, docs/design/ussd-sessions.md). Null when
    /// it was not written: the session exists (a repeat, an id reused), the number is no subscriber, or the start
    /// screen reads what it shows; the request is then answered as any other.
    /// </summary>
    private async Task<UssdOutcome?> StartWrittenAsync(string sessionId, Msisdn msisdn, CancellationToken ct)
    {
        if ((_startScreens ??= await StartScreensAsync(ct)) is not { } screens || screens.Bodies.Count == 0)
        {
            return null;
        }

        long started = Stopwatch.GetTimestamp();
        string key = NewKey();
        Language? written = await sessions.StartAsync(sessionId, key, msisdn, screens.State, screens.Bodies, ct);
        UssdMetrics.Phase("write", started);
        if (written is not { } language)
        {
            return null;
        }

        DateTimeOffset now = clock.UtcNow;
        string body = screens.Bodies[language];
        var session = new UssdSession(sessionId, key, msisdn.E164, language, "", screens.State, body, false, 1, now, now);
        _recent.Set(sessionId, new Remembered(session, now, Unwritten: false), new MemoryCacheEntryOptions { Size = 1, SlidingExpiration = Settings.SessionTimeout });
        return UssdOutcome.Answer(body);
    }

    /// <summary>The start screen in every language, when it reads nothing to open or show (no bodies otherwise).</summary>
    private async Task<StartScreens> StartScreensAsync(CancellationToken ct)
    {
        if (!engine.StartReadsNothing)
        {
            return new StartScreens(UssdState.Empty, new Dictionary<Language, string>());
        }

        UssdState? state = null;
        var bodies = new Dictionary<Language, string>();
        foreach (Language language in Enum.GetValues<Language>())
        {
            // The number is not read: the screen reads nothing.
            var caller = new Caller(default, language);
            if (await engine.StartAsync(caller, ct) is not Proceed start)
            {
                return new StartScreens(UssdState.Empty, new Dictionary<Language, string>());
            }

            state = start.State;
            bodies[language] = "CON " + await engine.RenderAsync(caller, start.State, start.Notice, ct);
        }

        return new StartScreens(state ?? UssdState.Empty, bodies);
    }

    /// <summary>The session as the database has it, if it has it.</summary>
    private async Task<Remembered?> StoredAsync(string sessionId, CancellationToken ct) =>
        await sessions.GetAsync(sessionId, ct) is { } read ? new Remembered(read, read.UpdatedAt, Unwritten: false) : null;

    /// <summary>How old the stored step of a session may be before the next step is written: a sixth of the timeout.</summary>
    private TimeSpan KeepAlive => Settings.SessionTimeout / 6;

    /// <summary>Pays a confirmed quote; a refusal ends the session with its reason, and nothing is charged.</summary>
    private async Task<UssdOutcome?> PayAsync(Charge charge, CancellationToken ct)
    {
        SessionWrite session = charge.Session;
        Quote quote = charge.Quote;
        Payment payment = await payments.PayAsync(session, quote, Settings.OncePerMonth, Settings.ReceiptSender, facts => Texts(session.Language, facts), ct);
        LedgerOutcome outcome = payment.Outcome;
        if (outcome.Status == LedgerStatus.Committed && payment.Texts is { } texts)
        {
            _recent.Remove(session.SessionId);
            LogPaid(logger, session.Key, session.Msisdn.Masked, quote.Package.Code, quote.ServiceAccountId, quote.Total.Cents);
            MessageMetrics.Message("ussd", null, MessageOutcome.Completed, null);
            return UssdOutcome.Answer(texts.Screen);
        }

        // Replayed (the same confirmation, paid by another request) or the session changed: read it again.
        if (outcome.Succeeded || outcome.Error?.Code == UssdSessions.Changed)
        {
            return null;
        }

        string code = outcome.Error?.Code ?? "";
        string reason;
        switch (code)
        {
            case UssdPayments.AlreadyPaid:
                DateOnly today = clock.Today;
                reason = Menu.Text("end.oncePerMonth", session.Language, ("date", MessageFormat.Date(new DateOnly(today.Year, today.Month, 1).AddMonths(1))));
                break;
            case LedgerErrorCodes.InsufficientFunds:
                Money credit = (await subscribers.FindAsync(session.Msisdn, ct))?.Credit ?? Money.Zero;
                reason = Menu.Text(
                    "end.insufficient", session.Language, ("credit", credit.ToDecimalString()), ("total", quote.Total.ToDecimalString()));
                break;
            default:
                LogPaymentRefused(logger, session.Key, session.Msisdn.Masked, code, outcome.Error?.Message);
                reason = Menu.Text("end.failed", session.Language);
                break;
        }

        LogRefused(logger, session.Key, session.Msisdn.Masked, code);
        MessageMetrics.Message("ussd", null, MessageOutcome.Rejected, code);
        // Written, never only remembered: the write, conditional on the version read, is what finds that another
        // request paid this session meanwhile (its refusal then answers what the session shows now).
        SessionWrite ended = session with { Response = EndBody(reason) };
        return await SaveAsync(ended, storedAt: null, ct) != Saved.Changed ? UssdOutcome.Answer(ended.Response) : null;
    }

    /// <summary>The last screen and the receipt SMS of a payment; the SMS keeps its letters (it may travel as UCS-2).</summary>
    private PaymentTexts Texts(Language language, PaymentFacts facts) => TextsOf(engine, clock, language, facts);

    /// <summary>The last screen and the receipt SMS of a payment, a confirmed one or a renewal's (whose screen nobody sees).</summary>
    internal static PaymentTexts TextsOf(UssdEngine engine, OperatorClock clock, Language language, PaymentFacts facts)
    {
        Quote quote = facts.Quote;
        (string Name, string Value)[] values =
        [
            ("package", quote.Package.Name),
            ("price", quote.Price.ToDecimalString()),
            ("fee", quote.Fee.ToDecimalString()),
            ("total", quote.Total.ToDecimalString()),
            ("paidUntil", facts.PaidUntil is { } until ? MessageFormat.Date(clock.LocalDate(until)) : ""),
            ("balance", (facts.Balance ?? Money.Zero).ToDecimalString()),
            ("credit", facts.Credit.ToDecimalString()),
            ("ref", MessageFormat.Reference(facts.Id)),
        ];
        string screen = quote.ByAmount ? "paid.amount" : "paid";
        string sms = quote.ByAmount ? "receipt.amount" : "receipt";
        UssdMenu menu = engine.Menu;
        string shown = engine.Writer.WithLongValue(account => menu.Text(screen, language, [.. values, ("account", account)]), quote.Account);
        return new PaymentTexts("END " + shown, menu.Text(sms, language, [.. values, ("account", quote.Account)]));
    }

    private UssdOutcome? Check(UssdRequest request)
    {
        if (string.IsNullOrWhiteSpace(request.SessionId))
        {
            return UssdOutcome.Refuse(ErrorCodes.MissingField, "The field 'sessionId' is required.", "sessionId");
        }

        if (string.IsNullOrWhiteSpace(request.ServiceCode))
        {
            return UssdOutcome.Refuse(ErrorCodes.MissingField, "The field 'serviceCode' is required.", "serviceCode");
        }

        if (string.IsNullOrWhiteSpace(request.PhoneNumber))
        {
            return UssdOutcome.Refuse(ErrorCodes.MissingField, "The field 'phoneNumber' is required.", "phoneNumber");
        }

        if (request.Text is null)
        {
            return UssdOutcome.Refuse(ErrorCodes.MissingField, "The field 'text' is required (empty at the start of a session).", "text");
        }

        if (request.SessionId.Length > MaxSessionIdLength)
        {
            return UssdOutcome.Refuse(ErrorCodes.TooLong, $"'sessionId' is longer than {MaxSessionIdLength} characters.", "sessionId");
        }

        if (!request.SessionId.All(c => c is > ' ' and < '\u007f'))
        {
            return UssdOutcome.Refuse(ErrorCodes.MalformedField, "'sessionId' may hold only printable ASCII characters without spaces.", "sessionId");
        }

        if (request.Text.Length > MaxTextLength)
        {
            return UssdOutcome.Refuse(ErrorCodes.TooLong, $"'text' is longer than {MaxTextLength} characters.", "text");
        }

        if (request.Text.Any(char.IsControl))
        {
            return UssdOutcome.Refuse(ErrorCodes.MalformedField, "'text' holds control characters.", "text");
        }

        return request.ServiceCode.Trim() == Settings.ServiceCode
            ? null
            : UssdOutcome.Refuse(ErrorCodes.UnknownServiceCode, $"This server answers {Settings.ServiceCode}, not '{request.ServiceCode.Trim()}'.", "serviceCode");
    }

    /// <summary>
    /// Drops what this server remembers of a session: its next step is answered from the database, as a server that
    /// did not answer the steps before would answer it.
    /// </summary>
    public void Forget(string sessionId) => _recent.Remove(sessionId);

    public void Dispose() => _recent.Dispose();

    private UssdOutcome End(string text) => UssdOutcome.Answer(EndBody(text));

    private string EndBody(string text) => "END " + engine.RenderEnd(text);

    private static string NewKey() => Guid.CreateVersion7().ToString("N");

    [LoggerMessage(EventId = 4301, Level = LogLevel.Information, Message = "USSD payment {Key} by {Msisdn}: {Package} for service account {Account}, {TotalCents} cents")]
    private static partial void LogPaid(ILogger logger, string key, string msisdn, string package, string account, long totalCents);

    [LoggerMessage(EventId = 4302, Level = LogLevel.Information, Message = "USSD payment {Key} by {Msisdn} refused: {Code}")]
    private static partial void LogRefused(ILogger logger, string key, string msisdn, string code);

    [LoggerMessage(EventId = 4303, Level = LogLevel.Error, Message = "USSD payment {Key} by {Msisdn}: the ledger refused it ({Code}: {Message})")]
    private static partial void LogPaymentRefused(ILogger logger, string key, string msisdn, string code, string? message);

    [LoggerMessage(EventId = 4304, Level = LogLevel.Warning, Message = "USSD session {Session} kept changing under this request; answered with a failure")]
    private static partial void LogContended(ILogger logger, LogText session);

    private abstract record Decision;

    /// <summary>Answer without a change.</summary>
    private sealed record Reply(UssdOutcome Outcome) : Decision;

    /// <summary>What became of a step: written, only remembered, or refused because the session changed since it was read.</summary>
    private enum Saved
    {
        Changed,
        Written,
        Remembered,
    }

    /// <summary>A session as this server left it: <paramref name="Unwritten"/> when it holds steps not stored yet.</summary>
    /// <param name="StoredAt">When the step stored last was written.</param>
    private sealed record Remembered(UssdSession Session, DateTimeOffset StoredAt, bool Unwritten);

    /// <summary>Where a new session stands, and what it shows, by language; no bodies when that depends on more than the language.</summary>
    private sealed record StartScreens(UssdState State, IReadOnlyDictionary<Language, string> Bodies);

    /// <summary>Save the step (if the session is still as read), then answer its response.</summary>
    private sealed record Write(SessionWrite Session) : Decision;

    /// <summary>End the session (if it is still as read) and set or stop an automatic renewal in the same commit.</summary>
    private sealed record Change(SessionWrite Session, RenewalOrder Order) : Decision;

    /// <summary>Pay, ending the session with the receipt.</summary>
    private sealed record Charge(SessionWrite Session, Quote Quote) : Decision;
}
