using System.Data.Common;
using System.Net;
using System.Text;
using System.Text.Json;
using Mbushja.Messaging;
using Mbushja.Server.Smpp;
using Mbushja.Smpp;
using Mbushja.Smpp.Pdus;
using Mbushja.Smpp.Session;
using Mbushja.Smpp.Text;
using Mbushja.Storage;
using Mbushja.Testing;
using Mbushja.Text;
using Mbushja.TopUp;
using Microsoft.Extensions.DependencyInjection;

namespace Mbushja.Server.Tests;

/// <summary>
/// A server bound to a scripted SMSC (one transceiver), with a fast outbox and quick reconnects. Its timeouts are long
/// enough never to expire on a busy machine while a test waits: a test that needs one to expire makes it (an answer
/// held back until the outbox tried again, a long message's first part aged in the database).
/// </summary>
public abstract class SmppServerFixture : ServerFixture
{
    public FakeSmsc Smsc { get; private set; } = null!;

    public static readonly TimeSpan ReassemblyTimeout = TimeSpan.FromMinutes(10);

    public static SmppSessionOptions BindTo(FakeSmsc smsc, string name = "smsc1") => new()
    {
        Name = name,
        Host = "127.0.0.1",
        Port = smsc.Port,
        SystemId = FakeSmsc.SystemId,
        Password = FakeSmsc.Password,
        // Long, as a lost answer costs a test this much; short enough to watch one time out (SlowSubmitResponse_...).
        ResponseTimeout = TimeSpan.FromSeconds(10),
        Reconnect = new Backoff(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(1)),
        Throttle = new Backoff(TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(400)),
    };

    public static SmppSettings SettingsFor(params SmppSessionOptions[] binds) => new()
    {
        Binds = binds,
        ReassemblyTimeout = ReassemblyTimeout,
        SweepInterval = TimeSpan.FromMilliseconds(200),
        ThrottlePatience = TimeSpan.FromSeconds(10),
    };

    protected override Task BeforeServerAsync()
    {
        Smsc = FakeSmsc.Start();
        return Task.CompletedTask;
    }

    protected override Task AfterServerAsync() => Smsc.DisposeAsync().AsTask();

    protected override ServerSettings Configure(ServerSettings settings) =>
        settings with { Smpp = SettingsFor(BindTo(Smsc)), Outbox = OutboundServerFixture.FastOutbox with { MaxAttempts = 10 } };
}

public sealed class SqliteSmppServerFixture : SmppServerFixture
{
    protected override DatabaseKind Kind => DatabaseKind.Sqlite;
}

public sealed class PostgresSmppServerFixture : SmppServerFixture
{
    protected override DatabaseKind Kind => DatabaseKind.Postgres;
}

/// <summary>
/// SMS Top Up over SMPP end to end (README "SMPP (the operator's SMSC)"): the SMSC delivers by deliver_sm, the server
/// answers only once the message is recorded (0x64 when it cannot be), tops up through the sandbox bank, and replies by
/// submit_sm; repeats charge once, Albanian text arrives in every coding, long messages both ways, receipts on the
/// trail. The SMSC is a scripted fake on a real socket; the server is the real one, on SQLite and on PostgreSQL.
/// </summary>
public abstract class SmppTopUpSpec(SmppServerFixture server) : IAsyncLifetime
{
    private const long Funds = 100_000;

    private readonly TopUpWorld _world = new(server);

    private FakeSmsc Smsc => server.Smsc;

    public async Task InitializeAsync() => await Smsc.WaitForBindAsync();

    public Task DisposeAsync() => server.AssertLedgerInvariantsAsync();

