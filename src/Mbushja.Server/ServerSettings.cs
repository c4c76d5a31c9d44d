namespace Mbushja.Server;

/// <summary>How a server is started (the <c>serve</c> command's options).</summary>
public sealed record ServerSettings
{
    /// <summary>Where to listen; loopback by default.</summary>
    public string Urls { get; init; } = "http://127.0.0.1:8080";

    /// <summary>The data folder: the SQLite file and the generated admin key live here.</summary>
    public string DataDirectory { get; init; } = ".data";

    /// <summary>A PostgreSQL connection string or URL, or a SQLite file path; null means SQLite in the data folder.</summary>
    public string? Db { get; init; }

    /// <summary>The operator configuration folder; null means the shipped IPKO configuration.</summary>
    public string? ConfigDirectory { get; init; }

    /// <summary>The admin bearer key. Required: the CLI resolves it from the environment or the data folder.</summary>
    public required string AdminKey { get; init; }

    /// <summary>Load the demo data set (idempotent).</summary>
    public bool Demo { get; init; }

    /// <summary>The clock; tests pass a fake one.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>The certificate the server serves HTTPS with (an https:// address in <see cref="Urls"/>); none by default.</summary>
    public Http.HttpsSettings Https { get; init; } = Http.HttpsSettings.None;

    /// <summary>
    /// The TLS proxies (or load balancers) whose <c>X-Forwarded-For</c> and <c>X-Forwarded-Proto</c> are believed; with
    /// none, nobody's are. The host's configuration may add more (<see cref="Http.TransportSecurity.TrustedProxiesKey"/>).
    /// </summary>
    public IReadOnlyList<System.Net.IPNetwork> TrustedProxies { get; init; } = [];

    /// <summary>Who may deliver SMS to the gateway endpoints; loopback without credentials by default.</summary>
    public Http.GatewayAccess Gateway { get; init; } = Http.GatewayAccess.LoopbackOnly;

    /// <summary>
    /// The banks whose real connector API is configured (URL and shared secret). Every other bank of the operator's
    /// configuration is served by the in-process sandbox bank.
    /// </summary>
    public IReadOnlyList<Mbushja.Banks.Connector.BankEndpoint> BankEndpoints { get; init; } = [];

    /// <summary>The operator's Kannel: its sendsms URL and credentials, and how the sms-service endpoint replies.</summary>
    public Kannel.KannelSettings Kannel { get; init; } = Server.Kannel.KannelSettings.None;

    /// <summary>The operator's SMSC over SMPP: binds, text coding, redelivery window. No binds: no SMPP.</summary>
    public Smpp.SmppSettings Smpp { get; init; } = Server.Smpp.SmppSettings.None;

    /// <summary>How pending replies are sent: attempts, back-off, leases.</summary>
    public Mbushja.Messaging.OutboxOptions Outbox { get; init; } = Mbushja.Messaging.OutboxOptions.Default;

    /// <summary>SMS Top Up timings (work leases and their renewal, duplicate waits, bank retries).</summary>
    public Mbushja.TopUp.TopUpOptions TopUp { get; init; } = Mbushja.TopUp.TopUpOptions.Default;

    /// <summary>How often the renewal sweep runs, and how much notice a late reminder gives (docs/design/renewals.md).</summary>
    public Mbushja.TopUp.RenewalOptions Renewals { get; init; } = Mbushja.TopUp.RenewalOptions.Default;

    /// <summary>
    /// This server's name among the servers on its database, the holder of the leases it takes: the same at every
    /// restart, so that a restarted server takes back its own unfinished work at once. Null: the host's name and a
    /// digest of the data folder's path (<see cref="Mbushja.Storage.ServerInstance.DefaultId"/>).
    /// </summary>
    public string? InstanceId { get; init; }

    /// <summary>
    /// How often unfinished work is looked for (a dead server's whose leases ran out, or a bank that did not answer);
    /// null: only at start-up. With the lease, it bounds how soon a dead server's work is taken over.
    /// </summary>
    public TimeSpan? RecoveryInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>The least important log level written (Information: one line per SMS; Warning for benchmarks).</summary>
    public Microsoft.Extensions.Logging.LogLevel MinimumLogLevel { get; init; } = Microsoft.Extensions.Logging.LogLevel.Information;

    /// <summary>Where logs go besides standard output (tests read the logs through one); the same filters apply.</summary>
    public IReadOnlyList<Microsoft.Extensions.Logging.ILoggerProvider> LogProviders { get; init; } = [];

    /// <summary>The web console's sign-in rules: lockout after wrong passwords, idle expiry of a session.</summary>
    public Mbushja.WebConsole.ConsoleOptions Console { get; init; } = Mbushja.WebConsole.ConsoleOptions.Default;

    /// <summary>
    /// The password of the demo console users (<see cref="Demo"/>); null: the one kept in the data folder's
    /// <c>console.password</c>, made there when missing. A secret: never printed by <see cref="ToString"/>.
    /// </summary>
    public string? ConsoleDemoPassword { get; init; }

    /// <summary>Largest request body accepted, in bytes.</summary>
    public long MaxRequestBodyBytes { get; init; } = 64 * 1024;

    /// <summary>Without the admin key, the database's connection string (it may carry a password) or any other secret: records print every member.</summary>
    public override string ToString() =>
        $"ServerSettings {{ Urls = {Urls}, DataDirectory = {DataDirectory}, InstanceId = {InstanceId ?? "(from the host and data folder)"}, "
        + $"Db = {(Db is null ? "SQLite in the data folder" : "(set)")}, "
        + $"ConfigDirectory = {ConfigDirectory ?? "(shipped)"}, AdminKey = (set), Demo = {Demo}, Console = {Console}, Https = {Https}, "
        + $"TrustedProxies = [{string.Join(", ", TrustedProxies)}], Gateway = {Gateway}, "
        + $"BankEndpoints = [{string.Join(", ", BankEndpoints)}], Kannel = {Kannel}, Smpp = {Smpp} }}";
}
