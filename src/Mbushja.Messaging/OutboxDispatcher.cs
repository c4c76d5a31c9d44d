using Mbushja.Domain;
using Microsoft.Extensions.Logging;

namespace Mbushja.Messaging;

/// <summary>A reply on its way out: to the subscriber, from the short code the message was sent to.</summary>
public sealed record OutboundSms(string TransactionId, string Recipient, string Sender, string Text);

/// <summary>What the outbound gateway said: accepted (the SMSC has it now), or not, with a detail for the trail.</summary>
public sealed record SendOutcome(bool Accepted, string Detail)
{
    public static SendOutcome Accept(string detail) => new(true, detail);

    public static SendOutcome Refuse(string detail) => new(false, detail);
}

/// <summary>
/// Sends a reply through the operator's SMS gateway (Kannel sendsms; SMPP later). Answers every failure with a
/// refused <see cref="SendOutcome"/> rather than an exception: the outbox decides when to try again.
/// </summary>
public interface IOutboundSmsGateway
{
    /// <summary>A short name for logs and the trail (<c>kannel</c>).</summary>
    string Name { get; }

    Task<SendOutcome> SendAsync(OutboundSms sms, CancellationToken cancellationToken);

    /// <summary>
    /// False while this server cannot send at all and others can (its SMPP binds are held by other servers): the replies
    /// are left to those, instead of being claimed here only to fail an attempt.
    /// </summary>
    bool CanSend => true;
}

/// <summary>How the outbox sends: attempts, back-off, leases.</summary>
public sealed record OutboxOptions
{
    public static OutboxOptions Default { get; } = new();

    /// <summary>Attempts before a reply is given up as failed.</summary>
    public int MaxAttempts { get; init; } = 10;

