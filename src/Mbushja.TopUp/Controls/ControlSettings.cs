using System.Text.Json;
using Mbushja.Domain;
using Mbushja.Sms;

namespace Mbushja.TopUp;

/// <summary>
/// A bank's velocity limits: top-ups accepted per sender and per target (a number or a service account) in a clock
/// minute and a clock hour. Null: no limit.
/// </summary>
public sealed record VelocityLimits(int? PerSenderPerMinute, int? PerSenderPerHour, int? PerTargetPerMinute, int? PerTargetPerHour)
{
    public static VelocityLimits None { get; } = new(null, null, null, null);
}

/// <summary>
/// A bank's caps that apply where a registration set none of its own (null: no cap): for the registration as a whole
/// and for each authorised person, per operator-local day and month.
/// </summary>
public sealed record DefaultCaps(Money? RegistrationDaily, Money? RegistrationMonthly, Money? AuthorizedDaily, Money? AuthorizedMonthly)
{
    public static DefaultCaps None { get; } = new(null, null, null, null);
}

/// <summary>One bank's controls on SMS Top Up (its <c>banks/CODE.json</c>: <c>"limits"</c>, <c>"velocity"</c>, <c>"simSwap"</c>).</summary>
public sealed record BankControls(DefaultCaps Caps, VelocityLimits Velocity, TimeSpan SimSwapCoolDown)
{
    /// <summary>The SIM-swap cool-down when a bank's file names none.</summary>
    public static readonly TimeSpan DefaultCoolDown = TimeSpan.FromHours(72);

    public static BankControls Default { get; } = new(DefaultCaps.None, VelocityLimits.None, DefaultCoolDown);
}

/// <summary>
/// The controls of every bank, read from the same files as the banks' grammars (docs/design/controls.md). Each object
/// is optional, so a bank file without them loads with no caps, no velocity limit and a 72 h SIM-swap cool-down.
/// </summary>
public sealed class ControlSettings
{
    private readonly Dictionary<string, BankControls> _byBank;

    public ControlSettings(IReadOnlyDictionary<string, BankControls> byBank) =>
        _byBank = new Dictionary<string, BankControls>(byBank, StringComparer.OrdinalIgnoreCase);

    /// <summary>No bank configured: every bank gets <see cref="BankControls.Default"/>.</summary>
    public static ControlSettings Default { get; } = new(new Dictionary<string, BankControls>());

    public BankControls For(string? bankCode) =>
        bankCode is not null && _byBank.TryGetValue(bankCode, out BankControls? controls) ? controls : BankControls.Default;

    /// <summary>Reads the controls of every <c>banks/*.json</c> of a configuration folder; every mistake is reported at once.</summary>
    public static ControlSettings Load(string directory)
    {
        string folder = Path.Combine(directory, BankDirectory.Folder);
        var errors = new List<string>();
        var byBank = new Dictionary<string, BankControls>(StringComparer.OrdinalIgnoreCase);
        string[] files = Directory.Exists(folder) ? Directory.GetFiles(folder, "*.json") : [];
        foreach (string path in files.Order(StringComparer.Ordinal))
        {
            string where = $"{BankDirectory.Folder}/{Path.GetFileName(path)}";
            try
            {
                using FileStream stream = File.OpenRead(path);
                if (JsonSerializer.Deserialize<ControlsFile>(stream, Options) is { } file)
                {
                    byBank[Path.GetFileNameWithoutExtension(path)] = Read(file, where, errors);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
            {
                errors.Add($"{where}: {e.Message}");
            }
        }

        return errors.Count > 0 ? throw new ConfigurationException(errors) : new ControlSettings(byBank);
    }

    private static BankControls Read(ControlsFile file, string where, List<string> errors)
    {
        Money? Amount(string? text, string name)
        {
            if (text is null)
            {
                return null;
            }

            ParseResult<Money> amount = Money.ParseAmount(text);
            if (!amount.Success)
            {
                errors.Add($"{where}: limits.{name}: {amount.Error.Message}");
                return null;
            }

            return amount.Value;
        }

        int? Count(int? value, string name)
        {
            if (value is < 1)
            {
                errors.Add($"{where}: velocity.{name} must be at least 1 (leave it out for no limit).");
            }

            return value;
        }

        LimitsFile limits = file.Limits ?? new LimitsFile(null, null, null, null);
        var caps = new DefaultCaps(
            Amount(limits.RegistrationDaily, "registrationDaily"),
            Amount(limits.RegistrationMonthly, "registrationMonthly"),
            Amount(limits.AuthorizedDaily, "authorizedDaily"),
            Amount(limits.AuthorizedMonthly, "authorizedMonthly"));
        VelocityFile velocity = file.Velocity ?? new VelocityFile(null, null, null, null);
        var limitsOfVelocity = new VelocityLimits(
            Count(velocity.PerSenderPerMinute, "perSenderPerMinute"),
            Count(velocity.PerSenderPerHour, "perSenderPerHour"),
            Count(velocity.PerTargetPerMinute, "perTargetPerMinute"),
            Count(velocity.PerTargetPerHour, "perTargetPerHour"));
        TimeSpan coolDown = BankControls.DefaultCoolDown;
        if (file.SimSwap?.CoolDownHours is { } hours)
        {
            if (hours is < 0 or > 24 * 90)
            {
                errors.Add($"{where}: simSwap.coolDownHours must be 0 to 2160.");
            }
            else
            {
                coolDown = TimeSpan.FromHours(hours);
            }
        }

        return new BankControls(caps, limitsOfVelocity, coolDown);
    }

    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    private sealed record ControlsFile(LimitsFile? Limits, VelocityFile? Velocity, SimSwapFile? SimSwap);

    private sealed record LimitsFile(string? RegistrationDaily, string? RegistrationMonthly, string? AuthorizedDaily, string? AuthorizedMonthly);

    private sealed record VelocityFile(int? PerSenderPerMinute, int? PerSenderPerHour, int? PerTargetPerMinute, int? PerTargetPerHour);

    private sealed record SimSwapFile(int? CoolDownHours);
}
