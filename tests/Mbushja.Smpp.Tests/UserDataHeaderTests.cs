using Mbushja.Smpp.Text;

namespace Mbushja.Smpp.Tests;

/// <summary>GSM 03.40 §9.2.3.24: septets after a user data header start on a septet boundary.</summary>
public sealed class UserDataHeaderTests
{
    [Theory]
    [InlineData(6, 1)] // 8-bit concatenation header: one fill bit
    [InlineData(7, 0)] // 16-bit: none
    [InlineData(1, 6)]
    [InlineData(12, 2)]
    public void FillBits_AlignTheFirstSeptetAfterTheHeader(int headerLength, int fill) =>
        Assert.Equal(fill, UserDataHeader.FillBits(headerLength));
}
