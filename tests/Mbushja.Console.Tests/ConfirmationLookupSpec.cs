using System.Net;
using Mbushja.Testing;

namespace Mbushja.WebConsole.Tests;

/// <summary>
/// A number's page in Lookup lists its confirmations (README "Confirmation above a threshold"): a top-up that waits for
/// its code as pending, then as confirmed with the message that confirmed it. Over plain HTTP, with the demo data (TEB
/// asks for a confirmation above 30.00 EUR; 049222222 is authorised there).
/// </summary>
public abstract partial class ConfirmationLookupSpec<THost>(THost host) : IClassFixture<THost>
    where THost : ConsoleHost
{
    [Fact]
    public async Task NumberPage_ATopUpWaitingForItsCode_ListedPending_ThenConfirmedByTheReply()
    {
        (string status, string? asked, string reply) = await host.SendSmsAsync("049222222", "50001", "45");
        using var agent = new ConsoleClient(host.BaseAddress);
        await agent.SignInAsync("agent");
        (HttpStatusCode code, string pending) = await agent.GetTextAsync("/console/lookup?q=049222222");
        (string confirmedStatus, string? by, _) = await host.SendSmsAsync("049222222", "50001", "YES " + ConfirmationReplies.CodeOf(reply));
        (_, string confirmed) = await agent.GetTextAsync("/console/lookup?q=049222222");

        Assert.Equal(("rejected", HttpStatusCode.OK, "completed"), (status, code, confirmedStatus));
        Assert.Contains("id=\"confirmations\"", pending, StringComparison.Ordinal);
        Assert.Contains($"data-id=\"{asked}\" data-state=\"pending\"", pending, StringComparison.Ordinal);
        Assert.Contains($"data-id=\"{asked}\" data-state=\"confirmed\"", confirmed, StringComparison.Ordinal);
        Assert.Contains($"/console/transactions/{by}", confirmed, StringComparison.Ordinal);
    }

}

public sealed class SqliteConfirmationLookupSpec(SqliteConsoleHost host) : ConfirmationLookupSpec<SqliteConsoleHost>(host);

public sealed class PostgresConfirmationLookupSpec(PostgresConsoleHost host) : ConfirmationLookupSpec<PostgresConsoleHost>(host);
