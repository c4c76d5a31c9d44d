using System.Diagnostics;
using Mbushja.Banks.Connector;
using Mbushja.Domain;
using Mbushja.Sandbox;

namespace Mbushja.Banks.Tests;

/// <summary>
/// The HTTP connector against the sandbox bank on a real socket: the answers it maps, and every way of not
/// answering that it must turn into <see cref="BankCall.NoAnswer"/> after its attempts.
/// </summary>
public sealed class HttpBankConnectorTests(SandboxHost host) : IClassFixture<SandboxHost>, IDisposable
{
    private readonly HttpBankConnector _connector = host.Connector();

    public void Dispose()
    {
        _connector.Dispose();
        foreach (string bank in host.Bank.BankCodes)
        {
            host.Bank.Configure(bank, SandboxSettings.Default);
        }
    }

    [Fact]
    public async Task HoldThenCapture_MovesTheMoney()
    {
        string iban = host.NextIban("BEK", 10_000);
        string id = host.NextId();

        BankCall hold = await _connector.HoldAsync("BEK", new HoldRequest(id, iban, Money.FromCents(2_500), "Top-up 049123456"));
        BankCall status = await _connector.StatusAsync("BEK", id);
        BankCall capture = await _connector.CaptureAsync("BEK", id);
        BankCall again = await _connector.CaptureAsync("BEK", id);

        Assert.Equal(BankCall.Answer(new BankReply(HoldStatus.Held), 1), hold);
        Assert.Equal(new BankReply(HoldStatus.Held) { Amount = Money.FromCents(2_500) }, status.Reply);
        Assert.Equal(HoldStatus.Captured, capture.Reply?.Status);
        Assert.Equal(HoldStatus.Captured, again.Reply?.Status);
        Assert.Equal(new SandboxAccount(iban, Money.FromCents(7_500), Money.FromCents(0)), host.Bank.GetAccount("BEK", iban));
    }

    [Fact]
    public async Task Refund_OfCapturedHold_CreditsTheAccountOnce_EvenWhenAskedAgain()
    {
        string iban = host.NextIban("BEK", 10_000);
        string id = host.NextId();
        await _connector.HoldAsync("BEK", new HoldRequest(id, iban, Money.FromCents(2_500), ""));
        await _connector.CaptureAsync("BEK", id);
        var refund = new RefundRequest(host.NextId("rf"), id, iban, Money.FromCents(2_500), "Reversal");

        RefundCall first = await _connector.RefundAsync("BEK", refund);
        RefundCall again = await _connector.RefundAsync("BEK", refund);
        RefundCall status = await _connector.RefundStatusAsync("BEK", refund.RefundId);

        Assert.Equal(new RefundReply(RefundStatus.Refunded), first.Reply);
        Assert.Equal(new RefundReply(RefundStatus.Refunded), again.Reply);
        Assert.Equal(RefundStatus.Refunded, status.Reply?.Status);
        Assert.Equal(new SandboxAccount(iban, Money.FromCents(10_000), Money.FromCents(0)), host.Bank.GetAccount("BEK", iban));
        Assert.Equal((1, Money.FromCents(2_500)), host.Bank.RefundsOf("BEK", id));
    }

    [Theory]
    [InlineData("held", 1_000, "HOLD_NOT_CAPTURED")]
    [InlineData("captured", 2_501, "AMOUNT_EXCEEDS_HOLD")]
    [InlineData("unknown", 100, "HOLD_NOT_CAPTURED")]
    public async Task Refund_NotAllowed_IsRejectedWithItsCode_AndMovesNothing(string holdState, long amount, string code)
    {
        string iban = host.NextIban("BEK", 10_000);
        string id = host.NextId();
        if (holdState != "unknown")
        {
            await _connector.HoldAsync("BEK", new HoldRequest(id, iban, Money.FromCents(2_500), ""));
        }

        if (holdState == "captured")
        {
            await _connector.CaptureAsync("BEK", id);
        }

        SandboxAccount before = host.Bank.GetAccount("BEK", iban)!;
        RefundCall refund = await _connector.RefundAsync("BEK", new RefundRequest(host.NextId("rf"), id, iban, Money.FromCents(amount), ""));

        Assert.Equal(new RefundReply(RefundStatus.Rejected, code), refund.Reply! with { Message = null });
        Assert.Equal(before, host.Bank.GetAccount("BEK", iban));
    }

