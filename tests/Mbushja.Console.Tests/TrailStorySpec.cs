using System.Reflection;
using Mbushja.Domain;
using Mbushja.Messaging;
using Mbushja.TopUp;

namespace Mbushja.WebConsole.Tests;

/// <summary>
/// A trail told as a story (docs/design/trail-story.md): every kind of line the code can write
/// (<see cref="TrailKind.All"/>, the only kinds a <see cref="TrailEntry"/> takes) has its sentences in every language,
/// and each variant of each kind is told as a sentence, not as "a line of kind …".
/// </summary>
public sealed class TrailStorySpec
{
    private static readonly SmsTransaction Row = new(
        TransactionId.FromStored("0190f3a1b2c34d5e8f90a1b2f73bb564"),
        "m-1",
        "+38349111111",
        "+38349111111",
        "50001",
        "049111111 3 # drita",
        "TEB",
        Language.Sq,
        TopUpState.Completed,
        null,
        "XK051212012345678906",
        Money.FromCents(1800),
        new TopUpPlan("TEB", "XK051212012345678906", [
            new PlannedCredit(CreditKind.Mobile, "sub:+38349111111", Money.FromCents(300), "+38349111111"),
            new PlannedCredit(CreditKind.Package, "rev:package", Money.FromCents(1500), "drita", "sa-1", "INTERNET_1", "Internet Pako 1"),
        ]),
        "U krye",
        ReplyRoute.Response,
        DateTimeOffset.UnixEpoch,
        DateTimeOffset.UnixEpoch,
        DateTimeOffset.UnixEpoch);

