using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Mbushja.Domain;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace Mbushja.Banks.Connector;

/// <summary>
/// The bank connector over HTTP (docs/bank-connector.openapi.yaml). One pooled <see cref="HttpClient"/> for every
/// bank; each attempt is signed afresh and bounded by <see cref="BankConnectorOptions.AttemptTimeout"/>; transport
/// errors, timeouts, 5xx, 408, 429 and answers that are unsigned, badly signed or malformed are retried with
/// jittered exponential backoff (every operation is idempotent by hold id). What is still unanswered then is
/// <see cref="BankCall.NoAnswer"/>: this class never throws for a bank's fault, only for the caller's cancellation.
/// </summary>
public sealed partial class HttpBankConnector : IBankConnector, IDisposable
{
    private static readonly ResiliencePropertyKey<Call> CallKey = new("mbushja.bank-call");
    private static readonly MediaTypeHeaderValue Json = new("application/json");

    private readonly HttpClient _http;
    private readonly Func<string, BankEndpoint?> _endpointOf;
    private readonly ResiliencePipeline<Attempt> _pipeline;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    /// <summary>A connector for a fixed list of banks.</summary>
    public HttpBankConnector(
        IEnumerable<BankEndpoint> endpoints, BankConnectorOptions? options = null, TimeProvider? time = null, ILogger<HttpBankConnector>? logger = null)
        : this(Lookup(endpoints), options, time, logger)
    {
    }

    /// <summary>
    /// A connector that asks <paramref name="endpointOf"/> for a bank's endpoint at each call (null: not configured),
    /// for endpoints known only once the process runs, such as the sandbox bank on the server's own port.
    /// </summary>
    public HttpBankConnector(
        Func<string, BankEndpoint?> endpointOf, BankConnectorOptions? options = null, TimeProvider? time = null, ILogger<HttpBankConnector>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(endpointOf);
        Options = options ?? BankConnectorOptions.Default;
        ArgumentOutOfRangeException.ThrowIfLessThan(Options.MaxAttempts, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(Options.AttemptTimeout, TimeSpan.Zero, nameof(options));
        _endpointOf = endpointOf;
        _time = time ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        var handler = new SocketsHttpHandler
        {
            // Keep-alive connections, renewed now and then so a bank's DNS change is seen.
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
            MaxConnectionsPerServer = Options.MaxConnectionsPerBank,
            ConnectTimeout = Options.AttemptTimeout,
            AllowAutoRedirect = false,
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.None,
            // The platform's trace ids are its own: no traceparent or baggage goes to a bank.
            ActivityHeadersPropagator = DistributedContextPropagator.CreateNoOutputPropagator(),
        };
        // Timeouts are the pipeline's, per attempt; the buffer limit turns an endless answer into a transport error.
        _http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan, MaxResponseContentBufferSize = Options.MaxAnswerBytes };
        _pipeline = BuildPipeline(Options, _time);
    }

    public BankConnectorOptions Options { get; }

    public Task<BankCall> HoldAsync(string bankCode, HoldRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        CheckHoldId(request.HoldId);
        CheckMovement(request.Amount, request.AccountRef, request.Reference);

        byte[] body = JsonSerializer.SerializeToUtf8Bytes(
            new HoldRequestBody(request.HoldId, request.AccountRef, request.Amount.Cents, BankWire.Currency, request.Reference), BankWireJson.Default.HoldRequestBody);
        LogHold(bankCode, request.HoldId, new MaskedAccount(request.AccountRef), request.Amount.Cents);
        return CallAsync(bankCode, BankOperation.Hold, HttpMethod.Post, BankWire.HoldsPath, body, request.HoldId, cancellationToken);
    }

    public Task<BankCall> CaptureAsync(string bankCode, string holdId, CancellationToken cancellationToken = default)
    {
        CheckHoldId(holdId);
        return CallAsync(bankCode, BankOperation.Capture, HttpMethod.Post, BankWire.CapturePath(holdId), [], holdId, cancellationToken);
    }

