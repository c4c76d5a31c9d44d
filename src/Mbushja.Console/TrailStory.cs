using System.Globalization;
using System.Text.Json;
using Mbushja.Domain;
using Mbushja.Messaging;
using Mbushja.TopUp;

namespace Mbushja.WebConsole;

/// <summary>One line of a trail told in words: when, who did it, what happened, and the line as stored.</summary>
/// <param name="Problem">The step went wrong or changed nothing (a decline, no answer, a refusal): shown so.</param>
public sealed record StoryLine(int Seq, DateTimeOffset At, string Kind, string Actor, string Sentence, string Detail, bool Problem);

/// <summary>
/// Tells a top-up's trail as sentences in the agent's language (docs/design/trail-story.md): every
/// <see cref="TrailKind"/> has its sentences in <c>Texts/story.json</c>, with amounts, the bank's name and who acted
/// (the subscriber, the bank, the gateway, the SMSC, the console user or the admin API). A line it cannot read (an
/// older detail, a kind it does not know) is told plainly, never dropped: the raw JSON stays beside every line.
/// </summary>
public sealed class TrailStory(ConsoleTexts texts, string language, Func<string?, string> bankName, Func<DateTimeOffset, string>? time = null)
{
    /// <summary>The text keys a kind's sentences come from: each must exist in every language (tested).</summary>
    public static IReadOnlyList<string> KeysOf(TrailKind kind) => kind.Name switch
    {
        "received" => ["story.received"],
        "interpreted" => ["story.interpreted.ok", "story.interpreted.read", "story.interpreted.refused", "story.target.package", "story.target.registered"],
        "renewal" => ["story.renewal"],
        "confirmation.requested" => [
            "story.confirmation.requested", "story.confirmation.reason.amount", "story.confirmation.reason.count", "story.confirmation.method.code",
            "story.confirmation.method.pin"],
        "confirmation" => ["story.confirmation.confirmed", "story.confirmation.refused"],
        "confirmation.confirmed" => ["story.confirmation.by"],
        "confirmation.wrongCode" => ["story.confirmation.wrongcode"],
        "confirmation.expired" => ["story.confirmation.expired"],
        "confirmation.failed" => ["story.confirmation.failed"],
        "control" => [
            "story.control", "story.control.cap.daily", "story.control.cap.monthly", "story.control.of.authorized", "story.control.of.registration",
            "story.control.velocity.sender", "story.control.velocity.target", "story.control.minute", "story.control.hour", "story.control.sim"],
        "ledger.hold" => ["story.ledger.hold"],
        "bank.hold" => ["story.bank.hold.held", "story.bank.hold.declined", "story.bank.hold.none"],
        "bank.status" => ["story.bank.status.answer", "story.bank.status.none"],
        "ledger" => ["story.ledger", "story.credit"],
        "reply" => ["story.reply.response", "story.reply.outbound", "story.reply.again", "story.reply.gaveup"],
        "bank.capture" => ["story.bank.capture.captured", "story.bank.capture.other"],
        "ledger.capture" => ["story.ledger.capture"],
        "bank.void" => ["story.bank.void.voided", "story.bank.void.other"],
        "ledger.void" => ["story.ledger.void"],
        "reversal.requested" => ["story.reversal.requested.console", "story.reversal.requested.api", "story.reversal.requested.other"],
        "reversal.ledger" => ["story.reversal.ledger", "story.debit"],
        "bank.refund" => ["story.bank.refund.refunded", "story.bank.refund.rejected", "story.bank.refund.none"],
        "reply.sent" => ["story.reply.sent"],
        "reply.retry" => ["story.reply.retry"],
        "reply.failed" => ["story.reply.failed"],
        "reply.part" => ["story.reply.part"],
        "reply.receipt" => ["story.reply.receipt.delivered", "story.reply.receipt.other"],
        _ => [],
    };

    /// <summary>The text keys a USSD payment's story comes from (it keeps no trail: its rows are told instead).</summary>
    public static IReadOnlyList<string> PaymentKeys { get; } =
    [
        "story.ussd.paid", "story.ussd.ledger", "story.ussd.package", "story.ussd.amount", "story.ussd.fee", "story.ussd.paiduntil",
        "story.ussd.balance", "story.ussd.receipt.pending", "story.ussd.receipt.sent", "story.ussd.receipt.failed", "story.ussd.part",
        "story.ussd.delivered", "story.ussd.receiptstate", "trail.ussd.paid", "trail.ussd.ledger", "trail.ussd.receipt", "trail.ussd.part",
        "trail.ussd.delivered",
    ];