    [Fact]
    public async Task Refund_AnswerLostAfterTheBankActed_AskedAgain_RefundsOnce()
    {
        string iban = host.NextIban("BEK", 10_000);
        string id = host.NextId();
        await _connector.HoldAsync("BEK", new HoldRequest(id, iban, Money.FromCents(2_500), ""));
        await _connector.CaptureAsync("BEK", id);
        host.Bank.Configure("BEK", new SandboxSettings(FailNext: 1, FailMode: SandboxFailMode.ApplyThenError500));

        RefundCall refund = await _connector.RefundAsync("BEK", new RefundRequest(host.NextId("rf"), id, iban, Money.FromCents(2_500), ""));

        Assert.Equal(RefundStatus.Refunded, refund.Reply?.Status);
        Assert.Equal(2, refund.Attempts);
        Assert.Equal((1, Money.FromCents(2_500)), host.Bank.RefundsOf("BEK", id));
        Assert.Equal(new SandboxAccount(iban, Money.FromCents(10_000), Money.FromCents(0)), host.Bank.GetAccount("BEK", iban));
    }

    [Fact]
    public async Task RefundStatus_UnknownId_IsNotFound()
    {
        RefundCall status = await _connector.RefundStatusAsync("BEK", host.NextId("rf"));

        Assert.Equal(RefundStatus.NotFound, status.Reply?.Status);
    }

    [Fact]
    public async Task HoldThenVoid_ReleasesAndCaptureIsRefused()
    {
        string iban = host.NextIban("BEK", 10_000);
        string id = host.NextId();

        await _connector.HoldAsync("BEK", new HoldRequest(id, iban, Money.FromCents(2_500), ""));
        BankCall voided = await _connector.VoidAsync("BEK", id);
        BankCall capture = await _connector.CaptureAsync("BEK", id);

        Assert.Equal(HoldStatus.Voided, voided.Reply?.Status);
        Assert.Equal(HoldStatus.Voided, capture.Reply?.Status); // a 409 is an answer
        Assert.Equal(new SandboxAccount(iban, Money.FromCents(10_000), Money.FromCents(0)), host.Bank.GetAccount("BEK", iban));
    }

    [Fact]
    public async Task Hold_Replayed_AnswersHeldOnce()
    {
        string iban = host.NextIban("BEK", 10_000);
        var request = new HoldRequest(host.NextId(), iban, Money.FromCents(1_000), "r");

        BankCall first = await _connector.HoldAsync("BEK", request);
        BankCall second = await _connector.HoldAsync("BEK", request);
        BankCall conflict = await _connector.HoldAsync("BEK", request with { Amount = Money.FromCents(1_001) });

        Assert.Equal(first, second);
        Assert.Equal(new BankReply(HoldStatus.Held, BankWire.HoldIdConflict, "This hold id was used for another hold."), conflict.Reply);
        Assert.Equal(1_000, host.Bank.GetAccount("BEK", iban)!.Held.Cents);
    }

    [Theory]
    [InlineData(null, 500, "INSUFFICIENT_FUNDS")]
    [InlineData("LIMIT_EXCEEDED", 100, "LIMIT_EXCEEDED")]
    [InlineData("ACCOUNT_BLOCKED", 100, "ACCOUNT_BLOCKED")]
    public async Task Hold_Declined_IsAnAnswerWithTheCode(string? declineAll, long amount, string code)
    {
        string iban = host.NextIban("BPB", 499);
        host.Bank.Configure("BPB", new SandboxSettings(DeclineAll: declineAll));

        BankCall call = await _connector.HoldAsync("BPB", new HoldRequest(host.NextId(), iban, Money.FromCents(amount), ""));

        Assert.True(call.Answered);
        Assert.Equal((HoldStatus.Declined, code), (call.Reply!.Status, call.Reply.Code));
    }

    [Fact]
    public async Task Hold_UnknownAccount_IsDeclinedAccountNotFound()
    {
        BankCall call = await _connector.HoldAsync("BPB", new HoldRequest(host.NextId(), "XK05 0000 0000 0000 0001", Money.FromCents(100), ""));

        Assert.Equal((HoldStatus.Declined, BankWire.AccountNotFound), (call.Reply?.Status, call.Reply?.Code));
    }