    [Fact]
    public async Task MoTopUp_DeliverSm_AnsweredOk_ChargedOnce_AndRepliedBySubmitSm()
    {
        string holder = await _world.SubscriberAsync(); // sq: the reply has ë, so UCS-2
        await _world.RegisterAsync("BEK", holder, Funds);

        Pdu answer = await DeliverAsync(holder, "50005", "5");

        Assert.Equal(CommandStatus.Ok, answer.CommandStatus);
        (JsonElement transaction, SubmitSm[] reply) = await ReplyAsync(holder);
        Assert.Equal("completed", transaction.String("status"));
        Assert.StartsWith("smpp:", transaction.String("messageId"), StringComparison.Ordinal);
        Assert.Equal(transaction.String("reply"), TextOf(reply));
        Assert.StartsWith("U krye:", TextOf(reply), StringComparison.Ordinal);
        Assert.All(reply, part =>
        {
            Assert.Equal(DataCoding.Ucs2, part.DataCoding);
            Assert.Equal(("50005", TypeOfNumber.International, "383" + holder[1..]), (part.Source.Address, part.Destination.Ton, part.Destination.Address));
            Assert.Equal(1, part.RegisteredDelivery);
        });
        Assert.Equal(500, await _world.CreditAsync(holder));
        Assert.Equal(OutboxStates.Sent, (await OutboxStateAsync(transaction.String("id"), OutboxStates.Sent)).State);
        Assert.Contains("reply.part", await TrailKindsAsync(transaction.String("id")));
        Assert.Contains("reply.sent", await TrailKindsAsync(transaction.String("id")));
        await AssertNoMoreRepliesAsync(holder, reply.Length);
    }

    [Fact]
    public async Task DeliveryReceipt_WithTheIdInDecimal_GoesOnTheReplysTrail()
    {
        string stranger = await _world.SubscriberAsync(language: "en");
        await DeliverAsync(stranger, "50222", "5");
        (JsonElement transaction, SubmitSm[] parts) = await ReplyAsync(stranger);
        SubmitSm reply = Assert.Single(parts);
        string id = transaction.String("id");
        await OutboxStateAsync(id, OutboxStates.Sent);
        string hex = (await server.Server.App.Services.GetRequiredService<SmsSubmits>().AcceptedAsync(id)).Single().SmscMessageId;
        string decimalId = Convert.ToInt64(hex, 16).ToString(System.Globalization.CultureInfo.InvariantCulture);

        Pdu answer = await Smsc.Bound!.RequestAsync(FakeSmsc.Receipt(reply, decimalId, withTlvs: false));

        Assert.Equal(CommandStatus.Ok, answer.CommandStatus);
        JsonElement receipt = await TrailEntryAsync(id, "reply.receipt");
        Assert.Equal(("delivered", "DELIVRD", decimalId), (receipt.String("state"), receipt.String("stat"), receipt.String("messageId")));
        Assert.Equal(CommandStatus.Ok, (await Smsc.Bound!.RequestAsync(FakeSmsc.Receipt(reply, decimalId, withTlvs: false))).CommandStatus);
        Assert.Single(await TrailKindsAsync(id), k => k == "reply.receipt");
    }

    [Fact]
    public async Task DeliveryReceipt_ForNoReplyOfOurs_IsAcknowledged()
    {
        Pdu answer = await Smsc.Bound!.RequestAsync(FakeSmsc.Receipt(new SubmitSm(), "DEADBEEF99"));

        Assert.Equal(CommandStatus.Ok, answer.CommandStatus);
    }

    [Fact]
    public async Task SameDeliverSmTwice_OneCharge_OneReply()
    {
        string holder = await _world.SubscriberAsync();
        await _world.RegisterAsync("TEB", holder, Funds);
        DeliverSm message = Mo(holder, "50001", "3");

        Pdu first = await Smsc.Bound!.RequestAsync(message);
        (_, SubmitSm[] reply) = await ReplyAsync(holder);
        Pdu again = await Smsc.Bound!.RequestAsync(Mo(holder, "50001", "3"));

        Assert.Equal((CommandStatus.Ok, CommandStatus.Ok), (first.CommandStatus, again.CommandStatus));
        await AssertNoMoreRepliesAsync(holder, reply.Length);
        Assert.Equal(300, await _world.CreditAsync(holder));
        await SingleTransactionAsync(holder);
    }