    /// <summary>
    /// A USSD payment told as a story from what it left: the payment (its price, fee and what it paid), the ledger's
    /// transfers from the payer's credit, the receipt SMS in the outbox, and the SMSC's parts and delivery receipts.
    /// </summary>
    /// <param name="date">A day on the operator's calendar, as the console writes it.</param>
    public IReadOnlyList<StoryLine> TellPayment(
        Mbushja.Ussd.UssdPaymentFacts facts,
        IReadOnlyList<Mbushja.Ledger.Transfer> transfers,
        OutboxMessage? receipt,
        IReadOnlyList<SubmittedPartState> parts,
        Func<DateTimeOffset?, string> date)
    {
        ArgumentNullException.ThrowIfNull(facts);
        ArgumentNullException.ThrowIfNull(transfers);
        ArgumentNullException.ThrowIfNull(parts);
        ArgumentNullException.ThrowIfNull(date);
        Mbushja.Ussd.UssdPaymentRow p = facts.Payment;
        var lines = new List<StoryLine>();
        void Add(DateTimeOffset at, string kind, string actor, string sentence, object detail, bool problem = false) =>
            lines.Add(new StoryLine(lines.Count + 1, at, kind, actor, sentence, JsonSerializer.Serialize(detail, Json), problem));

        Add(p.At, "ussd.paid", p.Msisdn, F("story.ussd.paid", p.Msisdn, p.PackageCode, p.Account, Show.Money(p.Amount), Show.Money(p.Fee)), new
        {
            id = p.Id,
            msisdn = p.Msisdn,
            package = p.PackageCode,
            account = p.Account,
            amountCents = p.Amount.Cents,
            feeCents = p.Fee.Cents,
            paidUntil = facts.PaidUntil,
            balanceCents = facts.Balance?.Cents,
        });
        if (transfers.Count > 0)
        {
            var items = new List<string>();
            foreach (Mbushja.Ledger.Transfer t in transfers)
            {
                items.Add(t.Id.EndsWith(":fee", StringComparison.Ordinal) ? F("story.ussd.fee", Show.Money(t.Amount))
                    : facts.PaidUntil is null && facts.Balance is not null ? F("story.ussd.amount", Show.Money(t.Amount), p.Account)
                    : F("story.ussd.package", Show.Money(t.Amount), p.PackageCode));
            }

            Money total = transfers.Aggregate(Money.Zero, (sum, t) => sum + t.Amount);
            Add(transfers[0].CreatedAt, "ussd.ledger", T("story.by.ledger"), F("story.ussd.ledger", Show.Money(total), p.Msisdn, string.Join(", ", items)), new
            {
                transfers = transfers.Select(t => new { id = t.Id, debit = t.Debit, credit = t.Credit, amountCents = t.Amount.Cents, code = t.Code }),
            });
        }

        if (facts.PaidUntil is { } until)
        {
            lines[^1] = lines[^1] with { Sentence = lines[^1].Sentence + " " + F("story.ussd.paiduntil", p.Account, date(until)) };
        }
        else if (facts.Balance is { } balance)
        {
            lines[^1] = lines[^1] with { Sentence = lines[^1].Sentence + " " + F("story.ussd.balance", p.Account, Show.Money(balance)) };
        }

        if (receipt is not null)
        {
            object detail = new { recipient = receipt.Recipient, sender = receipt.Sender, text = receipt.Text, state = receipt.State, attempts = receipt.Attempts };
            switch (receipt.State)
            {
                case "sent":
                    Add(receipt.CreatedAt, "ussd.receipt", T("story.by.platform"), F("story.ussd.receipt.sent", receipt.Recipient, receipt.Attempts, receipt.Text, receipt.Sender), detail);
                    break;
                case "failed":
                    Add(receipt.CreatedAt, "ussd.receipt", T("story.by.platform"), F("story.ussd.receipt.failed", receipt.Recipient, receipt.Attempts), detail, problem: true);
                    break;
                default:
                    Add(receipt.CreatedAt, "ussd.receipt", T("story.by.platform"), F("story.ussd.receipt.pending", receipt.Recipient, receipt.Attempts, receipt.Text), detail);
                    break;
            }
        }

        foreach (SubmittedPartState part in parts)
        {
            Add(part.SubmittedAt, "ussd.part", T("story.by.smsc"), F("story.ussd.part", part.Part, part.Parts), new { part.Part, part.Parts, submittedAt = part.SubmittedAt });
            if (part.ReceiptState is { } state && part.ReceiptAt is { } at)
            {
                object detail = new { part.Part, part.Parts, state };
                if (state is "delivered")
                {
                    Add(at, "ussd.delivered", T("story.by.smsc"), F("story.ussd.delivered", part.Part, part.Parts), detail);
                }
                else
                {
                    Add(at, "ussd.delivered", T("story.by.smsc"), F("story.ussd.receiptstate", part.Part, part.Parts, Known("story.receipt." + state) ?? state), detail, problem: true);
                }
            }
        }

        return [.. lines.OrderBy(l => l.At).ThenBy(l => l.Seq)];
    }

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>The text keys a registration's change history is told with, one per action (<c>RegistrationActions</c>).</summary>
    public static IReadOnlyList<string> ChangeKeys { get; } =
        ["history.created", "history.authorized_added", "history.authorized_removed", "history.account_changed", "history.nobody"];

