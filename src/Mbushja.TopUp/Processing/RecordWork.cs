using Mbushja.Storage.Commits;

namespace Mbushja.TopUp;

/// <summary>Work that commits beside a message's record, made of two: a confirmation's, and what the text changes (a renewal).</summary>
internal static class RecordWork
{
    /// <summary>Both, in order, the second only if the first did not refuse; either alone when the other is null.</summary>
    public static ICommitWork? Both(ICommitWork? first, ICommitWork? second) =>
        first is null ? second : second is null ? first : new Pair(first, second);

    private sealed class Pair(ICommitWork first, ICommitWork second) : ICommitWork
    {
        public bool Pipelined => first.Pipelined && second.Pipelined;

        public async Task<CommitRefusal?> ApplyAsync(CommitContext context, CancellationToken cancellationToken) =>
            await first.ApplyAsync(context, cancellationToken) ?? await second.ApplyAsync(context, cancellationToken);
    }
}
