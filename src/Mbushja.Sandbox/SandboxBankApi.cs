using System.Globalization;
using System.Text.Json;
using Mbushja.Banks.Connector;
using Mbushja.Domain;
using Mbushja.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Mbushja.Sandbox;

public sealed record SandboxAccountRequest(long? BalanceCents);

public sealed record SandboxAccountResponse(string Bank, string AccountRef, long BalanceCents, long HeldCents, long AvailableCents, string Currency)
{
    public static SandboxAccountResponse From(string bank, SandboxAccount a) =>
        new(bank, a.AccountRef, a.Balance.Cents, a.Held.Cents, a.Available.Cents, Money.Currency);
}

public sealed record SandboxSettingsRequest(int? LatencyMs, string? DeclineAll, int? FailNext, string? FailMode);

public sealed record SandboxSettingsResponse(string Bank, int LatencyMs, string? DeclineAll, int FailNext, string FailMode)
{
    public static SandboxSettingsResponse From(string bank, SandboxSettings s) => new(bank, s.LatencyMs, s.DeclineAll, s.FailNext, SandboxBankApi.ToWire(s.FailMode));
}

/// <summary>
/// THE SANDBOX BANK over HTTP (README "Demo data"), for demos and tests, no real money:
/// the signed bank connector API of docs/bank-connector.openapi.yaml under <c>/sandbox/banks/{bankCode}/api/</c>,
/// and, with the admin key, its accounts and its failure settings.
/// </summary>
public static partial class SandboxBankApi
{
    public const string AccountNotFound = BankWire.AccountNotFound;
    private const string Tag = "Sandbox bank (demo and tests only; no real money)";
    private const int MaxBodyBytes = 64 * 1024;
    private static readonly TimeSpan TimeoutModeDelay = TimeSpan.FromSeconds(30);
    private static readonly byte[] MalformedAnswer = "{\"holdId\": <<the sandbox answers malformed JSON on purpose>>"u8.ToArray();

    /// <summary>
    /// Registers a sandbox bank (fresh random secrets) for every code of <paramref name="bankCodes"/>, reached by the bank
    /// connector over HTTP at this server's own address, known once the server listens (calls before that are "no
    /// answer"). Register the connector itself with <see cref="BankConnectorServices.AddBankConnector"/>, and map the
    /// sandbox's endpoints with <see cref="MapSandboxBank(WebApplication)"/>.
    /// </summary>
    public static IServiceCollection AddSandboxBank(this IServiceCollection services, IEnumerable<string> bankCodes)
    {
        string[] codes = [.. bankCodes];
        // Signatures run on wall-clock time, not on the operator's (possibly fake) business clock.
        services.AddSingleton(_ => SandboxBank.WithRandomSecrets(codes, TimeProvider.System));
        services.AddSingleton<IBankEndpointSource>(sp => new OwnAddress(sp.GetRequiredService<SandboxBank>(), sp.GetRequiredService<IServer>()));
        return services;
    }

    /// <summary>Maps the sandbox bank registered by <see cref="AddSandboxBank"/>.</summary>
    public static WebApplication MapSandboxBank(this WebApplication app)
    {
        // With every bank on its real API there is no sandbox to show.
        SandboxBank bank = app.Services.GetRequiredService<SandboxBank>();
        if (bank.BankCodes.Any())
        {
            app.MapSandboxBank(bank);
        }

        return app;
    }