    /// <summary>A change of a registration, told: who did what to it; a change it cannot read as its action and JSON.</summary>
    public string TellChange(string action, string actor, string details)
    {
        ArgumentNullException.ThrowIfNull(action);
        try
        {
            using JsonDocument document = JsonDocument.Parse(details);
            JsonElement d = document.RootElement;
            switch (action)
            {
                case "created":
                    string[] authorized = d.TryGetProperty("authorized", out JsonElement list) && list.ValueKind == JsonValueKind.Array
                        ? [.. list.EnumerateArray().Select(e => e.GetString() ?? "")]
                        : [];
                    return F("history.created", actor, Str(d, "holder"), Str(d, "accountRef"), authorized.Length == 0 ? T("history.nobody") : string.Join(", ", authorized));
                case "authorized_added":
                    return F("history.authorized_added", actor, Str(d, "msisdn"));
                case "authorized_removed":
                    return F("history.authorized_removed", actor, Str(d, "msisdn"));
                case "account_changed":
                    return F("history.account_changed", actor, Str(d, "before") ?? "—", Str(d, "accountRef"));
            }
        }
        catch (JsonException)
        {
            // Told plainly below: the JSON stays beside it.
        }

        return F("history.unknown", actor, action);
    }

    /// <summary>A top-up's whole trail, told.</summary>
    public IReadOnlyList<StoryLine> Tell(SmsTransaction row, IReadOnlyList<SmsEvent> trail) => [.. trail.Select(e => Tell(row, e))];

    /// <summary>One line, told; a detail it cannot read is told as a line of its kind.</summary>
    public StoryLine Tell(SmsTransaction row, SmsEvent line)
    {
        ArgumentNullException.ThrowIfNull(row);
        ArgumentNullException.ThrowIfNull(line);
        try
        {
            using JsonDocument document = JsonDocument.Parse(line.Detail);
            (string actor, string sentence, bool problem) = Sentence(row, line.Kind, document.RootElement);
            return new StoryLine(line.Seq, line.At, line.Kind, actor, sentence, line.Detail, problem);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException or KeyNotFoundException)
        {
            return new StoryLine(line.Seq, line.At, line.Kind, T("story.by.platform"), F("story.unknown", line.Kind), line.Detail, false);
        }
    }

    /// <summary>A top-up state in words (<c>reversed</c> too); an unknown one as it is.</summary>
    public string State(string state) => Known("state." + state) ?? state;

    /// <summary>A refusal code in words; an unknown one as it is.</summary>
    public string Code(string? code) => code is null ? "" : Known("code." + code) ?? code;

    /// <summary>A bank's reason (a decline, a refused refund) in words; an unknown one as it is, none as "no reason given".</summary>
    public string Reason(string? code) => code is null ? T("reason.other") : Known("reason." + code) ?? code;