    [Fact]
    public async Task VoidBeforeHold_TheLateHoldIsVoided()
    {
        string iban = host.NextIban("NLB", 10_000);
        string id = host.NextId();

        BankCall voided = await _connector.VoidAsync("NLB", id);
        BankCall late = await _connector.HoldAsync("NLB", new HoldRequest(id, iban, Money.FromCents(1_000), ""));

        Assert.Equal(HoldStatus.Voided, voided.Reply?.Status);
        Assert.Equal(HoldStatus.Voided, late.Reply?.Status);
        Assert.Equal(0, host.Bank.GetAccount("NLB", iban)!.Held.Cents);
    }

    [Fact]
    public async Task Status_Unknown_IsNotFound()
    {
        BankCall call = await _connector.StatusAsync("NLB", host.NextId());

        Assert.Equal(BankCall.Answer(new BankReply(HoldStatus.NotFound, null, "No hold has this id."), 1), call);
    }

    [Theory]
    [InlineData(SandboxFailMode.Error500, "HTTP 500")]
    [InlineData(SandboxFailMode.Malformed, "malformed answer (not JSON)")]
    [InlineData(SandboxFailMode.Unsigned, "unsigned answer")]
    [InlineData(SandboxFailMode.ApplyThenError500, "HTTP 500")]
    public async Task Call_FailingEveryAttempt_IsNoAnswerAfterAllAttempts(SandboxFailMode mode, string failure)
    {
        host.Bank.Configure("RBKO", new SandboxSettings(FailNext: 100, FailMode: mode));

        BankCall call = await _connector.StatusAsync("RBKO", host.NextId());

        Assert.Equal(BankCall.NoAnswer(failure, 3), call);
        Assert.Equal(97, host.Bank.SettingsOf("RBKO").FailNext);
    }

    [Theory]
    [InlineData(SandboxFailMode.Error500)]
    [InlineData(SandboxFailMode.Malformed)]
    [InlineData(SandboxFailMode.Unsigned)]
    public async Task Hold_FailingTwice_IsAnsweredOnTheThirdAttemptAndHeldOnce(SandboxFailMode mode)
    {
        string iban = host.NextIban("RBKO", 10_000);
        host.Bank.Configure("RBKO", new SandboxSettings(FailNext: 2, FailMode: mode));

        BankCall call = await _connector.HoldAsync("RBKO", new HoldRequest(host.NextId(), iban, Money.FromCents(700), ""));

        Assert.Equal(BankCall.Answer(new BankReply(HoldStatus.Held), 3), call);
        Assert.Equal(700, host.Bank.GetAccount("RBKO", iban)!.Held.Cents);
    }

    [Fact]
    public async Task Hold_AnswerLostAfterApplying_StatusFindsItHeld()
    {
        string iban = host.NextIban("PCB", 10_000);
        string id = host.NextId();
        using HttpBankConnector once = host.Connector(new BankConnectorOptions { MaxAttempts = 1, AttemptTimeout = SandboxHost.AttemptTimeout });
        host.Bank.Configure("PCB", new SandboxSettings(FailNext: 1, FailMode: SandboxFailMode.ApplyThenError500));

        BankCall hold = await once.HoldAsync("PCB", new HoldRequest(id, iban, Money.FromCents(1_200), ""));
        BankCall status = await once.StatusAsync("PCB", id);

        Assert.Equal(BankCall.NoAnswer("HTTP 500", 1), hold);
        Assert.Equal(new BankReply(HoldStatus.Held) { Amount = Money.FromCents(1_200) }, status.Reply);
        Assert.Equal(1_200, host.Bank.GetAccount("PCB", iban)!.Held.Cents);
    }