    public Task<BankCall> VoidAsync(string bankCode, string holdId, CancellationToken cancellationToken = default)
    {
        CheckHoldId(holdId);
        return CallAsync(bankCode, BankOperation.Void, HttpMethod.Post, BankWire.VoidPath(holdId), [], holdId, cancellationToken);
    }

    public Task<BankCall> StatusAsync(string bankCode, string holdId, CancellationToken cancellationToken = default)
    {
        CheckHoldId(holdId);
        return CallAsync(bankCode, BankOperation.Status, HttpMethod.Get, BankWire.HoldPath(holdId), null, holdId, cancellationToken);
    }

    public Task<RefundCall> RefundAsync(string bankCode, RefundRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        CheckHoldId(request.RefundId);
        CheckHoldId(request.HoldId);
        CheckMovement(request.Amount, request.AccountRef, request.Reference);

        byte[] body = JsonSerializer.SerializeToUtf8Bytes(
            new RefundRequestBody(request.RefundId, request.HoldId, request.AccountRef, request.Amount.Cents, BankWire.Currency, request.Reference),
            BankWireJson.Default.RefundRequestBody);
        LogRefund(bankCode, request.RefundId, request.HoldId, new MaskedAccount(request.AccountRef), request.Amount.Cents);
        return RefundCallAsync(bankCode, BankOperation.Refund, HttpMethod.Post, BankWire.RefundsPath, body, request.RefundId, cancellationToken);
    }

    public Task<RefundCall> RefundStatusAsync(string bankCode, string refundId, CancellationToken cancellationToken = default)
    {
        CheckHoldId(refundId);
        return RefundCallAsync(bankCode, BankOperation.RefundStatus, HttpMethod.Get, BankWire.RefundPath(refundId), null, refundId, cancellationToken);
    }

    public void Dispose() => _http.Dispose();

    /// <summary>An account reference for logs: the first 4 and last 4 characters, spaces dropped (<c>XK05************8906</c>).</summary>
    public static string MaskAccount(string accountRef)
    {
        string compact = accountRef.Replace(" ", "", StringComparison.Ordinal);
        return compact.Length <= 8
            ? new string('*', compact.Length)
            : string.Concat(compact.AsSpan(0, 4), new string('*', compact.Length - 8), compact.AsSpan(compact.Length - 4));
    }

    private async Task<BankCall> CallAsync(
        string bankCode, BankOperation operation, HttpMethod method, string path, byte[]? body, string holdId, CancellationToken cancellationToken)
    {
        (object? answer, string failure, int attempts) = await SendAsync(bankCode, operation, method, path, body, holdId, cancellationToken);
        if (answer is BankReply reply)
        {
            LogAnswer(bankCode, operation, holdId, reply.Status, new LogText(reply.Code), attempts);
            BankMetrics.Call(bankCode, operation.ToString(), reply.Status.ToWire());
            return BankCall.Answer(reply, attempts);
        }

        BankMetrics.Call(bankCode, operation.ToString(), BankMetrics.NoAnswer);
        return BankCall.NoAnswer(failure, attempts);
    }

    private async Task<RefundCall> RefundCallAsync(
        string bankCode, BankOperation operation, HttpMethod method, string path, byte[]? body, string refundId, CancellationToken cancellationToken)
    {
        (object? answer, string failure, int attempts) = await SendAsync(bankCode, operation, method, path, body, refundId, cancellationToken);
        if (answer is RefundReply reply)
        {
            LogRefundAnswer(bankCode, operation, refundId, reply.Status, new LogText(reply.Code), attempts);
            BankMetrics.Call(bankCode, operation.ToString(), reply.Status.ToWire());
            return new RefundCall(reply, null, attempts);
        }

        BankMetrics.Call(bankCode, operation.ToString(), BankMetrics.NoAnswer);
        return new RefundCall(null, failure, attempts);
    }

