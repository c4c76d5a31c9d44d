using System.Reflection;
using System.Xml.Linq;
using Mbushja.Testing;
using Microsoft.Extensions.Logging;

namespace Mbushja.Server.Tests;

/// <summary>
/// A log event id names one kind of line in the whole product: a search, a filter or an alert on an id finds that
/// line and no other, whichever project logs it.
/// </summary>
public sealed class LogEventIdsTests
{
    [Fact]
    public void EveryLoggerMessage_InEverySrcProject_HasAnEventIdOfItsOwn()
    {
        (string Where, int Id)[] messages = [.. ProductAssemblies().SelectMany(LoggerMessages)];

        string[] shared = [.. messages
            .GroupBy(m => m.Id)
            .Where(g => g.Count() > 1)
            .Select(g => $"{g.Key}: {string.Join(", ", g.Select(m => m.Where))}")];

        Assert.True(messages.Length > 50, $"only {messages.Length} [LoggerMessage] methods found");
        Assert.DoesNotContain(messages, m => m.Id <= 0);
        Assert.True(shared.Length == 0, "event ids used more than once:\n" + string.Join("\n", shared));
    }

    /// <summary>The assembly of every project under src/ (the server's tests carry them all).</summary>
    private static IEnumerable<Assembly> ProductAssemblies()
    {
        string[] projects = Directory.GetFiles(Path.Combine(RepoFolder.Root, "src"), "*.csproj", SearchOption.AllDirectories);
        Assert.NotEmpty(projects);
        foreach (string project in projects)
        {
            string? named = XDocument.Load(project).Descendants("AssemblyName").Select(e => e.Value).FirstOrDefault();
            yield return Assembly.Load(new AssemblyName(named ?? Path.GetFileNameWithoutExtension(project)));
        }
    }

    private static IEnumerable<(string Where, int Id)> LoggerMessages(Assembly assembly) =>
        from type in assembly.GetTypes()
        from method in type.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly)
        let message = method.GetCustomAttribute<LoggerMessageAttribute>()
        where message is not null
        select ($"{type.FullName}.{method.Name}", message.EventId);
}