    /// <summary>
    /// Maps a sandbox bank's endpoints. The account and settings endpoints require authorization (the admin key);
    /// the bank API is authenticated by its signatures.
    /// </summary>
    public static IEndpointRouteBuilder MapSandboxBank(this IEndpointRouteBuilder app, SandboxBank bank)
    {
        ArgumentNullException.ThrowIfNull(bank);
        RouteGroupBuilder group = app.MapGroup(SandboxBank.PathPrefix + "/{bankCode}").WithTags(Tag);

        const string Api = "SANDBOX bank connector API (signed; docs/bank-connector.openapi.yaml): ";
        group.MapPost("/api/holds", (HttpContext c, string bankCode) => ServeAsync(c, bank, bankCode, null, BankOperation.Hold))
            .WithSummary(Api + "hold money on an account.");
        group.MapPost("/api/holds/{holdId}/capture", (HttpContext c, string bankCode, string holdId) => ServeAsync(c, bank, bankCode, holdId, BankOperation.Capture))
            .WithSummary(Api + "capture a hold.");
        group.MapPost("/api/holds/{holdId}/void", (HttpContext c, string bankCode, string holdId) => ServeAsync(c, bank, bankCode, holdId, BankOperation.Void))
            .WithSummary(Api + "void a hold (an unknown id is remembered as voided).");
        group.MapGet("/api/holds/{holdId}", (HttpContext c, string bankCode, string holdId) => ServeAsync(c, bank, bankCode, holdId, BankOperation.Status))
            .WithSummary(Api + "a hold's status.");
        group.MapPost("/api/refunds", (HttpContext c, string bankCode) => ServeAsync(c, bank, bankCode, null, BankOperation.Refund))
            .WithSummary(Api + "give money of a captured hold back to the account (idempotent by refundId).");
        group.MapGet("/api/refunds/{refundId}", (HttpContext c, string bankCode, string refundId) => ServeAsync(c, bank, bankCode, refundId, BankOperation.RefundStatus))
            .WithSummary(Api + "a refund's status.");

        RouteGroupBuilder admin = group.MapGroup("").RequireAuthorization();
        admin.MapPut("/accounts/{accountRef}", (string bankCode, string accountRef, HttpRequest request) => PutAccountAsync(bank, bankCode, accountRef, request))
            .Accepts<SandboxAccountRequest>("application/json")
            .WithSummary("SANDBOX: create a fake account or set its balance.");
        admin.MapGet("/accounts/{accountRef}", (string bankCode, string accountRef) => GetAccount(bank, bankCode, accountRef))
            .WithSummary("SANDBOX: a fake account's balance and what holds reserve of it.");
        admin.MapPut("/settings", (string bankCode, HttpRequest request) => PutSettingsAsync(bank, bankCode, request))
            .Accepts<SandboxSettingsRequest>("application/json")
            .WithSummary("SANDBOX: latency, declines and failures on purpose, for tests and demos.");
        admin.MapGet("/settings", (string bankCode) => GetSettings(bank, bankCode))
            .WithSummary("SANDBOX: the bank's settings, with what is left of the failure countdown.");
        return app;
    }

