using Mbushja.Accounts;
using Mbushja.Domain;
using Mbushja.Storage;
using Mbushja.Testing;

namespace Mbushja.Ussd.Tests;

/// <summary>
/// The USSD service against a real database, on every engine (README "USSD *101#"): what a confirmation charges and
/// writes, the monthly rule at the month's edge in Europe/Belgrade, repeated and racing requests, time-outs, and the
/// aggregator's ways of repeating and restarting a session.
/// </summary>
public abstract class UssdServiceSpec
{
    /// <summary>2026-03-10 12:00 UTC, a plain Tuesday, 13:00 in Belgrade.</summary>
    private static readonly DateTimeOffset Noon = new(2026, 3, 10, 12, 0, 0, TimeSpan.Zero);

    protected abstract DatabaseKind Kind { get; }

    private static string NewSession() => "ATUid_" + Guid.NewGuid().ToString("N");

    [Fact]
    public async Task Confirmation_ChargesPricePlusFee_PaysAMonth_AndQueuesTheReceipt()
    {
        await using ServiceWorld w = await ServiceWorld.CreateAsync(Kind, Noon);
        string phone = await w.SubscriberAsync(2000);
        string card = await w.AccountAsync("DTV_FAMILJARE");

        string end = await w.SessionAsync(NewSession(), phone, "1", "1", card, "1");

        Assert.Matches(@"^END U pagua DTV Familjare per 70\d+: 9\.00 €\. Paguar deri me 10\.04\.2026\. Ref [0-9A-F]{8}\. Do te merrni SMS\.$", end);
        Assert.Equal(1100, await w.CreditAsync(phone));
        ServiceAccount account = await w.AccountNamedAsync(card);
        Assert.Equal(new DateTimeOffset(2026, 4, 10, 11, 0, 0, TimeSpan.Zero), account.PaidUntil); // 13:00 in Belgrade, summer time by then
        Assert.Equal(850, (await w.Queries.GetAccountAsync(SystemAccounts.PackageRevenueId))!.Balance.Cents);
        Assert.Equal(50, (await w.Queries.GetAccountAsync(SystemAccounts.FeeRevenue.Id.Value))!.Balance.Cents);
        string receipt = (await w.TextAsync("SELECT text FROM sms_outbox WHERE recipient = @m AND source = 'ussd' AND state = 'pending'", ("m", ServiceWorld.E164(phone))))!;
        Assert.StartsWith($"IPKO: U pagua DTV Familjare për {card}: 8.50 € + tarifa 0.50 € = 9.00 € nga krediti. Paguar deri më 10.04.2026. Krediti 11.00 €. Ref ", receipt, StringComparison.Ordinal);
        string reference = System.Text.RegularExpressions.Regex.Match(end, "Ref ([0-9A-F]{8})").Groups[1].Value;
        Assert.EndsWith("Ref " + reference, receipt, StringComparison.Ordinal); // the same reference
        await w.AssertLedgerAsync();
    }

    /// <summary>
    /// The dashboard's daily roll-ups (docs/design/dashboard-rollups.md): each payment counts on the operator-local day it
    /// was made, with price and fee, in the payment's own commit; a refused one not at all; a rebuild counts the same.
    /// </summary>
    [Fact]
    public async Task Payments_OverTwoDays_KeptInTheDailyRollups_AsARebuildCountsThem()
    {
        await using ServiceWorld w = await ServiceWorld.CreateAsync(Kind, Noon);
        string first = await w.SubscriberAsync(5000);
        string second = await w.SubscriberAsync(5000);
        string poor = await w.SubscriberAsync(100);
        await w.SessionAsync(NewSession(), first, "1", "3", await w.AccountAsync("INTERNET_1"), "1");
        await w.SessionAsync(NewSession(), poor, "1", "3", await w.AccountAsync("INTERNET_1"), "1"); // too little credit: refused
        w.Clock.Advance(TimeSpan.FromHours(11)); // 00:00 in Belgrade: the next day
        await w.SessionAsync(NewSession(), second, "1", "3", await w.AccountAsync("INTERNET_1"), "1");

        var rollups = new Mbushja.Storage.Rollups.DailyRollups(w.Database);
        var kept = await rollups.ReadAllAsync();
        Assert.Equal(
            [
                (new Mbushja.Storage.Rollups.RollupKey(new DateOnly(2026, 3, 10), "ussd", "", "paid", ""), new Mbushja.Storage.Rollups.RollupFigure(1, 1540)),
                (new Mbushja.Storage.Rollups.RollupKey(new DateOnly(2026, 3, 11), "ussd", "", "paid", ""), new Mbushja.Storage.Rollups.RollupFigure(1, 1540)),
            ],
            kept);
        Assert.Null(await w.Commits.CommitAsync(Mbushja.Storage.Rollups.DailyRollups.Rebuild(async (context, ct) =>
        {
            var counted = new Dictionary<Mbushja.Storage.Rollups.RollupKey, Mbushja.Storage.Rollups.RollupFigure>();
            await UssdPayments.CountAsync(context, w.OperatorClock, counted, ct);
            return counted;
        })));
        Assert.Equal(kept, await rollups.ReadAllAsync());
    }