    [Fact]
    public async Task MoTopUp_FromANumberWhoseSimChanged_RefusedBySubmitSm_NothingCharged()
    {
        string holder = await _world.SubscriberAsync(language: "en");
        await _world.RegisterAsync("BEK", holder, Funds);
        await (await server.Http.PostJsonAsync("/api/v1/sim-changes", Api.Json(new { msisdn = holder }))).ExpectAsync(HttpStatusCode.Created);

        Pdu answer = await DeliverAsync(holder, "50005", "5");

        Assert.Equal(CommandStatus.Ok, answer.CommandStatus);
        (JsonElement transaction, SubmitSm[] reply) = await ReplyAsync(holder);
        Assert.Equal(("rejected", "SIM_CHANGED"), (transaction.String("status"), transaction.String("code")));
        Assert.StartsWith("This number's SIM card was changed recently.", TextOf(reply), StringComparison.Ordinal);
        Assert.Equal(0, await _world.CreditAsync(holder));
    }

    [Fact]
    public async Task Auto_ByDeliverSm_TheSweepsRenewalIsChargedOnce_ItsReplyASubmitSm()
    {
        string holder = await _world.SubscriberAsync(language: "en");
        string iban = await _world.RegisterAsync("BEK", holder, Funds);
        string user = (await _world.ServiceAccountAsync("internet", "INTERNET_1")).String("username");

        Pdu answer = await DeliverAsync(holder, "50005", "AUTO internet " + user);
        (JsonElement set, SubmitSm[] notice) = await ReplyAsync(holder);
        // Never paid: due today. The server's own sweep runs every minute; this is one run, and recovery carries the try.
        RenewalSweep sweep = server.Server.App.Services.GetRequiredService<RenewalSweep>();
        await sweep.RunAsync();
        await server.RecoverAsync();
        await sweep.RunAsync();
        JsonElement list = await (await server.Http.GetAsAdminAsync("/api/v1/transactions?msisdn=" + holder)).ExpectAsync(HttpStatusCode.OK);
        JsonElement renewal = Assert.Single(list.GetProperty("transactions").EnumerateArray(), t => t.String("messageId").StartsWith("renew:", StringComparison.Ordinal));
        int parts = PartsOf(renewal.String("reply"));
        IReadOnlyList<SubmitSm> replies = await RepliesToAsync(holder, notice.Length + parts);

        Assert.Equal(CommandStatus.Ok, answer.CommandStatus);
        Assert.Equal(("completed", RenewalCodes.On), (set.String("status"), set.String("code")));
        Assert.StartsWith("Done: ", TextOf(replies.Skip(notice.Length)), StringComparison.Ordinal);
        Assert.Equal((Funds - 1_490, 0L), await _world.BankAccountAsync("BEK", iban));
        await AssertNoMoreRepliesAsync(holder, notice.Length + parts);
    }

    [Fact]
    public async Task SameDeliverSmTwiceAtOnce_OnTwoConnections_OneCharge()
    {
        string holder = await _world.SubscriberAsync();
        await _world.RegisterAsync("NLB", holder, Funds);

        Pdu[] answers = await Task.WhenAll(
            Smsc.Bound!.RequestAsync(Mo(holder, "50444", "7")),
            Smsc.Bound!.RequestAsync(Mo(holder, "50444", "7")),
            Smsc.Bound!.RequestAsync(Mo(holder, "50444", "7")));

        Assert.All(answers, a => Assert.Equal(CommandStatus.Ok, a.CommandStatus));
        (_, SubmitSm[] reply) = await ReplyAsync(holder);
        await AssertNoMoreRepliesAsync(holder, reply.Length);
        Assert.Equal(700, await _world.CreditAsync(holder));
    }