    [Fact]
    public async Task Call_BankTimesOut_IsNoAnswerWithinTheConfiguredTime()
    {
        host.Bank.Configure("TEB", new SandboxSettings(FailNext: 100, FailMode: SandboxFailMode.Timeout));
        using HttpBankConnector connector = host.Connector(new BankConnectorOptions
        {
            MaxAttempts = 2,
            AttemptTimeout = TimeSpan.FromMilliseconds(200),
            RetryDelay = TimeSpan.FromMilliseconds(10),
            MaxRetryDelay = TimeSpan.FromMilliseconds(10),
        });
        var clock = Stopwatch.StartNew();

        BankCall call = await connector.CaptureAsync("TEB", host.NextId());

        // Each attempt was cut by the connector's own timeout (the sandbox holds a timeout answer back for 30 s), and
        // waited for it in full; how much longer a busy machine took is not what this is about.
        Assert.Equal(BankCall.NoAnswer("no answer within 200 ms", 2), call);
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(400), $"two attempts of 200 ms took {clock.Elapsed}");
    }

    [Fact]
    public async Task Call_LatencyWithinTheTimeout_IsAnswered()
    {
        host.Bank.Configure("TEB", new SandboxSettings(LatencyMs: 50));

        BankCall call = await _connector.StatusAsync("TEB", host.NextId());

        Assert.Equal(HoldStatus.NotFound, call.Reply?.Status);
    }

    [Fact]
    public async Task Call_WrongSecret_IsNoAnswerWithoutRetrying()
    {
        using HttpBankConnector connector = host.Connector(secretOf: _ => "not-the-bank-secret-at-all");

        BankCall call = await connector.StatusAsync("BEK", host.NextId());

        Assert.Equal(BankCall.NoAnswer("HTTP 401 SIGNATURE_INVALID", 1), call);
    }

    [Fact]
    public async Task Call_NothingListens_IsNoAnswerAfterAllAttempts()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        int port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop(); // a port nobody listens on
        using var connector = new HttpBankConnector(
            [new BankEndpoint("BEK", new Uri($"http://127.0.0.1:{port}/mbushja/v1/"), SandboxHost.Secrets["BEK"])],
            new BankConnectorOptions { MaxAttempts = 3, RetryDelay = TimeSpan.FromMilliseconds(1), AttemptTimeout = SandboxHost.AttemptTimeout });

        BankCall call = await connector.VoidAsync("BEK", host.NextId());

        Assert.Equal(BankCall.NoAnswer("transport error (ConnectionError)", 3), call);
    }

    [Fact]
    public async Task Call_UnknownBankCode_IsNoAnswerWithoutCalling()
    {
        BankCall call = await _connector.StatusAsync("XYZ", host.NextId());

        Assert.Equal(BankCall.NoAnswer("No endpoint is configured for bank XYZ.", 0), call);
    }

    [Fact]
    public async Task Call_CallerCancels_Throws()
    {
        host.Bank.Configure("TEB", new SandboxSettings(FailNext: 100, FailMode: SandboxFailMode.Timeout));
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _connector.StatusAsync("TEB", host.NextId(), cancel.Token));
    }

    [Theory]
    [InlineData("")]
    [InlineData("a/b")]
    [InlineData("..")]
    [InlineData("ë")]
    public async Task Call_MalformedHoldId_IsTheCallersBug(string holdId)
    {
        await Assert.ThrowsAsync<ArgumentException>(() => _connector.CaptureAsync("BEK", holdId));
    }

    [Fact]
    public async Task Calls_ManyAtOnce_AllAnsweredAndTheBalanceAddsUp()
    {
        string iban = host.NextIban("PCB", 1_000_000);
        string[] ids = [.. Enumerable.Range(0, 500).Select(_ => host.NextId())];

        BankCall[] holds = await Task.WhenAll(ids.Select(id => _connector.HoldAsync("PCB", new HoldRequest(id, iban, Money.FromCents(100), ""))));
        BankCall[] captures = await Task.WhenAll(ids.Select(id => _connector.CaptureAsync("PCB", id)));

        Assert.All(holds, h => Assert.Equal(HoldStatus.Held, h.Reply?.Status));
        Assert.All(captures, c => Assert.Equal(HoldStatus.Captured, c.Reply?.Status));
        Assert.Equal(new SandboxAccount(iban, Money.FromCents(950_000), Money.FromCents(0)), host.Bank.GetAccount("PCB", iban));
    }

    [Theory]
    [InlineData("XK051212012345678906", "XK05************8906")]
    [InlineData("XK05 1212 0123 4567 8906", "XK05************8906")]
    [InlineData("DE89370400440532013000", "DE89**************3000")]
    [InlineData("12345678", "********")]
    public void MaskAccount_ShowsFirstAndLastFourOnly(string accountRef, string masked)
    {
        Assert.Equal(masked, HttpBankConnector.MaskAccount(accountRef));
    }

    [Fact]
    public void BankEndpoint_ToString_LeavesTheSecretOut()
    {
        var endpoint = new BankEndpoint("BEK", new Uri("https://bank.example/mbushja/v1"), "super-secret-value-123456");

        Assert.DoesNotContain("super-secret", endpoint.ToString(), StringComparison.Ordinal);
        Assert.Equal("https://bank.example/mbushja/v1/", endpoint.BaseUrl.AbsoluteUri);
    }
}
