using Mbushja.Domain;

namespace Mbushja.Sms.Tests;

/// <summary>The shipped IPKO grammars, read as <c>mbushja parse</c> reads them, and a compact rendering of the result.</summary>
internal static class Grammars
{
    /// <summary>The sender of every table row: a bare amount tops up this number.</summary>
    public const string Sender = "049123456";

    /// <summary><c>config/ipko</c> of the repository, found by walking up from the test binaries.</summary>
    public static string Shipped { get; } = FindShipped();

    public static NumberingPlan Numbering { get; } = OperatorConfig.Load(Shipped).Numbering;

    public static SmsInterpreter Interpreter { get; } = new(BankDirectory.Load(Shipped), Numbering);

    public static SmsInterpretation Parse(string shortCode, string text) => Interpreter.Interpret(shortCode, Sender, text);

    /// <summary>
    /// <c>mobile: +38349111222 500 | +38343111222 250</c>; a fixed number is <c>number +383...</c>, an account
    /// <c>account abc</c> (<c>account null</c> for the registered one); a missing amount is <c>null</c>.
    /// </summary>
    public static string Render(SmsInterpretation result)
    {
        Assert.True(result.Ok, result.ToJson());
        SmsCommand command = result.Command!;
        return $"{command.Kind.ToString().ToLowerInvariant()}: " + string.Join(" | ", command.Targets.Select(Render));
    }

    private static string Render(TopUpTarget t)
    {
        string who = t.Msisdn is { } m ? m.E164 : t.Number is { } n ? $"number {n.E164}" : $"account {t.Account ?? "null"}";
        return $"{who} {(t.Amount is { } a ? a.Cents.ToString(System.Globalization.CultureInfo.InvariantCulture) : "null")}";
    }

    /// <summary>Asserts a refusal with its code, a message, and the bank named.</summary>
    public static ParseError AssertRefused(SmsInterpretation result, string bank, string code)
    {
        Assert.False(result.Ok, result.ToJson());
        Assert.Equal(bank, result.Bank?.Code);
        Assert.Equal(code, result.Error!.Code);
        Assert.False(string.IsNullOrWhiteSpace(result.Error.Message));
        return result.Error;
    }

    private static string FindShipped()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "config", "ipko");
            if (File.Exists(Path.Combine(candidate, "operator.json")) && Directory.Exists(Path.Combine(candidate, BankDirectory.Folder)))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException($"No config/ipko above {AppContext.BaseDirectory}.");
    }
}

/// <summary>A throwaway copy of the shipped configuration, with bank files added, replaced or removed.</summary>
internal sealed class ConfigCopy : IDisposable
{
    public ConfigCopy()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "mbushja-sms-" + Guid.NewGuid().ToString("N"));
        string banks = System.IO.Path.Combine(Path, BankDirectory.Folder);
        Directory.CreateDirectory(banks);
        foreach (string file in Directory.GetFiles(Grammars.Shipped, "*.json"))
        {
            File.Copy(file, System.IO.Path.Combine(Path, System.IO.Path.GetFileName(file)));
        }

        foreach (string file in Directory.GetFiles(System.IO.Path.Combine(Grammars.Shipped, BankDirectory.Folder), "*.json"))
        {
            File.Copy(file, System.IO.Path.Combine(banks, System.IO.Path.GetFileName(file)));
        }
    }

    public string Path { get; }

    public string BankFile(string code) => System.IO.Path.Combine(Path, BankDirectory.Folder, code + ".json");

    public string ShippedBank(string code) => File.ReadAllText(BankFile(code));

    public ConfigCopy With(string code, string? json)
    {
        if (json is null)
        {
            File.Delete(BankFile(code));
        }
        else
        {
            File.WriteAllText(BankFile(code), json);
        }

        return this;
    }

    public SmsInterpreter Load() => new(BankDirectory.Load(Path), Grammars.Numbering);

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