    /// <summary>The wait after the first failed attempt; it doubles with each further one, up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan FirstRetryDelay { get; init; } = TimeSpan.FromSeconds(5);

    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>How long a worker owns a reply it is sending; well beyond the gateway's own time-out.</summary>
    public TimeSpan Lease { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// How often due replies are looked for when there was nothing to send. A reply waits for the next look, so this is
    /// the latency a subscriber adds to an SMPP or Kannel reply; an idle look is one probe of a small partial index.
    /// </summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Replies read per round.</summary>
    public int Batch { get; init; } = 100;

    /// <summary>
    /// Replies sent at once: enough to keep every SMPP bind's window (10 by default) busy while each reply's claim and
    /// mark wait for the disk.
    /// </summary>
    public int Parallelism { get; init; } = 16;

    /// <summary>The wait after attempt number <paramref name="attempts"/> failed.</summary>
    public TimeSpan RetryDelay(int attempts)
    {
        double factor = Math.Pow(2, Math.Clamp(attempts - 1, 0, 30));
        TimeSpan delay = FirstRetryDelay * factor;
        return delay < MaxRetryDelay ? delay : MaxRetryDelay;
    }
}

/// <summary>
/// Sends the pending replies of the outbox through the outbound gateway, each exactly once as far as this side can
/// tell: a reply is claimed (a conditional update that leases it) before it is sent, marked sent once the gateway
/// accepts it, and otherwise tried again later (<c>next_at</c>, doubling) until <see cref="OutboxOptions.MaxAttempts"/>.
/// A worker that dies between the gateway's acceptance and the mark leaves the reply to be sent again after its lease:
/// the one case of a second copy, and the reason the lease is long.
/// </summary>
public sealed partial class OutboxDispatcher(
    SmsOutbox outbox, IOutboundSmsGateway gateway, OutboxOptions options, TimeProvider time, ILogger<OutboxDispatcher> logger)
{
    /// <summary>The longest gateway answer kept in the trail and the logs.</summary>
    private const int MaxDetail = 200;

    public IOutboundSmsGateway Gateway => gateway;

    /// <summary>Sends (or gives up on) the replies due now; returns how many this worker handled.</summary>
    public async Task<int> DispatchDueAsync(CancellationToken ct = default)
    {
        if (!gateway.CanSend)
        {
            return 0;
        }

        List<OutboxMessage> due = await outbox.DueAsync(time.GetUtcNow(), options.Batch, ct);
        int handled = 0;
        await Parallel.ForEachAsync(
            due,
            new ParallelOptions { MaxDegreeOfParallelism = options.Parallelism, CancellationToken = ct },
            async (row, token) =>
            {
                if (await DispatchAsync(row, token))
                {
                    Interlocked.Increment(ref handled);
                }
            });
        return handled;
    }

    private async Task<bool> DispatchAsync(OutboxMessage due, CancellationToken ct)
    {
        if (due.Attempts >= options.MaxAttempts)
        {
            // The last attempt's worker died before it heard the gateway: nothing more is tried.
            if (await outbox.FailAsync(due, [Trail(TrailKind.ReplyFailed, due.Attempts, "the last attempt did not finish")], CancellationToken.None))
            {
                LogGaveUp(logger, due.TransactionId, Numbering.Mask(due.Recipient), due.Attempts, new LogText("the last attempt did not finish"));
            }

            return true;
        }

        if (await outbox.ClaimAsync(due, time.GetUtcNow() + options.Lease, ct) is not { } claimed)
        {
            return false;
        }

        SendOutcome outcome;
        try
        {
            outcome = await gateway.SendAsync(new OutboundSms(claimed.TransactionId, claimed.Recipient, claimed.Sender, claimed.Text), ct);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            outcome = SendOutcome.Refuse($"{e.GetType().Name}: {e.Message}");
        }

        string detail = Shorten(outcome.Detail);
        string masked = Numbering.Mask(claimed.Recipient);
        // What the gateway said is recorded even when the server is stopping: a sent reply must not be sent again.
        if (outcome.Accepted)
        {
            await outbox.SentAsync(claimed, [Trail(TrailKind.ReplySent, claimed.Attempts, detail)], CancellationToken.None);
            LogSent(logger, claimed.TransactionId, masked, gateway.Name, claimed.Attempts);
        }
        else if (claimed.Attempts >= options.MaxAttempts)
        {
            if (await outbox.FailAsync(claimed, [Trail(TrailKind.ReplyFailed, claimed.Attempts, detail)], CancellationToken.None))
            {
                LogGaveUp(logger, claimed.TransactionId, masked, claimed.Attempts, new LogText(detail));
            }
        }
        else
        {
            TimeSpan wait = options.RetryDelay(claimed.Attempts);
            if (await outbox.RetryAsync(claimed, time.GetUtcNow() + wait, [Trail(TrailKind.ReplyRetry, claimed.Attempts, detail)], CancellationToken.None))
            {
                LogRetry(logger, claimed.TransactionId, masked, gateway.Name, claimed.Attempts, new LogText(detail), wait);
            }
        }

        return true;
    }

    private TrailEntry Trail(TrailKind kind, int attempt, string detail) => new(kind, new { gateway = gateway.Name, attempt, answer = detail });

    private static string Shorten(string detail)
    {
        string line = detail.ReplaceLineEndings(" ").Trim();
        return line.Length <= MaxDetail ? line : line[..MaxDetail] + "…";
    }

    [LoggerMessage(EventId = 3201, Level = LogLevel.Information, Message = "Reply to SMS {Id} sent to {Recipient} through {Gateway} (attempt {Attempt})")]
    private static partial void LogSent(ILogger logger, string id, string recipient, string gateway, int attempt);

    [LoggerMessage(EventId = 3202, Level = LogLevel.Warning, Message = "Reply to SMS {Id} for {Recipient}: {Gateway} refused attempt {Attempt} ({Detail}); trying again in {Wait}")]
    private static partial void LogRetry(ILogger logger, string id, string recipient, string gateway, int attempt, LogText detail, TimeSpan wait);

    [LoggerMessage(EventId = 3203, Level = LogLevel.Error, Message = "Reply to SMS {Id} for {Recipient} given up after {Attempts} attempts ({Detail})")]
    private static partial void LogGaveUp(ILogger logger, string id, string recipient, int attempts, LogText detail);
}