    [Fact]
    public async Task Package_PaidAhead_ExtendsFromPaidUntil_AndIsRecordedOnTheAccount()
    {
        await using ServiceWorld w = await ServiceWorld.CreateAsync(Kind, Noon);
        string first = await w.SubscriberAsync(5000);
        string second = await w.SubscriberAsync(5000);
        string user = await w.AccountAsync("INTERNET_1");

        await w.SessionAsync(NewSession(), first, "1", "3", user, "1");
        await w.SessionAsync(NewSession(), second, "1", "5", user, "1"); // Internet Pako 3 for the same account

        ServiceAccount account = await w.AccountNamedAsync(user);
        Assert.Equal(new DateTimeOffset(2026, 5, 10, 11, 0, 0, TimeSpan.Zero), account.PaidUntil); // two months; summer time since 29 March
        Assert.Equal("INTERNET_3", account.PackageCode);
        Assert.Equal(5000 - 1490 - 50, await w.CreditAsync(first));
        Assert.Equal(5000 - 2490 - 50, await w.CreditAsync(second));
    }

    [Fact]
    public async Task Ppv_CreditsTheChosenAmountToTheAccountsBalance()
    {
        await using ServiceWorld w = await ServiceWorld.CreateAsync(Kind, Noon);
        string phone = await w.SubscriberAsync(1000, Language.En);
        string card = await w.AccountAsync("PPV");

        string end = await w.SessionAsync(NewSession(), phone, "1", "8", card, "2", "1");

        Assert.StartsWith($"END Topped up PPV kredit 5.00 € for {card}, balance 5.00 €. Total 5.50 €. Ref ", end, StringComparison.Ordinal);
        Assert.Equal(450, await w.CreditAsync(phone));
        ServiceAccount account = await w.AccountNamedAsync(card);
        Assert.Equal(500, account.Balance.Cents);
        Assert.Null(account.PaidUntil);
        await w.AssertLedgerAsync();
    }

    /// <summary>
    /// A month is a calendar month in the operator's time zone: paid 31 January 23:30 in Belgrade → refused 23:50 →
    /// allowed 1 February 00:10.
    /// </summary>
    [Fact]
    public async Task OncePerMonth_IsACalendarMonthInBelgrade()
    {
        await using ServiceWorld w = await ServiceWorld.CreateAsync(Kind, new DateTimeOffset(2026, 1, 31, 22, 30, 0, TimeSpan.Zero)); // 23:30 CET
        string phone = await w.SubscriberAsync(10_000, Language.En);
        string a = await w.AccountAsync("INTERNET_1");
        string b = await w.AccountAsync("INTERNET_2");

        Assert.StartsWith("END Paid Internet Pako 1", await w.SessionAsync(NewSession(), phone, "1", "3", a, "1"), StringComparison.Ordinal);

        w.Clock.Set(new DateTimeOffset(2026, 1, 31, 22, 50, 0, TimeSpan.Zero)); // 23:50 CET, still January
        Assert.Equal("END You can use this service once a month. Try again from 01.02.2026.", await w.SessionAsync(NewSession(), phone, "1"));

        w.Clock.Set(new DateTimeOffset(2026, 1, 31, 23, 10, 0, TimeSpan.Zero)); // 00:10 CET on 1 February
        Assert.StartsWith("END Paid Internet Pako 2", await w.SessionAsync(NewSession(), phone, "1", "4", b, "1"), StringComparison.Ordinal);

        Assert.Equal(10_000 - 1490 - 1990 - 100, await w.CreditAsync(phone));
        Assert.Equal(2, await w.CountAsync("SELECT COUNT(*) FROM ussd_payments WHERE msisdn = @m", ("m", ServiceWorld.E164(phone))));
    }

