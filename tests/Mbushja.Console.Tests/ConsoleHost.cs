using System.Net;
using System.Text.RegularExpressions;
using Mbushja.Server;
using Mbushja.Server.Tests;
using Mbushja.Storage;
using Mbushja.Testing;
using Mbushja.WebConsole.Users;
using Microsoft.Extensions.DependencyInjection;

namespace Mbushja.WebConsole.Tests;

/// <summary>
/// A real server with the demo data on a fresh database (<c>serve --demo</c>), its demo console users signing in with
/// <see cref="Password"/>, on a clock the tests may move. Tests share it: each takes its own numbers from
/// <see cref="NextMobile"/> and its own users from <see cref="NewUserAsync"/>.
/// </summary>
public abstract partial class ConsoleHost : IAsyncLifetime
{
    public const string Password = "demo-console-pass-5b1d";

    private int _next;

    protected abstract DatabaseKind Kind { get; }

    /// <summary>The server's clock: real time unless a fixture says otherwise.</summary>
    public virtual TimeProvider Time => TimeProvider.System;

    public TestDatabase Database { get; private set; } = null!;

    public RunningServer Server { get; private set; } = null!;

    public Uri BaseAddress => Server.Http.BaseAddress!;

    public ConsoleUsers Users => Server.App.Services.GetRequiredService<ConsoleUsers>();

    public async Task InitializeAsync()
    {
        Database = await TestDatabase.CreateAsync(Kind);
        Server = await RunningServer.StartAsync(Database.Option, demo: true, configure: s => s with { ConsoleDemoPassword = Password, Time = Time, ConfigDirectory = ConfigCopies.WithoutVelocityLimits });
        _next = Random.Shared.Next(100_000, 800_000);
    }

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        await Database.DisposeAsync();
    }

    /// <summary>An operator mobile number nobody has used yet, national form (<c>049712345</c>).</summary>
    public string NextMobile() => "049" + Interlocked.Increment(ref _next).ToString("D6", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A user of this test alone (so that its lockouts or role changes touch no other test).</summary>
    public async Task<string> NewUserAsync(ConsoleRole role, string? bank = null)
    {
        string name = $"u{Interlocked.Increment(ref _next)}";
        Assert.Null(await Users.CreateAsync(name, role, bank, Password, "test"));
        return name;
    }

    /// <summary>A USSD session through the aggregator's callback (<c>POST /ussd</c>), one answer at a time: its last screen, which ends it.</summary>
    public async Task<string> PayByUssdAsync(string number, params string[] answers)
    {
        string session = "console-" + Guid.NewGuid().ToString("N");
        string screen = "";
        for (int step = 0; step <= answers.Length; step++)
        {
            using var form = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["sessionId"] = session,
                ["serviceCode"] = "*101#",
                ["phoneNumber"] = number,
                ["text"] = string.Join("*", answers.Take(step)),
            });
            using HttpResponseMessage response = await Server.Http.PostAsync("/ussd", form);
            screen = await response.Content.ReadAsStringAsync();
            Assert.True(response.IsSuccessStatusCode, screen);
        }

        Assert.StartsWith("END ", screen, StringComparison.Ordinal);
        return screen;
    }

    /// <summary>An SMS top-up through the gateway API (<c>POST /api/v1/sms/inbound</c>), as a gateway makes it.</summary>
    public async Task<(string Status, string? TransactionId, string Reply)> SendSmsAsync(string from, string to, string text)
    {
        using var content = new StringContent(
            System.Text.Json.JsonSerializer.Serialize(new { from, to, text }), System.Text.Encoding.UTF8, "application/json");
        using HttpResponseMessage response = await Server.Http.PostAsync("/api/v1/sms/inbound", content);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        System.Text.Json.JsonElement json = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        return (json.GetProperty("status").GetString()!, json.GetProperty("transactionId").GetString(), json.GetProperty("reply").GetString()!);
    }

    /// <summary>
    /// A top-up sent as <see cref="SendSmsAsync"/> sends it, confirmed with the code when its bank asks for one (TEB asks
    /// past five payments since the last confirmation, README "Confirmation above a threshold"): the answer is the
    /// confirming reply's, whose message is the one charged. For specs about what a top-up leads to, not the confirmation.
    /// </summary>
    public async Task<(string Status, string? TransactionId, string Reply)> TopUpAsync(string from, string to, string text)
    {
        (string status, string? id, string reply) answer = await SendSmsAsync(from, to, text);
        if (answer.id is null)
        {
            return answer;
        }

        var transactions = Server.App.Services.GetRequiredService<Mbushja.TopUp.SmsTransactions>();
        Mbushja.TopUp.SmsTransaction? asked = await transactions.GetAsync(Mbushja.TopUp.TransactionId.FromStored(answer.id));
        return asked?.Code == Mbushja.TopUp.ConfirmationCodes.Required
            ? await SendSmsAsync(from, to, "YES " + ConfirmationReplies.CodeOf(answer.reply))
            : answer;
    }

    /// <summary>
    /// Waits until a top-up's bank capture is confirmed (state <c>completed</c>): the reply goes out once the credits are
    /// made, the capture follows, and only a captured top-up can be reversed.
    /// </summary>
    public async Task WaitForCaptureAsync(string transactionId)
    {
        var transactions = Server.App.Services.GetRequiredService<Mbushja.TopUp.SmsTransactions>();
        DateTime deadline = DateTime.UtcNow + Timeouts.Hang;
        while ((await transactions.GetAsync(Mbushja.TopUp.TransactionId.FromStored(transactionId)))?.State != Mbushja.TopUp.TopUpState.Completed)
        {
            Assert.True(DateTime.UtcNow < deadline, $"Top-up {transactionId} was not captured within {Timeouts.Hang}.");
            await Task.Delay(50);
        }
    }

    /// <summary>The demo registration at a bank (holder <c>049111111</c>), as it stands now.</summary>
    public async Task<Mbushja.TopUp.Registration> DemoRegistrationAsync(string bank)
    {
        var registrations = Server.App.Services.GetRequiredService<Mbushja.TopUp.Registrations>();
        var numbering = Server.App.Services.GetRequiredService<Mbushja.Domain.NumberingPlan>();
        return (await registrations.FindMemberAsync(bank, numbering.ParseMsisdn(DemoData.Registration.Holder).Value))!.Registration;
    }

    /// <summary>The reference a reply quotes (<c>Ref 1A2B3C4D</c>).</summary>
    public static string ReferenceIn(string reply) => ReferencePattern().Match(reply).Groups[1].Value;

    [GeneratedRegex(@"Ref ([0-9A-F]{8})")]
    private static partial Regex ReferencePattern();
}

public sealed class SqliteConsoleHost : ConsoleHost
{
    protected override DatabaseKind Kind => DatabaseKind.Sqlite;
}

public sealed class PostgresConsoleHost : ConsoleHost
{
    protected override DatabaseKind Kind => DatabaseKind.Postgres;
}

/// <summary>A host on a clock that moves only when a test says so: lockouts and idle sessions end without waiting.</summary>
public abstract class FakeClockConsoleHost : ConsoleHost
{
    private readonly FakeClock _clock = new(DateTimeOffset.UtcNow);

    public override TimeProvider Time => _clock;

    public FakeClock Clock => _clock;
}

public sealed class SqliteFakeClockConsoleHost : FakeClockConsoleHost
{
    protected override DatabaseKind Kind => DatabaseKind.Sqlite;
}

public sealed class PostgresFakeClockConsoleHost : FakeClockConsoleHost
{
    protected override DatabaseKind Kind => DatabaseKind.Postgres;
}
