using Mbushja.Banks.Connector;
using Mbushja.Server.Http;
using Mbushja.Server.Kannel;

namespace Mbushja.Server.Tests;

/// <summary>Settings end up in logs and exception messages: printing them never shows a secret.</summary>
public sealed class SettingsPrintingTests
{
    [Fact]
    public void ServerSettings_ToString_ShowsNoSecret()
    {
        var settings = new ServerSettings
        {
            AdminKey = "admin-key-SECRET-1-of-thirty-two-chars",
            Db = "Host=db;Username=mbushja;Password=db-SECRET-2;Database=mbushja",
            Gateway = GatewayAccess.LoopbackOnly with { BearerToken = "token-SECRET-3", BasicCredentials = "kannel:basic-SECRET-4" },
            BankEndpoints = [new BankEndpoint("TEB", new Uri("https://bank.example/v1/"), "bank-SECRET-5-long-enough")],
            Kannel = new KannelSettings { SendSmsUrl = new Uri("http://u:url-SECRET-6@kannel:13013/cgi-bin/sendsms?password=q-SECRET-7"), Password = "kannel-SECRET-8" },
        };

        string printed = settings.ToString();

        Assert.DoesNotContain("SECRET", printed, StringComparison.Ordinal);
        Assert.Contains("TEB at https://bank.example/v1/", printed, StringComparison.Ordinal);
    }

    [Fact]
    public void AdminKey_ToString_ShowsNoSecret()
    {
        var key = new AdminKey("admin-key-SECRET-9-of-thirty-two-chars");

        Assert.DoesNotContain("SECRET", key.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("SECRET", new { key }.ToString(), StringComparison.Ordinal);
    }
}
