using System.Data.Common;
using Mbushja.Smpp;
using Mbushja.Smpp.Pdus;
using Mbushja.Smpp.Text;
using Mbushja.Storage;
using Mbushja.Testing;
using Mbushja.Ussd;
using Microsoft.Extensions.DependencyInjection;

namespace Mbushja.Server.Tests;

/// <summary>
/// USSD <c>*101#</c> over SMPP (README "SMPP (the operator's SMSC)") with the SMSC's default variant: a PSSR indication
/// (ussd_service_op 1) begins the dialogue, the menu goes back by submit_sm as a USSR request (2) with the dialogue's
/// its_session_info, each USSR confirm (18) is the next answer, and the last screen is a PSSR response (17) that ends
/// the session. The SMSC is a scripted fake on a real socket; the server is the real one, on SQLite and PostgreSQL.
/// </summary>
public abstract class SmppUssdSpec(SmppServerFixture server) : IAsyncLifetime
{
    private readonly TopUpWorld _world = new(server);

    private FakeSmsc Smsc => server.Smsc;

    public async Task InitializeAsync() => await Smsc.WaitForBindAsync();

    public Task DisposeAsync() => server.AssertLedgerInvariantsAsync();

    [Fact]
    public async Task WholeMenu_OverSmpp_PaysThePackageOnce_AndTheReceiptLeavesAsAnSms()
    {
        string phone = await _world.SubscriberAsync(5000, language: "en");
        string card = (await _world.ServiceAccountAsync("tv", "DTV_FAMILJARE", smartCard: true)).String("smartCard");
        var dialogue = new Dialogue(this, phone, Session());

        SubmitSm menu = await dialogue.BeginAsync();
        SubmitSm packages = await dialogue.AnswerAsync("1");
        SubmitSm asks = await dialogue.AnswerAsync("1"); // the same answer to the next screen: DTV Familjare
        SubmitSm confirm = await dialogue.AnswerAsync(card);
        SubmitSm paid = await dialogue.AnswerAsync("1");

        Assert.StartsWith("IPKO\n1. Payments", TextOf(menu), StringComparison.Ordinal);
        Assert.Contains("\n1. DTV Familjare", TextOf(packages), StringComparison.Ordinal);
        Assert.StartsWith("DTV Familjare\nEnter your SMART card number:", TextOf(asks), StringComparison.Ordinal);
        Assert.Contains("Total: 9.00 €\n1. Confirm\n2. Cancel", TextOf(confirm), StringComparison.Ordinal);
        Assert.StartsWith("Paid DTV Familjare for " + card, TextOf(paid), StringComparison.Ordinal);
        Assert.All([menu, packages, asks, confirm], s => AssertScreen(s, dialogue, UssdServiceOp.UssrRequest, ends: false));
        AssertScreen(paid, dialogue, UssdServiceOp.PssrResponse, ends: true);
        Assert.Equal(5000 - 850 - 50, await _world.CreditAsync(phone));
        SubmitSm receipt = Assert.Single(await Smsc.WaitForSubmitsAsync(1, which: s => To(s, phone) && s.Tlvs.UssdServiceOp is null));
        Assert.Equal(("IPKO", TypeOfNumber.Alphanumeric), (receipt.Source.Address, receipt.Source.Ton));
        Assert.StartsWith("IPKO: Paid DTV Familjare for " + card, TextOf(receipt), StringComparison.Ordinal);
        await AssertNoMoreSubmitsAsync(phone, 6);
    }

    [Fact]
    public async Task AutomaticPayment_SetOverSmpp_TheSweepPaysItOnce_AndItsReceiptLeavesAsAnSms()
    {
        string phone = await _world.SubscriberAsync(5000, language: "en");
        string user = (await _world.ServiceAccountAsync("internet", "INTERNET_1")).String("username");
        var dialogue = new Dialogue(this, phone, Session());

        await dialogue.BeginAsync();
        SubmitSm automatic = await dialogue.AnswerAsync("5");
        await dialogue.AnswerAsync("2");
        await dialogue.AnswerAsync("3");
        SubmitSm confirm = await dialogue.AnswerAsync(user);
        SubmitSm set = await dialogue.AnswerAsync("1");
        // Never paid: due today. The server's own sweep runs every minute; these are two runs.
        UssdRenewalSweep sweep = server.Server.App.Services.GetRequiredService<UssdRenewalSweep>();
        UssdRenewalSweepResult first = await sweep.RunAsync();
        UssdRenewalSweepResult second = await sweep.RunAsync();

        Assert.StartsWith("Automatic payments\n1. My automatic payments\n2. Add an automatic payment", TextOf(automatic), StringComparison.Ordinal);
        Assert.Contains("Each month 15.40 € from credit", TextOf(confirm), StringComparison.Ordinal);
        Assert.StartsWith($"Set: Internet Pako 1 for {user}, 15.40 €", TextOf(set), StringComparison.Ordinal);
        AssertScreen(set, dialogue, UssdServiceOp.PssrResponse, ends: true);
        Assert.Equal((1, UssdRenewalSweepResult.None), (first.Paid, second));
        Assert.Equal(5000 - 1540, await _world.CreditAsync(phone));
        SubmitSm receipt = Assert.Single(await Smsc.WaitForSubmitsAsync(1, which: s => To(s, phone) && s.Tlvs.UssdServiceOp is null));
        Assert.StartsWith($"IPKO: Paid Internet Pako 1 for {user}", TextOf(receipt), StringComparison.Ordinal);
        await AssertNoMoreSubmitsAsync(phone, 7);
    }