    [Fact]
    public async Task StoreFails_AnsweredTemporaryError_ThenTheSmscsNextTryIsRecordedOnce()
    {
        string holder = await _world.SubscriberAsync();
        await _world.RegisterAsync("PCB", holder, Funds);
        string sender = "+383" + holder[1..];
        await ExecuteAsync(server.Database.Database.Kind == DatabaseKind.Sqlite
            ? $"CREATE TRIGGER store_down BEFORE INSERT ON sms_transactions WHEN NEW.sender = '{sender}' BEGIN SELECT RAISE(ABORT, 'store down'); END"
            : "CREATE FUNCTION store_down() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'store down'; END $$ LANGUAGE plpgsql; "
            + $"CREATE TRIGGER store_down BEFORE INSERT ON sms_transactions FOR EACH ROW WHEN (NEW.sender = '{sender}') EXECUTE FUNCTION store_down()");
        Pdu refused;
        try
        {
            refused = await DeliverAsync(holder, "50333", "5");
        }
        finally
        {
            await ExecuteAsync(server.Database.Database.Kind == DatabaseKind.Sqlite
                ? "DROP TRIGGER store_down"
                : "DROP TRIGGER store_down ON sms_transactions; DROP FUNCTION store_down()");
        }

        Pdu retried = await DeliverAsync(holder, "50333", "5");

        Assert.Equal(CommandStatus.ReceiverTemporaryAppError, refused.CommandStatus);
        Assert.Equal(CommandStatus.Ok, retried.CommandStatus);
        (_, SubmitSm[] reply) = await ReplyAsync(holder);
        await AssertNoMoreRepliesAsync(holder, reply.Length);
        Assert.Equal(500, await _world.CreditAsync(holder));
        await SingleTransactionAsync(holder);
    }

    public static TheoryData<byte, string> AlbanianTexts => new()
    {
        { DataCoding.SmscDefault, "Ç'kemi, sa kushton?" },
        { DataCoding.Latin1, "Përshëndetje, çfarë është kjo?" },
        { DataCoding.Ucs2, "Mirëdita! Sa është çmimi në €?" },
    };

    [Theory]
    [MemberData(nameof(AlbanianTexts))]
    public async Task AlbanianText_InEveryCoding_ArrivesAsWritten_AndTheAlbanianReplyGoesBack(byte dataCoding, string text)
    {
        string stranger = await _world.SubscriberAsync(); // sq: the reply is RBKO's syntax help in Albanian

        Assert.Equal(CommandStatus.Ok, (await DeliverAsync(stranger, "50222", text, dataCoding)).CommandStatus);

        (JsonElement transaction, SubmitSm[] reply) = await ReplyAsync(stranger);
        JsonElement detail = await _world.TransactionAsync(transaction.String("id"));
        Assert.Equal(text, detail.String("text"));
        Assert.Equal("UNKNOWN_COMMAND", transaction.String("code"));
        Assert.Equal(transaction.String("reply"), TextOf(reply));
        Assert.All(reply, part => Assert.Equal(Gsm7.CanEncode(transaction.String("reply")) ? DataCoding.SmscDefault : DataCoding.Ucs2, part.DataCoding));
    }

    [Fact]
    public async Task UcsTwoTopUp_WithTheEuroSign_IsCharged()
    {
        string holder = await _world.SubscriberAsync();
        await _world.RegisterAsync("BPB", holder, Funds);

        await DeliverAsync(holder, "50000", "4€", DataCoding.Ucs2);

        await ReplyAsync(holder);
        Assert.Equal(400, await _world.CreditAsync(holder));
    }

    [Fact]
    public async Task LongReply_LeavesInPartsWithOneReference_AndEachPartIsRecorded()
    {
        string holder = await _world.SubscriberAsync();
        string[] others = [await _world.SubscriberAsync(), await _world.SubscriberAsync(), await _world.SubscriberAsync()];
        await _world.RegisterAsync("BEK", holder, Funds);

        await DeliverAsync(holder, "50005", string.Join(" # ", others.Select(o => o + " 2")));

        (JsonElement transaction, SubmitSm[] parts) = await ReplyAsync(holder);
        string text = transaction.String("reply");
        int expectedParts = PartsOf(text);
        Assert.True(expectedParts >= 2, $"the reply fits one part: {text}");
        Assert.All(parts, p => Assert.True(EsmClass.HasUdh(p.EsmClass)));
        Assert.Single(parts.Select(p => Concat(p).Reference).Distinct());
        Assert.Equal(Enumerable.Range(1, expectedParts), parts.Select(p => (int)Concat(p).Sequence).Order());
        Assert.Equal(text, TextOf(parts));
        await OutboxStateAsync(transaction.String("id"), OutboxStates.Sent);
        Assert.Equal(expectedParts, (await TrailKindsAsync(transaction.String("id"))).Count(k => k == "reply.part"));
        await AssertNoMoreRepliesAsync(holder, expectedParts);
    }