    /// <summary>The rule is the database's: a session that reached the confirmation before another paid is refused at its confirmation.</summary>
    [Fact]
    public async Task OncePerMonth_SecondSessionAlreadyAtTheConfirmation_IsRefusedThenAndChargesNothing()
    {
        await using ServiceWorld w = await ServiceWorld.CreateAsync(Kind, Noon);
        string phone = await w.SubscriberAsync(10_000, Language.En);
        string a = await w.AccountAsync("INTERNET_1");
        string b = await w.AccountAsync("DUO_TV");
        string second = NewSession();
        Assert.StartsWith("CON DUO TV\n", await w.SessionAsync(second, phone, "1", "2", b), StringComparison.Ordinal);

        await w.SessionAsync(NewSession(), phone, "1", "3", a, "1");
        string refused = await w.SendAsync(second, phone, $"1*2*{b}*1");

        Assert.Equal("END You can use this service once a month. Try again from 01.04.2026.", refused);
        Assert.Equal(10_000 - 1540, await w.CreditAsync(phone));
        Assert.Null((await w.AccountNamedAsync(b)).PaidUntil);
        Assert.Equal(refused, await w.SendAsync(second, phone, $"1*2*{b}*1")); // and it stays the answer
        await w.AssertLedgerAsync();
    }

    [Fact]
    public async Task OncePerMonth_SwitchedOff_LetsANumberPayAgain()
    {
        string folder = Mbushja.Testing.ShippedConfig.CopyWith(
            (UssdMenu.FileName, text => text.Replace("\"oncePerMonth\": true,", "\"oncePerMonth\": false,", StringComparison.Ordinal)));
        try
        {
            await using ServiceWorld w = await ServiceWorld.CreateAsync(Kind, Noon, folder);
            string phone = await w.SubscriberAsync(10_000);
            string user = await w.AccountAsync("INTERNET_1");

            await w.SessionAsync(NewSession(), phone, "1", "3", user, "1");
            await w.SessionAsync(NewSession(), phone, "1", "3", user, "1");

            Assert.Equal(10_000 - (2 * 1540), await w.CreditAsync(phone));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task SameConfirmation_Repeated_ChargesOnce_AndAnswersTheSame()
    {
        await using ServiceWorld w = await ServiceWorld.CreateAsync(Kind, Noon);
        string phone = await w.SubscriberAsync(5000);
        string user = await w.AccountAsync("DUO_MINI");
        string session = NewSession();
        await w.SessionAsync(session, phone, "1", "6", user);

        string first = await w.SendAsync(session, phone, $"1*6*{user}*1");
        string again = await w.SendAsync(session, phone, $"1*6*{user}*1");

        Assert.StartsWith("END U pagua Duo - mini", first, StringComparison.Ordinal);
        Assert.Equal(first, again);
        Assert.Equal(5000 - 2190 - 50, await w.CreditAsync(phone));
        Assert.Equal(1, await w.CountAsync("SELECT COUNT(*) FROM sms_outbox WHERE recipient = @m", ("m", ServiceWorld.E164(phone))));
    }

    [Fact]
    public async Task SameConfirmation_AtOnceFromSeveralServers_ChargesOnce_AndAllAnswerTheReceipt()
    {
        await using ServiceWorld w = await ServiceWorld.CreateAsync(Kind, Noon);
        for (int round = 0; round < 5; round++)
        {
            string phone = await w.SubscriberAsync(5000);
            string user = await w.AccountAsync("INTERNET_3");
            string session = NewSession();
            await w.SessionAsync(session, phone, "1", "5", user);

            string[] answers = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => Task.Run(() => w.SendAsync(session, phone, $"1*5*{user}*1"))));

            Assert.All(answers, a => Assert.Equal(answers[0], a));
            Assert.StartsWith("END U pagua Internet Pako 3", answers[0], StringComparison.Ordinal);
            Assert.Equal(5000 - 2540, await w.CreditAsync(phone));
        }

        await w.AssertLedgerAsync();
    }

