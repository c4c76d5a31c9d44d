using System.Diagnostics;
using System.Text.Json;
using Mbushja.Cli;

namespace Mbushja.Server.Tests;

/// <summary>
/// The <c>mbushja</c> command line (README "Try it"), in process; one test runs the real <c>./mbushja</c>.
/// </summary>
public sealed class CliTests
{
    private const string ContractExample = """{"ok":true,"bank":"TEB","command":{"kind":"mobile","targets":[{"msisdn":"+38349123456","amountCents":500}]}}""";

    /// <summary>What an in-process run of the command line gave: its exit code and what it wrote.</summary>
    internal sealed record Run(int ExitCode, string Stdout, string Stderr);

    /// <summary>Runs the command line in process (also for the secure-start specs).</summary>
    internal static async Task<Run> RunAsync(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        int exit = await MbushjaCli.RunAsync(args, stdout, stderr);
        return new Run(exit, stdout.ToString(), stderr.ToString());
    }

    /// <summary>Runs <c>parse</c>; asserts exit 0, exactly one line of JSON on stdout, nothing on stderr.</summary>
    private static async Task<(string Line, JsonElement Json)> ParseAsync(string to, string from, string text)
    {
        Run run = await RunAsync("parse", "--to", to, "--from", from, "--text", text);
        Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}: {run.Stderr}");
        Assert.Equal("", run.Stderr);
        Assert.EndsWith("\n", run.Stdout, StringComparison.Ordinal);
        string line = run.Stdout[..^1];
        Assert.DoesNotContain('\n', line);
        return (line, JsonDocument.Parse(line).RootElement.Clone());
    }

    [Fact]
    public async Task Parse_ContractExample_PrintsExactlyTheSpecJson()
    {
        (string line, _) = await ParseAsync("50001", "049123456", "5");

        Assert.Equal(ContractExample, line);
    }

    [Theory]
    [InlineData("5", "+38349123456:500")]
    [InlineData("5€", "+38349123456:500")]
    [InlineData("5 €", "+38349123456:500")]
    [InlineData("5 EUR", "+38349123456:500")]
    [InlineData("5eur", "+38349123456:500")]
    [InlineData("2,50 eur", "+38349123456:250")]
    [InlineData("2.50", "+38349123456:250")]
    [InlineData("2,50", "+38349123456:250")]
    [InlineData("2.5", "+38349123456:250")]
    [InlineData("  7  ", "+38349123456:700")]
    [InlineData("1", "+38349123456:100")]
    [InlineData("100", "+38349123456:10000")]
    [InlineData("049111222 5", "+38349111222:500")]
    [InlineData("049111222   5 EUR", "+38349111222:500")]
    [InlineData("+38343111222 12,30", "+38343111222:1230")]
    [InlineData("049111222 5 # 043111222 2,50", "+38349111222:500 +38343111222:250")]
    [InlineData("049111222 5#043111222 2,50#49333444 10€", "+38349111222:500 +38343111222:250 +38349333444:1000")]
    public async Task Parse_MobileTopUp_TargetsAndAmounts(string text, string expected)
    {
        (_, JsonElement json) = await ParseAsync("50001", "049123456", text);

        Assert.True(json.GetProperty("ok").GetBoolean(), json.ToString());
        Assert.Equal("TEB", json.String("bank"));
        JsonElement command = json.GetProperty("command");
        Assert.Equal("mobile", command.String("kind"));
        string targets = string.Join(' ', command.GetProperty("targets").EnumerateArray().Select(t => $"{t.String("msisdn")}:{t.Long("amountCents")}"));
        Assert.Equal(expected, targets);
        Assert.False(json.TryGetProperty("error", out _));
    }

    [Theory]
    [InlineData("50005", "BEK")]
    [InlineData("50000", "BPB")]
    [InlineData("50444", "NLB")]
    [InlineData("50222", "RBKO")]
    [InlineData("50333", "PCB")]
    [InlineData("50001", "TEB")]
    public async Task Parse_EachBanksShortCode_NamesThatBank(string shortCode, string bank)
    {
        (string line, JsonElement json) = await ParseAsync(shortCode, "+38349123456", "5");

        Assert.Equal(ContractExample.Replace("\"TEB\"", $"\"{bank}\"", StringComparison.Ordinal), line);
        Assert.Equal(bank, json.String("bank"));
    }

    [Theory]
    [InlineData("50001", "0", "TEB", "AMOUNT_OUT_OF_RANGE")]
    [InlineData("50001", "-5", "TEB", "AMOUNT_OUT_OF_RANGE")]
    [InlineData("50001", "101", "TEB", "AMOUNT_OUT_OF_RANGE")]
    [InlineData("50001", "100.01", "TEB", "AMOUNT_OUT_OF_RANGE")]
    [InlineData("50001", "0.99", "TEB", "AMOUNT_OUT_OF_RANGE")]
    [InlineData("50001", "049111222 101", "TEB", "AMOUNT_OUT_OF_RANGE")]
    [InlineData("50001", "101 EUR", "TEB", "AMOUNT_OUT_OF_RANGE")]
    [InlineData("50444", "2", "NLB", "AMOUNT_OUT_OF_RANGE")]
    [InlineData("50444", "2 €", "NLB", "AMOUNT_OUT_OF_RANGE")]
    [InlineData("50444", "4.99", "NLB", "AMOUNT_OUT_OF_RANGE")]
    [InlineData("50444", "049111222 5 # 043111222 2", "NLB", "AMOUNT_OUT_OF_RANGE")]
    [InlineData("50001", "044123456 5", "TEB", "NOT_OPERATOR_NUMBER")]
    [InlineData("50001", "049111222 5 # 044123456 5", "TEB", "NOT_OPERATOR_NUMBER")]
    [InlineData("50001", "04912 5", "TEB", "INVALID_NUMBER")]
    [InlineData("50001", "hello", "TEB", "UNKNOWN_COMMAND")]
    [InlineData("50001", "", "TEB", "UNKNOWN_COMMAND")]
    [InlineData("50001", "   ", "TEB", "UNKNOWN_COMMAND")]
    [InlineData("50001", "#", "TEB", "UNKNOWN_COMMAND")]
    [InlineData("50001", "5 # ", "TEB", "UNKNOWN_COMMAND")]
    public async Task Parse_RejectedText_PrintsErrorCodeAndExitsZero(string shortCode, string text, string bank, string code)
    {
        (_, JsonElement json) = await ParseAsync(shortCode, "049123456", text);

        Assert.False(json.GetProperty("ok").GetBoolean(), json.ToString());
        Assert.Equal(bank, json.String("bank"));
        JsonElement error = json.GetProperty("error");
        Assert.Equal(code, error.String("code"));
        Assert.False(string.IsNullOrWhiteSpace(error.String("message")));
        Assert.False(json.TryGetProperty("command", out _));
    }

    [Theory]
    [InlineData("12345")]
    [InlineData("")]
    [InlineData("5000")]
    [InlineData("500011")]
    public async Task Parse_UnknownShortCode_PrintsUnknownShortCodeAndExitsZero(string shortCode)
    {
        (_, JsonElement json) = await ParseAsync(shortCode, "049123456", "5");

        Assert.False(json.GetProperty("ok").GetBoolean());
        Assert.Equal("UNKNOWN_SHORT_CODE", json.GetProperty("error").String("code"));
    }

    [Theory]
    [InlineData("044123456", "NOT_OPERATOR_NUMBER")]
    [InlineData("hello", "INVALID_NUMBER")]
    public async Task Parse_SenderNotAnOperatorMobile_PrintsItsCode(string from, string code)
    {
        (_, JsonElement json) = await ParseAsync("50001", from, "5");

        Assert.False(json.GetProperty("ok").GetBoolean());
        Assert.Equal(code, json.GetProperty("error").String("code"));
    }

    /// <summary>
    /// <c>--text "&lt;sms text&gt;"</c> is the SMS exactly as sent. A text that begins with <c>@</c> (GSM 03.38's
    /// character 0, what a stray NUL decodes to) must be parsed as the SMS, not opened as a response file.
    /// </summary>
    [Theory]
    [InlineData("50001", "@5", false, "UNKNOWN_COMMAND")]
    [InlineData("50222", "@perdoruesi TV", true, null)]
    public async Task Parse_TextStartingWithAt_IsTheSmsTextNotAResponseFile(string to, string text, bool ok, string? code)
    {
        (_, JsonElement json) = await ParseAsync(to, "049123456", text);

        Assert.Equal(ok, json.GetProperty("ok").GetBoolean());
        if (code is not null)
        {
            Assert.Equal(code, json.GetProperty("error").String("code"));
        }
    }

    /// <summary>
    /// <c>parse</c> exits 0 whether it reads or refuses the text, and 2 for bad arguments: a --config folder that is
    /// not there is a bad argument.
    /// </summary>
    [Fact]
    public async Task Parse_ConfigFolderThatDoesNotExist_ExitsTwo()
    {
        string missing = Path.Combine(Path.GetTempPath(), "mbushja-no-such-config-" + Guid.NewGuid().ToString("N"));

        Run run = await RunAsync("parse", "--config", missing, "--to", "50001", "--from", "049123456", "--text", "5");

        Assert.Equal(2, run.ExitCode);
        Assert.Equal("", run.Stdout);
    }

    [Theory]
    [InlineData("parse", "--from", "049123456", "--text", "5")]
    [InlineData("parse", "--to", "50001", "--text", "5")]
    [InlineData("parse", "--to", "50001", "--from", "049123456")]
    [InlineData("parse")]
    [InlineData("parse", "--to", "50001", "--from", "049123456", "--text", "5", "--bogus")]
    [InlineData("parse", "--to", "50001", "--from", "049123456", "--text")]
    [InlineData("parse", "--to", "50001", "--from", "049123456", "--text", "5", "extra")]
    [InlineData("frobnicate")]
    [InlineData("--bogus")]
    [InlineData("serve", "--no-such-option")]
    [InlineData("serve", "--gateway-allow", "nonsense")]
    [InlineData("serve", "--gateway-allow", "127.0.0.0/8", "--gateway-allow", "10.0.0.0/33")]
    [InlineData("serve", "--gateway-allow", "10.1.2.3/8")]
    [InlineData("serve", "--gateway-allow")]
    [InlineData("serve", "--trusted-proxy", "nonsense")]
    [InlineData("serve", "--trusted-proxy", "10.0.1.7/24")]
    [InlineData("serve", "--trusted-proxy")]
    [InlineData("serve", "--kannel-sendsms", "not a url")]
    [InlineData("serve", "--kannel-sendsms", "ftp://kannel/cgi-bin/sendsms")]
    [InlineData("serve", "--kannel-reply-via", "pigeon")]
    [InlineData("serve", "--kannel-reply-via", "sendsms")] // with nothing to send it
    [InlineData("serve", "--outbound-max-attempts", "0")]
    [InlineData("serve", "--bank-api", "TEB")]
    [InlineData("serve", "--bank-api", "TEB=not a url")]
    [InlineData("serve", "--bank-api", "=https://bank.example/")]
    [InlineData("serve", "--bank-api", "TEB=ftp://bank.example/")]
    [InlineData("serve", "--bank-api", "NOSECRETBANK=https://bank.example/")] // MBUSHJA_BANK_SECRET_NOSECRETBANK is not set
    [InlineData("serve", "--smsc", "http://mbushja:pw@smsc.example:2775")]
    [InlineData("serve", "--smsc", "smpp://smsc.example:2775")]
    [InlineData("serve", "--smsc", "smpp://a-system-id-far-too-long:pw@smsc.example:2775")]
    [InlineData("serve", "--smsc", "smpp://mbushja:pw@smsc.example:2775?bind=both")]
    [InlineData("serve", "--smsc", "smpp://mbushja:pw@smsc.example:2775?window=0")]
    [InlineData("serve", "--smsc", "smpp://nopasswordbind@smsc.example:2775")] // MBUSHJA_SMPP_PASSWORD(_NOPASSWORDBIND) is not set
    [InlineData("serve", "--smsc", "smpp://mbushja:pw@smsc.example:2775", "--kannel-sendsms", "http://kannel:13013/cgi-bin/sendsms")]
    [InlineData("serve", "--smsc")]
    [InlineData("serve", "--smpp-long-messages", "pigeon")]
    [InlineData("serve", "--smpp-redelivery-window", "0")]
    [InlineData("serve", "--smpp-redelivery-window", "ten")]
    [InlineData("serve", "--outbound-max-attempts", "ten")]
    [InlineData("serve", "--smpp-bind-lease", "5")]
    [InlineData("serve", "--smpp-bind-lease", "long")]
    [InlineData("serve", "--smpp-max-binds-per-system-id", "many")]
    [InlineData("serve", "--smpp-max-binds-per-system-id=-1")]
    [InlineData("serve", "--smpp-max-queued-pdus", "0")]
    [InlineData("serve", "--smpp-max-queued-pdus", "many")]
    [InlineData("serve", "--smpp-max-inbound-in-flight", "0")]
    [InlineData("serve", "--instance-id", "two words")]
    [InlineData("serve", "--work-lease", "1")]
    [InlineData("serve", "--work-lease", "long")]
    [InlineData("serve", "--work-lease-renewal", "0")]
    [InlineData("serve", "--work-lease", "10", "--work-lease-renewal", "6")]
    [InlineData("serve", "--work-lease-renewal", "6")] // more than half the default lease (10 s)
    [InlineData("serve", "--resend-wait", "61")]
    [InlineData("serve", "--resend-wait=-1")]
    public async Task Run_BadArguments_ExitsTwoWithOneLineOnStderrAndNothingOnStdout(params string[] args)
    {
        Run run = await RunAsync(args);

        Assert.Equal(2, run.ExitCode);
        Assert.Equal("", run.Stdout);
        Assert.EndsWith("\n", run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', run.Stderr[..^1]);
        Assert.StartsWith("mbushja: ", run.Stderr, StringComparison.Ordinal);
    }

    /// <summary>The work's timings and the instance id are refused with a reason that names the option and the rule.</summary>
    [Theory]
    [InlineData("--instance-id", "a/b", "--instance-id: An instance id has 1 to 64 characters")]
    [InlineData("--work-lease", "1", "--work-lease must be at least 2.")]
    [InlineData("--work-lease-renewal", "6", "--work-lease-renewal (6 s) must be at most half of --work-lease (10 s)")]
    [InlineData("--resend-wait", "120", "--resend-wait must be 0 to 60 seconds.")]
    public async Task Serve_WorkOptionsOutOfBounds_SayWhich(string option, string value, string reason)
    {
        Run run = await RunAsync("serve", option, value);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains(reason, run.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("mbushja: unknown command 'bogus'; the commands are serve, parse, phone, users, rollups. (see 'mbushja --help')\n", "bogus")]
    [InlineData("mbushja: say what to do: serve, parse, phone, users, rollups. (see 'mbushja --help')\n")]
    public async Task Run_NoCommandOrAnUnknownOne_SaysWhichAndNamesTheCommands(string expected, params string[] args)
    {
        Run run = await RunAsync(args);

        Assert.Equal(2, run.ExitCode);
        Assert.Equal("", run.Stdout);
        Assert.Equal(expected, run.Stderr.ReplaceLineEndings("\n"));
    }

    [Theory]
    [InlineData("postgres://mbushja:s3cret@db-a:5432,db-b:99999/mbushja", "'99999' is not a port")]
    [InlineData("postgres://mbushja:s3cret@db-a:5432/mbushja?target_session_attrs=master", "'master' is not a value of its parameter 'target_session_attrs'")]
    public async Task Serve_DbUrlThatCannotBeRead_ExitsWithTheReason_NeverThePassword(string url, string reason)
    {
        Run run = await RunAsync("serve", "--db", url, "--data", Path.Combine(Path.GetTempPath(), "mbushja-cli-" + Guid.NewGuid().ToString("N")));

        Assert.Equal(1, run.ExitCode);
        Assert.Contains(reason, run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", run.Stderr + run.Stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("no-colon")]
    [InlineData(":password-without-user")]
    public async Task Serve_GatewayBasicWithoutUserAndPassword_ExitsTwoWithOneLine(string basic)
    {
        string? before = Environment.GetEnvironmentVariable(MbushjaCli.GatewayBasicVariable);
        Environment.SetEnvironmentVariable(MbushjaCli.GatewayBasicVariable, basic);
        try
        {
            Run run = await RunAsync("serve", "--data", Path.Combine(Path.GetTempPath(), "mbushja-cli-" + Guid.NewGuid().ToString("N")));

            Assert.Equal(2, run.ExitCode);
            Assert.Equal("", run.Stdout);
            Assert.Equal($"mbushja: {MbushjaCli.GatewayBasicVariable} must be user:password.\n", run.Stderr.ReplaceLineEndings("\n"));
            Assert.DoesNotContain(basic, run.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            Environment.SetEnvironmentVariable(MbushjaCli.GatewayBasicVariable, before);
        }
    }

    [Fact]
    public async Task Serve_HttpsCertificateWithoutAnHttpsAddress_StopsTheStartWithTheReason()
    {
        Run run = await RunAsync(
            "serve", "--https-certificate", "/nowhere/server.pfx", "--data", Path.Combine(Path.GetTempPath(), "mbushja-cli-" + Guid.NewGuid().ToString("N")));

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("add an https:// address to --urls", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_Help_NamesTheHttpsAndProxyOptions()
    {
        Run run = await RunAsync("serve", "--help");

        Assert.Equal(0, run.ExitCode);
        foreach (string option in new[] { "--https-certificate", "--https-certificate-key", "--trusted-proxy", MbushjaCli.HttpsPasswordVariable })
        {
            Assert.Contains(option, run.Stdout, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Serve_SmscPasswordTooLong_IsRefusedWithoutShowingIt()
    {
        Run run = await RunAsync("serve", "--smsc", "smpp://mbushja:Secret-Nine@smsc.example:2775");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("Password", run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Secret-Nine", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_SmppFileInTheConfigFolderWithAMistake_StopsTheStartWithTheReason()
    {
        string folder = Path.Combine(Path.GetTempPath(), "mbushja-cli-smpp-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        await File.WriteAllTextAsync(Path.Combine(folder, "smpp.json"), """{"binds": ["smpp://ipko:pw@smsc?bind=both"]}""");

        Run run = await RunAsync("serve", "--config", folder, "--data", Path.Combine(folder, "data"));

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("smpp.json: binds[0]: --smsc smsc1: bind=both", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_MoreBindsOfASystemIdThanTheSmscAllows_StopsTheStartWithTheReason()
    {
        string folder = Path.Combine(Path.GetTempPath(), "mbushja-cli-smpp-" + Guid.NewGuid().ToString("N"));

        Run run = await RunAsync(
            "serve", "--data", folder, "--smsc", "smpp://mbushja:pw@smsc1.example", "--smsc", "smpp://mbushja:pw@smsc2.example", "--smpp-max-binds-per-system-id", "1");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("2 binds for system_id 'mbushja' (smsc1, smsc2; a pair is two), but the SMSC allows 1", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_Help_ExitsZeroAndListsServeAndParse()
    {
        Run run = await RunAsync("--help");

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("serve", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("parse", run.Stdout, StringComparison.Ordinal);
        Assert.Equal("", run.Stderr);
    }

    [Fact]
    public async Task Parse_Twice_ChangesNothingAndAnswersTheSame()
    {
        (string first, _) = await ParseAsync("50222", "049123456", "049111222 5 # 043111222 2,50");
        (string second, _) = await ParseAsync("50222", "049123456", "049111222 5 # 043111222 2,50");

        Assert.Equal(first, second);
    }

    /// <summary>
    /// The wrapper at the repo root builds (when needed) and runs the program; stdout is the program's alone. How long
    /// that takes is not under test: a build on a busy machine takes minutes, so the only limit is one that catches a
    /// wrapper that never ends.
    /// </summary>
    [Fact]
    public async Task MbushjaScript_Parse_PrintsTheContractJson()
    {
        string root = Mbushja.Testing.RepoFolder.Root;
        var start = new ProcessStartInfo(Path.Combine(root, "mbushja"))
        {
            ArgumentList = { "parse", "--to", "50001", "--from", "049123456", "--text", "5" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetTempPath(), // it must work from any folder
        };
        using Process process = Process.Start(start)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(30));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}: {await stderr}");
        Assert.Equal(ContractExample + "\n", await stdout);
    }
}
