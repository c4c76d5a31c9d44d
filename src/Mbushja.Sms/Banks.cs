using System.Text.Json;
using Mbushja.Domain;

namespace Mbushja.Sms;

/// <summary>A partner bank: its stable code, the short code subscribers write to, and its per-top-up limits.</summary>
public sealed record Bank(string Code, string Name, string ShortCode, Money MinAmount, Money MaxAmount);

/// <summary>The configured banks, found by code or short code.</summary>
public sealed class BankDirectory
{
    private readonly Dictionary<string, Bank> _byShortCode;
    private readonly Dictionary<string, Bank> _byCode;

    public BankDirectory(IEnumerable<Bank> banks)
    {
        Banks = [.. banks];
        _byShortCode = Banks.ToDictionary(b => b.ShortCode, StringComparer.Ordinal);
        _byCode = Banks.ToDictionary(b => b.Code, StringComparer.OrdinalIgnoreCase);
    }

    public IReadOnlyList<Bank> Banks { get; }

    public Bank? ByShortCode(string? shortCode) =>
        shortCode is not null && _byShortCode.TryGetValue(shortCode.Trim(), out Bank? bank) ? bank : null;

    public Bank? ByCode(string? code) => code is not null && _byCode.TryGetValue(code.Trim(), out Bank? bank) ? bank : null;

    /// <summary>Reads <c>banks.json</c> from a configuration folder; every mistake is reported at once.</summary>
    public static BankDirectory Load(string directory)
    {
        string path = Path.Combine(directory, "banks.json");
        var errors = new List<string>();
        BanksFile? file = null;
        try
        {
            using FileStream stream = File.OpenRead(path);
            file = JsonSerializer.Deserialize<BanksFile>(stream, Options);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            errors.Add($"banks.json: {e.Message}");
        }

        var banks = new List<Bank>();
        foreach ((BankFile b, int i) in (file?.Banks ?? []).Select((b, i) => (b, i)))
        {
            string where = $"banks.json: banks[{i}] ({b.Code})";
            ParseResult<Money> min = Money.ParseAmount(b.MinAmount);
            ParseResult<Money> max = Money.ParseAmount(b.MaxAmount);
            if (string.IsNullOrWhiteSpace(b.Code) || string.IsNullOrWhiteSpace(b.Name))
            {
                errors.Add($"{where}: code and name are required.");
            }

            if (string.IsNullOrWhiteSpace(b.ShortCode) || !b.ShortCode.All(char.IsAsciiDigit))
            {
                errors.Add($"{where}: shortCode must be digits.");
            }

            if (!min.Success || !max.Success || min.Value > max.Value)
            {
                errors.Add($"{where}: minAmount and maxAmount must be amounts with minAmount <= maxAmount.");
                continue;
            }

            banks.Add(new Bank(b.Code?.Trim() ?? "", b.Name ?? "", b.ShortCode?.Trim() ?? "", min.Value, max.Value));
        }

        foreach (IGrouping<string, Bank> twice in banks.GroupBy(b => b.ShortCode).Where(g => g.Count() > 1))
        {
            errors.Add($"banks.json: short code {twice.Key} belongs to more than one bank.");
        }

        foreach (IGrouping<string, Bank> twice in banks.GroupBy(b => b.Code, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1))
        {
            errors.Add($"banks.json: bank code {twice.Key} appears more than once.");
        }

        return errors.Count > 0 ? throw new ConfigurationException(errors) : new BankDirectory(banks);
    }

    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    private sealed record BanksFile(BankFile[]? Banks);

    private sealed record BankFile(string? Code, string? Name, string? ShortCode, string? MinAmount, string? MaxAmount);
}
