using System.Collections.Concurrent;
using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Mbushja.Testing;

namespace Mbushja.Server.Tests;

/// <summary>
/// A third-party SMSC: the npm package <c>smpp</c> (node-smpp, MIT) as the server side, run by
/// <c>tests/smpp-interop/smsc.js</c> on 127.0.0.1 and a free port. It is driven by JSON lines on its stdin and reports
/// what it saw, decoded by node-smpp itself, as JSON lines on its stdout. <c>./test.sh</c> installs node (from Debian)
/// and the package (<c>npm ci</c>, see <c>tests/needs-npm</c>); without them this fails, it is never skipped.
/// </summary>
public sealed class NodeSmsc : IAsyncDisposable
{
    public const string SystemId = "mbushja";
    public const string Password = "n0de-pw";

    private readonly Process _process;
    private readonly ConcurrentQueue<JsonElement> _events = new();
    private readonly Task _reading;
    private readonly SemaphoreSlim _stdin = new(1, 1);
    private int _ids;

    private NodeSmsc(Process process)
    {
        _process = process;
        _reading = Task.Run(ReadAsync);
    }

    public int Port { get; private set; }

    public static async Task<NodeSmsc> StartAsync()
    {
        string folder = Path.Combine(RepoFolder.Root, "tests", "smpp-interop");
        if (!Directory.Exists(Path.Combine(folder, "node_modules", "smpp")))
        {
            throw new InvalidOperationException($"node-smpp is not installed in {folder}: ./test.sh runs 'npm ci' there (tests/needs-npm).");
        }

        var start = new ProcessStartInfo("node")
        {
            ArgumentList = { "smsc.js", "0", SystemId, Password },
            WorkingDirectory = folder,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("node did not start.");
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException("node is not installed: ./test.sh installs it (apt nodejs npm) when tests/needs-npm lists a folder.", e);
        }

        var smsc = new NodeSmsc(process);
        JsonElement listening = await smsc.WaitForAsync("listening");
        smsc.Port = listening.GetProperty("port").GetInt32();
        return smsc;
    }

    /// <summary>Every event of a kind so far, in order.</summary>
    public IReadOnlyList<JsonElement> Events(string kind) => [.. _events.Where(e => e.GetProperty("event").GetString() == kind)];

    public async Task<JsonElement> WaitForAsync(string kind, Func<JsonElement, bool>? which = null, TimeSpan? timeout = null)
    {
        DateTime deadline = DateTime.UtcNow + (timeout ?? Timeouts.Hang);
        while (true)
        {
            if (Events(kind).FirstOrDefault(which ?? (_ => true)) is { ValueKind: JsonValueKind.Object } found)
            {
                return found;
            }

            if (DateTime.UtcNow > deadline || _process.HasExited)
            {
                string errors = _process.HasExited ? await _process.StandardError.ReadToEndAsync() : "";
                throw new TimeoutException($"node-smpp reported no {kind} in time; it said: {string.Join(" ", _events)} {errors}");
            }

            await Task.Delay(10);
        }
    }

    /// <summary>node-smpp sends a deliver_sm (the text coded by node-smpp for the data_coding); returns the ESME's command_status.</summary>
    public Task<int> DeliverAsync(string source, string destination, string text, int dataCoding) =>
        CommandAsync("deliver_sm_resp", new { cmd = "deliver", source, destination, text, data_coding = dataCoding });

    /// <summary>A delivery receipt for a message node-smpp accepted; returns the ESME's command_status.</summary>
    public Task<int> ReceiptAsync(string source, string destination, string messageId) =>
        CommandAsync("deliver_sm_resp", new { cmd = "receipt", source, destination, message_id = messageId });

    public Task<int> EnquireLinkAsync() => CommandAsync("enquire_link_resp", new { cmd = "enquire_link" });

    private async Task<int> CommandAsync(string answer, object command)
    {
        string id = Interlocked.Increment(ref _ids).ToString(CultureInfo.InvariantCulture);
        Dictionary<string, object?> line = JsonSerializer.SerializeToElement(command).EnumerateObject().ToDictionary(p => p.Name, p => (object?)p.Value);
        line["id"] = id;
        await _stdin.WaitAsync();
        try
        {
            await _process.StandardInput.WriteLineAsync(JsonSerializer.Serialize(line));
            await _process.StandardInput.FlushAsync();
        }
        finally
        {
            _stdin.Release();
        }

        JsonElement result = await WaitForAsync(answer, e => e.TryGetProperty("id", out JsonElement i) && i.GetString() == id);
        return result.GetProperty("command_status").GetInt32();
    }

    private async Task ReadAsync()
    {
        while (await _process.StandardOutput.ReadLineAsync() is { } line)
        {
            _events.Enqueue(JsonDocument.Parse(line).RootElement.Clone());
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _process.StandardInput.WriteLineAsync("""{"cmd":"quit"}""");
            await _process.StandardInput.FlushAsync();
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception e) when (e is IOException or TimeoutException or InvalidOperationException)
        {
            // Our own child, and only it.
            _process.Kill();
        }

        await _reading.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _process.Dispose();
        _stdin.Dispose();
    }
}
