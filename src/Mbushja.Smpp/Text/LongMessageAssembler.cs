namespace Mbushja.Smpp.Text;

/// <summary>Limits of reassembly (immutable; <see cref="Default"/> unless configured).</summary>
public sealed record ReassemblyOptions
{
    public static ReassemblyOptions Default { get; } = new();

    /// <summary>How long the parts of a message are waited for, from its first part (default 5 minutes).</summary>
    public TimeSpan Timeout
    {
        get;
        init => field = value > TimeSpan.Zero ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "A timeout is positive.");
    } = TimeSpan.FromMinutes(5);

    /// <summary>The most messages waiting for parts at once; past it the oldest is given up (default 10,000).</summary>
    public int MaxPending
    {
        get;
        init => field = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "At least one.");
    } = 10_000;
}

/// <summary>What adding a part did.</summary>
public enum ReassemblyStatus
{
    /// <summary>The message is whole: a message on its own, or the last missing part of a long one.</summary>
    Complete,

    /// <summary>The part is kept; others are still missing.</summary>
    Pending,

    /// <summary>The part was already there (or its message is already complete): counted once, ignored now.</summary>
    Duplicate,
}

/// <summary>Why a long message was given up before all its parts came.</summary>
public enum AbandonReason
{
    /// <summary><see cref="ReassemblyOptions.Timeout"/> passed since its first part.</summary>
    TimedOut,

    /// <summary><see cref="ReassemblyOptions.MaxPending"/> messages were waiting, and this was the oldest.</summary>
    Evicted,
}

/// <summary>A whole message: its text joined from its parts in order.</summary>
public sealed record ReassembledMessage(SmppAddress Source, SmppAddress Destination, string Text, int Parts);

/// <summary>A long message given up, with what had come of it (the caller decides whether to act on a part).</summary>
public sealed record AbandonedMessage(
    SmppAddress Source, SmppAddress Destination, ConcatInfo Concat, IReadOnlyList<int> ReceivedParts, string PartialText, AbandonReason Reason);

/// <summary>The outcome of <see cref="LongMessageAssembler.Add"/>, and the messages given up meanwhile.</summary>
public sealed record ReassemblyResult(ReassemblyStatus Status, ReassembledMessage? Message, IReadOnlyList<AbandonedMessage> Abandoned);

/// <summary>
/// Joins the parts of long messages (3GPP TS 23.040 §9.2.3.24.1/.8, SMPP v3.4 §5.3.2.22–24) as they arrive, in any
/// order, on any bind: parts belong together when they share source, destination, reference scheme, reference and
/// total. A part that comes twice counts once, also after its message completed (within the timeout). Time comes
/// from a <see cref="TimeProvider"/>, and nothing runs by itself: every <see cref="Add"/> gives up what has timed out,
/// and so does <see cref="Sweep"/>, which a caller runs now and then. Thread-safe.
/// </summary>
public sealed class LongMessageAssembler(ReassemblyOptions? options = null, TimeProvider? time = null)
{
    private static readonly AbandonedMessage[] None = [];

    private readonly ReassemblyOptions _options = options ?? ReassemblyOptions.Default;
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly Lock _lock = new();

    // Waiting messages, oldest first (so the first is the next to time out and the one to evict).
    private readonly Dictionary<Key, LinkedListNode<Group>> _pending = [];
    private readonly LinkedList<Group> _pendingOrder = new();

    // Messages completed within the timeout, so that a late duplicate part is not taken for a new message.
    private readonly Dictionary<Key, DateTimeOffset> _completed = [];
    private readonly Queue<(Key Key, DateTimeOffset Until)> _completedOrder = new();

    /// <summary>Messages waiting for parts.</summary>
    public int Pending
    {
        get
        {
            lock (_lock)
            {
                return _pending.Count;
            }
        }
    }