    private (string Actor, string Sentence, bool Problem) Sentence(SmsTransaction row, string kind, JsonElement d)
    {
        string platform = T("story.by.platform");
        string bank = bankName(row.BankCode ?? row.Plan?.BankCode);
        string bankCode = row.BankCode ?? row.Plan?.BankCode ?? platform;
        switch (kind)
        {
            case "received":
                string from = Str(d, "from") ?? row.Sender;
                return (from, F("story.received", from, Str(d, "text") ?? row.Text, Str(d, "to") ?? row.ShortCode), false);
            case "interpreted":
                if (!(d.TryGetProperty("ok", out JsonElement ok) && ok.GetBoolean()))
                {
                    string? code = d.TryGetProperty("error", out JsonElement error) ? Str(error, "code") : row.Code;
                    return (platform, F("story.interpreted.refused", Code(code)), true);
                }

                string readAt = bankName(Str(d, "bank") ?? row.BankCode);
                return (row.Plan?.Total ?? row.Amount ?? TargetsTotal(d)) is { } total
                    ? (platform, F("story.interpreted.ok", readAt, Targets(d), Show.Money(total)), false)
                    : (platform, F("story.interpreted.read", readAt, Targets(d)), false);
            case "renewal":
                return (platform, F("story.renewal", Str(d, "account") ?? "—", Int(d, "attempt"), Int(d, "round")), false);
            case "confirmation.requested":
                return (platform, F(
                    "story.confirmation.requested",
                    Amount(d, row),
                    T(Str(d, "reason") == "amount" ? "story.confirmation.reason.amount" : "story.confirmation.reason.count"),
                    T(Str(d, "method") == "pin" ? "story.confirmation.method.pin" : "story.confirmation.method.code")), false);
            case "confirmation":
                string of = Ref(Str(d, "of"));
                string sender = row.Msisdn ?? row.Sender;
                return Str(d, "outcome") is "confirmed"
                    ? (sender, F("story.confirmation.confirmed", of), false)
                    : (sender, F("story.confirmation.refused", of, Code(Str(d, "outcome") ?? row.Code)), true);
            case "confirmation.confirmed":
                return (row.Msisdn ?? row.Sender, F("story.confirmation.by", Ref(Str(d, "by"))), false);
            case "confirmation.wrongCode":
                return (row.Msisdn ?? row.Sender, F("story.confirmation.wrongcode", Ref(Str(d, "by")), Int(d, "attempts")), true);
            case "confirmation.expired":
                return (platform, F("story.confirmation.expired", Amount(d, row)), true);
            case "confirmation.failed":
                return (platform, F("story.confirmation.failed", Ref(Str(d, "by")), Amount(d, row)), true);
            case "control":
                return (platform, F("story.control", Control(d, row)), true);
            case "ledger.hold":
                return (T("story.by.ledger"), F("story.ledger.hold", Show.Money(Sum(d)), bank), false);
            case "bank.hold":
                return Status(d) switch
                {
                    "held" or "captured" => (bankCode, F("story.bank.hold.held", bank, Amount(d, row)), false),
                    "declined" => (bankCode, F("story.bank.hold.declined", bank, Amount(d, row), Reason(Str(d, "code"))), true),
                    _ => (bankCode, F("story.bank.hold.none", bank, Amount(d, row), Attempts(d), Str(d, "failure") ?? Str(d, "status") ?? "—"), true),
                };
            case "bank.status":
                return Status(d) is { } status
                    ? (bankCode, F("story.bank.status.answer", bank, HoldStatus(status)), status is not ("held" or "captured"))
                    : (bankCode, F("story.bank.status.none", bank, Attempts(d), Str(d, "failure") ?? "—"), true);
            case "ledger":
                return (T("story.by.ledger"), F("story.ledger", Transfers(d, row, "story.credit", t => Str(t, "credit"))), false);
            case "reply":
                string? text = Str(d, "text");
                bool outbound = Str(d, "route") == "outbound";
                string key = text is null ? (outbound ? "story.reply.gaveup" : "story.reply.again") : (outbound ? "story.reply.outbound" : "story.reply.response");
                return (platform, F(key, text), false);
            case "bank.capture":
                return Status(d) == "captured"
                    ? (bankCode, F("story.bank.capture.captured", bank, Show.Money(row.Plan?.Total ?? row.Amount)), false)
                    : (bankCode, F("story.bank.capture.other", bank, StatusOrFailure(d)), true);
            case "ledger.capture":
                return (T("story.by.ledger"), F("story.ledger.capture", Show.Money(Sum(d) is { Cents: > 0 } s ? s : row.Plan?.Total ?? row.Amount)), false);
            case "bank.void":
                return Status(d) is "voided" or "notfound"
                    ? (bankCode, F("story.bank.void.voided", bank), false)
                    : (bankCode, F("story.bank.void.other", bank, StatusOrFailure(d)), true);
            case "ledger.void":
                return (T("story.by.ledger"), F("story.ledger.void", Show.Money(Sum(d) is { Cents: > 0 } v ? v : row.Plan?.Total ?? row.Amount)), false);
            case "reversal.requested":
                string by = Str(d, "by") ?? "—";
                string amount = Amount(d, row);
                string reason = Str(d, "reason") ?? "";
                return Str(d, "via") switch
                {
                    TopUpReversals.ViaConsole => (by, F("story.reversal.requested.console", by, amount, reason), false),
                    TopUpReversals.ViaApi => (T("story.by.api"), F("story.reversal.requested.api", by, amount, reason), false),
                    _ => (by, F("story.reversal.requested.other", by, amount, reason), false),
                };
            case "reversal.ledger":
                return (T("story.by.ledger"), F("story.reversal.ledger", Transfers(d, row, "story.debit", t => Str(t, "debit")), bank), false);
            case "bank.refund":
                return Status(d) switch
                {
                    "refunded" => (bankCode, F("story.bank.refund.refunded", bank, Amount(d, row)), false),
                    "rejected" => (bankCode, F("story.bank.refund.rejected", bank, Amount(d, row), Reason(Str(d, "code"))), true),
                    _ => (bankCode, F("story.bank.refund.none", bank, Amount(d, row), Attempts(d), Str(d, "failure") ?? Str(d, "status") ?? "—"), true),
                };
            case "reply.sent":
                return (Str(d, "gateway") ?? platform, F("story.reply.sent", Str(d, "gateway"), Int(d, "attempt")), false);
            case "reply.retry":
                return (Str(d, "gateway") ?? platform, F("story.reply.retry", Str(d, "gateway"), Int(d, "attempt"), Str(d, "answer")), true);
            case "reply.failed":
                return (Str(d, "gateway") ?? platform, F("story.reply.failed", Int(d, "attempt"), Str(d, "answer")), true);
            case "reply.part":
                return (T("story.by.smsc"), F("story.reply.part", Int(d, "part"), Int(d, "parts"), Str(d, "messageId")), false);
            case "reply.receipt":
                string receipt = (Str(d, "state") ?? Str(d, "stat") ?? "unknown").ToLowerInvariant();
                return receipt is "delivered" or "delivrd"
                    ? (T("story.by.smsc"), F("story.reply.receipt.delivered", Int(d, "part"), Int(d, "parts")), false)
                    : (T("story.by.smsc"), F("story.reply.receipt.other", Int(d, "part"), Int(d, "parts"), Known("story.receipt." + receipt) ?? receipt), true);
            default:
                return (platform, F("story.unknown", kind), false);
        }
    }

