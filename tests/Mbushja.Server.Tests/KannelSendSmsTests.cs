using Mbushja.Messaging;
using Mbushja.Server.Kannel;

namespace Mbushja.Server.Tests;

/// <summary>The sendsms request as Kannel's user guide names its parameters, and the outbox's back-off; no socket needed.</summary>
public sealed class KannelSendSmsTests
{
    private static KannelSendSms Client(string url) => new(new KannelSettings { SendSmsUrl = new Uri(url), Username = "tester", Password = "a&b=c d+" });

    [Fact]
    public void RequestUri_GsmText_HasEveryParameterEscaped_AndNoCoding()
    {
        using KannelSendSms kannel = Client("http://kannel:13013/cgi-bin/sendsms");

        Uri uri = kannel.RequestUri(new OutboundSms("t1", "+38349111222", "50005", "Done: 5.00 € & more"));

        Assert.Equal(
            "http://kannel:13013/cgi-bin/sendsms?username=tester&password=a%26b%3Dc%20d%2B&from=50005&to=%2B38349111222"
            + "&text=Done%3A%205.00%20%E2%82%AC%20%26%20more&charset=UTF-8",
            uri.AbsoluteUri);
    }

    [Fact]
    public void RequestUri_TextOutsideGsm7_AsksForUcs2_AndKeepsTheConfiguredQuery()
    {
        using KannelSendSms kannel = Client("https://kannel.example/cgi-bin/sendsms?smsc=ipko&dlr-mask=0");

        Uri uri = kannel.RequestUri(new OutboundSms("t1", "+38349111222", "50001", "U krye: ë"));

        Assert.StartsWith("https://kannel.example/cgi-bin/sendsms?smsc=ipko&dlr-mask=0&username=tester&", uri.AbsoluteUri, StringComparison.Ordinal);
        Assert.EndsWith("&text=U%20krye%3A%20%C3%AB&charset=UTF-8&coding=2", uri.AbsoluteUri, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1, 5)]
    [InlineData(2, 10)]
    [InlineData(3, 20)]
    [InlineData(7, 320)]
    [InlineData(8, 600)] // capped at 10 minutes
    [InlineData(1_000, 600)]
    public void RetryDelay_DoublesFromFiveSeconds_UpToTenMinutes(int attempts, int seconds) =>
        Assert.Equal(TimeSpan.FromSeconds(seconds), OutboxOptions.Default.RetryDelay(attempts));
}