    [Fact]
    public async Task LongReply_SecondPartRefusedOnce_TheRetrySendsOnlyThatPart()
    {
        string holder = await _world.SubscriberAsync();
        string[] others = [await _world.SubscriberAsync(), await _world.SubscriberAsync(), await _world.SubscriberAsync()];
        await _world.RegisterAsync("TEB", holder, Funds);
        string to = "383" + holder[1..];
        int refused = 0;
        Smsc.OnSubmit = (s, _) => s.Destination.Address == to && Concat(s).Sequence == 2 && Interlocked.Exchange(ref refused, 1) == 0
            ? new SubmitAnswer(CommandStatus.SubmitFailed)
            : SubmitAnswer.Accept;
        try
        {
            await DeliverAsync(holder, "50001", string.Join(" # ", others.Select(o => o + " 2")));

            string id = (await SingleTransactionAsync(holder)).String("id");
            await OutboxStateAsync(id, OutboxStates.Sent);
            SubmitSm[] sent = [.. Smsc.Submits.Where(s => s.Destination.Address == to)];
            int parts = Concat(sent[0]).Total;
            Assert.Equal(parts + 1, sent.Length);
            Assert.Equal(2, sent.Count(s => Concat(s).Sequence == 2));
            Assert.All(sent.Where(s => Concat(s).Sequence != 2), s => Assert.Single(sent, x => Concat(x).Sequence == Concat(s).Sequence));
            Assert.Equal(2, (await OutboxStateAsync(id, OutboxStates.Sent)).Attempts);
        }
        finally
        {
            Smsc.OnSubmit = (_, _) => SubmitAnswer.Accept;
        }
    }

    [Fact]
    public async Task Throttled_TheReplyWaitsAndIsSentOnce()
    {
        string stranger = await _world.SubscriberAsync(language: "en");
        string to = "383" + stranger[1..];
        int throttled = 0;
        Smsc.OnSubmit = (s, _) => s.Destination.Address == to && Interlocked.Increment(ref throttled) <= 2
            ? new SubmitAnswer(CommandStatus.Throttled)
            : SubmitAnswer.Accept;
        try
        {
            await DeliverAsync(stranger, "50005", "5");

            string id = (await SingleTransactionAsync(stranger)).String("id");
            OutboxMessage row = await OutboxStateAsync(id, OutboxStates.Sent);
            Assert.Equal(1, row.Attempts);
            Assert.Equal(3, Smsc.Submits.Count(s => s.Destination.Address == to));
            Assert.Single(await server.Server.App.Services.GetRequiredService<SmsSubmits>().AcceptedAsync(id));
        }
        finally
        {
            Smsc.OnSubmit = (_, _) => SubmitAnswer.Accept;
        }
    }

    /// <summary>
    /// submit_sm_resp later than the response timeout: the attempt counts as failed and the outbox tries again. Whether
    /// the SMSC took the first copy cannot be known, so the subscriber may get the reply twice; never zero times. The
    /// first answer is held back until the second copy came, so it is late however long the timeout takes.
    /// </summary>
    [Fact]
    public async Task SlowSubmitResponse_TimesOut_AndTheOutboxTriesAgain()
    {
        string stranger = await _world.SubscriberAsync(language: "en");
        string to = "383" + stranger[1..];
        var secondCame = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int copies = 0;
        Smsc.OnSubmit = (s, _) =>
        {
            if (s.Destination.Address != to)
            {
                return SubmitAnswer.Accept;
            }

            if (Interlocked.Increment(ref copies) == 1)
            {
                return new SubmitAnswer(Until: secondCame.Task);
            }

            secondCame.TrySetResult();
            return SubmitAnswer.Accept;
        };
        try
        {
            await DeliverAsync(stranger, "50005", "5");

            string id = (await SingleTransactionAsync(stranger)).String("id");
            OutboxMessage row = await OutboxStateAsync(id, OutboxStates.Sent);
            Assert.Equal(2, row.Attempts);
            Assert.Equal(2, Smsc.Submits.Count(s => s.Destination.Address == to));
            Assert.Contains("no answer to SubmitSm", (await TrailEntryAsync(id, "reply.retry")).String("answer"), StringComparison.Ordinal);
        }
        finally
        {
            Smsc.OnSubmit = (_, _) => SubmitAnswer.Accept;
        }
    }

