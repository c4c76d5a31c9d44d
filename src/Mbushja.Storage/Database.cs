using System.Data.Common;
using System.Reflection;
using System.Runtime.CompilerServices;
using DbUp;
using DbUp.Builder;
using DbUp.Engine;
using Mbushja.Domain;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Mbushja.Storage;

/// <summary>Which engine a <see cref="Database"/> talks to. The behaviour is the same on both.</summary>
public enum DatabaseKind
{
    /// <summary>The embedded default: one file, WAL, synchronous commits.</summary>
    Sqlite,

    /// <summary>Production and scale-out: several servers share one database.</summary>
    Postgres,
}

/// <summary>
/// The platform's database: opens connections set up for durability, and brings the schema up to date through
/// DbUp's migrations (one folder of SQL scripts per engine, under <c>Migrations/</c>).
/// </summary>
public sealed class Database : IAsyncDisposable
{
    private readonly NpgsqlDataSource? _postgres;

    /// <summary>Whether this process has switched the SQLite file to WAL (a race sets it twice: harmless).</summary>
    private bool _walSet;

    /// <summary>SQLite's connections (kept by the pool across opens) that have their settings.</summary>
    private static readonly ConditionalWeakTable<SQLitePCL.sqlite3, object> Configured = [];

    private readonly string _unpooled;

    private readonly SqliteReaders _readers = new();

    private Database(DatabaseKind kind, string connectionString, NpgsqlDataSource? postgres)
    {
        Kind = kind;
        ConnectionString = connectionString;
        _postgres = postgres;
        _unpooled = kind == DatabaseKind.Sqlite ? new SqliteConnectionStringBuilder(connectionString) { Pooling = false }.ToString() : connectionString;
    }

    public DatabaseKind Kind { get; }

    /// <summary>How this engine spells what the two spell differently.</summary>
    public SqlDialect Sql => SqlDialect.Of(Kind);

    /// <summary>The connection string; it may hold a password, so it is never logged.</summary>
    public string ConnectionString { get; }

    /// <summary>The SQLite database's file, full path; null on PostgreSQL.</summary>
    public string? SqliteFile => Kind == DatabaseKind.Sqlite ? new SqliteConnectionStringBuilder(ConnectionString).DataSource : null;