    /// <summary>Every kind with a detail for each of its variants, as the code writes them.</summary>
    public static TheoryData<string, string> Lines() => new()
    {
        { "received", """{"from":"+38349111111","to":"50001","text":"049111111 3 # drita","messageId":"m-1"}""" },
        { "interpreted", """{"ok":true,"bank":"TEB","command":{"kind":"mobile","targets":[{"msisdn":"+38349111111","amountCents":300},{"account":"drita","amountCents":null}]}}""" },
        { "interpreted", """{"ok":true,"bank":"TEB","command":{"kind":"tv","targets":[{"account":null,"amountCents":null}]}}""" },
        { "interpreted", """{"ok":false,"bank":"TEB","error":{"code":"UNKNOWN_COMMAND","message":"not understood"}}""" },
        { "renewal", """{"account":"sa-1","period":1773100800000,"round":0,"attempt":1}""" },
        { "confirmation.requested", """{"reason":"amount","method":"code","amountCents":5000,"expiresAt":"2026-03-10T09:05:00+00:00"}""" },
        { "confirmation.requested", """{"reason":"unconfirmed payments","method":"pin","amountCents":1000,"expiresAt":"2026-03-10T09:05:00+00:00"}""" },
        { "confirmation", """{"of":"0190f3a1b2c34d5e8f90a1b2c3d4e5f6","outcome":"confirmed"}""" },
        { "confirmation", """{"of":"0190f3a1b2c34d5e8f90a1b2c3d4e5f6","outcome":"WRONG_CONFIRMATION_CODE"}""" },
        { "confirmation", """{"of":"0190f3a1b2c34d5e8f90a1b2c3d4e5f6","outcome":"DAILY_CAP"}""" },
        { "confirmation.confirmed", """{"by":"0190f3a1b2c34d5e8f90a1b2c3d4e5f7"}""" },
        { "confirmation.wrongCode", """{"by":"0190f3a1b2c34d5e8f90a1b2c3d4e5f7","attempts":1}""" },
        { "confirmation.expired", """{"by":null,"why":"the window passed"}""" },
        { "confirmation.failed", """{"by":"0190f3a1b2c34d5e8f90a1b2c3d4e5f7","why":"wrong code"}""" },
        { "control", """{"control":"cap","cap":"daily","of":"authorized","capCents":2000,"usedCents":1500,"leftCents":500,"amountCents":1000}""" },
        { "control", """{"control":"cap","cap":"monthly","of":"registration","capCents":4000,"usedCents":0,"leftCents":4000,"amountCents":5000}""" },
        { "control", """{"control":"simSwap","changedAt":"2026-03-01T10:00:00+00:00","until":"2026-03-04T10:00:00+00:00"}""" },
        { "control", """{"control":"velocity","scope":"sender","target":null,"window":"minute","limit":10,"until":"2026-03-02T10:01:00Z"}""" },
        { "ledger.hold", """{"transfers":[{"id":"x:hold","debit":"bank:TEB","credit":"clearing:TEB","amountCents":1800,"pendingId":null}]}""" },
        { "bank.hold", """{"amountCents":1800,"status":"held","code":null,"failure":null,"attempts":1}""" },
        { "bank.hold", """{"amountCents":1800,"status":"declined","code":"INSUFFICIENT_FUNDS","failure":null,"attempts":1}""" },
        { "bank.hold", """{"amountCents":1800,"status":null,"code":null,"failure":"timeout after 5 s","attempts":3}""" },
        { "bank.status", """{"amountCents":null,"status":"held","code":null,"failure":null,"attempts":1}""" },
        { "bank.status", """{"amountCents":null,"status":null,"code":null,"failure":"connection refused","attempts":3}""" },
        { "ledger", """{"transfers":[{"id":"x:1","debit":"clearing:TEB","credit":"sub:+38349111111","amountCents":300},{"id":"x:2","debit":"clearing:TEB","credit":"rev:package","amountCents":1500}]}""" },
        { "reply", """{"text":"U krye","route":"response"}""" },
        { "reply", """{"text":"U krye","route":"outbound"}""" },
        { "reply", """{"route":"response","why":"the message came again before the reply was sent"}""" },
        { "reply", """{"route":"outbound","why":"the caller stopped waiting for the response"}""" },
        { "bank.capture", """{"amountCents":null,"status":"captured","code":null,"failure":null,"attempts":1}""" },
        { "bank.capture", """{"amountCents":null,"status":"voided","code":"EXPIRED","failure":null,"attempts":1}""" },
        { "ledger.capture", """{"transfers":[{"id":"x:capture","debit":"bank:TEB","credit":"clearing:TEB","amountCents":0,"pendingId":"x:hold"}]}""" },
        { "bank.void", """{"amountCents":null,"status":"voided","code":null,"failure":null,"attempts":1}""" },
        { "bank.void", """{"amountCents":null,"status":"captured","code":null,"failure":null,"attempts":1}""" },
        { "ledger.void", """{"transfers":[{"id":"x:void","debit":"bank:TEB","credit":"clearing:TEB","amountCents":0,"pendingId":"x:hold"}]}""" },
        { "reversal.requested", """{"by":"supervisor","via":"console","reason":"Sent by mistake","refundId":"r-1","amountCents":1800}""" },
        { "reversal.requested", """{"by":"crm","via":"api","reason":"Sent by mistake","refundId":"r-1","amountCents":1800}""" },
        { "reversal.requested", """{"by":"supervisor","reason":"Sent by mistake","refundId":"r-1","amountCents":1800}""" },
        { "reversal.ledger", """{"transfers":[{"id":"x:r1","debit":"sub:+38349111111","credit":"bank:TEB","amountCents":300},{"id":"x:r2","debit":"rev:package","credit":"bank:TEB","amountCents":1500}]}""" },
        { "bank.refund", """{"refundId":"r-1","amountCents":1800,"status":"refunded","code":null,"failure":null,"attempts":1}""" },
        { "bank.refund", """{"refundId":"r-1","amountCents":1800,"status":"rejected","code":"HOLD_NOT_CAPTURED","failure":null,"attempts":1}""" },
        { "bank.refund", """{"refundId":"r-1","amountCents":1800,"status":null,"code":null,"failure":"timeout","attempts":3}""" },
        { "reply.sent", """{"gateway":"kannel","attempt":1,"answer":"0: Accepted for delivery"}""" },
        { "reply.retry", """{"gateway":"smpp","attempt":2,"answer":"no answer to SubmitSm"}""" },
        { "reply.failed", """{"gateway":"kannel","attempt":10,"answer":"503"}""" },
        { "reply.part", """{"part":1,"parts":2,"messageId":"abc123","bind":"ipko-1"}""" },
        { "reply.receipt", """{"part":1,"parts":1,"messageId":"abc123","state":"delivered","stat":"DELIVRD","err":"000"}""" },
        { "reply.receipt", """{"part":1,"parts":1,"messageId":"abc123","state":"undeliverable","stat":"UNDELIV","err":"001"}""" },
    };

