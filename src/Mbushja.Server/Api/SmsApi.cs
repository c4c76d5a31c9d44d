using Mbushja.Domain;
using Mbushja.Http;
using Mbushja.Server.Http;
using Mbushja.TopUp;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Primitives;

namespace Mbushja.Server.Api;

public sealed record InboundSmsRequest(string? From, string? To, string? Text, string? MessageId = null);

/// <summary>The JSON endpoint's answer (SPEC section 5), and whether its reply went out separately.</summary>
/// <param name="Reply">The reply for the gateway to send back; empty when it leaves (or left) separately.</param>
/// <param name="ReplySent">
/// <c>"separately"</c> when the reply is not in this answer because it goes (or went) out through the outbound gateway
/// (the answer to a repeat of a message whose reply was already on its way); absent otherwise.
/// </param>
public sealed record InboundSmsResponse(
    string Status,
    string? Code,
    string? TransactionId,
    string Reply,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] string? ReplySent = null)
{
    /// <summary>The value of <see cref="ReplySent"/> when the reply leaves through the outbound gateway.</summary>
    public const string Separately = "separately";

    public static InboundSmsResponse From(TopUpResult r) => r.Delivery == ReplyDelivery.InAnswer
        ? new(r.Status.ToWire(), r.Code, r.TransactionId.Value, r.Reply)
        : new(r.Status.ToWire(), r.Code, r.TransactionId.Value, "", Separately);
}

/// <summary>
/// The gateway endpoints for inbound SMS (README "SMS gateways"): the JSON endpoint and a Kannel-compatible
/// sms-service. Both answer only after the message is durably recorded, and carry the reply back to the gateway.
/// </summary>
public static class SmsApi
{
    public const int MaxAddressLength = 32;
    public const int MaxTextLength = 1600;
    public const int MaxMessageIdLength = 128;
    /// <param name="kannelReplyVia">
    /// How the sms-service endpoint returns the reply: as its response body (Kannel sends it back), or an empty body
    /// with the reply left to the outbox and Kannel's sendsms (configure the sms-service with <c>omit-empty = true</c>).
    /// </param>
    public static IEndpointRouteBuilder MapSmsGateway(this IEndpointRouteBuilder app, GatewayAccess access, ReplyRoute kannelReplyVia = ReplyRoute.Response)
    {
        RouteGroupBuilder gateway = app.MapGroup("").AddEndpointFilter(new GatewayAccessFilter(access));
        gateway.MapPost("/api/v1/sms/inbound", InboundAsync)
            .Accepts<InboundSmsRequest>("application/json")
            .WithSummary("An SMS to a bank's short code: tops up, and answers with the reply to send back (or replySent: \"separately\").")
            .WithDescription(
                "The same messageId again returns the first result (same transactionId) and charges nothing more. Exactly one reply "
                + "reaches the subscriber: when a repeat comes after the reply went out through the outbound gateway (Kannel's sendsms, "
                + "SMPP), the answer's reply is empty and replySent is \"separately\"; send nothing then. A repeat of a message still being "
                + "finished waits a few seconds, then gets 503 STILL_PROCESSING with Retry-After.");
        gateway.MapMethods(
                "/kannel/sms-service",
                ["GET", "POST"],
                (HttpRequest request, TopUpProcessor processor, CancellationToken ct) => KannelAsync(request, processor, kannelReplyVia, ct))
            .WithSummary(kannelReplyVia == ReplyRoute.Response
                ? "Kannel sms-service: sender, receiver, text (and id) as query or form parameters; the reply is the response body "
                    + "(empty when a repeat of the message comes after its reply went out through sendsms)."
                : "Kannel sms-service: sender, receiver, text (and id) as query or form parameters; an empty body, the reply follows through sendsms.")
            .WithDescription("Kannel get-url example: http://127.0.0.1:8080/kannel/sms-service?from=%p&to=%P&text=%a&id=%I");
        return app;
    }

    private static async Task<Results<Ok<InboundSmsResponse>, ProblemHttpResult>> InboundAsync(
        HttpRequest request, TopUpProcessor processor, CancellationToken ct)
    {
        (InboundSmsRequest? body, ProblemHttpResult? problem) = await JsonBody.ReadAsync<InboundSmsRequest>(request);
        if (problem is not null)
        {
            return problem;
        }

        if (Check(body!.From, body.To, body.Text, body.MessageId) is { } invalid)
        {
            return invalid;
        }

        try
        {
            TopUpResult result = await processor.ProcessAsync(new InboundSms(body.From, body.To, body.Text, body.MessageId), ct);
            return TypedResults.Ok(InboundSmsResponse.From(result));
        }
        catch (TimeoutException e)
        {
            return StillProcessing(request, e);
        }
    }

