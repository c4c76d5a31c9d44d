namespace Mbushja.TopUp.Tests;

/// <summary>One id, and every id and reference made from it.</summary>
public sealed class TransactionIdTests
{
    private static readonly TransactionId Id = TransactionId.FromStored("019af0c2b1de7c3a8e5f4d2c1b0a9f8e");

    [Fact]
    public void References_MadeFromTheId()
    {
        Assert.Equal("1B0A9F8E", Id.ShortRef);
        Assert.Equal("IPKO 1B0A9F8E", Id.BankReference("IPKO"));
        Assert.Equal("Telco reversal 1B0A9F8E", Id.RefundReference("Telco"));
        Assert.Equal("rf-019af0c2b1de7c3a8e5f4d2c1b0a9f8e", Id.RefundId);
    }

    [Fact]
    public void TransferIds_OnePerStepOfTheMessage_EachOnce()
    {
        string[] ids = [Id.HoldTransfer, Id.CreditTransfer(1), Id.CreditTransfer(2), Id.CaptureTransfer, Id.VoidTransfer, Id.ReversalTransfer(1), Id.ReversalTransfer(2)];

        Assert.Equal(
            [
                "sms:019af0c2b1de7c3a8e5f4d2c1b0a9f8e:hold", "sms:019af0c2b1de7c3a8e5f4d2c1b0a9f8e:1", "sms:019af0c2b1de7c3a8e5f4d2c1b0a9f8e:2",
                "sms:019af0c2b1de7c3a8e5f4d2c1b0a9f8e:capture", "sms:019af0c2b1de7c3a8e5f4d2c1b0a9f8e:void",
                "reversal:019af0c2b1de7c3a8e5f4d2c1b0a9f8e:1", "reversal:019af0c2b1de7c3a8e5f4d2c1b0a9f8e:2",
            ],
            ids);
        Assert.Equal(ids.Length, ids.Distinct().Count());
    }

    [Theory]
    [InlineData(" 019AF0C2B1DE7C3A8E5F4D2C1B0A9F8E ", "019af0c2b1de7c3a8e5f4d2c1b0a9f8e")]
    [InlineData("1B0A9F8E", "1b0a9f8e")]
    [InlineData("", null)]
    [InlineData("   ", null)]
    [InlineData("019af0c2-b1de", null)]
    [InlineData("sms:1", null)]
    [InlineData("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", null)]
    public void TryParse_AsCallersQuoteIt(string text, string? expected)
    {
        bool parsed = TransactionId.TryParse(text, out TransactionId id);

        Assert.Equal(expected is not null, parsed);
        Assert.Equal(expected, parsed ? id.Value : null);
    }

    [Fact]
    public void New_IsLowerCaseHex_AndNeverTheSameTwice()
    {
        TransactionId a = TransactionId.New(), b = TransactionId.New();

        Assert.Matches("^[0-9a-f]{32}$", a.Value);
        Assert.NotEqual(a, b);
    }
}