    [Fact]
    public async Task TwoSessionsOfOneNumber_ConfirmingAtOnce_ChargeOnce()
    {
        await using ServiceWorld w = await ServiceWorld.CreateAsync(Kind, Noon);
        for (int round = 0; round < 5; round++)
        {
            string phone = await w.SubscriberAsync(10_000, Language.En);
            string a = await w.AccountAsync("DTV_FAMILJARE");
            string b = await w.AccountAsync("DUO_MAXI");
            (string Session, string Text)[] sessions = [(NewSession(), $"1*1*{a}*1"), (NewSession(), $"1*7*{b}*1")];
            foreach ((string session, string text) in sessions)
            {
                await w.SessionAsync(session, phone, text.Split('*')[..^1]);
            }

            string[] answers = await Task.WhenAll(sessions.Select(s => Task.Run(() => w.SendAsync(s.Session, phone, s.Text))));

            Assert.Single(answers, x => x.StartsWith("END Paid ", StringComparison.Ordinal));
            Assert.Single(answers, x => x.StartsWith("END You can use this service once a month.", StringComparison.Ordinal));
            long credit = await w.CreditAsync(phone);
            Assert.True(credit is 10_000 - 900 or 10_000 - 3040, $"credit {credit}");
            Assert.Equal(1, await w.CountAsync("SELECT COUNT(*) FROM ussd_payments WHERE msisdn = @m", ("m", ServiceWorld.E164(phone))));
        }

        await w.AssertLedgerAsync();
    }

    [Fact]
    public async Task Confirmation_AfterTheTimeout_EndsTheSession_AndChargesNothing()
    {
        await using ServiceWorld w = await ServiceWorld.CreateAsync(Kind, Noon);
        string phone = await w.SubscriberAsync(5000, Language.En);
        string user = await w.AccountAsync("INTERNET_1");
        string session = NewSession();
        await w.SessionAsync(session, phone, "1", "3");

        w.Clock.Advance(TimeSpan.FromSeconds(179)); // a slow subscriber, still in time: every step starts the wait anew
        Assert.StartsWith("CON Internet Pako 1\n", await w.SendAsync(session, phone, $"1*3*{user}"), StringComparison.Ordinal);
        w.Clock.Advance(TimeSpan.FromSeconds(181));
        string expired = await w.SendAsync(session, phone, $"1*3*{user}*1");

        Assert.Equal("END The session timed out. Nothing was charged. Dial *101# again.", expired);
        Assert.Equal(expired, await w.SendAsync(session, phone, $"1*3*{user}")); // a repeat of the last step too
        Assert.Equal(5000, await w.CreditAsync(phone));
        Assert.Equal(0, await w.CountAsync("SELECT COUNT(*) FROM ussd_payments WHERE msisdn = @m", ("m", ServiceWorld.E164(phone))));
    }

    [Fact]
    public async Task RepeatedRequest_GetsTheSameScreen_AndChangesNothing()
    {
        await using ServiceWorld w = await ServiceWorld.CreateAsync(Kind, Noon);
        string phone = await w.SubscriberAsync(5000);
        string session = NewSession();

        string start = await w.SendAsync(session, phone, "");
        string startAgain = await w.SendAsync(session, phone, "");
        string packages = await w.SendAsync(session, phone, "1");
        string packagesAgain = await w.SendAsync(session, phone, "1");
        string bad = await w.SendAsync(session, phone, "1*x");
        string badAgain = await w.SendAsync(session, phone, "1*x");

        Assert.Equal(start, startAgain);
        Assert.Equal(packages, packagesAgain);
        Assert.Equal(bad, badAgain);
        Assert.StartsWith("CON Zgjedhje e pavlefshme.\nZgjidhni paketen:", bad, StringComparison.Ordinal);
        Assert.Equal(5000, await w.CreditAsync(phone));
    }