    public static string ToWire(SandboxFailMode mode) => mode switch
    {
        SandboxFailMode.Error500 => "error500",
        SandboxFailMode.Malformed => "malformed",
        SandboxFailMode.Unsigned => "unsigned",
        SandboxFailMode.Timeout => "timeout",
        SandboxFailMode.ApplyThenError500 => "applyThenError500",
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, null),
    };

    private static SandboxFailMode? ParseFailMode(string text) => text switch
    {
        "error500" => SandboxFailMode.Error500,
        "malformed" => SandboxFailMode.Malformed,
        "unsigned" => SandboxFailMode.Unsigned,
        "timeout" => SandboxFailMode.Timeout,
        "applyThenError500" => SandboxFailMode.ApplyThenError500,
        _ => null,
    };

    // ---------------------------------------------------------------- accounts and settings (admin key) --

    private static async Task<Results<Ok<SandboxAccountResponse>, ProblemHttpResult>> PutAccountAsync(
        SandboxBank bank, string bankCode, string accountRef, HttpRequest request)
    {
        if (!bank.Knows(bankCode))
        {
            return UnknownBankProblem(bankCode);
        }

        if (CheckAccountRef(accountRef) is { } refused)
        {
            return refused;
        }

        (SandboxAccountRequest? body, ProblemHttpResult? problem) = await JsonBody.ReadAsync<SandboxAccountRequest>(request);
        if (problem is not null)
        {
            return problem;
        }

        if (body!.BalanceCents is not { } cents)
        {
            return Problems.Missing("balanceCents");
        }

        ParseResult<Money> balance = Money.NonNegative(cents);
        if (!balance.Success)
        {
            return Problems.Unprocessable(balance.Error.Code, balance.Error.Message, "balanceCents");
        }

        SandboxAccount account = bank.SetAccount(bankCode, accountRef, balance.Value);
        return TypedResults.Ok(SandboxAccountResponse.From(bank.CodeOf(bankCode), account));
    }

    private static Results<Ok<SandboxAccountResponse>, ProblemHttpResult> GetAccount(SandboxBank bank, string bankCode, string accountRef)
    {
        if (!bank.Knows(bankCode))
        {
            return UnknownBankProblem(bankCode);
        }

        if (CheckAccountRef(accountRef) is { } refused)
        {
            return refused;
        }

        return bank.GetAccount(bankCode, accountRef) is { } account
            ? TypedResults.Ok(SandboxAccountResponse.From(bank.CodeOf(bankCode), account))
            : Problems.Of(StatusCodes.Status404NotFound, AccountNotFound, "The sandbox bank has no such account; PUT it first.", "accountRef");
    }

    private static async Task<Results<Ok<SandboxSettingsResponse>, ProblemHttpResult>> PutSettingsAsync(SandboxBank bank, string bankCode, HttpRequest request)
    {
        if (!bank.Knows(bankCode))
        {
            return UnknownBankProblem(bankCode);
        }

        (SandboxSettingsRequest? body, ProblemHttpResult? problem) = await JsonBody.ReadAsync<SandboxSettingsRequest>(request);
        if (problem is not null)
        {
            return problem;
        }

        if (body!.LatencyMs is < 0 or > 60_000)
        {
            return Problems.Unprocessable(ErrorCodes.InvalidSetting, "latencyMs is between 0 and 60000.", "latencyMs");
        }

        if (body.DeclineAll is not null && !BankWire.DeclineCodes.Contains(body.DeclineAll))
        {
            return Problems.Unprocessable(ErrorCodes.InvalidSetting, $"declineAll is one of {string.Join(", ", BankWire.DeclineCodes)}.", "declineAll");
        }

        if (body.FailNext is < 0 or > 1_000_000)
        {
            return Problems.Unprocessable(ErrorCodes.InvalidSetting, "failNext is between 0 and 1000000.", "failNext");
        }

        SandboxFailMode mode = SandboxFailMode.Error500;
        if (body.FailMode is not null)
        {
            if (ParseFailMode(body.FailMode) is not { } parsed)
            {
                return Problems.Unprocessable(ErrorCodes.InvalidSetting, "failMode is one of error500, malformed, unsigned, timeout, applyThenError500.", "failMode");
            }

            mode = parsed;
        }

        var settings = new SandboxSettings(body.LatencyMs ?? 0, body.DeclineAll, body.FailNext ?? 0, mode);
        bank.Configure(bankCode, settings);
        return TypedResults.Ok(SandboxSettingsResponse.From(bank.CodeOf(bankCode), settings));
    }

    private static Results<Ok<SandboxSettingsResponse>, ProblemHttpResult> GetSettings(SandboxBank bank, string bankCode) =>
        bank.Knows(bankCode)
            ? TypedResults.Ok(SandboxSettingsResponse.From(bank.CodeOf(bankCode), bank.SettingsOf(bankCode)))
            : UnknownBankProblem(bankCode);

    private static ProblemHttpResult? CheckAccountRef(string accountRef)
    {
        string compact = SandboxBank.Normalize(accountRef);
        return compact.Length is 0 or > BankWire.MaxAccountRefLength || compact.AsSpan().ContainsAnyExcept(AccountRefCharacters)
            ? Problems.Unprocessable(ErrorCodes.InvalidAccountRef, "An account reference is an IBAN: letters and digits, spaces between groups are fine.", "accountRef")
            : null;
    }

    private static readonly System.Buffers.SearchValues<char> AccountRefCharacters =
        System.Buffers.SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789");

    private static ProblemHttpResult UnknownBankProblem(string bankCode) =>
        Problems.Of(StatusCodes.Status404NotFound, ErrorCodes.UnknownBank, $"The sandbox has no bank '{bankCode}'.", "bankCode");

    // ---------------------------------------------------------------- the signed bank API --

    /// <summary>
    /// One bank API request: check the signature, wait the latency, fail on purpose when the countdown says so, do the
    /// operation, answer signed.
    /// </summary>
    private static async Task ServeAsync(HttpContext context, SandboxBank sandbox, string bankCode, string? holdId, BankOperation operation)
    {
        if (!sandbox.Knows(bankCode))
        {
            // No secret to sign with: this answer is unsigned, and a connector treats it as no answer.
            await WriteAsync(context, sandbox, null, 404, Problem(404, ErrorCodes.UnknownBank, $"The sandbox has no bank '{bankCode}'.", "bankCode"));
            return;
        }

        byte[] key = sandbox.KeyOf(bankCode);
        byte[] body = await ReadBodyAsync(context.Request);
        SignatureCheck check = BankSignature.Verify(
            key,
            context.Request.Method,
            Target(context),
            context.Request.Headers[BankSignature.TimestampHeader],
            context.Request.Headers[BankSignature.SignatureHeader],
            body,
            sandbox.Time.GetUtcNow());
        if (check != SignatureCheck.Valid)
        {
            (string code, string detail) = check switch
            {
                SignatureCheck.Missing => (BankWire.SignatureMissing, $"Sign the request: {BankSignature.TimestampHeader} and {BankSignature.SignatureHeader}."),
                SignatureCheck.OutOfWindow => (BankWire.TimestampOutOfWindow, "The timestamp is more than 300 s from the bank's clock."),
                _ => (BankWire.SignatureInvalid, "The signature does not match the request."),
            };
            ILogger logger = context.RequestServices.GetRequiredService<ILogger<SandboxBank>>();
            LogRefused(logger, bankCode, operation, code);
            await WriteAsync(context, sandbox, key, 401, Problem(401, code, detail));
            return;
        }

        (int latencyMs, SandboxFailMode? failure) = sandbox.TakeRequest(bankCode);
        try
        {
            if (latencyMs > 0)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(latencyMs), sandbox.Time, context.RequestAborted);
            }

            if (failure == SandboxFailMode.Timeout)
            {
                await Task.Delay(TimeoutModeDelay, sandbox.Time, context.RequestAborted);
            }
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            return; // the caller gave up; nobody reads an answer
        }

        switch (failure)
        {
            case SandboxFailMode.Timeout:
                await WriteAsync(context, sandbox, key, 503, Problem(503, "SANDBOX_TIMEOUT", "The sandbox kept this request waiting on purpose (settings)."));
                return;
            case SandboxFailMode.Error500:
                await WriteAsync(context, sandbox, key, 500, Problem(500, "SANDBOX_FAILURE", "The sandbox fails this request on purpose (settings)."));
                return;
            case SandboxFailMode.Malformed:
                await WriteAsync(context, sandbox, key, 200, MalformedAnswer, "application/json");
                return;
        }

        (int status, byte[] answer, string contentType) = Apply(sandbox, bankCode, holdId, operation, body);
        if (failure == SandboxFailMode.ApplyThenError500)
        {
            await WriteAsync(context, sandbox, key, 500, Problem(500, "SANDBOX_FAILURE", "The sandbox did the operation and fails the answer on purpose (settings)."));
            return;
        }

        await WriteAsync(context, sandbox, failure == SandboxFailMode.Unsigned ? null : key, status, answer, contentType);
    }

    private static (int Status, byte[] Body, string ContentType) Apply(SandboxBank sandbox, string bankCode, string? holdId, BankOperation operation, byte[] body)
    {
        if (operation == BankOperation.Refund)
        {
            return ApplyRefund(sandbox, bankCode, body);
        }

        if (operation == BankOperation.RefundStatus)
        {
            return BankWire.IsValidHoldId(holdId)
                ? RefundAnswer(sandbox.RefundStatusOf(bankCode, holdId!))
                : Refused(BankWire.InvalidField, "A refund id has 1 to 64 characters among A-Z, a-z, 0-9, '-' and '_'.", "refundId");
        }

        if (operation != BankOperation.Hold)
        {
            if (!BankWire.IsValidHoldId(holdId))
            {
                return Refused(BankWire.InvalidHoldId, "A hold id has 1 to 64 characters among A-Z, a-z, 0-9, '-' and '_'.", "holdId");
            }

            SandboxAnswer answer = operation switch
            {
                BankOperation.Capture => sandbox.Capture(bankCode, holdId!),
                BankOperation.Void => sandbox.Void(bankCode, holdId!),
                _ => sandbox.Status(bankCode, holdId!),
            };
            return Answer(answer);
        }

        HoldRequestBody? hold;
        try
        {
            hold = JsonSerializer.Deserialize(body, BankWireJson.Default.HoldRequestBody);
        }
        catch (JsonException)
        {
            return Refused(BankWire.MalformedBody, "The body is not the JSON of a hold request.", null);
        }

        if (hold is null)
        {
            return Refused(BankWire.MalformedBody, "The body must be a JSON object.", null);
        }

        if (hold.HoldId is null)
        {
            return Refused(BankWire.MissingField, "holdId is required.", "holdId");
        }

        if (!BankWire.IsValidHoldId(hold.HoldId))
        {
            return Refused(BankWire.InvalidHoldId, "A hold id has 1 to 64 characters among A-Z, a-z, 0-9, '-' and '_'.", "holdId");
        }

        if (RefusedMoneyFields(hold.AccountRef, hold.AmountCents, hold.Currency, hold.Reference, out Money amount) is { } refused)
        {
            return refused;
        }

        return Answer(sandbox.Hold(bankCode, hold.HoldId, hold.AccountRef!, amount, hold.Reference ?? ""));
    }

    private static (int Status, byte[] Body, string ContentType) ApplyRefund(SandboxBank sandbox, string bankCode, byte[] body)
    {
        RefundRequestBody? refund;
        try
        {
            refund = JsonSerializer.Deserialize(body, BankWireJson.Default.RefundRequestBody);
        }
        catch (JsonException)
        {
            return Refused(BankWire.MalformedBody, "The body is not the JSON of a refund request.", null);
        }

        if (refund is null)
        {
            return Refused(BankWire.MalformedBody, "The body must be a JSON object.", null);
        }

        foreach ((string? id, string field) in new[] { (refund.RefundId, "refundId"), (refund.HoldId, "holdId") })
        {
            if (id is null)
            {
                return Refused(BankWire.MissingField, $"{field} is required.", field);
            }

            if (!BankWire.IsValidHoldId(id))
            {
                return Refused(BankWire.InvalidField, $"{field} has 1 to 64 characters among A-Z, a-z, 0-9, '-' and '_'.", field);
            }
        }

        if (RefusedMoneyFields(refund.AccountRef, refund.AmountCents, refund.Currency, refund.Reference, out Money amount) is { } refused)
        {
            return refused;
        }

        return RefundAnswer(sandbox.Refund(bankCode, refund.RefundId!, refund.HoldId!, refund.AccountRef!, amount, refund.Reference ?? ""));
    }

    /// <summary>The fields a hold and a refund share, checked in the same order: the refusal, or null with the amount.</summary>
    private static (int, byte[], string)? RefusedMoneyFields(string? accountRef, long? amountCents, string? currency, string? reference, out Money amount)
    {
        amount = default;
        if (string.IsNullOrWhiteSpace(accountRef) || accountRef.Length > BankWire.MaxAccountRefLength)
        {
            return accountRef is null
                ? Refused(BankWire.MissingField, "accountRef is required.", "accountRef")
                : Refused(BankWire.InvalidField, $"accountRef has 1 to {BankWire.MaxAccountRefLength} characters.", "accountRef");
        }

        if (amountCents is not { } cents)
        {
            return Refused(BankWire.MissingField, "amountCents is required.", "amountCents");
        }

        ParseResult<Money> parsed = Money.Positive(cents);
        if (!parsed.Success)
        {
            return Refused(BankWire.InvalidAmount, "amountCents is a positive number of cents.", "amountCents");
        }

        if (currency != BankWire.Currency)
        {
            return currency is null
                ? Refused(BankWire.MissingField, "currency is required.", "currency")
                : Refused(BankWire.UnsupportedCurrency, $"The only currency is {BankWire.Currency}.", "currency");
        }

        if (reference is { Length: > BankWire.MaxReferenceLength })
        {
            return Refused(BankWire.InvalidField, $"reference has at most {BankWire.MaxReferenceLength} characters.", "reference");
        }

        amount = parsed.Value;
        return null;
    }

    private static (int, byte[], string) RefundAnswer(SandboxRefundAnswer answer) =>
        (answer.HttpStatus, JsonSerializer.SerializeToUtf8Bytes(answer.Body, BankWireJson.Default.RefundAnswerBody), "application/json");

    private static (int, byte[], string) Answer(SandboxAnswer answer) =>
        (answer.HttpStatus, JsonSerializer.SerializeToUtf8Bytes(answer.Body, BankWireJson.Default.HoldAnswerBody), "application/json");

    private static (int, byte[], string) Refused(string code, string detail, string? field) =>
        (400, Problem(400, code, detail, field), "application/problem+json");

    private static byte[] Problem(int status, string code, string detail, string? field = null)
    {
        string title = status switch
        {
            400 => "Bad Request",
            401 => "Unauthorized",
            404 => "Not Found",
            500 => "Internal Server Error",
            503 => "Service Unavailable",
            _ => "Error",
        };
        return JsonSerializer.SerializeToUtf8Bytes(
            new BankProblemBody($"https://tools.ietf.org/html/rfc9110#section-15.{(status >= 500 ? 6 : 5)}", title, status, detail, code, field),
            BankWireJson.Default.BankProblemBody);
    }

    /// <summary>Writes an answer, signed with the bank's key over the request's method and target when there is one.</summary>
    private static async Task WriteAsync(HttpContext context, SandboxBank sandbox, byte[]? key, int status, byte[] body, string contentType = "application/problem+json")
    {
        HttpResponse response = context.Response;
        response.StatusCode = status;
        response.ContentType = contentType;
        response.ContentLength = body.Length;
        response.Headers.CacheControl = "no-store";
        if (key is not null)
        {
            long timestamp = sandbox.Time.GetUtcNow().ToUnixTimeSeconds();
            response.Headers[BankSignature.TimestampHeader] = timestamp.ToString(CultureInfo.InvariantCulture);
            response.Headers[BankSignature.SignatureHeader] = BankSignature.Sign(key, context.Request.Method, Target(context), timestamp, body);
        }

        await response.Body.WriteAsync(body, context.RequestAborted);
    }

    /// <summary>The request target exactly as the caller sent it (what the caller signed), not a decoded path.</summary>
    private static string Target(HttpContext context) =>
        context.Features.Get<IHttpRequestFeature>()?.RawTarget is { Length: > 0 } raw && raw[0] == '/'
            ? raw
            : context.Request.PathBase + context.Request.Path.ToUriComponent() + context.Request.QueryString;

    private static async Task<byte[]> ReadBodyAsync(HttpRequest request)
    {
        if (request.ContentLength is 0)
        {
            return [];
        }

        using var buffer = new MemoryStream((int)Math.Min(request.ContentLength ?? 256, MaxBodyBytes));
        await request.Body.CopyToAsync(buffer, request.HttpContext.RequestAborted);
        if (buffer.Length > MaxBodyBytes)
        {
            throw new BadHttpRequestException("The body is too large.", StatusCodes.Status413PayloadTooLarge);
        }

        return buffer.ToArray();
    }

    /// <summary>
    /// The sandbox's endpoints at this server's own listening address, once it listens. A wildcard listener
    /// (<c>0.0.0.0</c>, <c>[::]</c>, <c>*</c>, <c>+</c>) is reached on loopback; plain HTTP is preferred.
    /// </summary>
    /// <summary>The sandbox's banks at this server's own address, read once the server listens.</summary>
    private sealed class OwnAddress(SandboxBank sandbox, IServer server) : IBankEndpointSource
    {
        private Dictionary<string, BankEndpoint>? _endpoints;

        // A race here computes the same dictionary twice: harmless.
        public BankEndpoint? EndpointOf(string bankCode) => (_endpoints ??= Resolve())?.GetValueOrDefault(bankCode);

        private Dictionary<string, BankEndpoint>? Resolve()
        {
            ICollection<string>? addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses;
            if (addresses is null || addresses.Count == 0)
            {
                return null;
            }

            BindingAddress[] bindings = [.. addresses.Select(BindingAddress.Parse).Where(b => !b.IsUnixPipe && b.Port > 0)];
            BindingAddress? chosen = bindings.FirstOrDefault(b => b.Scheme == "http") ?? bindings.FirstOrDefault();
            if (chosen is null)
            {
                return null;
            }

            string host = chosen.Host switch
            {
                "0.0.0.0" or "*" or "+" => "127.0.0.1",
                "[::]" or "::" => "[::1]",
                string h => h,
            };
            var baseUrl = new Uri($"{chosen.Scheme}://{host}:{chosen.Port}/");
            return sandbox.EndpointsAt(baseUrl).ToDictionary(e => e.Code, StringComparer.OrdinalIgnoreCase);
        }
    }

    [LoggerMessage(EventId = 4201, Level = LogLevel.Information, Message = "Sandbox bank {Bank}: {Operation} request refused ({Code})")]
    private static partial void LogRefused(ILogger logger, string bank, BankOperation operation, string code);
}