    /// <summary>One call across its attempts: the answer read (a <see cref="BankReply"/> or <see cref="RefundReply"/>), or why none came.</summary>
    private async Task<(object? Answer, string Failure, int Attempts)> SendAsync(
        string bankCode, BankOperation operation, HttpMethod method, string path, byte[]? body, string id, CancellationToken cancellationToken)
    {
        if (_endpointOf(bankCode) is not { } endpoint)
        {
            LogNoEndpoint(bankCode);
            return (null, $"No endpoint is configured for bank {bankCode}.", 0);
        }

        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        var call = new Call(endpoint, operation, method, new Uri(endpoint.BaseUrl, path), body, id);
        ResilienceContext context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(CallKey, call);
        try
        {
            Attempt last = await _pipeline.ExecuteAsync(static (ctx, state) => state.Owner.AttemptAsync(state.Call, ctx.CancellationToken), context, (Owner: this, Call: call));
            return last.Reply is { } answer ? (answer, "", call.Attempts) : (null, NoAnswer(call, last.Failure ?? "no answer"), call.Attempts);
        }
        catch (TimeoutRejectedException)
        {
            return (null, NoAnswer(call, $"no answer within {Options.AttemptTimeout.TotalMilliseconds:0} ms"), call.Attempts);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
            BankMetrics.Duration(endpoint.Code, operation.ToString(), started);
        }
    }

    /// <summary>One signed request and the reading of its answer. Transport faults come back as a retryable attempt.</summary>
    private async ValueTask<Attempt> AttemptAsync(Call call, CancellationToken cancellationToken)
    {
        call.Attempts++;
        long timestamp = _time.GetUtcNow().ToUnixTimeSeconds();
        string pathAndQuery = call.Uri.PathAndQuery;
        using var request = new HttpRequestMessage(call.Method, call.Uri);
        request.Headers.TryAddWithoutValidation(BankSignature.TimestampHeader, timestamp.ToString(CultureInfo.InvariantCulture));
        request.Headers.TryAddWithoutValidation(
            BankSignature.SignatureHeader, BankSignature.Sign(call.Endpoint.Key, call.Method.Method, pathAndQuery, timestamp, call.Body ?? []));
        if (call.Body is not null)
        {
            request.Content = new ByteArrayContent(call.Body);
            request.Content.Headers.ContentType = Json;
        }

        HttpResponseMessage response;
        byte[] answer;
        try
        {
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
        }
        catch (HttpRequestException e)
        {
            return Attempt.Retry($"transport error ({e.HttpRequestError})");
        }

        using (response)
        {
            int status = (int)response.StatusCode;
            if (status >= 500 || status is 408 or 429)
            {
                return Attempt.Retry($"HTTP {status}");
            }

            try
            {
                answer = await response.Content.ReadAsByteArrayAsync(cancellationToken);
            }
            catch (Exception e) when (e is HttpRequestException or IOException)
            {
                return Attempt.Retry("the answer was cut short");
            }

            if (status is not (200 or 404 or 409))
            {
                // A refusal (400, 401, 403, ...): asking again the same way will not help.
                return Attempt.Final($"HTTP {status}{ProblemCode(answer)}");
            }

            SignatureCheck check = BankSignature.Verify(
                call.Endpoint.Key,
                call.Method.Method,
                pathAndQuery,
                Header(response, BankSignature.TimestampHeader),
                Header(response, BankSignature.SignatureHeader),
                answer,
                _time.GetUtcNow());
            if (check != SignatureCheck.Valid)
            {
                return Attempt.Retry(check switch
                {
                    SignatureCheck.Missing => "unsigned answer",
                    SignatureCheck.OutOfWindow => "answer signed outside the replay window",
                    _ => "badly signed answer",
                });
            }

            return Read(call, status, answer);
        }
    }

    /// <summary>A signed answer's body: a hold's or a refund's, as the call asked.</summary>
    private static Attempt Read(Call call, int httpStatus, byte[] answer) => call.Operation is BankOperation.Refund or BankOperation.RefundStatus
        ? Read(call, httpStatus, answer, BankWireJson.Default.RefundAnswerBody, "refund", b => (b.RefundId, b.Status), b =>
            BankWire.ParseRefundStatus(b.Status) is { } status ? (new RefundReply(status, b.Code, b.Message), status == RefundStatus.NotFound) : null)
        : Read(call, httpStatus, answer, BankWireJson.Default.HoldAnswerBody, "hold", b => (b.HoldId, b.Status), b =>
            BankWire.ParseStatus(b.Status) is { } status
                ? (new BankReply(status, b.Code, b.Message) { Amount = b.AmountCents is { } cents ? Money.FromCents(cents) : null }, status == HoldStatus.NotFound)
                : null);

