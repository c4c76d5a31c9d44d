using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Mbushja.Ussd;

namespace Mbushja.Cli;

/// <summary>
/// A phone for people trying the platform (<c>mbushja phone</c>): dial a USSD code and walk the menu, or send an SMS
/// to a short code and read the reply, against a running server, over the same gateway endpoints a real USSD
/// aggregator and SMS gateway use. Reads one line per input, so it can be driven from a script as well as by hand.
/// </summary>
internal sealed class PhoneEmulator(HttpClient http, string from, TextReader input, TextWriter output, bool echo)
{
    /// <summary>Runs until the input ends or says <c>q</c>.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        await output.WriteLineAsync($"Phone {from} on {http.BaseAddress}");
        await output.WriteLineAsync("Dial a code (*101#), or send an SMS as '<short code> <text>' (50005 5). Empty line: hang up / nothing. q: quit.");
        while (!ct.IsCancellationRequested)
        {
            string? line = await PromptAsync("phone> ", ct);
            if (line is null || line is "q" or "quit" or "exit")
            {
                return;
            }

            if (line.Length == 0)
            {
                continue;
            }

            if (UssdDial.Read(line) is { } dialled)
            {
                await DialAsync(dialled.ServiceCode, dialled.Text, ct);
            }
            else if (line.Split(' ', 2, StringSplitOptions.TrimEntries) is [{ Length: > 0 } to, var text] && to.All(char.IsAsciiDigit))
            {
                await SmsAsync(to, text, ct);
            }
            else
            {
                await output.WriteLineAsync("Dial a code like *101#, or write a short code, a space and the SMS text (50005 5).");
            }
        }
    }

    /// <summary>
    /// A USSD session: the code dialled (<c>*101#</c>, or <c>*101*1*3#</c> with the first answers already in it), then
    /// one answer per line until the server ends the session or the line is empty (hanging up).
    /// </summary>
    private async Task DialAsync(string serviceCode, string text, CancellationToken ct)
    {
        string session = "phone-" + Guid.NewGuid().ToString("N");
        while (true)
        {
            using var form = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["sessionId"] = session,
                ["serviceCode"] = serviceCode,
                ["phoneNumber"] = from,
                ["text"] = text,
            });
            string? body = await SendAsync(() => http.PostAsync("/ussd", form, ct), ct);
            if (body is null)
            {
                return;
            }

            bool ends = !body.StartsWith("CON ", StringComparison.Ordinal);
            await ShowAsync(body.Length >= 4 ? body[4..] : body, ends ? "session ended" : "answer, or empty line to hang up");
            if (ends)
            {
                return;
            }

            string? answer = await PromptAsync("ussd> ", ct);
            if (string.IsNullOrEmpty(answer))
            {
                await output.WriteLineAsync("(hung up)");
                return;
            }

            text = UssdDial.Append(text, answer);
        }
    }

    private async Task SmsAsync(string to, string text, CancellationToken ct)
    {
        var sms = new { from, to, text, messageId = "phone-" + Guid.NewGuid().ToString("N") };
        string? body = await SendAsync(() => http.PostAsJsonAsync("/api/v1/sms/inbound", sms, ct), ct);
        if (body is null)
        {
            return;
        }

        using JsonDocument answer = JsonDocument.Parse(body);
        JsonElement root = answer.RootElement;
        string status = root.TryGetProperty("status", out JsonElement s) ? s.GetString() ?? "" : "";
        string code = root.TryGetProperty("code", out JsonElement c) && c.ValueKind == JsonValueKind.String ? " " + c.GetString() : "";
        string reply = root.TryGetProperty("reply", out JsonElement r) ? r.GetString() ?? "" : body;
        await ShowAsync(reply, $"SMS from {to}: {status}{code}");
    }

    /// <summary>Sends a request; the body of a 2xx answer, or null after saying what went wrong.</summary>
    private async Task<string?> SendAsync(Func<Task<HttpResponseMessage>> send, CancellationToken ct)
    {
        try
        {
            using HttpResponseMessage response = await send();
            string body = await response.Content.ReadAsStringAsync(ct);
            if (response.IsSuccessStatusCode)
            {
                return body;
            }

            string detail = body;
            if (response.Content.Headers.ContentType?.MediaType == "application/problem+json")
            {
                using JsonDocument problem = JsonDocument.Parse(body);
                detail = problem.RootElement.TryGetProperty("detail", out JsonElement d) ? d.GetString() ?? body : body;
                if (problem.RootElement.TryGetProperty("code", out JsonElement code))
                {
                    detail = $"{code.GetString()}: {detail}";
                }
            }

            await output.WriteLineAsync($"The server refused: {(int)response.StatusCode} {detail}");
        }
        catch (HttpRequestException e)
        {
            await output.WriteLineAsync($"Cannot reach {http.BaseAddress}: {e.Message}");
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            await output.WriteLineAsync($"{http.BaseAddress} did not answer in time.");
        }
        catch (JsonException)
        {
            await output.WriteLineAsync("The server's answer was not understood.");
        }

        return null;
    }

    /// <summary>A phone's screen: the text in a frame as narrow as a phone's, wrapped at spaces, and under it what happens next.</summary>
    private async Task ShowAsync(string text, string caption)
    {
        List<string> lines = [.. text.Split('\n').SelectMany(Wrap)];
        string rule = new('-', ScreenWidth + 2);
        await output.WriteLineAsync("+" + rule + "+");
        foreach (string line in lines)
        {
            await output.WriteLineAsync("| " + line.PadRight(ScreenWidth) + " |");
        }

        await output.WriteLineAsync("+" + rule + "+");
        await output.WriteLineAsync("  " + caption);
    }

    /// <summary>Characters per line of the emulated screen.</summary>
    private const int ScreenWidth = 36;

    private static IEnumerable<string> Wrap(string line)
    {
        var current = new System.Text.StringBuilder();
        foreach (string word in line.Split(' '))
        {
            string rest = word;
            while (current.Length + (current.Length > 0 ? 1 : 0) + rest.Length > ScreenWidth)
            {
                if (current.Length > 0)
                {
                    yield return current.ToString();
                    current.Clear();
                }
                else
                {
                    yield return rest[..ScreenWidth];
                    rest = rest[ScreenWidth..];
                }
            }

            current.Append(current.Length > 0 ? " " : "").Append(rest);
        }

        yield return current.ToString();
    }

    private async Task<string?> PromptAsync(string prompt, CancellationToken ct)
    {
        await output.WriteAsync(prompt);
        await output.FlushAsync(ct);
        string? line = await input.ReadLineAsync(ct);
        if (echo || line is null)
        {
            await output.WriteLineAsync(line ?? "");
        }

        return line?.Trim();
    }

    /// <summary>
    /// The credentials a gateway sends, when the server asks for them: <c>MBUSHJA_GATEWAY_TOKEN</c>, else the admin key
    /// (<c>MBUSHJA_ADMIN_KEY</c>), which the gateway endpoints also accept. None by default: loopback needs none.
    /// </summary>
    public static AuthenticationHeaderValue? Credentials()
    {
        foreach (string variable in new[] { MbushjaCli.GatewayTokenVariable, MbushjaCli.AdminKeyVariable })
        {
            if (Environment.GetEnvironmentVariable(variable) is { Length: > 0 } token)
            {
                return new AuthenticationHeaderValue("Bearer", token.Trim());
            }
        }

        return null;
    }
}