    [Fact]
    public async Task StepsAfterTheStart_AreNotWritten_YetAnotherServerAnswersTheNextStep_AndThePaymentIsMadeOnce()
    {
        await using ServiceWorld w = await ServiceWorld.CreateAsync(Kind, Noon);
        string phone = await w.SubscriberAsync(5000, Language.En);
        string user = await w.AccountAsync("INTERNET_1");
        string session = NewSession();
        UssdService other = w.OtherServer();

        await w.SessionAsync(session, phone, "1", "3");
        Assert.Equal("", (await w.Sessions.GetAsync(session))!.History); // only the start is stored: the gateway resends every input
        string confirm = await w.SendAsync(session, phone, $"1*3*{user}", other);
        string paid = await w.SendAsync(session, phone, $"1*3*{user}*1", other);
        string again = await w.SendAsync(session, phone, $"1*3*{user}*1"); // the same confirmation, to the first server

        Assert.StartsWith("CON Internet Pako 1\n", confirm, StringComparison.Ordinal);
        Assert.StartsWith("END Paid Internet Pako 1", paid, StringComparison.Ordinal);
        Assert.Equal(paid, again);
        Assert.Equal(5000 - 1540, await w.CreditAsync(phone));
        Assert.True((await w.Sessions.GetAsync(session))!.Ended);
        await w.AssertLedgerAsync();
    }

    [Fact]
    public async Task SlowSteps_AreWritten_SoAnotherServerFindsTheSessionAlive()
    {
        await using ServiceWorld w = await ServiceWorld.CreateAsync(Kind, Noon);
        string phone = await w.SubscriberAsync(5000, Language.En);
        string user = await w.AccountAsync("INTERNET_1");
        string session = NewSession();
        await w.SessionAsync(session, phone, "1");

        w.Clock.Advance(TimeSpan.FromSeconds(100)); // more than a sixth of the 180 s timeout since the stored step
        await w.SendAsync(session, phone, "1*3");
        w.Clock.Advance(TimeSpan.FromSeconds(170)); // 270 s since the start, 170 s since the last step

        Assert.StartsWith("CON Internet Pako 1\n", await w.SendAsync(session, phone, $"1*3*{user}", w.OtherServer()), StringComparison.Ordinal);
        Assert.Equal($"1*3*{user}", (await w.Sessions.GetAsync(session))!.History); // its stored step was old too: written
    }

    [Fact]
    public async Task ResentSessionStart_GoesBackToTheStart_AndTheSessionGoesOnFromThere()
    {
        await using ServiceWorld w = await ServiceWorld.CreateAsync(Kind, Noon);
        string phone = await w.SubscriberAsync(5000);
        string user = await w.AccountAsync("INTERNET_2");
        string session = NewSession();
        await w.SessionAsync(session, phone, "1", "4");

        Assert.StartsWith("CON IPKO\n1. Pagesat", await w.SendAsync(session, phone, ""), StringComparison.Ordinal);
        Assert.StartsWith("CON Zgjidhni paketen:", await w.SendAsync(session, phone, "1"), StringComparison.Ordinal);
        Assert.StartsWith("END U pagua Internet Pako 2", await w.SessionAsync(session, phone, "1", "4", user, "1"), StringComparison.Ordinal);
        // Once paid, a late copy of the start gets the receipt again, not a new session.
        Assert.StartsWith("END U pagua Internet Pako 2", await w.SendAsync(session, phone, ""), StringComparison.Ordinal);
        Assert.Equal(5000 - 2040, await w.CreditAsync(phone));
    }