    [Fact]
    public async Task LongMessageIn_PartsOutOfOrderAndOneTwice_IsOneTopUp()
    {
        string holder = await _world.SubscriberAsync();
        string other = await _world.SubscriberAsync();
        await _world.RegisterAsync("BEK", holder, Funds);
        byte reference = unchecked((byte)server.NextSuffix());
        DeliverSm first = Part(holder, "50005", $"{holder} 2 # ", reference, 1, 2);
        DeliverSm second = Part(holder, "50005", $"{other} 3", reference, 2, 2);

        Pdu[] answers =
        [
            await Smsc.Bound!.RequestAsync(second),
            await Smsc.Bound!.RequestAsync(Part(holder, "50005", $"{other} 3", reference, 2, 2)),
            await Smsc.Bound!.RequestAsync(first),
        ];

        Assert.All(answers, a => Assert.Equal(CommandStatus.Ok, a.CommandStatus));
        (JsonElement transaction, SubmitSm[] reply) = await ReplyAsync(holder);
        Assert.Equal($"{holder} 2 # {other} 3", (await _world.TransactionAsync(transaction.String("id"))).String("text"));
        Assert.Equal(200, await _world.CreditAsync(holder));
        Assert.Equal(300, await _world.CreditAsync(other));
        await Smsc.Bound!.RequestAsync(Part(holder, "50005", $"{holder} 2 # ", reference, 1, 2));
        await AssertNoMoreRepliesAsync(holder, reply.Length);
    }

    [Fact]
    public async Task LongMessageIn_APartNeverComes_WhatCameIsHandledAfterTheTimeout()
    {
        string stranger = await _world.SubscriberAsync(language: "en");
        byte reference = unchecked((byte)server.NextSuffix());

        Pdu answer = await Smsc.Bound!.RequestAsync(Part(stranger, "50005", "first half of something ", reference, 1, 3));
        // Its first part came longer ago than the timeout: the next sweep handles what came. (The timeout is long here so
        // that the parts of the other tests never wait past it, however slowly they come.)
        await ExecuteAsync($"UPDATE smpp_long_messages SET first_at = first_at - {(long)(SmppServerFixture.ReassemblyTimeout.TotalMilliseconds * 2)} WHERE done = 0");

        Assert.Equal(CommandStatus.Ok, answer.CommandStatus);
        (JsonElement transaction, SubmitSm[] reply) = await ReplyAsync(stranger);
        Assert.Equal("first half of something ", (await _world.TransactionAsync(transaction.String("id"))).String("text"));
        Assert.Equal(transaction.String("reply"), TextOf(reply));
    }

    [Fact]
    public async Task UndecodablePdu_IsNacked_AndTheBindGoesOn()
    {
        FakeSmscConnection bound = Smsc.Bound!;
        byte[] unknown = [0, 0, 0, 16, 0, 0, 0, 0x77, 0, 0, 0, 0, 0, 0, 0, 9];

        await bound.SendRawAsync(unknown);
        GenericNack nack = await bound.WaitForAsync<GenericNack>(n => n.SequenceNumber == 9);

        Assert.Equal(CommandStatus.InvalidCommandId, nack.CommandStatus);
        string stranger = await _world.SubscriberAsync(language: "en");
        Assert.Equal(CommandStatus.Ok, (await DeliverAsync(stranger, "50005", "5")).CommandStatus);
        Assert.Same(bound, Smsc.Bound);
    }