    [Fact]
    public void All_IsEveryKindDeclared()
    {
        TrailKind[] declared = [.. typeof(TrailKind).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.FieldType == typeof(TrailKind)).Select(f => (TrailKind)f.GetValue(null)!)];

        Assert.Equal(declared.Select(k => k.Name).Order(StringComparer.Ordinal), TrailKind.All.Select(k => k.Name).Order(StringComparer.Ordinal));
        Assert.Equal(TrailKind.All.Count, TrailKind.All.Select(k => k.Name).Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void EveryKindTheCodeWrites_HasItsSentencesInEveryLanguage()
    {
        var missing = new List<string>();
        foreach (TrailKind kind in TrailKind.All)
        {
            IReadOnlyList<string> keys = TrailStory.KeysOf(kind);
            if (keys.Count == 0)
            {
                missing.Add($"{kind}: no sentence");
            }

            foreach (string key in keys)
            {
                if (!ConsoleTexts.Shipped.Has(key))
                {
                    missing.Add($"{kind}: no text {key}");
                    continue;
                }

                foreach (string language in ConsoleTexts.Languages)
                {
                    if (string.IsNullOrWhiteSpace(ConsoleTexts.Shipped.Get(key, language)))
                    {
                        missing.Add($"{kind}: {key} has no {language}");
                    }
                }
            }
        }

        Assert.Empty(missing);
    }

    [Fact]
    public void EveryKind_HasASampleLineHere() =>
        Assert.Empty(TrailKind.All.Select(k => k.Name).Except(Lines().Select(row => (string)row[0]), StringComparer.Ordinal));

    [Theory]
    [MemberData(nameof(Lines))]
    public void EveryVariant_IsToldAsASentence_InEveryLanguage(string kind, string detail)
    {
        foreach (string language in ConsoleTexts.Languages)
        {
            StoryLine line = Story(language).Tell(Row, new SmsEvent(1, DateTimeOffset.UnixEpoch, kind, detail));

            string unknown = string.Format(System.Globalization.CultureInfo.InvariantCulture, ConsoleTexts.Shipped.Get("story.unknown", language), kind);
            Assert.NotEqual(unknown, line.Sentence);
            Assert.DoesNotContain("{", line.Sentence, StringComparison.Ordinal);
            Assert.False(string.IsNullOrWhiteSpace(line.Actor));
            Assert.Equal(detail, line.Detail);
        }
    }

    [Theory]
    [InlineData("received", """{"from":"+38349111111","to":"50001","text":"049111111 3","messageId":"m-1"}""", "+38349111111", "+38349111111 sent “049111111 3” to short code 50001.")]
    [InlineData("bank.hold", """{"amountCents":1800,"status":"held","attempts":1}""", "TEB", "TEB Bank held 18.00 EUR on the holder's account.")]
    [InlineData("bank.hold", """{"amountCents":1800,"status":"declined","code":"INSUFFICIENT_FUNDS","attempts":1}""", "TEB", "TEB Bank declined the hold of 18.00 EUR: insufficient funds.")]
    [InlineData("ledger", """{"transfers":[{"id":"x:1","credit":"sub:+38349111111","amountCents":300},{"id":"x:2","credit":"rev:package","amountCents":1500}]}""", "Ledger", "The ledger credited 3.00 EUR to +38349111111, 15.00 EUR to drita (monthly package).")]
    [InlineData("reversal.requested", """{"by":"supervisor","via":"console","reason":"Sent by mistake","amountCents":1800}""", "supervisor", "supervisor reversed the top-up of 18.00 EUR in the console. Reason: “Sent by mistake”.")]
    [InlineData("reversal.requested", """{"by":"crm","via":"api","reason":"Sent by mistake","amountCents":1800}""", "Admin API", "The top-up of 18.00 EUR was reversed through the admin API (with the admin key), on behalf of crm. Reason: “Sent by mistake”.")]
    [InlineData("bank.refund", """{"amountCents":1800,"status":"refunded","attempts":1}""", "TEB", "TEB Bank refunded 18.00 EUR to the holder's account.")]
    [InlineData("reply.receipt", """{"part":1,"parts":1,"messageId":"a","state":"delivered"}""", "SMSC", "Part 1 of 1 of the reply was delivered to the phone.")]
    public void InEnglish_TellsWhoDidWhatWithTheAmounts(string kind, string detail, string actor, string sentence)
    {
        StoryLine line = Story("en").Tell(Row, new SmsEvent(1, DateTimeOffset.UnixEpoch, kind, detail));

        Assert.Equal(actor, line.Actor);
        Assert.Equal(sentence, line.Sentence);
    }

    [Fact]
    public void EveryKind_HasItsTitleInEveryLanguage()
    {
        string[] missing = [.. TrailKind.All.SelectMany(k => ConsoleTexts.Languages.Select(language => (Key: "trail." + k.Name, Language: language)))
            .Where(t => !ConsoleTexts.Shipped.Has(t.Key) || string.IsNullOrWhiteSpace(ConsoleTexts.Shipped.Get(t.Key, t.Language)))
            .Select(t => $"{t.Key} ({t.Language})")];

        Assert.Empty(missing);
    }

    [Theory]
    [InlineData(
        """{"control":"cap","cap":"daily","of":"authorized","capCents":800,"usedCents":800,"leftCents":0,"amountCents":500}""",
        "Refused by a control: 5.00 EUR would pass the daily cap of 8.00 EUR of the authorised person (8.00 EUR used today, 0.00 EUR left). Nothing was charged.")]
    [InlineData(
        """{"control":"cap","cap":"monthly","of":"registration","capCents":10000,"usedCents":9000,"leftCents":1000,"amountCents":1500}""",
        "Refused by a control: 15.00 EUR would pass the monthly cap of 100.00 EUR of the whole registration (90.00 EUR used this month, 10.00 EUR left). Nothing was charged.")]
    [InlineData(
        """{"control":"velocity","scope":"sender","target":"","window":"minute","limit":10,"until":"2026-03-02T10:01:00+00:00"}""",
        "Refused by a control: the sender +38349111111 reached its limit of 10 top-ups per minute; accepted again from 2026-03-02 10:01 UTC. Nothing was charged.")]
    [InlineData(
        """{"control":"velocity","scope":"target","target":"+38349222222","window":"hour","limit":60,"until":"2026-03-02T11:00:00+00:00"}""",
        "Refused by a control: +38349222222 reached its limit of 60 top-ups per hour; accepted again from 2026-03-02 11:00 UTC. Nothing was charged.")]
    [InlineData(
        """{"control":"simSwap","changedAt":"2026-03-01T10:00:00+00:00","until":"2026-03-04T10:00:00+00:00"}""",
        "Refused by a control: the number's SIM card was changed at 2026-03-01 10:00 UTC; SMS Top Up works again from 2026-03-04 10:00 UTC. Nothing was charged.")]
    public void AControlsRefusal_IsToldWithItsFigures(string detail, string sentence)
    {
        StoryLine line = Story("en").Tell(Row, new SmsEvent(1, DateTimeOffset.UnixEpoch, "control", detail));

        Assert.Equal(sentence, line.Sentence);
        Assert.True(line.Problem);
    }

    [Fact]
    public void AControlsRefusal_TellsItsInstantsOnThePagesClock()
    {
        var clock = new OperatorClock(TimeProvider.System, TimeZoneInfo.FindSystemTimeZoneById("Europe/Belgrade"));
        var story = new TrailStory(ConsoleTexts.Shipped, "en", code => code ?? "—", at => TimeZoneInfo.ConvertTime(at, clock.Zone).ToString("HH:mm", System.Globalization.CultureInfo.InvariantCulture));

        StoryLine line = story.Tell(Row, new SmsEvent(1, DateTimeOffset.UnixEpoch, "control", """{"control":"velocity","scope":"sender","target":"","window":"minute","limit":10,"until":"2026-03-02T10:01:00+00:00"}"""));

        Assert.Contains("accepted again from 11:01", line.Sentence, StringComparison.Ordinal);
    }

    [Fact]
    public void AMessageRefusedBeforeItsPlan_IsReadWithoutATotalItDoesNotHave()
    {
        SmsTransaction refused = Row with { Plan = null, Amount = null, State = TopUpState.Rejected, Code = "VELOCITY_SENDER" };
        const string OnePackage = """{"ok":true,"bank":"TEB","command":{"kind":"tv","targets":[{"account":"arta.tv","amountCents":null}]}}""";
        const string TwoNumbers = """{"ok":true,"bank":"TEB","command":{"kind":"mobile","targets":[{"msisdn":"+38349111111","amountCents":300},{"msisdn":"+38349222222","amountCents":250}]}}""";

        string package = Story("en").Tell(refused, new SmsEvent(1, DateTimeOffset.UnixEpoch, "interpreted", OnePackage)).Sentence;
        string numbers = Story("en").Tell(refused, new SmsEvent(1, DateTimeOffset.UnixEpoch, "interpreted", TwoNumbers)).Sentence;

        Assert.Equal("Read at TEB Bank as: arta.tv (monthly package).", package);
        Assert.Equal("Read at TEB Bank as: +38349111111 3.00 EUR, +38349222222 2.50 EUR; 5.50 EUR in total.", numbers);
    }

    [Fact]
    public void ALineItCannotRead_IsToldAsALineOfItsKind()
    {
        StoryLine line = Story("en").Tell(Row, new SmsEvent(1, DateTimeOffset.UnixEpoch, "someday.new", "not json"));

        Assert.Equal("A line of kind “someday.new”.", line.Sentence);
        Assert.Equal("not json", line.Detail);
    }

    [Theory]
    [InlineData("created", """{"holder":"+38349111111","accountRef":"XK051212012345678906","authorized":["+38349222222"],"contractAccounts":[]}""", "teb.officer registered +38349111111 with the account XK051212012345678906; authorised: +38349222222.")]
    [InlineData("authorized_added", """{"msisdn":"+38349222222","slot":1}""", "teb.officer added +38349222222 as an authorised person.")]
    [InlineData("authorized_removed", """{"msisdn":"+38349222222","slot":1}""", "teb.officer removed the authorised person +38349222222.")]
    [InlineData("account_changed", """{"before":"XK051212012345678906","accountRef":"XK051212012345678907"}""", "teb.officer changed the bank account from XK051212012345678906 to XK051212012345678907.")]
    public void ARegistrationsChange_IsToldAsASentence(string action, string details, string english)
    {
        Assert.Equal(english, Story("en").TellChange(action, "teb.officer", details));
        foreach (string language in ConsoleTexts.Languages)
        {
            Assert.NotEqual($"teb.officer: {action}", Story(language).TellChange(action, "teb.officer", details));
        }
    }

    [Fact]
    public void EveryRegistrationAction_HasItsSentence()
    {
        string[] actions = [.. typeof(RegistrationActions).GetFields().Where(f => f.IsLiteral).Select(f => (string)f.GetRawConstantValue()!)];
        string[] missing = [.. actions.Where(a => !TrailStory.ChangeKeys.Contains("history." + a) || !ConsoleTexts.Shipped.Has("history." + a))];

        Assert.NotEmpty(actions);
        Assert.Empty(missing);
    }

    private static TrailStory Story(string language) => new(ConsoleTexts.Shipped, language, code => code == "TEB" ? "TEB Bank" : code ?? "—");
}