    [Fact]
    public async Task ConfirmationDeliveredAgain_IsAnswered_AndChargesNothingMore()
    {
        string phone = await _world.SubscriberAsync(5000, language: "en");
        string user = (await _world.ServiceAccountAsync("internet", "INTERNET_1")).String("username");
        var dialogue = new Dialogue(this, phone, Session());
        await dialogue.BeginAsync();
        await dialogue.AnswerAsync("1");
        await dialogue.AnswerAsync("3");
        await dialogue.AnswerAsync(user);
        await dialogue.AnswerAsync("1");
        await Smsc.WaitForSubmitsAsync(1, which: s => To(s, phone) && s.Tlvs.UssdServiceOp is null);

        Pdu again = await Smsc.Bound!.RequestAsync(dialogue.Mo(UssdServiceOp.UssrConfirm, "1"));

        Assert.Equal(CommandStatus.Ok, again.CommandStatus);
        SubmitSm ended = (await Smsc.WaitForSubmitsAsync(6, which: s => To(s, phone) && s.Tlvs.UssdServiceOp is not null))[^1];
        Assert.StartsWith("This session has ended.", TextOf(ended), StringComparison.Ordinal); // in the subscriber's language
        AssertScreen(ended, dialogue, UssdServiceOp.PssrResponse, ends: true);
        Assert.Equal(5000 - 1490 - 50, await _world.CreditAsync(phone));
        await AssertNoMoreSubmitsAsync(phone, 7);
    }

    /// <summary>The SMSC did not take the screen (its deliver_sm_resp may be lost too): the same deliver_sm again is that step, not the next.</summary>
    [Fact]
    public async Task DeliverSmAgain_BeforeItsScreenGotThrough_SendsTheScreenAgain_AndTakesNothing()
    {
        string phone = await _world.SubscriberAsync(5000, language: "en");
        var dialogue = new Dialogue(this, phone, Session());
        await dialogue.BeginAsync();
        int refused = 0;
        Smsc.OnSubmit = (s, _) => To(s, phone) && Interlocked.Exchange(ref refused, 1) == 0 ? new SubmitAnswer(CommandStatus.SubmitFailed) : SubmitAnswer.Accept;
        SubmitSm lost;
        try
        {
            lost = await dialogue.AnswerAsync("1");
        }
        finally
        {
            Smsc.OnSubmit = (_, _) => SubmitAnswer.Accept;
        }

        SubmitSm again = await dialogue.AnswerAsync("1");
        SubmitSm next = await dialogue.AnswerAsync("1");

        Assert.Contains("\n1. DTV Familjare", TextOf(lost), StringComparison.Ordinal);
        Assert.Equal(TextOf(lost), TextOf(again));
        Assert.StartsWith("DTV Familjare\nEnter your SMART card number:", TextOf(next), StringComparison.Ordinal);
        Assert.Equal(5000, await _world.CreditAsync(phone));
    }

    [Fact]
    public async Task ExpiredSession_EndsWithTheReason_AndChargesNothing()
    {
        string phone = await _world.SubscriberAsync(5000, language: "en");
        var dialogue = new Dialogue(this, phone, Session());
        await dialogue.BeginAsync();
        await dialogue.AnswerAsync("1");
        await AgeSessionAsync(phone, dialogue.Info.SessionNumber, TimeSpan.FromMinutes(10));

        SubmitSm end = await dialogue.AnswerAsync("1");

        Assert.StartsWith("The session timed out. Nothing was charged. Dial *101# again.", TextOf(end), StringComparison.Ordinal);
        AssertScreen(end, dialogue, UssdServiceOp.PssrResponse, ends: true);
        Assert.Equal(5000, await _world.CreditAsync(phone));
    }

    [Fact]
    public async Task UnknownServiceOp_IsRefusedWithItsStatus_AndNothingIsSent()
    {
        string phone = await _world.SubscriberAsync(5000, language: "en");
        var dialogue = new Dialogue(this, phone, Session());

        Pdu answer = await Smsc.Bound!.RequestAsync(dialogue.Mo((UssdServiceOp)0x21, "*101#"));

        Assert.Equal(CommandStatus.InvalidOptionalParameterValue, answer.CommandStatus);
        await AssertNoMoreSubmitsAsync(phone, 0);
    }