    /// <summary>A SQLite database in a file (created when missing, readable by its owner only: <see cref="DataFolder"/>).</summary>
    public static Database Sqlite(string path)
    {
        string full = Path.GetFullPath(path);
        DataFolder.CreateOwnerOnlyFolder(Path.GetDirectoryName(full)!);
        // SQLite makes its -wal, -shm and journal with the database's own mode, so they are owner-only too.
        DataFolder.CreateOwnerOnlyFile(full);
        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = full,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            DefaultTimeout = 30,
        };
        return new Database(DatabaseKind.Sqlite, builder.ToString(), null);
    }

    /// <summary>
    /// A PostgreSQL database, from an Npgsql connection string or a <c>postgres://</c> URL, with one host or several
    /// (a failover cluster: docs/design/failover.md). With several, writes go to the one that takes them
    /// (<c>Target Session Attributes=read-write</c> unless given) and a dead or demoted host is looked at again after a
    /// second (<c>Host Recheck Seconds=1</c>), so a new primary is found about a second after it takes commits.
    /// </summary>
    public static Database Postgres(string connectionString)
    {
        NpgsqlConnectionStringBuilder builder;
        DbConnectionStringBuilder given;
        try
        {
            string keywords = PostgresUrl.IsUrl(connectionString) ? PostgresUrl.ToConnectionString(connectionString) : connectionString;
            given = new DbConnectionStringBuilder { ConnectionString = keywords };
            builder = new NpgsqlConnectionStringBuilder(keywords);
        }
        catch (ArgumentException e)
        {
            // Npgsql's message names the keyword, never the value (which may be a password).
            throw new ConfigurationException([$"--db: the PostgreSQL connection string cannot be read: {e.Message}"]);
        }

        if (string.IsNullOrEmpty(builder.ApplicationName))
        {
            builder.ApplicationName = "mbushja";
        }

        // The ledger sends the same few statements all day: prepared, they are parsed once per connection, and run on
        // PostgreSQL's cached plans (the ledger's statements are written for plans that suit every batch size).
        if (builder.MaxAutoPrepare == 0)
        {
            builder.MaxAutoPrepare = 32;
            builder.AutoPrepareMinUsages = 2;
        }

        if (builder.Host?.Contains(',', StringComparison.Ordinal) == true)
        {
            builder.TargetSessionAttributes ??= "read-write";
            if (!given.ContainsKey("Host Recheck Seconds"))
            {
                builder.HostRecheckSeconds = 1;
            }
        }

        string final = builder.ToString();
        return new Database(DatabaseKind.Postgres, final, NpgsqlDataSource.Create(final));
    }

    /// <summary>
    /// The server's <c>--db</c> option: a PostgreSQL connection string (<c>Host=...</c>) or URL (<c>postgres://...</c>);
    /// without one, SQLite in <c>mbushja.db</c> of the data folder.
    /// </summary>
    public static Database FromOption(string? db, string dataDirectory)
    {
        if (string.IsNullOrWhiteSpace(db))
        {
            return Sqlite(Path.Combine(dataDirectory, DataFolder.DatabaseFile));
        }

        bool postgres = PostgresUrl.IsUrl(db) || db.Contains("host=", StringComparison.OrdinalIgnoreCase);
        return postgres ? Postgres(db) : Sqlite(db);
    }

    /// <summary>
    /// Drops the idle pooled connections (PostgreSQL): after a failover they lead to a host that is dead or no longer
    /// the primary, and each would fail once before the pool learnt it.
    /// </summary>
    public void ForgetConnections() => _postgres?.Clear();

    /// <summary>
    /// Whether a write would be taken now: on PostgreSQL a primary answers and is not read-only (not a standby, not
    /// being fenced); the SQLite file is always the writer's. False, never an exception, when no database answers.
    /// </summary>
    public async Task<bool> CanWriteAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            await using DbConnection connection = await OpenAsync(cancellationToken);
            await using DbCommand probe = connection.CreateCommand();
            probe.CommandText = Kind == DatabaseKind.Postgres
                ? "SELECT NOT pg_is_in_recovery() AND current_setting('transaction_read_only') = 'off'"
                : "SELECT 1";
            return Convert.ToBoolean(await probe.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (DbErrors.IsUnavailable(e) || e is DbException)
        {
            return false;
        }
    }

    /// <summary>Opens a connection ready for use: on SQLite with WAL, full synchronous commits and foreign keys.</summary>
    public async ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken = default) =>
        _postgres is not null ? await _postgres.OpenConnectionAsync(cancellationToken) : await OpenSqliteAsync(new SqliteConnection(ConnectionString), pooled: true, cancellationToken);

    /// <summary>
    /// Like <see cref="OpenAsync"/>, but SQLite's connection is this caller's alone and is closed at the end, never
    /// handed to another through the pool: for a caller that changes its settings (the ledger's writer).
    /// </summary>
    public async ValueTask<DbConnection> OpenOwnAsync(CancellationToken cancellationToken = default) =>
        _postgres is not null ? await _postgres.OpenConnectionAsync(cancellationToken) : await OpenSqliteAsync(new SqliteConnection(_unpooled), pooled: false, cancellationToken);

    /// <summary>
    /// A connection for reads that each commit on their own (no transaction), on the paths that run at every step of a
    /// session or message. Run its statements through <see cref="DbExtensions.Reused"/>: on SQLite the connection stays
    /// open when disposed and goes back to this database's readers with its statements prepared, so a read is not
    /// parsed and planned again at each use (that was most of what SQLite spent on a USSD step). A reader that comes
    /// back inside a transaction or with a statement still running is closed instead. On PostgreSQL it is
    /// <see cref="OpenAsync"/>: Npgsql pools connections and prepares repeated statements itself.
    /// </summary>
    public async ValueTask<DbConnection> OpenReaderAsync(CancellationToken cancellationToken = default)
    {
        if (_postgres is not null)
        {
            return await _postgres.OpenConnectionAsync(cancellationToken);
        }

        if (_readers.TryTake() is { } idle)
        {
            return idle;
        }

        ReaderConnection reader = await OpenSqliteAsync(new ReaderConnection(_unpooled, _readers), pooled: false, cancellationToken);
        // How a reader coming back is seen to have no statement running (SQLitePCL has it off by default).
        reader.Handle!.enable_sqlite3_next_stmt(true);
        return reader;
    }

    private async ValueTask<T> OpenSqliteAsync<T>(T connection, bool pooled, CancellationToken cancellationToken)
        where T : SqliteConnection
    {
        try
        {
            await connection.OpenAsync(cancellationToken);
            // The settings belong to SQLite's connection, which the pool keeps for the next open: set once for each.
            if (pooled && Configured.TryGetValue(connection.Handle!, out _))
            {
                return connection;
            }

            using SqliteCommand pragmas = connection.CreateCommand();
            // FULL: in WAL mode a commit is on disk when it returns (NORMAL may lose the last commits on power loss).
            // WAL is a property of the file: set once per process.
            pragmas.CommandText = _walSet
                ? "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;"
                : "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;";
            await pragmas.ExecuteNonQueryAsync(cancellationToken);
            _walSet = true;
            if (pooled)
            {
                Configured.AddOrUpdate(connection.Handle!, Configured);
            }

            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Brings the schema up to date. On PostgreSQL an advisory lock makes concurrent start-ups of several servers
    /// take turns. Throws with DbUp's reason when a script fails.
    /// </summary>
    public Task MigrateAsync(CancellationToken cancellationToken = default) => MigrateAsync(through: null, cancellationToken);

    /// <summary>Runs the migrations up to the one whose file name starts with <paramref name="through"/> (all when null): for upgrade tests.</summary>
    internal async Task MigrateAsync(string? through, CancellationToken cancellationToken = default)
    {
        IReadOnlyList<SqlScript> scripts = Scripts(Kind);
        if (through is not null)
        {
            int last = scripts.ToList().FindLastIndex(s => s.Name.Split('.')[^2].StartsWith(through, StringComparison.Ordinal));
            scripts = last < 0 ? throw new ArgumentException($"No migration {through}.", nameof(through)) : [.. scripts.Take(last + 1)];
        }

        if (Kind == DatabaseKind.Sqlite)
        {
            // Creates the file and switches it to WAL before DbUp opens its own connection.
            await using DbConnection _ = await OpenAsync(cancellationToken);
            Run(DeployChanges.To.SqliteDatabase(ConnectionString), scripts, Kind);
            return;
        }

        await using DbConnection lockConnection = await OpenAsync(cancellationToken);
        await using (DbCommand take = lockConnection.CreateCommand())
        {
            take.CommandText = "SELECT pg_advisory_lock(7271100101)";
            await take.ExecuteNonQueryAsync(cancellationToken);
        }

        try
        {
            Run(DeployChanges.To.PostgresqlDatabase(ConnectionString), scripts, Kind);
        }
        finally
        {
            await using DbCommand release = lockConnection.CreateCommand();
            release.CommandText = "SELECT pg_advisory_unlock(7271100101)";
            await release.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }

    /// <summary>
    /// The engine's migrations, in order: those written once for both (<c>Migrations/Shared</c>, with
    /// <see cref="Variables"/> for what the engines spell differently) and the engine's own where they differ
    /// (<c>Migrations/Sqlite</c>, <c>Migrations/Postgres</c>). A shared script is journaled under the engine folder's
    /// name, as the engine's own scripts were before they were written once: a database migrated then sees it applied.
    /// </summary>
    internal static IReadOnlyList<SqlScript> Scripts(DatabaseKind kind)
    {
        Assembly assembly = typeof(Database).Assembly;
        string prefix = typeof(Database).Namespace + ".Migrations.";
        string engine = prefix + (kind == DatabaseKind.Sqlite ? "Sqlite." : "Postgres.");
        string shared = prefix + "Shared.";
        var scripts = new List<SqlScript>();
        foreach (string resource in assembly.GetManifestResourceNames())
        {
            bool own = resource.StartsWith(engine, StringComparison.Ordinal);
            if (!own && !resource.StartsWith(shared, StringComparison.Ordinal))
            {
                continue;
            }

            using Stream stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream);
            string name = own ? resource : engine + resource[shared.Length..];
            scripts.Add(new SqlScript(name, reader.ReadToEnd()));
        }

        if (scripts.GroupBy(s => s.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            throw new InvalidOperationException($"Migration {twice.Key} is both the engine's own and shared.");
        }

        return [.. scripts.OrderBy(s => s.Name, StringComparer.Ordinal)];
    }

    /// <summary>
    /// What shared migrations write for what the engines spell differently: <c>$bigint$</c> (a 64-bit integer column),
    /// <c>$boolean$</c>, <c>$false$</c>, <c>$blob$</c>, <c>$identity$</c> (a key the database numbers, never reused) and
    /// <c>$rowid$</c> (one it numbers, on SQLite the row id), <c>$now_ms$</c> (now, in milliseconds since 1970).
    /// </summary>
    internal static IDictionary<string, string> Variables(DatabaseKind kind) =>
        SpelledDifferently.ToDictionary(v => v.Name, v => kind == DatabaseKind.Sqlite ? v.Sqlite : v.Postgres);

    private static readonly (string Name, string Sqlite, string Postgres)[] SpelledDifferently =
    [
        ("bigint", "INTEGER", "BIGINT"),
        ("boolean", "INTEGER", "BOOLEAN"),
        ("false", "0", "false"),
        ("blob", "BLOB", "BYTEA"),
        ("identity", "INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT", "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY"),
        ("rowid", "INTEGER NOT NULL PRIMARY KEY", "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY"),
        ("now_ms", "(CAST(strftime('%s', 'now') AS INTEGER) * 1000)", "(EXTRACT(EPOCH FROM now()) * 1000)::bigint"),
    ];

    private static void Run(UpgradeEngineBuilder builder, IReadOnlyList<SqlScript> scripts, DatabaseKind kind)
    {
        UpgradeEngine engine = builder
            .WithScripts(scripts)
            .WithVariables(Variables(kind))
            .WithTransactionPerScript()
            .LogToNowhere()
            .Build();
        DatabaseUpgradeResult result = engine.PerformUpgrade();
        if (!result.Successful)
        {
            throw new InvalidOperationException(
                $"Schema migration failed in {result.ErrorScript?.Name}: {result.Error?.Message}", result.Error);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _readers.Dispose();
        if (_postgres is not null)
        {
            await _postgres.DisposeAsync();
        }
    }
}

/// <summary>What a database error means for the caller, whichever engine raised it.</summary>
public static class DbErrors
{
    /// <summary>A unique or primary key constraint refused a row: a duplicate, decided by the database.</summary>
    public static bool IsUniqueViolation(Exception e) => e switch
    {
        PostgresException pg => pg.SqlState == PostgresErrorCodes.UniqueViolation,
        SqliteException lite => lite.SqliteExtendedErrorCode is 1555 or 2067,
        _ => false,
    };

    /// <summary>A CHECK constraint refused a row (on the ledger: an overdraft the code should have caught).</summary>
    public static bool IsCheckViolation(Exception e) => e switch
    {
        PostgresException pg => pg.SqlState == PostgresErrorCodes.CheckViolation,
        SqliteException lite => lite.SqliteExtendedErrorCode == 275,
        _ => false,
    };

    /// <summary>Worth trying the whole transaction again: a deadlock, a serialization failure, a busy file, a dropped connection.</summary>
    public static bool IsTransient(Exception e) => e switch
    {
        PostgresException pg => pg.SqlState is PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure
            || pg.IsTransient || IsUnavailable(pg),
        NpgsqlException npg => npg.IsTransient,
        SqliteException lite => lite.SqliteErrorCode is 5 or 6,
        _ => false,
    };

    /// <summary>
    /// No database takes writes just now: none can be reached (every host down, or none of them the primary yet), the
    /// connection broke, or the host is shutting down or read-only (a standby not yet promoted, a primary being
    /// fenced). It passes once a primary takes commits again (docs/design/failover.md), so callers refuse for now
    /// (HTTP 503, SMPP ESME_RX_T_APPN) rather than fail, and a commit whose outcome it hid is tried again whole.
    /// </summary>
    public static bool IsUnavailable(Exception? e) => e switch
    {
        null => false,
        PostgresException pg => pg.SqlState is PostgresErrorCodes.ReadOnlySqlTransaction or PostgresErrorCodes.AdminShutdown
            or PostgresErrorCodes.CrashShutdown or PostgresErrorCodes.CannotConnectNow
            || pg.SqlState.StartsWith("08", StringComparison.Ordinal),
        // A refused or reset connection, a timeout while connecting: Npgsql marks them transient. "No suitable host"
        // is not marked, and has no inner error when Npgsql remembers every host as down or not the primary.
        NpgsqlException npg => npg.IsTransient
            || npg.Message.StartsWith("No suitable host", StringComparison.Ordinal)
            || IsUnavailable(npg.InnerException),
        AggregateException all => all.InnerExceptions.Count > 0 && all.InnerExceptions.All(IsUnavailable),
        // What failed because of one of those (a migration DbUp could not run, for one).
        _ => IsUnavailable(e.InnerException),
    };
}