    /// <summary>What a control refused, with its figures (docs/design/controls.md); a line of another control by the message's code.</summary>
    private string Control(JsonElement d, SmsTransaction row) => Str(d, "control") switch
    {
        "cap" => F(
            Str(d, "cap") == "monthly" ? "story.control.cap.monthly" : "story.control.cap.daily",
            Cents(d, "amountCents"),
            Cents(d, "capCents"),
            T(Str(d, "of") == "registration" ? "story.control.of.registration" : "story.control.of.authorized"),
            Cents(d, "usedCents"),
            Cents(d, "leftCents")),
        "velocity" => F(
            Str(d, "scope") == "target" ? "story.control.velocity.target" : "story.control.velocity.sender",
            Int(d, "limit"),
            T(Str(d, "window") == "hour" ? "story.control.hour" : "story.control.minute"),
            Str(d, "target") is { Length: > 0 } target ? target : row.Msisdn ?? row.Sender,
            Moment(d, "until")),
        "simSwap" => F("story.control.sim", Moment(d, "changedAt"), Moment(d, "until")),
        _ => row.Code is null ? Str(d, "control") ?? "—" : Code(row.Code),
    };

    /// <summary>The sum of the targets' amounts when the text named every one (a package's is the plan's), else null.</summary>
    private static Money? TargetsTotal(JsonElement interpretation)
    {
        if (!interpretation.TryGetProperty("command", out JsonElement command) || !command.TryGetProperty("targets", out JsonElement targets))
        {
            return null;
        }

        long total = 0;
        foreach (JsonElement t in targets.EnumerateArray())
        {
            if (!(t.TryGetProperty("amountCents", out JsonElement cents) && cents.ValueKind == JsonValueKind.Number))
            {
                return null;
            }

            total += cents.GetInt64();
        }

        return Money.FromCents(total);
    }