    [Fact]
    public async Task SmscDropsTheBind_TheServerBindsAgain_AndPendingRepliesGoOut()
    {
        string stranger = await _world.SubscriberAsync(language: "en");
        string to = "383" + stranger[1..];
        FakeSmscConnection before = Smsc.Bound!;
        Smsc.OnSubmit = (s, _) => s.Destination.Address == to && before.IsOpen ? new SubmitAnswer(Drop: true) : SubmitAnswer.Accept;
        Smsc.DropAfterBind(2);
        try
        {
            try
            {
                await before.RequestAsync(Mo(stranger, "50005", "5"));
            }
            catch (IOException)
            {
                // The reply leaves once the message is recorded and the deliver_sm_resp a moment later, so the reply's
                // submit_sm may come first and drop the connection before the answer: an SMSC would deliver again.
            }

            FakeSmscConnection after = await Smsc.WaitForBindAsync(after: before);
            string id = (await SingleTransactionAsync(stranger)).String("id");
            await OutboxStateAsync(id, OutboxStates.Sent);
            Assert.NotSame(before, after);
            Assert.True(Smsc.Connections.Count(c => c.ConnectedAt > before.ConnectedAt) >= 3);
        }
        finally
        {
            Smsc.OnSubmit = (_, _) => SubmitAnswer.Accept;
        }
    }

    private static DeliverSm Mo(string national, string shortCode, string text, byte dataCoding = DataCoding.SmscDefault) => new()
    {
        Source = SmppAddress.International("383" + national[1..]),
        Destination = SmppAddress.ShortCode(shortCode),
        DataCoding = dataCoding,
        ShortMessage = Encode(text, dataCoding),
    };

    /// <summary>One part of a long message, marked by an 8-bit concatenation header.</summary>
    private static DeliverSm Part(string national, string shortCode, string text, byte reference, byte sequence, byte total)
    {
        byte[] header = new byte[UserDataHeader.Concat8Length];
        UserDataHeader.WriteConcat(header, new ConcatInfo(reference, total, sequence, ConcatScheme.Udh8));
        return new DeliverSm
        {
            Source = SmppAddress.International("383" + national[1..]),
            Destination = SmppAddress.ShortCode(shortCode),
            EsmClass = EsmClass.UdhIndicator,
            ShortMessage = (byte[])[.. header, .. Encode(text, DataCoding.SmscDefault)],
        };
    }

    private static byte[] Encode(string text, byte dataCoding)
    {
        switch (dataCoding)
        {
            case DataCoding.Latin1:
                return Encoding.Latin1.GetBytes(text);
            case DataCoding.Ucs2:
                return Encoding.BigEndianUnicode.GetBytes(text);
            default:
                byte[] septets = new byte[Gsm7.Septets(text)!.Value];
                Gsm7.Encode(text, septets);
                return septets;
        }
    }

    private Task<Pdu> DeliverAsync(string national, string shortCode, string text, byte dataCoding = DataCoding.SmscDefault) =>
        Smsc.Bound!.RequestAsync(Mo(national, shortCode, text, dataCoding));

    private static ConcatInfo Concat(SubmitSm part) =>
        InboundPart.From(part.Source, part.Destination, part.EsmClass, part.DataCoding, part.ShortMessage, part.Tlvs).Concat ?? new ConcatInfo(0, 1, 1, ConcatScheme.Udh8);

    /// <summary>The text of a reply's parts, joined in their order.</summary>
    private static string TextOf(IEnumerable<SubmitSm> parts) =>
        InboundPart.Join(parts
            .Select(p => InboundPart.From(p.Source, p.Destination, p.EsmClass, p.DataCoding, p.ShortMessage, p.Tlvs))
            .OrderBy(p => p.Concat?.Sequence ?? 1));

    /// <summary>
    /// Waits for the one answered transaction of <paramref name="national"/> and for every part of its reply at the
    /// SMSC; returns the transaction and the parts.
    /// </summary>
    private async Task<(JsonElement Transaction, SubmitSm[] Parts)> ReplyAsync(string national, TimeSpan? timeout = null)
    {
        JsonElement transaction = await SingleTransactionAsync(national, timeout);
        int parts = PartsOf(transaction.String("reply"));
        return (transaction, [.. await RepliesToAsync(national, parts, timeout)]);
    }

    /// <summary>How many submit_sm a reply takes with the server's text settings (the defaults).</summary>
    private static int PartsOf(string reply) => OutboundText.Encode(reply, 1).Parts.Count;

