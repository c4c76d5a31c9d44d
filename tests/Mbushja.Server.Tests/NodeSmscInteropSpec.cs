using System.Globalization;
using System.Net;
using System.Text.Json;
using Mbushja.Smpp.Text;
using Mbushja.Testing;

namespace Mbushja.Server.Tests;

/// <summary>
/// Interoperability with a third-party SMPP implementation (<c>tests/smpp-interop</c>): node-smpp as the SMSC binds
/// Mbushja, delivers MO in data_coding 0, 3 and 8, receives the (long) replies and decodes them itself, sends delivery
/// receipts, and exchanges enquire_link both ways; the whole SMS Top Up flow runs over it.
/// </summary>
public sealed class NodeSmscInteropSpec(SqliteNodeSmscFixture server) : IClassFixture<SqliteNodeSmscFixture>, IAsyncLifetime
{
    private const long Funds = 100_000;

    private readonly TopUpWorld _world = new(server);

    private NodeSmsc Smsc => server.Smsc;

    public async Task InitializeAsync() => await Smsc.WaitForAsync("bound");

    public Task DisposeAsync() => server.AssertLedgerInvariantsAsync();

    [Fact]
    public async Task Bind_AsTransceiverWithSmpp34_AndEnquireLinkBothWays()
    {
        JsonElement bound = await Smsc.WaitForAsync("bound");

        Assert.Equal(NodeSmsc.SystemId, bound.GetProperty("system_id").GetString());
        Assert.Equal(0x34, bound.GetProperty("interface_version").GetInt32());
        await Smsc.WaitForAsync("enquire_link");
        Assert.Equal(0, await Smsc.EnquireLinkAsync());
    }

    public static TheoryData<int, string> Albanian => new()
    {
        { 0, "Ç'kemi, sa kushton?" },
        { 3, "Përshëndetje, çfarë është kjo?" },
        { 8, "Mirëdita! Sa është çmimi në €?" },
    };

    [Theory]
    [MemberData(nameof(Albanian))]
    public async Task MoInEachDataCoding_ArrivesAsWritten_AndNodeReadsTheAlbanianReply(int dataCoding, string text)
    {
        string stranger = await _world.SubscriberAsync();

        int status = await Smsc.DeliverAsync("383" + stranger[1..], "50222", text, dataCoding);

        Assert.Equal(0, status);
        JsonElement transaction = await TransactionAsync(stranger);
        Assert.Equal(text, (await _world.TransactionAsync(transaction.String("id"))).String("text"));
        Assert.Equal(transaction.String("reply"), await ReplyAtNodeAsync(stranger, transaction.String("reply")));
    }

    [Fact]
    public async Task TopUp_ChargedOnce_LongReplyReassembledByNode_ReceiptsOnTheTrail()
    {
        string holder = await _world.SubscriberAsync();
        string[] others = [await _world.SubscriberAsync(), await _world.SubscriberAsync(), await _world.SubscriberAsync()];
        await _world.RegisterAsync("BEK", holder, Funds);

        int status = await Smsc.DeliverAsync("383" + holder[1..], "50005", string.Join(" # ", others.Select(o => o + " 2")), 0);

        Assert.Equal(0, status);
        JsonElement transaction = await TransactionAsync(holder);
        string reply = transaction.String("reply");
        Assert.Equal("completed", transaction.String("status"));
        Assert.True(OutboundText.Encode(reply, 1).Parts.Count >= 2, reply);
        Assert.Equal(reply, await ReplyAtNodeAsync(holder, reply));
        foreach (string other in others)
        {
            Assert.Equal(200, await _world.CreditAsync(other));
        }

        JsonElement[] parts = PartsTo(holder);
        foreach (JsonElement part in parts)
        {
            Assert.Equal(0, await Smsc.ReceiptAsync("383" + holder[1..], "50005", part.GetProperty("message_id").GetString()!));
        }

        await WaitForTrailAsync(transaction.String("id"), "reply.receipt", parts.Length);
    }

    private JsonElement[] PartsTo(string national) =>
        [.. Smsc.Events("submit_sm").Where(e => e.GetProperty("destination").GetString() == "383" + national[1..])];

    /// <summary>
    /// Waits for the reply's parts as node-smpp decoded them and joins them in the order their concatenation headers
    /// give (node-smpp hands each header element as hex: 00 03 ref total seq).
    /// </summary>
    private async Task<string> ReplyAtNodeAsync(string national, string expected)
    {
        int count = OutboundText.Encode(expected, 1).Parts.Count;
        DateTime deadline = DateTime.UtcNow + Timeouts.Hang;
        while (PartsTo(national).Length < count)
        {
            Assert.True(DateTime.UtcNow < deadline, $"node-smpp got {PartsTo(national).Length} of {count} parts.");
            await Task.Delay(20);
        }

        JsonElement[] parts = PartsTo(national);
        Assert.Equal(count, parts.Length);
        return string.Concat(parts
            .OrderBy(p => p.GetProperty("udh").EnumerateArray().Select(u => u.GetString()!).FirstOrDefault(u => u.StartsWith("0003", StringComparison.Ordinal)) is { } concat
                ? int.Parse(concat[8..10], NumberStyles.HexNumber, CultureInfo.InvariantCulture)
                : 1)
            .Select(p => p.GetProperty("message").GetString()));
    }

    private async Task<JsonElement> TransactionAsync(string msisdn)
    {
        DateTime deadline = DateTime.UtcNow + Timeouts.Hang;
        while (true)
        {
            JsonElement list = await (await server.Http.GetAsAdminAsync("/api/v1/transactions?msisdn=" + msisdn)).ExpectAsync(HttpStatusCode.OK);
            JsonElement[] found = [.. list.GetProperty("transactions").EnumerateArray()];
            if (found.Length == 1 && found[0].TryGetProperty("reply", out JsonElement reply) && reply.ValueKind == JsonValueKind.String)
            {
                return found[0];
            }

            Assert.True(DateTime.UtcNow < deadline, $"No answered transaction for {msisdn} in time.");
            await Task.Delay(20);
        }
    }

    private async Task WaitForTrailAsync(string id, string kind, int count)
    {
        DateTime deadline = DateTime.UtcNow + Timeouts.Hang;
        while ((await _world.TransactionAsync(id)).GetProperty("trail").EnumerateArray().Count(e => e.String("kind") == kind) < count)
        {
            Assert.True(DateTime.UtcNow < deadline, $"Fewer than {count} {kind} on the trail of {id}.");
            await Task.Delay(20);
        }
    }
}
