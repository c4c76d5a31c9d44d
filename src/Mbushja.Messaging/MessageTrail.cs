using System.Text.Json;
using Mbushja.Storage.Commits;

namespace Mbushja.Messaging;

/// <summary>A line to add to a message's trail; its detail is an object serialised as JSON (a string is stored as it is).</summary>
public sealed class TrailEntry(TrailKind kind, object detail)
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>The line's kind as stored (<see cref="TrailKind.Name"/>).</summary>
    public string Kind { get; } = kind.Name;

    /// <summary>The detail as stored, made with the line: not on the commit queue's writer, which every write waits for.</summary>
    public string Stored { get; } = detail as string ?? JsonSerializer.Serialize(detail, Options);
}

/// <summary>
/// Where the lines about a message's reply go (sent, tried again, a part accepted, a delivery receipt): the trail of
/// the message it answers, kept by the feature that owns that message (SMS Top Up). Lines for a message that keeps no
/// trail (a USSD receipt) are dropped.
/// </summary>
public interface IMessageTrail
{
    /// <summary>Adds the lines in <paramref name="context"/>'s commit.</summary>
    Task AppendAsync(CommitContext context, string messageId, IReadOnlyList<TrailEntry> lines, CancellationToken ct);
}
