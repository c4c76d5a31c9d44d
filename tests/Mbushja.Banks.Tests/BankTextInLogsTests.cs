using System.Text.Json;
using Mbushja.Banks.Connector;
using Mbushja.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Mbushja.Banks.Tests;

/// <summary>
/// What a bank sends reaches the connector's logs escaped (README "Security"): a bank's codes and the reasons an answer
/// was not taken are its text, not ours, and a CR, LF, ESC, U+2028 or U+202E in them would forge a line, drive a
/// terminal or turn text around. The bank here is a fake that signs whatever the test makes it say.
/// </summary>
public sealed class BankTextInLogsTests
{
    private const string Secret = "forging-bank-secret-000000000007";

    /// <summary>A carriage return, a new line that forges a line of its own, a terminal escape, a line separator and a right-to-left override.</summary>
    private const string Forged = "\r\n02:00:00 info: Mbushja.Banks.Connector.HttpBankConnector[4102] forged\u001b[2J\u2028\u202e";

    private const string ForgedEscaped = @"\r\n02:00:00 info: Mbushja.Banks.Connector.HttpBankConnector[4102] forged\u001b[2J\u2028\u202e";

    [Fact]
    public async Task BankAnswersWithAForgedCode_TheAnswerIsLoggedEscaped()
    {
        await using WebApplication bank = await ForgingBankAsync(id => new HoldAnswerBody(id, BankWire.Declined, "X" + Forged, "declined" + Forged));
        var log = new ListLogger();
        using HttpBankConnector connector = ConnectorTo(bank, log, attempts: 1);

        BankCall call = await connector.StatusAsync("FRG", "h-forged-code");

        Assert.Equal("X" + Forged, call.Reply?.Code); // kept as the bank gave it: only the log line escapes it
        string answered = Assert.Single(log.Lines, l => l.Event.Id == 4102).Text;
        Assert.EndsWith($"answered Declined X{ForgedEscaped} after 1 attempt(s)", answered, StringComparison.Ordinal);
        AssertNoForgedLine(log);
    }

    [Fact]
    public async Task BankAnswersWithAForgedStatusWord_TheRetriesAndTheFailureAreLoggedEscaped()
    {
        await using WebApplication bank = await ForgingBankAsync(id => new HoldAnswerBody(id, "held" + Forged));
        var log = new ListLogger();
        using HttpBankConnector connector = ConnectorTo(bank, log, attempts: 2);

        BankCall call = await connector.StatusAsync("FRG", "h-forged-status");

        Assert.Null(call.Reply);
        Assert.Contains(ForgedEscaped, Assert.Single(log.Lines, l => l.Event.Id == 4103).Text, StringComparison.Ordinal);
        Assert.Contains(ForgedEscaped, Assert.Single(log.Lines, l => l.Event.Id == 4104).Text, StringComparison.Ordinal);
        AssertNoForgedLine(log);
    }

    private static void AssertNoForgedLine(ListLogger log) =>
        Assert.All(log.Lines, l => Assert.False(l.Text.IndexOfAny(['\r', '\n', '\u001b', '\u2028', '\u202e']) >= 0, l.Text));

    private static HttpBankConnector ConnectorTo(WebApplication bank, ListLogger log, int attempts)
    {
        var factory = new LoggerFactory([log]);
        return new HttpBankConnector(
            [new BankEndpoint("FRG", new Uri(new Uri(Assert.Single(bank.Urls)), "/api/"), Secret)],
            new BankConnectorOptions
            {
                MaxAttempts = attempts,
                AttemptTimeout = SandboxHost.AttemptTimeout,
                RetryDelay = TimeSpan.FromMilliseconds(1),
                MaxRetryDelay = TimeSpan.FromMilliseconds(1),
            },
            logger: factory.CreateLogger<HttpBankConnector>());
    }

    /// <summary>A bank on Kestrel that answers every <c>GET holds/{id}</c> with <paramref name="answer"/>, signed as the connector checks.</summary>
    private static async Task<WebApplication> ForgingBankAsync(Func<string, HoldAnswerBody> answer)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        WebApplication app = builder.Build();
        app.MapGet("/api/holds/{id}", async (HttpContext context, string id) =>
        {
            byte[] body = JsonSerializer.SerializeToUtf8Bytes(answer(id), BankWireJson.Default.HoldAnswerBody);
            long timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            string pathAndQuery = context.Request.Path + context.Request.QueryString;
            context.Response.Headers[BankSignature.TimestampHeader] = BankSignature.FormatTimestamp(DateTimeOffset.FromUnixTimeSeconds(timestamp));
            context.Response.Headers[BankSignature.SignatureHeader] = BankSignature.Sign(
                System.Text.Encoding.UTF8.GetBytes(Secret), HttpMethods.Get, pathAndQuery, timestamp, body);
            context.Response.ContentType = "application/json";
            await context.Response.Body.WriteAsync(body);
        });
        await app.StartAsync();
        return app;
    }
}