    public ReassemblyResult Add(InboundPart part)
    {
        ArgumentNullException.ThrowIfNull(part);
        if (part.Concat is not { Total: > 1 } concat)
        {
            lock (_lock)
            {
                return new ReassemblyResult(ReassemblyStatus.Complete, new ReassembledMessage(part.Source, part.Destination, part.Text, 1), SweepLocked(_time.GetUtcNow()));
            }
        }

        var key = new Key(part.Source.Address ?? string.Empty, part.Destination.Address ?? string.Empty, concat.Scheme, concat.Reference, concat.Total);
        lock (_lock)
        {
            DateTimeOffset now = _time.GetUtcNow();
            List<AbandonedMessage>? abandoned = null;
            Collect(ref abandoned, SweepLocked(now));

            if (_completed.ContainsKey(key))
            {
                return new ReassemblyResult(ReassemblyStatus.Duplicate, null, Listed(abandoned));
            }

            if (!_pending.TryGetValue(key, out LinkedListNode<Group>? node))
            {
                if (_pending.Count >= _options.MaxPending)
                {
                    Group oldest = _pendingOrder.First!.Value;
                    Remove(oldest);
                    Collect(ref abandoned, [oldest.Abandon(AbandonReason.Evicted)]);
                }

                node = _pendingOrder.AddLast(new Group(key, part, now + _options.Timeout));
                _pending.Add(key, node);
            }

            Group group = node.Value;
            if (!group.TryAdd(part))
            {
                return new ReassemblyResult(ReassemblyStatus.Duplicate, null, Listed(abandoned));
            }

            if (!group.IsComplete)
            {
                return new ReassemblyResult(ReassemblyStatus.Pending, null, Listed(abandoned));
            }

            Remove(group);
            RememberCompleted(key, now + _options.Timeout);
            return new ReassemblyResult(ReassemblyStatus.Complete, group.Join(), Listed(abandoned));
        }
    }

    /// <summary>Gives up the messages whose timeout has passed, and forgets completed ones past theirs.</summary>
    public IReadOnlyList<AbandonedMessage> Sweep()
    {
        lock (_lock)
        {
            return SweepLocked(_time.GetUtcNow());
        }
    }

    private IReadOnlyList<AbandonedMessage> SweepLocked(DateTimeOffset now)
    {
        while (_completedOrder.TryPeek(out (Key Key, DateTimeOffset Until) done) && done.Until <= now)
        {
            _completedOrder.Dequeue();
            if (_completed.TryGetValue(done.Key, out DateTimeOffset until) && until == done.Until)
            {
                _completed.Remove(done.Key);
            }
        }

        List<AbandonedMessage>? abandoned = null;
        while (_pendingOrder.First is { } first && first.Value.Deadline <= now)
        {
            Remove(first.Value);
            (abandoned ??= []).Add(first.Value.Abandon(AbandonReason.TimedOut));
        }

        return Listed(abandoned);
    }

    private void Remove(Group group)
    {
        if (_pending.Remove(group.Key, out LinkedListNode<Group>? node))
        {
            _pendingOrder.Remove(node);
        }
    }

    private void RememberCompleted(Key key, DateTimeOffset until)
    {
        // Bounded like the pending messages: past the bound, the oldest memory goes first.
        while (_completed.Count >= _options.MaxPending && _completedOrder.TryDequeue(out (Key Key, DateTimeOffset Until) oldest))
        {
            _completed.Remove(oldest.Key);
        }

        _completed[key] = until;
        _completedOrder.Enqueue((key, until));
    }

    private static void Collect(ref List<AbandonedMessage>? into, IReadOnlyList<AbandonedMessage> more)
    {
        if (more.Count > 0)
        {
            (into ??= []).AddRange(more);
        }
    }

    private static IReadOnlyList<AbandonedMessage> Listed(List<AbandonedMessage>? list) => list is null ? None : list;

    private readonly record struct Key(string Source, string Destination, ConcatScheme Scheme, ushort Reference, byte Total);

    private sealed class Group(Key key, InboundPart first, DateTimeOffset deadline)
    {
        private readonly InboundPart?[] _parts = new InboundPart?[key.Total];
        private int _received;

        public Key Key { get; } = key;

        public DateTimeOffset Deadline { get; } = deadline;

        public bool IsComplete => _received == _parts.Length;

        public bool TryAdd(InboundPart part)
        {
            int index = part.Concat!.Value.Sequence - 1;
            if (_parts[index] is not null)
            {
                return false;
            }

            _parts[index] = part;
            _received++;
            return true;
        }

        public ReassembledMessage Join() => new(first.Source, first.Destination, Text(), _parts.Length);

        public AbandonedMessage Abandon(AbandonReason reason)
        {
            List<int> received = [];
            for (int i = 0; i < _parts.Length; i++)
            {
                if (_parts[i] is not null)
                {
                    received.Add(i + 1);
                }
            }

            return new AbandonedMessage(first.Source, first.Destination, first.Concat!.Value, received, Text(), reason);
        }

        // Parts of one coding are joined before decoding: an ESC or a surrogate pair split between two parts
        // still reads as one character.
        private string Text()
        {
            InboundPart[] parts = [.. _parts.OfType<InboundPart>()];
            if (parts.Any(p => p.Coding != parts[0].Coding))
            {
                return string.Concat(parts.Select(p => p.Text));
            }

            byte[] units = new byte[parts.Sum(p => p.Units.Length)];
            int offset = 0;
            foreach (InboundPart part in parts)
            {
                part.Units.Span.CopyTo(units.AsSpan(offset));
                offset += part.Units.Length;
            }

            return SmsText.Decode(parts[0].Coding, units);
        }
    }
}