    [Fact]
    public async Task OlderRequestArrivingLate_GetsTheCurrentScreen_AndChangesNothing()
    {
        await using ServiceWorld w = await ServiceWorld.CreateAsync(Kind, Noon);
        string phone = await w.SubscriberAsync(5000);
        string session = NewSession();
        string current = await w.SessionAsync(session, phone, "1", "3");

        Assert.Equal(current, await w.SendAsync(session, phone, "1"));
        Assert.StartsWith("CON Internet Pako 1\n", current, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TextThatDoesNotContinueTheSession_EndsThatAnswer_ButNotTheSession()
    {
        await using ServiceWorld w = await ServiceWorld.CreateAsync(Kind, Noon);
        string phone = await w.SubscriberAsync(5000, Language.En);
        string session = NewSession();
        await w.SessionAsync(session, phone, "1", "3");

        Assert.Equal("END This session has ended. Dial *101# again.", await w.SendAsync(session, phone, "2*1"));
        Assert.StartsWith("CON No account x.", await w.SendAsync(session, phone, "1*3*x"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SessionOfAnotherNumber_IsRefused()
    {
        await using ServiceWorld w = await ServiceWorld.CreateAsync(Kind, Noon);
        string phone = await w.SubscriberAsync(5000);
        string other = await w.SubscriberAsync(5000);
        string session = NewSession();
        await w.SendAsync(session, phone, "");

        UssdOutcome outcome = await w.Service.HandleAsync(new UssdRequest(session, "*101#", other, "1"));

        Assert.Equal(ErrorCodes.SessionMismatch, outcome.Refusal?.Code);
        Assert.Equal("sessionId", outcome.Field);
    }

    [Fact]
    public async Task SessionIdReusedLongAfter_StartsANewSession()
    {
        await using ServiceWorld w = await ServiceWorld.CreateAsync(Kind, Noon);
        string phone = await w.SubscriberAsync(5000);
        string other = await w.SubscriberAsync(5000);
        string user = await w.AccountAsync("INTERNET_1");
        string session = NewSession();
        await w.SessionAsync(session, phone, "1", "3", user, "1");
        string firstKey = (await w.Sessions.GetAsync(session))!.Key;

        w.Clock.Advance(TimeSpan.FromHours(1));
        Assert.StartsWith("CON IPKO", await w.SendAsync(session, other, ""), StringComparison.Ordinal);
        Assert.StartsWith("END U pagua", await w.SessionAsync(session, other, "1", "3", user, "1"), StringComparison.Ordinal);

        Assert.NotEqual(firstKey, (await w.Sessions.GetAsync(session))!.Key);
        Assert.Equal(5000 - 1540, await w.CreditAsync(other));
    }

    [Fact]
    public async Task LanguageChosen_IsRememberedForTheNextSession_AndTheSubscriber()
    {
        await using ServiceWorld w = await ServiceWorld.CreateAsync(Kind, Noon);
        string phone = await w.SubscriberAsync(5000, Language.Sq);

        Assert.StartsWith("CON Language: English.\nIPKO\n1. Payments", await w.SessionAsync(NewSession(), phone, "4", "2"), StringComparison.Ordinal);

        Assert.StartsWith("CON IPKO\n1. Payments", await w.SendAsync(NewSession(), phone, ""), StringComparison.Ordinal);
        Assert.Equal(Language.En, (await w.Subscribers.FindAsync(w.Config.Numbering.ParseMsisdn(phone).Value))!.Language);
    }

    [Fact]
    public async Task CreditSpentAfterTheConfirmationScreen_IsRefusedAtTheConfirmation()
    {
        await using ServiceWorld w = await ServiceWorld.CreateAsync(Kind, Noon);
        string phone = await w.SubscriberAsync(1000, Language.En);
        string card = await w.AccountAsync("DTV_FAMILJARE");
        string session = NewSession();
        await w.SessionAsync(session, phone, "1", "1", card);
        Ledger.LedgerOutcome spent = await w.Ledger.SubmitAsync(Ledger.LedgerCommand.Of(Ledger.TransferRequest.Single(
            "test-spend", SystemAccounts.Subscriber(ServiceWorld.E164(phone)), SystemAccounts.Provisioning.Id, Money.FromCents(500), "test")));
        Assert.True(spent.Succeeded);

        string end = await w.SendAsync(session, phone, $"1*1*{card}*1");

        Assert.Equal("END Not enough credit: you have 5.00 €, 9.00 € is needed. Nothing was charged.", end);
        Assert.Equal(500, await w.CreditAsync(phone));
        Assert.Null((await w.AccountNamedAsync(card)).PaidUntil);
    }

    [Fact]
    public async Task InputsInTheFirstRequest_AreWalkedAtOnce()
    {
        await using ServiceWorld w = await ServiceWorld.CreateAsync(Kind, Noon);
        string phone = await w.SubscriberAsync(5000);
        string user = await w.AccountAsync("INTERNET_1");

        Assert.StartsWith("CON Internet Pako 1\nLlogaria: ", await w.SendAsync(NewSession(), phone, $"1*3*{user}"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("049999001", "END Ky sherbim eshte per pajtimtaret IPKO me parapagim.")]
    [InlineData("044123456", "END Ky sherbim eshte vetem per numrat IPKO.")]
    public async Task CallerWhoCannotPay_IsToldWhy(string phone, string expected)
    {
        await using ServiceWorld w = await ServiceWorld.CreateAsync(Kind, Noon);

        Assert.Equal(expected, await w.SendAsync(NewSession(), phone, ""));
    }

    [Theory]
    [InlineData(null, "*101#", "049123456", "", "MISSING_FIELD", "sessionId")]
    [InlineData("s", null, "049123456", "", "MISSING_FIELD", "serviceCode")]
    [InlineData("s", "*101#", null, "", "MISSING_FIELD", "phoneNumber")]
    [InlineData("s", "*101#", "049123456", null, "MISSING_FIELD", "text")]
    [InlineData("s", "*102#", "049123456", "", "UNKNOWN_SERVICE_CODE", "serviceCode")]
    [InlineData("s s", "*101#", "049123456", "", "MALFORMED_FIELD", "sessionId")]
    [InlineData("s", "*101#", "12", "", "INVALID_NUMBER", "phoneNumber")]
    [InlineData("s", "*101#", "049123456", "1\u0000", "MALFORMED_FIELD", "text")]
    public async Task MalformedRequest_IsRefused_WithTheFieldToBlame(string? session, string? code, string? phone, string? text, string expected, string field)
    {
        await using ServiceWorld w = await ServiceWorld.CreateAsync(Kind, Noon);

        UssdOutcome outcome = await w.Service.HandleAsync(new UssdRequest(session, code, phone, text));

        Assert.Equal(expected, outcome.Refusal?.Code);
        Assert.Equal(field, outcome.Field);
    }

    /// <summary>
    /// A username typed with a trailing space (a phone keyboard's autocomplete adds one) reaches the confirmation, and
    /// the confirmation that follows it pays: the next request repeats the space, and the session still takes it.
    /// </summary>
    [Theory]
    [InlineData(" ")]
    [InlineData("  ")]
    public async Task InputWithTrailingSpace_TheNextInputContinuesTheSession(string space)
    {
        await using ServiceWorld w = await ServiceWorld.CreateAsync(Kind, Noon);
        string phone = await w.SubscriberAsync(5000, Language.En);
        string user = await w.AccountAsync("INTERNET_1");
        string session = NewSession();
        await w.SessionAsync(session, phone, "1", "3");

        Assert.StartsWith("CON Internet Pako 1\nAccount: " + user + "\n", await w.SendAsync(session, phone, $"1*3*{user}{space}"), StringComparison.Ordinal);
        string paid = await w.SendAsync(session, phone, $"1*3*{user}{space}*1");

        Assert.StartsWith("END Paid Internet Pako 1", paid, StringComparison.Ordinal);
        Assert.Equal(5000 - 1540, await w.CreditAsync(phone));
    }

    /// <summary>A blank answer is re-asked, as any invalid one is, and the answer after it is taken.</summary>
    [Fact]
    public async Task BlankInput_IsReasked_AndTheNextInputContinuesTheSession()
    {
        await using ServiceWorld w = await ServiceWorld.CreateAsync(Kind, Noon);
        string phone = await w.SubscriberAsync(5000, Language.En);
        string session = NewSession();
        await w.SessionAsync(session, phone, "1");

        Assert.StartsWith("CON Not a valid choice.\nChoose a package:", await w.SendAsync(session, phone, "1* "), StringComparison.Ordinal);

        Assert.Equal("CON Internet Pako 1\nEnter your username:\n0 Back  00 Menu", await w.SendAsync(session, phone, "1* *3"));
    }

    /// <summary>A gateway that pads every text with a space still walks the session: its inputs are the same.</summary>
    [Fact]
    public async Task GatewayPadsEveryTextWithASpace_TheSessionGoesOn()
    {
        await using ServiceWorld w = await ServiceWorld.CreateAsync(Kind, Noon);
        string phone = await w.SubscriberAsync(5000, Language.En);
        string session = NewSession();

        Assert.StartsWith("CON ", await w.SendAsync(session, phone, " "), StringComparison.Ordinal);
        Assert.StartsWith("CON ", await w.SendAsync(session, phone, "1 "), StringComparison.Ordinal);

        Assert.Equal("CON Internet Pako 1\nEnter your username:\n0 Back  00 Menu", await w.SendAsync(session, phone, "1*3 "));
    }

    [Fact]
    public async Task Purge_DeletesOnlySessionsUntouchedSinceTheCutOff()
    {
        await using ServiceWorld w = await ServiceWorld.CreateAsync(Kind, Noon);
        string phone = await w.SubscriberAsync(5000);
        string old = NewSession();
        await w.SendAsync(old, phone, "");
        w.Clock.Advance(TimeSpan.FromDays(2));
        string recent = NewSession();
        await w.SendAsync(recent, phone, "");

        int deleted = await w.Sessions.PurgeAsync(w.Clock.GetUtcNow() - TimeSpan.FromDays(1), 100);

        Assert.Equal(1, deleted);
        Assert.Null(await w.Sessions.GetAsync(old));
        Assert.NotNull(await w.Sessions.GetAsync(recent));
    }
}

public sealed class SqliteUssdServiceTests : UssdServiceSpec
{
    protected override DatabaseKind Kind => DatabaseKind.Sqlite;
}

public sealed class PostgresUssdServiceTests : UssdServiceSpec
{
    protected override DatabaseKind Kind => DatabaseKind.Postgres;

    /// <summary>
    /// Round trips are what cost on PostgreSQL (docs/design/ussd-sessions.md): a session walked to its payment on one
    /// server takes one for each step that reads or writes (the dial writes the session, finding the subscriber's
    /// language as it does; the package list reads the month's payment; the account is read with the caller's credit;
    /// a choice of a list reads nothing), and two for the payment (the ledger's load with what the payment decides
    /// on, then every write with the COMMIT). Counted as Npgsql's commands and batches run within each step's activity.
    /// </summary>
    [Fact]
    public async Task Session_WalkedToItsPayment_TakesOneRoundTripPerStepThatReadsOrWrites_AndTwoForThePayment()
    {
        await using ServiceWorld w = await ServiceWorld.CreateAsync(Kind, new DateTimeOffset(2026, 3, 10, 12, 0, 0, TimeSpan.Zero));
        string phone = await w.SubscriberAsync(5000, Language.En);
        string user = await w.AccountAsync("INTERNET_1");
        // Both writers' connections, and the reader's, are opened before the count.
        await Task.WhenAll(
            w.SessionAsync("ATUid_warm1", await w.SubscriberAsync(5000), "1", "3", await w.AccountAsync("INTERNET_1"), "1"),
            w.SessionAsync("ATUid_warm2", await w.SubscriberAsync(5000), "1", "3", await w.AccountAsync("INTERNET_1"), "1"));
        string session = "ATUid_" + Guid.NewGuid().ToString("N");

        var trips = new List<string[]>();
        foreach (string text in (string[])["", "1", "1*3", $"1*3*{user}", $"1*3*{user}*1"])
        {
            trips.Add(await RoundTrips.OfAsync(() => w.SendAsync(session, phone, text)));
        }

        string said = string.Join(" || ", trips.Select(t => string.Join(" | ", t)));
        Assert.True(trips.Select(t => t.Length).SequenceEqual([1, 1, 0, 1, 2]), said);
        Assert.StartsWith("BEGIN", trips[0][0], StringComparison.Ordinal);
        Assert.EndsWith("COMMIT", trips[4][1], StringComparison.Ordinal);
        Assert.Equal(5000 - 1490 - 50, await w.CreditAsync(phone));
        Assert.Equal(1, await w.CountAsync("SELECT COUNT(*) FROM sms_outbox WHERE recipient = @m AND source = 'ussd'", ("m", ServiceWorld.E164(phone))));
        Assert.Equal(1, await w.CountAsync("SELECT COUNT(*) FROM ussd_sessions WHERE session_id = @s AND ended AND version = 2", ("s", session)));
    }
}
