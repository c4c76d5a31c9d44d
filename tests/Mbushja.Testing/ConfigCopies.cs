using System.Text.RegularExpressions;
using Mbushja.Domain;

namespace Mbushja.Testing;

/// <summary>
/// Copies of the shipped operator configuration for hosts whose tests are about something else than a control: the
/// banks' velocity limits (docs/design/controls.md) raised far above what a test sends from one number, so that a
/// console or lookup spec that tops up one number thirty times in a minute is not refused for it. Every top-up still
/// runs its controls.
/// </summary>
public static partial class ConfigCopies
{
    private static readonly Lazy<string> Unlimited = new(() => Copy(Path.Combine(Path.GetTempPath(), "mbushja-config-" + Guid.NewGuid().ToString("N"))));

    /// <summary>One such copy per test process, in a temporary folder.</summary>
    public static string WithoutVelocityLimits => Unlimited.Value;

    private static string Copy(string folder)
    {
        foreach (string file in Directory.GetFiles(OperatorConfig.DefaultDirectory, "*", SearchOption.AllDirectories))
        {
            string copy = Path.Combine(folder, Path.GetRelativePath(OperatorConfig.DefaultDirectory, file));
            Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
            string text = File.ReadAllText(file);
            if (Path.GetFileName(Path.GetDirectoryName(file)) == "banks")
            {
                text = Velocity().Replace(
                    text,
                    "\"velocity\": { \"perSenderPerMinute\": 1000000, \"perSenderPerHour\": 1000000, \"perTargetPerMinute\": 1000000, \"perTargetPerHour\": 1000000 }");
            }

            File.WriteAllText(copy, text);
        }

        return folder;
    }

    [GeneratedRegex("\"velocity\": \\{[^}]*\\}")]
    private static partial Regex Velocity();
}