    /// <summary>Kannel's names and ours: <c>from</c>/<c>sender</c>, <c>to</c>/<c>receiver</c>, <c>text</c>, <c>id</c>/<c>messageId</c>.</summary>
    private static async Task<IResult> KannelAsync(HttpRequest request, TopUpProcessor processor, ReplyRoute replyVia, CancellationToken ct)
    {
        IFormCollection? form = null;
        if (request.HasFormContentType)
        {
            try
            {
                form = await request.ReadFormAsync(ct);
            }
            catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
            {
                return Problems.Of(StatusCodes.Status413PayloadTooLarge, ErrorCodes.BodyTooLarge, "The body is too large.");
            }
            catch (Exception e) when (e is InvalidDataException or IOException)
            {
                // Over the form limits, or a multipart body that breaks off: the request is malformed.
                return Problems.BadRequest(ErrorCodes.MalformedBody, $"The form cannot be read: {e.Message}");
            }
        }

        // A field given twice (twice in the query, twice in the form, or in both) is malformed, as on POST /ussd.
        string? twice = null;
        string? Get(params string[] names)
        {
            string? found = null;
            foreach (string name in names)
            {
                StringValues inQuery = request.Query[name];
                StringValues inForm = form?[name] ?? StringValues.Empty;
                if (inQuery.Count + inForm.Count > 1)
                {
                    twice ??= name;
                }

                found ??= inQuery.Count > 0 ? inQuery[0] : inForm.Count > 0 ? inForm[0] : null;
            }

            return found;
        }

        string? from = Get("from", "sender");
        string? to = Get("to", "receiver");
        string text = Get("text") ?? "";
        string? id = Get("id", "messageId", "smsid");
        id = string.IsNullOrEmpty(id) ? null : id; // Kannel sends an empty %I when it has none
        if (twice is not null)
        {
            return Problems.BadRequest(ErrorCodes.MalformedField, $"The field '{twice}' is given more than once.", twice);
        }

        if (Check(from, to, text, id) is { } invalid)
        {
            return invalid;
        }

        try
        {
            TopUpResult result = await processor.ProcessAsync(new InboundSms(from, to, text, id, replyVia), ct);
            // Via sendsms (or when a repeat finds the reply on its way there) the reply leaves through the outbox; an
            // empty body tells Kannel (omit-empty) to send nothing itself.
            return TypedResults.Text(result.Delivery == ReplyDelivery.InAnswer ? result.Reply : "", "text/plain; charset=utf-8");
        }
        catch (TimeoutException e)
        {
            return StillProcessing(request, e);
        }
    }

    /// <summary>A repeat of a message still being finished: 503 <c>STILL_PROCESSING</c>, and when to send it again.</summary>
    private static ProblemHttpResult StillProcessing(HttpRequest request, TimeoutException e)
    {
        TimeSpan after = e is StillProcessingException still ? still.RetryAfter : TimeSpan.FromSeconds(1);
        request.HttpContext.Response.Headers.RetryAfter = Math.Max(1, (long)Math.Ceiling(after.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Problems.Of(StatusCodes.Status503ServiceUnavailable, ErrorCodes.StillProcessing, e.Message);
    }

    private static ProblemHttpResult? Check(string? from, string? to, string? text, string? messageId)
    {
        if (string.IsNullOrWhiteSpace(from))
        {
            return Problems.Missing("from");
        }

        if (string.IsNullOrWhiteSpace(to))
        {
            return Problems.Missing("to");
        }

        if (text is null)
        {
            return Problems.Missing("text");
        }

        return (from.Length, to.Length, text.Length, messageId?.Length ?? 0) switch
        {
            ( > MaxAddressLength, _, _, _) => Problems.Unprocessable(ErrorCodes.TooLong, $"'from' is longer than {MaxAddressLength} characters.", "from"),
            (_, > MaxAddressLength, _, _) => Problems.Unprocessable(ErrorCodes.TooLong, $"'to' is longer than {MaxAddressLength} characters.", "to"),
            (_, _, > MaxTextLength, _) => Problems.Unprocessable(ErrorCodes.TooLong, $"'text' is longer than {MaxTextLength} characters.", "text"),
            (_, _, _, > MaxMessageIdLength) => Problems.Unprocessable(ErrorCodes.TooLong, $"'messageId' is longer than {MaxMessageIdLength} characters.", "messageId"),
            _ when messageId is { Length: 0 } => Problems.Unprocessable(ErrorCodes.EmptyField, "'messageId' is empty; leave it out instead.", "messageId"),
            _ => null,
        };
    }
}
