using Mbushja.Smpp.Pdus;
using Mbushja.Smpp.Text;
using Mbushja.Testing;
using Mbushja.Text;

namespace Mbushja.Smpp.Tests;

/// <summary>Reassembly of long inbound messages: order, duplicates, timeouts on a fake clock, the bound on pending messages.</summary>
public sealed class LongMessageAssemblerTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly FakeClock _clock = new(Start);

    private static InboundPart Part(string text, byte sequence, byte total = 3, ushort reference = 0x2A, string from = "38349123456", string to = "50001")
    {
        byte[] septets = new byte[text.Length * 2];
        int count = Gsm7.Encode(text, septets);
        byte[] header = new byte[UserDataHeader.Concat8Length];
        UserDataHeader.WriteConcat(header, new ConcatInfo(reference, total, sequence, ConcatScheme.Udh8));
        var pdu = new DeliverSm
        {
            Source = SmppAddress.International(from),
            Destination = SmppAddress.ShortCode(to),
            EsmClass = EsmClass.UdhIndicator,
            ShortMessage = (byte[])[.. header, .. septets.AsSpan(0, count)],
        };
        return InboundPart.From(pdu);
    }

    private LongMessageAssembler Assembler(TimeSpan? timeout = null, int maxPending = 100) =>
        new(new ReassemblyOptions { Timeout = timeout ?? TimeSpan.FromMinutes(5), MaxPending = maxPending }, _clock);

    [Fact]
    public void Add_PartsInOrder_CompletesOnTheLast()
    {
        LongMessageAssembler assembler = Assembler();

        Assert.Equal(ReassemblyStatus.Pending, assembler.Add(Part("Pjesa e ", 1)).Status);
        Assert.Equal(ReassemblyStatus.Pending, assembler.Add(Part("pare, e ", 2)).Status);
        ReassemblyResult last = assembler.Add(Part("treta", 3));

        Assert.Equal(ReassemblyStatus.Complete, last.Status);
        Assert.Equal("Pjesa e pare, e treta", last.Message!.Text);
        Assert.Equal(3, last.Message.Parts);
        Assert.Equal("38349123456", last.Message.Source.Address);
        Assert.Equal(0, assembler.Pending);
    }

    [Fact]
    public void Add_PartsOutOfOrder_JoinsThemInOrder()
    {
        LongMessageAssembler assembler = Assembler();

        assembler.Add(Part("C", 3));
        assembler.Add(Part("A", 1));
        ReassemblyResult last = assembler.Add(Part("B", 2));

        Assert.Equal("ABC", last.Message!.Text);
    }

    [Fact]
    public void Add_APartTwice_CountsItOnce()
    {
        LongMessageAssembler assembler = Assembler();

        assembler.Add(Part("A", 1));
        Assert.Equal(ReassemblyStatus.Duplicate, assembler.Add(Part("A", 1)).Status);
        assembler.Add(Part("B", 2));
        ReassemblyResult last = assembler.Add(Part("C", 3));

        Assert.Equal("ABC", last.Message!.Text);
    }

    [Fact]
    public void Add_APartAgainAfterItsMessageCompleted_IsADuplicateNotANewMessage()
    {
        LongMessageAssembler assembler = Assembler();
        assembler.Add(Part("A", 1));
        assembler.Add(Part("B", 2));
        assembler.Add(Part("C", 3));

        Assert.Equal(ReassemblyStatus.Duplicate, assembler.Add(Part("B", 2)).Status);
        Assert.Equal(0, assembler.Pending);
    }

    [Fact]
    public void Add_TheSameReferenceFromTwoSenders_KeepsThemApart()
    {
        LongMessageAssembler assembler = Assembler();

        assembler.Add(Part("A1", 1, total: 2, from: "38349111111"));
        assembler.Add(Part("B1", 1, total: 2, from: "38349222222"));
        ReassemblyResult a = assembler.Add(Part("A2", 2, total: 2, from: "38349111111"));
        ReassemblyResult b = assembler.Add(Part("B2", 2, total: 2, from: "38349222222"));

        Assert.Equal("A1A2", a.Message!.Text);
        Assert.Equal("B1B2", b.Message!.Text);
    }

    [Fact]
    public void Add_AMessageOnItsOwn_IsCompleteAtOnce()
    {
        var pdu = new DeliverSm { Source = SmppAddress.International("38349123456"), ShortMessage = "tv 5"u8.ToArray() };

        ReassemblyResult result = Assembler().Add(InboundPart.From(pdu));

        Assert.Equal(ReassemblyStatus.Complete, result.Status);
        Assert.Equal("tv 5", result.Message!.Text);
    }

    [Fact]
    public void Sweep_AfterTheTimeout_GivesUpTheMessageWithWhatCame()
    {
        LongMessageAssembler assembler = Assembler(TimeSpan.FromSeconds(60));
        assembler.Add(Part("A", 1));
        assembler.Add(Part("C", 3));

        _clock.Advance(TimeSpan.FromSeconds(59));
        Assert.Empty(assembler.Sweep());
        _clock.Advance(TimeSpan.FromSeconds(1));
        AbandonedMessage abandoned = Assert.Single(assembler.Sweep());

        Assert.Equal(AbandonReason.TimedOut, abandoned.Reason);
        Assert.Equal([1, 3], abandoned.ReceivedParts);
        Assert.Equal("AC", abandoned.PartialText);
        Assert.Equal(3, abandoned.Concat.Total);
        Assert.Equal(0, assembler.Pending);
    }

    [Fact]
    public void Add_ThePartThatCompletesAfterTheTimeout_StartsOverInstead()
    {
        LongMessageAssembler assembler = Assembler(TimeSpan.FromSeconds(60));
        assembler.Add(Part("A", 1, total: 2));

        _clock.Advance(TimeSpan.FromSeconds(61));
        ReassemblyResult late = assembler.Add(Part("B", 2, total: 2));

        Assert.Equal(ReassemblyStatus.Pending, late.Status);
        Assert.Equal(AbandonReason.TimedOut, Assert.Single(late.Abandoned).Reason);
    }

    [Fact]
    public void Add_PastTheBoundOnPendingMessages_GivesUpTheOldest()
    {
        LongMessageAssembler assembler = Assembler(maxPending: 2);
        assembler.Add(Part("A", 1, reference: 1));
        _clock.Advance(TimeSpan.FromSeconds(1));
        assembler.Add(Part("B", 1, reference: 2));
        _clock.Advance(TimeSpan.FromSeconds(1));

        ReassemblyResult third = assembler.Add(Part("C", 1, reference: 3));

        AbandonedMessage evicted = Assert.Single(third.Abandoned);
        Assert.Equal(AbandonReason.Evicted, evicted.Reason);
        Assert.Equal((ushort)1, evicted.Concat.Reference);
        Assert.Equal(2, assembler.Pending);
    }

    [Fact]
    public void Add_AnEscapePairSplitAcrossParts_StillReadsAsOneCharacter()
    {
        // A sender that cut between ESC and its code: the parts are joined as septets before decoding.
        LongMessageAssembler assembler = Assembler();
        InboundPart first = InboundPart.From(new DeliverSm { EsmClass = EsmClass.UdhIndicator, ShortMessage = Hex.Parse("050003070201 35 20 1B") });
        InboundPart second = InboundPart.From(new DeliverSm { EsmClass = EsmClass.UdhIndicator, ShortMessage = Hex.Parse("050003070202 65") });

        assembler.Add(first);
        Assert.Equal("5 €", assembler.Add(second).Message!.Text);
    }

    [Fact]
    public void Add_ASurrogatePairSplitAcrossParts_StillReadsAsOneCharacter()
    {
        LongMessageAssembler assembler = Assembler();
        InboundPart first = InboundPart.From(new DeliverSm { DataCoding = 8, EsmClass = EsmClass.UdhIndicator, ShortMessage = Hex.Parse("050003070201 0041 D83D") });
        InboundPart second = InboundPart.From(new DeliverSm { DataCoding = 8, EsmClass = EsmClass.UdhIndicator, ShortMessage = Hex.Parse("050003070202 DCB8") });

        assembler.Add(first);
        Assert.Equal("A💸", assembler.Add(second).Message!.Text);
    }

    [Fact]
    public async Task Add_FromManyThreads_CompletesEachMessageOnce()
    {
        LongMessageAssembler assembler = Assembler(maxPending: 10_000);
        int completed = 0;

        await Parallel.ForAsync(0, 400, async (i, _) =>
        {
            await Task.Yield();
            ushort reference = (ushort)(i / 4);
            byte sequence = (byte)((i % 4) + 1);
            if (assembler.Add(Part("x", sequence, total: 4, reference: reference)).Status == ReassemblyStatus.Complete)
            {
                Interlocked.Increment(ref completed);
            }
        });

        Assert.Equal(100, completed);
        Assert.Equal(0, assembler.Pending);
    }

    [Fact]
    public void Options_OutOfRange_AreRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ReassemblyOptions { Timeout = TimeSpan.Zero });
        Assert.Throws<ArgumentOutOfRangeException>(() => new ReassemblyOptions { MaxPending = 0 });
    }
}