    /// <summary>
    /// An answer about the hold or refund the call is about, with a known status word that fits the HTTP status
    /// (<c>notFound</c> exactly with 404); anything else is malformed, and asked again.
    /// </summary>
    private static Attempt Read<TBody>(
        Call call, int httpStatus, byte[] answer, JsonTypeInfo<TBody> type, string what, Func<TBody, (string? Id, string? Status)> head, Func<TBody, (object Reply, bool NotFound)?> parse)
        where TBody : class
    {
        TBody? body;
        try
        {
            body = JsonSerializer.Deserialize(answer, type);
        }
        catch (JsonException)
        {
            return Attempt.Retry("malformed answer (not JSON)");
        }

        if (body is null || head(body).Id is not { } id || !string.Equals(id, call.Id, StringComparison.Ordinal))
        {
            return Attempt.Retry($"malformed answer (not about this {what})");
        }

        if (parse(body) is not { } read || read.NotFound != (httpStatus == 404))
        {
            return Attempt.Retry($"malformed answer (status '{head(body).Status}' with HTTP {httpStatus})");
        }

        return Attempt.Answer(read.Reply);
    }

    private string NoAnswer(Call call, string failure)
    {
        LogNoAnswer(call.Endpoint.Code, call.Operation, call.Id, call.Attempts, new LogText(failure));
        return failure;
    }

    private ResiliencePipeline<Attempt> BuildPipeline(BankConnectorOptions options, TimeProvider time)
    {
        var builder = new ResiliencePipelineBuilder<Attempt> { TimeProvider = time };
        if (options.MaxAttempts > 1)
        {
            builder.AddRetry(new RetryStrategyOptions<Attempt>
            {
                MaxRetryAttempts = options.MaxAttempts - 1,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.RetryDelay,
                MaxDelay = options.MaxRetryDelay,
                ShouldHandle = static args => ValueTask.FromResult(args.Outcome.Exception is null
                    ? args.Outcome.Result.Retryable
                    : args.Outcome.Exception is TimeoutRejectedException),
                OnRetry = args =>
                {
                    if (args.Context.Properties.TryGetValue(CallKey, out Call? call))
                    {
                        string reason = args.Outcome.Exception is null
                            ? args.Outcome.Result.Failure ?? "no answer"
                            : $"no answer within {options.AttemptTimeout.TotalMilliseconds:0} ms";
                        LogRetry(call.Endpoint.Code, call.Operation, call.Id, call.Attempts, new LogText(reason), args.RetryDelay.TotalMilliseconds);
                    }

                    return default;
                },
            });
        }

        builder.AddTimeout(options.AttemptTimeout);
        return builder.Build();
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.NonValidated.TryGetValues(name, out HeaderStringValues values) ? values.ToString() : null;

    /// <summary>The <c>code</c> of a problem body, for the failure text (best effort).</summary>
    private static string ProblemCode(byte[] answer)
    {
        try
        {
            BankProblemBody? problem = JsonSerializer.Deserialize(answer, BankWireJson.Default.BankProblemBody);
            return problem?.Code is { Length: > 0 and <= 64 } code ? $" {code}" : "";
        }
        catch (JsonException)
        {
            return "";
        }
    }

    /// <summary>What a hold and a refund both carry: a positive amount, an account reference and a statement text that fit the wire.</summary>
    private static void CheckMovement(Money amount, string accountRef, string reference)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(amount, Money.Zero);
        if (string.IsNullOrWhiteSpace(accountRef) || accountRef.Length > BankWire.MaxAccountRefLength)
        {
            throw new ArgumentException($"The account reference must have 1 to {BankWire.MaxAccountRefLength} characters.", nameof(accountRef));
        }

        if (reference.Length > BankWire.MaxReferenceLength)
        {
            throw new ArgumentException($"The reference must have at most {BankWire.MaxReferenceLength} characters.", nameof(reference));
        }
    }