    [Fact]
    public async Task MissingItsSessionInfo_IsRefusedWithItsStatus_AndNothingIsSent()
    {
        string phone = await _world.SubscriberAsync(5000, language: "en");
        DeliverSm begin = new Dialogue(this, phone, Session()).Mo(UssdServiceOp.PssrIndication, "*101#");
        DeliverSm withoutInfo = new()
        {
            Source = begin.Source,
            Destination = begin.Destination,
            ShortMessage = begin.ShortMessage,
            Tlvs = [Tlv.UssdServiceOp(UssdServiceOp.PssrIndication)],
        };

        Pdu answer = await Smsc.Bound!.RequestAsync(withoutInfo);

        Assert.Equal(CommandStatus.MissingOptionalParameter, answer.CommandStatus);
        await AssertNoMoreSubmitsAsync(phone, 0);
    }

    [Fact]
    public async Task BeginWithAnswersInTheCode_GoesStraightToThatScreen()
    {
        string phone = await _world.SubscriberAsync(5000, language: "en");
        var dialogue = new Dialogue(this, phone, Session());

        SubmitSm screen = await dialogue.BeginAsync("*101*1*3#");

        Assert.StartsWith("Internet Pako 1\nEnter your username:", TextOf(screen), StringComparison.Ordinal);
    }

    private byte Session() => unchecked((byte)server.NextSuffix());

    private static void AssertScreen(SubmitSm screen, Dialogue dialogue, UssdServiceOp operation, bool ends)
    {
        Assert.Equal(operation, screen.Tlvs.UssdServiceOp);
        Assert.Equal(dialogue.Info with { EndOfSession = ends }, screen.Tlvs.ItsSessionInfo);
        Assert.Equal(("101", "383" + dialogue.Phone[1..]), (screen.Source.Address, screen.Destination.Address));
        Assert.Equal(DataCoding.SmscDefault, screen.DataCoding);
        Assert.True(TextOf(screen).Length <= 182);
    }

    private static bool To(SubmitSm submit, string national) => submit.Destination.Address == "383" + national[1..];

    private static string TextOf(SubmitSm s) => InboundPart.From(s.Source, s.Destination, s.EsmClass, s.DataCoding, s.ShortMessage, s.Tlvs).Text;

    private async Task AssertNoMoreSubmitsAsync(string national, int count)
    {
        await Task.Delay(OutboundServerFixture.FastOutbox.PollInterval * 8);
        Assert.Equal(count, Smsc.Submits.Count(s => To(s, national)));
    }

    /// <summary>The subscriber's last step was <paramref name="ago"/> ago: what the session timeout reads.</summary>
    private async Task AgeSessionAsync(string national, byte sessionNumber, TimeSpan ago)
    {
        await using DbConnection connection = await server.Database.Database.OpenAsync();
        await using DbCommand command = connection.Command(
            "UPDATE ussd_sessions SET updated_at = updated_at - @ago, version = version + 1 "
            + "WHERE session_id = (SELECT session_id FROM smpp_ussd_dialogues WHERE dialogue_key = @key) RETURNING session_id",
            null,
            ("ago", (long)ago.TotalMilliseconds),
            ("key", $"1/1/383{national[1..]}#{sessionNumber}"));
        string session = Assert.IsType<string>(await command.ExecuteScalarAsync());
        // The server remembers the steps it answered, and their time: the next step is answered from the database, as
        // a server that did not answer them would.
        server.Server.App.Services.GetRequiredService<UssdService>().Forget(session);
    }

    /// <summary>One subscriber's dialogue at the SMSC: its deliver_sm, and the screens that come back.</summary>
    private sealed class Dialogue(SmppUssdSpec spec, string phone, byte sessionNumber)
    {
        private int _screens;

        public string Phone => phone;

        public ItsSessionInfo Info { get; } = new(sessionNumber, 0, false);

        public DeliverSm Mo(UssdServiceOp operation, string text) => new()
        {
            Source = SmppAddress.International("383" + phone[1..]),
            Destination = SmppAddress.ShortCode("101"),
            ShortMessage = System.Text.Encoding.ASCII.GetBytes(text),
            Tlvs = [Tlv.UssdServiceOp(operation), Tlv.ItsSessionInfo(Info)],
        };

        public Task<SubmitSm> BeginAsync(string dialled = "*101#") => StepAsync(Mo(UssdServiceOp.PssrIndication, dialled));

        public Task<SubmitSm> AnswerAsync(string answer) => StepAsync(Mo(UssdServiceOp.UssrConfirm, answer));

        /// <summary>Delivers one step, expects it taken (ESME_ROK), and returns the screen it caused.</summary>
        private async Task<SubmitSm> StepAsync(DeliverSm message)
        {
            Pdu answer = await spec.Smsc.Bound!.RequestAsync(message);
            Assert.Equal(CommandStatus.Ok, answer.CommandStatus);
            _screens++;
            return (await spec.Smsc.WaitForSubmitsAsync(_screens, which: s => To(s, phone) && s.Tlvs.UssdServiceOp is not null))[_screens - 1];
        }
    }
}

public sealed class SqliteSmppUssdTests(SqliteSmppServerFixture server) : SmppUssdSpec(server), IClassFixture<SqliteSmppServerFixture>;

public sealed class PostgresSmppUssdTests(PostgresSmppServerFixture server) : SmppUssdSpec(server), IClassFixture<PostgresSmppServerFixture>;
