namespace Mbushja.Testing;

/// <summary>
/// How long tests wait. A test waits for the event it expects (a signal, a log line, a state it polls), never for a
/// time after which it assumes the event came; a timeout is only there to end a test that hangs, so it is far longer
/// than anything takes on a busy machine (docs/design/deterministic-tests.md).
/// </summary>
public static class Timeouts
{
    /// <summary>After this long, what a test waits for is taken as never coming: a hang, not a slow machine.</summary>
    public static readonly TimeSpan Hang = TimeSpan.FromSeconds(90);
}