    /// <summary>What the text was read as: each target with its amount, or its monthly package.</summary>
    private string Targets(JsonElement interpretation)
    {
        if (!interpretation.TryGetProperty("command", out JsonElement command) || !command.TryGetProperty("targets", out JsonElement targets))
        {
            return "—";
        }

        var parts = new List<string>();
        foreach (JsonElement t in targets.EnumerateArray())
        {
            string who = Str(t, "msisdn") ?? Str(t, "number") ?? Str(t, "account") ?? T("story.target.registered");
            parts.Add(t.TryGetProperty("amountCents", out JsonElement cents) && cents.ValueKind == JsonValueKind.Number
                ? $"{who} {Show.Money(Money.FromCents(cents.GetInt64()))}"
                : F("story.target.package", who));
        }

        return string.Join(", ", parts);
    }

    /// <summary>A ledger line's transfers as "amount to/from whom", the account named by the plan's target when it is one.</summary>
    private string Transfers(JsonElement line, SmsTransaction row, string itemKey, Func<JsonElement, string?> account)
    {
        var parts = new List<string>();
        foreach (JsonElement t in line.GetProperty("transfers").EnumerateArray())
        {
            string id = account(t) ?? "—";
            string whom = row.Plan?.Credits.FirstOrDefault(c => c.LedgerAccount == id) is { } credit
                ? credit.Kind == CreditKind.Package ? F("story.target.package", credit.Target) : credit.Target
                : id;
            parts.Add(F(itemKey, Show.Money(Money.FromCents(t.GetProperty("amountCents").GetInt64())), whom));
        }

        return string.Join(", ", parts);
    }

    private static Money? Sum(JsonElement line) =>
        line.TryGetProperty("transfers", out JsonElement transfers)
            ? Money.FromCents(transfers.EnumerateArray().Sum(t => t.TryGetProperty("amountCents", out JsonElement c) && c.ValueKind == JsonValueKind.Number ? c.GetInt64() : 0))
            : null;

    private static string Amount(JsonElement d, SmsTransaction row) =>
        Show.Money(d.TryGetProperty("amountCents", out JsonElement cents) && cents.ValueKind == JsonValueKind.Number
            ? Money.FromCents(cents.GetInt64())
            : row.Plan?.Total ?? row.Amount);

    /// <summary>A message named by its id, as a reference (the last eight hex digits), or a dash.</summary>
    private static string Ref(string? id) => id is null ? "—" : TransactionId.FromStored(id).ShortRef;

    private static string? Status(JsonElement d) => Str(d, "status")?.ToLowerInvariant();

    private string HoldStatus(string status) => Known("story.hold." + status.ToLowerInvariant()) ?? status;

    private string StatusOrFailure(JsonElement d) =>
        Status(d) is { } status ? HoldStatus(status) + (Str(d, "code") is { } code ? " · " + code : "") : Str(d, "failure") ?? "—";

    private static string Attempts(JsonElement d) => Int(d, "attempts");

    private static string Cents(JsonElement d, string name) =>
        d.TryGetProperty(name, out JsonElement v) && v.ValueKind == JsonValueKind.Number ? Show.Money(Money.FromCents(v.GetInt64())) : "—";

    /// <summary>An instant of a line, on the page's clock (the operator's) or, told without one, in UTC.</summary>
    private string Moment(JsonElement d, string name) =>
        Str(d, name) is { } text && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out DateTimeOffset at)
            ? time?.Invoke(at) ?? at.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture)
            : "—";

    private static string Int(JsonElement d, string name) =>
        d.TryGetProperty(name, out JsonElement v) && v.ValueKind == JsonValueKind.Number ? v.GetInt64().ToString(CultureInfo.InvariantCulture) : "—";

    private static string? Str(JsonElement d, string name) =>
        d.ValueKind == JsonValueKind.Object && d.TryGetProperty(name, out JsonElement v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private string T(string key) => texts.Get(key, language);

    private string? Known(string key) => texts.Has(key) ? texts.Get(key, language) : null;

    private string F(string key, params object?[] values) => string.Format(CultureInfo.InvariantCulture, T(key), values);
}
