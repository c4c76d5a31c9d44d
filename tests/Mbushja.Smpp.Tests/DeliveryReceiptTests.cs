using System.Text;
using Mbushja.Smpp.Pdus;
using Mbushja.Smpp.Text;

namespace Mbushja.Smpp.Tests;

/// <summary>Delivery receipts (SMPP v3.4 Appendix B) as SMSCs write them, and SMSC ids across bases.</summary>
public sealed class DeliveryReceiptTests
{
    public static TheoryData<string, string?, MessageState?, string?> Texts => new()
    {
        { "id:5A001 sub:001 dlvrd:001 submit date:2611241200 done date:2611241201 stat:DELIVRD err:000 text:U krye", "5A001", MessageState.Delivered, "000" },
        { "id:0123456789 sub:001 dlvrd:000 submit date:2611241200 done date:2611241300 stat:UNDELIV err:001 Text:none", "0123456789", MessageState.Undeliverable, "001" },
        { "id:abc-1 stat:EXPIRED", "abc-1", MessageState.Expired, null },
        { "ID:77 STAT:REJECTD ERR:12", "77", MessageState.Rejected, "12" },
        { "id:9 sub:001 dlvrd:001 submit date:2611241200 done date:2611241201 stat:ACCEPTD err:0 text:id:1 stat:DELIVRD", "9", MessageState.Accepted, "0" },
        { "id:9 stat:WHATEVER", "9", null, null },
        { "stat:DELIVRD err:000", null, null, null },
        { "", null, null, null },
        { "random words: and : colons :::", null, null, null },
    };

    [Theory]
    [MemberData(nameof(Texts))]
    public void Read_TextAlone_GivesIdStateAndError(string text, string? id, MessageState? state, string? error)
    {
        DeliveryReceipt? receipt = DeliveryReceipt.Read(text, TlvList.Empty);

        Assert.Equal(id, receipt?.MessageId);
        Assert.Equal(state, receipt?.State);
        if (receipt is not null)
        {
            Assert.Equal(error, receipt.Error);
        }
    }

    [Fact]
    public void Read_Tlvs_WinOverTheText()
    {
        DeliveryReceipt receipt = DeliveryReceipt.Read("id:111 stat:ENROUTE", [Tlv.ReceiptedMessageId("222"), Tlv.MessageState(MessageState.Delivered)])!;

        Assert.Equal(("222", MessageState.Delivered, "ENROUTE"), (receipt.MessageId, receipt.State, receipt.Status));
        Assert.True(receipt.IsFinal);
    }

    [Fact]
    public void From_DeliverSm_OnlyWhenEsmClassSaysReceipt()
    {
        var receipt = new DeliverSm { EsmClass = EsmClass.DeliveryReceipt, ShortMessage = Encoding.ASCII.GetBytes("id:42 stat:DELIVRD") };
        var message = new DeliverSm { ShortMessage = Encoding.ASCII.GetBytes("id:42 stat:DELIVRD") };

        Assert.Equal("42", DeliveryReceipt.From(receipt)!.MessageId);
        Assert.Null(DeliveryReceipt.From(message));
    }

    [Fact]
    public void From_DataSm_WithReceiptedMessageId()
    {
        var receipt = new DataSm { Tlvs = [Tlv.ReceiptedMessageId("A1"), Tlv.MessageState(MessageState.Undeliverable)] };

        Assert.Equal(("A1", MessageState.Undeliverable), (DeliveryReceipt.From(receipt)!.MessageId, DeliveryReceipt.From(receipt)!.State));
        Assert.True(DeliveryReceipt.From(receipt)!.IsFinal);
    }

    [Theory]
    [InlineData("1A2B", "1a2b")]
    [InlineData("0001a2b", "1a2b")]
    [InlineData("  77 ", "77")]
    [InlineData("000", "0")]
    [InlineData("msg-Id_9", "msg-id_9")]
    public void Key_LowerCaseWithoutLeadingZeros(string id, string key) => Assert.Equal(key, SmscMessageId.Key(id));

    [Theory]
    [InlineData("6699", new[] { "6699", "1a2b", "26265" })]
    [InlineData("1A2B", new[] { "1a2b", "6699" })]
    [InlineData("00FF", new[] { "ff", "255" })]
    [InlineData("abc-1", new[] { "abc-1" })]
    [InlineData("99999999999999999999999", new[] { "99999999999999999999999" })]
    public void Keys_ANumber_IsAlsoTriedInTheOtherBase(string receiptId, string[] keys) => Assert.Equal(keys, SmscMessageId.Keys(receiptId));

    [Fact]
    public void Keys_AHexSubmitIdQuotedInDecimal_Matches()
    {
        string stored = SmscMessageId.Key("5A001");

        Assert.Contains(stored, SmscMessageId.Keys(Convert.ToInt64("5A001", 16).ToString(System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Contains(SmscMessageId.Key("368641"), SmscMessageId.Keys("5A001"));
    }
}