    private async Task<IReadOnlyList<SubmitSm>> RepliesToAsync(string national, int count, TimeSpan? timeout = null)
    {
        try
        {
            return await Smsc.WaitForSubmitsAsync(count, timeout, s => s.Destination.Address == "383" + national[1..]);
        }
        catch (TimeoutException)
        {
            // Say what the platform did with the reply: its trail has the gateway's answers.
            JsonElement list = await (await server.Http.GetAsAdminAsync("/api/v1/transactions?msisdn=" + national)).ExpectAsync(HttpStatusCode.OK);
            string trails = string.Join("\n", await Task.WhenAll(list.GetProperty("transactions").EnumerateArray()
                .Select(async t => (await _world.TransactionAsync(t.String("id"))).GetProperty("trail").ToString())));
            throw new TimeoutException($"{count} replies to {national} did not come; trails: {trails}");
        }
    }

    /// <summary>Gives the outbox several more rounds, then checks the SMSC got no more submits for the number.</summary>
    private async Task AssertNoMoreRepliesAsync(string national, int count)
    {
        await Task.Delay(OutboundServerFixture.FastOutbox.PollInterval * 8);
        Assert.Equal(count, Smsc.Submits.Count(s => s.Destination.Address == "383" + national[1..]));
    }

    private async Task<JsonElement> SingleTransactionAsync(string msisdn, TimeSpan? timeout = null)
    {
        DateTime deadline = DateTime.UtcNow + (timeout ?? Timeouts.Hang);
        while (true)
        {
            JsonElement list = await (await server.Http.GetAsAdminAsync("/api/v1/transactions?msisdn=" + msisdn)).ExpectAsync(HttpStatusCode.OK);
            JsonElement[] found = [.. list.GetProperty("transactions").EnumerateArray()];
            if (found.Length > 0 && found[0].TryGetProperty("reply", out JsonElement reply) && reply.ValueKind == JsonValueKind.String)
            {
                return Assert.Single(found);
            }

            Assert.True(DateTime.UtcNow < deadline, $"No answered transaction for {msisdn} in time.");
            await Task.Delay(20);
        }
    }

    private async Task<List<string>> TrailKindsAsync(string id) =>
        [.. (await _world.TransactionAsync(id)).GetProperty("trail").EnumerateArray().Select(e => e.String("kind"))];

    private async Task<JsonElement> TrailEntryAsync(string id, string kind)
    {
        DateTime deadline = DateTime.UtcNow + Timeouts.Hang;
        while (true)
        {
            JsonElement[] trail = [.. (await _world.TransactionAsync(id)).GetProperty("trail").EnumerateArray()];
            if (trail.FirstOrDefault(e => e.String("kind") == kind) is { ValueKind: JsonValueKind.Object } entry)
            {
                return entry.GetProperty("detail");
            }

            Assert.True(DateTime.UtcNow < deadline, $"No {kind} on the trail of {id} after {Timeouts.Hang}.");
            await Task.Delay(20);
        }
    }

    private async Task<OutboxMessage> OutboxStateAsync(string id, string state)
    {
        SmsOutbox outbox = server.Server.App.Services.GetRequiredService<SmsOutbox>();
        DateTime deadline = DateTime.UtcNow + Timeouts.Hang;
        while (true)
        {
            OutboxMessage? row = await outbox.GetAsync(id);
            if (row?.State == state)
            {
                return row;
            }

            Assert.True(DateTime.UtcNow < deadline, $"The reply to {id} is {row?.State ?? "missing"}, not {state}.");
            await Task.Delay(20);
        }
    }

    private async Task ExecuteAsync(string sql)
    {
        await using DbConnection connection = await server.Database.Database.OpenAsync();
        await using DbCommand command = connection.Command(sql);
        await command.ExecuteNonQueryAsync();
    }
}

public sealed class SqliteSmppTopUpTests(SqliteSmppServerFixture server) : SmppTopUpSpec(server), IClassFixture<SqliteSmppServerFixture>;

public sealed class PostgresSmppTopUpTests(PostgresSmppServerFixture server) : SmppTopUpSpec(server), IClassFixture<PostgresSmppServerFixture>;