    private static void CheckHoldId(string holdId)
    {
        if (!BankWire.IsValidHoldId(holdId))
        {
            throw new ArgumentException($"A hold id has 1 to {BankWire.MaxHoldIdLength} characters among A-Z, a-z, 0-9, '-' and '_'.", nameof(holdId));
        }
    }

    private static Func<string, BankEndpoint?> Lookup(IEnumerable<BankEndpoint> endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        Dictionary<string, BankEndpoint> byCode = endpoints.ToDictionary(e => e.Code, StringComparer.OrdinalIgnoreCase);
        return code => byCode.GetValueOrDefault(code);
    }

    [LoggerMessage(EventId = 4101, Level = LogLevel.Debug, Message = "Bank {Bank}: hold {HoldId} asked on account {Account} for {AmountCents} cents")]
    private partial void LogHold(string bank, string holdId, MaskedAccount account, long amountCents);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Debug, Message = "Bank {Bank}: {Operation} of hold {HoldId} answered {Status} {Code} after {Attempts} attempt(s)")]
    private partial void LogAnswer(string bank, BankOperation operation, string holdId, HoldStatus status, LogText code, int attempts);

    [LoggerMessage(EventId = 4103, Level = LogLevel.Information, Message = "Bank {Bank}: {Operation} of hold {HoldId}, attempt {Attempt} failed ({Reason}); retrying in {DelayMs:0} ms")]
    private partial void LogRetry(string bank, BankOperation operation, string holdId, int attempt, LogText reason, double delayMs);

    [LoggerMessage(EventId = 4104, Level = LogLevel.Warning, Message = "Bank {Bank}: {Operation} of hold {HoldId} has no answer after {Attempts} attempt(s): {Failure}")]
    private partial void LogNoAnswer(string bank, BankOperation operation, string holdId, int attempts, LogText failure);

    [LoggerMessage(EventId = 4106, Level = LogLevel.Information, Message = "Bank {Bank}: refund {RefundId} of hold {HoldId} asked to account {Account} for {AmountCents} cents")]
    private partial void LogRefund(string bank, string refundId, string holdId, MaskedAccount account, long amountCents);

    [LoggerMessage(EventId = 4107, Level = LogLevel.Information, Message = "Bank {Bank}: {Operation} {RefundId} answered {Status} {Code} after {Attempts} attempt(s)")]
    private partial void LogRefundAnswer(string bank, BankOperation operation, string refundId, RefundStatus status, LogText code, int attempts);

    [LoggerMessage(EventId = 4105, Level = LogLevel.Error, Message = "Bank {Bank}: no endpoint is configured")]
    private partial void LogNoEndpoint(string bank);

    /// <summary>An account reference that logs itself masked, and only when the log line is written.</summary>
    private readonly struct MaskedAccount(string value)
    {
        public override string ToString() => MaskAccount(value);
    }

    /// <summary>One call across its attempts. Attempts run one after another, so the counter needs no lock.</summary>
    private sealed class Call(BankEndpoint endpoint, BankOperation operation, HttpMethod method, Uri uri, byte[]? body, string id)
    {
        public BankEndpoint Endpoint { get; } = endpoint;

        public BankOperation Operation { get; } = operation;

        public HttpMethod Method { get; } = method;

        public Uri Uri { get; } = uri;

        public byte[]? Body { get; } = body;

        /// <summary>The hold id, or the refund id for a refund call.</summary>
        public string Id { get; } = id;

        public int Attempts { get; set; }
    }

    /// <summary>What one attempt got: the bank's answer, or a failure worth retrying or not.</summary>
    private readonly record struct Attempt(object? Reply, string? Failure, bool Retryable)
    {
        public static Attempt Answer(object reply) => new(reply, null, false);

        public static Attempt Retry(string failure) => new(null, failure, true);

        public static Attempt Final(string failure) => new(null, failure, false);
    }
}
